"""SQL of comments."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Comment

_SORT_COLUMNS = {"created_at": Comment.created_at, "updated_at": Comment.updated_at}


async def get(session: AsyncSession, task_id: str, comment_id: str) -> Comment | None:
    stmt = select(Comment).where(Comment.id == comment_id, Comment.task_id == task_id)
    result: Comment | None = (await session.execute(stmt)).scalar_one_or_none()
    return result


async def page(session: AsyncSession, task_id: str, *, sort: Sequence[tuple[str, bool]],
               limit: int, offset: int) -> tuple[list[Comment], int]:
    order: list[Any] = [(_SORT_COLUMNS[n].desc() if d else _SORT_COLUMNS[n].asc()) for n, d in sort]
    order.append(Comment.id.asc())
    stmt = (select(Comment, func.count().over()).where(Comment.task_id == task_id)
            .order_by(*order).limit(limit).offset(offset))
    rows = (await session.execute(stmt)).all()
    if rows:
        return [r[0] for r in rows], int(rows[0][1])
    total = await session.scalar(select(func.count()).select_from(Comment)
                                 .where(Comment.task_id == task_id))
    return [], int(total or 0)
