"""From catalog and enrichment events to one graph write per batch.

A batch is split by type, each product is extracted and each name resolved,
reviews' aspects are folded per aspect key, and the whole batch is written by
the store in one transaction. Then `kg.graph.updated` names what changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from shopmind.events import PRODUCT_UPSERTED, REVIEW_ENRICHED, ProductUpserted, ReviewEnriched
from shopmind_common.events import Event, EventBus
from shopmind_common.http import service_client

from shopmind_kg.config import KgSettings
from shopmind_kg.ingest.events import graph_updated
from shopmind_kg.resolution.resolver import Resolved, Resolver
from shopmind_kg.store.base import GraphStore
from shopmind_kg.store.model import (
    POLARITIES,
    PRODUCT_REL_TARGET,
    AliasFact,
    Mention,
    Opinion,
    ProductFacts,
    RelFact,
    ReviewFacts,
    WriteBatch,
    WriteResult,
)
from shopmind_kg.text.extract import Candidate, Extraction, ProductExtractor

log = logging.getLogger("shopmind.kg.ingest")

_DESCRIPTION_CHARS = 2000
_REVIEW_TEXT_CHARS = 500
_NLP_BACKOFF_S = 60.0


def iso(dt: datetime) -> str:
    """The one timestamp format of the graph: sortable as text."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class InvalidEvent(ValueError):
    """An event no retry can apply (it goes to the DLQ after the capped retries)."""


