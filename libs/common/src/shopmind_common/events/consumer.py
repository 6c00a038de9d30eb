"""The consumer runner: at-least-once delivery with effects applied once.

For each polled batch it decodes every record (a record that does not decode
goes straight to `<topic>.dlq`), skips event ids the inbox has seen, hands the
rest to the handler with capped exponential backoff, dead-letters what still
fails, marks the inbox and only then commits the offsets. A consumer that dies
before the commit gets the batch again, and the inbox turns the repeat into a
no-op. Records are handled in partition order, so per-key order holds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter
from shopmind.events import DeadLetter

from shopmind_common.events.bus import DLQ_SUFFIX, ConsumerClient, EventBus, Offsets
from shopmind_common.events.envelope import TYPE_HEADER, Event, PoisonMessage, Record, decode
from shopmind_common.events.inbox import Inbox, MemoryInbox
from shopmind_common.tracing import consuming, consuming_batch

log = logging.getLogger("shopmind.events.consumer")

Handler = Callable[[Event], Awaitable[None]]
BatchHandler = Callable[[list[Event]], Awaitable[None]]


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retries: int = 0
    batches: int = 0


class ConsumerRunner:
    """Runs one consumer-group member: poll, dedupe, handle, dead-letter, commit."""

    def __init__(
        self,
        bus: EventBus,
        *,
        group: str,
        topics: Sequence[str],
        handler: Handler | None = None,
        batch_handler: BatchHandler | None = None,
        inbox: Inbox | None = None,
        max_attempts: int = 3,
        backoff_initial_s: float = 0.05,
        backoff_max_s: float = 2.0,
        max_batch: int = 200,
        poll_timeout_s: float = 0.2,
        registry: CollectorRegistry | None = None,
    ) -> None:
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler or batch_handler")
        self.bus = bus
        self.group = group
        self.topics = list(topics)
        self.handler = handler
        self.batch_handler = batch_handler
        self.inbox = inbox if inbox is not None else MemoryInbox()
        self.max_attempts = max_attempts
        self.backoff_initial_s = backoff_initial_s
        self.backoff_max_s = backoff_max_s
        self.max_batch = max_batch
        self.poll_timeout_s = poll_timeout_s
        self.stats = ConsumerStats()
        self._client: ConsumerClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._outcomes = (
            Counter(
                "consumer_events_total",
                "Events handled by outcome",
                ["group", "topic", "outcome"],
                registry=registry,
            )
            if registry is not None
            else None
        )

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Create the topics and their DLQs if needed, join the group, start polling."""
        await self.bus.ensure_topics(self.topics + [t + DLQ_SUFFIX for t in self.topics])
        self._client = self.bus.consumer(self.group, self.topics)
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group}")

    async def stop(self, timeout_s: float = 30.0) -> None:
        """Finish and commit the batch in hand, then leave the group."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout_s)
            except TimeoutError:
                log.error("consumer %s did not drain in %.0fs; abandoning", self.group, timeout_s)
                self._task.cancel()
        await self._close_client()

    async def kill(self) -> None:
        """Stop at once without committing, as a crash would (for tests and drills)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._close_client()

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The batch is not committed; it comes back after a pause.
                log.exception("consumer %s failed a batch; retrying", self.group)
                await asyncio.sleep(self.backoff_max_s)

    async def run_once(self) -> int:
        """Poll and process one batch; returns how many records it read."""
        assert self._client is not None, "start() the runner first"
        records = await self._client.poll(self.max_batch, self.poll_timeout_s)
        if records:
            await self._process(self._client, records)
        return len(records)

    async def _process(self, client: ConsumerClient, records: list[Record]) -> None:
        self.stats.batches += 1
        offsets: Offsets = {}
        events: list[Event] = []
        record_of: dict[str, Record] = {}
        for record in records:
            offsets[(record.topic, record.partition)] = record.offset + 1
            try:
                event = decode(record)
            except PoisonMessage as exc:
                await self._dead_letter(record, str(exc), attempts=0)
                continue
            if event.event_id in record_of:  # the same event twice in one batch
                self.stats.duplicates += 1
                continue
            record_of[event.event_id] = record
            events.append(event)
        seen = await self.inbox.seen(self.group, record_of)
        fresh = [e for e in events if e.event_id not in seen]
        self.stats.duplicates += len(events) - len(fresh)
        self._count_many(events, "duplicate", len(events) - len(fresh))
        if fresh:
            await self._handle(fresh, record_of)
        await client.commit(offsets)

    async def _handle(self, events: list[Event], record_of: dict[str, Record]) -> None:
        if self.batch_handler is not None and len(events) > 1:
            try:
                headers = [record_of[e.event_id].headers for e in events]
                with consuming_batch(self.group, events, headers):
                    await self.batch_handler(events)
            except Exception:
                log.warning(
                    "batch of %d failed in %s; handling one by one",
                    len(events),
                    self.group,
                    exc_info=True,
                )
            else:
                await self._done(events)
                return
        for event in events:
            error = await self._attempt(event, record_of[event.event_id].headers)
            if error is None:
                await self._done([event])
            else:
                await self._dead_letter(record_of[event.event_id], error, self.max_attempts)

    async def _attempt(self, event: Event, headers: dict[str, bytes] | None = None) -> str | None:
        """Run the handler with capped exponential backoff; the last error, or None."""
        with consuming(self.group, event, headers):  # a span in the event's trace, trace_id_var
            return await self._attempt_traced(event)

    async def _attempt_traced(self, event: Event) -> str | None:
        delay = self.backoff_initial_s
        for attempt in range(1, self.max_attempts + 1):
            try:
                if self.handler is not None:
                    await self.handler(event)
                else:
                    assert self.batch_handler is not None
                    await self.batch_handler([event])
                return None
            except Exception as exc:
                if attempt == self.max_attempts:
                    log.error(
                        "event %s failed %d times in %s: %r",
                        event.event_id,
                        attempt,
                        self.group,
                        exc,
                    )
                    return f"{type(exc).__name__}: {exc}"
                self.stats.retries += 1
                await asyncio.sleep(delay * (0.5 + random.random() / 2))
                delay = min(delay * 2, self.backoff_max_s)
        return "no attempt made"  # unreachable: max_attempts >= 1

    async def _done(self, events: list[Event]) -> None:
        await self.inbox.mark(self.group, [e.event_id for e in events])
        if log.isEnabledFor(logging.DEBUG):
            for e in events:  # one line per event, so a trace can be followed across the hop
                log.debug(
                    "handled %s %s",
                    e.type,
                    e.event_id,
                    extra={"trace_id": e.trace_id, "event_id": e.event_id, "group": self.group},
                )
        self.stats.handled += len(events)
        self._count_many(events, "handled", len(events))

    async def _dead_letter(self, record: Record, error: str, attempts: int) -> None:
        letter = DeadLetter(
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
            consumer_group=self.group,
            error=error,
            attempts=attempts,
            original_value=record.value,
            original_key=record.key or "",
        )
        letter.failed_at.FromDatetime(datetime.now(UTC))
        headers = {"dlq-error": error.encode()[:1000], "dlq-group": self.group.encode()}
        if TYPE_HEADER in record.headers:
            headers[TYPE_HEADER] = record.headers[TYPE_HEADER]
        await self.bus.publish_raw(
            [(record.topic + DLQ_SUFFIX, record.key, letter.SerializeToString(), headers)]
        )
        self.stats.dead_lettered += 1
        if self._outcomes is not None:
            self._outcomes.labels(self.group, record.topic, "dead_lettered").inc()
        log.warning(
            "dead-lettered %s[%d]@%d from %s: %s",
            record.topic,
            record.partition,
            record.offset,
            self.group,
            error,
        )

    def _count_many(self, events: list[Event], outcome: str, n: int) -> None:
        if self._outcomes is not None and n and events:
            self._outcomes.labels(self.group, events[0].topic, outcome).inc(n)
