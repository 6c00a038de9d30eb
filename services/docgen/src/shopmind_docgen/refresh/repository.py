"""Every query on pending refreshes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.db.models import PendingRefresh


class RefreshRepository:
    async def get(self, session: AsyncSession, project_id: str) -> PendingRefresh | None:
        return await session.get(PendingRefresh, project_id, with_for_update=True)

    def add(self, session: AsyncSession, row: PendingRefresh) -> None:
        session.add(row)

    async def due(self, session: AsyncSession, now: datetime, limit: int = 50
                  ) -> list[PendingRefresh]:
        rows = await session.execute(select(PendingRefresh).where(PendingRefresh.due_at <= now)
                                     .order_by(PendingRefresh.due_at).limit(limit))
        return list(rows.scalars().all())

    async def next_due(self, session: AsyncSession, now: datetime) -> datetime | None:
        return (await session.execute(select(func.min(PendingRefresh.due_at))
                                      .where(PendingRefresh.due_at > now))).scalar_one_or_none()

    async def take(self, session: AsyncSession, project_id: str, due_at: datetime) -> bool:
        """Remove the row if it is still the one seen (a newer change postponed it otherwise)."""
        result = await session.execute(delete(PendingRefresh).where(
            PendingRefresh.project_id == project_id, PendingRefresh.due_at == due_at))
        return bool(getattr(result, "rowcount", 0) == 1)


refresh_repository = RefreshRepository()
