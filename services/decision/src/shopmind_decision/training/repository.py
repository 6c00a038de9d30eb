"""Every query on training jobs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.tables import training_jobs as jobs


async def insert(session: AsyncSession, row: dict[str, Any]) -> None:
    await session.execute(jobs.insert().values(**row))


async def set_fields(session: AsyncSession, job_id: str, **fields: Any) -> None:
    await session.execute(update(jobs).where(jobs.c.id == job_id).values(**fields))


async def get(session: AsyncSession, job_id: str) -> dict[str, Any] | None:
    row = (await session.execute(select(jobs).where(jobs.c.id == job_id))).mappings().first()
    return dict(row) if row is not None else None


async def recent(session: AsyncSession, limit: int) -> list[dict[str, Any]]:
    rows = (await session.execute(
        select(jobs).order_by(jobs.c.created_at.desc()).limit(limit))).mappings().all()
    return [dict(r) for r in rows]


async def fail_unfinished(session: AsyncSession, reason: str) -> None:
    """Jobs a previous process left queued or running cannot finish any more."""
    await session.execute(update(jobs).where(jobs.c.status.in_(["queued", "running"]))
                          .values(status="failed", error=reason))
