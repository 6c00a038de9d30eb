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

    embed_threads: int = Field(default=2, alias="NLP_EMBED_THREADS", ge=1)
    load_english: bool = Field(default=True, alias="NLP_LOAD_ENGLISH")
    load_embeddings: bool = Field(default=True, alias="NLP_LOAD_EMBEDDINGS")

    # Kafka stage
    enrich_group: str = Field(default="nlp-enrichment", alias="NLP_ENRICH_GROUP")
    enrich_max_batch: int = Field(default=200, alias="NLP_ENRICH_MAX_BATCH", ge=1)
    enrich_keywords: int = Field(default=8, alias="NLP_ENRICH_KEYWORDS", ge=0)
