from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from shopmind_common.settings import get_settings

OPENAPI_URL = "/v1/devassist/testgen/openapi"
PYTHON_URL = "/v1/devassist/testgen/python"
SRC = Path(__file__).resolve().parents[2] / "src" / "shopmind_devassist"

CRASHY = '''
def ratio(total: int, count: int) -> float:
    """The mean; ValueError when there is nothing to average."""
    if count < 0:
        raise ValueError("negative count")
    return total / count


def label(name: str) -> str:
    return name.strip().title()
'''


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
async def live_suite(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The whole suite built in process by the all-in-one runner, its gateway on a real port."""
    from shopmind_cli.main import build_suite

    patch = pytest.MonkeyPatch()
    for var in ("KAFKA_BOOTSTRAP", "DATABASE_URL", "NEO4J_URI", "REDIS_URL",
                "SHOPMIND_SERVICE_URLS"):
        patch.delenv(var, raising=False)
    patch.setenv("SHOPMIND_DATA_DIR", str(tmp_path_factory.mktemp("suite")))
    patch.setenv("SHOPMIND_ENV", "development")
    patch.setenv("GATEWAY_AUTH", "off")
    patch.setenv("GATEWAY_RATE_LIMIT_PER_S", "100000")
    patch.setenv("GATEWAY_RATE_LIMIT_BURST", "100000")
    get_settings.cache_clear()
    port = _free_port()
    gateway, services = build_suite()
    server = uvicorn.Server(uvicorn.Config(gateway, host="127.0.0.1", port=port, ws="none",
                                           log_level="warning", lifespan="off"))
    try:
        # Only devassist runs its lifespan: the tests exercise its routes, and the other
        # services' model loads would only slow the run.
        devassist = services["devassist"]
        async with gateway.router.lifespan_context(gateway), \
                devassist.router.lifespan_context(devassist):
            task = asyncio.create_task(server.serve())
            while not server.started:
                assert not task.done(), "the gateway did not start"
                await asyncio.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
            server.should_exit = True
            await asyncio.wait_for(task, 30)
    finally:
        get_settings.cache_clear()
        patch.undo()


async def _pytest(tools: Any, root: Path, *args: str, env: dict[str, str] | None = None
                  ) -> tuple[int, str]:
    """pytest in a subprocess, awaited so this event loop keeps serving the suite."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *tools.pytest_cmd(root, *args), cwd=root,
        env={**__import__("os").environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 300)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        raise
    return proc.returncode or 0, out.decode()


async def test_generated_api_tests_pass_against_the_live_suite(live_suite: str, tools: Any,
                                                               tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=live_suite, timeout=120) as gw:
        merged = (await gw.get("/openapi.json")).json()
        assert any(p.startswith("/v1/devassist/") for p in merged["paths"])
        resp = await gw.post(OPENAPI_URL, json={"spec": merged, "services": ["devassist"],
                                                "base_url": live_suite, "error_field": "error"})
    assert resp.status_code == 200, resp.text
    generated = resp.json()
    operations = sum(1 for p, item in merged["paths"].items() if p.startswith("/v1/devassist/")
                     for m in item if m in ("get", "post", "put", "patch", "delete"))
    [path] = tools.write(tmp_path, generated["files"])
    lint = tools.run(["-m", "ruff", "check", "--no-cache", "--config", str(tools.pyproject),
                      str(path)], tmp_path)
    assert lint.returncode == 0, lint.stdout
    code, out = await _pytest(tools, tmp_path, str(path), env={"API_BASE_URL": live_suite})
    assert code == 0, out[-6000:]
    summary = out.strip().splitlines()[-1]
    assert f"{generated['cases']} passed" in summary, summary
    assert generated["tests"] >= operations + 1
    assert generated["cases"] > 3 * operations  # invalid cases for (nearly) every operation


async def test_whole_suite_spec_gives_a_collectable_test_file(live_suite: str, tools: Any,
                                                              tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=live_suite, timeout=120) as gw:
        merged = (await gw.get("/openapi.json")).json()
        resp = await gw.post(OPENAPI_URL, json={"spec": merged})
        reference = await gw.get("/v1/devassist/apidocs/suite")
    assert resp.status_code == 200, resp.text
    generated = resp.json()
    [path] = tools.write(tmp_path, generated["files"])
    code, out = await _pytest(tools, tmp_path, "--collect-only", str(path))
    assert code == 0, out[-4000:]
    assert f"{generated['cases']} tests collected" in out
    # devassist documents the same suite from the services themselves (in process)
    assert reference.status_code == 200, reference.text
    documented = {s["name"] for s in reference.json()["services"]}
    assert "devassist" in documented
    served = {p.split("/")[2] for p in merged["paths"] if p.startswith("/v1/")}
    assert documented <= served


async def test_tests_from_source_pass_on_own_modules_and_catch_a_crash(
    client: httpx.AsyncClient, tools: Any, tmp_path: Path
) -> None:
    """Skeletons for four of this repository's modules pass; a planted crash is caught."""
    files = []
    for module in ("commits/diff.py", "commits/classify.py", "perf/rules.py", "pyliteral.py"):
        path = SRC / module
        resp = await client.post(PYTHON_URL, json={
            "source": path.read_text(), "path": str(path.relative_to(SRC.parents[3]))})
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["cases"] >= 5
        files += body["files"]
    (tmp_path / "crashy.py").write_text(CRASHY)
    resp = await client.post(PYTHON_URL, json={"source": CRASHY, "module": "crashy"})
    assert resp.status_code == 200
    files += resp.json()["files"]
    written = tools.write(tmp_path, files)
    assert len({p.name for p in written}) == 5
    # (crashy's skeleton is left out: whether `crashy` is first-party depends on ruff's setup)
    lint = tools.ruff([p for p in written if "crashy" not in p.name], tmp_path)
    assert lint.returncode == 0, lint.stdout
    code, out = await _pytest(tools, tmp_path, "tests", "-rf", env={"PYTHONPATH": str(tmp_path)})
    assert code == 1, out[-6000:]
    failed = [ln for ln in out.splitlines() if ln.startswith("FAILED")]
    # the only failure: ratio(count=0) divides by zero, an error it neither raises nor documents
    assert len(failed) == 1, out[-6000:]
    assert "test_crashy_edges.py" in failed[0] and "count: zero" in failed[0]
    assert "ZeroDivisionError: division by zero" in out


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"source": "def f(:\n", "module": "m"}, "body.source", "does not parse"),
    ({"source": "x = 1\n", "module": "m"}, "body.source", "no public function"),
    ({"source": "def f(): pass\n"}, "body", "give module"),
    ({"source": "def f(): pass\n", "path": "../../"}, "body.path", "cannot derive"),
])
async def test_bad_source_is_422(client: httpx.AsyncClient, body: dict[str, str], field: str,
                                 reason: str) -> None:
    resp = await client.post(PYTHON_URL, json=body)
    assert resp.status_code == 422, resp.text
    error = resp.json()["error"]
    assert reason in error["message"] + str(error["details"])
    assert error["details"][0]["field"] == field


async def test_invalid_spec_for_tests_is_422(client: httpx.AsyncClient) -> None:
    resp = await client.post(OPENAPI_URL, json={"spec": {"openapi": "3.1.0", "paths": {}}})
    assert resp.status_code == 422
    assert "info" in resp.json()["error"]["message"]
