"""Training jobs: load data, build point-in-time features, train, evaluate, register."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from shopmind_common.errors import NotFound
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.behavior.service import behavior
from shopmind_decision.features.pointintime import FeatureSpec, LeakageError
from shopmind_decision.registry.service import registry
from shopmind_decision.state import DecisionState
from shopmind_decision.training import repository
from shopmind_decision.training.demand import DemandConfig, train_demand
from shopmind_decision.training.propensity import PropensityConfig, train_propensity
from shopmind_decision.training.result import TrainedModel
from shopmind_decision.training.schemas import TrainingJobIn, TrainingJobOut, TrainingJobsOut

log = logging.getLogger("shopmind.decision.training")


def _completejourney_activity(request: TrainingJobIn) -> tuple[pd.DataFrame, list[str]]:
    from shopmind_decision.datasets.completejourney import (
        daily_activity,
        load_transactions,
        top_categories,
    )

    tx = load_transactions(max_households=request.max_households, seed=request.seed)
    by = "households" if request.kind == "propensity" else "units"
    cats = request.categories or top_categories(tx, request.top_categories, by=by)
    activity = daily_activity(tx)
    return activity[activity["category"].isin(cats)], cats


def _top_from_activity(activity: pd.DataFrame, request: TrainingJobIn) -> list[str]:
    if request.categories:
        return list(request.categories)
    bought = activity[activity["baskets"] > 0]
    if request.kind == "propensity":
        score = bought.groupby("category")["user_id"].nunique()
    else:
        score = bought.groupby("category")["units"].sum()
    return [str(c) for c in score.sort_values(ascending=False).index[:request.top_categories]]


def fit(request: TrainingJobIn, activity: pd.DataFrame, categories: Sequence[str],
        threads: int, specs: Sequence[FeatureSpec] | None = None) -> TrainedModel:
    """Train one model of the requested kind (blocking; runs in a worker thread)."""
    overrides = {k: v for k, v in {
        "n_estimators": request.n_estimators, "learning_rate": request.learning_rate,
        "max_depth": request.max_depth, "early_stopping_rounds": request.early_stopping_rounds,
    }.items() if v is not None}
    if request.kind == "propensity":
        pcfg = PropensityConfig(horizon_days=request.horizon_days,
                                snapshot_step_days=request.horizon_days,
                                max_train_snapshots=request.max_train_snapshots,
                                threads=threads, seed=request.seed, **overrides)
        kwargs: dict[str, Any] = {"specs": specs} if specs is not None else {}
        return train_propensity(activity, categories=categories, config=pcfg,
                                source=request.source, **kwargs)
    dcfg = DemandConfig(test_weeks=request.test_weeks, threads=threads, seed=request.seed,
                        **overrides)
    kwargs = {"specs": specs} if specs is not None else {}
    return train_demand(activity, categories=categories, config=dcfg, source=request.source,
                        **kwargs)


def _out(row: dict[str, Any]) -> TrainingJobOut:
    return TrainingJobOut(**row)


class TrainingService:
    async def start(self, state: DecisionState, request: TrainingJobIn,
                    *, specs: Sequence[FeatureSpec] | None = None) -> TrainingJobOut:
        """Record a queued job and start it in the background.

        The job outlives the request, so it is committed in its own transaction
        before the background task can look for it.
        """
        job_id = "job_" + uuid.uuid4().hex[:20]
        row = {
            "id": job_id, "kind": request.kind, "model_name": request.model_name or request.kind,
            "source": request.source, "status": "queued",
            "params": request.model_dump(mode="json"), "created_at": datetime.now(UTC),
        }
        async with state.db.session() as session:
            await repository.insert(session, row)
        state.jobs.submit(job_id, lambda: self._run(state, job_id, request, specs))
        return _out(row)

    async def _run(self, state: DecisionState, job_id: str, request: TrainingJobIn,
                   specs: Sequence[FeatureSpec] | None) -> None:
        async with state.db.session() as session:
            await repository.set_fields(session, job_id, status="running",
                                        started_at=datetime.now(UTC))
        try:
            if request.source == "completejourney":
                activity, cats = await asyncio.to_thread(_completejourney_activity, request)
            else:
                async with state.db.session() as session:
                    activity = await behavior.training_activity(session, request.categories)
                cats = _top_from_activity(activity, request)
            trained = await asyncio.to_thread(fit, request, activity, cats,
                                              state.settings.train_threads, specs)
            name = request.model_name or request.kind
            version = await asyncio.to_thread(registry.register, state.store, name, trained,
                                              job_id=job_id, promote=request.promote)
        except Exception as exc:
            kind = "leakage" if isinstance(exc, LeakageError) else type(exc).__name__
            log.warning("training job %s failed (%s): %s", job_id, kind, exc)
            async with state.db.session() as session:
                await repository.set_fields(session, job_id, status="failed",
                                            error=f"{kind}: {exc}",
                                            finished_at=datetime.now(UTC))
            return
        async with state.db.session() as session:
            await repository.set_fields(session, job_id, status="succeeded",
                                        model_version=version, metrics=trained.metrics,
                                        finished_at=datetime.now(UTC))
        log.info("training job %s registered %s v%d", job_id, name, version)

    async def get(self, session: AsyncSession, job_id: str) -> TrainingJobOut:
        row = await repository.get(session, job_id)
        if row is None:
            raise NotFound(f"no training job {job_id!r}",
                           details=[{"field": "job_id", "message": "no such job"}])
        return _out(row)

    async def recent(self, session: AsyncSession, limit: int) -> TrainingJobsOut:
        return TrainingJobsOut(jobs=[_out(r) for r in await repository.recent(session, limit)])


training = TrainingService()
