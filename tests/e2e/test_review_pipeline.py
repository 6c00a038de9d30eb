"""A review published to Kafka reaches the graph through nlp and kg (real Kafka, real Neo4j).

Both services run in this process as they run in production: their own
`create_app()`, their lifespans (models loading in the background, consumers
joining their groups), settings pointing at the broker and at Neo4j. The test
only publishes events and reads what the services publish and answer:

    reviews.review.created --nlp--> enrichment.review.enriched --kg--> Neo4j
                                                                  \\--> kg.graph.updated

Topics carry a per-test prefix; the graph rows carry per-test ids and are
deleted afterwards, so the test neither sees nor disturbs other tests' data.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncGraphDatabase
from shopmind.events import (
    GRAPH_UPDATED,
    PRODUCT_UPSERTED,
    REVIEW_CREATED,
    REVIEW_ENRICHED,
    GraphUpdated,
    ProductUpserted,
    ReviewCreated,
    ReviewEnriched,
)
from shopmind_common.events import Event, EventBus, decode, new_event
from shopmind_common.testing import unique
from shopmind_kg.config import KgSettings
from shopmind_kg.main import create_app as create_kg
from shopmind_nlp.analyze.events import enriched_event_id
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.main import create_app as create_nlp

pytestmark = [pytest.mark.kafka, pytest.mark.neo4j, pytest.mark.slow]

REVIEW = "这款手机性价比高，质量好，就是电池不耐用。"
SECOND_REVIEW = "电池续航太差了，充电也慢。"
# Bounds: models load once per process (jieba and snownlp take ~10-40 s on a busy
# 2-core machine); after that each hop is a consumer poll and one batch.
READY_TIMEOUT_S = 180
FLOW_TIMEOUT_S = 60

T = TypeVar("T")


async def _eventually(probe: Callable[[], Awaitable[T | None]], timeout_s: float,
                      what: str) -> T:
    """The first non-empty answer of `probe`, polled until `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = await probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")
        await asyncio.sleep(0.25)


async def _ready(client: httpx.AsyncClient) -> dict[str, Any] | None:
    resp = await client.get("/readyz")
    return resp.json() if resp.status_code == 200 else None


@pytest.fixture
async def pipeline(kafka_bootstrap: str, kafka_topic_prefix: str, neo4j_uri: str,
                   tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The nlp and kg apps on the real broker and Neo4j, consumers running, models ready."""
    common: dict[str, Any] = {
        "KAFKA_BOOTSTRAP": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": kafka_topic_prefix,
        "DATABASE_URL": None, "SHOPMIND_INTERNAL_SECRET": "e2e-secret",
    }
    nlp = create_nlp(NlpSettings(
        **common, SHOPMIND_DATA_DIR=str(tmp_path / "nlp"), NEO4J_URI=None,
        LLM_BACKEND="none", MODEL_DEVICE="cpu", NLP_LOAD_EMBEDDINGS=False,
        NLP_LOAD_ENGLISH=False,
        # Consumer groups are broker-wide; topics are per test, so is the group.
        NLP_ENRICH_GROUP=unique("e2e-nlp-")))
    kg = create_kg(KgSettings(
        **common, SHOPMIND_DATA_DIR=str(tmp_path / "kg"), NEO4J_URI=neo4j_uri,
        NEO4J_USER=os.environ.get("NEO4J_USER", "neo4j"),
        NEO4J_PASSWORD=os.environ.get("NEO4J_PASSWORD", ""),
        # The review path resolves aspects through the seed lexicon (性价比 -> value);
        # product text goes without the nlp entity call (no URL for it here).
        KG_EMBEDDINGS_ENABLED=False, KG_USE_NLP=False))
    apps: dict[str, FastAPI] = {"nlp": nlp, "kg": kg}
    async with AsyncExitStack() as stack:
        clients = {}
        for name, app in apps.items():
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"))
        for name, client in clients.items():
            await _eventually(lambda c=client: _ready(c), READY_TIMEOUT_S, f"{name} /readyz")
        yield clients


@pytest.fixture
async def graph_ids(neo4j_uri: str) -> AsyncIterator[dict[str, list[str]]]:
    """Ids this test writes to the graph; they and what only they said are deleted after.

    kg's own tests clear the whole database; this test shares it with whatever else
    runs against the same Neo4j, so it removes only its own contributions.
    """
    ids: dict[str, list[str]] = {"products": [], "reviews": []}
    yield ids
    password = os.environ.get("NEO4J_PASSWORD", "")
    auth = (os.environ.get("NEO4J_USER", "neo4j"), password) if password else None
    driver = AsyncGraphDatabase.driver(neo4j_uri, auth=auth, notifications_min_severity="OFF")
    try:
        async with driver.session(database="neo4j") as session:
            await session.execute_write(_delete_contributions, ids["products"], ids["reviews"])
    finally:
        await driver.close()


async def _delete_contributions(tx: Any, pids: list[str], rids: list[str]) -> None:
    sources = [f"product:{p}" for p in pids] + [f"review:{r}" for r in rids]
    near = await (await tx.run("""
        MATCH (n) WHERE (n:Product AND n.key IN $pids) OR (n:Review AND n.key IN $rids)
        OPTIONAL MATCH (n)--(m) WHERE NOT m:Product AND NOT m:Review
        RETURN collect(DISTINCT elementId(m)) AS near
    """, pids=pids, rids=rids)).single()
    ids = near["near"] if near else []
    # Relations from those nodes (a category path) lose these sources, and go when none is left.
    far = await (await tx.run("""
        MATCH (a)-[x]-(b) WHERE elementId(a) IN $ids
          AND any(s IN coalesce(x.sources, []) WHERE s IN $sources)
        WITH DISTINCT x, b, [s IN x.sources WHERE NOT s IN $sources] AS rest
        FOREACH (_ IN CASE WHEN size(rest) = 0 THEN [1] ELSE [] END | DELETE x)
        FOREACH (_ IN CASE WHEN size(rest) > 0 THEN [1] ELSE [] END | SET x.sources = rest)
        RETURN collect(DISTINCT elementId(b)) AS far
    """, ids=ids, sources=sources)).single()
    ids = sorted(set(ids) | set(far["far"] if far else []))
    await (await tx.run("""
        MATCH (n) WHERE (n:Product AND n.key IN $pids) OR (n:Review AND n.key IN $rids)
           OR (n:Tombstone AND n.key IN $sources)
        DETACH DELETE n
    """, pids=pids, rids=rids, sources=sources)).consume()
    await (await tx.run("MATCH (m) WHERE elementId(m) IN $ids AND NOT (m)--() DELETE m",
                        ids=ids)).consume()


def _product(pid: str) -> Event:
    return new_event(PRODUCT_UPSERTED, ProductUpserted(
        product_id=pid, title="华为 Mate 60 Pro 智能手机 256GB 雅川青", brand="华为",
        category="数码/手机", price=5999.0, currency="CNY", language="zh"),
        key=pid, producer="e2e-catalog")


def _review(rid: str, pid: str, text: str, rating: int) -> Event:
    return new_event(REVIEW_CREATED, ReviewCreated(
        review_id=rid, product_id=pid, user_id=unique("u-"), text=text, rating=rating),
        key=pid, producer="e2e-reviews")


async def _poll_events(reader: Any, want: Callable[[Event], bool], timeout_s: float,
                       what: str) -> list[Event]:
    got: list[Event] = []

    async def probe() -> list[Event]:
        for record in await reader.poll(100, 0.5):
            event = decode(record)
            if want(event):
                got.append(event)
        return got

    return await _eventually(probe, timeout_s, what)


async def test_review_flows_through_nlp_and_kg_into_the_graph(
        pipeline: dict[str, httpx.AsyncClient], kafka_bus: EventBus,
        graph_ids: dict[str, list[str]]) -> None:
    kg = pipeline["kg"]
    pid, rid, rid2 = unique("e2e-p-"), unique("e2e-r-"), unique("e2e-r-")
    graph_ids["products"].append(pid)
    graph_ids["reviews"].extend([rid, rid2])
    await kafka_bus.ensure_topics([REVIEW_ENRICHED, GRAPH_UPDATED])
    enriched_reader = kafka_bus.consumer(unique("e2e-read-enriched-"), [REVIEW_ENRICHED])
    updates_reader = kafka_bus.consumer(unique("e2e-read-updates-"), [GRAPH_UPDATED])
    try:
        product, review = _product(pid), _review(rid, pid, REVIEW, rating=4)
        await kafka_bus.publish_many([product])
        await kafka_bus.publish_many([review])

        # 1. The product's aspects appear in kg's API, with the review as their source.
        async def aspects() -> dict[str, dict[str, Any]] | None:
            resp = await kg.get(f"/v1/kg/products/{pid}/aspects")
            if resp.status_code != 200:
                return None
            rows = {a["aspect"]: a for a in resp.json()["aspects"]}
            return rows if "value" in rows else None

        rows = await _eventually(aspects, FLOW_TIMEOUT_S, "the review's aspects in kg")

        # 2. nlp's enriched event: ids, key and provenance of the review it came from.
        enriched = await _poll_events(
            enriched_reader, lambda e: e.key == pid, FLOW_TIMEOUT_S, "enrichment.review.enriched")
        assert len(enriched) == 1
        event = enriched[0]
        payload = event.payload
        assert isinstance(payload, ReviewEnriched)
        assert event.type == REVIEW_ENRICHED and event.producer == "nlp"
        assert event.key == pid
        assert event.event_id == enriched_event_id(review.event_id)
        assert event.trace_id == review.trace_id
        assert (payload.review_id, payload.product_id) == (rid, pid)
        assert payload.source_event_id == review.event_id
        assert payload.text == REVIEW and payload.language == "zh"
        assert -1.0 <= payload.sentiment_score <= 1.0
        assert payload.sentiment_backend.startswith("builtin")
        by_aspect = {a.aspect: a for a in payload.aspects}
        value = by_aspect["性价比"]
        assert value.polarity == "positive" and value.opinion == "高"
        assert [(m.start, m.end) for m in value.mentions] == [(4, 7)]
        assert REVIEW[4:7] == "性价比"

        # 3. The graph holds what nlp said, folded per aspect, with provenance.
        got = rows["value"]
        assert (got["positive"], got["negative"], got["support"]) == (1, 0, 1)
        assert got["sentiment"] == "positive" and got["mean_score"] > 0
        assert f"review:{rid}" in got["sources"]
        if "电池" in by_aspect:   # nlp found the battery complaint: kg keeps it negative
            assert by_aspect["电池"].polarity == "negative"
            battery = rows["battery"]
            assert (battery["negative"], battery["positive"], battery["support"]) == (1, 0, 1)
            assert battery["sentiment"] == "negative"
        sub = (await kg.get("/v1/kg/subgraph", params={"node": f"Review:{rid}"})).json()
        nodes = {n["id"]: n for n in sub["nodes"]}
        props = nodes[f"Review:{rid}"]["properties"]
        assert props["source_review_event_id"] == review.event_id
        assert props["text"] == REVIEW and props["language"] == "zh"
        edges = {(e["type"], e["source"], e["target"]): e["properties"] for e in sub["edges"]}
        assert ("REVIEWS", f"Review:{rid}", f"Product:{pid}") in edges
        opinion = edges[("OPINION", f"Review:{rid}", "Aspect:value")]
        assert opinion["polarity"] == "positive" and opinion["opinion"] == "高"
        # Provenance: the review, the enriched event that wrote it, the extractor.
        assert opinion["sources"] == [f"review:{rid}"]
        assert opinion["source_event_id"] == event.event_id
        assert opinion["extractor"].startswith("nlp:")
        neighbourhood = (await kg.get(f"/v1/kg/products/{pid}/neighbourhood")).json()
        linked = {(r["type"], r["node"]["id"]) for r in neighbourhood["relations"]}
        assert {("BRAND", "Brand:huawei"), ("IN_CATEGORY", "Category:phone")} <= linked

        # 4. kg announced the change, naming the enriched event it applied.
        updates = await _poll_events(
            updates_reader,
            lambda e: event.event_id in e.payload.source_event_ids,  # type: ignore[attr-defined]
            FLOW_TIMEOUT_S, "kg.graph.updated for the review")
        update = updates[0].payload
        assert isinstance(update, GraphUpdated)
        assert pid in update.product_ids and update.relations_written > 0

        # 5. A redelivered review (same event id) counts once. A second review of the same
        # product, published after it on the same key (same partition, in order), is the
        # barrier: once it shows, the redelivery has been through both stages.
        second = _review(rid2, pid, SECOND_REVIEW, rating=2)
        await kafka_bus.publish_many([review])
        await kafka_bus.publish_many([second])

        async def two_battery_reviews() -> dict[str, dict[str, Any]] | None:
            now = await aspects()
            return now if now and now.get("battery", {}).get("support") == 1 + (
                "电池" in by_aspect) else None

        rows = await _eventually(two_battery_reviews, FLOW_TIMEOUT_S, "the second review")
        assert (rows["value"]["positive"], rows["value"]["support"]) == (1, 1)
        assert rows["battery"]["negative"] == rows["battery"]["support"]
        assert f"review:{rid2}" in rows["battery"]["sources"]
        enriched = await _poll_events(
            enriched_reader, lambda e: e.key == pid, FLOW_TIMEOUT_S, "the second enrichment")
        # The redelivery was dropped by nlp's inbox, or re-published under the same
        # derived id (which kg's inbox drops): never a new enrichment of the same review.
        ids = {(e.payload.review_id, e.event_id) for e in enriched}  # type: ignore[attr-defined]
        assert (rid2, enriched_event_id(second.event_id)) in ids
        assert ids <= {(rid, enriched_event_id(review.event_id)),
                       (rid2, enriched_event_id(second.event_id))}
    finally:
        await enriched_reader.close()
        await updates_reader.close()
