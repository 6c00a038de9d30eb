"""Every query on stored predictions and explanations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.tables import explanations, prediction_batches, prediction_features


async def insert_batches(session: AsyncSession, rows: list[dict[str, Any]],
                         located: list[dict[str, Any]] | None = None) -> None:
    """Many scored batches in one statement (executemany / multi-row VALUES).

    With `located` (one per row: segment, start, length, layout) the features are in
    segment files: the rows keep an empty `features` value and these say where they are.
    """
    if not rows:
        return
    if located is None:
        await session.execute(prediction_batches.insert(), rows)
        return
    await session.execute(prediction_batches.insert(), [{**r, "features": b""} for r in rows])
    await session.execute(prediction_features.insert(), [
        {"batch_id": r["id"], **at} for r, at in zip(rows, located, strict=True)])


async def get_batch(session: AsyncSession, batch_id: str) -> dict[str, Any] | None:
    """The stored batch; `features_at` (segment, start, length, layout) is set, and
    `features` empty, when they are in a segment file."""
    found = (await session.execute(
        select(prediction_batches).where(prediction_batches.c.id == batch_id))).mappings().first()
    if found is None:
        return None
    row = dict(found)
    row["features_at"] = None
    # A second query, not a join: the legacy `decision.db` has batches but no location
    # table, and its rows always hold their features.
    if not row["features"]:
        at = (await session.execute(select(prediction_features).where(
            prediction_features.c.batch_id == batch_id))).mappings().first()
        if at is not None:
            row["features_at"] = {k: at[k] for k in ("segment", "start", "length", "layout")}
    return row


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


async def delete_batches_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` batches created before `cutoff`, with where their features are."""
    ids = list((await session.execute(select(prediction_batches.c.id).where(
        prediction_batches.c.created_at < cutoff).limit(limit))).scalars())
    if ids:
        await session.execute(delete(prediction_features).where(
            prediction_features.c.batch_id.in_(ids)))
        await session.execute(delete(prediction_batches).where(prediction_batches.c.id.in_(ids)))
    return len(ids)


async def delete_explanations_before(session: AsyncSession, cutoff: datetime) -> int:
    result = await session.execute(delete(explanations).where(explanations.c.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def segments_in_use(session: AsyncSession, segments: list[str]) -> set[str]:
    """Those of `segments` that some stored batch still points at."""
    if not segments:
        return set()
    return set((await session.execute(select(prediction_features.c.segment).distinct().where(
        prediction_features.c.segment.in_(segments)))).scalars())
