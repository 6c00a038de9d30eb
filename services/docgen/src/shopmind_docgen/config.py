"""Settings of the docgen service."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from shopmind_common.models import ModelSettings
from shopmind_common.settings import ServiceSettings

Language = Literal["en", "zh"]


class DocgenSettings(ServiceSettings, ModelSettings):
    """Service settings plus the shared model layer's (LLM_BACKEND, LLM_MODEL_PATH, ...)."""

    service_name: str = "docgen"

    # Jobs: how many documents are produced at once in this process. Generation runs one
    # prompt at a time per model anyway, so more workers only overlap the REST reads.
    job_workers: int = Field(default=1, alias="DOCGEN_JOB_WORKERS", ge=1, le=32)
    job_timeout_s: float = Field(default=900.0, alias="DOCGEN_JOB_TIMEOUT_S", gt=0)
    max_requirement_chars: int = Field(default=20_000, alias="DOCGEN_MAX_REQUIREMENT_CHARS",
                                       ge=100)
    # Upper bounds on what one document reads from projects (a bigger project is refused
    # with 422 rather than rendered half).
    max_tasks: int = Field(default=2_000, alias="DOCGEN_MAX_TASKS", ge=1)
    projects_page_size: int = Field(default=200, alias="DOCGEN_PROJECTS_PAGE_SIZE", ge=1,
                                    le=1000)
    upstream_timeout_s: float = Field(default=10.0, alias="DOCGEN_UPSTREAM_TIMEOUT_S", gt=0)

    # Prose sections: tokens per section, and which languages the configured model writes.
    # Unset means: the packaged SmolLM2 writes English only (its Chinese is poor), any other
    # backend writes both. Sections in other languages use the deterministic writer.
    prose_max_tokens: int = Field(default=120, alias="DOCGEN_PROSE_MAX_TOKENS", ge=8, le=4096)
    prose_languages: list[Language] | None = Field(default=None, alias="DOCGEN_PROSE_LANGUAGES")

    # Optional KG insights (a product line's most negative aspects) for a PRD.
    kg_enabled: bool = Field(default=True, alias="DOCGEN_KG_ENABLED")
    kg_insights_limit: int = Field(default=5, alias="DOCGEN_KG_INSIGHTS_LIMIT", ge=1, le=50)

    # Freshness: a task change schedules its project's status reports to be regenerated
    # this long after the last change (changes in between are folded into one refresh).
    refresh_enabled: bool = Field(default=True, alias="DOCGEN_REFRESH_ENABLED")
    refresh_debounce_s: float = Field(default=30.0, alias="DOCGEN_REFRESH_DEBOUNCE_S", ge=0)
    refresh_poll_s: float = Field(default=1.0, alias="DOCGEN_REFRESH_POLL_S", gt=0)
    refresh_group: str = Field(default="docgen-refresh", alias="DOCGEN_REFRESH_GROUP")

    def model_languages(self) -> set[str]:
        if self.llm_backend == "none":
            return set()
        if self.prose_languages is not None:
            return set(self.prose_languages)
        return {"en"} if self.llm_backend == "builtin" else {"en", "zh"}
