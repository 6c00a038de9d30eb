"""Comments on a task: create, read, edit, delete, each logged."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_projects.activity.service import activity
from shopmind_projects.comments import repository
from shopmind_projects.comments.schemas import CommentCreate, CommentOut, CommentUpdate
from shopmind_projects.core import idempotency
from shopmind_projects.core.errors import not_found
from shopmind_projects.core.etag import check_if_match
from shopmind_projects.core.http import created_headers
from shopmind_projects.core.idempotency import Created, IdempotencyRequest
from shopmind_projects.core.pagination import Page, PageRequest, make_page
from shopmind_projects.db.models import Comment, utcnow
from shopmind_projects.tasks.service import tasks


class CommentService:
    async def get_row(self, session: AsyncSession, project_id: str, task_id: str,
                      comment_id: str) -> Comment:
        comment = await repository.get(session, task_id, comment_id)
        if comment is None or comment.project_id != project_id:
            await tasks.get_row(session, project_id, task_id)
            raise not_found("comment", comment_id, "path.comment_id")
        return comment

    async def create(self, session: AsyncSession, project_id: str, task_id: str,
                     body: CommentCreate, *, actor: str,
                     idem: IdempotencyRequest | None) -> Created:
        payload = body.model_dump(mode="json")
        if (replayed := await idempotency.replay(session, idem, payload)) is not None:
            return replayed
        await tasks.get_row(session, project_id, task_id)
        comment = Comment(project_id=project_id, task_id=task_id, author=actor, body=body.body)
        session.add(comment)
        await session.flush()
        activity.record(session, project_id=project_id, entity_type="comment",
                        entity_id=comment.id, action="created", actor=actor,
                        changes={"task_id": task_id, "body": comment.body})
        out = CommentOut.model_validate(comment)
        created = Created(body=out.model_dump(mode="json"), headers=created_headers(
            comment.version,
            f"/v1/projects/{project_id}/tasks/{task_id}/comments/{comment.id}"))
        return await idempotency.remember(session, idem, payload, created)

    async def get(self, session: AsyncSession, project_id: str, task_id: str,
                  comment_id: str) -> CommentOut:
        return CommentOut.model_validate(await self.get_row(session, project_id, task_id,
                                                            comment_id))

    async def list(self, session: AsyncSession, project_id: str, task_id: str,
                   page: PageRequest) -> Page[CommentOut]:
        await tasks.get_row(session, project_id, task_id)
        rows, total = await repository.page(session, task_id, sort=page.sort,
                                            limit=page.limit, offset=page.offset)
        return make_page([CommentOut.model_validate(r) for r in rows], total, page)

    async def update(self, session: AsyncSession, project_id: str, task_id: str,
                     comment_id: str, patch: CommentUpdate, *, if_match: str | None,
                     require_if_match: bool, actor: str) -> CommentOut:
        comment = await self.get_row(session, project_id, task_id, comment_id)
        check_if_match(if_match, comment.version, required=require_if_match)
        if patch.body != comment.body:
            old = comment.body
            comment.body = patch.body
            comment.updated_at = utcnow()
            await session.flush()
            activity.record(session, project_id=project_id, entity_type="comment",
                            entity_id=comment.id, action="updated", actor=actor,
                            changes={"body": {"from": old, "to": comment.body}})
        return CommentOut.model_validate(comment)

    async def delete(self, session: AsyncSession, project_id: str, task_id: str,
                     comment_id: str, *, if_match: str | None, require_if_match: bool,
                     actor: str) -> None:
        comment = await self.get_row(session, project_id, task_id, comment_id)
        check_if_match(if_match, comment.version, required=require_if_match)
        activity.record(session, project_id=project_id, entity_type="comment",
                        entity_id=comment.id, action="deleted", actor=actor,
                        changes={"task_id": task_id, "body": comment.body})
        await session.delete(comment)
        await session.flush()


comments = CommentService()
