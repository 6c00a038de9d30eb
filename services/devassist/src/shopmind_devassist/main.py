"""The devassist service app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_devassist import __version__
from shopmind_devassist.config import DevassistSettings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with ServiceRuntime(app) as runtime:
        await runtime.start_consumers()
        yield


def create_app(settings: DevassistSettings | None = None) -> FastAPI:
    settings = settings or get_settings(DevassistSettings)
    return create_service_app(
        name="devassist",
        version=__version__,
        settings=settings,
        routers=[],
        lifespan=lifespan,
        description="API references, code scaffolds, commit messages, generated tests and performance advice.",
    )
