"""Every query on stored predictions and explanations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.tables import explanations, prediction_batches


async def insert_batches(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Many scored batches in one statement (executemany / multi-row VALUES)."""
    if rows:
        await session.execute(prediction_batches.insert(), rows)


async def get_batch(session: AsyncSession, batch_id: str) -> dict[str, Any] | None:
    row = (await session.execute(
        select(prediction_batches).where(prediction_batches.c.id == batch_id))).mappings().first()
    return dict(row) if row is not None else None


async def get_explanation(session: AsyncSession, prediction_id: str) -> list[float] | None:
    row = (await session.execute(select(explanations.c.contributions).where(
        explanations.c.prediction_id == prediction_id))).first()
    return list(row[0]) if row is not None else None


async def save_explanation(session: AsyncSession, prediction_id: str,
                           contributions: list[float]) -> None:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    await session.execute(insert(explanations).values(
        prediction_id=prediction_id, contributions=contributions, created_at=datetime.now(UTC),
    ).on_conflict_do_nothing(index_elements=["prediction_id"]))
