"""The Kafka stage: reviews in, enrichments out, keyed by product, poison to the DLQ."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest
from fastapi import FastAPI
from shopmind.events import REVIEW_CREATED, REVIEW_ENRICHED, ReviewCreated, ReviewEnriched
from shopmind_common.events import DLQ_SUFFIX, Event, EventBus, decode, new_event
from shopmind_nlp.analyze.events import enriched_event_id

REVIEWS = [
    ("p-1", "商品A性价比高，质量好，性价比高。", "zh"),
    ("p-2", "物流很慢，包装破损，差评", ""),
    ("p-1", "The battery life is great but the price is too high.", ""),
]


def _reviews() -> list[Event]:
    out = []
    for i, (product, text, lang) in enumerate(REVIEWS):
        payload = ReviewCreated(review_id=f"r-{uuid.uuid4().hex[:6]}-{i}", product_id=product,
                                user_id="u-1", text=text, rating=5, language=lang)
        out.append(new_event(REVIEW_CREATED, payload, key=product, producer="test"))
    return out


def _check(sent: list[Event], got: dict[str, Event]) -> None:
    assert set(got) == {e.event_id for e in sent}
    for src in sent:
        review = src.payload
        assert isinstance(review, ReviewCreated)
        out = got[src.event_id]
        enriched = out.payload
        assert isinstance(enriched, ReviewEnriched)
        assert out.key == review.product_id
        assert out.event_id == enriched_event_id(src.event_id)
        assert out.producer == "nlp"
        assert enriched.review_id == review.review_id
        assert enriched.product_id == review.product_id
        assert enriched.text == review.text
        assert enriched.source_event_id == src.event_id
        assert -1 <= enriched.sentiment_score <= 1 and enriched.sentiment_backend
    first = got[sent[0].event_id].payload
    assert isinstance(first, ReviewEnriched)
    assert first.language == "zh" and first.sentiment_label == "positive"
    value = next(a for a in first.aspects if a.aspect == "性价比")
    assert value.polarity == "positive" and [(m.start, m.end) for m in value.mentions] == [
        (3, 6), (12, 15)]
    assert first.keywords
    second = got[sent[1].event_id].payload
    assert isinstance(second, ReviewEnriched) and second.sentiment_label == "negative"
    third = got[sent[2].event_id].payload
    assert isinstance(third, ReviewEnriched) and third.language == "en"


async def test_in_process_stage(nlp_app: FastAPI, client: httpx.AsyncClient) -> None:
    bus = nlp_app.state.bus
    sent = _reviews()
    await bus.publish_many(sent)
    got: dict[str, Event] = {}
    deadline = time.monotonic() + 30
    while len(got) < len(sent) and time.monotonic() < deadline:
        for record in bus.messages(REVIEW_ENRICHED):
            event = decode(record)
            got[event.payload.source_event_id] = event
        await asyncio.sleep(0.05)
    got = {k: v for k, v in got.items() if k in {e.event_id for e in sent}}
    _check(sent, got)


@pytest.mark.kafka
async def test_kafka_stage_round_trip_and_dlq(kafka_bus: EventBus, kafka_bootstrap: str,
                                              kafka_topic_prefix: str, make_settings,
                                              tmp_path, nlp_app: FastAPI) -> None:
    from shopmind_nlp.main import create_app

    settings = make_settings(tmp_path, KAFKA_BOOTSTRAP=kafka_bootstrap,
                             KAFKA_TOPIC_PREFIX=kafka_topic_prefix, NLP_LOAD_EMBEDDINGS=False,
                             NLP_ENRICH_GROUP=f"nlp-{uuid.uuid4().hex[:6]}")
    app = create_app(settings)
    sent = _reviews()
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        await kafka_bus.ensure_topics([REVIEW_ENRICHED])
        reader = kafka_bus.consumer(f"reader-{uuid.uuid4().hex[:6]}", [REVIEW_ENRICHED])
        dlq = kafka_bus.consumer(f"dlq-{uuid.uuid4().hex[:6]}", [REVIEW_CREATED + DLQ_SUFFIX])
        try:
            await kafka_bus.publish_many(sent)
            await kafka_bus.publish_raw([(REVIEW_CREATED, "p-9", b"not an envelope", {})])
            got: dict[str, Event] = {}
            deadline = time.monotonic() + 60
            while len(got) < len(sent) and time.monotonic() < deadline:
                for record in await reader.poll(50, 1.0):
                    event = decode(record)
                    got[event.payload.source_event_id] = event
            _check(sent, got)
            dead = []
            while not dead and time.monotonic() < deadline:
                dead = await dlq.poll(10, 1.0)
            assert len(dead) == 1 and dead[0].key == "p-9"
        finally:
            await reader.close()
            await dlq.close()
