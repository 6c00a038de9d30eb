"""Comment endpoints under /v1/projects/{project_id}/tasks/{task_id}/comments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from shopmind_projects.comments.schemas import (
    COMMENT_SORTS,
    CommentCreate,
    CommentOut,
    CommentUpdate,
)
from shopmind_projects.comments.service import comments
from shopmind_projects.core.http import created_response, set_etag
from shopmind_projects.core.pagination import Page, PageRequest
from shopmind_projects.deps import (
    ActorDep,
    IdempotencyDep,
    IfMatchDep,
    SessionDep,
    SettingsDep,
    page_params,
)

router = APIRouter(prefix="/v1/projects/{project_id}/tasks/{task_id}/comments",
                   tags=["comments"])
PageDep = Annotated[PageRequest, Depends(page_params(COMMENT_SORTS, "created_at"))]


@router.post("", status_code=201, response_model=CommentOut)
async def create_comment(project_id: str, task_id: str, body: CommentCreate,
                         session: SessionDep, actor: ActorDep,
                         idem: IdempotencyDep) -> JSONResponse:
    """Comment on a task."""
    return created_response(await comments.create(session, project_id, task_id, body,
                                                  actor=actor, idem=idem))


@router.get("", response_model=Page[CommentOut])
async def list_comments(project_id: str, task_id: str, session: SessionDep,
                        page: PageDep) -> Page[CommentOut]:
    """A task's comments, oldest first by default."""
    return await comments.list(session, project_id, task_id, page)


@router.get("/{comment_id}", response_model=CommentOut)
async def get_comment(project_id: str, task_id: str, comment_id: str, session: SessionDep,
                      response: Response) -> CommentOut:
    """One comment, with its ETag."""
    comment = await comments.get(session, project_id, task_id, comment_id)
    set_etag(response, comment.version)
    return comment


@router.patch("/{comment_id}", response_model=CommentOut)
async def update_comment(project_id: str, task_id: str, comment_id: str, body: CommentUpdate,
                         session: SessionDep, actor: ActorDep, settings: SettingsDep,
                         if_match: IfMatchDep, response: Response) -> CommentOut:
    """Edit a comment."""
    comment = await comments.update(session, project_id, task_id, comment_id, body,
                                    if_match=if_match,
                                    require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, comment.version)
    return comment


@router.delete("/{comment_id}", status_code=204)
async def delete_comment(project_id: str, task_id: str, comment_id: str, session: SessionDep,
                         actor: ActorDep, settings: SettingsDep,
                         if_match: IfMatchDep) -> Response:
    """Delete a comment."""
    await comments.delete(session, project_id, task_id, comment_id, if_match=if_match,
                          require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
