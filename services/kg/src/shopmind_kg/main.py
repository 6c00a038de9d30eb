"""The kg service app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_kg import __version__
from shopmind_kg.config import KgSettings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with ServiceRuntime(app) as runtime:
        await runtime.start_consumers()
        yield


def create_app(settings: KgSettings | None = None) -> FastAPI:
    settings = settings or get_settings(KgSettings)
    return create_service_app(
        name="kg",
        version=__version__,
        settings=settings,
        routers=[],
        lifespan=lifespan,
        description="The product knowledge graph.",
    )
