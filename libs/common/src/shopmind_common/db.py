"""The relational session: PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def new_id() -> str:
    """A new random row id (UUID4 as text, the same on every backend)."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_engine(
    url: str, *, pool_size: int = 10, sqlite_page_size: int | None = None
) -> AsyncEngine:
    """An async engine; SQLite gets WAL (synchronous=NORMAL), foreign keys and a busy timeout.

    `sqlite_page_size` applies to a database file created by this engine (SQLite fixes
    the page size when the first table is written): larger pages suit tables of
    megabyte blobs, with fewer pages to write and checkpoint per row.
    """
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            if sqlite_page_size:  # before WAL: a new file takes it; an existing one keeps its own
                cur.execute(f"PRAGMA page_size={int(sqlite_page_size)}")
            cur.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL stays consistent through a crash and skips an fsync per commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


class Database:
    """An engine and its session factory; `session()` owns the transaction."""

    def __init__(self, url: str, *, sqlite_page_size: int | None = None) -> None:
        self.url = url
        self.engine = create_engine(url, sqlite_page_size=sqlite_page_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """Commit on success, roll back on error; callers never commit."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def dispose(self) -> None:
        await self.engine.dispose()
