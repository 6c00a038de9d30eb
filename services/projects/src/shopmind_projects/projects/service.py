"""Projects: create, read, update (status workflow, optimistic concurrency), delete."""

from __future__ import annotations

from collections.abc import Sequence

from shopmind_common.errors import Conflict, NotFound, Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.core import idempotency
from shopmind_projects.core.changes import diff, snapshot
from shopmind_projects.core.errors import field_error
from shopmind_projects.core.etag import check_if_match
from shopmind_projects.core.http import created_headers
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.pagination import Page, PageRequest, make_page
from shopmind_projects.core.patch import apply, patch_values
from shopmind_projects.db.models import Project, utcnow
from shopmind_projects.projects import events, repository
from shopmind_projects.projects.schemas import (
    PROJECT_TRANSITIONS,
    ProjectCreate,
    ProjectOut,
    ProjectUpdate,
)

_FIELDS = ("name", "description", "status", "start_date", "target_date", "work_days",
           "hours_per_day")


def _check_dates(start: object, target: object) -> None:
    if start is not None and target is not None and target < start:  # type: ignore[operator]
        raise Unprocessable("target_date is before start_date",
                            details=field_error("body.target_date", "before start_date"))


class ProjectService:
    async def get_row(self, session: AsyncSession, project_id: str, *,
                      for_update: bool = False) -> Project:
        """The project; `for_update` also takes its write lock (graph changes take turns)."""
        if for_update and not await repository.lock(session, project_id):
            project = None
        else:
            project = await repository.get(session, project_id)
        if project is None:
            raise NotFound(f"project {project_id} not found",
                           details=field_error("path.project_id", "not found"))
        return project

    async def ensure_exists(self, session: AsyncSession, project_id: str) -> None:
        if not await repository.exists(session, project_id):
            raise NotFound(f"project {project_id} not found",
                           details=field_error("path.project_id", "not found"))

    async def create(self, session: AsyncSession, body: ProjectCreate, *, actor: str,
                     idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        _check_dates(body.start_date, body.target_date)
        project = Project(**body.model_dump(), task_seq=0)
        session.add(project)
        await session.flush()
        activity.record(session, project_id=project.id, entity_type="project",
                        entity_id=project.id, action="created", actor=actor,
                        changes=snapshot(project, _FIELDS))
        await events.project_changed(session, project, "created", list(_FIELDS), actor)
        out = ProjectOut.model_validate(project)
        created = Created(body=out.model_dump(mode="json"),
                          headers=created_headers(project.version, f"/v1/projects/{project.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def get(self, session: AsyncSession, project_id: str) -> ProjectOut:
        return ProjectOut.model_validate(await self.get_row(session, project_id))

    async def list(self, session: AsyncSession, page: PageRequest, *,
                   statuses: Sequence[str] = (), q: str | None = None) -> Page[ProjectOut]:
        rows, total = await repository.page(session, statuses=statuses, q=q, sort=page.sort,
                                            limit=page.limit, offset=page.offset)
        return make_page([ProjectOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, patch: ProjectUpdate, *,
                     if_match: str | None, require_if_match: bool, actor: str) -> ProjectOut:
        project = await self.get_row(session, project_id)
        check_if_match(if_match, project.version, required=require_if_match)
        values = patch_values(patch, not_null=("name", "description", "status", "work_days",
                                               "hours_per_day"))
        if "status" in values and values["status"] != project.status:
            allowed = PROJECT_TRANSITIONS[project.status]
            if values["status"] not in allowed:
                raise Conflict(
                    f"a project cannot go from {project.status} to {values['status']}",
                    code="invalid_transition",
                    details=field_error("body.status", "invalid transition",
                                        current=project.status, requested=values["status"],
                                        allowed=sorted(allowed)))
        _check_dates(values.get("start_date", project.start_date),
                     values.get("target_date", project.target_date))
        before = snapshot(project, _FIELDS)
        changed = apply(project, values)
        if changed:
            project.updated_at = utcnow()
            await session.flush()
            activity.record(session, project_id=project.id, entity_type="project",
                            entity_id=project.id, action="updated", actor=actor,
                            changes=diff(before, snapshot(project, _FIELDS)))
            await events.project_changed(session, project, "updated", changed, actor)
        return ProjectOut.model_validate(project)

    async def delete(self, session: AsyncSession, project_id: str, *, if_match: str | None,
                     require_if_match: bool, actor: str) -> None:
        project = await self.get_row(session, project_id)
        check_if_match(if_match, project.version, required=require_if_match)
        activity.record(session, project_id=project.id, entity_type="project",
                        entity_id=project.id, action="deleted", actor=actor,
                        changes=snapshot(project, _FIELDS))
        await events.project_changed(session, project, "deleted", [], actor)
        await session.delete(project)
        await session.flush()


projects = ProjectService()
