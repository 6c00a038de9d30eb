"""Sentiment: the builtin scorers, trained heads and a transformers checkpoint."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from shopmind_common.db import Database
from shopmind_common.errors import NotFound, PreconditionFailed, Unprocessable
from shopmind_nlp.engine import Engine
from shopmind_nlp.engine import SentimentOut as Scored
from shopmind_nlp.limits import check_count, check_lengths, check_texts
from shopmind_nlp.sentiment import head as heads
from shopmind_nlp.sentiment.repository import sentiment_models_repository as repo
from shopmind_nlp.sentiment.schemas import (
    ModelOut,
    ModelsOut,
    SentimentIn,
    SentimentOut,
    SentimentResults,
    TrainIn,
)
from shopmind_nlp.text.language import detect


def resolve_backend(engine: Engine, backend: str | None, version: int | None) -> str:
    """A named version, else the named backend, else the active trained version, else settings."""
    if version is not None:
        return "trained"
    if backend is not None:
        return backend
    if engine.head is not None:
        return "trained"
    return engine.settings.sentiment_backend


class SentimentService:
    async def _head(self, engine: Engine, db: Database, version: int | None) -> heads.TrainedHead:
        if version is None:
            if engine.head is None:
                raise PreconditionFailed(
                    "no trained sentiment model is active; train one with "
                    "POST /v1/nlp/models/sentiment:train or activate a version",
                    details={"field": "body.backend"})
            return engine.head
        if engine.head is not None and engine.head.version == version:
            return engine.head
        cached = engine.heads.get(version)
        if cached is not None:
            return cached
        async with db.session() as session:
            row = await repo.get(session, version)
        if row is None:
            raise NotFound(f"sentiment model version {version} does not exist",
                           details={"field": "body.model_version"})
        loaded = _head_from_row(row)
        engine.heads[version] = loaded
        return loaded

    async def score_texts(self, engine: Engine, db: Database, texts: list[str],
                          languages: list[str | None], backend: str | None = None,
                          version: int | None = None) -> list[tuple[str, Scored]]:
        """(language, sentiment) per text from the chosen backend."""
        chosen = resolve_backend(engine, backend, version)
        langs = [lang or detect(t) for t, lang in zip(texts, languages, strict=True)]
        if chosen == "builtin":
            analyses = await asyncio.to_thread(
                engine.analyze, texts, list(langs), aspects=False, entities=False,
                keywords=False)
            return [(a.language, a.sentiment) for a in analyses if a.sentiment is not None]
        if chosen == "trained":
            trained = await self._head(engine, db, version)
            scored = await asyncio.to_thread(engine.trained_sentiment, texts, trained)
            return list(zip(langs, scored, strict=True))
        if engine.batcher is None:
            raise PreconditionFailed(
                "the transformers sentiment backend is not loaded; set "
                "NLP_SENTIMENT_BACKEND=transformers and NLP_SENTIMENT_MODEL_PATH",
                details={"field": "body.backend"})
        probs = await engine.batcher.submit(texts)
        return list(zip(langs, engine.classifier_outputs(probs), strict=True))

    async def score(self, engine: Engine, db: Database, body: SentimentIn) -> SentimentResults:
        texts = body.all_texts()
        check_texts(engine.settings, texts)
        scored = await self.score_texts(engine, db, texts, body.languages(), body.backend,
                                        body.model_version)
        return SentimentResults(results=[
            SentimentOut(language=lang, score=s.score, label=s.label, backend=s.backend,
                         confidence=s.confidence) for lang, s in scored])

    # ---- trained models ----------------------------------------------------------
    async def train(self, engine: Engine, db: Database, body: TrainIn) -> ModelOut:
        settings = engine.settings
        check_count(len(body.texts), settings.max_train_texts, "NLP_MAX_TRAIN_TEXTS", "texts")
        check_lengths(settings, body.texts)
        train_idx = [i for i, t in enumerate(body.texts)
                     if not heads.is_held_out(t, body.holdout_fraction)]
        test_idx = [i for i, t in enumerate(body.texts)
                    if heads.is_held_out(t, body.holdout_fraction)]
        train_labels = [body.labels[i] for i in train_idx]
        if len(set(train_labels)) < 2:
            raise Unprocessable("the training split needs at least two different labels",
                                details=[{"field": "body.labels"}])
        fitted = await asyncio.to_thread(self._fit, engine, body, train_idx, test_idx)
        labels, coef, intercept, metrics = fitted
        trained = heads.TrainedHead(version=0, name=body.name, labels=labels, coef=coef,
                                    intercept=intercept, metrics=metrics)
        params = {"c": body.c, "holdout_fraction": body.holdout_fraction,
                  "classifier": "logistic-regression"}
        async with db.session() as session:
            version = await repo.add(session, name=body.name, features=heads.FEATURES,
                                     labels=labels, metrics=metrics, params=params,
                                     weights=trained.to_bytes())
            if body.activate:
                await repo.activate(session, version)
        trained.version = version
        engine.heads[version] = trained
        if body.activate:
            engine.head = trained
        return ModelOut(version=version, name=body.name, features=heads.FEATURES, labels=labels,
                        metrics=metrics, params=params, active=body.activate)

    @staticmethod
    def _fit(engine: Engine, body: TrainIn, train_idx: list[int], test_idx: list[int]
             ) -> tuple[list[str], np.ndarray, np.ndarray, dict[str, Any]]:
        x = engine.embed(body.texts)
        y = list(body.labels)
        labels, coef, intercept = heads.fit(x[train_idx], [y[i] for i in train_idx], c=body.c)
        probe = heads.TrainedHead(0, body.name, labels, coef, intercept, {})
        metrics: dict[str, Any] = {"n_train": len(train_idx), "n_held_out": len(test_idx)}
        if test_idx:
            pred = [lab for _, lab, _ in probe.scores(x[test_idx])]
            metrics["held_out"] = heads.evaluate([y[i] for i in test_idx], pred, labels)
        train_pred = [lab for _, lab, _ in probe.scores(x[train_idx])]
        metrics["train"] = heads.evaluate([y[i] for i in train_idx], train_pred, labels)
        return labels, coef, intercept, metrics

    async def list_models(self, engine: Engine, db: Database) -> ModelsOut:
        async with db.session() as session:
            rows = await repo.list(session)
        active = next((r["version"] for r in rows if r["active"]), None)
        return ModelsOut(active_version=active, default_backend=engine.settings.sentiment_backend,
                         models=[ModelOut(**r) for r in rows])

    async def activate(self, engine: Engine, db: Database, version: int | None) -> ModelsOut:
        async with db.session() as session:
            if version is not None and await repo.get(session, version) is None:
                raise NotFound(f"sentiment model version {version} does not exist",
                               details={"field": "body.version"})
            await repo.activate(session, version)
        engine.head = None if version is None else await self._head(engine, db, version)
        return await self.list_models(engine, db)

    async def load_active(self, engine: Engine, db: Database) -> dict[str, Any]:
        """At start-up: the active trained version, if any, for /info."""
        async with db.session() as session:
            version = await repo.active_version(session)
            row = None if version is None else await repo.get(session, version)
        if row is None:
            return {"active_version": None}
        engine.head = _head_from_row(row)
        return {"active_version": row["version"], "name": row["name"],
                "features": row["features"], "metrics": row["metrics"]}


def _head_from_row(row: dict[str, Any]) -> heads.TrainedHead:
    coef, intercept = heads.TrainedHead.arrays_from_bytes(row["weights"])
    return heads.TrainedHead(version=int(row["version"]), name=row["name"],
                             labels=list(row["labels"]), coef=coef, intercept=intercept,
                             metrics=dict(row["metrics"]))


sentiment_service = SentimentService()
