"""The projected schedule of a project."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class TaskTiming(BaseModel):
    task_id: str
    number: int
    title: str
    status: str
    duration_days: int
    projected_start: date
    projected_finish: date  # the last working day of the task (inclusive)
    latest_start: date
    latest_finish: date
    slack_days: int
    critical: bool
    start_date: date | None  # as planned
    due_date: date | None
    late: bool  # projected to finish after its due date


class ScheduleOut(BaseModel):
    project_id: str
    as_of: date
    start: date | None
    finish: date | None
    duration_days: int
    critical_path: list[str]
    tasks: list[TaskTiming]


class RescheduledTask(BaseModel):
    task_id: str
    number: int
    start_date: dict[str, date | None]
    due_date: dict[str, date | None]


class RescheduleOut(BaseModel):
    project_id: str
    as_of: date
    rescheduled: list[RescheduledTask]
