"""The outbox: events leave only with their transaction, and a relay crash loses nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from shopmind.events import PROJECT_CHANGED, ProjectChanged
from shopmind_common.db import Database
from shopmind_common.events import EventBus, InProcessBus, OutboxRelay, add_to_outbox, new_event
from shopmind_common.testing import open_kafka_bus, unique
from sqlalchemy import Column, MetaData, String, Table, select

from .test_contract import eventually, read_topic

metadata = MetaData()
projects = Table("projects", metadata, Column("id", String(20), primary_key=True))


def changed(project_id: str) -> object:
    return new_event(
        PROJECT_CHANGED,
        ProjectChanged(project_id=project_id, change="created"),
        key=project_id,
        producer="outbox-test",
    )


@pytest.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Database]:
    url = (
        f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def test_rolled_back_change_publishes_nothing(db: Database) -> None:
    bus = InProcessBus()
    relay = OutboxRelay(db.engine, bus)
    await relay.create()
    with pytest.raises(RuntimeError):
        async with db.session() as session:
            await session.execute(projects.insert().values(id="p1"))
            await add_to_outbox(session, [changed("p1")])
            raise RuntimeError("the request failed after staging its event")
    assert await relay.relay_once() == 0
    assert bus.messages(PROJECT_CHANGED) == []
    async with db.session() as session:
        assert (await session.execute(select(projects))).all() == []


async def test_relay_crash_loses_nothing(db: Database, kafka_or_memory: EventBus) -> None:
    bus = kafka_or_memory
    relay = OutboxRelay(db.engine, bus, interval_s=0.02)
    await relay.create()
    relay.start()
    await relay.kill()  # the relay process dies before the change is committed

    event = changed("p2")
    async with db.session() as session:
        await session.execute(projects.insert().values(id="p2"))
        await add_to_outbox(session, [event])
    assert await relay.pending() == 1

    restarted = OutboxRelay(db.engine, bus, interval_s=0.02)
    restarted.start()
    await eventually(lambda: restarted.published == 1)
    await restarted.stop()
    assert await restarted.pending() == 0
    records = await read_topic(bus, PROJECT_CHANGED, "outbox-reader", 1)
    assert [r.headers["event-id"].decode() for r in records] == [event.event_id]
    assert records[0].key == "p2"


@pytest.fixture(params=["in-process", "kafka"])
async def kafka_or_memory(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "in-process":
        yield InProcessBus()
        return
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    async with open_kafka_bus(bootstrap, unique("test-") + ".") as bus:
        yield bus
