from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from shopmind.events import (
    PRODUCT_UPSERTED,
    REVIEW_ENRICHED,
    AspectSentiment,
    Entity,
    Keyword,
    ProductUpserted,
    ReviewEnriched,
    Span,
)
from shopmind_common.events import Event, new_event
from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.main import create_app
from shopmind_kg.resolution.encoder import shared_encoder
from shopmind_kg.store import EmbeddedGraphStore, GraphStore, Neo4jGraphStore
from shopmind_kg.store.model import (
    Mention,
    Opinion,
    ProductFacts,
    RelFact,
    ReviewFacts,
    WriteBatch,
)

BACKENDS = ["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)]


class CountingEncoder:
    """The real encoder, recording every call's texts."""

    def __init__(self) -> None:
        self.inner = shared_encoder()
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts)


@pytest.fixture
def counting_encoder() -> CountingEncoder:
    return CountingEncoder()


T0 = datetime(2024, 5, 1, tzinfo=UTC)


def at(seconds: float = 0) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def settings_for(backend: str, tmp_path: Any, request: pytest.FixtureRequest,
                 **extra: Any) -> KgSettings:
    neo4j = request.getfixturevalue("neo4j_uri") if backend == "neo4j" else None
    return KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None, NEO4J_URI=neo4j,
                      DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False, KG_USE_NLP=False,
                      SHOPMIND_INTERNAL_SECRET="test-secret", **extra)


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(KgSettings(SHOPMIND_DATA_DIR=str(tmp_path), KAFKA_BOOTSTRAP=None,
                                NEO4J_URI=None, DATABASE_URL=None, KG_EMBEDDINGS_ENABLED=False,
                                KG_USE_NLP=False))
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest) -> AsyncIterator[GraphStore]:
    """A GraphStore of each backend, empty; the Neo4j database is cleared around the test."""
    graph: GraphStore
    if request.param == "neo4j":
        graph = Neo4jGraphStore(request.getfixturevalue("neo4j_uri"))
    else:
        graph = EmbeddedGraphStore()
    await graph.start()
    await graph.clear()
    yield graph
    await graph.clear()
    await graph.close()


@pytest.fixture(params=BACKENDS)
async def kg_app(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[FastAPI]:
    """The kg app on each backend (in-process bus, no encoder), with an empty graph."""
    app = create_app(settings_for(request.param, tmp_path, request))
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        await app.state.kg.store.clear()
        await app.state.kg.entities.refresh()
        yield app
        await app.state.kg.store.clear()


@pytest.fixture
def ctx(kg_app: FastAPI) -> KgContext:
    return kg_app.state.kg


@pytest.fixture
async def api(kg_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=kg_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


class Facts:
    """Builders of store-level facts (contract tests)."""

    at = staticmethod(at)

    @staticmethod
    def product(pid: str, *, seconds: float = 0, brand: str | None = "acme",
                category: str | None = "phone", title: str | None = None,
                attrs: dict[str, str] | None = None, deleted: bool = False,
                embedding: tuple[float, ...] | None = None, event: str | None = None
                ) -> ProductFacts:
        rels = []
        if brand:
            rels.append(RelFact("BRAND", brand, brand.title(), "catalog", 1.0))
        if category:
            rels.append(RelFact("IN_CATEGORY", category, category, "catalog", 1.0))
        for k, v in (attrs or {}).items():
            rels.append(RelFact("HAS_ATTRIBUTE", f"{k}={v}", f"{k}={v}", "regex", 0.85,
                                {"attribute": k, "value": v}))
        return ProductFacts(pid, event or f"ev-{pid}-{seconds}", at(seconds), deleted,
                            {"title": title or f"Product {pid}", "price": 9.5},
                            tuple(rels), (), embedding)

    @staticmethod
    def review(rid: str, pid: str, opinions: list[tuple[str, str, float]], *,
               seconds: float = 0, retracted: bool = False, mentions: tuple[str, ...] = ()
               ) -> ReviewFacts:
        return ReviewFacts(
            rid, pid, f"ev-{rid}-{seconds}", at(seconds), retracted,
            {"sentiment_score": 0.5, "language": "zh"},
            tuple(Opinion(a, a, pol, s, 1) for a, pol, s in opinions),
            tuple(Mention(m, m, "brand") for m in mentions))

    @staticmethod
    def batch(*facts: ProductFacts | ReviewFacts, **kw: Any) -> WriteBatch:
        return WriteBatch(products=[f for f in facts if isinstance(f, ProductFacts)],
                          reviews=[f for f in facts if isinstance(f, ReviewFacts)], **kw)


@pytest.fixture
def facts() -> type[Facts]:
    return Facts


class Events:
    """Builders of the consumed events (service and route tests)."""

    @staticmethod
    def product(pid: str, title: str, *, brand: str = "", category: str = "",
                description: str = "", attributes: dict[str, str] | None = None,
                seconds: float = 0, deleted: bool = False) -> Event:
        event = new_event(PRODUCT_UPSERTED, ProductUpserted(
            product_id=pid, title=title, brand=brand, category=category,
            description=description, attributes=attributes or {}, deleted=deleted,
            price=1999.0, currency="CNY"), key=pid, producer="test")
        return replace(event, occurred_at=T0 + timedelta(seconds=seconds))

    @staticmethod
    def review(rid: str, pid: str, aspects: list[tuple[str, str, float]], *,
               seconds: float = 0, retracted: bool = False,
               entities: list[tuple[str, str]] | None = None, text: str = "") -> Event:
        event = new_event(REVIEW_ENRICHED, ReviewEnriched(
            review_id=rid, product_id=pid, language="zh", retracted=retracted,
            sentiment_score=0.6, sentiment_label="positive", sentiment_backend="snownlp",
            text=text, source_event_id=f"created-{rid}",
            aspects=[AspectSentiment(aspect=a, opinion="好" if s > 0 else "差", polarity=p,
                                     score=s, mentions=[Span(start=0, end=len(a))])
                     for a, p, s in aspects],
            entities=[Entity(text=t, label=label) for t, label in (entities or [])],
            keywords=[Keyword(term=a, score=1.0) for a, _, _ in aspects],
        ), key=pid, producer="test")
        return replace(event, occurred_at=T0 + timedelta(seconds=seconds))


@pytest.fixture
def events() -> type[Events]:
    return Events
