"""SQL of members."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Member

_SORT_COLUMNS = {
    "name": func.lower(Member.name), "role": Member.role,
    "weekly_capacity_hours": Member.weekly_capacity_hours,
    "created_at": Member.created_at, "updated_at": Member.updated_at,
}


async def get(session: AsyncSession, project_id: str, member_id: str) -> Member | None:
    stmt = select(Member).where(Member.id == member_id, Member.project_id == project_id)
    result: Member | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def by_email(session: AsyncSession, project_id: str, email: str) -> Member | None:
    stmt = select(Member).where(Member.project_id == project_id, Member.email == email)
    result: Member | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def all_of(session: AsyncSession, project_id: str) -> list[Member]:
    stmt = select(Member).where(Member.project_id == project_id).order_by(Member.name, Member.id)
    return list((await session.execute(stmt)).scalars())


async def page(session: AsyncSession, project_id: str, *, q: str | None, role: str | None,
               sort: Sequence[tuple[str, bool]], limit: int, offset: int
               ) -> tuple[list[Member], int]:
    filters: list[ColumnElement[bool]] = [Member.project_id == project_id]
    if q:
        filters.append(func.lower(Member.name).contains(q.lower(), autoescape=True))
    if role:
        filters.append(Member.role == role)
    order: list[Any] = [(_SORT_COLUMNS[n].desc() if d else _SORT_COLUMNS[n].asc()) for n, d in sort]
    order.append(Member.id.asc())
    stmt = (select(Member, func.count().over()).where(*filters).order_by(*order)
            .limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Member).where(*filters))
    return [], int(total or 0)
