"""Every query on jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.db.models import Job, utcnow

ACTIVE = ("queued", "running")


class JobRepository:
    def add(self, session: AsyncSession, job: Job) -> None:
        session.add(job)

    async def get(self, session: AsyncSession, job_id: str) -> Job | None:
        return await session.get(Job, job_id, populate_existing=True)

    async def page(self, session: AsyncSession, *, project_id: str | None,
                   statuses: list[str], limit: int, offset: int) -> tuple[list[Job], int]:
        conds = []
        if project_id is not None:
            conds.append(Job.project_id == project_id)
        if statuses:
            conds.append(Job.status.in_(statuses))
        total = (await session.execute(select(func.count()).select_from(Job)
                                       .where(*conds))).scalar_one()
        rows = (await session.execute(select(Job).where(*conds)
                                      .order_by(Job.created_at.desc(), Job.id)
                                      .limit(limit).offset(offset))).scalars().all()
        return list(rows), int(total)

    async def claim(self, session: AsyncSession, job_id: str) -> bool:
        """queued -> running, atomically: one worker (of any replica) wins."""
        result = await session.execute(
            update(Job).where(Job.id == job_id, Job.status == "queued")
            .values(status="running", started_at=utcnow(), stage="starting",
                    updated_at=utcnow()))
        return bool(getattr(result, "rowcount", 0) == 1)

    async def set(self, session: AsyncSession, job_id: str, **values: Any) -> None:
        values.setdefault("updated_at", utcnow())
        await session.execute(update(Job).where(Job.id == job_id).values(**values))

    async def finish(self, session: AsyncSession, job_id: str, status: str,
                     **values: Any) -> bool:
        """running/queued -> a final status; False if it had already finished."""
        now = utcnow()
        result = await session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
            .values(status=status, finished_at=now, updated_at=now, **values))
        return bool(getattr(result, "rowcount", 0) == 1)

    async def request_cancel(self, session: AsyncSession, job_id: str) -> None:
        await session.execute(update(Job).where(Job.id == job_id, Job.status.in_(ACTIVE))
                              .values(cancel_requested=True, updated_at=utcnow()))

    async def cancel_requested(self, session: AsyncSession, job_id: str) -> bool:
        value = (await session.execute(select(Job.cancel_requested)
                                       .where(Job.id == job_id))).scalar_one_or_none()
        return bool(value)

    async def unfinished(self, session: AsyncSession) -> list[str]:
        rows = await session.execute(select(Job.id).where(Job.status.in_(ACTIVE))
                                     .order_by(Job.created_at))
        return [r[0] for r in rows]

    async def requeue_running(self, session: AsyncSession, started_before: datetime) -> int:
        """Jobs left running by a process that died go back to the queue."""
        result = await session.execute(
            update(Job).where(Job.status == "running", Job.started_at < started_before)
            .values(status="queued", stage="requeued", updated_at=utcnow()))
        return int(getattr(result, "rowcount", 0) or 0)


job_repository = JobRepository()
