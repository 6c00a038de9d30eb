"""SQL of projects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Project

_SORT_COLUMNS = {
    "name": func.lower(Project.name), "status": Project.status, "start_date": Project.start_date,
    "target_date": Project.target_date, "created_at": Project.created_at,
    "updated_at": Project.updated_at,
}


async def get(session: AsyncSession, project_id: str) -> Project | None:
    stmt = select(Project).where(Project.id == project_id)
    result: Project | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def lock(session: AsyncSession, project_id: str) -> bool:
    """Take the project's write lock until the transaction ends; False if there is none.

    A no-op UPDATE rather than SELECT ... FOR UPDATE: on PostgreSQL it locks the
    row, and on SQLite (which has no FOR UPDATE) it starts the write transaction,
    so on both, writers that must see a consistent task graph take turns.
    """
    stmt = (update(Project).where(Project.id == project_id)
            .values(task_seq=Project.task_seq).execution_options(synchronize_session=False))
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def exists(session: AsyncSession, project_id: str) -> bool:
    found = await session.scalar(select(Project.id).where(Project.id == project_id))
    return found is not None


async def page(session: AsyncSession, *, statuses: Sequence[str], q: str | None,
               sort: Sequence[tuple[str, bool]], limit: int, offset: int
               ) -> tuple[list[Project], int]:
    filters: list[ColumnElement[bool]] = []
    if statuses:
        filters.append(Project.status.in_(statuses))
    if q:
        filters.append(func.lower(Project.name).contains(q.lower(), autoescape=True))
    order: list[Any] = []
    for name, desc in sort:
        col = _SORT_COLUMNS[name]
        order.append(col.desc().nulls_last() if desc else col.asc().nulls_last())
    order.append(Project.id.asc())
    stmt = (select(Project, func.count().over()).where(*filters).order_by(*order)
            .limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Project).where(*filters))
    return [], int(total or 0)


async def next_task_numbers(session: AsyncSession, project_id: str, count: int = 1) -> int:
    """Reserve `count` task numbers; returns the first. A plain UPDATE leaves the version alone."""
    stmt = (update(Project).where(Project.id == project_id)
            .values(task_seq=Project.task_seq + count).returning(Project.task_seq)
            .execution_options(synchronize_session=False))
    last = (await session.execute(stmt)).scalar_one()
    return int(last) - count + 1
