"""Documents, versions and diffs as the API gives them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from shopmind_docgen.proofreading.schemas import ProofReport


class DocumentOut(BaseModel):
    id: str
    project_id: str
    type: str
    language: str
    variant: str
    title: str
    latest_version: int
    created_at: datetime
    updated_at: datetime


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    total: int
    limit: int
    offset: int
    next_offset: int | None


class VersionSummary(BaseModel):
    document_id: str
    version: int
    created_at: datetime
    trigger: str
    job_id: str | None
    content_hash: str


class VersionOut(VersionSummary):
    markdown: str
    proofreading: ProofReport
    generation: dict[str, Any] = Field(description="per prose section: model or template")
    source: dict[str, Any] = Field(description="what the document was rendered from")


class DiffStats(BaseModel):
    added: int
    removed: int
    sections_changed: list[str]


class DiffOut(BaseModel):
    document_id: str
    from_version: int
    to_version: int
    stats: DiffStats
    unified: str
