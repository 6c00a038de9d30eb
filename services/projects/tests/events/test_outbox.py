"""Events leave through the outbox: written with the change, relayed after commit,
and not lost when the relay dies (the real Kafka hop included)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest
from shopmind.events import PROJECT_CHANGED, TASK_CHANGED, ProjectChanged, TaskChanged
from shopmind_common.events import EventBus, InProcessBus, decode
from shopmind_common.identity import Caller, sign_caller


async def test_events_are_written_with_the_change(api: Any, bus: InProcessBus) -> None:
    await api.app.state.outbox_relay.kill()  # relay by hand, to count what was staged
    secret = api.app.state.settings.internal_secret
    headers = sign_caller(Caller(subject="ada@shop", scopes=frozenset({"projects"})), secret)
    project = await api.ok("POST", "/v1/projects", 201, json={"name": "P"}, headers=headers)
    pid = project["id"]
    task = await api.ok("POST", f"/v1/projects/{pid}/tasks", 201, headers=headers, json={
        "title": "Ranker", "labels": ["ml"], "estimate_hours": 6, "due_date": "2031-03-07"})
    # A refused write leaves no event behind.
    refused = await api.client.patch(f"/v1/projects/{pid}/tasks/{task['id']}",
                                     json={"status": "done"})
    assert refused.status_code == 409
    await api.patch_task(pid, task["id"], priority="high")
    assert await api.app.state.outbox_relay.relay_once() == 3
    assert await api.app.state.outbox_relay.pending() == 0

    (created,) = [decode(r) for r in bus.messages(PROJECT_CHANGED)]
    assert isinstance(created.payload, ProjectChanged)
    assert (created.key, created.payload.change, created.payload.actor) == (pid, "created",
                                                                            "ada@shop")
    tasks = [decode(r) for r in bus.messages(TASK_CHANGED)]
    assert [e.payload.change for e in tasks] == ["created", "updated"]
    first, second = (e.payload for e in tasks)
    assert isinstance(first, TaskChanged) and isinstance(second, TaskChanged)
    assert (first.task_id, first.number, list(first.labels), first.estimate_hours,
            first.due_date, first.actor) == (task["id"], 1, ["ml"], 6.0, "2031-03-07",
                                             "ada@shop")
    assert list(second.changed_fields) == ["priority"] and second.version == 2
    assert second.actor == "anonymous"
    assert all(e.key == pid for e in tasks)  # keyed by project: per-project order
    log = await api.ok("GET", f"/v1/projects/{pid}/activity?entity_type=task&sort=id")
    assert [(e["action"], e["actor"]) for e in log["items"]] == [("created", "ada@shop"),
                                                                 ("updated", "anonymous")]
    forged = await api.client.post("/v1/projects", json={"name": "x"},
                                    headers={**headers, "x-shopmind-caller-sig": "0" * 64})
    assert forged.status_code == 401


class _CrashAfterPublish(EventBus):
    """Publishes, then dies before the relay can mark the rows (once)."""

    name = "crashy"

    def __init__(self, inner: InProcessBus) -> None:
        self.inner = inner
        self.crashes = 1

    async def publish_raw(self, items: Sequence[tuple[str, str | None, bytes,
                                                      dict[str, bytes]]]) -> None:
        await self.inner.publish_raw(items)
        if self.crashes:
            self.crashes -= 1
            raise ConnectionError("relay died between publish and mark")

    def consumer(self, group: str, topics: Sequence[str]) -> Any:
        return self.inner.consumer(group, topics)


async def _wait(predicate: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_relay_killed_then_restarted_delivers(api: Any, bus: InProcessBus) -> None:
    relay = api.app.state.outbox_relay
    await relay.kill()
    pid = (await api.project())["id"]
    await api.task(pid, title="Survives")
    await asyncio.sleep(0.2)
    assert bus.messages(TASK_CHANGED) == []
    assert await relay.pending() == 2
    relay.start()
    await _wait(lambda: len(bus.messages(TASK_CHANGED)) == 1)
    assert decode(bus.messages(TASK_CHANGED)[0]).payload.title == "Survives"
    assert await relay.pending() == 0


@pytest.mark.parametrize("backend_url", ["sqlite", pytest.param(
    "postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_crash_between_publish_and_mark_redelivers_same_event(
        tmp_path: Any, backend_url: str | None, start: Any) -> None:
    inner = InProcessBus()
    async with start(backend_url, bus_=_CrashAfterPublish(inner)) as api:
        pid = (await api.project())["id"]
        await _wait(lambda: len(inner.messages(PROJECT_CHANGED)) >= 2)
        first, second = (decode(r) for r in inner.messages(PROJECT_CHANGED)[:2])
        # At least once: the same event again, which consumers drop by event id.
        assert first.event_id == second.event_id and first.key == pid
        relay = api.app.state.outbox_relay
        await _wait(lambda: relay.published >= 1)  # the retry marked the rows this time
        assert await relay.pending() == 0


@pytest.mark.kafka
@pytest.mark.postgres
async def test_relay_crash_then_restart_reaches_kafka(tmp_path: Any, postgres_url: str,
                                                      kafka_bus: EventBus, start: Any) -> None:
    from shopmind_common.testing import unique

    await kafka_bus.ensure_topics([TASK_CHANGED])
    consumer = kafka_bus.consumer(unique("projects-test-"), [TASK_CHANGED])
    try:
        async with start(postgres_url, bus_=kafka_bus) as api:
            relay = api.app.state.outbox_relay
            await relay.kill()  # the relay process dies
            pid = (await api.project())["id"]
            task = await api.task(pid, title="Through Kafka")
            assert await relay.pending() == 2
            assert await consumer.poll(10, 2.0) == []  # nothing can have left
            relay.start()  # it comes back
            records: list[Any] = []
            deadline = time.monotonic() + 60
            while not records and time.monotonic() < deadline:
                records = await consumer.poll(10, 1.0)
            assert records, "the event never reached Kafka"
            event = decode(records[0])
            assert isinstance(event.payload, TaskChanged)
            assert (event.key, event.payload.task_id, event.payload.change) == (
                pid, task["id"], "created")
            await _wait(lambda: relay.published >= 2)
            assert await relay.pending() == 0
    finally:
        await consumer.close()
