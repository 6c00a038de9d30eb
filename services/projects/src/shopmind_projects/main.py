"""The projects service app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.db import Database
from shopmind_common.events import EventBus, OutboxRelay
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings
from sqlalchemy import text

from shopmind_projects import __version__
from shopmind_projects.activity.routes import router as activity_router
from shopmind_projects.assignments.routes import router as assignments_router
from shopmind_projects.comments.routes import router as comments_router
from shopmind_projects.config import ProjectsSettings
from shopmind_projects.core.idempotency import purge_expired
from shopmind_projects.db.migrate import migrate
from shopmind_projects.dependencies.routes import router as dependencies_router
from shopmind_projects.insights.routes import router as insights_router
from shopmind_projects.integrations.nlp import NlpClient
from shopmind_projects.members.routes import router as members_router
from shopmind_projects.milestones.routes import router as milestones_router
from shopmind_projects.planning.routes import router as planning_router
from shopmind_projects.projects.routes import router as projects_router
from shopmind_projects.scheduling.routes import router as scheduling_router
from shopmind_projects.scheduling.service import scheduling
from shopmind_projects.tasks.routes import router as tasks_router

log = logging.getLogger("shopmind.projects")

# Order matters only where literal segments could be read as ids: the fixed
# sub-resources of a project are mounted before the generic ones.
ROUTERS = (planning_router, scheduling_router, insights_router, activity_router,
           assignments_router, comments_router, dependencies_router, members_router,
           milestones_router, tasks_router, projects_router)
_PURGE_EVERY_S = 3600.0


async def _purge_idempotency_keys(db: Database, ttl_s: int) -> None:
    while True:
        await asyncio.sleep(_PURGE_EVERY_S)
        try:
            async with db.session() as session:
                removed = await purge_expired(session, ttl_s)
            if removed:
                log.info("purged %d expired idempotency keys", removed)
        except Exception:
            log.exception("idempotency key purge failed; will retry")


def _lifespan(bus: EventBus | None):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: ProjectsSettings = app.state.settings
        scheduling.unestimated_days = settings.unestimated_task_days
        db = Database(settings.sqlalchemy_url("projects.db"))
        app.state.db = db
        app.state.nlp = NlpClient(settings)
        app.state.info.backends["database"] = db.backend
        app.state.info.backends["nlp"] = ("nlp service, lexical fallback" if settings.nlp_enabled
                                          else "lexical fallback only")
        purge: asyncio.Task[None] | None = None
        relay: OutboxRelay | None = None
        try:
            revision = await migrate(db.engine)
            app.state.info.backends["schema"] = f"alembic {revision}"

            async def _db_ready() -> bool:
                async with db.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                return True

            app.state.readiness.add_check("database", _db_ready)
            async with ServiceRuntime(app, bus=bus) as runtime:
                relay = OutboxRelay(db.engine, runtime.bus,
                                    batch_size=settings.outbox_batch_size,
                                    interval_s=settings.outbox_interval_s)
                app.state.outbox_relay = relay
                relay.start()
                purge = asyncio.create_task(
                    _purge_idempotency_keys(db, settings.idempotency_ttl_s),
                    name="projects-idempotency-purge")
                await runtime.start_consumers()
                try:
                    yield
                finally:
                    await relay.stop()
        finally:
            if purge is not None:
                purge.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await purge
            await app.state.nlp.aclose()
            await db.dispose()

    return lifespan


def create_app(settings: ProjectsSettings | None = None, *,
               bus: EventBus | None = None) -> FastAPI:
    settings = settings or get_settings(ProjectsSettings)
    return create_service_app(
        name="projects",
        version=__version__,
        settings=settings,
        routers=ROUTERS,
        lifespan=_lifespan(bus),
        description="Projects, milestones, tasks, dependencies, scheduling, progress, risks, "
                    "assignment suggestions and tasks from text.",
    )
