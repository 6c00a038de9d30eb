"""OpenTelemetry tracing: W3C `traceparent` over HTTP, the trace id through Kafka.

One trace follows a review from the REST call to the graph update:

    client ──traceparent──> gateway ──traceparent──> nlp   (server spans)
                                                      │  envelope.trace_id, `trace-id` header
                                                      v
                                        consumer span in kg, same trace id

- `TracingMiddleware` opens a server span per HTTP request. It continues the
  caller's `traceparent`; without one it adopts an `x-trace-id` that is a W3C
  trace id (what `ServiceClient` sends); otherwise it starts a trace. It sets
  `trace_id_var` (so JSON logs and published events carry the span's trace id)
  and answers with `x-trace-id`.
- `consuming(group, event, headers)` opens a consumer span per handled event:
  the child of the message's `traceparent` header when a producer sent one,
  else a span in the envelope's trace id (a root of that trace: no parent span
  id travels in the envelope).
- `inject(headers)` adds the current span's `traceparent` to outgoing headers.

Export is off by default (ids are still made and propagated):
`OTEL_TRACES_EXPORTER=console|otlp|none`, `OTEL_EXPORTER_OTLP_ENDPOINT` (an
endpoint alone turns OTLP/HTTP on), `OTEL_TRACES_SAMPLER_ARG` (the ratio of
new traces kept; a caller's sampling decision is honoured), `OTEL_SERVICE_NAME`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal

from fastapi.telemetry import TelemetryConfig
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind_common.context import trace_id_var

if TYPE_CHECKING:
    from shopmind_common.events.envelope import Event

__all__ = [
    "FASTAPI_TELEMETRY",
    "TRACE_ID_HEADER",
    "TracingMiddleware",
    "TracingSettings",
    "add_span_processor",
    "configure_tracing",
    "consuming",
    "consuming_batch",
    "current_trace_id",
    "inject",
    "install_tracing",
    "tracer_provider",
]

log = logging.getLogger("shopmind.tracing")

TRACE_ID_HEADER = "x-trace-id"
_TRACE_ID = re.compile(r"^[0-9a-f]{32}$")
_W3C = TraceContextTextMapPropagator()
# The trace id a new root span must take (an id that arrived without a parent span).
_adopted_trace_id: ContextVar[int | None] = ContextVar("adopted_trace_id", default=None)
_provider: TracerProvider | None = None
# FastAPI's own request spans would duplicate `TracingMiddleware`'s, which also adopts
# `x-trace-id` and sets the log trace id; its metrics and logs stay as FastAPI has them.
FASTAPI_TELEMETRY: TelemetryConfig = {"tracing": False}


class TracingSettings(BaseSettings):
    """The standard OpenTelemetry variables this platform honours."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    exporter: Literal["none", "console", "otlp"] | None = Field(
        default=None, alias="OTEL_TRACES_EXPORTER"
    )
    otlp_endpoint: str | None = Field(default=None, alias="OTEL_EXPORTER_OTLP_ENDPOINT")
    otlp_traces_endpoint: str | None = Field(
        default=None, alias="OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
    )
    sample_ratio: float = Field(default=1.0, alias="OTEL_TRACES_SAMPLER_ARG", ge=0, le=1)
    service_name: str = Field(default="shopmind", alias="OTEL_SERVICE_NAME")

    @property
    def resolved_exporter(self) -> Literal["none", "console", "otlp"]:
        if self.exporter is not None:
            return self.exporter
        return "otlp" if (self.otlp_endpoint or self.otlp_traces_endpoint) else "none"


class _AdoptingIdGenerator(RandomIdGenerator):
    """Random ids, except that a root span may be told which trace it belongs to."""

    def generate_trace_id(self) -> int:
        adopted = _adopted_trace_id.get()
        return adopted if adopted is not None else super().generate_trace_id()


def _exporter(settings: TracingSettings) -> SpanExporter | None:
    kind = settings.resolved_exporter
    if kind == "console":
        return ConsoleSpanExporter()
    if kind == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_traces_endpoint or (
            settings.otlp_endpoint.rstrip("/") + "/v1/traces" if settings.otlp_endpoint else None
        )
        return OTLPSpanExporter(endpoint=endpoint)
    return None


def configure_tracing(settings: TracingSettings | None = None) -> TracerProvider | None:
    """Install this process's tracer provider once; later calls return it.

    Returns None when another provider was installed first (an agent's, say):
    spans then go there, and only adopted trace ids are not honoured.
    """
    global _provider
    if _provider is not None:
        return _provider
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        _provider = current
        return _provider
    if not isinstance(current, trace.ProxyTracerProvider):
        return None
    settings = settings or TracingSettings()
    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.service_name}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
        id_generator=_AdoptingIdGenerator(),
    )
    exporter = _exporter(settings)
    if exporter is not None:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _provider = provider
    log.debug("tracing configured", extra={"exporter": settings.resolved_exporter})
    return provider


def tracer_provider() -> TracerProvider | None:
    """The SDK provider `configure_tracing` installed (tests add processors to it)."""
    return configure_tracing()


def add_span_processor(processor: SpanProcessor) -> None:
    """Send every span this process ends to `processor` too."""
    provider = configure_tracing()
    if provider is None:
        raise RuntimeError("another tracer provider is installed; add processors there")
    provider.add_span_processor(processor)


def _as_trace_id(value: str | None) -> int | None:
    """The value as a W3C trace id (32 lowercase hex, not all zero), or None."""
    if value and _TRACE_ID.match(value):
        number = int(value, 16)
        return number or None
    return None


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits, or None outside a span."""
    ctx = trace.get_current_span().get_span_context()
    return f"{ctx.trace_id:032x}" if ctx.is_valid else None


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's `traceparent` (and `tracestate`) to `headers`."""
    _W3C.inject(headers)
    return headers


