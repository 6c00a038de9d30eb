"""API key lifecycle and verification, with a short-lived cache for the hot path.

Keys look like `smk_<id>_<secret>`. The id is public and indexes the row; the
secret (256 random bits) is stored only as SHA-256 over a per-key salt. A slow
password hash buys nothing for secrets of that entropy and would cost the hot
path dearly. Verified rows are cached for `GATEWAY_KEY_CACHE_TTL_S`, so a
revocation made elsewhere (the CLI, another replica) applies within that time;
one made through this gateway applies at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from shopmind_common.db import Database
from shopmind_common.identity import Caller

from shopmind_gateway.errors import NotFound, auth_error
from shopmind_gateway.keys import repository
from shopmind_gateway.keys.models import metadata
from shopmind_gateway.keys.schemas import ApiKeyCreated, ApiKeyOut, parse_scopes

KEY_PREFIX = "smk_"
_CACHE_MAX = 50_000


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + secret.encode()).hexdigest()


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _out(row: dict[str, Any]) -> ApiKeyOut:
    return ApiKeyOut(
        id=row["id"],
        name=row["name"],
        scopes=row["scopes"].split(),
        created_at=_aware(row["created_at"]) or datetime.now(UTC),
        expires_at=_aware(row["expires_at"]),
        revoked_at=_aware(row["revoked_at"]),
    )


@dataclass(frozen=True, slots=True)
class _Record:
    salt: str
    key_hash: str
    caller: Caller
    expires_at: float | None
    revoked: bool


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_PREFIX)


class KeyService:
    def __init__(
        self, db: Database, *, cache_ttl_s: float = 5.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.cache_ttl_s = cache_ttl_s
        self._clock = clock
        self._cache: dict[str, tuple[float, _Record | None]] = {}

    async def create_schema(self) -> None:
        async with self.db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)

    async def create(
        self, name: str, scopes: list[str] | str, expires_in_days: int | None = None
    ) -> ApiKeyCreated:
        checked = parse_scopes(scopes)
        key_id = secrets.token_hex(8)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_hex(16)
        now = datetime.now(UTC)
        row = {
            "id": key_id,
            "name": name,
            "scopes": " ".join(checked),
            "salt": salt,
            "key_hash": _hash(salt, secret),
            "created_at": now,
            "expires_at": now + timedelta(days=expires_in_days) if expires_in_days else None,
            "revoked_at": None,
        }
        async with self.db.session() as session:
            await repository.insert(session, row)
        self._cache.pop(key_id, None)
        return ApiKeyCreated(**_out(row).model_dump(), key=f"{KEY_PREFIX}{key_id}_{secret}")

    async def list(self, *, include_revoked: bool = False) -> list[ApiKeyOut]:
        async with self.db.session() as session:
            rows = await repository.list_all(session, include_revoked=include_revoked)
        return [_out(r) for r in rows]

    async def revoke(self, key_id: str) -> ApiKeyOut:
        async with self.db.session() as session:
            await repository.revoke(session, key_id, datetime.now(UTC))
            row = await repository.get(session, key_id)
        if row is None:
            raise NotFound(f"no API key with id {key_id!r}", details={"id": key_id})
        self._cache.pop(key_id, None)
        return _out(row)

    async def _record(self, key_id: str) -> _Record | None:
        now = self._clock()
        hit = self._cache.get(key_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        async with self.db.session() as session:
            row = await repository.get(session, key_id)
        record = None
        if row is not None:
            expires = _aware(row["expires_at"])
            record = _Record(
                salt=row["salt"],
                key_hash=row["key_hash"],
                caller=Caller(
                    subject=f"key:{key_id}", scopes=frozenset(row["scopes"].split()), kind="api_key"
                ),
                expires_at=expires.timestamp() if expires else None,
                revoked=row["revoked_at"] is not None,
            )
        if len(self._cache) >= _CACHE_MAX:
            self._cache.clear()
        # Unknown ids are cached too, so random keys cannot hammer the database.
        self._cache[key_id] = (now + self.cache_ttl_s, record)
        return record

    async def verify(self, presented: str) -> Caller:
        """The caller a key stands for; raises a 401 with a distinct code otherwise."""
        parts = presented.split("_", 2)
        if (
            len(parts) != 3
            or f"{parts[0]}_" != KEY_PREFIX
            or not parts[2]
            or not 1 <= len(parts[1]) <= 32
        ):
            raise auth_error("invalid_api_key", "malformed API key")
        key_id, secret = parts[1], parts[2]
        record = await self._record(key_id)
        if record is None or not hmac.compare_digest(_hash(record.salt, secret), record.key_hash):
            raise auth_error("invalid_api_key", "unknown API key")
        if record.revoked:
            raise auth_error(
                "revoked_api_key", "this API key was revoked", details={"key_id": key_id}
            )
        if record.expires_at is not None and record.expires_at <= time.time():
            raise auth_error(
                "expired_api_key", "this API key has expired", details={"key_id": key_id}
            )
        return record.caller
