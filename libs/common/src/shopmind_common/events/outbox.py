"""The transactional outbox: events written with the change, relayed after commit.

A service adds its events to the outbox inside the transaction that changes
its data; the relay publishes committed rows in id order and marks them. A
crash between publish and mark publishes a row again, which consumers drop
by event id; a crash before publish loses nothing, because the row waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from shopmind_common.events.bus import EventBus
from shopmind_common.events.envelope import Event, encode

log = logging.getLogger("shopmind.events.outbox")

outbox_metadata = MetaData()
outbox_table = Table(
    "shopmind_outbox",
    outbox_metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=True),
    Column("value", LargeBinary, nullable=False),
    Column("headers", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True, index=True),
)


async def add_to_outbox(session: AsyncSession | AsyncConnection, events: Sequence[Event]) -> None:
    """Stage events in the caller's transaction; they leave only if it commits."""
    rows = []
    for event in events:
        value, headers = encode(event)
        rows.append(
            {
                "topic": event.destination,
                "key": event.key,
                "value": value,
                "headers": {k: v.decode() for k, v in headers.items()},
            }
        )
    if rows:
        await session.execute(outbox_table.insert(), rows)


class OutboxRelay:
    """Publishes committed outbox rows to the bus, oldest first."""

    def __init__(
        self, engine: AsyncEngine, bus: EventBus, *, batch_size: int = 200, interval_s: float = 0.1
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.batch_size = batch_size
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.published = 0

    async def create(self) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(outbox_metadata.create_all)

    async def relay_once(self) -> int:
        """Publish one batch of pending rows; returns how many it published."""
        async with self.engine.begin() as conn:
            stmt = (
                select(outbox_table)
                .where(outbox_table.c.published_at.is_(None))
                .order_by(outbox_table.c.id)
                .limit(self.batch_size)
                .with_for_update(skip_locked=True)
            )
            rows = (await conn.execute(stmt)).mappings().all()
            if not rows:
                return 0
            await self.bus.publish_raw(
                [
                    (
                        r["topic"],
                        r["key"],
                        r["value"],
                        {k: v.encode() for k, v in (r["headers"] or {}).items()},
                    )
                    for r in rows
                ]
            )
            await conn.execute(
                update(outbox_table)
                .where(outbox_table.c.id.in_([r["id"] for r in rows]))
                .values(published_at=datetime.now(UTC))
            )
        self.published += len(rows)
        return len(rows)

    async def pending(self) -> int:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                select(func.count())
                .select_from(outbox_table)
                .where(outbox_table.c.published_at.is_(None))
            )
            return int(result.scalar_one())

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                n = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; will retry")
                n = 0
            if n == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval_s)

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def kill(self) -> None:
        """Stop at once, as a crash would (for tests and drills)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
