"""Projected dates, the critical path, and moving successors when a predecessor slips.

Durations come from estimates (hours / the project's hours per day, rounded up;
an unestimated task takes PROJECTS_UNESTIMATED_TASK_DAYS). A planned
`start_date` means "not before"; `due_date` is a commitment the projection is
checked against, not an input. Work not yet started cannot start before
`as_of` (today), started work keeps its actual start, finished work its actual
finish, and cancelled tasks drop out of the graph.

When a task's projection moves later (a bigger estimate, a later start, a late
finish, a new dependency or lag), every not-yet-started task downstream whose
planned dates no longer fit is moved forward by the slip, keeping its planned
length in working days; nothing is ever pulled earlier automatically.
"""

from __future__ import annotations

import math
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.db.models import Project, Task, TaskDependency, utcnow
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling import repository
from shopmind_projects.scheduling.calendar import WorkCalendar
from shopmind_projects.scheduling.cpm import Edge, Node, Schedule, compute
from shopmind_projects.scheduling.schemas import (
    RescheduledTask,
    RescheduleOut,
    ScheduleOut,
    TaskTiming,
)
from shopmind_projects.tasks import events as task_events
from shopmind_projects.tasks.schemas import NOT_STARTED, OPEN_STATUSES


def today() -> date:
    return datetime.now(UTC).date()


