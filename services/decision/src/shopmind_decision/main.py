"""The decision service app."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from shopmind_common.app import create_service_app
from shopmind_common.db import Database
from shopmind_common.events import EventBus, SqlInbox
from shopmind_common.runtime import ServiceRuntime
from shopmind_common.settings import get_settings
from sqlalchemy import inspect

from shopmind_decision import __version__
from shopmind_decision.behavior.events import CONSUMER_GROUP, TOPICS, behavior_handler
from shopmind_decision.behavior.routes import router as behavior_router
from shopmind_decision.behavior.service import behavior
from shopmind_decision.config import DecisionSettings
from shopmind_decision.insights.routes import router as insights_router
from shopmind_decision.insights.writer import load_writer_model
from shopmind_decision.predictions.loaded import ModelCache
from shopmind_decision.predictions.retention import PredictionRetention
from shopmind_decision.predictions.routes import router as predictions_router
from shopmind_decision.predictions.segments import SegmentLog
from shopmind_decision.predictions.store import PredictionStore
from shopmind_decision.registry.repository import RegistryStore
from shopmind_decision.registry.routes import router as registry_router
from shopmind_decision.state import DecisionState
from shopmind_decision.tables import metadata, prediction_batches, prediction_metadata
from shopmind_decision.training import repository as jobs_repository
from shopmind_decision.training.routes import router as training_router
from shopmind_decision.training.runner import JobRunner


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: DecisionSettings = app.state.settings
    db = Database(settings.sqlalchemy_url("decision.db"), sqlite_page_size=16384)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    log_db, legacy_log = await _prediction_log(settings, db)
    inbox = SqlInbox(db.engine)
    await inbox.create()
    async with db.session() as session:
        await jobs_repository.fail_unfinished(session, "interrupted: the service restarted")
    store = RegistryStore(settings.registry_path())
    models = ModelCache(store, threads=settings.predict_threads)
    jobs = JobRunner()
    behavior.population_ttl_s = settings.population_ttl_s
    written = PredictionStore(log_db, legacy_db=legacy_log, mode=settings.prediction_write,
                              segments=SegmentLog(
                                  settings.segments_path(), durable=bool(settings.database_url),
                                  direct=settings.prediction_segments_direct_io),
                              write_segments=settings.segments_written(),
                              max_pending_rows=settings.prediction_buffer_rows,
                              flush_interval_s=settings.prediction_flush_interval_s,
                              wait_s=settings.prediction_buffer_wait_s,
                              registry=app.state.metrics_registry)
    retention = PredictionRetention(written, days=settings.prediction_retention_days,
                                    interval_s=settings.prediction_sweep_interval_s,
                                    registry=app.state.metrics_registry)
    app.state.info.backends["database"] = db.backend
    app.state.info.backends["model_registry"] = str(store.root)
    app.state.info.backends["prediction_write"] = settings.prediction_write
    app.state.info.backends["prediction_features"] = (
        str(settings.segments_path()) if written.write_segments else "database")
    try:
        async with ServiceRuntime(app, bus=app.state.bus_override) as runtime:
            app.state.decision = DecisionState(settings=settings, db=db, store=store,
                                               models=models, jobs=jobs, bus=runtime.bus,
                                               predictions=written, retention=retention)
            written.start()
            retention.start()
            runtime.add_consumer(CONSUMER_GROUP, TOPICS, batch_handler=behavior_handler(db),
                                 inbox=inbox)
            runtime.load_in_background("xgboost", models.load_champions)
            if settings.insights_backend == "model":
                runtime.load_in_background("insights-writer", load_writer_model)
            await runtime.start_consumers()
            # What start-up built (modules, pandas, xgboost, the app) lives as long as the
            # process: keep it out of the collector's full passes, the long pauses in p99.
            gc.collect()
            gc.freeze()
            try:
                yield
            finally:
                await retention.close()
                await written.close()  # the server takes no more requests: write the rest
            await jobs.close()
    finally:
        if log_db is not db:
            await log_db.dispose()
        await db.dispose()


async def _prediction_log(settings: DecisionSettings, db: Database
                          ) -> tuple[Database, Database | None]:
    """The database of scored batches and kept explanations, and where older ones may be.

    With PostgreSQL it is the service's database. With SQLite it is a file of its own with
    64 KB pages: a 10,000-row batch stores 1.2 MB of features, which 64 KB pages write
    and checkpoint with less CPU than the 16 KB the behaviour tables' small rows suit.
    Batches written before the split stay readable from `decision.db` (the second value).
    """
    log_db, legacy = db, None
    if not settings.database_url:
        log_db = Database(settings.sqlalchemy_url("decision-predictions.db"),
                          sqlite_page_size=65536)
        async with db.engine.connect() as conn:
            if await conn.run_sync(lambda c: inspect(c).has_table(prediction_batches.name)):
                legacy = db
    async with log_db.engine.begin() as conn:
        await conn.run_sync(prediction_metadata.create_all)
        for table in prediction_metadata.sorted_tables:  # indexes added to older tables
            for index in table.indexes:
                await conn.run_sync(lambda c, i=index: i.create(c, checkfirst=True))
    return log_db, legacy


def create_app(settings: DecisionSettings | None = None, *, bus: EventBus | None = None
               ) -> FastAPI:
    """The app; `bus` overrides the one the settings choose (tests isolate themselves with it)."""
    settings = settings or get_settings(DecisionSettings)
    app = create_service_app(
        name="decision",
        version=__version__,
        settings=settings,
        routers=[behavior_router, training_router, registry_router, predictions_router,
                 insights_router],
        lifespan=lifespan,
        description="Purchase propensity and demand trends with XGBoost and per-feature "
                    "explanations.",
    )
    app.state.bus_override = bus
    return app
