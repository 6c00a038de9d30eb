"""Benchmark: list and update latency of the projects service under concurrent load,
on the real PostgreSQL, with SQL statements per request.

    DATABASE_URL=postgresql+psycopg://... python bench/projects/run.py

It creates a scratch database next to DATABASE_URL's, runs the service in its
own process under uvicorn (its real lifespan: Alembic migrations, outbox relay),
seeds a project, and drives it over HTTP from this process with N concurrent
clients. Every response carries the number of SQL statements the request ran
(counted by a SQLAlchemy `before_cursor_execute` hook), so N+1 patterns show.

Baselines, measured in the same run against the same server and database:
  * list:   a naive list endpoint that loads the page, then each task's labels
            and assignee one query at a time (the classic N+1);
  * update: one raw `UPDATE ... RETURNING` statement per request (no If-Match
            check, no activity log, no outbox event): the floor an update can reach.
"""


import argparse
import asyncio
import contextvars
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from shopmind_common.benchmarks import write_results

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
MARK_BEGIN = "<!-- bench:projects:begin -->"
MARK_END = "<!-- bench:projects:end -->"
STATEMENTS_HEADER = "x-sql-statements"

# --------------------------------------------------------------------------- server side

_statements: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "bench_statements", default=None)


def build_server_app(database_url: str) -> Any:
    """The real service app, plus a statement counter and the two baseline endpoints."""
    from fastapi import FastAPI, Request
    from shopmind_projects.config import ProjectsSettings
    from shopmind_projects.db.models import Member, Task, TaskLabel
    from shopmind_projects.deps import SessionDep
    from shopmind_projects.main import create_app
    from shopmind_projects.tasks.schemas import TaskOut
    from sqlalchemy import event, select, text
    from sqlalchemy.engine import Engine

    settings = ProjectsSettings(DATABASE_URL=database_url, KAFKA_BOOTSTRAP=None,
                                PROJECTS_NLP_ENABLED=False, LOG_LEVEL="WARNING")
    app: FastAPI = create_app(settings)

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        box = _statements.get()
        if box is not None:
            box[0] += 1

    @app.middleware("http")
    async def _statements_per_request(request: Request, call_next: Any) -> Any:
        box = [0]
        token = _statements.set(box)
        try:
            response = await call_next(request)
        finally:
            _statements.reset(token)
        response.headers[STATEMENTS_HEADER] = str(box[0])
        return response

    @app.get("/bench/naive/projects/{project_id}/tasks")
    async def naive_list(project_id: str, session: SessionDep, limit: int = 50,
                         offset: int = 0) -> dict[str, Any]:
        """Baseline: the page, then labels and assignee per task, one query each (N+1)."""
        rows = (await session.execute(
            select(Task).where(Task.project_id == project_id).order_by(Task.number)
            .limit(limit).offset(offset))).scalars().all()
        total = (await session.execute(text(
            "SELECT count(*) FROM pm_task WHERE project_id = :p"), {"p": project_id})).scalar()
        items = []
        for task in rows:
            labels = (await session.execute(select(TaskLabel.label).where(
                TaskLabel.task_id == task.id).order_by(TaskLabel.label))).scalars().all()
            if task.assignee_id:
                await session.execute(select(Member).where(Member.id == task.assignee_id))
            data = {c: getattr(task, c) for c in TaskOut.model_fields if c != "labels"}
            items.append(TaskOut.model_validate({**data, "labels": list(labels)})
                         .model_dump(mode="json"))
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    @app.patch("/bench/raw/projects/{project_id}/tasks/{task_id}")
    async def raw_update(project_id: str, task_id: str, body: dict[str, Any],
                         session: SessionDep) -> dict[str, Any]:
        """Baseline: one UPDATE statement, nothing else."""
        version = (await session.execute(text(
            "UPDATE pm_task SET priority = :p, version = version + 1, updated_at = now() "
            "WHERE id = :id AND project_id = :pid RETURNING version"),
            {"p": body["priority"], "id": task_id, "pid": project_id})).scalar()
        return {"id": task_id, "version": version}

    return app


