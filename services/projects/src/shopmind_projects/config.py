"""Settings of the projects service."""

from __future__ import annotations

from pydantic import Field
from shopmind_common.settings import ServiceSettings


class ProjectsSettings(ServiceSettings):
    service_name: str = "projects"

    # Writes without If-Match are accepted unless this is on (then 428).
    require_if_match: bool = Field(default=False, alias="PROJECTS_REQUIRE_IF_MATCH")
    # How long a stored Idempotency-Key answers a retried create.
    idempotency_ttl_s: int = Field(default=86_400, alias="PROJECTS_IDEMPOTENCY_TTL_S", ge=60)
    default_page_size: int = Field(default=50, alias="PROJECTS_DEFAULT_PAGE_SIZE", ge=1, le=1000)
    max_page_size: int = Field(default=200, alias="PROJECTS_MAX_PAGE_SIZE", ge=1, le=1000)

    outbox_interval_s: float = Field(default=0.1, alias="PROJECTS_OUTBOX_INTERVAL_S", gt=0)
    outbox_batch_size: int = Field(default=200, alias="PROJECTS_OUTBOX_BATCH_SIZE", ge=1)

    # The nlp service (keywords, embeddings, generation); absent or failing means
    # the deterministic lexical fallbacks, retried after the cool-down.
    nlp_enabled: bool = Field(default=True, alias="PROJECTS_NLP_ENABLED")
    nlp_timeout_s: float = Field(default=3.0, alias="PROJECTS_NLP_TIMEOUT_S", gt=0)
    # Generation takes longer than a keyword or embedding call.
    nlp_generate_timeout_s: float = Field(default=60.0, alias="PROJECTS_NLP_GENERATE_TIMEOUT_S",
                                          gt=0)
    nlp_cooldown_s: float = Field(default=30.0, alias="PROJECTS_NLP_COOLDOWN_S", ge=0)
    nlp_generate_max_tokens: int = Field(default=512, alias="PROJECTS_NLP_GENERATE_MAX_TOKENS",
                                         ge=16)

    # A task without an estimate occupies this many working days in projections.
    unestimated_task_days: int = Field(default=1, alias="PROJECTS_UNESTIMATED_TASK_DAYS", ge=0)
    from_text_max_chars: int = Field(default=8_000, alias="PROJECTS_FROM_TEXT_MAX_CHARS", ge=100)
    from_text_max_tasks: int = Field(default=50, alias="PROJECTS_FROM_TEXT_MAX_TASKS", ge=1)
