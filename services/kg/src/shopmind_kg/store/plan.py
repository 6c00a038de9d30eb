"""From a batch of facts and what the graph holds now to the rows a store writes.

Both stores read the same state (`ProductState`, `ReviewState`), call
`plan_batch`, and write the rows it returns, so ordering, staleness and the
aspect arithmetic are decided once. Aspect counts on HAS_ASPECT change only by
the difference between a review's stored contribution (its OPINION edges) and
its new one: replaying a review adds nothing, retracting it subtracts exactly
what it added.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from shopmind_kg.store.model import (
    PRODUCT_REL_TARGET,
    ProductFacts,
    ReviewFacts,
    WriteBatch,
    WriteResult,
    product_source,
    review_source,
)

# HAS_ASPECT keeps the latest review ids as provenance; the complete record is the
# review's own OPINION edge, so a hot aspect does not rewrite an unbounded list.
SOURCES_CAP = 200


@dataclass
class ProductState:
    updated_at: str | None = None
    tombstone_at: str | None = None
    targets: list[tuple[str, str]] = field(default_factory=list)   # (label, key) it points at


@dataclass
class ReviewState:
    updated_at: str | None = None
    tombstone_at: str | None = None
    product_id: str | None = None
    # aspect, polarity, score, mentions of each stored OPINION edge
    opinions: list[dict[str, Any]] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)


@dataclass
class Plan:
    product_upserts: list[dict[str, Any]] = field(default_factory=list)
    product_rels: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    product_keep: list[dict[str, Any]] = field(default_factory=list)
    product_deletes: list[dict[str, Any]] = field(default_factory=list)
    taxonomy: list[dict[str, Any]] = field(default_factory=list)
    taxonomy_keep: list[dict[str, Any]] = field(default_factory=list)
    similar_for: list[str] = field(default_factory=list)
    review_clears: list[str] = field(default_factory=list)
    review_upserts: list[dict[str, Any]] = field(default_factory=list)
    review_deletes: list[dict[str, Any]] = field(default_factory=list)
    opinions: list[dict[str, Any]] = field(default_factory=list)
    review_mentions: list[dict[str, Any]] = field(default_factory=list)
    aspect_deltas: list[dict[str, Any]] = field(default_factory=list)
    aliases: list[dict[str, Any]] = field(default_factory=list)
    orphans: list[tuple[str, str]] = field(default_factory=list)
    result: WriteResult = field(default_factory=WriteResult)


T = TypeVar("T", ProductFacts, ReviewFacts)


def latest_per_key(facts: list[T], key_attr: str) -> list[T]:
    """The newest fact per key; at equal times the later one in the batch wins."""
    best: dict[str, T] = {}
    for fact in facts:
        key = getattr(fact, key_attr)
        current = best.get(key)
        if current is None or fact.occurred_at >= current.occurred_at:
            best[key] = fact
    return list(best.values())


def _fresh(at: str, updated_at: str | None, tombstone_at: str | None) -> bool:
    # Equal times are accepted so that replaying the same event rewrites the same values.
    if updated_at is not None and at < updated_at:
        return False
    return not (tombstone_at is not None and at <= tombstone_at)


def plan_batch(batch: WriteBatch, products: dict[str, ProductState],
               reviews: dict[str, ReviewState]) -> Plan:
    plan = Plan()
    result = plan.result
    orphans: set[tuple[str, str]] = set()
    touched_nodes: set[str] = set()

    for fact in latest_per_key(batch.products, "product_id"):
        state = products.get(fact.product_id, ProductState())
        if not _fresh(fact.occurred_at, state.updated_at, state.tombstone_at):
            result.skipped_stale += 1
            continue
        source = product_source(fact.product_id)
        result.product_ids.append(fact.product_id)
        result.source_event_ids.append(fact.event_id)
        orphans.update(state.targets)
        if fact.deleted:
            plan.product_deletes.append({"key": fact.product_id, "source": source,
                                         "at": fact.occurred_at, "event_id": fact.event_id})
            plan.taxonomy_keep.append({"source": source, "keep": []})
            orphans.add(("Product", fact.product_id))
            continue
        plan.product_upserts.append({
            "key": fact.product_id, "props": dict(fact.props), "at": fact.occurred_at,
            "event_id": fact.event_id,
            "embedding": list(fact.embedding) if fact.embedding is not None else None,
        })
        keep: list[str] = []
        for rel in fact.rels:
            label = PRODUCT_REL_TARGET[rel.type]
            plan.product_rels.setdefault((rel.type, label), []).append({
                "pid": fact.product_id, "key": rel.key, "name": rel.name,
                "node_props": dict(rel.node_props), "extractor": rel.extractor,
                "confidence": float(rel.confidence), "source": source,
                "event_id": fact.event_id, "at": fact.occurred_at,
            })
            keep.append(f"{rel.type}|{rel.key}")
            touched_nodes.add(f"{label}:{rel.key}")
        plan.product_keep.append({"pid": fact.product_id, "source": source, "keep": keep})
        tax_keep: list[str] = []
        for child, child_name, parent, parent_name in fact.taxonomy:
            plan.taxonomy.append({"child": child, "child_name": child_name, "parent": parent,
                                  "parent_name": parent_name, "source": source,
                                  "event_id": fact.event_id, "at": fact.occurred_at,
                                  "extractor": "catalog", "confidence": 1.0})
            tax_keep.append(f"{child}|{parent}")
            orphans.update({("Category", child), ("Category", parent)})
        plan.taxonomy_keep.append({"source": source, "keep": tax_keep})
        if fact.embedding is not None:
            plan.similar_for.append(fact.product_id)

    deltas: dict[tuple[str, str], dict[str, Any]] = {}

    def _delta(pid: str, aspect: str, name: str, at: str, extractor: str) -> dict[str, Any]:
        d = deltas.get((pid, aspect))
        if d is None:
            d = deltas[(pid, aspect)] = {
                "pid": pid, "aspect": aspect, "name": name, "positive": 0, "negative": 0,
                "neutral": 0, "support": 0, "mentions": 0, "score_sum": 0.0,
                "add": [], "remove": [], "at": at, "extractor": extractor,
            }
        d["at"] = max(d["at"], at)
        return d

    for review in latest_per_key(batch.reviews, "review_id"):
        rstate = reviews.get(review.review_id, ReviewState())
        if not _fresh(review.occurred_at, rstate.updated_at, rstate.tombstone_at):
            result.skipped_stale += 1
            continue
        rsource = review_source(review.review_id)
        result.source_event_ids.append(review.event_id)
        result.node_ids.append(f"Review:{review.review_id}")
        if rstate.product_id is not None:
            result.product_ids.append(rstate.product_id)
            plan.review_clears.append(review.review_id)
            for old in rstate.opinions:
                d = _delta(rstate.product_id, old["aspect"], old["aspect"], review.occurred_at,
                           review.extractor)
                d[old["polarity"]] -= 1
                d["support"] -= 1
                d["mentions"] -= int(old["mentions"])
                d["score_sum"] -= float(old["score"])
                d["remove"].append(rsource)
                orphans.add(("Aspect", old["aspect"]))
            orphans.update(("Entity", e) for e in rstate.entities)
        if review.retracted:
            plan.review_deletes.append({"key": review.review_id, "at": review.occurred_at,
                                        "event_id": review.event_id})
            if rstate.product_id is not None:
                orphans.add(("Product", rstate.product_id))
            continue
        result.product_ids.append(review.product_id)
        plan.review_upserts.append({"key": review.review_id, "pid": review.product_id,
                                    "props": dict(review.props), "at": review.occurred_at,
                                    "event_id": review.event_id})
        for op in {o.aspect_key: o for o in review.opinions}.values():
            plan.opinions.append({
                "rid": review.review_id, "aspect": op.aspect_key, "name": op.aspect_name,
                "polarity": op.polarity, "score": float(op.score), "mentions": int(op.mentions),
                "opinion": op.opinion, "extractor": review.extractor, "source": rsource,
                # A strong score is a confident opinion; a neutral one still counts half.
                "confidence": round(min(1.0, 0.5 + abs(float(op.score)) / 2), 6),
                "at": review.occurred_at, "event_id": review.event_id,
            })
            d = _delta(review.product_id, op.aspect_key, op.aspect_name, review.occurred_at,
                       review.extractor)
            d["name"] = op.aspect_name
            d[op.polarity] += 1
            d["support"] += 1
            d["mentions"] += int(op.mentions)
            d["score_sum"] += float(op.score)
            d["add"].append(rsource)
            touched_nodes.add(f"Aspect:{op.aspect_key}")
        for m in {x.key: x for x in review.mentions}.values():
            plan.review_mentions.append({
                "rid": review.review_id, "key": m.key, "name": m.name, "label": m.label,
                "extractor": review.extractor, "source": rsource, "at": review.occurred_at,
                "event_id": review.event_id, "confidence": 1.0,
            })
            touched_nodes.add(f"Entity:{m.key}")

    for d in deltas.values():
        d["remove"] = [s for s in d["remove"] if s not in d["add"]]
        changed = any(d[k] for k in ("positive", "negative", "neutral", "support", "mentions"))
        if changed or d["add"] or d["remove"] or abs(d["score_sum"]) > 1e-12:
            plan.aspect_deltas.append(d)
    plan.aliases = [
        {"label": a.label, "alias": a.alias, "canonical": a.canonical, "origin": a.origin,
         "score": a.score}
        for a in batch.aliases if a.alias != a.canonical
    ]
    plan.orphans = sorted(orphans)
    result.product_ids = sorted(set(result.product_ids))
    result.node_ids = sorted(set(result.node_ids) | touched_nodes
                             | {f"Product:{p}" for p in result.product_ids})
    return plan
