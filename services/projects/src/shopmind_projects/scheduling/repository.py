"""SQL the scheduler needs: a project's whole task graph in two statements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from shopmind_projects.db.models import Task, TaskDependency


async def tasks(session: AsyncSession, project_id: str, *, with_labels: bool) -> list[Task]:
    stmt = select(Task).where(Task.project_id == project_id).order_by(Task.number)
    if with_labels:
        stmt = stmt.options(selectinload(Task.label_rows))
    return list((await session.execute(stmt)).scalars())


async def dependencies(session: AsyncSession, project_id: str) -> list[TaskDependency]:
    stmt = (select(TaskDependency).where(TaskDependency.project_id == project_id)
            .order_by(TaskDependency.created_at, TaskDependency.id))
    return list((await session.execute(stmt)).scalars())
