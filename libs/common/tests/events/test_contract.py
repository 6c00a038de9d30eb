"""The event-bus contract, run against the in-process bus and the real Kafka."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable

import pytest
from shopmind.events import REVIEW_CREATED, DeadLetter, ReviewCreated
from shopmind_common.events import (
    DLQ_SUFFIX,
    ConsumerRunner,
    Event,
    EventBus,
    decode,
    new_event,
)

from .conftest import Backend

TOPIC = REVIEW_CREATED


def review(product: str, seq: int) -> Event:
    payload = ReviewCreated(review_id=f"{product}-{seq}", product_id=product, text=f"review {seq}")
    return new_event(REVIEW_CREATED, payload, key=product, producer="contract-test")


async def eventually(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


async def read_topic(
    bus: EventBus, topic: str, group: str, count: int, timeout_s: float = 30.0
) -> list:
    """Read `count` raw records from a topic with a throwaway group."""
    client = bus.consumer(group, [topic])
    out: list = []
    deadline = asyncio.get_running_loop().time() + timeout_s
    try:
        while len(out) < count and asyncio.get_running_loop().time() < deadline:
            out.extend(await client.poll(100, 0.5))
    finally:
        await client.close()
    return out


def runner(backend: Backend, group: str, **kwargs) -> ConsumerRunner:
    kwargs.setdefault("max_attempts", 3)
    kwargs.setdefault("backoff_initial_s", 0.01)
    kwargs.setdefault("backoff_max_s", 0.05)
    return ConsumerRunner(backend.bus, group=group, topics=[TOPIC], inbox=backend.inbox, **kwargs)


async def test_per_key_order_is_kept(backend: Backend, group: str) -> None:
    seen: dict[str, list[int]] = defaultdict(list)

    async def handle(event: Event) -> None:
        seen[event.key].append(int(event.payload.review_id.split("-")[-1]))

    events = [review(f"p{k}", seq) for seq in range(40) for k in range(5)]
    r = runner(backend, group, handler=handle, max_batch=17)
    await r.start()
    await backend.bus.publish_many(events)
    await eventually(lambda: sum(map(len, seen.values())) == len(events))
    await r.stop()
    assert set(seen) == {f"p{k}" for k in range(5)}
    for key, order in seen.items():
        assert order == list(range(40)), key


async def test_killed_before_commit_redelivers_and_effect_happens_once(
    backend: Backend, group: str
) -> None:
    effects: list[str] = []
    first = runner(backend, group, handler=lambda e: _record(effects, e))
    await first.start()
    # The crash: the handler ran and the inbox recorded it, but the commit never happens.
    assert first._client is not None
    crashed = asyncio.Event()

    async def never_commit(offsets: object) -> None:
        crashed.set()
        await asyncio.Event().wait()

    first._client.commit = never_commit  # type: ignore[method-assign]
    await backend.bus.publish(review("p1", 1))
    await asyncio.wait_for(crashed.wait(), 30)
    await first.kill()
    assert effects == ["p1-1"]

    second = runner(backend, group, handler=lambda e: _record(effects, e))
    await second.start()
    await eventually(lambda: second.stats.duplicates >= 1)
    await second.stop()
    assert effects == ["p1-1"], "the redelivered event must not act twice"
    assert second.stats.handled == 0

    # The second member committed: a third one gets nothing back.
    third = runner(backend, group, handler=lambda e: _record(effects, e))
    await third.start()
    await backend.bus.publish(review("p1", 2))
    await eventually(lambda: effects == ["p1-1", "p1-2"])
    await third.stop()
    assert third.stats.duplicates == 0


async def _record(effects: list[str], event: Event) -> None:
    effects.append(event.payload.review_id)


@pytest.mark.parametrize("poison", [b"\xff\x00not protobuf", "unknown-type"])
async def test_poison_goes_to_dlq_and_next_message_is_handled(
    backend: Backend, group: str, poison: bytes | str
) -> None:
    handled: list[str] = []
    r = runner(backend, group, handler=lambda e: _record(handled, e))
    await r.start()
    if poison == "unknown-type":
        from shopmind.events import Envelope

        value = Envelope(event_id="e-1", type="no.such.type", key="p1").SerializeToString()
        reason = "unknown event type"
    else:
        assert isinstance(poison, bytes)
        value, reason = poison, "not a valid Envelope"
    await backend.bus.publish_raw([(TOPIC, "p1", value, {})])
    await backend.bus.publish(review("p1", 2))
    await eventually(lambda: handled == ["p1-2"])
    await r.stop()
    assert r.stats.dead_lettered == 1

    letters = await read_topic(backend.bus, TOPIC + DLQ_SUFFIX, group + "-dlq-reader", 1)
    assert len(letters) == 1
    letter = DeadLetter.FromString(letters[0].value)
    assert reason in letter.error
    assert letter.original_value == value
    assert letter.source_topic == TOPIC and letter.consumer_group == group


async def test_failing_handler_retries_then_dead_letters(backend: Backend, group: str) -> None:
    calls: dict[str, int] = defaultdict(int)
    handled: list[str] = []

    async def handle(event: Event) -> None:
        calls[event.payload.review_id] += 1
        if event.payload.review_id == "p1-1":
            raise RuntimeError("downstream refused p1-1")
        handled.append(event.payload.review_id)

    r = runner(backend, group, handler=handle, max_attempts=3)
    await r.start()
    await backend.bus.publish_many([review("p1", 1), review("p1", 2)])
    await eventually(lambda: handled == ["p1-2"])
    await r.stop()
    assert calls["p1-1"] == 3
    letters = await read_topic(backend.bus, TOPIC + DLQ_SUFFIX, group + "-dlq-reader", 1)
    letter = DeadLetter.FromString(letters[0].value)
    assert "downstream refused p1-1" in letter.error
    assert letter.attempts == 3
    assert decode_original(letter).payload.review_id == "p1-1"


def decode_original(letter: DeadLetter) -> Event:
    from shopmind_common.events import Record

    return decode(
        Record(
            letter.source_topic,
            letter.source_partition,
            letter.source_offset,
            letter.original_key,
            letter.original_value,
        )
    )


async def test_batch_handler_isolates_a_poison_event(backend: Backend, group: str) -> None:
    batches: list[int] = []
    handled: list[str] = []

    async def handle_batch(events: list[Event]) -> None:
        if any(e.payload.review_id == "p2-3" for e in events):
            raise ValueError("cannot enrich p2-3")
        batches.append(len(events))
        handled.extend(e.payload.review_id for e in events)

    r = runner(backend, group, batch_handler=handle_batch, max_attempts=2)
    await r.start()
    events = [review("p2", i) for i in range(6)]
    await backend.bus.publish_many(events)
    await eventually(lambda: len(handled) == 5)
    await r.stop()
    assert sorted(handled) == sorted(f"p2-{i}" for i in range(6) if i != 3)
    assert r.stats.dead_lettered == 1


async def test_shutdown_drains_in_flight_work(backend: Backend, group: str) -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def slow(event: Event) -> None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(event.payload.review_id)

    r = runner(backend, group, handler=slow)
    await r.start()
    await backend.bus.publish(review("p3", 1))
    await asyncio.wait_for(started.wait(), 30)
    await r.stop()  # must wait for the handler and commit, not cut it off
    assert finished == ["p3-1"]

    # What was drained was also committed: a new member gets nothing again.
    again: list[str] = []
    r2 = runner(backend, group, handler=lambda e: _record(again, e))
    await r2.start()
    await backend.bus.publish(review("p3", 2))
    await eventually(lambda: again == ["p3-2"])
    await r2.stop()
    assert r2.stats.duplicates == 0


async def test_duplicate_publish_acts_once(backend: Backend, group: str) -> None:
    handled: list[str] = []
    r = runner(backend, group, handler=lambda e: _record(handled, e))
    await r.start()
    event = review("p4", 1)
    await backend.bus.publish(event)
    await backend.bus.publish(event)  # a producer retry publishes the same event id again
    await backend.bus.publish(review("p4", 2))
    await eventually(lambda: handled[-1:] == ["p4-2"])
    await r.stop()
    assert handled == ["p4-1", "p4-2"]
