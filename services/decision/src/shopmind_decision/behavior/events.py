"""What this domain consumes: `behavior.event`, into the feature store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from shopmind.events import BEHAVIOR_EVENT
from shopmind_common.db import Database
from shopmind_common.events import Event

from shopmind_decision.behavior.service import behavior

CONSUMER_GROUP = "decision-behavior"
TOPICS = [BEHAVIOR_EVENT]


def behavior_handler(db: Database) -> Callable[[list[Event]], Awaitable[None]]:
    """A batch handler: all events of a batch are validated before any is written.

    A malformed event fails the batch; the runner then handles the events one by
    one, so the good ones are stored and the bad one goes to `behavior.event.dlq`.
    """

    async def handle(events: list[Event]) -> None:
        async with db.session() as session:
            await behavior.ingest(session, events)

    return handle
