"""Proofreading: every task, milestone, member and date a document cites must exist.

The proofreader reads the finished Markdown, not the template's intent, so
model-written prose is held to the same standard as the tables:

- `#N` must be a task number of the project; a UUID must be one of its ids;
- a table row naming a task must show that task's title, owner, dates, status
  and, under a milestone heading, belong to that milestone; a row naming a
  milestone must show its dates and status; a member cell must be a member;
- a quoted milestone (`milestone “Beta”`, `里程碑“Beta”`) must exist, and an
  `@name` must be a member;
- every date (`2025-03-01`, `2025年3月1日`) must be a real calendar day that the
  project data or the document's own period states.

Block quotes are the requester's own words and are not checked.
"""

from __future__ import annotations

import re
from datetime import date

from shopmind_docgen.proofreading.schemas import Citations, Issue, ProofReport
from shopmind_docgen.rendering.facts import Facts
from shopmind_docgen.rendering.i18n import LABELS, column_kinds
from shopmind_docgen.sources.schemas import ProjectSnapshot

_TASK_REF = re.compile(r"(?<![\w&#/])#(\d{1,9})(?!\d)")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\b")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]")
_MENTION = re.compile(r"(?<![\w.])@([^\s@,，。;；:：()（）]+)")
_QUOTED_MS = re.compile(r"(?:[Mm]ilestone|里程碑)\s*[:：]?\s*[“\"「『]([^”\"」』\n]+)[”\"」』]")
_MS_QUOTED = re.compile(r"[“\"「『]([^”\"」』\n]+)[”\"」』]\s*(?:[Mm]ilestone|里程碑)")
_MS_HEADING = re.compile(r"^#{2,6}\s+(?:Milestone|里程碑)\s*[:：]\s*(.+?)\s*$")
_HEADING = re.compile(r"^#{1,6}\s")
_TABLE_SEP = re.compile(r"^\|(\s*:?-{3,}:?\s*\|)+\s*$")
_TASK_CELL = re.compile(r"^#(\d{1,9})\s+(.*)$")
_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def _cells(row: str) -> list[str]:
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    parts = re.split(r"(?<!\\)\|", inner)
    return [p.strip().replace("\\|", "|") for p in parts]


def _dates_in(text: str) -> set[date]:
    found: set[date] = set()
    for y, m, d in _ISO_DATE.findall(text) + _ZH_DATE.findall(text):
        try:
            found.add(date(int(y), int(m), int(d)))
        except ValueError:
            continue
    return found


def known_dates(snap: ProjectSnapshot, facts: Facts) -> set[date]:
    """Every date the source data (or the document's own period) states."""
    days: set[date | None] = {snap.project.start_date, snap.project.target_date,
                              snap.fetched_at.date()}
    for m in snap.milestones:
        days |= {m.start_date, m.due_date}
    for t in snap.tasks:
        days |= {t.start_date, t.due_date}
        days |= {t.started_at.date() if t.started_at else None,
                 t.completed_at.date() if t.completed_at else None}
    if snap.schedule is not None:
        days |= {snap.schedule.as_of, snap.schedule.start, snap.schedule.finish}
        for timing in snap.schedule.tasks:
            days |= {timing.projected_start, timing.projected_finish}
    days |= facts.context_dates()
    # Free text that is itself source data may state dates the document repeats.
    texts = [snap.project.description, facts.requirement]
    texts += [m.description for m in snap.milestones]
    texts += [f.message for f in snap.risk_flags or []] + [r.message for r in facts.risks]
    for text in texts:
        days |= _dates_in(text or "")
    return {d for d in days if d is not None}


