"""Proposed tasks from a requirement paragraph, and accepting them."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shopmind_projects.dependencies.schemas import DependencyOut
from shopmind_projects.tasks.schemas import Description, Estimate, Labels, Priority, TaskOut, Title


class FromTextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=100_000)]
    use_model: bool = Field(default=True, description="try the nlp service's generator first")
    max_tasks: int | None = Field(default=None, ge=1, le=200)


class ProposedTask(BaseModel):
    index: int
    title: str
    description: str
    estimate_hours: float
    labels: list[str]
    depends_on: list[int]  # indexes of earlier proposals
    basis: str  # why this estimate


class FromTextOut(BaseModel):
    project_id: str
    source: Literal["model", "rules"]
    language: str
    goals: list[str]
    tasks: list[ProposedTask]
    total_estimate_hours: float
    notes: list[str]


class AcceptedTaskIn(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a proposal can be sent back as it came

    title: Title
    description: Description = ""
    estimate_hours: Estimate | None = None
    labels: Labels = Field(default_factory=list)
    priority: Priority = "none"
    assignee_id: str | None = Field(default=None, max_length=36)
    milestone_id: str | None = Field(default=None, max_length=36)
    start_date: date | None = None
    due_date: date | None = None
    depends_on: list[Annotated[int, Field(ge=0)]] = Field(default_factory=list, max_length=100)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: Annotated[list[AcceptedTaskIn], Field(min_length=1, max_length=200)]
    milestone_id: str | None = Field(default=None, max_length=36,
                                     description="for every task that names none")


class AcceptOut(BaseModel):
    project_id: str
    tasks: list[TaskOut]
    dependencies: list[DependencyOut]
