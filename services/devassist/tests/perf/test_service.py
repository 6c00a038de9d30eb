from __future__ import annotations

import re
from pathlib import Path

import httpx
from shopmind_devassist.perf.rules import analyse_source

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[4]


def planted(path: Path) -> set[tuple[int, str]]:
    """(line, rule) of every `# planted: <rule>` marker in a fixture."""
    out = set()
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = re.search(r"# planted: ([\w-]+)", line)
        if match:
            out.add((number, match.group(1)))
    return out


async def test_finds_every_planted_problem_and_nothing_else(client: httpx.AsyncClient) -> None:
    path = FIXTURES / "planted.py"
    resp = await client.post("/v1/devassist/perf/advice",
                             json={"source": path.read_text(), "path": "planted.py"})
    assert resp.status_code == 200, resp.text
    advice = resp.json()
    found = {(f["line"], f["rule"]) for f in advice["findings"]}
    expected = planted(path)
    assert len(expected) == 13
    assert found == expected
    assert set(advice["counts"]) == {rule for _, rule in expected}
    for finding in advice["findings"]:
        assert finding["path"] == "planted.py"
        assert finding["reason"] and finding["suggestion"] and finding["rewrite"]
        assert finding["code"] == path.read_text().splitlines()[finding["line"] - 1].strip()


async def test_findings_name_their_function_and_rewrite(client: httpx.AsyncClient) -> None:
    source = (FIXTURES / "planted.py").read_text()
    findings = (await client.post("/v1/devassist/perf/advice",
                                  json={"source": source})).json()["findings"]
    by_rule = {f["rule"]: f for f in findings}
    concat = by_rule["string-concat-in-loop"]
    assert concat["function"] == "report"
    assert '"".join(out_parts)' in concat["rewrite"]
    blocking = [f for f in findings if f["rule"] == "blocking-call-in-async"]
    assert {f["severity"] for f in blocking} == {"error"}
    assert "asyncio.sleep(0.1)" in blocking[0]["rewrite"]
    per_item = {f["function"]: f for f in findings if f["rule"] == "per-item-call-in-loop"}
    assert set(per_item) == {"load_all", "score", "embed"}
    assert "N+1" in per_item["load_all"]["reason"]
    assert "one model call per item" in per_item["embed"]["reason"]


async def test_clean_file_has_no_finding(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/devassist/perf/advice",
                             json={"source": (FIXTURES / "clean.py").read_text()})
    assert resp.status_code == 200
    assert resp.json()["findings"] == []


async def test_batch_of_files_reports_unparsable_ones(client: httpx.AsyncClient) -> None:
    files = [{"path": "planted.py", "content": (FIXTURES / "planted.py").read_text()},
             {"path": "broken.py", "content": "def f(:\n"}]
    advice = (await client.post("/v1/devassist/perf/advice", json={"files": files})).json()
    assert advice["files"] == 2
    assert advice["errors"] == [{"path": "broken.py", "line": 1, "message": "invalid syntax"}]
    assert {f["path"] for f in advice["findings"]} == {"planted.py"}


async def test_bad_input_is_422_with_the_reason(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/devassist/perf/advice", json={"source": "def f(:\n  pass"})
    assert resp.status_code == 422
    error = resp.json()["error"]
    assert "does not parse" in error["message"]
    assert error["details"][0]["field"] == "body.source"
    assert error["details"][0]["line"] == 1
    both = await client.post("/v1/devassist/perf/advice",
                             json={"source": "x = 1", "files": []})
    assert both.status_code == 422
    assert "exactly one of source or files" in both.text


def test_runs_over_the_whole_repository() -> None:
    """Every Python file of this repository parses and every finding points at real code."""
    files = [p for top in ("libs", "gateway", "services", "tests", "bench")
             for p in (REPO / top).rglob("*.py")
             if ".venv" not in p.parts and "_pb2" not in p.name]
    assert len(files) > 50
    total = 0
    for path in files:
        text = path.read_text()
        lines = text.splitlines()
        for finding in analyse_source(text, str(path)):
            total += 1
            assert lines[finding.line - 1].strip() == finding.code
    own = [p for p in files if "shopmind_devassist" in p.parts]
    # devassist's own code follows its own advice
    assert [f for p in own for f in analyse_source(p.read_text(), str(p))] == []
    assert total >= 0
