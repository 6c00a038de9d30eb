"""What the proofreader reports."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Issue(BaseModel):
    code: str  # task_unknown, task_mismatch, milestone_unknown, member_unknown, date_unknown...
    message: str
    line: int
    excerpt: str


class Citations(BaseModel):
    tasks: list[int] = Field(default_factory=list, description="task numbers")
    milestones: list[str] = Field(default_factory=list, description="milestone ids")
    members: list[str] = Field(default_factory=list, description="member ids")
    dates: list[str] = Field(default_factory=list, description="ISO dates")


class ProofReport(BaseModel):
    ok: bool
    issues: list[Issue]
    citations: Citations