@dataclass
class Plan:
    """A project's graph and its computed schedule."""

    project: Project
    tasks: dict[str, Task]
    dependencies: list[TaskDependency]
    calendar: WorkCalendar
    as_of: date
    schedule: Schedule
    durations: dict[str, int]
    unestimated_days: int

    def hours_of(self, task: Task) -> float:
        return task_hours(task, self.project.hours_per_day, self.unestimated_days)

    def weekly_load(self, *, start: date | None = None, exclude: Iterable[str] = ()
                    ) -> dict[str, tuple[float, list[str]]]:
        """Hours each assignee has scheduled in the 7 days from `start` (default `as_of`),
        spread evenly over each task's projected working days; id -> (hours, task ids)."""
        skip = set(exclude)
        first = start or self.as_of
        window_start = self.calendar.to_offset(first)
        window_end = self.calendar.to_offset(first + timedelta(days=7))
        load: dict[str, tuple[float, list[str]]] = {}
        for tid, task in self.tasks.items():
            if tid in skip or task.assignee_id is None or task.status not in OPEN_STATUSES:
                continue
            t = self.schedule.timings[tid]
            span = t.early_finish - t.early_start
            overlap = min(t.early_finish, window_end) - max(t.early_start, window_start)
            if span <= 0 or overlap <= 0:
                continue
            hours, ids = load.get(task.assignee_id, (0.0, []))
            load[task.assignee_id] = (hours + self.hours_of(task) * overlap / span, [*ids, tid])
        return load

    def start_of(self, task_id: str) -> date:
        return self.calendar.to_date(self.schedule.timings[task_id].early_start)

    def finish_of(self, task_id: str) -> date:
        t = self.schedule.timings[task_id]
        return self.calendar.to_date(max(t.early_finish - 1, t.early_start))

    def successors_of(self, task_ids: Iterable[str]) -> list[str]:
        """Every task downstream of these (not these themselves), in schedule order."""
        succ: dict[str, list[str]] = defaultdict(list)
        for dep in self.dependencies:
            succ[dep.predecessor_id].append(dep.successor_id)
        seen: set[str] = set()
        queue = deque(task_ids)
        while queue:
            for nxt in succ[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
        return [t for t in self.schedule.order if t in seen]


def task_hours(task: Task, hours_per_day: float, unestimated_days: int) -> float:
    """A task's weight: its estimate, or the default duration's hours when unestimated."""
    if task.estimate_hours is not None:
        return float(task.estimate_hours)
    return hours_per_day * unestimated_days


def duration_days(task: Task, hours_per_day: float, unestimated_days: int) -> int:
    if task.estimate_hours is None:
        return unestimated_days
    return math.ceil(task.estimate_hours / hours_per_day - 1e-9)


def build_plan(project: Project, tasks: list[Task], deps: list[TaskDependency], *,
               as_of: date, unestimated_days: int) -> Plan:
    cal = WorkCalendar(project.start_date or as_of, project.work_days)
    live = {t.id: t for t in tasks if t.status != "cancelled"}
    now = cal.to_offset(as_of)
    nodes: list[Node] = []
    durations: dict[str, int] = {}
    for task in live.values():
        dur = duration_days(task, project.hours_per_day, unestimated_days)
        durations[task.id] = dur
        if task.status == "done" and task.completed_at is not None:
            finish = cal.to_offset(task.completed_at.date()) + 1
            start = (cal.to_offset(task.started_at.date()) if task.started_at
                     else finish - max(dur, 1))
            nodes.append(Node(task.id, dur, actual_start=min(start, finish),
                              actual_finish=finish))
        elif task.status in ("in_progress", "in_review") and task.started_at is not None:
            nodes.append(Node(task.id, dur, actual_start=cal.to_offset(task.started_at.date()),
                              finish_not_before=now + 1))
        else:
            nodes.append(Node(task.id, dur, not_before=(
                cal.to_offset(task.start_date) if task.start_date else None)))
    edges = [Edge(d.predecessor_id, d.successor_id, d.lag_days) for d in deps
             if d.predecessor_id in live and d.successor_id in live]
    schedule = compute(nodes, edges, start=max(0, now))
    return Plan(project=project, tasks=live, dependencies=deps, calendar=cal, as_of=as_of,
                schedule=schedule, durations=durations, unestimated_days=unestimated_days)


class SchedulingService:
    def __init__(self, unestimated_days: int = 1) -> None:
        self.unestimated_days = unestimated_days

    async def plan(self, session: AsyncSession, project: Project, *, as_of: date | None = None,
                   with_labels: bool = False) -> Plan:
        tasks = await repository.tasks(session, project.id, with_labels=with_labels)
        deps = await repository.dependencies(session, project.id)
        return build_plan(project, tasks, deps, as_of=as_of or today(),
                          unestimated_days=self.unestimated_days)

    async def schedule(self, session: AsyncSession, project_id: str,
                       as_of: date | None) -> ScheduleOut:
        project = await projects.get_row(session, project_id)
        return self.describe(await self.plan(session, project, as_of=as_of))

    def describe(self, plan: Plan) -> ScheduleOut:
        cal, sched = plan.calendar, plan.schedule
        rows = []
        for tid in sched.order:
            task, t = plan.tasks[tid], sched.timings[tid]
            finish = plan.finish_of(tid)
            rows.append(TaskTiming(
                task_id=tid, number=task.number, title=task.title, status=task.status,
                duration_days=plan.durations[tid], projected_start=plan.start_of(tid),
                projected_finish=finish, latest_start=cal.to_date(t.late_start),
                latest_finish=cal.to_date(max(t.late_finish - 1, t.late_start)),
                slack_days=t.slack, critical=tid in sched.critical and task.status != "done",
                start_date=task.start_date, due_date=task.due_date,
                late=task.due_date is not None and finish > task.due_date,
            ))
        rows.sort(key=lambda r: (r.projected_start, r.number))
        starts = [r.projected_start for r in rows]
        return ScheduleOut(
            project_id=plan.project.id, as_of=plan.as_of,
            start=min(starts) if starts else None,
            finish=max((r.projected_finish for r in rows), default=None),
            duration_days=(sched.finish - min(t.early_start for t in sched.timings.values())
                           if rows else 0),
            critical_path=sched.critical_path, tasks=rows,
        )

    async def reschedule_successors(self, session: AsyncSession, project: Project,
                                    changed: Iterable[str], *, actor: str,
                                    as_of: date | None = None) -> list[RescheduledTask]:
        """Move not-started successors of `changed` whose planned dates the slip overtook."""
        changed = list(changed)
        plan = await self.plan(session, project, as_of=as_of, with_labels=True)
        return await self._push(session, plan, plan.successors_of(changed), actor=actor,
                                cause=changed)

    async def apply(self, session: AsyncSession, project_id: str, *, actor: str,
                    as_of: date | None) -> RescheduleOut:
        """Push every not-started task whose planned dates the projection overtook."""
        project = await projects.get_row(session, project_id, for_update=True)
        plan = await self.plan(session, project, as_of=as_of, with_labels=True)
        moved = await self._push(session, plan, plan.schedule.order, actor=actor, cause=[])
        return RescheduleOut(project_id=project.id, as_of=plan.as_of, rescheduled=moved)

    async def _push(self, session: AsyncSession, plan: Plan, task_ids: list[str], *,
                    actor: str, cause: list[str]) -> list[RescheduledTask]:
        cal = plan.calendar
        moved: list[RescheduledTask] = []
        events = []
        for tid in task_ids:
            task = plan.tasks.get(tid)
            if task is None or task.status not in NOT_STARTED:
                continue
            start, finish = plan.start_of(tid), plan.finish_of(tid)
            new_start, new_due = task.start_date, task.due_date
            if task.start_date is not None and start > task.start_date:
                shift = cal.to_offset(start) - cal.to_offset(task.start_date)
                new_start = start
                if task.due_date is not None:
                    new_due = cal.add_working_days(task.due_date, shift)
            elif task.start_date is None and task.due_date is not None and finish > task.due_date:
                new_due = finish
            if (new_start, new_due) == (task.start_date, task.due_date):
                continue
            changes = {}
            if new_start != task.start_date:
                changes["start_date"] = {"from": _iso(task.start_date), "to": _iso(new_start)}
            if new_due != task.due_date:
                changes["due_date"] = {"from": _iso(task.due_date), "to": _iso(new_due)}
            moved.append(RescheduledTask(
                task_id=tid, number=task.number,
                start_date={"from": task.start_date, "to": new_start},
                due_date={"from": task.due_date, "to": new_due}))
            task.start_date, task.due_date = new_start, new_due
            task.updated_at = utcnow()
            activity.record(session, project_id=task.project_id, entity_type="task",
                            entity_id=tid, action="rescheduled", actor=actor,
                            changes={**changes, "because_of": cause})
        if moved:
            await session.flush()  # bump versions before the events carry them
            for item in moved:
                task = plan.tasks[item.task_id]
                fields = [f for f in ("start_date", "due_date")
                          if getattr(item, f)["from"] != getattr(item, f)["to"]]
                events.append(task_events.task_changed_event(task, "updated", fields, actor))
            await task_events.stage(session, events)
        return moved


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


scheduling = SchedulingService()
