"""Every query on trained sentiment models."""

from __future__ import annotations

from typing import Any

from shopmind_nlp.db import sentiment_models
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

_COLUMNS = (sentiment_models.c.version, sentiment_models.c.name, sentiment_models.c.features,
            sentiment_models.c.labels, sentiment_models.c.metrics, sentiment_models.c.params,
            sentiment_models.c.active, sentiment_models.c.created_at)


class SentimentModelRepository:
    async def add(self, session: AsyncSession, *, name: str, features: str, labels: list[str],
                  metrics: dict[str, Any], params: dict[str, Any], weights: bytes) -> int:
        result = await session.execute(
            sentiment_models.insert().values(name=name, features=features, labels=labels,
                                             metrics=metrics, params=params, weights=weights,
                                             active=False)
            .returning(sentiment_models.c.version))
        return int(result.scalar_one())

    async def list(self, session: AsyncSession) -> list[dict[str, Any]]:
        rows = await session.execute(select(*_COLUMNS).order_by(sentiment_models.c.version))
        return [dict(r._mapping) for r in rows]

    async def get(self, session: AsyncSession, version: int) -> dict[str, Any] | None:
        row = (await session.execute(
            select(*_COLUMNS, sentiment_models.c.weights)
            .where(sentiment_models.c.version == version))).first()
        return None if row is None else dict(row._mapping)

    async def active_version(self, session: AsyncSession) -> int | None:
        row = (await session.execute(
            select(sentiment_models.c.version).where(sentiment_models.c.active.is_(True))
            .order_by(sentiment_models.c.version.desc()))).first()
        return None if row is None else int(row.version)

    async def activate(self, session: AsyncSession, version: int | None) -> None:
        await session.execute(update(sentiment_models).values(active=False)
                              .where(sentiment_models.c.active.is_(True)))
        if version is not None:
            await session.execute(update(sentiment_models).values(active=True)
                                  .where(sentiment_models.c.version == version))


sentiment_models_repository = SentimentModelRepository()