def serve(database_url: str, port: int) -> None:
    import uvicorn

    # A long keep-alive: a client connection idle between scenarios must not be closed
    # under it (that is a ReadError on the client, not a server failure).
    uvicorn.run(build_server_app(database_url), host="127.0.0.1", port=port,
                log_level="warning", access_log=False, timeout_keep_alive=300)


# --------------------------------------------------------------------------- client side


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scratch_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"bench_projects_{uuid.uuid4().hex[:8]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rpartition("/")[0]
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base.removeprefix("postgresql://")
    return name, f"{base}/{name}"


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _wait_ready(client: Any, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except Exception:  # the server is still starting
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError("the service did not become ready")


async def _seed(client: Any, tasks: int) -> tuple[str, list[str]]:
    project = (await client.post("/v1/projects", json={
        "name": "Bench", "start_date": "2031-03-03"})).json()
    pid = project["id"]
    members = []
    for i in range(20):
        r = await client.post(f"/v1/projects/{pid}/members",
                              json={"name": f"member {i}", "skills": ["python", "sql"]})
        members.append(r.json()["id"])
    ids: list[str] = []
    for start in range(0, tasks, 200):
        batch = [{"title": f"task {i}", "estimate_hours": 4 + i % 12,
                  "labels": [f"area-{i % 7}", f"kind-{i % 3}"],
                  "priority": ["none", "low", "medium", "high", "urgent"][i % 5],
                  "assignee_id": members[i % len(members)],
                  "depends_on": [i - start - 1] if i % 10 and i > start else []}
                 for i in range(start, min(start + 200, tasks))]
        r = await client.post(f"/v1/projects/{pid}/tasks:accept", json={"tasks": batch})
        r.raise_for_status()
        ids.extend(t["id"] for t in r.json()["tasks"])
    return pid, ids


async def _load(client: Any, requests: int, concurrency: int, make: Any
                ) -> tuple[list[float], list[int], float]:
    """Run `requests` calls from `concurrency` workers; latencies (ms), statements, seconds."""
    latencies: list[float] = []
    statements: list[int] = []
    counter = iter(range(requests))

    async def worker(w: int) -> None:
        for i in counter:
            method, url, kwargs, after = make(w, i)
            t0 = time.perf_counter()
            r = await client.request(method, url, **kwargs)
            latencies.append((time.perf_counter() - t0) * 1000)
            if r.status_code >= 400:
                raise RuntimeError(f"{method} {url}: {r.status_code} {r.text[:300]}")
            statements.append(int(r.headers[STATEMENTS_HEADER]))
            if after:
                after(r)

    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return latencies, statements, time.perf_counter() - start


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def drive(port: int, args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    results: dict[str, Any] = {}
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                 limits=limits) as client:
        await _wait_ready(client)
        pid, task_ids = await _seed(client, args.tasks)
        page = args.page_size

        def service_list(_w: int, i: int) -> Any:
            offset = (i * page) % max(args.tasks - page, 1)
            return ("GET", f"/v1/projects/{pid}/tasks?limit={page}&offset={offset}"
                           "&sort=-priority", {}, None)

        def naive_list(_w: int, i: int) -> Any:
            offset = (i * page) % max(args.tasks - page, 1)
            return ("GET", f"/bench/naive/projects/{pid}/tasks?limit={page}"
                           f"&offset={offset}", {}, None)

        etags: dict[str, str] = {}
        priorities = ["low", "high"]

        def owned(w: int, i: int) -> str:
            # Each worker owns its own tasks, so no two writers race on one row.
            mine = task_ids[w::args.concurrency]
            return mine[(i // args.concurrency) % len(mine)]

        def service_update(w: int, i: int) -> Any:
            tid = owned(w, i)
            headers = {"If-Match": etags[tid]} if tid in etags else {}

            def remember(r: Any) -> None:
                etags[tid] = r.headers["ETag"]

            return ("PATCH", f"/v1/projects/{pid}/tasks/{tid}",
                    {"json": {"priority": priorities[i % 2]}, "headers": headers},
                    remember)

        def raw_update(w: int, i: int) -> Any:
            tid = owned(w, i)
            return ("PATCH", f"/bench/raw/projects/{pid}/tasks/{tid}",
                    {"json": {"priority": priorities[i % 2]}}, None)

        # Statements per request at two page sizes: constant means no N+1.
        for size in (10, 100):
            for label, path in (("service", f"/v1/projects/{pid}/tasks"),
                                ("naive", f"/bench/naive/projects/{pid}/tasks")):
                r = await client.get(f"{path}?limit={size}")
                results[f"statements_{label}_list_{size}"] = int(r.headers[STATEMENTS_HEADER])

        scenarios = [("list (service)", service_list), ("list (naive N+1)", naive_list),
                     ("update (service)", service_update), ("update (raw SQL)", raw_update)]
        for label, make in scenarios:
            await _load(client, min(50, args.requests), args.concurrency, make)  # warm-up
            lat, stmts, secs = await _load(client, args.requests, args.concurrency, make)
            results[label] = {
                "p50_ms": _pct(lat, 0.50), "p99_ms": _pct(lat, 0.99),
                "mean_ms": statistics.fmean(lat), "rps": len(lat) / secs,
                "statements_mean": statistics.fmean(stmts),
                "statements_max": max(stmts), "requests": len(lat)}
    return results


def bench(args: argparse.Namespace) -> dict[str, Any]:
    admin_url = os.environ.get("DATABASE_URL")
    if not admin_url or not admin_url.startswith("postgresql"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL "
                         "(eval \"$(bash deploy/local/infra.sh env)\")")
    name, url = _scratch_database(admin_url)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve", "--port", str(port),
         "--database-url", url], env={**os.environ, "LOG_JSON": "false"})
    try:
        return asyncio.run(drive(port, args))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        _drop_database(admin_url, name)


def _report(results: dict[str, Any], args: argparse.Namespace) -> str:
    rows = ["| scenario | p50 ms | p99 ms | req/s | SQL statements per request |",
            "| --- | ---: | ---: | ---: | ---: |"]
    for label in ("list (service)", "list (naive N+1)", "update (service)", "update (raw SQL)"):
        r = results[label]
        rows.append(f"| {label} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | {r['rps']:.0f} | "
                    f"{r['statements_mean']:.1f} (max {r['statements_max']}) |")
    ls, ln = results["list (service)"], results["list (naive N+1)"]
    us, ur = results["update (service)"], results["update (raw SQL)"]
    lines = [
        f"Setup: {args.tasks} tasks, page size {args.page_size}, {args.requests} requests per "
        f"scenario from {args.concurrency} concurrent clients over HTTP to one uvicorn "
        f"process, PostgreSQL from deploy/local, {os.cpu_count()} CPU cores (shared).",
        "",
        *rows,
        "",
        "SQL statements per list request by page size (constant = no N+1): "
        f"service {results['statements_service_list_10']} at 10 and "
        f"{results['statements_service_list_100']} at 100; naive "
        f"{results['statements_naive_list_10']} at 10 and "
        f"{results['statements_naive_list_100']} at 100.",
        "",
        f"Ratios: list p50 naive/service = {ln['p50_ms'] / ls['p50_ms']:.2f}x, "
        f"p99 = {ln['p99_ms'] / ls['p99_ms']:.2f}x; update p50 service/raw = "
        f"{us['p50_ms'] / ur['p50_ms']:.2f}x, p99 = {us['p99_ms'] / ur['p99_ms']:.2f}x "
        "(the price of If-Match, the activity log and the outbox event in one transaction).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.database_url, args.port)
        return
    results = bench(args)
    section = _report(results, args)
    print(section)
    if not args.no_readme:
        write_results(README, section, title="bench/projects", heading="## Latest figures",
                      begin=MARK_BEGIN, end=MARK_END)
        print(f"\nwrote {README.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
