"""The nlp service app."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.db import Database
from shopmind_common.events import SqlInbox
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings

from shopmind_nlp import __version__
from shopmind_nlp.analyze.events import CONSUMES, EnrichmentStage
from shopmind_nlp.analyze.pool import AnalysisPool
from shopmind_nlp.analyze.routes import router as analyze_router
from shopmind_nlp.aspects.routes import router as aspects_router
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.db import create_tables
from shopmind_nlp.embeddings.routes import router as embeddings_router
from shopmind_nlp.engine import Engine
from shopmind_nlp.entities.routes import router as entities_router
from shopmind_nlp.generation.routes import router as generation_router
from shopmind_nlp.keywords.routes import router as keywords_router
from shopmind_nlp.lexicon.routes import router as lexicon_router
from shopmind_nlp.lexicon.service import lexicon_service
from shopmind_nlp.sentiment.routes import router as sentiment_router
from shopmind_nlp.sentiment.service import sentiment_service


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: NlpSettings = app.state.settings
    db = Database(settings.sqlalchemy_url("nlp.db"))
    await create_tables(db.engine)
    inbox = SqlInbox(db.engine)
    await inbox.create()
    engine = Engine(settings)
    app.state.db = db
    app.state.nlp = engine
    app.state.info.backends["database"] = db.backend
    workers = settings.analysis_workers()
    pool = AnalysisPool(engine, workers) if workers else None
    try:
        async with ServiceRuntime(app) as rt:
            # User lexicon and active trained head before the models warm up on them.
            await lexicon_service.reload(engine, db)
            trained = await sentiment_service.load_active(engine, db)

            forked = threading.Event()

            def _core() -> dict[str, Any]:
                try:
                    described = {**engine.load_core(), "trained_sentiment": trained}
                    if pool is not None:
                        # Fork the analysis workers now: they share the lexical models
                        # and nothing that loads after (torch, the generator).
                        described["analysis_workers"] = pool.start()
                        engine.pool = pool
                    return described
                finally:
                    forked.set()

            def _after_fork(load: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
                if pool is None:
                    return load

                def _load() -> dict[str, Any]:
                    forked.wait()
                    return load()

                return _load

            rt.load_in_background("text", _core)
            if settings.load_embeddings:
                rt.load_in_background("embeddings", _after_fork(engine.load_embedder))
            if settings.sentiment_backend == "transformers":
                rt.load_in_background("sentiment-transformers",
                                      _after_fork(engine.load_classifier))
            if settings.llm_backend != "none":
                rt.load_in_background("generation", _after_fork(engine.load_generator))
            stage = EnrichmentStage(engine, db, rt.bus)
            rt.add_consumer(settings.enrich_group, CONSUMES, batch_handler=stage.handle_batch,
                            inbox=inbox, max_batch=settings.enrich_max_batch)
            await rt.start_consumers()
            yield
            if engine.batcher is not None:
                await engine.batcher.close()
    finally:
        # After the consumers stopped (ServiceRuntime's exit): no batch is in flight.
        if pool is not None:
            engine.pool = None
            await asyncio.to_thread(pool.close)
        await db.dispose()


def create_app(settings: NlpSettings | None = None) -> FastAPI:
    settings = settings or get_settings(NlpSettings)
    return create_service_app(
        name="nlp",
        version=__version__,
        settings=settings,
        routers=[analyze_router, sentiment_router, aspects_router, entities_router,
                 keywords_router, embeddings_router, generation_router, lexicon_router],
        lifespan=lifespan,
        description="Sentiment, aspects, entities, keywords, similarity and generation.",
    )
