"""The devassist service app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_devassist import __version__
from shopmind_devassist.apidocs.routes import router as apidocs_router
from shopmind_devassist.commits.routes import router as commits_router
from shopmind_devassist.config import DevassistSettings
from shopmind_devassist.generation import load_text_model
from shopmind_devassist.perf.routes import router as perf_router
from shopmind_devassist.scaffolds.routes import router as scaffolds_router
from shopmind_devassist.testgen.routes import router as testgen_router


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: DevassistSettings = app.state.settings
    app.state.text_model = None
    async with ServiceRuntime(app) as runtime:
        if settings.model_backend == "none":
            app.state.info.models["commit-writer"] = {"status": "ready", "backend": "rules"}
        else:
            def load() -> dict[str, Any]:
                model, described = load_text_model(settings)  # loads and warms up
                app.state.text_model = model
                return described

            runtime.load_in_background("commit-writer", load)
        await runtime.start_consumers()
        yield


def create_app(settings: DevassistSettings | None = None) -> FastAPI:
    settings = settings or get_settings(DevassistSettings)
    return create_service_app(
        name="devassist",
        version=__version__,
        settings=settings,
        routers=[apidocs_router, scaffolds_router, commits_router, testgen_router, perf_router],
        lifespan=lifespan,
        description="API references, code scaffolds, commit messages, generated tests and "
                    "performance advice.",
    )
