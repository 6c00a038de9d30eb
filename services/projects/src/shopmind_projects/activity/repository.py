"""SQL of the activity log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Activity


def add(session: AsyncSession, *, project_id: str, entity_type: str, entity_id: str,
        action: str, actor: str, changes: dict[str, Any]) -> Activity:
    row = Activity(project_id=project_id, entity_type=entity_type, entity_id=entity_id,
                   action=action, actor=actor, changes=changes)
    session.add(row)
    return row


async def page(session: AsyncSession, project_id: str, *, entity_type: str | None,
               entity_id: str | None, action: str | None, limit: int, offset: int,
               newest_first: bool) -> tuple[Sequence[Activity], int]:
    filters = [Activity.project_id == project_id]
    if entity_type:
        filters.append(Activity.entity_type == entity_type)
    if entity_id:
        filters.append(Activity.entity_id == entity_id)
    if action:
        filters.append(Activity.action == action)
    order = Activity.id.desc() if newest_first else Activity.id.asc()
    stmt = (select(Activity, func.count().over().label("total")).where(*filters)
            .order_by(order).limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Activity).where(*filters))
    return [], int(total or 0)
