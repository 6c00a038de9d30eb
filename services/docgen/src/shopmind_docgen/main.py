"""The docgen service app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.events import EventBus, SqlInbox
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_docgen import __version__
from shopmind_docgen.config import DocgenSettings
from shopmind_docgen.documents.routes import router as documents_router
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.jobs.routes import router as jobs_router
from shopmind_docgen.jobs.runner import JobRunner
from shopmind_docgen.refresh.events import TOPICS, task_changed_handler
from shopmind_docgen.refresh.service import Refresher


def _lifespan(bus: EventBus | None):  # type: ignore[no-untyped-def]
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings: DocgenSettings = app.state.settings
        engine = DocgenEngine(settings)
        app.state.engine = engine
        await engine.create_tables()
        app.state.info.backends["database"] = engine.db.backend
        async with ServiceRuntime(app, bus=bus) as rt:
            engine.expect_model()
            rt.load_in_background("generation", engine.load_generator)
            engine.runner = JobRunner(engine)
            engine.refresher = Refresher(engine)
            if settings.refresh_enabled:
                inbox = SqlInbox(engine.db.engine)
                await inbox.create()
                rt.add_consumer(settings.refresh_group, list(TOPICS),
                                handler=task_changed_handler(engine.refresher), inbox=inbox)
            await engine.runner.start()
            if settings.refresh_enabled:
                engine.refresher.start()
            await rt.start_consumers()
            try:
                yield
            finally:
                await engine.refresher.stop()
                await engine.runner.stop()
        await engine.db.dispose()

    return lifespan


def create_app(settings: DocgenSettings | None = None, *,
               bus: EventBus | None = None) -> FastAPI:
    settings = settings or get_settings(DocgenSettings)
    return create_service_app(
        name="docgen",
        version=__version__,
        settings=settings,
        routers=[jobs_router, documents_router],
        lifespan=_lifespan(bus),
        description="Project plans, requirement and design docs, status reports and release "
                    "notes generated from live project data, as versioned documents.",
    )
