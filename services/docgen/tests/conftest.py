from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from shopmind_common.events import EventBus, InProcessBus
from shopmind_common.http import register_local_app
from shopmind_docgen.config import DocgenSettings
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.main import create_app
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.main import create_app as create_projects_app

FINAL = {"succeeded", "failed", "cancelled"}


def docgen_settings(data_dir: Path, **overrides: Any) -> DocgenSettings:
    values: dict[str, Any] = {
        "SHOPMIND_DATA_DIR": str(data_dir), "KAFKA_BOOTSTRAP": None, "NEO4J_URI": None,
        "DATABASE_URL": None, "LLM_BACKEND": "none", "SHOPMIND_SERVICE_URLS": {},
        "DOCGEN_REFRESH_DEBOUNCE_S": 1.5, "DOCGEN_REFRESH_POLL_S": 0.05,
        "LOG_JSON": False, "LOG_LEVEL": "WARNING",
    }
    values.update(overrides)
    return DocgenSettings(**values)


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(docgen_settings(tmp_path), bus=InProcessBus())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@dataclass
class Seeded:
    project_id: str
    milestones: dict[str, str]  # name -> id
    members: dict[str, str]  # name -> id
    tasks: dict[int, str]  # number -> id
    base: date


@dataclass
class Stack:
    projects: httpx.AsyncClient
    docgen: httpx.AsyncClient
    docgen_app: FastAPI
    bus: EventBus
    seeded: list[Seeded] = field(default_factory=list)

    @property
    def engine(self) -> DocgenEngine:
        engine: DocgenEngine = self.docgen_app.state.engine
        return engine

    async def job(self, body: dict[str, Any], timeout_s: float = 30.0) -> dict[str, Any]:
        """Submit a job and wait for its end."""
        resp = await self.docgen.post("/v1/docgen/jobs", json=body)
        assert resp.status_code == 202, resp.text
        return await self.wait(resp.json()["id"], timeout_s)

    async def wait(self, job_id: str, timeout_s: float = 30.0) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            job = (await self.docgen.get(f"/v1/docgen/jobs/{job_id}")).json()
            if job["status"] in FINAL:
                return job
            assert asyncio.get_running_loop().time() < deadline, job
            await asyncio.sleep(0.05)

    async def version(self, document_id: str, version: int | str = "latest") -> dict[str, Any]:
        resp = await self.docgen.get(f"/v1/docgen/documents/{document_id}/versions/{version}")
        assert resp.status_code == 200, resp.text
        return resp.json()


async def _ok(resp: httpx.Response) -> dict[str, Any]:
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


