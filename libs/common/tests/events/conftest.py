"""Both event-bus backends, with the inbox each runs with in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from shopmind_common.db import create_engine
from shopmind_common.events import EventBus, Inbox, MemoryInbox, SqlInbox
from shopmind_common.testing import open_kafka_bus, unique


@dataclass
class Backend:
    name: str
    bus: EventBus
    inbox: Inbox


@pytest.fixture(params=["in-process", "kafka"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    """The same contract runs against the in-process bus and the real Kafka.

    The Kafka run keeps its inbox in the real PostgreSQL, as a service would.
    """
    if request.param == "in-process":
        yield Backend("in-process", request.getfixturevalue("memory_bus"), MemoryInbox())
        return
    bootstrap = request.getfixturevalue("kafka_bootstrap")
    engine = create_engine(request.getfixturevalue("postgres_url"))
    inbox = SqlInbox(engine)
    await inbox.create()
    try:
        async with open_kafka_bus(bootstrap, unique("test-") + ".") as bus:
            yield Backend("kafka", bus, inbox)
    finally:
        await engine.dispose()


@pytest.fixture
def group() -> str:
    return unique("group-")
