"""The kg service app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.events import Event
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_kg import __version__
from shopmind_kg.admin.routes import router as admin_router
from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.fusion.routes import router as fusion_router
from shopmind_kg.ingest.events import CONSUMED
from shopmind_kg.query.routes import router as query_router
from shopmind_kg.resolution.encoder import shared_encoder
from shopmind_kg.resolution.routes import router as entities_router
from shopmind_kg.store import store_from_settings
from shopmind_kg.text.intent import load_segmenter

log = logging.getLogger("shopmind.kg")


async def _refresh_loop(ctx: KgContext) -> None:
    """Pick up aliases and merges made by other replicas."""
    while True:
        await asyncio.sleep(ctx.settings.resolver_refresh_s)
        try:
            await ctx.entities.refresh()
        except Exception:
            log.warning("resolver refresh failed; keeping the previous vocabulary", exc_info=True)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: KgSettings = app.state.settings
    store = store_from_settings(settings)
    await store.start()
    app.state.info.backends["graph"] = store.backend
    tasks: list[asyncio.Task[None]] = []
    try:
        async with ServiceRuntime(app) as runtime:
            ctx = KgContext.build(settings, store, runtime.bus)
            app.state.kg = ctx
            await ctx.entities.refresh()
            runtime.readiness.add_check("graph", store.ping)
            runtime.load_in_background("segmenter", load_segmenter)
            if settings.embeddings_enabled:
                def load_encoder() -> dict[str, Any]:
                    encoder = shared_encoder()
                    ctx.resolver.set_encoder(encoder)   # also embeds the names already known
                    return encoder.describe()

                runtime.load_in_background("encoder", load_encoder)

            async def _models_loaded() -> None:
                await runtime.wait_loaded()
                ctx.ingest.models_ready.set()

            tasks.append(asyncio.create_task(_models_loaded(), name="kg-models"))
            tasks.append(asyncio.create_task(_refresh_loop(ctx), name="kg-resolver-refresh"))

            async def handle(events: list[Event]) -> None:
                await ctx.ingest.handle(events)

            runtime.add_consumer(settings.consumer_group, list(CONSUMED), batch_handler=handle,
                                 max_batch=settings.batch_size)
            await runtime.start_consumers()
            yield
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await store.close()


def create_app(settings: KgSettings | None = None) -> FastAPI:
    settings = settings or get_settings(KgSettings)
    return create_service_app(
        name="kg",
        version=__version__,
        settings=settings,
        routers=[query_router, entities_router, fusion_router, admin_router],
        lifespan=lifespan,
        description="The product knowledge graph: products, brands, categories, attributes, "
                    "aspects and review opinions, with provenance, resolution and intents.",
    )