_tracers: dict[tuple[int, str], trace.Tracer] = {}


def _tracer(service: str) -> trace.Tracer:
    # Looking a tracer up builds it anew each time; one per provider and service is enough.
    provider = trace.get_tracer_provider()
    key = (id(provider), service)
    tracer = _tracers.get(key)
    if tracer is None:
        tracer = _tracers[key] = provider.get_tracer(f"shopmind.{service}")
    return tracer


@contextmanager
def _span(
    name: str,
    *,
    service: str,
    kind: SpanKind,
    parent: otel_context.Context,
    adopt: int | None,
    attributes: dict[str, Any],
    links: Sequence[trace.Link] = (),
) -> Iterator[trace.Span]:
    tracer = _tracer(service)
    token = _adopted_trace_id.set(adopt)
    try:
        span = tracer.start_span(
            name, context=parent, kind=kind, attributes=attributes, links=links
        )
    finally:
        _adopted_trace_id.reset(token)
    with trace.use_span(
        span, end_on_exit=True, record_exception=True, set_status_on_exception=True
    ):
        yield span


class TracingMiddleware:
    """A server span per HTTP request, in the caller's trace, as plain ASGI."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers") or []
            if name in (b"traceparent", b"tracestate", b"x-trace-id")
        }
        parent = _W3C.extract(carrier)
        has_parent = trace.get_current_span(parent).get_span_context().is_valid
        client_tid = carrier.get(TRACE_ID_HEADER)
        adopt = None if has_parent else _as_trace_id(client_tid)
        method = scope.get("method", "GET")
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "url.path": scope.get("path", ""),
            "shopmind.service": self.service,
        }
        if client_tid and adopt is None and not has_parent:
            attributes["shopmind.client_trace_id"] = client_tid[:128]
        status = 500

        with _span(
            method,
            service=self.service,
            kind=SpanKind.SERVER,
            parent=parent,
            adopt=adopt,
            attributes=attributes,
        ) as span:
            ctx = span.get_span_context()
            tid = f"{ctx.trace_id:032x}" if ctx.is_valid else (client_tid or None)
            token = trace_id_var.set(tid)

            async def _send(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                if message["type"] == "http.response.start" and tid is not None:
                    raw = list(message.get("headers", []))
                    if not any(n.lower() == b"x-trace-id" for n, _ in raw):
                        raw.append((b"x-trace-id", tid.encode("latin-1")))
                    message = {**message, "headers": raw}
                await send(message)

            try:
                await self.app(scope, receive, _send)
            finally:
                trace_id_var.reset(token)
                route = scope.get("route")
                template = getattr(route, "path", None)
                if template:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", str(template))
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))


def install_tracing(app: Any, service: str) -> None:
    """Configure the process's tracing and trace every HTTP request `app` serves."""
    configure_tracing()
    app.add_middleware(TracingMiddleware, service=service)


@contextmanager
def consuming(
    group: str, event: Event, headers: dict[str, bytes] | None = None
) -> Iterator[trace.Span]:
    """A consumer span for one event, in the event's trace, with `trace_id_var` set."""
    carrier = {
        k: v.decode("latin-1")
        for k, v in (headers or {}).items()
        if k in ("traceparent", "tracestate") and v
    }
    parent = _W3C.extract(carrier) if carrier else otel_context.Context()
    has_parent = trace.get_current_span(parent).get_span_context().is_valid
    topic = event.topic or event.type
    attributes: dict[str, Any] = {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
        "messaging.message.id": event.event_id,
        "messaging.kafka.message.key": event.key,
        "shopmind.event_type": event.type,
    }
    if event.partition >= 0:
        attributes["messaging.destination.partition.id"] = str(event.partition)
        attributes["messaging.kafka.offset"] = event.offset
    with _span(
        f"process {topic}",
        service=group,
        kind=SpanKind.CONSUMER,
        # A parent from the headers wins; otherwise a root span in the envelope's trace.
        parent=parent if has_parent else otel_context.Context(),
        adopt=None if has_parent else _as_trace_id(event.trace_id),
        attributes=attributes,
    ) as span:
        # The envelope's id is what the producer logged, whatever its shape.
        token = trace_id_var.set(event.trace_id or current_trace_id())
        try:
            yield span
        finally:
            trace_id_var.reset(token)


@contextmanager
def consuming_batch(
    group: str, events: Sequence[Event], headers: Sequence[dict[str, bytes] | None]
) -> Iterator[trace.Span]:
    """A consumer span for a batch, linked to a receive span in each event's trace.

    A batch mixes traces, so the batch span has no parent; each event's trace
    gets a short `receive` span that the batch span links to. `trace_id_var`
    is set when every event in the batch shares one trace id.
    """
    links = []
    for event, hdrs in zip(events, headers, strict=True):
        with consuming(group, event, hdrs) as received:
            received.update_name(f"receive {event.topic or event.type}")
            received.set_attribute("messaging.operation.type", "receive")
            links.append(trace.Link(received.get_span_context()))
    topics = sorted({e.topic or e.type for e in events})
    with _span(
        f"process {','.join(topics)}",
        service=group,
        kind=SpanKind.CONSUMER,
        parent=otel_context.Context(),
        adopt=None,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.consumer.group.name": group,
            "messaging.batch.message_count": len(events),
        },
        links=links,
    ) as span:
        shared = {e.trace_id for e in events}
        token = trace_id_var.set(shared.pop() if len(shared) == 1 else None)
        try:
            yield span
        finally:
            trace_id_var.reset(token)
