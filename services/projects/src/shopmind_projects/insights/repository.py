"""SQL the insights need beyond the schedule's graph."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Member, Milestone, Task


async def members(session: AsyncSession, project_id: str) -> list[Member]:
    stmt = select(Member).where(Member.project_id == project_id).order_by(Member.name)
    return list((await session.execute(stmt)).scalars())


async def milestones(session: AsyncSession, project_id: str) -> list[Milestone]:
    stmt = (select(Milestone).where(Milestone.project_id == project_id)
            .order_by(Milestone.due_date.asc().nulls_last(), Milestone.name))
    return list((await session.execute(stmt)).scalars())


async def milestone_tasks(session: AsyncSession, project_id: str, milestone_id: str
                          ) -> list[Task]:
    stmt = (select(Task).where(Task.project_id == project_id,
                               Task.milestone_id == milestone_id).order_by(Task.number))
    return list((await session.execute(stmt)).scalars())


async def tasks(session: AsyncSession, project_id: str) -> list[Task]:
    stmt = select(Task).where(Task.project_id == project_id).order_by(Task.number)
    return list((await session.execute(stmt)).scalars())
