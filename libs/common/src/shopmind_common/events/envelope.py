"""Events in memory and on the wire: the envelope, encoding and decoding."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from google.protobuf.message import DecodeError, Message
from shopmind.events import EVENT_TYPES, Envelope

from shopmind_common import tracing
from shopmind_common.context import trace_id_var

TYPE_HEADER = "event-type"
ID_HEADER = "event-id"
TRACE_HEADER = "trace-id"


class PoisonMessage(Exception):
    """A message no retry can fix: not an envelope, an unknown type, a bad payload."""


@dataclass(frozen=True)
class Record:
    """One message as a bus delivers it, before decoding."""

    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    headers: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    """A decoded event: the envelope's fields and the typed payload."""

    type: str
    key: str
    payload: Message
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    schema_version: int = 1
    occurred_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    producer: str = ""
    trace_id: str = ""
    topic: str = ""
    partition: int = -1
    offset: int = -1

    @property
    def destination(self) -> str:
        """Every type has a topic of the same name."""
        return self.topic or self.type


def new_event(
    type_: str,
    payload: Message,
    *,
    key: str,
    producer: str,
    event_id: str | None = None,
    trace_id: str | None = None,
) -> Event:
    """Build an event of a registered type, checking the payload class."""
    if type_ not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type_!r}")
    cls, version = EVENT_TYPES[type_]
    if not isinstance(payload, cls):
        raise TypeError(f"{type_} carries {cls.__name__}, not {type(payload).__name__}")
    return Event(
        type=type_,
        key=key,
        payload=payload,
        event_id=event_id or str(uuid.uuid4()),
        schema_version=version,
        producer=producer,
        trace_id=trace_id or trace_id_var.get() or uuid.uuid4().hex,
    )


def encode(event: Event) -> tuple[bytes, dict[str, bytes]]:
    """The message value (an Envelope) and the routing headers."""
    env = Envelope(
        event_id=event.event_id,
        type=event.type,
        schema_version=event.schema_version,
        producer=event.producer,
        trace_id=event.trace_id,
        key=event.key,
        payload=event.payload.SerializeToString(),
    )
    env.occurred_at.FromDatetime(event.occurred_at)
    headers = {
        TYPE_HEADER: event.type.encode(),
        ID_HEADER: event.event_id.encode(),
        TRACE_HEADER: event.trace_id.encode(),
    }
    # Consumer spans become children of the producer's span when one is active.
    for name, value in tracing.inject({}).items():
        headers[name] = value.encode("latin-1")
    return env.SerializeToString(), headers


def decode(record: Record) -> Event:
    """Decode a record into an event, or raise PoisonMessage saying why."""
    env = Envelope()
    try:
        env.ParseFromString(record.value)
    except (DecodeError, ValueError) as exc:
        raise PoisonMessage(f"not a valid Envelope: {exc}") from exc
    if not env.event_id or not env.type:
        raise PoisonMessage("envelope without event_id or type")
    if env.type not in EVENT_TYPES:
        raise PoisonMessage(f"unknown event type {env.type!r}")
    cls, version = EVENT_TYPES[env.type]
    if env.schema_version > version:
        raise PoisonMessage(
            f"{env.type} schema_version {env.schema_version} is newer than supported {version}"
        )
    payload = cls()
    try:
        payload.ParseFromString(env.payload)
    except (DecodeError, ValueError) as exc:
        raise PoisonMessage(f"payload is not a valid {cls.__name__}: {exc}") from exc
    return Event(
        type=env.type,
        key=env.key,
        payload=payload,
        event_id=env.event_id,
        schema_version=env.schema_version,
        occurred_at=env.occurred_at.ToDatetime(tzinfo=UTC),
        producer=env.producer,
        trace_id=env.trace_id,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
    )
