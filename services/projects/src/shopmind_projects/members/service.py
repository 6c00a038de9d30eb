"""Project members: create, read, update, delete (their tasks become unassigned)."""

from __future__ import annotations

from shopmind_common.errors import Conflict
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
from shopmind_projects.db.models import Member, utcnow
from shopmind_projects.members import repository
from shopmind_projects.members.schemas import MemberCreate, MemberOut, MemberUpdate
from shopmind_projects.projects.service import projects
from shopmind_projects.tasks.service import tasks as task_service

_FIELDS = ("name", "email", "role", "skills", "weekly_capacity_hours")


class MemberService:
    async def get_row(self, session: AsyncSession, project_id: str, member_id: str) -> Member:
        member = await repository.get(session, project_id, member_id)
        if member is None:
            await projects.ensure_exists(session, project_id)
            raise not_found("member", member_id, "path.member_id")
        return member

    async def _check_email(self, session: AsyncSession, project_id: str, email: str | None,
                           member_id: str | None = None) -> None:
        if email is None:
            return
        other = await repository.by_email(session, project_id, email)
        if other is not None and other.id != member_id:
            raise Conflict(f"{email} is already a member of this project",
                           code="duplicate", details=field_error("body.email", "already used",
                                                                 member_id=other.id))

    async def create(self, session: AsyncSession, project_id: str, body: MemberCreate, *,
                     actor: str, idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        await projects.ensure_exists(session, project_id)
        await self._check_email(session, project_id, body.email)
        member = Member(project_id=project_id, **body.model_dump())
        session.add(member)
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="member",
                        entity_id=member.id, action="created", actor=actor,
                        changes=snapshot(member, _FIELDS))
        out = MemberOut.model_validate(member)
        created = Created(body=out.model_dump(mode="json"), headers=created_headers(
            member.version, f"/v1/projects/{project_id}/members/{member.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def get(self, session: AsyncSession, project_id: str, member_id: str) -> MemberOut:
        return MemberOut.model_validate(await self.get_row(session, project_id, member_id))

    async def list(self, session: AsyncSession, project_id: str, page: PageRequest, *,
                   q: str | None = None, role: str | None = None) -> Page[MemberOut]:
        await projects.ensure_exists(session, project_id)
        rows, total = await repository.page(session, project_id, q=q, role=role, sort=page.sort,
                                            limit=page.limit, offset=page.offset)
        return make_page([MemberOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, member_id: str,
                     patch: MemberUpdate, *, if_match: str | None, require_if_match: bool,
                     actor: str) -> MemberOut:
        member = await self.get_row(session, project_id, member_id)
        check_if_match(if_match, member.version, required=require_if_match)
        values = patch_values(patch, not_null=("name", "role", "skills",
                                               "weekly_capacity_hours"))
        if "email" in values:
            await self._check_email(session, project_id, values["email"], member.id)
        before = snapshot(member, _FIELDS)
        if apply(member, values):
            member.updated_at = utcnow()
            await session.flush()
            activity.record(session, project_id=project_id, entity_type="member",
                            entity_id=member.id, action="updated", actor=actor,
                            changes=diff(before, snapshot(member, _FIELDS)))
        return MemberOut.model_validate(member)

    async def delete(self, session: AsyncSession, project_id: str, member_id: str, *,
                     if_match: str | None, require_if_match: bool, actor: str) -> None:
        member = await self.get_row(session, project_id, member_id)
        check_if_match(if_match, member.version, required=require_if_match)
        await task_service.unassign_member(session, project_id, member_id, actor=actor)
        activity.record(session, project_id=project_id, entity_type="member",
                        entity_id=member.id, action="deleted", actor=actor,
                        changes=snapshot(member, _FIELDS))
        await session.delete(member)
        await session.flush()


members = MemberService()
