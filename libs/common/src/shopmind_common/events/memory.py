"""The in-process event bus: partitioned logs in memory, for all-in-one runs.

It keeps Kafka's semantics that the consumer runner relies on: a key always
maps to the same partition, each group has committed offsets per partition,
and a member that leaves without committing hands its messages to the next.
One member per group reads all partitions.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Sequence

from shopmind_common.events.bus import ConsumerClient, EventBus, Offsets
from shopmind_common.events.envelope import Record


class InProcessBus(EventBus):
    name = "in-process"

    def __init__(self, partitions: int = 3) -> None:
        self.partitions = partitions
        self._logs: dict[str, list[list[Record]]] = {}
        self._committed: dict[tuple[str, str, int], int] = {}

    def _log(self, topic: str) -> list[list[Record]]:
        if topic not in self._logs:
            self._logs[topic] = [[] for _ in range(self.partitions)]
        return self._logs[topic]

    def partition_for(self, key: str | None, topic: str) -> int:
        if key is None:
            return sum(len(p) for p in self._log(topic)) % self.partitions
        return zlib.crc32(key.encode()) % self.partitions

    async def publish_raw(
        self, items: Sequence[tuple[str, str | None, bytes, dict[str, bytes]]]
    ) -> None:
        for topic, key, value, headers in items:
            partition = self.partition_for(key, topic)
            log = self._log(topic)[partition]
            log.append(Record(topic, partition, len(log), key, value, dict(headers)))

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        for topic in topics:
            self._log(topic)

    def consumer(self, group: str, topics: Sequence[str]) -> ConsumerClient:
        return _InProcessConsumer(self, group, list(topics))

    def messages(self, topic: str) -> list[Record]:
        """Every record of a topic, partition by partition (for tests and tools)."""
        return [r for part in self._log(topic) for r in part]

    def committed(self, group: str, topic: str, partition: int) -> int:
        return self._committed.get((group, topic, partition), 0)

    def _commit(self, group: str, offsets: Offsets) -> None:
        for (topic, partition), offset in offsets.items():
            key = (group, topic, partition)
            self._committed[key] = max(self._committed.get(key, 0), offset)


class _InProcessConsumer(ConsumerClient):
    def __init__(self, bus: InProcessBus, group: str, topics: list[str]) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self._positions: dict[tuple[str, int], int] = {}
        self._closed = False

    def _position(self, topic: str, partition: int) -> int:
        key = (topic, partition)
        if key not in self._positions:
            self._positions[key] = self.bus.committed(self.group, topic, partition)
        return self._positions[key]

    def _take(self, max_records: int) -> list[Record]:
        out: list[Record] = []
        for topic in self.topics:
            for partition, log in enumerate(self.bus._log(topic)):
                pos = self._position(topic, partition)
                batch = log[pos : pos + max_records - len(out)]
                if batch:
                    out.extend(batch)
                    self._positions[(topic, partition)] = pos + len(batch)
                if len(out) >= max_records:
                    return out
        return out

    async def poll(self, max_records: int, timeout_s: float) -> list[Record]:
        if self._closed:
            raise RuntimeError("consumer is closed")
        deadline = time.monotonic() + timeout_s
        while True:
            records = self._take(max_records)
            if records or time.monotonic() >= deadline:
                return records
            await asyncio.sleep(0.005)

    async def commit(self, offsets: Offsets) -> None:
        self.bus._commit(self.group, offsets)

    async def close(self) -> None:
        self._closed = True
