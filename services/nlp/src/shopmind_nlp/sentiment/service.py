"""Sentiment: the builtin scorers, trained heads and a transformers checkpoint."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from shopmind_common.db import Database
from shopmind_common.errors import NotFound, PreconditionFailed, Unavailable, Unprocessable
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
            analyses = await engine.analyze_async(
                texts, list(langs), aspects=False, entities=False, keywords=False)
            return [(a.language, a.sentiment) for a in analyses if a.sentiment is not None]
        if chosen == "trained":
            trained = await self._head(engine, db, version)
            scored = await asyncio.to_thread(_trained_scores, engine, texts, trained)
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
        if body.kind == "embedding" and not _has_encoder(engine):
            raise PreconditionFailed(
                "the sentence encoder is not loaded (NLP_LOAD_EMBEDDINGS=false); train "
                "kind=lexical instead", details={"field": "body.kind"})
        c = body.c if body.c is not None else heads.DEFAULT_C[body.kind]
        started = time.perf_counter()
        trained = await asyncio.to_thread(
            heads.train, body.kind, body.texts, body.labels, train_idx, test_idx, c=c,
            name=body.name, embed=engine.embed)
        metrics = {**trained.metrics, "train_seconds": round(time.perf_counter() - started, 2)}
        trained.metrics = metrics
        params: dict[str, Any] = {"kind": body.kind, "c": c,
                                  "holdout_fraction": body.holdout_fraction,
                                  "classifier": "logistic-regression"}
        if body.kind == "lexical":
            params.update(ngram_range=[1, 4], min_df=2, weighting="tfidf-sublinear-l2")
        async with db.session() as session:
            version = await repo.add(session, name=body.name, features=trained.features,
                                     labels=trained.labels, metrics=metrics, params=params,
                                     weights=trained.to_bytes())
            if body.activate:
                await repo.activate(session, version)
        trained.version = version
        engine.heads[version] = trained
        if body.activate:
            engine.head = trained
        return ModelOut(version=version, name=body.name, kind=body.kind,
                        features=trained.features, labels=trained.labels, metrics=metrics,
                        params=params, active=body.activate)

    async def list_models(self, engine: Engine, db: Database) -> ModelsOut:
        async with db.session() as session:
            rows = await repo.list(session)
        active = next((r["version"] for r in rows if r["active"]), None)
        return ModelsOut(active_version=active, default_backend=engine.settings.sentiment_backend,
                         models=[ModelOut(**r, kind=heads.kind_of(r["features"]))
                                 for r in rows])

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
                "kind": engine.head.kind, "features": row["features"],
                "metrics": row["metrics"]}


def _head_from_row(row: dict[str, Any]) -> heads.TrainedHead:
    return heads.TrainedHead.from_stored(
        version=int(row["version"]), name=row["name"], labels=list(row["labels"]),
        metrics=dict(row["metrics"]), features=row["features"], blob=row["weights"])


def _has_encoder(engine: Engine) -> bool:
    try:
        engine.embedder  # noqa: B018 - the property raises when the encoder is not loaded
    except Unavailable:
        return False
    return True


def _trained_scores(engine: Engine, texts: list[str], head: heads.TrainedHead) -> list[Scored]:
    """A trained head's scores; the sentence encoder runs only for an embedding head."""
    backend = f"trained:v{head.version}"
    return [Scored(round(s, 4), label, backend, round(conf, 4))
            for s, label, conf in head.score_texts(texts, engine.embed)]


sentiment_service = SentimentService()
