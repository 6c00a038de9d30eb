"""One trace id from a gateway request, through a Kafka hop, to the consumer's JSON log line.

The chain is the platform's own: the real gateway in front of a service built by
`create_service_app` (its route publishes `reviews.review.created`, as nlp's ingest
does), the real Kafka broker, and a `ConsumerRunner` whose handler stands in for
the next service. Only the two handlers are written here.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import APIRouter
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor
from opentelemetry.trace import SpanKind
from shopmind.events import REVIEW_CREATED, ReviewCreated
from shopmind_common.app import create_service_app
from shopmind_common.events import ConsumerRunner, new_event
from shopmind_common.events.bus import EventBus
from shopmind_common.logging import JsonFormatter
from shopmind_common.settings import ServiceSettings
from shopmind_common.testing import unique
from shopmind_common.tracing import add_span_processor
from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.main import create_app as create_gateway

pytestmark = pytest.mark.kafka

log = logging.getLogger("shopmind.e2e.graph")


class _Spans(SpanProcessor):
    """Keeps every ended span, for the assertions below."""

    def __init__(self) -> None:
        self.ended: list[ReadableSpan] = []

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)

    def in_trace(self, trace_id: str) -> list[ReadableSpan]:
        return [
            s
            for s in self.ended
            if s.context is not None and f"{s.context.trace_id:032x}" == trace_id
        ]


@pytest.fixture(scope="module")
def spans() -> _Spans:
    collector = _Spans()
    add_span_processor(collector)
    return collector


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """Every log record, as the services' JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("kg"))
    root = logging.getLogger()
    consumer_log = logging.getLogger("shopmind.events.consumer")
    old_level = consumer_log.level
    consumer_log.setLevel(logging.DEBUG)  # the runner's per-event line is DEBUG
    log.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        consumer_log.setLevel(old_level)


def _review_service(bus: EventBus, tmp_path: Path) -> Any:
    """A service app whose REST call publishes a review event, as nlp's ingest does."""
    router = APIRouter()

    @router.post("/v1/nlp/reviews", status_code=202)
    async def create_review(body: dict[str, str]) -> dict[str, str]:
        """Accept a review and publish it."""
        payload = ReviewCreated(
            review_id=body["review_id"], product_id=body["product_id"], text=body["text"]
        )
        event = new_event(REVIEW_CREATED, payload, key=body["product_id"], producer="nlp")
        await bus.publish(event)
        return {"event_id": event.event_id}

    settings = ServiceSettings(SHOPMIND_ENV="test", SHOPMIND_DATA_DIR=str(tmp_path))
    return create_service_app(name="nlp", version="test", settings=settings, routers=[router])


def _gateway(tmp_path: Path, service: Any) -> Any:
    settings = GatewaySettings(
        SHOPMIND_ENV="test",
        SHOPMIND_DATA_DIR=str(tmp_path),
        DATABASE_URL=None,
        REDIS_URL=None,
        KAFKA_BOOTSTRAP=None,
        SHOPMIND_SERVICE_URLS={},
        GATEWAY_AUTH="off",
    )
    return create_gateway(settings, targets={"nlp": service})


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]


@pytest.mark.parametrize("client_sends_traceparent", [True, False])
async def test_one_trace_id_from_gateway_through_kafka_to_consumer_log(
    kafka_bus: EventBus,
    tmp_path: Path,
    json_log: io.StringIO,
    spans: _Spans,
    client_sends_traceparent: bool,
) -> None:
    handled = asyncio.Event()

    async def update_graph(event: Any) -> None:
        log.info("graph updated for review %s", event.payload.review_id)
        handled.set()

    runner = ConsumerRunner(
        kafka_bus, group=unique("kg-"), topics=[REVIEW_CREATED], handler=update_graph
    )
    await runner.start()
    service = _review_service(kafka_bus, tmp_path / "svc")
    gateway = _gateway(tmp_path / "gw", service)
    client_trace = secrets.token_hex(16)
    client_span = secrets.token_hex(8)
    headers = (
        {"traceparent": f"00-{client_trace}-{client_span}-01"} if client_sends_traceparent else {}
    )
    review_id = unique("review-")
    try:
        async with gateway.router.lifespan_context(gateway):
            transport = httpx.ASGITransport(app=gateway)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                resp = await client.post(
                    "/v1/nlp/reviews",
                    json={"review_id": review_id, "product_id": "p-1", "text": "质量好"},
                    headers=headers,
                )
        assert resp.status_code == 202, resp.text
        trace_id = resp.headers["x-trace-id"]
        if client_sends_traceparent:
            assert trace_id == client_trace  # the caller's trace continues
        assert len(trace_id) == 32 and int(trace_id, 16)
        event_id = resp.json()["event_id"]
        await asyncio.wait_for(handled.wait(), timeout=60)
    finally:
        await runner.stop()

    # The consumer's JSON log lines: the handler's own line and the runner's per-event line.
    lines = _lines(json_log)
    graph = [ln for ln in lines if ln["message"] == f"graph updated for review {review_id}"]
    assert [ln["trace_id"] for ln in graph] == [trace_id]
    runner_lines = [
        ln
        for ln in lines
        if ln["logger"] == "shopmind.events.consumer" and ln.get("event_id") == event_id
    ]
    assert runner_lines and all(ln["trace_id"] == trace_id for ln in runner_lines)
    assert runner_lines[0]["level"] == "debug"

    # And the spans: the service's server span and the consumer's span share that trace.
    traced = spans.in_trace(trace_id)
    server = [s for s in traced if s.kind is SpanKind.SERVER]
    consumer = [s for s in traced if s.kind is SpanKind.CONSUMER]
    # One server span: FastAPI's own request span is off, the platform's middleware owns it.
    assert [s.name for s in server] == ["POST /v1/nlp/reviews"]
    assert server[0].attributes is not None
    assert server[0].attributes["http.response.status_code"] == 202
    if client_sends_traceparent:
        assert server[0].parent is not None
        assert f"{server[0].parent.span_id:016x}" == client_span
    else:
        assert server[0].parent is None
    assert [s.name for s in consumer] == [f"process {REVIEW_CREATED}"]
    assert consumer[0].attributes is not None
    assert consumer[0].attributes["messaging.message.id"] == event_id
