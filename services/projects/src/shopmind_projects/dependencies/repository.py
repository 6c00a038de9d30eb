"""SQL of task dependencies."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Task, TaskDependency

_SORT_COLUMNS = {"created_at": TaskDependency.created_at, "lag_days": TaskDependency.lag_days}


async def get(session: AsyncSession, project_id: str, dependency_id: str
              ) -> TaskDependency | None:
    stmt = select(TaskDependency).where(TaskDependency.id == dependency_id,
                                        TaskDependency.project_id == project_id)
    result: TaskDependency | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def find(session: AsyncSession, predecessor_id: str, successor_id: str
               ) -> TaskDependency | None:
    stmt = select(TaskDependency).where(TaskDependency.predecessor_id == predecessor_id,
                                        TaskDependency.successor_id == successor_id)
    result: TaskDependency | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def all_of(session: AsyncSession, project_id: str) -> list[TaskDependency]:
    stmt = select(TaskDependency).where(TaskDependency.project_id == project_id)
    return list((await session.execute(stmt)).scalars())


async def tasks_by_id(session: AsyncSession, project_id: str, ids: Sequence[str]
                      ) -> dict[str, Task]:
    stmt = select(Task).where(Task.project_id == project_id, Task.id.in_(list(ids)))
    return {t.id: t for t in (await session.execute(stmt)).scalars()}


async def page(session: AsyncSession, project_id: str, *, task_id: str | None,
               sort: Sequence[tuple[str, bool]], limit: int, offset: int
               ) -> tuple[list[TaskDependency], int]:
    filters: list[ColumnElement[bool]] = [TaskDependency.project_id == project_id]
    if task_id:
        filters.append(or_(TaskDependency.predecessor_id == task_id,
                           TaskDependency.successor_id == task_id))
    order: list[Any] = [(_SORT_COLUMNS[n].desc() if d else _SORT_COLUMNS[n].asc()) for n, d in sort]
    order.append(TaskDependency.id.asc())
    stmt = (select(TaskDependency, func.count().over()).where(*filters).order_by(*order)
            .limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(TaskDependency)
                                 .where(*filters))
    return [], int(total or 0)
