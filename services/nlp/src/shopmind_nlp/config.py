"""Settings of the nlp service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from shopmind_common.models import ModelSettings
from shopmind_common.settings import ServiceSettings

SentimentBackendName = Literal["builtin", "transformers"]


class NlpSettings(ServiceSettings, ModelSettings):
    """Service settings plus the shared model layer's (LLM_BACKEND, MODEL_DEVICE, ...)."""

    service_name: str = "nlp"

    # Request limits: beyond them a request gets 413 (batch) or 422 (text), naming the limit.
    max_batch: int = Field(default=256, alias="NLP_MAX_BATCH", ge=1)
    max_text_chars: int = Field(default=5000, alias="NLP_MAX_TEXT_CHARS", ge=1)
    max_candidates: int = Field(default=1000, alias="NLP_MAX_CANDIDATES", ge=1)
    max_train_texts: int = Field(default=50000, alias="NLP_MAX_TRAIN_TEXTS", ge=10)
    gen_max_tokens: int = Field(default=512, alias="NLP_GEN_MAX_TOKENS", ge=1)
    gen_max_prompts: int = Field(default=8, alias="NLP_GEN_MAX_PROMPTS", ge=1)

    # Which sentiment model answers a request that names none while no trained
    # version is active (an active trained version answers such requests);
    # `transformers` is the checkpoint at NLP_SENTIMENT_MODEL_PATH.
    sentiment_backend: SentimentBackendName = Field(default="builtin",
                                                    alias="NLP_SENTIMENT_BACKEND")
    sentiment_model_path: str | None = Field(default=None, alias="NLP_SENTIMENT_MODEL_PATH")
    sentiment_batch_max: int = Field(default=32, alias="NLP_SENTIMENT_BATCH_MAX", ge=1)
    sentiment_batch_wait_ms: float = Field(default=5.0, alias="NLP_SENTIMENT_BATCH_WAIT_MS", ge=0)
    # snownlp's own (slow) segmenter instead of its model over jieba tokens.
    snownlp_exact: bool = Field(default=False, alias="NLP_SNOWNLP_EXACT")

    # Processes that run the lexical analysis (jieba, snownlp, spaCy, VADER) of batch
    # requests and the Kafka stage, forked once those models are loaded so they share
    # them copy-on-write. Unset: the CPUs this container may use (its cgroup quota),
    # 0 on one CPU. 0 or 1: analyse in the service process.
    analyze_workers: int | None = Field(default=None, alias="NLP_ANALYZE_WORKERS", ge=0)

    embed_threads: int = Field(default=2, alias="NLP_EMBED_THREADS", ge=1)
    load_english: bool = Field(default=True, alias="NLP_LOAD_ENGLISH")
    load_embeddings: bool = Field(default=True, alias="NLP_LOAD_EMBEDDINGS")

    # Kafka stage
    enrich_group: str = Field(default="nlp-enrichment", alias="NLP_ENRICH_GROUP")
    enrich_max_batch: int = Field(default=200, alias="NLP_ENRICH_MAX_BATCH", ge=1)
    enrich_keywords: int = Field(default=8, alias="NLP_ENRICH_KEYWORDS", ge=0)

    def analysis_workers(self) -> int:
        """Worker processes for analysis: the setting, else the CPU quota; 0 = in-process."""
        n = self.analyze_workers if self.analyze_workers is not None else cpu_quota()
        return n if n >= 2 else 0


def cpu_quota() -> int:
    """Whole CPUs this process may use: the cgroup CPU quota if set, else its CPU affinity."""
    import math
    import os
    from pathlib import Path

    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    quota: float | None = None
    try:  # cgroup v2: "<quota> <period>" or "max <period>"
        raw, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if raw != "max":
            quota = int(raw) / int(period)
    except (OSError, ValueError):
        try:  # cgroup v1
            q = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
            p = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
            if q > 0 and p > 0:
                quota = q / p
        except (OSError, ValueError):
            pass
    if quota is not None:
        available = min(available, max(1, math.floor(quota)))
    return max(1, available)
