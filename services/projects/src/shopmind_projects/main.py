"""The projects service app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_projects import __version__
from shopmind_projects.config import ProjectsSettings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with ServiceRuntime(app) as runtime:
        await runtime.start_consumers()
        yield


def create_app(settings: ProjectsSettings | None = None) -> FastAPI:
    settings = settings or get_settings(ProjectsSettings)
    return create_service_app(
        name="projects",
        version=__version__,
        settings=settings,
        routers=[],
        lifespan=lifespan,
        description="Projects, milestones, tasks, dependencies, progress and risk.",
    )
