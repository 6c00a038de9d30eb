"""What tasks publish: `projects.task.changed`, through the outbox, keyed by project."""

from __future__ import annotations

from collections.abc import Sequence

from shopmind.events import TASK_CHANGED, TaskChanged
from shopmind_common.events import Event, add_to_outbox, new_event
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.db.models import Task

PRODUCER = "projects"


def task_changed_event(task: Task, change: str, changed_fields: Sequence[str],
                       actor: str) -> Event:
    payload = TaskChanged(
        task_id=task.id, project_id=task.project_id, change=change, title=task.title,
        status=task.status, assignee_id=task.assignee_id or "", version=task.version,
        changed_fields=list(changed_fields), milestone_id=task.milestone_id or "",
        priority=task.priority, estimate_hours=task.estimate_hours or 0.0,
        start_date=task.start_date.isoformat() if task.start_date else "",
        due_date=task.due_date.isoformat() if task.due_date else "",
        labels=task.labels, actor=actor, number=task.number,
    )
    return new_event(TASK_CHANGED, payload, key=task.project_id, producer=PRODUCER)


async def task_changed(session: AsyncSession, task: Task, change: str,
                       changed_fields: Sequence[str], actor: str) -> None:
    await add_to_outbox(session, [task_changed_event(task, change, changed_fields, actor)])


async def stage(session: AsyncSession, events: Sequence[Event]) -> None:
    await add_to_outbox(session, events)
