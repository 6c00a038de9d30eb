"""kg ingestion throughput on Neo4j: batched UNWIND + MERGE versus per-row MERGE.

Both paths write the same kind of relations for a synthetic catalogue (products
with brand, category and attributes; reviews with their aspect opinions, the
review edge and the derived HAS_ASPECT counts) into the same Neo4j, in one run:

- batched: the service's own path, `Neo4jGraphStore.apply`, one write
  transaction per batch of `--batch` products or reviews (UNWIND + MERGE);
- per-row: the naive consumer, one auto-commit MERGE statement per relation
  (what a handler that writes each fact as it sees it does).

It prints relations/s for both and the ratio, and updates README.md here.

    NEO4J_URI=bolt://127.0.0.1:17687 python bench/kg_ingest/run.py
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from neo4j import AsyncGraphDatabase
from shopmind_common.benchmarks import write_results
from shopmind_kg.store.model import Opinion, ProductFacts, RelFact, ReviewFacts, WriteBatch
from shopmind_kg.store.neo4j import Neo4jGraphStore
from shopmind_kg.text.lexicon import ASPECTS, BRANDS, CATEGORIES

HERE = Path(__file__).resolve().parent
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _at(i: int) -> str:
    return (T0 + timedelta(milliseconds=i)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def catalogue(n_products: int, reviews_per_product: int, seed: int = 7
              ) -> tuple[list[ProductFacts], list[ReviewFacts]]:
    rng = random.Random(seed)
    products, reviews = [], []
    for i in range(n_products):
        brand = rng.choice(BRANDS)
        cat = rng.choice(CATEGORIES)
        rels = [RelFact("BRAND", brand.key, brand.display, "catalog", 1.0),
                RelFact("IN_CATEGORY", cat.key, cat.display, "catalog", 1.0)]
        for name, values in (("storage", ("128gb", "256gb", "512gb")),
                             ("colour", ("black", "white", "blue"))):
            value = rng.choice(values)
            rels.append(RelFact("HAS_ATTRIBUTE", f"{name}={value}", f"{name}={value}", "regex",
                                0.85, {"attribute": name, "value": value}))
        products.append(ProductFacts(f"bp{i}", f"ev-p{i}", _at(i), False,
                                     {"title": f"{brand.display} {cat.display} {i}"},
                                     tuple(rels)))
        for j in range(reviews_per_product):
            aspects = rng.sample(ASPECTS, rng.randint(1, 3))
            opinions = []
            for a in aspects:
                score = round(rng.uniform(-1, 1), 3)
                pol = "positive" if score > 0.05 else "negative" if score < -0.05 else "neutral"
                opinions.append(Opinion(a.key, a.display, pol, score, 1))
            reviews.append(ReviewFacts(f"br{i}-{j}", f"bp{i}", f"ev-r{i}-{j}", _at(i + j),
                                       False, {"sentiment_score": 0.1}, tuple(opinions)))
    return products, reviews


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def batched(store: Neo4jGraphStore, products: list[ProductFacts],
                  reviews: list[ReviewFacts], batch: int) -> tuple[int, float]:
    written = 0
    start = time.perf_counter()
    for part in chunks(products, batch):
        written += (await store.apply(WriteBatch(products=part, similar_top_k=0))).relations_written
    for part in chunks(reviews, batch):
        written += (await store.apply(WriteBatch(reviews=part, similar_top_k=0))).relations_written
    return written, time.perf_counter() - start


PRODUCT_ROW = {
    "BRAND": "Brand", "IN_CATEGORY": "Category", "HAS_ATTRIBUTE": "Attribute",
}


async def per_row(uri: str, products: list[ProductFacts], reviews: list[ReviewFacts]
                  ) -> tuple[int, float]:
    """One auto-commit statement per relation, as a naive handler writes them."""
    driver = AsyncGraphDatabase.driver(uri, auth=None, notifications_min_severity="OFF")
    written = 0
    start = time.perf_counter()
    async with driver.session(database="neo4j") as session:
        for p in products:
            for rel in p.rels:
                label = PRODUCT_ROW[rel.type]
                await (await session.run(
                    f"MERGE (p:Product {{key: $pid}}) SET p.title = $title "
                    f"MERGE (n:{label} {{key: $key}}) ON CREATE SET n.name = $name "
                    f"MERGE (p)-[x:{rel.type}]->(n) SET x.sources = [$source], "
                    "x.extractor = $extractor, x.confidence = $confidence, x.updated_at = $at",
                    pid=p.product_id, title=p.props["title"], key=rel.key, name=rel.name,
                    source=f"product:{p.product_id}", extractor=rel.extractor,
                    confidence=rel.confidence, at=p.occurred_at)).consume()
                written += 1
        for r in reviews:
            await (await session.run(
                "MERGE (p:Product {key: $pid}) MERGE (r:Review {key: $rid}) "
                "MERGE (r)-[x:REVIEWS]->(p) SET x.sources = [$source], x.updated_at = $at",
                pid=r.product_id, rid=r.review_id, source=f"review:{r.review_id}",
                at=r.occurred_at)).consume()
            written += 1
            for o in r.opinions:
                await (await session.run(
                    "MATCH (r:Review {key: $rid}) MERGE (a:Aspect {key: $aspect}) "
                    "MERGE (r)-[x:OPINION]->(a) SET x.polarity = $polarity, x.score = $score, "
                    "x.sources = [$source], x.updated_at = $at",
                    rid=r.review_id, aspect=o.aspect_key, polarity=o.polarity, score=o.score,
                    source=f"review:{r.review_id}", at=r.occurred_at)).consume()
                await (await session.run(
                    "MATCH (p:Product {key: $pid}), (a:Aspect {key: $aspect}) "
                    "MERGE (p)-[h:HAS_ASPECT]->(a) "
                    "SET h.support = coalesce(h.support, 0) + 1, "
                    "h.positive = coalesce(h.positive, 0) + $pos, "
                    "h.negative = coalesce(h.negative, 0) + $neg, "
                    "h.score_sum = coalesce(h.score_sum, 0.0) + $score, h.updated_at = $at",
                    pid=r.product_id, aspect=o.aspect_key, pos=int(o.polarity == "positive"),
                    neg=int(o.polarity == "negative"), score=o.score,
                    at=r.occurred_at)).consume()
                written += 2
    await driver.close()
    return written, time.perf_counter() - start


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--reviews-per-product", type=int, default=5)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--baseline-products", type=int, default=300,
                        help="the per-row baseline is slow: it writes this many products' share")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print("NEO4J_URI is not set (eval \"$(bash deploy/local/infra.sh env)\")", file=sys.stderr)
        return 2
    products, reviews = catalogue(args.products, args.reviews_per_product)
    n_base = args.baseline_products
    base_products = [replace_ids(p, "base") for p in products[:n_base]]
    base_reviews = [replace_ids(r, "base") for r in reviews[: n_base * args.reviews_per_product]]

    store = Neo4jGraphStore(uri)
    await store.start()
    await store.clear()
    # Warm both paths (query planning) on a small slice that is then cleared.
    await batched(store, products[:20], reviews[:100], args.batch)
    await per_row(uri, base_products[:5], base_reviews[:10])
    await store.clear()

    b_rel, b_s = await batched(store, products, reviews, args.batch)
    stats = await store.stats()
    await store.clear()
    r_rel, r_s = await per_row(uri, base_products, base_reviews)
    await store.clear()
    await store.close()

    b_rate, r_rate = b_rel / b_s, r_rel / r_s
    ratio = b_rate / r_rate
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        f"kg ingest on Neo4j ({uri}), {platform.machine()} x{os.cpu_count()} cores, "
        f"load average {load:.1f} at the end",
        f"batched  (UNWIND+MERGE, {args.batch}/tx): {b_rel:>7} relations in {b_s:6.2f} s = "
        f"{b_rate:>9,.0f} relations/s   ({len(products)} products, {len(reviews)} reviews; "
        f"graph: {stats['total_nodes']} nodes, {stats['total_relations']} relations)",
        f"per-row  (1 MERGE per tx)        : {r_rel:>7} relations in {r_s:6.2f} s = "
        f"{r_rate:>9,.0f} relations/s   ({len(base_products)} products, "
        f"{len(base_reviews)} reviews)",
        f"ratio batched / per-row: {ratio:.1f}x  (goal >= 10x)",
    ]
    print("\n".join(lines))
    if not args.no_readme:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_results(HERE / "README.md",
                      f"Last run ({when}):\n\n```\n" + "\n".join(lines) + "\n```",
                      title="kg_ingest")
    return 0


def replace_ids(fact, prefix: str):  # type: ignore[no-untyped-def]
    """The baseline writes its own copies so both paths start from an empty graph."""
    from dataclasses import replace

    if isinstance(fact, ProductFacts):
        return replace(fact, product_id=f"{prefix}-{fact.product_id}")
    return replace(fact, review_id=f"{prefix}-{fact.review_id}",
                   product_id=f"{prefix}-{fact.product_id}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
