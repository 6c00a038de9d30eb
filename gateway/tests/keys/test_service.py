"""API keys in the store: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from shopmind_common.db import Database
from shopmind_gateway.errors import AuthError, NotFound
from shopmind_gateway.keys.models import api_keys
from shopmind_gateway.keys.service import KeyService
from sqlalchemy import select


async def _exercise(db: Database) -> None:
    keys = KeyService(db, cache_ttl_s=60)
    await keys.create_schema()
    created = await keys.create("ci", "nlp:read, projects:write,nlp:read", expires_in_days=30)
    assert created.scopes == ["nlp:read", "projects:write"]
    assert created.key.startswith(f"smk_{created.id}_")
    assert created.expires_at is not None

    # Only a salted hash is stored: neither the key nor its secret appears in the row.
    async with db.session() as session:
        row = (await session.execute(select(api_keys))).mappings().one()
    secret = created.key.split("_", 2)[2]
    assert secret not in " ".join(str(v) for v in row.values())
    assert len(row["salt"]) == 32 and len(row["key_hash"]) == 64

    caller = await keys.verify(created.key)
    assert caller.subject == f"key:{created.id}" and caller.has("projects:write")

    other = await keys.create("other", ["admin"])
    assert [k.id for k in await keys.list()] == [created.id, other.id]
    revoked = await keys.revoke(created.id)
    assert revoked.revoked_at is not None
    # Revocation through the service clears its cache at once, despite the 60 s TTL.
    with pytest.raises(AuthError) as exc:
        await keys.verify(created.key)
    assert exc.value.code == "revoked_api_key"
    assert [k.id for k in await keys.list()] == [other.id]
    assert len(await keys.list(include_revoked=True)) == 2
    with pytest.raises(NotFound):
        await keys.revoke("ffffffffffffffff")


async def test_keys_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    try:
        await _exercise(db)
    finally:
        await db.dispose()


@pytest.mark.postgres
async def test_keys_on_postgres(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        await _exercise(db)
    finally:
        await db.dispose()


async def test_bad_scopes_are_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    keys = KeyService(db)
    await keys.create_schema()
    for scopes in ("nlp:delete", "billing:read", "", "admin,root"):
        with pytest.raises(ValueError, match="scope"):
            await keys.create("x", scopes)
    await db.dispose()


async def test_expired_key_is_refused(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    keys = KeyService(db, cache_ttl_s=0)
    await keys.create_schema()
    created = await keys.create("old", "nlp:read", expires_in_days=1)
    async with db.session() as session:
        await session.execute(api_keys.update().values(expires_at=created.created_at))
    with pytest.raises(AuthError) as exc:
        await keys.verify(created.key)
    assert exc.value.code == "expired_api_key"
    await db.dispose()