class IngestService:
    def __init__(self, *, store: GraphStore, resolver: Resolver, extractor: ProductExtractor,
                 settings: KgSettings, bus: EventBus | None) -> None:
        self.store = store
        self.resolver = resolver
        self.extractor = extractor
        self.settings = settings
        self.bus = bus
        self.models_ready = asyncio.Event()
        self._nlp_down_until = 0.0

    # -- the consumer's batch handler -----------------------------------------------------
    async def handle(self, events: list[Event]) -> WriteResult:
        # Resolution must not run before the encoder: it would create near-duplicates.
        await self.models_ready.wait()
        products = [e for e in events if e.type == PRODUCT_UPSERTED]
        reviews = [e for e in events if e.type == REVIEW_ENRICHED]
        aliases: list[AliasFact] = []
        batch = WriteBatch(similar_top_k=self.settings.similar_top_k,
                           similar_min_score=self.settings.similar_min_score)
        batch.products = await self.product_facts(products, aliases)
        batch.reviews = self.review_facts(reviews, aliases)
        batch.aliases = aliases
        result = await self.store.apply(batch)
        if result.changed and self.bus is not None:
            await self.bus.publish(graph_updated(result))
        return result

    # -- products -------------------------------------------------------------------------
    async def product_facts(self, events: list[Event], aliases: list[AliasFact]
                            ) -> list[ProductFacts]:
        live: list[tuple[Event, ProductUpserted]] = []
        facts: list[ProductFacts] = []
        for event in events:
            p = event.payload
            assert isinstance(p, ProductUpserted)
            if not p.product_id.strip():
                raise InvalidEvent(f"event {event.event_id}: product_id is empty")
            if p.deleted:
                facts.append(ProductFacts(product_id=p.product_id, event_id=event.event_id,
                                          occurred_at=iso(event.occurred_at), deleted=True))
            else:
                live.append((event, p))
        if not live:
            return facts
        self.extractor.refresh(self.resolver.version, self.resolver.surfaces("Brand"),
                               self.resolver.surfaces("Category"))
        entities = await self._nlp_entities([f"{p.title} {p.description}".strip()
                                             for _, p in live])
        extractions = [
            self.extractor.extract(title=p.title, description=p.description, brand=p.brand,
                                   category=p.category, attributes=dict(p.attributes),
                                   nlp_entities=entities[i] if entities else None)
            for i, (_, p) in enumerate(live)
        ]
        resolved = self._resolve_candidates(extractions, aliases)
        embeddings = self._title_embeddings([p for _, p in live])
        for i, (event, p) in enumerate(live):
            rels, seen = [], set()
            for cand, res in resolved[i]:
                if (cand.rel_type, res.key) in seen:
                    continue
                seen.add((cand.rel_type, res.key))
                rels.append(RelFact(cand.rel_type, res.key, res.name, cand.extractor,
                                    cand.confidence, cand.node_props))
            taxonomy = []
            for child, parent in extractions[i].taxonomy:
                c = self.resolver.resolve("Category", child)
                q = self.resolver.resolve("Category", parent)
                if c is not None and q is not None and c.key != q.key:
                    taxonomy.append((c.key, c.name, q.key, q.name))
                    for r in (c, q):
                        if r.alias is not None:
                            aliases.append(r.alias)
            props: dict[str, Any] = {
                "title": p.title or None,
                "description": p.description[:_DESCRIPTION_CHARS] or None,
                "price": p.price if p.price else None,
                "currency": p.currency or None,
                "language": p.language or None,
            }
            facts.append(ProductFacts(
                product_id=p.product_id, event_id=event.event_id,
                occurred_at=iso(event.occurred_at), props=props, rels=tuple(rels),
                taxonomy=tuple(taxonomy),
                embedding=embeddings[i] if embeddings is not None else None,
            ))
        return facts

    def _resolve_candidates(self, extractions: list[Extraction], aliases: list[AliasFact]
                            ) -> list[list[tuple[Candidate, Resolved]]]:
        by_label: dict[str, list[tuple[int, Candidate]]] = defaultdict(list)
        for i, ext in enumerate(extractions):
            for cand in ext.candidates:
                by_label[PRODUCT_REL_TARGET[cand.rel_type]].append((i, cand))
        out: list[list[tuple[Candidate, Resolved]]] = [[] for _ in extractions]
        for label, items in by_label.items():
            if label == "Attribute":
                # Attribute keys are built normalised ("storage=256gb"); only aliases apply.
                for i, cand in items:
                    key = self.resolver.follow("Attribute", cand.name)
                    out[i].append((cand, Resolved(key, cand.name, "exact")))
                continue
            results = self.resolver.resolve_many(label, [c.name for _, c in items])
            for (i, cand), res in zip(items, results, strict=True):
                if res is None:
                    continue
                if res.alias is not None:
                    aliases.append(res.alias)
                out[i].append((cand, res))
        return out

    def _title_embeddings(self, products: list[ProductUpserted]
                          ) -> list[tuple[float, ...] | None] | None:
        encoder = self.resolver.encoder
        if encoder is None or self.settings.similar_top_k == 0:
            return None
        titles = [p.title.strip() for p in products]
        idx = [i for i, t in enumerate(titles) if t]
        vectors = encoder.encode([titles[i] for i in idx])
        out: list[tuple[float, ...] | None] = [None] * len(products)
        for row, i in enumerate(idx):
            out[i] = tuple(float(x) for x in vectors[row])
        return out

    async def _nlp_entities(self, texts: list[str]) -> list[list[dict[str, Any]]] | None:
        """Entities from the nlp service, or None when it is off or unreachable."""
        if not self.settings.use_nlp or time.monotonic() < self._nlp_down_until:
            return None
        try:
            client = service_client("nlp", self.settings, timeout_s=self.settings.nlp_timeout_s,
                                    retries=0)
        except Exception:
            self._nlp_down_until = time.monotonic() + _NLP_BACKOFF_S
            return None
        try:
            resp = await client.post("/v1/nlp/entities", json={"texts": texts})
            if resp.status_code != 200:
                raise RuntimeError(f"nlp answered {resp.status_code}")
            results = resp.json()["results"]
            if len(results) != len(texts):
                raise RuntimeError("nlp answered a different number of results")
            return [list(r.get("entities", [])) for r in results]
        except Exception as exc:
            log.warning("nlp entities unavailable, extracting without them: %s", exc)
            self._nlp_down_until = time.monotonic() + _NLP_BACKOFF_S
            return None
        finally:
            await client.aclose()

    # -- reviews --------------------------------------------------------------------------
    def review_facts(self, events: list[Event], aliases: list[AliasFact]) -> list[ReviewFacts]:
        """The batch's reviews as facts, in event order.

        Every event is checked before anything is resolved, so a refused batch teaches the
        resolver nothing. The batch's aspect and entity names are then resolved with one
        call per label (one encoder call for the names not seen before, decided in order
        of first appearance, exactly as review by review), and each review reads its
        names' nodes from that.
        """
        aspect_names: dict[str, None] = {}
        entity_names: dict[str, None] = {}
        for event in events:
            r = event.payload
            assert isinstance(r, ReviewEnriched)
            if not r.review_id.strip():
                raise InvalidEvent(f"event {event.event_id}: review_id is empty")
            if not r.product_id.strip() and not r.retracted:
                raise InvalidEvent(f"event {event.event_id}: product_id is empty")
            if r.retracted:
                continue
            for a in r.aspects:
                if a.aspect.strip():
                    aspect_names[a.aspect] = None
            for e in r.entities:
                if e.label not in _UNRESOLVED_ENTITY_LABELS and e.text.strip():
                    entity_names[e.text] = None
        found: dict[AliasFact, None] = {}
        aspects = self._resolve_names("Aspect", list(aspect_names), found)
        entities = self._resolve_names("Entity", list(entity_names), found)
        aliases.extend(found)
        facts: list[ReviewFacts] = []
        for event in events:
            r = event.payload
            assert isinstance(r, ReviewEnriched)
            at = iso(event.occurred_at)
            if r.retracted:
                facts.append(ReviewFacts(review_id=r.review_id, product_id=r.product_id,
                                         event_id=event.event_id, occurred_at=at, retracted=True))
                continue
            backend = r.sentiment_backend
            facts.append(ReviewFacts(
                review_id=r.review_id, product_id=r.product_id, event_id=event.event_id,
                occurred_at=at, props={
                    "language": r.language or None,
                    "sentiment_score": float(r.sentiment_score),
                    "sentiment_label": r.sentiment_label or None,
                    "sentiment_backend": backend or None,
                    "text": r.text[:_REVIEW_TEXT_CHARS] or None,
                    "keywords": [k.term for k in r.keywords[:10]] or None,
                    "source_review_event_id": r.source_event_id or None,
                },
                opinions=_opinions(r, aspects), mentions=_mentions(r, entities),
                extractor=f"nlp:{backend}" if backend else "nlp",
            ))
        return facts

    def _resolve_names(self, label: str, names: list[str], found: dict[AliasFact, None]
                       ) -> dict[str, Resolved]:
        """name -> its node, for the names that resolve; new embedding aliases into `found`."""
        out: dict[str, Resolved] = {}
        if not names:
            return out
        for name, res in zip(names, self.resolver.resolve_many(label, names), strict=True):
            if res is None:
                continue
            out[name] = res
            if res.alias is not None:
                found[res.alias] = None
        return out


