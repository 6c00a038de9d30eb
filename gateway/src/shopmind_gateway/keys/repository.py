"""Every query on the API key table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_gateway.keys.models import api_keys


async def insert(session: AsyncSession, row: dict[str, Any]) -> None:
    await session.execute(api_keys.insert().values(**row))


async def get(session: AsyncSession, key_id: str) -> dict[str, Any] | None:
    result = await session.execute(select(api_keys).where(api_keys.c.id == key_id))
    row = result.mappings().first()
    return dict(row) if row is not None else None


async def list_all(session: AsyncSession, *, include_revoked: bool) -> list[dict[str, Any]]:
    query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    result = await session.execute(query)
    return [dict(r) for r in result.mappings()]


async def revoke(session: AsyncSession, key_id: str, at: datetime) -> bool:
    result = await session.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(getattr(result, "rowcount", 0))
