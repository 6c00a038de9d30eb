"""Projects as the API takes and gives them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

ProjectStatus = Literal["planned", "active", "on_hold", "completed", "archived"]
PROJECT_SORTS = ("name", "status", "start_date", "target_date", "created_at", "updated_at")

# The workflow: which status may follow which.
PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"active", "on_hold", "archived"}),
    "active": frozenset({"on_hold", "completed", "archived"}),
    "on_hold": frozenset({"active", "archived"}),
    "completed": frozenset({"active", "archived"}),
    "archived": frozenset({"active"}),
}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=20_000)]
WorkDays = Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)]


def _work_days(value: list[int] | None) -> list[int] | None:
    if value is None:
        return None
    if len(set(value)) != len(value):
        raise ValueError("work_days must not repeat a weekday")
    return sorted(value)


class ProjectCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""
    status: Literal["planned", "active"] = "planned"
    start_date: date | None = None
    target_date: date | None = None
    work_days: WorkDays = Field(default_factory=lambda: [1, 2, 3, 4, 5],
                                description="ISO weekdays the team works (1 = Monday)")
    hours_per_day: float = Field(default=8.0, gt=0, le=24)

    _check_days = field_validator("work_days")(_work_days)


class ProjectUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    description: Description | None = None
    status: ProjectStatus | None = None
    start_date: date | None = None
    target_date: date | None = None
    work_days: WorkDays | None = None
    hours_per_day: float | None = Field(default=None, gt=0, le=24)

    _check_days = field_validator("work_days")(_work_days)


class ProjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    description: str
    status: str
    start_date: date | None
    target_date: date | None
    work_days: list[int]
    hours_per_day: float
    version: int
    created_at: datetime
    updated_at: datetime
