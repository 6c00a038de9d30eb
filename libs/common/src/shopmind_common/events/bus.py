"""The event bus interface both backends implement."""

from __future__ import annotations

import abc
from collections.abc import Sequence

from shopmind_common.events.envelope import Event, Record, encode

DLQ_SUFFIX = ".dlq"

# (topic, partition) -> the next offset to read
Offsets = dict[tuple[str, int], int]


class ConsumerClient(abc.ABC):
    """A group member reading a set of topics; offsets are committed explicitly."""

    @abc.abstractmethod
    async def poll(self, max_records: int, timeout_s: float) -> list[Record]:
        """Up to `max_records`, in partition order; empty after `timeout_s`."""

    @abc.abstractmethod
    async def commit(self, offsets: Offsets) -> None:
        """Commit the next offsets to read, after the handler succeeded."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Leave the group without committing anything more."""


class EventBus(abc.ABC):
    """Keyed publishing and group consumers, over Kafka or in process."""

    name: str

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Connect; the in-process bus needs nothing."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and disconnect."""

    @abc.abstractmethod
    async def publish_raw(
        self, items: Sequence[tuple[str, str | None, bytes, dict[str, bytes]]]
    ) -> None:
        """Publish (topic, key, value, headers) tuples and wait until all are stored."""

    async def publish(self, event: Event) -> None:
        """Publish one event to its topic, keyed by its key."""
        await self.publish_many([event])

    async def publish_many(self, events: Sequence[Event]) -> None:
        """Publish events; per-key order is the order given."""
        items = []
        for event in events:
            value, headers = encode(event)
            items.append((event.destination, event.key, value, headers))
        await self.publish_raw(items)

    @abc.abstractmethod
    def consumer(self, group: str, topics: Sequence[str]) -> ConsumerClient:
        """A new member of `group` reading `topics` from the group's committed offsets."""

    async def ensure_topics(self, topics: Sequence[str]) -> None:  # noqa: B027 - optional
        """Create topics that do not exist yet."""
