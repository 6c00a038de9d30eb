"""The event bus: one interface, Kafka or in-process, with the consumer runner,
inbox and outbox that make delivery at-least-once and effects once."""

from __future__ import annotations

from shopmind_common.events.bus import DLQ_SUFFIX, ConsumerClient, EventBus, Offsets
from shopmind_common.events.consumer import BatchHandler, ConsumerRunner, ConsumerStats, Handler
from shopmind_common.events.envelope import (
    ID_HEADER,
    TRACE_HEADER,
    TYPE_HEADER,
    Event,
    PoisonMessage,
    Record,
    decode,
    encode,
    new_event,
)
from shopmind_common.events.inbox import Inbox, MemoryInbox, SqlInbox
from shopmind_common.events.memory import InProcessBus
from shopmind_common.events.outbox import OutboxRelay, add_to_outbox
from shopmind_common.settings import ServiceSettings

_process_bus: InProcessBus | None = None


def bus_from_settings(settings: ServiceSettings) -> EventBus:
    """Kafka when KAFKA_BOOTSTRAP is set, else the one in-process bus of this process."""
    global _process_bus
    if settings.kafka_bootstrap:
        from shopmind_common.events.kafka import KafkaBus

        return KafkaBus(
            settings.kafka_bootstrap,
            client_id=f"{settings.kafka_client_id}-{settings.service_name}",
            topic_prefix=settings.kafka_topic_prefix,
        )
    if _process_bus is None:
        _process_bus = InProcessBus()
    return _process_bus


__all__ = [
    "DLQ_SUFFIX",
    "ID_HEADER",
    "TRACE_HEADER",
    "TYPE_HEADER",
    "BatchHandler",
    "ConsumerClient",
    "ConsumerRunner",
    "ConsumerStats",
    "Event",
    "EventBus",
    "Handler",
    "InProcessBus",
    "Inbox",
    "MemoryInbox",
    "Offsets",
    "OutboxRelay",
    "PoisonMessage",
    "Record",
    "SqlInbox",
    "add_to_outbox",
    "bus_from_settings",
    "decode",
    "encode",
    "new_event",
]
