"""Idempotent creates: a retried POST with the same Idempotency-Key gets the first answer.

The key row is written in the same transaction as the created rows, so a create
and its key commit or vanish together. Two concurrent twins race on the key's
primary key: the loser's whole transaction rolls back and it gets 409, and its
retry is answered from the winner's stored response.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from shopmind_common.errors import Conflict, Unprocessable
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.core.errors import field_error
from shopmind_projects.db.models import IdempotencyKey

_FIELD = "header.Idempotency-Key"


@dataclass(frozen=True)
class IdempotencyRequest:
    key: str
    scope: str  # method and path: the same key on another route is another request
    ttl_s: int


@dataclass
class Created:
    """A create's answer: what to send, and whether it is a replay."""

    body: dict[str, Any]
    status_code: int = 201
    headers: dict[str, str] = field(default_factory=dict)
    replayed: bool = False


def request_hash(payload: Any) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


async def replay(session: AsyncSession, idem: IdempotencyRequest | None,
                 payload: Any) -> Created | None:
    """The stored answer for this key, or None when the create should run."""
    if idem is None:
        return None
    row = await session.get(IdempotencyKey, (idem.scope, idem.key))
    if row is None:
        return None
    if row.created_at < datetime.now(UTC) - timedelta(seconds=idem.ttl_s):
        await session.delete(row)
        await session.flush()
        return None
    if row.request_hash != request_hash(payload):
        raise Unprocessable(
            "this Idempotency-Key was already used with a different request body",
            details=field_error(_FIELD, "reused with a different request"))
    return Created(body=row.response or {}, status_code=row.status_code,
                   headers=dict(row.headers or {}), replayed=True)


async def remember(session: AsyncSession, idem: IdempotencyRequest | None, payload: Any,
                   created: Created) -> Created:
    """Store the answer with the created rows (same transaction)."""
    if idem is None:
        return created
    session.add(IdempotencyKey(
        scope=idem.scope, key=idem.key, request_hash=request_hash(payload),
        status_code=created.status_code, response=created.body, headers=created.headers,
    ))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a request with this Idempotency-Key is in progress or just finished; retry it",
            code="idempotency_key_in_use", details=field_error(_FIELD, "in use"),
        ) from exc
    return created


async def purge_expired(session: AsyncSession, ttl_s: int) -> int:
    cutoff = datetime.now(UTC) - timedelta(seconds=ttl_s)
    result = await session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
