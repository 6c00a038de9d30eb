from __future__ import annotations

from pathlib import Path

import pytest
from shopmind_common.db import Database
from sqlalchemy import text


async def _pragma(db: Database, name: str) -> object:
    async with db.session() as session:
        return (await session.execute(text(f"PRAGMA {name}"))).scalar()


@pytest.mark.parametrize("page_size", [None, 16384])
async def test_sqlite_pragmas_and_page_size_of_a_new_file(
    tmp_path: Path, page_size: int | None
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", sqlite_page_size=page_size)
    try:
        assert await _pragma(db, "journal_mode") == "wal"
        assert await _pragma(db, "synchronous") == 1  # NORMAL
        assert await _pragma(db, "foreign_keys") == 1
        assert await _pragma(db, "page_size") == (page_size or 4096)
    finally:
        await db.dispose()


async def test_an_existing_file_keeps_its_page_size(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    first = Database(url)
    async with first.session() as session:
        await session.execute(text("CREATE TABLE t (x INTEGER)"))
    await first.dispose()
    again = Database(url, sqlite_page_size=16384)
    try:
        assert await _pragma(again, "page_size") == 4096
        async with again.session() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 0
    finally:
        await again.dispose()