async def seed_project(c: httpx.AsyncClient, base: date | None = None) -> Seeded:
    """A recommendation project: 3 milestones, 3 members, 7 tasks, a chain of dependencies."""
    base = base or (date.today() - timedelta(days=21))

    def d(days: int) -> str:
        return (base + timedelta(days=days)).isoformat()

    project = await _ok(await c.post("/v1/projects", json={
        "name": "Shop search & recommendations",
        "description": "Personalised recommendations from user behaviour to lift the "
                       "purchase conversion rate.",
        "status": "active", "start_date": d(0), "target_date": d(110)}))
    pid = project["id"]
    milestones = {}
    for name, start, due in (("Data pipeline", 0, 25), ("Ranking model", 28, 67),
                             ("Launch", 70, 110)):
        ms = await _ok(await c.post(f"/v1/projects/{pid}/milestones", json={
            "name": name, "start_date": d(start), "due_date": d(due)}))
        milestones[name] = ms["id"]
    members = {}
    for name, role, skills in (("Alice Wang", "data engineer", ["python", "kafka"]),
                               ("Bob Li", "ML engineer", ["pytorch", "ranking"]),
                               ("Chen Jing", "backend engineer", ["fastapi"])):
        m = await _ok(await c.post(f"/v1/projects/{pid}/members", json={
            "name": name, "role": role, "skills": skills}))
        members[name] = m["id"]
    specs = [
        ("Collect behaviour events", "Data pipeline", "Alice Wang", 0, 11, 40, ["pipeline"]),
        ("Build the feature store", "Data pipeline", "Alice Wang", 14, 25, 60, ["pipeline"]),
        ("Train the ranking model", "Ranking model", "Bob Li", 28, 53, 80,
         ["feature", "model"]),
        ("Offline evaluation", "Ranking model", "Bob Li", 56, 67, 24, ["model"]),
        ("Recommendation serving API", "Launch", "Chen Jing", 70, 88, 50, ["api", "feature"]),
        ("A/B test and launch", "Launch", None, 91, 110, 30, []),
        ("Fix duplicate click events", None, "Alice Wang", 5, 9, 6, ["bug"]),
    ]
    tasks = {}
    for title, ms, who, start, due, hours, labels in specs:
        t = await _ok(await c.post(f"/v1/projects/{pid}/tasks", json={
            "title": title, "milestone_id": milestones[ms] if ms else None,
            "assignee_id": members[who] if who else None, "start_date": d(start),
            "due_date": d(due), "estimate_hours": hours, "labels": labels,
            "priority": "high" if ms == "Launch" else "medium"}))
        tasks[t["number"]] = t["id"]
    for pred, succ in ((1, 2), (2, 3), (3, 4), (4, 5), (5, 6)):
        await _ok(await c.post(f"/v1/projects/{pid}/dependencies", json={
            "predecessor_id": tasks[pred], "successor_id": tasks[succ]}))
    # Progress: #1 and #7 done, #2 under way.
    for number, steps in ((1, ("in_progress", "done")), (7, ("in_progress", "done")),
                          (2, ("in_progress",))):
        for status in steps:
            await _ok(await c.patch(f"/v1/projects/{pid}/tasks/{tasks[number]}",
                                    json={"status": status}))
    return Seeded(pid, milestones, members, tasks, base)


@asynccontextmanager
async def open_stack(tmp_path: Path, *, bus: EventBus | None = None,
                     database_url: str | None = None, **docgen: Any) -> AsyncIterator[Stack]:
    """The projects app and docgen, in process, sharing one bus; docgen reads over REST."""
    bus = bus if bus is not None else InProcessBus()
    projects_app = create_projects_app(ProjectsSettings(
        SHOPMIND_DATA_DIR=str(tmp_path / "projects"), KAFKA_BOOTSTRAP=None, NEO4J_URI=None,
        DATABASE_URL=None, PROJECTS_NLP_ENABLED=False, PROJECTS_OUTBOX_INTERVAL_S=0.02,
        LOG_JSON=False, LOG_LEVEL="WARNING"), bus=bus)
    docgen_app = create_app(docgen_settings(tmp_path / "docgen", DATABASE_URL=database_url,
                                            **docgen), bus=bus)
    register_local_app("projects", projects_app)
    async with projects_app.router.lifespan_context(projects_app), \
            docgen_app.router.lifespan_context(docgen_app):
        await docgen_app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=projects_app),
                                     base_url="http://projects") as pc, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=docgen_app),
                                  base_url="http://docgen") as dc:
            yield Stack(projects=pc, docgen=dc, docgen_app=docgen_app, bus=bus)


@pytest.fixture(scope="module")
async def shared_stack(tmp_path_factory) -> AsyncIterator[Stack]:
    async with open_stack(tmp_path_factory.mktemp("stack")) as s:
        yield s


@pytest.fixture(scope="module")
async def shared_seeded(shared_stack: Stack) -> Seeded:
    return await seed_project(shared_stack.projects)


@pytest.fixture
async def stack(shared_stack: Stack) -> AsyncIterator[Stack]:
    """The module's stack; a test that swaps the model gets the template writer back after."""
    yield shared_stack
    shared_stack.engine.use_generator(None, set())


@pytest.fixture
async def seeded(shared_seeded: Seeded) -> Seeded:
    """The module's seeded project: tests that change it must seed their own."""
    return shared_seeded


@pytest.fixture
def make_stack(tmp_path):  # type: ignore[no-untyped-def]
    """`async with make_stack(bus=..., database_url=..., **docgen_settings) as stack:`."""

    def _make(**kwargs: Any):  # type: ignore[no-untyped-def]
        return open_stack(tmp_path, **kwargs)

    return _make


@pytest.fixture
def seed():  # type: ignore[no-untyped-def]
    """`await seed(projects_client)` -> Seeded."""
    return seed_project
