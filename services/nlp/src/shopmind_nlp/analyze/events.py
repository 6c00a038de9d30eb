"""The Kafka stage: reviews.review.created in, enrichment.review.enriched out.

Each polled batch is analysed in one pass and published keyed by product id,
so a product's enrichments keep their order. The enriched event's id is
derived from the source event's id: a redelivered review yields the same
event id, which downstream inboxes drop.
"""

from __future__ import annotations

import uuid

from shopmind.events import (
    REVIEW_CREATED,
    REVIEW_ENRICHED,
    AspectSentiment,
    Entity,
    Keyword,
    ReviewCreated,
    ReviewEnriched,
    Span,
)
from shopmind_common.db import Database
from shopmind_common.events import Event, EventBus, new_event
from shopmind_nlp.analyze.service import analyze_service
from shopmind_nlp.engine import Analysis, Engine

CONSUMES = [REVIEW_CREATED]
PRODUCES = [REVIEW_ENRICHED]
_NAMESPACE = uuid.UUID("5f0c9a52-3b1e-4c55-9a51-6f7d0e1b2c3d")


def enriched_event_id(source_event_id: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{REVIEW_ENRICHED}:{source_event_id}"))


def to_payload(review: ReviewCreated, analysis: Analysis, source_event_id: str) -> ReviewEnriched:
    s = analysis.sentiment
    assert s is not None
    return ReviewEnriched(
        review_id=review.review_id, product_id=review.product_id, language=analysis.language,
        sentiment_score=s.score, sentiment_label=s.label, sentiment_backend=s.backend,
        aspects=[AspectSentiment(aspect=a.aspect, opinion=a.opinion, polarity=a.polarity,
                                 score=a.score,
                                 mentions=[Span(start=m.start, end=m.end) for m in a.mentions])
                 for a in analysis.aspects],
        entities=[Entity(text=e.text, label=e.label, span=Span(start=e.start, end=e.end))
                  for e in analysis.entities],
        keywords=[Keyword(term=t, score=sc) for t, sc in analysis.keywords],
        text=review.text, source_event_id=source_event_id,
    )


class EnrichmentStage:
    def __init__(self, engine: Engine, db: Database, bus: EventBus) -> None:
        self.engine = engine
        self.db = db
        self.bus = bus

    async def handle_batch(self, events: list[Event]) -> None:
        settings = self.engine.settings
        reviews: list[ReviewCreated] = []
        for event in events:
            payload = event.payload
            assert isinstance(payload, ReviewCreated)
            reviews.append(payload)
        # Over-long reviews are analysed on their head; the event keeps the full text.
        texts = [r.text[: settings.max_text_chars] for r in reviews]
        langs: list[str | None] = [r.language if r.language in ("zh", "en") else None
                                   for r in reviews]
        analyses = await analyze_service.run(self.engine, self.db, texts, langs,
                                             top_k=settings.enrich_keywords)
        out = [new_event(REVIEW_ENRICHED, to_payload(r, a, e.event_id), key=r.product_id,
                         producer="nlp", event_id=enriched_event_id(e.event_id),
                         trace_id=e.trace_id or None)
               for e, r, a in zip(events, reviews, analyses, strict=True)]
        await self.bus.publish_many(out)