class Proofreader:
    def check(self, markdown: str, snap: ProjectSnapshot, facts: Facts) -> ProofReport:
        lab = LABELS[facts.language]
        kinds = column_kinds(facts.language)
        by_number = snap.task_by_number()
        ids = ({snap.project.id} | {t.id for t in snap.tasks} | {m.id for m in snap.milestones}
               | {m.id for m in snap.members})
        task_by_id = snap.task_by_id()
        ms_by_name = {_norm(m.name): m for m in snap.milestones}
        member_by_name = {_norm(m.name): m for m in snap.members}
        member_first = {_norm(m.name).split(" ")[0]: m for m in snap.members}
        member_name = {m.id: m.name for m in snap.members}
        dates_ok = known_dates(snap, facts)

        issues: list[Issue] = []
        seen_issue: set[tuple[str, int, str]] = set()
        cited_tasks: set[int] = set()
        cited_ms: set[str] = set()
        cited_members: set[str] = set()
        cited_dates: set[date] = set()

        def flag(code: str, message: str, lineno: int, line: str) -> None:
            key = (code, lineno, message)
            if key not in seen_issue:
                seen_issue.add(key)
                issues.append(Issue(code=code, message=message, line=lineno,
                                    excerpt=line.strip()[:200]))

        lines = markdown.splitlines()
        section_ms: str | None = None  # a milestone id, "none", or None (no constraint)
        header: list[str] | None = None
        for i, line in enumerate(lines):
            lineno = i + 1
            stripped = line.strip()
            if stripped.startswith(">"):
                continue  # the requester's own words
            # -- headings set the milestone a task table belongs to ---------------------
            if _HEADING.match(stripped):
                header = None
                heading = _MS_HEADING.match(stripped)
                if heading:
                    name = heading.group(1).strip()
                    ms = ms_by_name.get(_norm(name))
                    if ms is None:
                        flag("milestone_unknown", f"milestone “{name}” does not exist",
                             lineno, line)
                        section_ms = "unknown"
                    else:
                        cited_ms.add(ms.id)
                        section_ms = ms.id
                elif _norm(stripped.lstrip("#")) == _norm(lab["no_milestone"]):
                    section_ms = "none"
                elif stripped.startswith("## "):
                    section_ms = None
            # -- tables: each row checked against the record it names ------------------
            elif stripped.startswith("|"):
                if _TABLE_SEP.match(stripped):
                    pass
                elif header is None:
                    nxt = lines[i + 1].strip() if i + 1 < len(lines) else ""
                    if _TABLE_SEP.match(nxt):
                        header = [kinds.get(c, "") for c in _cells(stripped)]
                else:
                    self._row(dict(zip(header, _cells(stripped), strict=False)), lab,
                              by_number, ms_by_name, member_by_name, member_name, section_ms,
                              cited_tasks, cited_ms, cited_members,
                              lambda c, m, ln=lineno, li=line: flag(c, m, ln, li))
            else:
                header = None
            # -- references anywhere in the text ----------------------------------------
            for ref in _TASK_REF.findall(line):
                n = int(ref)
                if n in by_number:
                    cited_tasks.add(n)
                else:
                    flag("task_unknown", f"task #{n} does not exist in the project", lineno,
                         line)
            for uid in _UUID.findall(line):
                if uid not in ids:
                    flag("id_unknown", f"id {uid} is not a task, milestone or member of the "
                         "project", lineno, line)
                elif uid in task_by_id:
                    cited_tasks.add(task_by_id[uid].number)
            for name in _QUOTED_MS.findall(line) + _MS_QUOTED.findall(line):
                ms = ms_by_name.get(_norm(name))
                if ms is None:
                    flag("milestone_unknown", f"milestone “{name}” does not exist", lineno,
                         line)
                else:
                    cited_ms.add(ms.id)
            for handle in _MENTION.findall(line):
                member = member_by_name.get(_norm(handle)) or member_first.get(_norm(handle))
                if member is None:
                    flag("member_unknown", f"@{handle} is not a member of the project",
                         lineno, line)
                else:
                    cited_members.add(member.id)
            for y, m, d in _ISO_DATE.findall(line) + _ZH_DATE.findall(line):
                try:
                    day = date(int(y), int(m), int(d))
                except ValueError:
                    flag("date_invalid", f"{y}-{m}-{d} is not a calendar date", lineno, line)
                    continue
                if day in dates_ok:
                    cited_dates.add(day)
                else:
                    flag("date_unknown", f"{day.isoformat()} is not a date of the project "
                         "or of this document's period", lineno, line)

        return ProofReport(
            ok=not issues, issues=issues,
            citations=Citations(tasks=sorted(cited_tasks), milestones=sorted(cited_ms),
                                members=sorted(cited_members),
                                dates=sorted(d.isoformat() for d in cited_dates)))

    @staticmethod
    def _row(row, lab, by_number, ms_by_name, member_by_name, member_name,  # type: ignore[no-untyped-def]
             section_ms, cited_tasks, cited_ms, cited_members, flag) -> None:
        def day(value: date | None) -> str:
            return value.isoformat() if value is not None else "—"

        task_cell = row.get("task")
        if task_cell:
            match = _TASK_CELL.match(task_cell)
            if match is None:
                flag("task_unknown", f"task cell “{task_cell}” names no task number")
                return
            n = int(match.group(1))
            task = by_number.get(n)
            if task is None:
                flag("task_unknown", f"task #{n} does not exist in the project")
                return
            cited_tasks.add(n)
            if _norm(match.group(2)) != _norm(task.title):
                flag("task_mismatch", f"task #{n} is titled “{task.title}”, "
                     f"not “{match.group(2)}”")
            if "member" in row:
                want = member_name.get(task.assignee_id or "", lab["unassigned"])
                if _norm(row["member"]) != _norm(want):
                    flag("member_mismatch", f"task #{n} is owned by {want}, "
                         f"not {row['member']}")
                elif task.assignee_id in member_name:
                    cited_members.add(task.assignee_id)
            for col, value in (("start", task.start_date), ("due", task.due_date)):
                if col in row and row[col] != day(value):
                    flag("date_mismatch", f"task #{n} {col} is {day(value)}, not {row[col]}")
            if "status" in row:
                want = lab["task_status"].get(task.status, task.status)
                if _norm(row["status"]) != _norm(want):
                    flag("status_mismatch", f"task #{n} is {want}, not {row['status']}")
            if section_ms not in (None, "unknown"):
                actual = task.milestone_id if task.milestone_id in {
                    m.id for m in ms_by_name.values()} else None
                expected = None if section_ms == "none" else section_ms
                if actual != expected:
                    flag("milestone_mismatch", f"task #{n} is not in this milestone")
            return
        ms_cell = row.get("milestone")
        if ms_cell:
            ms = ms_by_name.get(_norm(ms_cell))
            if ms is None:
                flag("milestone_unknown", f"milestone “{ms_cell}” does not exist")
                return
            cited_ms.add(ms.id)
            for col, value in (("start", ms.start_date), ("due", ms.due_date)):
                if col in row and row[col] != day(value):
                    flag("date_mismatch", f"milestone “{ms.name}” {col} is {day(value)}, "
                         f"not {row[col]}")
            if "status" in row:
                want = lab["milestone_status"].get(ms.status, ms.status)
                if _norm(row["status"]) != _norm(want):
                    flag("status_mismatch", f"milestone “{ms.name}” is {want}, "
                         f"not {row['status']}")
            return
        member_cell = row.get("member")
        if member_cell:
            member = member_by_name.get(_norm(member_cell))
            if member is None:
                flag("member_unknown", f"{member_cell} is not a member of the project")
            else:
                cited_members.add(member.id)


proofreader = Proofreader()
