"""Tasks: CRUD, the status workflow, labels, and rescheduling successors after a slip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from shopmind_common.errors import Conflict, Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.core import idempotency
from shopmind_projects.core.changes import diff, snapshot
from shopmind_projects.core.errors import field_error, not_found
from shopmind_projects.core.etag import check_if_match
from shopmind_projects.core.http import created_headers
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.pagination import Page, PageRequest, make_page
from shopmind_projects.core.patch import patch_values
from shopmind_projects.db.models import Project, Task, TaskLabel, utcnow
from shopmind_projects.members import repository as members_repo
from shopmind_projects.milestones import repository as milestones_repo
from shopmind_projects.projects import repository as projects_repo
from shopmind_projects.projects.service import projects
from shopmind_projects.scheduling.service import scheduling
from shopmind_projects.tasks import events, repository
from shopmind_projects.tasks.schemas import (
    NEEDS_PREDECESSORS_CLOSED,
    TASK_TRANSITIONS,
    TaskCreate,
    TaskFilters,
    TaskOut,
    TaskUpdate,
)

FIELDS = ("title", "description", "status", "priority", "estimate_hours", "assignee_id",
          "milestone_id", "labels", "start_date", "due_date")
# Changes that can move a task's projected finish, and so its successors.
SCHEDULE_FIELDS = frozenset({"estimate_hours", "start_date", "status"})


def _check_dates(start: date | None, due: date | None, prefix: str = "body") -> None:
    if start is not None and due is not None and due < start:
        raise Unprocessable("due_date is before start_date",
                            details=field_error(f"{prefix}.due_date", "before start_date"))


def _set_labels(task: Task, labels: list[str]) -> None:
    wanted = set(labels)
    task.label_rows[:] = [row for row in task.label_rows if row.label in wanted]
    have = {row.label for row in task.label_rows}
    task.label_rows.extend(TaskLabel(label=label) for label in sorted(wanted - have))


def _apply_status(task: Task, new: str) -> None:
    """Keep started_at / completed_at true to the workflow."""
    now = utcnow()
    if new in ("in_progress", "in_review") and task.started_at is None:
        task.started_at = now
    if new == "done":
        task.completed_at = now
        task.started_at = task.started_at or now
    else:
        task.completed_at = None
    if new in ("backlog", "todo"):
        task.started_at = None
    task.status = new


class TaskService:
    async def get_row(self, session: AsyncSession, project_id: str, task_id: str) -> Task:
        task = await repository.get(session, project_id, task_id)
        if task is None:
            await projects.ensure_exists(session, project_id)
            raise not_found("task", task_id, "path.task_id")
        return task

    async def _check_refs(self, session: AsyncSession, project_id: str, values: dict[str, Any],
                          prefix: str = "body") -> None:
        """Assignee and milestone must belong to the same project (422 naming the field)."""
        member_id = values.get("assignee_id")
        if member_id is not None and await members_repo.get(session, project_id,
                                                             member_id) is None:
            raise Unprocessable(f"assignee {member_id} is not a member of this project",
                                details=field_error(f"{prefix}.assignee_id", "unknown member"))
        milestone_id = values.get("milestone_id")
        if milestone_id is not None and await milestones_repo.get(session, project_id,
                                                                   milestone_id) is None:
            raise Unprocessable(f"milestone {milestone_id} is not in this project",
                                details=field_error(f"{prefix}.milestone_id",
                                                    "unknown milestone"))

    async def add(self, session: AsyncSession, project_id: str, body: TaskCreate, *,
                  number: int, actor: str, prefix: str = "body") -> Task:
        """Insert one task (references already checked by the caller or here)."""
        values = body.model_dump()
        await self._check_refs(session, project_id, values, prefix)
        _check_dates(body.start_date, body.due_date, prefix)
        labels = values.pop("labels")
        task = Task(project_id=project_id, number=number, **values,
                    label_rows=[TaskLabel(label=label) for label in labels])
        session.add(task)
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="task", entity_id=task.id,
                        action="created", actor=actor, changes=snapshot(task, FIELDS))
        await events.task_changed(session, task, "created", list(FIELDS), actor)
        return task

    async def create(self, session: AsyncSession, project_id: str, body: TaskCreate, *,
                     actor: str, idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        await projects.ensure_exists(session, project_id)
        number = await projects_repo.next_task_numbers(session, project_id)
        task = await self.add(session, project_id, body, number=number, actor=actor)
        out = TaskOut.model_validate(task)
        created = Created(body=out.model_dump(mode="json"), headers=created_headers(
            task.version, f"/v1/projects/{project_id}/tasks/{task.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def get(self, session: AsyncSession, project_id: str, task_id: str) -> TaskOut:
        return TaskOut.model_validate(await self.get_row(session, project_id, task_id))

    async def list(self, session: AsyncSession, project_id: str, page: PageRequest,
                   filters: TaskFilters) -> Page[TaskOut]:
        rows, total = await repository.page(session, project_id, filters, sort=page.sort,
                                            limit=page.limit, offset=page.offset)
        if not rows:  # an empty page of an unknown project is a 404, not an empty list
            await projects.ensure_exists(session, project_id)
        return make_page([TaskOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, task_id: str,
                     patch: TaskUpdate, *, if_match: str | None, require_if_match: bool,
                     actor: str) -> TaskOut:
        task = await self.get_row(session, project_id, task_id)
        check_if_match(if_match, task.version, required=require_if_match)
        values = patch_values(patch, not_null=("title", "description", "status", "priority",
                                               "labels"))
        await self._check_refs(session, project_id, values)
        _check_dates(values.get("start_date", task.start_date),
                     values.get("due_date", task.due_date))
        new_status = values.pop("status", task.status)
        if new_status != task.status:
            await self._check_transition(session, task, new_status)
        before = snapshot(task, FIELDS)
        labels = values.pop("labels", None)
        for name, value in values.items():
            setattr(task, name, value)
        if labels is not None:
            _set_labels(task, labels)
        if new_status != task.status:
            _apply_status(task, new_status)
        changes = diff(before, snapshot(task, FIELDS))
        if not changes:
            return TaskOut.model_validate(task)
        task.updated_at = utcnow()
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="task", entity_id=task.id,
                        action="updated", actor=actor, changes=changes)
        await events.task_changed(session, task, "updated", sorted(changes), actor)
        if SCHEDULE_FIELDS & changes.keys() and await repository.has_successors(session,
                                                                                task.id):
            project = await projects.get_row(session, project_id)
            await scheduling.reschedule_successors(session, project, [task.id], actor=actor)
        return TaskOut.model_validate(task)

    async def _check_transition(self, session: AsyncSession, task: Task, new: str) -> None:
        allowed = TASK_TRANSITIONS[task.status]
        if new not in allowed:
            raise Conflict(
                f"a task cannot go from {task.status} to {new}", code="invalid_transition",
                details=field_error("body.status", "invalid transition", current=task.status,
                                    requested=new, allowed=sorted(allowed)))
        if new in NEEDS_PREDECESSORS_CLOSED:
            blockers = await repository.unclosed_predecessors(session, task.id)
            if blockers:
                raise Conflict(
                    f"task #{task.number} waits for unfinished predecessors: "
                    + ", ".join(f"#{b.number}" for b in blockers),
                    code="blocked_by_dependencies",
                    details=field_error("body.status", "predecessors not finished",
                                        blocking=[{"task_id": b.id, "number": b.number,
                                                   "status": b.status} for b in blockers]))

    async def delete(self, session: AsyncSession, project_id: str, task_id: str, *,
                     if_match: str | None, require_if_match: bool, actor: str) -> None:
        task = await self.get_row(session, project_id, task_id)
        check_if_match(if_match, task.version, required=require_if_match)
        activity.record(session, project_id=project_id, entity_type="task", entity_id=task.id,
                        action="deleted", actor=actor, changes=snapshot(task, FIELDS))
        await events.task_changed(session, task, "deleted", [], actor)
        await session.delete(task)
        await session.flush()

    async def _clear(self, session: AsyncSession, tasks: Sequence[Task], field: str,
                     actor: str) -> None:
        for task in tasks:
            old = getattr(task, field)
            setattr(task, field, None)
            task.updated_at = utcnow()
            activity.record(session, project_id=task.project_id, entity_type="task",
                            entity_id=task.id, action="updated", actor=actor,
                            changes={field: {"from": old, "to": None}})
        if tasks:
            await session.flush()
            await events.stage(session, [events.task_changed_event(t, "updated", [field], actor)
                                         for t in tasks])

    async def unassign_member(self, session: AsyncSession, project_id: str, member_id: str, *,
                              actor: str) -> None:
        tasks = await repository.assigned_to(session, project_id, member_id)
        await self._clear(session, tasks, "assignee_id", actor)

    async def detach_milestone(self, session: AsyncSession, project_id: str, milestone_id: str,
                               *, actor: str) -> None:
        tasks = await repository.in_milestone(session, project_id, milestone_id)
        await self._clear(session, tasks, "milestone_id", actor)

    async def next_numbers(self, session: AsyncSession, project: Project, count: int) -> int:
        return await projects_repo.next_task_numbers(session, project.id, count)


tasks = TaskService()
