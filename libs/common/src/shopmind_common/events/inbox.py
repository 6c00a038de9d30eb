"""Inboxes: which event ids a consumer has already handled."""

from __future__ import annotations

import abc
from collections import OrderedDict
from collections.abc import Iterable

from sqlalchemy import Column, DateTime, MetaData, String, Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

inbox_metadata = MetaData()
inbox_table = Table(
    "shopmind_inbox",
    inbox_metadata,
    Column("consumer", String(200), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


class Inbox(abc.ABC):
    @abc.abstractmethod
    async def seen(self, consumer: str, event_ids: Iterable[str]) -> set[str]:
        """The ids among `event_ids` already handled by `consumer`."""

    @abc.abstractmethod
    async def mark(self, consumer: str, event_ids: Iterable[str]) -> None:
        """Record ids as handled."""


class MemoryInbox(Inbox):
    """A bounded in-memory inbox: enough for one process (all-in-one)."""

    def __init__(self, capacity: int = 1_000_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[tuple[str, str], None] = OrderedDict()

    async def seen(self, consumer: str, event_ids: Iterable[str]) -> set[str]:
        return {e for e in event_ids if (consumer, e) in self._ids}

    async def mark(self, consumer: str, event_ids: Iterable[str]) -> None:
        for e in event_ids:
            self._ids[(consumer, e)] = None
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)


class SqlInbox(Inbox):
    """A durable inbox in the service's own database (PostgreSQL or SQLite)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def create(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(inbox_metadata.create_all)

    async def seen(self, consumer: str, event_ids: Iterable[str]) -> set[str]:
        ids = list(event_ids)
        if not ids:
            return set()
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(inbox_table.c.event_id).where(
                    inbox_table.c.consumer == consumer, inbox_table.c.event_id.in_(ids)
                )
            )
            return {r[0] for r in rows}

    async def mark(self, consumer: str, event_ids: Iterable[str]) -> None:
        rows = [{"consumer": consumer, "event_id": e} for e in event_ids]
        if not rows:
            return
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt = insert(inbox_table).values(rows).on_conflict_do_nothing()
        async with self.engine.begin() as conn:
            await conn.execute(stmt)
