"""Fixtures: the app on SQLite or on the real PostgreSQL, a client, and API helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from shopmind_common.events import EventBus, InProcessBus
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.main import create_app

# A Monday far enough ahead that "today" never falls inside the test plans.
MONDAY = date(2031, 3, 3)

BACKENDS = [pytest.param("sqlite", id="sqlite"),
            pytest.param("postgres", marks=pytest.mark.postgres, id="postgres")]


def make_settings(tmp_path: Any, database_url: str | None = None,
                  **extra: Any) -> ProjectsSettings:
    values: dict[str, Any] = {
        "SHOPMIND_DATA_DIR": str(tmp_path), "KAFKA_BOOTSTRAP": None, "NEO4J_URI": None,
        "DATABASE_URL": database_url, "LOG_JSON": False, "PROJECTS_NLP_ENABLED": False,
        "PROJECTS_OUTBOX_INTERVAL_S": 0.02,
    }
    values.update(extra)
    return ProjectsSettings(**values)


@asynccontextmanager
async def running(settings: ProjectsSettings, bus: EventBus | None = None
                  ) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, bus=bus or InProcessBus())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield app, client


class Api:
    """Small helpers over the REST API so tests read as scenarios."""

    def __init__(self, app: FastAPI, client: httpx.AsyncClient, backend: str) -> None:
        self.app = app
        self.client = client
        self.backend = backend

    async def ok(self, method: str, url: str, status: int = 200, **kw: Any) -> Any:
        resp = await self.client.request(method, url, **kw)
        assert resp.status_code == status, f"{method} {url}: {resp.status_code} {resp.text}"
        return resp.json() if resp.content else None

    async def project(self, **body: Any) -> dict[str, Any]:
        body.setdefault("name", "Search relaunch")
        body.setdefault("start_date", MONDAY.isoformat())
        result: dict[str, Any] = await self.ok("POST", "/v1/projects", 201, json=body)
        return result

    async def task(self, project_id: str, **body: Any) -> dict[str, Any]:
        body.setdefault("title", "a task")
        result: dict[str, Any] = await self.ok("POST", f"/v1/projects/{project_id}/tasks", 201,
                                               json=body)
        return result

    async def member(self, project_id: str, **body: Any) -> dict[str, Any]:
        body.setdefault("name", "Ada")
        result: dict[str, Any] = await self.ok("POST", f"/v1/projects/{project_id}/members",
                                               201, json=body)
        return result

    async def milestone(self, project_id: str, **body: Any) -> dict[str, Any]:
        body.setdefault("name", "M1")
        result: dict[str, Any] = await self.ok("POST", f"/v1/projects/{project_id}/milestones",
                                               201, json=body)
        return result

    async def depend(self, project_id: str, pred: str, succ: str, lag: int = 0,
                     expect: int = 201) -> dict[str, Any]:
        result: dict[str, Any] = await self.ok(
            "POST", f"/v1/projects/{project_id}/dependencies", expect,
            json={"predecessor_id": pred, "successor_id": succ, "lag_days": lag})
        return result

    async def patch_task(self, project_id: str, task_id: str, expect: int = 200,
                         **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self.ok(
            "PATCH", f"/v1/projects/{project_id}/tasks/{task_id}", expect, json=body)
        return result

    async def get_task(self, project_id: str, task_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.ok("GET",
                                               f"/v1/projects/{project_id}/tasks/{task_id}")
        return result

    async def count(self, table: str, where: str = "1=1", **params: Any) -> int:
        from sqlalchemy import text

        async with self.app.state.db.engine.connect() as conn:
            result = await conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"),
                                        params)
            return int(result.scalar_one())


@pytest.fixture(params=BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite, or a fresh PostgreSQL database for this test."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return None


@pytest.fixture
def bus() -> InProcessBus:
    return InProcessBus()


@pytest.fixture
async def api(tmp_path: Any, backend_url: str | None, bus: InProcessBus) -> AsyncIterator[Api]:
    async with running(make_settings(tmp_path, backend_url), bus) as (app, client):
        yield Api(app, client, "postgres" if backend_url else "sqlite")


@pytest.fixture
def start(tmp_path: Any, bus: InProcessBus) -> Any:
    """Start the app with settings of the test's choosing: `async with start(**env) as api`."""

    @asynccontextmanager
    async def _start(database_url: str | None = None, bus_: EventBus | None = None,
                     **extra: Any) -> AsyncIterator[Api]:
        settings = make_settings(tmp_path, database_url, **extra)
        async with running(settings, bus_ or bus) as (app, client):
            yield Api(app, client, "postgres" if database_url else "sqlite")

    return _start


@pytest.fixture
async def client(tmp_path: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with running(make_settings(tmp_path)) as (_, c):
        yield c