_UNRESOLVED_ENTITY_LABELS = frozenset({"money", "quantity"})


def _opinions(r: ReviewEnriched, resolved: dict[str, Resolved]) -> tuple[Opinion, ...]:
    """One opinion per aspect node the review talks about (several mentions folded)."""
    grouped: dict[str, list[tuple[Any, Resolved]]] = {}
    for a in r.aspects:
        res = resolved.get(a.aspect)
        if res is not None:
            grouped.setdefault(res.key, []).append((a, res))
    out = []
    for key in sorted(grouped):
        entries = grouped[key]
        scores = [max(-1.0, min(1.0, float(a.score))) for a, _ in entries]
        mean = sum(scores) / len(scores)
        labels = {a.polarity for a, _ in entries}
        if len(labels) == 1 and next(iter(labels)) in POLARITIES:
            polarity = next(iter(labels))
        else:   # the review says both: its mean score decides
            polarity = "positive" if mean > 0.05 else "negative" if mean < -0.05 else "neutral"
        mentions = sum(max(1, len(a.mentions)) for a, _ in entries)
        opinion = "、".join(sorted({a.opinion for a, _ in entries if a.opinion}))
        out.append(Opinion(key, entries[0][1].name, polarity, round(mean, 6), mentions,
                           opinion))
    return tuple(out)


def _mentions(r: ReviewEnriched, resolved: dict[str, Resolved]) -> tuple[Mention, ...]:
    out: dict[str, Mention] = {}
    for e in r.entities:
        if e.label in _UNRESOLVED_ENTITY_LABELS:
            continue
        res = resolved.get(e.text)
        if res is not None and res.key not in out:
            out[res.key] = Mention(res.key, res.name, e.label or "entity")
    return tuple(out[k] for k in sorted(out))
