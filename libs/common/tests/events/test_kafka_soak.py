"""A soak of the chosen broker/client pair (Kafka 3.9, kafka-python 2.3).

Old kafka-python releases failed against newer brokers only after minutes of
traffic (protocol versions negotiated once, then refused). This keeps a
producer and a consumer group busy for a bounded time, across topic metadata
refreshes and offset commits, and checks that every event arrived exactly once.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from shopmind.events import REVIEW_CREATED, ReviewCreated
from shopmind_common.events import ConsumerRunner, Event, EventBus, MemoryInbox, new_event
from shopmind_common.testing import unique

from .test_contract import eventually

SOAK_SECONDS = float(os.environ.get("SHOPMIND_KAFKA_SOAK_S", "45"))


@pytest.mark.kafka
@pytest.mark.slow
async def test_kafka_pair_soak(kafka_bus: EventBus) -> None:
    received: dict[str, int] = {}

    async def handle(events: list[Event]) -> None:
        for e in events:
            received[e.event_id] = received.get(e.event_id, 0) + 1

    runner = ConsumerRunner(
        kafka_bus,
        group=unique("soak-"),
        topics=[REVIEW_CREATED],
        batch_handler=handle,
        inbox=MemoryInbox(),
        max_batch=500,
    )
    await runner.start()
    sent: list[str] = []
    deadline = time.monotonic() + SOAK_SECONDS
    seq = 0
    while time.monotonic() < deadline:
        batch = [
            new_event(
                REVIEW_CREATED,
                ReviewCreated(
                    review_id=f"r{seq + i}", product_id=f"p{(seq + i) % 50}", text="soak"
                ),
                key=f"p{(seq + i) % 50}",
                producer="soak",
            )
            for i in range(50)
        ]
        seq += len(batch)
        await kafka_bus.publish_many(batch)
        sent.extend(e.event_id for e in batch)
        await asyncio.sleep(0.1)  # about 500 events/s
    try:
        await eventually(lambda: len(received) >= len(sent), timeout_s=60)
    finally:
        await runner.stop()
    assert len(sent) > 1000
    assert set(received) == set(sent), f"lost {len(set(sent) - set(received))}"
    assert max(received.values()) == 1
    assert runner.stats.dead_lettered == 0
