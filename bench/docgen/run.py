"""docgen: time per document for each type with the packaged model, against templates only.

    baseline : LLM_BACKEND=none — every prose section from the deterministic template writer
    model    : LLM_BACKEND=builtin — SmolLM2-135M-Instruct (packaged GGUF, converted once to
               the model cache) on CPU with MODEL_TORCH_THREADS (default 2)

Both run the whole job path: docgen served by uvicorn on a loopback socket (so the SSE
stream reaches the client piece by piece), POST /v1/docgen/jobs -> the job reads the
project over REST from the projects app in the same process -> prose -> render ->
proofread -> publish. Per document it records the wall time from POST to the SSE `end`
event, and the time to the first streamed text piece (SSE `token`). The same seeded project (3
milestones, 3 members, 7 tasks) is used for every run.

Usage: python bench/docgen/run.py [--threads 2] [--max-tokens 120] [--reps 1]
       [--baseline-reps 3] [--language en] [--no-readme]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from shopmind_common.benchmarks import write_results

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
MARK_BEGIN = "<!-- bench:docgen:begin -->"
MARK_END = "<!-- bench:docgen:end -->"
TYPES = ("plan", "prd", "design", "status", "release_notes")


async def _seed(c: Any) -> tuple[str, str]:
    base = date.today() - timedelta(days=21)

    def d(days: int) -> str:
        return (base + timedelta(days=days)).isoformat()

    async def ok(resp: Any) -> dict[str, Any]:
        assert resp.status_code in (200, 201), resp.text
        return dict(resp.json())

    pid = (await ok(await c.post("/v1/projects", json={
        "name": "Shop search & recommendations", "status": "active",
        "description": "Personalised recommendations from user behaviour to lift the "
                       "purchase conversion rate.", "start_date": d(0),
        "target_date": d(110)})))["id"]
    ms = {}
    for name, s, e in (("Data pipeline", 0, 25), ("Ranking model", 28, 67), ("Launch", 70, 110)):
        ms[name] = (await ok(await c.post(f"/v1/projects/{pid}/milestones", json={
            "name": name, "start_date": d(s), "due_date": d(e)})))["id"]
    people = {}
    for name, role in (("Alice Wang", "data engineer"), ("Bob Li", "ML engineer"),
                       ("Chen Jing", "backend engineer")):
        people[name] = (await ok(await c.post(f"/v1/projects/{pid}/members", json={
            "name": name, "role": role})))["id"]
    tasks = {}
    for title, m, who, s, e, h, labels in (
            ("Collect behaviour events", "Data pipeline", "Alice Wang", 0, 11, 40, ["feature"]),
            ("Build the feature store", "Data pipeline", "Alice Wang", 14, 25, 60, ["feature"]),
            ("Train the ranking model", "Ranking model", "Bob Li", 28, 53, 80, ["model"]),
            ("Offline evaluation", "Ranking model", "Bob Li", 56, 67, 24, ["model"]),
            ("Recommendation serving API", "Launch", "Chen Jing", 70, 88, 50, ["api"]),
            ("A/B test and launch", "Launch", None, 91, 110, 30, []),
            ("Fix duplicate click events", "Data pipeline", "Alice Wang", 5, 9, 6, ["bug"])):
        t = await ok(await c.post(f"/v1/projects/{pid}/tasks", json={
            "title": title, "milestone_id": ms[m], "assignee_id": people.get(who or ""),
            "start_date": d(s), "due_date": d(e), "estimate_hours": h, "labels": labels}))
        tasks[t["number"]] = t["id"]
    for n in (1, 7):
        for status in ("in_progress", "done"):
            await ok(await c.patch(f"/v1/projects/{pid}/tasks/{tasks[n]}",
                                   json={"status": status}))
    return pid, ms["Data pipeline"]


async def _one(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    resp = await client.post("/v1/docgen/jobs", json=body)
    assert resp.status_code == 202, resp.text
    first_token: float | None = None
    end: dict[str, Any] = {}
    event = ""
    async with client.stream("GET", resp.json()["links"]["events"]) as stream:
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                if event == "token" and first_token is None:
                    first_token = time.perf_counter() - start
                if event == "end":
                    end = json.loads(line[6:])
    total = time.perf_counter() - start
    sections: dict[str, Any] = {}
    if end.get("document_id") and end.get("version"):
        version = (await client.get(f"/v1/docgen/documents/{end['document_id']}/versions/"
                                    f"{end['version']}")).json()
        sections = version["generation"]["sections"]
    return {"seconds": total, "first_token_s": first_token, "status": end.get("status"),
            "unchanged": end.get("unchanged"), "error": (end.get("error") or {}).get("code"),
            "model_sections": sum(1 for s in sections.values() if s["source"] == "model"),
            "sections": len(sections)}


async def _run_config(projects_app: Any, data: Path, pid: str, ms_id: str, *, backend: str,
                      threads: int, max_tokens: int, reps: int, language: str
                      ) -> tuple[float, dict[str, list[dict[str, Any]]]]:
    import httpx
    from shopmind_common.events import InProcessBus
    from shopmind_docgen.config import DocgenSettings
    from shopmind_docgen.main import create_app

    settings = DocgenSettings(
        SHOPMIND_DATA_DIR=str(data), KAFKA_BOOTSTRAP=None, DATABASE_URL=None,
        SHOPMIND_SERVICE_URLS={}, LLM_BACKEND=backend, MODEL_DEVICE="cpu",
        MODEL_TORCH_THREADS=threads, DOCGEN_PROSE_MAX_TOKENS=max_tokens,
        DOCGEN_REFRESH_ENABLED=False, LOG_LEVEL="WARNING", LOG_JSON=False)
    import uvicorn

    app = create_app(settings, bus=InProcessBus())
    results: dict[str, list[dict[str, Any]]] = {}
    start = time.perf_counter()
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        load_s = time.perf_counter() - start
        # A real socket: httpx's in-process transport would buffer the SSE stream whole.
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               lifespan="off", log_level="warning"))
        serving = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                     timeout=None) as client:
            for rep in range(reps):
                for doc_type in TYPES:
                    body: dict[str, Any] = {
                        "type": doc_type, "project_id": pid, "language": language,
                        "requirement": "Build e-commerce search and recommendations that "
                                       "personalise by user behaviour and lift conversion.",
                        # A different day per repetition: every run publishes a new version.
                        "as_of": (date.today() - timedelta(days=rep)).isoformat(),
                        "on_unverified_prose": "replace"}
                    if doc_type == "release_notes":
                        body["milestone_id"] = ms_id
                    if doc_type == "prd":
                        body["pain_points"] = [{"aspect": "delivery", "negative": 41,
                                                "total": 90}]
                    r = await _one(client, body)
                    results.setdefault(doc_type, []).append(r)
                    print(f"  {backend:8s} {doc_type:14s} rep {rep}: {r['seconds']:7.2f}s "
                          f"first token {r['first_token_s']} status {r['status']} "
                          f"model sections {r['model_sections']}/{r['sections']}",
                          flush=True)
        server.should_exit = True
        await serving
    return load_s, results


def _median(rows: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in rows if r[key] is not None]
    return statistics.median(values) if values else None


async def main_async(args: argparse.Namespace) -> str:
    import httpx
    from shopmind_common.events import InProcessBus
    from shopmind_common.http import register_local_app
    from shopmind_projects.config import ProjectsSettings
    from shopmind_projects.main import create_app as create_projects

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        projects = create_projects(ProjectsSettings(
            SHOPMIND_DATA_DIR=str(tmpdir / "projects"), KAFKA_BOOTSTRAP=None,
            DATABASE_URL=None, PROJECTS_NLP_ENABLED=False, LOG_LEVEL="WARNING",
            LOG_JSON=False), bus=InProcessBus())
        register_local_app("projects", projects)
        async with projects.router.lifespan_context(projects):
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=projects),
                                         base_url="http://projects") as pc:
                pid, ms_id = await _seed(pc)
            print("baseline: templates only", flush=True)
            _, base = await _run_config(projects, tmpdir / "none", pid, ms_id, backend="none",
                                        threads=args.threads, max_tokens=args.max_tokens,
                                        reps=args.baseline_reps, language=args.language)
            print(f"model: packaged SmolLM2 on {args.threads} threads", flush=True)
            load_s, model = await _run_config(
                projects, tmpdir / "model", pid, ms_id, backend="builtin",
                threads=args.threads, max_tokens=args.max_tokens, reps=args.reps,
                language=args.language)

    lines = [
        f"Run on {date.today()} · {platform.python_version()} · {os.cpu_count()} CPUs visible, "
        f"torch threads {args.threads} · load average {os.getloadavg()[0]:.1f} at the end · "
        f"language {args.language} · up to {args.max_tokens} new tokens per prose section · "
        f"model load + warm-up {load_s:.1f}s (not in the figures).",
        "",
        "| type | prose sections | template-only (baseline), median s | packaged model, "
        "median s | ratio model / baseline | first streamed token, s | model-written "
        "sections |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for doc_type in TYPES:
        b = _median(base[doc_type], "seconds")
        m = _median(model[doc_type], "seconds")
        ttft = _median(model[doc_type], "first_token_s")
        kept = sum(r["model_sections"] for r in model[doc_type])
        total = sum(r["sections"] for r in model[doc_type])
        ratio = f"{m / b:.0f}×" if b and m else "—"
        lines.append(f"| {doc_type} | {model[doc_type][0]['sections']} | {b:.3f} | {m:.2f} | "
                     f"{ratio} | {ttft:.2f} | {kept}/{total} |" if b and m and ttft else
                     f"| {doc_type} | — | {b} | {m} | {ratio} | {ttft} | {kept}/{total} |")
    table = "\n".join(lines)
    print()
    print(table)
    return table


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-tokens", type=int, default=120)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--baseline-reps", type=int, default=3)
    parser.add_argument("--language", choices=("en", "zh"), default="en")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    table = asyncio.run(main_async(args))
    if not args.no_readme:
        write_results(README, table, title="docgen benchmark", begin=MARK_BEGIN,
                      end=MARK_END)
    return 0


if __name__ == "__main__":
    sys.exit(main())
