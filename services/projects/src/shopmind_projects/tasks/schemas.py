"""Tasks as the API takes and gives them, and their status workflow."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

TaskStatus = Literal["backlog", "todo", "in_progress", "in_review", "blocked", "done",
                     "cancelled"]
Priority = Literal["none", "low", "medium", "high", "urgent"]

STATUS_ORDER = ("backlog", "todo", "blocked", "in_progress", "in_review", "done", "cancelled")
PRIORITY_ORDER = ("none", "low", "medium", "high", "urgent")
OPEN_STATUSES = frozenset({"backlog", "todo", "in_progress", "in_review", "blocked"})
CLOSED_STATUSES = frozenset({"done", "cancelled"})
NOT_STARTED = frozenset({"backlog", "todo", "blocked"})
# Statuses that need every finish-to-start predecessor closed first.
NEEDS_PREDECESSORS_CLOSED = frozenset({"in_progress", "in_review", "done"})

TASK_TRANSITIONS: dict[str, frozenset[str]] = {
    "backlog": frozenset({"todo", "in_progress", "cancelled"}),
    "todo": frozenset({"backlog", "in_progress", "blocked", "cancelled"}),
    "in_progress": frozenset({"todo", "in_review", "blocked", "done", "cancelled"}),
    "in_review": frozenset({"in_progress", "done", "cancelled"}),
    "blocked": frozenset({"todo", "in_progress", "cancelled"}),
    "done": frozenset({"in_progress"}),  # reopen
    "cancelled": frozenset({"backlog", "todo"}),  # restore
}

TASK_SORTS = ("number", "title", "status", "priority", "estimate_hours", "start_date",
              "due_date", "created_at", "updated_at")

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Description = Annotated[str, StringConstraints(max_length=50_000)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1,
                                         max_length=100)]
Labels = Annotated[list[Label], Field(max_length=30)]
Estimate = Annotated[float, Field(ge=0, le=10_000, description="hours of work")]


def _dedupe(labels: list[str] | None) -> list[str] | None:
    return None if labels is None else sorted(set(labels))


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    status: Literal["backlog", "todo"] = "todo"
    priority: Priority = "none"
    estimate_hours: Estimate | None = None
    assignee_id: str | None = Field(default=None, max_length=36)
    milestone_id: str | None = Field(default=None, max_length=36)
    labels: Labels = Field(default_factory=list)
    start_date: date | None = None
    due_date: date | None = None

    _dedupe = field_validator("labels")(_dedupe)


class TaskUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    estimate_hours: Estimate | None = None
    assignee_id: str | None = Field(default=None, max_length=36)
    milestone_id: str | None = Field(default=None, max_length=36)
    labels: Labels | None = None
    start_date: date | None = None
    due_date: date | None = None

    _dedupe = field_validator("labels")(_dedupe)


class TaskOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    number: int
    milestone_id: str | None
    title: str
    description: str
    status: str
    priority: str
    estimate_hours: float | None
    assignee_id: str | None
    labels: list[str]
    start_date: date | None
    due_date: date | None
    started_at: datetime | None
    completed_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class TaskFilters(BaseModel):
    statuses: list[TaskStatus] = Field(default_factory=list)
    priorities: list[Priority] = Field(default_factory=list)
    assignee_id: str | None = None  # "none" = unassigned
    milestone_id: str | None = None  # "none" = no milestone
    labels: list[str] = Field(default_factory=list)  # any of them
    q: str | None = None
    due_before: date | None = None
    due_after: date | None = None
    updated_since: datetime | None = None
    open_only: bool = False
