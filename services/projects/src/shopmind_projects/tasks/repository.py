"""SQL of tasks and their labels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shopmind_projects.db.models import Task, TaskDependency, TaskLabel
from shopmind_projects.tasks.schemas import (
    OPEN_STATUSES,
    PRIORITY_ORDER,
    STATUS_ORDER,
    TaskFilters,
)

_PRIORITY_RANK = case({p: i for i, p in enumerate(PRIORITY_ORDER)}, value=Task.priority,
                      else_=-1)
_STATUS_RANK = case({s: i for i, s in enumerate(STATUS_ORDER)}, value=Task.status, else_=-1)
_SORT_COLUMNS: dict[str, ColumnElement[object]] = {
    "number": Task.number, "title": func.lower(Task.title), "status": _STATUS_RANK,  # type: ignore[dict-item]
    "priority": _PRIORITY_RANK, "estimate_hours": Task.estimate_hours,  # type: ignore[dict-item]
    "start_date": Task.start_date, "due_date": Task.due_date,  # type: ignore[dict-item]
    "created_at": Task.created_at, "updated_at": Task.updated_at,  # type: ignore[dict-item]
}


async def get(session: AsyncSession, project_id: str, task_id: str) -> Task | None:
    stmt = (select(Task).where(Task.id == task_id, Task.project_id == project_id)
            .options(selectinload(Task.label_rows)))
    result: Task | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def all_of(session: AsyncSession, project_id: str, *, with_labels: bool = False
                 ) -> list[Task]:
    stmt = select(Task).where(Task.project_id == project_id).order_by(Task.number)
    if with_labels:
        stmt = stmt.options(selectinload(Task.label_rows))
    return list((await session.execute(stmt)).scalars())


async def assigned_to(session: AsyncSession, project_id: str, member_id: str) -> list[Task]:
    stmt = (select(Task).where(Task.project_id == project_id, Task.assignee_id == member_id)
            .options(selectinload(Task.label_rows)).order_by(Task.number))
    return list((await session.execute(stmt)).scalars())


async def in_milestone(session: AsyncSession, project_id: str, milestone_id: str) -> list[Task]:
    stmt = (select(Task).where(Task.project_id == project_id, Task.milestone_id == milestone_id)
            .options(selectinload(Task.label_rows)).order_by(Task.number))
    return list((await session.execute(stmt)).scalars())


def _filters(project_id: str, f: TaskFilters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [Task.project_id == project_id]
    if f.statuses:
        out.append(Task.status.in_(f.statuses))
    if f.open_only:
        out.append(Task.status.in_(sorted(OPEN_STATUSES)))
    if f.priorities:
        out.append(Task.priority.in_(f.priorities))
    if f.assignee_id == "none":
        out.append(Task.assignee_id.is_(None))
    elif f.assignee_id:
        out.append(Task.assignee_id == f.assignee_id)
    if f.milestone_id == "none":
        out.append(Task.milestone_id.is_(None))
    elif f.milestone_id:
        out.append(Task.milestone_id == f.milestone_id)
    if f.labels:
        out.append(exists().where(TaskLabel.task_id == Task.id, TaskLabel.label.in_(f.labels)))
    if f.q:
        out.append(func.lower(Task.title).contains(f.q.lower(), autoescape=True))
    if f.due_before:
        out.append(Task.due_date < f.due_before)
    if f.due_after:
        out.append(Task.due_date > f.due_after)
    if f.updated_since:
        out.append(Task.updated_at >= f.updated_since)
    return out


async def page(session: AsyncSession, project_id: str, filters: TaskFilters, *,
               sort: Sequence[tuple[str, bool]], limit: int, offset: int
               ) -> tuple[list[Task], int]:
    """One page and the total in one statement, plus one for all the page's labels."""
    where = _filters(project_id, filters)
    order: list[Any] = []
    for name, desc in sort:
        col = _SORT_COLUMNS[name]
        order.append(col.desc().nulls_last() if desc else col.asc().nulls_last())
    order.append(Task.id.asc())
    stmt = (select(Task, func.count().over()).where(*where).order_by(*order)
            .limit(limit).offset(offset).options(selectinload(Task.label_rows)))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Task).where(*where))
    return [], int(total or 0)


async def unclosed_predecessors(session: AsyncSession, task_id: str) -> list[Task]:
    stmt = (select(Task).join(TaskDependency, TaskDependency.predecessor_id == Task.id)
            .where(TaskDependency.successor_id == task_id,
                   Task.status.in_(sorted(OPEN_STATUSES)))
            .order_by(Task.number))
    return list((await session.execute(stmt)).scalars())


async def has_successors(session: AsyncSession, task_id: str) -> bool:
    found = await session.scalar(
        select(TaskDependency.id).where(TaskDependency.predecessor_id == task_id).limit(1))
    return found is not None
