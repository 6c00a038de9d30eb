"""Project data as docgen reads it from the projects service (and insights from kg)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    # Upstream may add fields; docgen reads what it needs and ignores the rest.
    model_config = ConfigDict(extra="ignore")


class ProjectIn(_In):
    id: str
    name: str
    description: str = ""
    status: str = "planned"
    start_date: date | None = None
    target_date: date | None = None
    version: int = 0


class MilestoneIn(_In):
    id: str
    name: str
    description: str = ""
    status: str = "open"
    start_date: date | None = None
    due_date: date | None = None


class TaskIn(_In):
    id: str
    number: int
    milestone_id: str | None = None
    title: str
    description: str = ""
    status: str
    priority: str = "none"
    estimate_hours: float | None = None
    assignee_id: str | None = None
    labels: list[str] = Field(default_factory=list)
    start_date: date | None = None
    due_date: date | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class MemberIn(_In):
    id: str
    name: str
    role: str = ""
    skills: list[str] = Field(default_factory=list)
    weekly_capacity_hours: float = 40.0


class DependencyIn(_In):
    predecessor_id: str
    successor_id: str
    lag_days: int = 0


class TaskTimingIn(_In):
    task_id: str
    projected_start: date | None = None
    projected_finish: date | None = None
    slack_days: int = 0
    critical: bool = False
    late: bool = False


class ScheduleIn(_In):
    as_of: date | None = None
    start: date | None = None
    finish: date | None = None
    critical_path: list[str] = Field(default_factory=list)
    tasks: list[TaskTimingIn] = Field(default_factory=list)


class MilestoneProgressIn(_In):
    milestone_id: str | None = None
    name: str = ""
    task_count: int = 0
    percent_done: float = 0.0


class ProgressIn(_In):
    percent_done: float
    done_hours: float = 0.0
    total_hours: float = 0.0
    task_count: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    milestones: list[MilestoneProgressIn] = Field(default_factory=list)


class RiskFlagIn(_In):
    type: str
    severity: str = "medium"
    entity_type: str = "task"
    entity_id: str = ""
    title: str = ""
    message: str = ""


class Risk(BaseModel):
    """A risk flag: from the projects service when it offers them, else derived here."""

    kind: str
    severity: str  # "high" | "medium" | "low"
    message: str
    task_numbers: list[int] = Field(default_factory=list)
    milestone_id: str | None = None
    source: str = "docgen"  # "projects" | "docgen"


class NegativeAspect(BaseModel):
    aspect: str
    negative: int = 0
    total: int = 0
    share: float | None = None
    examples: list[str] = Field(default_factory=list)


class Insights(BaseModel):
    product_line: str | None = None
    negative_aspects: list[NegativeAspect] = Field(default_factory=list)
    source: str = "none"  # "kg" | "request" | "none"
    note: str | None = None


class ProjectSnapshot(BaseModel):
    """Everything a document may cite, read at one point in time."""

    project: ProjectIn
    milestones: list[MilestoneIn]
    tasks: list[TaskIn]
    members: list[MemberIn]
    dependencies: list[DependencyIn] = Field(default_factory=list)
    schedule: ScheduleIn | None = None
    progress: ProgressIn | None = None
    risk_flags: list[RiskFlagIn] | None = None  # None: projects offers no risk flags
    fetched_at: datetime

    def task_by_number(self) -> dict[int, TaskIn]:
        return {t.number: t for t in self.tasks}

    def task_by_id(self) -> dict[str, TaskIn]:
        return {t.id: t for t in self.tasks}

    def member_by_id(self) -> dict[str, MemberIn]:
        return {m.id: m for m in self.members}

    def milestone_by_id(self) -> dict[str, MilestoneIn]:
        return {m.id: m for m in self.milestones}
