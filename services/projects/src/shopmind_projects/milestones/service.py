"""Milestones: create, read, update, delete (their tasks stay, without a milestone)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from shopmind_common.errors import Unprocessable
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.core import idempotency
from shopmind_projects.core.changes import diff, snapshot
from shopmind_projects.core.errors import field_error, not_found
from shopmind_projects.core.etag import check_if_match
from shopmind_projects.core.http import created_headers
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.pagination import Page, PageRequest, make_page
from shopmind_projects.core.patch import apply, patch_values
from shopmind_projects.db.models import Milestone, utcnow
from shopmind_projects.milestones import repository
from shopmind_projects.milestones.schemas import MilestoneCreate, MilestoneOut, MilestoneUpdate
from shopmind_projects.projects.service import projects
from shopmind_projects.tasks.service import tasks as task_service

_FIELDS = ("name", "description", "status", "start_date", "due_date")


def _check_dates(start: date | None, due: date | None) -> None:
    if start is not None and due is not None and due < start:
        raise Unprocessable("due_date is before start_date",
                            details=field_error("body.due_date", "before start_date"))


class MilestoneService:
    async def get_row(self, session: AsyncSession, project_id: str,
                      milestone_id: str) -> Milestone:
        milestone = await repository.get(session, project_id, milestone_id)
        if milestone is None:
            await projects.ensure_exists(session, project_id)
            raise not_found("milestone", milestone_id, "path.milestone_id")
        return milestone

    async def create(self, session: AsyncSession, project_id: str, body: MilestoneCreate, *,
                     actor: str, idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        await projects.ensure_exists(session, project_id)
        _check_dates(body.start_date, body.due_date)
        milestone = Milestone(project_id=project_id, **body.model_dump())
        session.add(milestone)
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="milestone",
                        entity_id=milestone.id, action="created", actor=actor,
                        changes=snapshot(milestone, _FIELDS))
        out = MilestoneOut.model_validate(milestone)
        created = Created(body=out.model_dump(mode="json"), headers=created_headers(
            milestone.version, f"/v1/projects/{project_id}/milestones/{milestone.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def get(self, session: AsyncSession, project_id: str,
                  milestone_id: str) -> MilestoneOut:
        return MilestoneOut.model_validate(await self.get_row(session, project_id, milestone_id))

    async def list(self, session: AsyncSession, project_id: str, page: PageRequest, *,
                   statuses: Sequence[str] = ()) -> Page[MilestoneOut]:
        await projects.ensure_exists(session, project_id)
        rows, total = await repository.page(session, project_id, statuses=statuses,
                                            sort=page.sort, limit=page.limit, offset=page.offset)
        return make_page([MilestoneOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, milestone_id: str,
                     patch: MilestoneUpdate, *, if_match: str | None, require_if_match: bool,
                     actor: str) -> MilestoneOut:
        milestone = await self.get_row(session, project_id, milestone_id)
        check_if_match(if_match, milestone.version, required=require_if_match)
        values = patch_values(patch, not_null=("name", "description", "status"))
        _check_dates(values.get("start_date", milestone.start_date),
                     values.get("due_date", milestone.due_date))
        before = snapshot(milestone, _FIELDS)
        if apply(milestone, values):
            milestone.updated_at = utcnow()
            await session.flush()
            activity.record(session, project_id=project_id, entity_type="milestone",
                            entity_id=milestone.id, action="updated", actor=actor,
                            changes=diff(before, snapshot(milestone, _FIELDS)))
        return MilestoneOut.model_validate(milestone)

    async def delete(self, session: AsyncSession, project_id: str, milestone_id: str, *,
                     if_match: str | None, require_if_match: bool, actor: str) -> None:
        milestone = await self.get_row(session, project_id, milestone_id)
        check_if_match(if_match, milestone.version, required=require_if_match)
        # Detach its tasks through the task service so each change is logged and published.
        await task_service.detach_milestone(session, project_id, milestone_id, actor=actor)
        activity.record(session, project_id=project_id, entity_type="milestone",
                        entity_id=milestone.id, action="deleted", actor=actor,
                        changes=snapshot(milestone, _FIELDS))
        await session.delete(milestone)
        await session.flush()


milestones = MilestoneService()
