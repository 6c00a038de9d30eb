"""The Kafka event bus (kafka-python, proven against the broker in deploy/local).

kafka-python is blocking and its consumer is not thread-safe, so each consumer
runs every call on one dedicated thread, and the producer's sends run on a
small pool; the event loop never blocks on the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata, TopicPartition

from shopmind_common.events.bus import ConsumerClient, EventBus, Offsets
from shopmind_common.events.envelope import Record

log = logging.getLogger("shopmind.events.kafka")


class KafkaBus(EventBus):
    name = "kafka"

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "shopmind",
        partitions: int = 3,
        linger_ms: int = 5,
        topic_prefix: str = "",
    ) -> None:
        self.bootstrap = bootstrap
        # Every topic name on the broker carries this prefix (environments, tests);
        # callers and records see the names without it.
        self.topic_prefix = topic_prefix
        self.client_id = client_id
        self.partitions = partitions
        self.linger_ms = linger_ms
        self._producer: KafkaProducer | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kafka-producer")
        self._known_topics: set[str] = set()

    def _get_producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                client_id=self.client_id,
                acks="all",
                enable_idempotence=True,
                linger_ms=self.linger_ms,
                retries=5,
                max_in_flight_requests_per_connection=1,  # kafka-python's idempotence needs 1
            )
        return self._producer

    async def start(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._get_producer)

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await asyncio.get_running_loop().run_in_executor(
                self._pool, lambda: producer.close(timeout=10)
            )
        self._pool.shutdown(wait=False)

    def _send_all(self, items: Sequence[tuple[str, str | None, bytes, dict[str, bytes]]]) -> None:
        producer = self._get_producer()
        futures = [
            producer.send(
                self.topic_prefix + topic,
                value=value,
                key=key.encode() if key is not None else None,
                headers=list(headers.items()),
            )
            for topic, key, value, headers in items
        ]
        producer.flush(timeout=30)
        for future in futures:
            future.get(timeout=30)  # raises the broker's error, if any

    async def publish_raw(
        self, items: Sequence[tuple[str, str | None, bytes, dict[str, bytes]]]
    ) -> None:
        if items:
            await asyncio.get_running_loop().run_in_executor(self._pool, self._send_all, items)

    def _create_topics(self, topics: Sequence[str]) -> None:
        missing = [
            self.topic_prefix + t for t in topics if self.topic_prefix + t not in self._known_topics
        ]
        if not missing:
            return
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id=self.client_id)
        try:
            existing = set(admin.list_topics())
            new = [NewTopic(t, self.partitions, 1) for t in missing if t not in existing]
            if new:
                # Another member may create it first; either way it exists.
                with contextlib.suppress(TopicAlreadyExistsError):
                    admin.create_topics(new)
        finally:
            admin.close()
        self._known_topics.update(missing)

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        await asyncio.get_running_loop().run_in_executor(self._pool, self._create_topics, topics)

    def consumer(self, group: str, topics: Sequence[str]) -> ConsumerClient:
        return _KafkaConsumerClient(self, group, list(topics))


class _KafkaConsumerClient(ConsumerClient):
    def __init__(self, bus: KafkaBus, group: str, topics: list[str]) -> None:
        self.bus = bus
        self.group = group
        self.topics = topics
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kafka-{group}")
        self._consumer: KafkaConsumer | None = None

    async def _call(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    def _ensure(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                *(self.bus.topic_prefix + t for t in self.topics),
                bootstrap_servers=self.bus.bootstrap,
                client_id=f"{self.bus.client_id}-{self.group}",
                group_id=self.group,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                session_timeout_ms=10_000,
                heartbeat_interval_ms=1_000,
                max_poll_interval_ms=300_000,
            )
        return self._consumer

    def _poll(self, max_records: int, timeout_s: float) -> list[Record]:
        consumer = self._ensure()
        batches = consumer.poll(timeout_ms=int(timeout_s * 1000), max_records=max_records)
        out: list[Record] = []
        for tp, msgs in batches.items():
            for m in msgs:
                out.append(
                    Record(
                        topic=tp.topic.removeprefix(self.bus.topic_prefix),
                        partition=tp.partition,
                        offset=m.offset,
                        key=m.key.decode() if m.key is not None else None,
                        value=m.value if m.value is not None else b"",
                        headers={k: (v or b"") for k, v in (m.headers or [])},
                    )
                )
        return out

    async def poll(self, max_records: int, timeout_s: float) -> list[Record]:
        records: list[Record] = await self._call(self._poll, max_records, timeout_s)
        return records

    def _commit(self, offsets: Offsets) -> None:
        self._ensure().commit(
            {
                TopicPartition(self.bus.topic_prefix + topic, partition): OffsetAndMetadata(
                    offset, "", -1
                )
                for (topic, partition), offset in offsets.items()
            }
        )

    async def commit(self, offsets: Offsets) -> None:
        if offsets:
            await self._call(self._commit, offsets)

    def _close(self) -> None:
        if self._consumer is not None:
            self._consumer.close(autocommit=False)
            self._consumer = None

    async def close(self) -> None:
        await self._call(self._close)
        self._thread.shutdown(wait=False)
