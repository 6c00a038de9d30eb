"""Progress weighted by estimate, burndown per milestone, and risk flags."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.core.errors import not_found
from shopmind_projects.db.models import Member, Milestone, Project, Task
from shopmind_projects.insights import repository
from shopmind_projects.insights.schemas import (
    BurndownOut,
    BurndownPoint,
    MilestoneProgress,
    ProgressOut,
    RiskFlag,
    RisksOut,
)
from shopmind_projects.milestones import repository as milestones_repo
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling.calendar import WorkCalendar
from shopmind_projects.scheduling.service import Plan, scheduling, task_hours, today
from shopmind_projects.tasks.schemas import OPEN_STATUSES

MAX_BURNDOWN_POINTS = 400
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


def weight(task: Task, project: Project) -> float:
    return task_hours(task, project.hours_per_day, scheduling.unestimated_days)


def _percent(done: float, total: float, done_count: int, count: int) -> float:
    if total > 0:
        return round(100.0 * done / total, 1)
    return round(100.0 * done_count / count, 1) if count else 0.0


class InsightService:
    async def progress(self, session: AsyncSession, project_id: str) -> ProgressOut:
        project = await projects.get_row(session, project_id)
        all_tasks = await repository.tasks(session, project_id)
        milestones = {m.id: m for m in await repository.milestones(session, project_id)}
        by_status = Counter(t.status for t in all_tasks)
        live = [t for t in all_tasks if t.status != "cancelled"]  # cancelled work is no scope
        groups: dict[str | None, list[Task]] = defaultdict(list)
        for task in live:
            groups[task.milestone_id].append(task)

        def summarise(tasks: list[Task]) -> tuple[float, float, int, int]:
            done = [t for t in tasks if t.status == "done"]
            return (sum(weight(t, project) for t in done), sum(weight(t, project) for t in tasks),
                    len(done), len(tasks))

        done_h, total_h, done_n, n = summarise(live)
        per_milestone = []
        for mid in [*milestones, None]:
            tasks = groups.get(mid, [])
            if mid is None and not tasks:
                continue
            d, t, dn, c = summarise(tasks)
            per_milestone.append(MilestoneProgress(
                milestone_id=mid, name=milestones[mid].name if mid else "(no milestone)",
                task_count=c, done_hours=d, total_hours=t, percent_done=_percent(d, t, dn, c)))
        return ProgressOut(project_id=project_id, percent_done=_percent(done_h, total_h, done_n, n),
                           done_hours=done_h, total_hours=total_h, task_count=n,
                           by_status=dict(sorted(by_status.items())), milestones=per_milestone)

    async def burndown(self, session: AsyncSession, project_id: str, milestone_id: str, *,
                       as_of: date | None = None) -> BurndownOut:
        project = await projects.get_row(session, project_id)
        milestone = await milestones_repo.get(session, project_id, milestone_id)
        if milestone is None:
            raise not_found("milestone", milestone_id, "path.milestone_id")
        tasks = [t for t in await repository.milestone_tasks(session, project_id, milestone_id)
                 if t.status != "cancelled"]
        now = as_of or today()
        created = [t.created_at.date() for t in tasks]
        start = milestone.start_date or min(created, default=None) or project.start_date or now
        end = milestone.due_date or max(now, start)
        end = max(end, start)
        cal = WorkCalendar(start, project.work_days)
        days = [cal.to_date(i) for i in range(cal.to_offset(end + timedelta(days=1)))]
        if not days:
            days = [start]
        days = days[-MAX_BURNDOWN_POINTS:]
        weights = {t.id: weight(t, project) for t in tasks}

        def scope_on(day: date) -> float:
            return sum(weights[t.id] for t in tasks if t.created_at.date() <= day)

        def remaining_on(day: date) -> float:
            return sum(weights[t.id] for t in tasks if t.created_at.date() <= day
                       and (t.completed_at is None or t.completed_at.date() > day))

        initial = scope_on(days[0]) or sum(weights.values())
        span = max(len(days) - 1, 1)
        points = []
        for i, day in enumerate(days):
            ahead = day > now
            points.append(BurndownPoint(
                date=day, remaining_hours=None if ahead else round(remaining_on(day), 2),
                scope_hours=None if ahead else round(scope_on(day), 2),
                ideal_hours=round(initial * (1 - i / span), 2)))
        return BurndownOut(project_id=project_id, milestone_id=milestone_id, start=days[0],
                           end=days[-1], points=points)

    async def risks(self, session: AsyncSession, project_id: str, *,
                    as_of: date | None = None) -> RisksOut:
        project = await projects.get_row(session, project_id)
        plan = await scheduling.plan(session, project, as_of=as_of)
        members = await repository.members(session, project_id)
        milestones = await repository.milestones(session, project_id)
        flags = [*self._task_flags(plan), *self._capacity_flags(plan, members),
                 *self._milestone_flags(plan, milestones)]
        flags.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.type, f.title))
        return RisksOut(project_id=project_id, as_of=plan.as_of,
                        counts=dict(sorted(Counter(f.type for f in flags).items())), flags=flags)

    def _task_flags(self, plan: Plan) -> list[RiskFlag]:
        flags: list[RiskFlag] = []
        as_of = plan.as_of
        open_tasks = {tid: t for tid, t in plan.tasks.items() if t.status in OPEN_STATUSES}
        overdue = {tid for tid, t in open_tasks.items() if t.due_date and t.due_date < as_of}
        preds: dict[str, list[str]] = defaultdict(list)
        for dep in plan.dependencies:
            if dep.predecessor_id in open_tasks and dep.successor_id in open_tasks:
                preds[dep.successor_id].append(dep.predecessor_id)
        for tid in sorted(overdue, key=lambda x: plan.tasks[x].number):
            task = plan.tasks[tid]
            assert task.due_date is not None
            flags.append(RiskFlag(
                type="overdue", severity="high", entity_type="task", entity_id=tid,
                title=f"#{task.number} {task.title}",
                message=f"due {task.due_date.isoformat()}, still {task.status}",
                details={"due_date": task.due_date.isoformat(),
                         "days_overdue": (as_of - task.due_date).days, "status": task.status}))
        for tid in sorted(open_tasks, key=lambda x: plan.tasks[x].number):
            task = plan.tasks[tid]
            if not preds.get(tid):
                continue
            chain = _longest_open_chain(tid, preds, plan)
            should_run = (task.status in ("blocked", "in_progress", "in_review")
                          or (task.start_date is not None and task.start_date <= as_of))
            chain_overdue = any(c in overdue for c in chain)
            if not (should_run or chain_overdue):
                continue
            names = " -> ".join(f"#{plan.tasks[c].number}" for c in chain)
            flags.append(RiskFlag(
                type="blocked", severity="high" if chain_overdue else "medium",
                entity_type="task", entity_id=tid, title=f"#{task.number} {task.title}",
                message=f"waits for an unfinished chain: {names}",
                details={"chain": [{"task_id": c, "number": plan.tasks[c].number,
                                    "title": plan.tasks[c].title,
                                    "status": plan.tasks[c].status} for c in chain],
                         "chain_overdue": chain_overdue}))
        for tid in sorted(open_tasks, key=lambda x: plan.tasks[x].number):
            task = plan.tasks[tid]
            if tid in overdue or task.due_date is None:
                continue
            finish = plan.finish_of(tid)
            if finish > task.due_date:
                flags.append(RiskFlag(
                    type="projected_late", severity="medium", entity_type="task",
                    entity_id=tid, title=f"#{task.number} {task.title}",
                    message=f"projected to finish {finish.isoformat()}, "
                            f"due {task.due_date.isoformat()}",
                    details={"projected_finish": finish.isoformat(),
                             "due_date": task.due_date.isoformat()}))
        return flags

    def _capacity_flags(self, plan: Plan, members: list[Member]) -> list[RiskFlag]:
        """Scheduled hours in the coming week per assignee against their weekly capacity."""
        load = plan.weekly_load()
        flags = []
        for member in members:
            hours, task_ids = load.get(member.id, (0.0, []))
            hours = round(hours, 1)
            capacity = member.weekly_capacity_hours
            if hours <= capacity + 1e-6:
                continue
            flags.append(RiskFlag(
                type="over_capacity", severity="high" if hours > 1.5 * capacity else "medium",
                entity_type="member", entity_id=member.id, title=member.name,
                message=f"{hours:g}h scheduled in the week from {plan.as_of.isoformat()}, "
                        f"capacity {capacity:g}h",
                details={"load_hours": hours, "capacity_hours": capacity,
                         "tasks": [{"task_id": tid, "number": plan.tasks[tid].number}
                                   for tid in task_ids]}))
        return flags

    def _milestone_flags(self, plan: Plan, milestones: list[Milestone]) -> list[RiskFlag]:
        flags = []
        for milestone in milestones:
            if milestone.status != "open" or milestone.due_date is None:
                continue
            due = milestone.due_date
            late = [(tid, plan.finish_of(tid)) for tid, t in plan.tasks.items()
                    if t.milestone_id == milestone.id and t.status in OPEN_STATUSES
                    and plan.finish_of(tid) > due]
            if not late:
                continue
            finish = max(f for _, f in late)
            flags.append(RiskFlag(
                type="milestone_late", severity="high", entity_type="milestone",
                entity_id=milestone.id, title=milestone.name,
                message=f"projected to finish {finish.isoformat()}, due {due.isoformat()}",
                details={"due_date": due.isoformat(), "projected_finish": finish.isoformat(),
                         "working_days_late": plan.calendar.to_offset(finish)
                         - plan.calendar.to_offset(due),
                         "late_tasks": [{"task_id": tid, "number": plan.tasks[tid].number,
                                         "projected_finish": f.isoformat()}
                                        for tid, f in sorted(late, key=lambda x: x[1])]}))
        return flags


def _longest_open_chain(task_id: str, preds: dict[str, list[str]], plan: Plan) -> list[str]:
    """The longest chain of unfinished predecessors ending before `task_id`, root first."""
    memo: dict[str, list[str]] = {}

    def walk(tid: str) -> list[str]:
        if tid not in memo:
            best: list[str] = []
            for p in sorted(preds.get(tid, []), key=lambda x: plan.tasks[x].number):
                candidate = walk(p)
                if len(candidate) + 1 > len(best):
                    best = [*candidate, p]
            memo[tid] = best
        return memo[tid]

    return walk(task_id)


insights = InsightService()
