"""Milestones: dated goals that group tasks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

MilestoneStatus = Literal["open", "closed"]
MILESTONE_SORTS = ("name", "start_date", "due_date", "status", "created_at", "updated_at")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=20_000)]


class MilestoneCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""
    status: MilestoneStatus = "open"
    start_date: date | None = None
    due_date: date | None = None


class MilestoneUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    status: MilestoneStatus | None = None
    start_date: date | None = None
    due_date: date | None = None


class MilestoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    name: str
    description: str
    status: str
    start_date: date | None
    due_date: date | None
    version: int
    created_at: datetime
    updated_at: datetime
