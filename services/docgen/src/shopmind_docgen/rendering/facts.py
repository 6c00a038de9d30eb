"""What a document states, derived deterministically from a project snapshot.

Templates and the prose writer read these figures; the proofreader checks the
finished text against the snapshot they came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from shopmind_docgen.sources.schemas import (
    Insights,
    MemberIn,
    MilestoneIn,
    ProjectSnapshot,
    Risk,
    TaskIn,
)

CLOSED = frozenset({"done", "cancelled"})
FEATURE_LABELS = frozenset({"feature", "feat", "enhancement", "功能", "新功能"})
FIX_LABELS = frozenset({"bug", "fix", "bugfix", "hotfix", "缺陷", "修复"})
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass
class MilestoneView:
    milestone: MilestoneIn | None  # None: the tasks without a milestone
    tasks: list[TaskIn]
    done: int
    percent: float


@dataclass
class MemberView:
    member: MemberIn
    open_tasks: int


@dataclass
class Facts:
    doc_type: str
    language: str
    snapshot: ProjectSnapshot
    as_of: date
    period_start: date
    period_end: date
    requirement: str
    insights: Insights
    milestones: list[MilestoneView]
    members: list[MemberView]
    risks: list[Risk]
    task_count: int
    done_count: int
    percent_done: float
    by_status: dict[str, int]
    completed: list[TaskIn] = field(default_factory=list)
    in_progress: list[TaskIn] = field(default_factory=list)
    blocked: list[TaskIn] = field(default_factory=list)
    upcoming: list[TaskIn] = field(default_factory=list)
    overdue: list[TaskIn] = field(default_factory=list)
    release_milestone: MilestoneIn | None = None
    release_tasks: dict[str, list[TaskIn]] = field(default_factory=dict)
    components: dict[str, list[TaskIn]] = field(default_factory=dict)
    critical_path: list[TaskIn] = field(default_factory=list)
    projected_finish: date | None = None

    @property
    def project(self):  # type: ignore[no-untyped-def]
        return self.snapshot.project

    def member_name(self, member_id: str | None) -> str | None:
        if member_id is None:
            return None
        member = self.snapshot.member_by_id().get(member_id)
        return member.name if member else None

    def context_dates(self) -> set[date]:
        """Dates the document may state that are not in the project data itself."""
        return {self.as_of, self.period_start, self.period_end}


def _due_key(m: MilestoneIn) -> tuple[date, date, str]:
    far = date.max
    return (m.due_date or far, m.start_date or far, m.name)


def _task_key(t: TaskIn) -> tuple[date, int]:
    return (t.due_date or date.max, t.number)


def _on(d: datetime | None) -> date | None:
    return d.date() if d is not None else None


def _percent(tasks: list[TaskIn], default_hours: float = 8.0) -> float:
    live = [t for t in tasks if t.status != "cancelled"]
    if not live:
        return 0.0
    total = sum(t.estimate_hours if t.estimate_hours is not None else default_hours
                for t in live)
    done = sum(t.estimate_hours if t.estimate_hours is not None else default_hours
               for t in live if t.status == "done")
    return round(100.0 * done / total, 1) if total else 0.0


def _risks(snap: ProjectSnapshot, as_of: date) -> list[Risk]:
    by_id = snap.task_by_id()
    out: list[Risk] = []
    if snap.risk_flags is not None:
        for flag in snap.risk_flags:
            task = by_id.get(flag.entity_id) if flag.entity_type == "task" else None
            out.append(Risk(
                kind=flag.type, severity=flag.severity if flag.severity in _SEVERITY_ORDER
                else "medium", message=flag.message or flag.title,
                task_numbers=[task.number] if task else [],
                milestone_id=flag.entity_id if flag.entity_type == "milestone" else None,
                source="projects"))
    else:
        # projects offers no risk flags: the same kinds, judged from the snapshot.
        for t in sorted(snap.tasks, key=_task_key):
            if t.status in CLOSED:
                continue
            if t.due_date is not None and t.due_date < as_of:
                days = (as_of - t.due_date).days
                out.append(Risk(kind="overdue", severity="high" if days > 5 else "medium",
                                message=f"{days} days past due", task_numbers=[t.number]))
            if t.status == "blocked":
                out.append(Risk(kind="blocked", severity="medium", message="blocked",
                                task_numbers=[t.number]))
        for m in snap.milestones:
            open_tasks = [t for t in snap.tasks if t.milestone_id == m.id
                          and t.status not in CLOSED]
            if m.status == "open" and m.due_date and m.due_date < as_of and open_tasks:
                out.append(Risk(kind="milestone_late", severity="high",
                                message=f"{len(open_tasks)} open tasks after the due date",
                                milestone_id=m.id))
    out.sort(key=lambda r: (_SEVERITY_ORDER.get(r.severity, 3), r.kind,
                            r.task_numbers[:1] or [0]))
    return out


def build_facts(doc_type: str, language: str, snap: ProjectSnapshot, *, as_of: date,
                requirement: str = "", insights: Insights | None = None,
                milestone_id: str | None = None, since: date | None = None) -> Facts:
    tasks = sorted(snap.tasks, key=_task_key)
    milestones: list[MilestoneView] = []
    for m in sorted(snap.milestones, key=_due_key):
        mt = [t for t in tasks if t.milestone_id == m.id]
        milestones.append(MilestoneView(m, mt, sum(t.status == "done" for t in mt), _percent(mt)))
    known_ms = {m.id for m in snap.milestones}
    loose = [t for t in tasks if t.milestone_id not in known_ms]
    if loose:
        milestones.append(MilestoneView(None, loose, sum(t.status == "done" for t in loose),
                                        _percent(loose)))
    open_by_member: dict[str, int] = {}
    for t in tasks:
        if t.assignee_id and t.status not in CLOSED:
            open_by_member[t.assignee_id] = open_by_member.get(t.assignee_id, 0) + 1
    members = [MemberView(m, open_by_member.get(m.id, 0))
               for m in sorted(snap.members, key=lambda m: m.name)]
    by_status: dict[str, int] = {}
    for t in tasks:
        by_status[t.status] = by_status.get(t.status, 0) + 1
    percent = snap.progress.percent_done if snap.progress is not None else _percent(tasks)

    period_end = as_of
    period_start = since or (as_of - timedelta(days=6 if doc_type == "status" else 13))
    facts = Facts(
        doc_type=doc_type, language=language, snapshot=snap, as_of=as_of,
        period_start=period_start, period_end=period_end, requirement=requirement,
        insights=insights or Insights(), milestones=milestones, members=members,
        risks=_risks(snap, as_of), task_count=len(tasks),
        done_count=by_status.get("done", 0), percent_done=round(percent, 1),
        by_status=by_status,
    )
    in_period = [t for t in tasks if t.status == "done" and (d := _on(t.completed_at))
                 is not None and period_start <= d <= period_end]
    facts.completed = in_period
    facts.in_progress = [t for t in tasks if t.status in ("in_progress", "in_review")]
    facts.blocked = [t for t in tasks if t.status == "blocked"]
    facts.upcoming = [t for t in tasks if t.status not in CLOSED and t.due_date is not None
                      and as_of < t.due_date <= as_of + timedelta(days=7)]
    facts.overdue = [t for t in tasks if t.status not in CLOSED and t.due_date is not None
                     and t.due_date < as_of]

    if doc_type == "release_notes":
        if milestone_id is not None:
            facts.release_milestone = snap.milestone_by_id()[milestone_id]
            shipped = [t for t in tasks if t.milestone_id == milestone_id and t.status == "done"]
        else:
            shipped = in_period
        groups: dict[str, list[TaskIn]] = {"features": [], "fixes": [], "other": []}
        for t in sorted(shipped, key=lambda t: t.number):
            labels = {lb.lower() for lb in t.labels}
            key = ("fixes" if labels & FIX_LABELS else
                   "features" if labels & FEATURE_LABELS else "other")
            groups[key].append(t)
        facts.release_tasks = groups

    components: dict[str, list[TaskIn]] = {}
    for t in sorted(tasks, key=lambda t: t.number):
        key = t.labels[0] if t.labels else ""
        components.setdefault(key, []).append(t)
    facts.components = dict(sorted(components.items(), key=lambda kv: (kv[0] == "", kv[0])))
    if snap.schedule is not None:
        by_id = snap.task_by_id()
        facts.critical_path = [by_id[i] for i in snap.schedule.critical_path if i in by_id]
        facts.projected_finish = snap.schedule.finish
    return facts


def released_members(facts: Facts) -> list[MemberIn]:
    """Members who own a shipped task in a release."""
    ids = {t.assignee_id for group in facts.release_tasks.values() for t in group
           if t.assignee_id}
    return [m for m in facts.snapshot.members if m.id in ids]
