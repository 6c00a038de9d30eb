"""Progress, burndown and risk flags."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel


class MilestoneProgress(BaseModel):
    milestone_id: str | None
    name: str
    task_count: int
    done_hours: float
    total_hours: float
    percent_done: float


class ProgressOut(BaseModel):
    project_id: str
    percent_done: float  # of estimated hours done (unestimated tasks weigh a default day)
    done_hours: float
    total_hours: float
    task_count: int
    by_status: dict[str, int]
    milestones: list[MilestoneProgress]


class BurndownPoint(BaseModel):
    date: date
    remaining_hours: float | None  # None for days still ahead
    scope_hours: float | None
    ideal_hours: float


class BurndownOut(BaseModel):
    project_id: str
    milestone_id: str
    start: date
    end: date
    unit: Literal["hours"] = "hours"
    points: list[BurndownPoint]


RiskType = Literal["overdue", "blocked", "over_capacity", "milestone_late", "projected_late"]


class RiskFlag(BaseModel):
    type: RiskType
    severity: Literal["high", "medium", "low"]
    entity_type: Literal["task", "member", "milestone"]
    entity_id: str
    title: str
    message: str
    details: dict[str, Any]


class RisksOut(BaseModel):
    project_id: str
    as_of: date
    counts: dict[str, int]
    flags: list[RiskFlag]
