"""SQL of milestones."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Milestone

_SORT_COLUMNS = {
    "name": func.lower(Milestone.name), "start_date": Milestone.start_date,
    "due_date": Milestone.due_date, "status": Milestone.status,
    "created_at": Milestone.created_at, "updated_at": Milestone.updated_at,
}


async def get(session: AsyncSession, project_id: str, milestone_id: str) -> Milestone | None:
    stmt = select(Milestone).where(Milestone.id == milestone_id,
                                   Milestone.project_id == project_id)
    result: Milestone | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def all_of(session: AsyncSession, project_id: str) -> list[Milestone]:
    stmt = (select(Milestone).where(Milestone.project_id == project_id)
            .order_by(Milestone.due_date.asc().nulls_last(), Milestone.name, Milestone.id))
    return list((await session.execute(stmt)).scalars())


async def page(session: AsyncSession, project_id: str, *, statuses: Sequence[str],
               sort: Sequence[tuple[str, bool]], limit: int, offset: int
               ) -> tuple[list[Milestone], int]:
    filters: list[ColumnElement[bool]] = [Milestone.project_id == project_id]
    if statuses:
        filters.append(Milestone.status.in_(statuses))
    order: list[Any] = []
    for name, desc in sort:
        col = _SORT_COLUMNS[name]
        order.append(col.desc().nulls_last() if desc else col.asc().nulls_last())
    order.append(Milestone.id.asc())
    stmt = (select(Milestone, func.count().over()).where(*filters).order_by(*order)
            .limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Milestone).where(*filters))
    return [], int(total or 0)
