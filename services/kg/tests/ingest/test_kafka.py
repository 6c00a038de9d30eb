"""The consumer path on real Kafka and Neo4j: events in, graph and kg.graph.updated out."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from shopmind.events import GRAPH_UPDATED, GraphUpdated
from shopmind_common.events import EventBus, decode
from shopmind_kg.config import KgSettings
from shopmind_kg.main import create_app


@pytest.mark.kafka
@pytest.mark.neo4j
async def test_events_from_kafka_reach_the_graph(kafka_bus: EventBus, kafka_bootstrap: str,
                                                 kafka_topic_prefix: str, neo4j_uri: str,
                                                 tmp_path: Any, events) -> None:
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=kafka_bootstrap,
                          KAFKA_TOPIC_PREFIX=kafka_topic_prefix, NEO4J_URI=neo4j_uri,
                          DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False, KG_USE_NLP=False)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        ctx = app.state.kg
        await ctx.store.clear()
        product = events.product("k1", "华为 智能手机 256GB")
        review = events.review("kr1", "k1", [("续航", "positive", 0.8)])
        duplicate = events.review("kr1", "k1", [("续航", "positive", 0.8)], seconds=0)
        await kafka_bus.publish_many([product, review, review, duplicate])
        deadline = time.monotonic() + 60
        aspects: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            aspects = await ctx.store.product_aspects("k1")
            if aspects:
                break
            await asyncio.sleep(0.2)
        assert [(a["aspect"], a["positive"], a["support"]) for a in aspects] == [
            ("battery", 1, 1)]
        reader = kafka_bus.consumer("test-reader", [GRAPH_UPDATED])
        found: list[GraphUpdated] = []
        while time.monotonic() < deadline and not found:
            for record in await reader.poll(100, 1.0):
                payload = decode(record).payload
                assert isinstance(payload, GraphUpdated)
                if "k1" in payload.product_ids:
                    found.append(payload)
        await reader.close()
        sources = {s for f in found for s in f.source_event_ids}
        # The review came three times (a redelivery and a re-send): one of them was applied.
        assert product.event_id in sources and {review.event_id, duplicate.event_id} & sources
        await ctx.store.clear()
