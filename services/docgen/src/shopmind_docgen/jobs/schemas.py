"""Jobs as the API takes and gives them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shopmind_docgen.proofreading.schemas import ProofReport

DocType = Literal["plan", "prd", "design", "status", "release_notes"]
Language = Literal["en", "zh"]
JobStatus = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class AspectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aspect: str = Field(min_length=1, max_length=200)
    negative: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)
    examples: list[str] = Field(default_factory=list, max_length=3)


class JobCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: DocType
    project_id: str = Field(min_length=1, max_length=36)
    language: Language = "en"
    requirement: str = Field(default="", description="free requirement text (plan, PRD)")
    product_line: str | None = Field(
        default=None, min_length=1, max_length=200,
        description="PRD: read this product line's most negative aspects from kg")
    product_ids: list[str] | None = Field(
        default=None, max_length=50,
        description="PRD: aggregate these products' aspect sentiment from kg")
    pain_points: list[AspectIn] | None = Field(
        default=None, max_length=50,
        description="PRD: user pain points given directly (instead of kg)")
    milestone_id: str | None = Field(default=None, min_length=1, max_length=36,
                                     description="release notes: the milestone released")
    as_of: date | None = Field(default=None, description="the day the document speaks from")
    since: date | None = Field(default=None,
                               description="status / release notes: start of the period")
    on_unverified_prose: Literal["fail", "replace"] = Field(
        default="fail",
        description="model prose that cites something nonexistent fails the document "
                    "(fail) or is replaced by the deterministic text (replace)")


class JobLinks(BaseModel):
    self: str
    events: str
    document: str | None = None
    draft: str | None = None


class JobOut(BaseModel):
    id: str
    status: JobStatus
    type: DocType
    project_id: str
    language: Language
    trigger: str
    progress: float
    stage: str
    cancel_requested: bool
    document_id: str | None
    version: int | None
    unchanged: bool = Field(description="the text equals the latest version; none was added")
    error: dict[str, Any] | None
    proofreading: ProofReport | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: JobLinks


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None
