"""Member endpoints under /v1/projects/{project_id}/members."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

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
from shopmind_projects.members.schemas import MEMBER_SORTS, MemberCreate, MemberOut, MemberUpdate
from shopmind_projects.members.service import members

router = APIRouter(prefix="/v1/projects/{project_id}/members", tags=["members"])
PageDep = Annotated[PageRequest, Depends(page_params(MEMBER_SORTS, "name"))]


@router.post("", status_code=201, response_model=MemberOut)
async def create_member(project_id: str, body: MemberCreate, session: SessionDep,
                        actor: ActorDep, idem: IdempotencyDep) -> JSONResponse:
    """Add a member with skills and weekly capacity."""
    return created_response(await members.create(session, project_id, body, actor=actor,
                                                 idem=idem))


@router.get("", response_model=Page[MemberOut])
async def list_members(
    project_id: str, session: SessionDep, page: PageDep,
    q: Annotated[str | None, Query(max_length=200, description="name contains")] = None,
    role: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[MemberOut]:
    """List a project's members."""
    return await members.list(session, project_id, page, q=q, role=role)


@router.get("/{member_id}", response_model=MemberOut)
async def get_member(project_id: str, member_id: str, session: SessionDep,
                     response: Response) -> MemberOut:
    """One member, with its ETag."""
    member = await members.get(session, project_id, member_id)
    set_etag(response, member.version)
    return member


@router.patch("/{member_id}", response_model=MemberOut)
async def update_member(project_id: str, member_id: str, body: MemberUpdate,
                        session: SessionDep, actor: ActorDep, settings: SettingsDep,
                        if_match: IfMatchDep, response: Response) -> MemberOut:
    """Change a member."""
    member = await members.update(session, project_id, member_id, body, if_match=if_match,
                                  require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, member.version)
    return member


@router.delete("/{member_id}", status_code=204)
async def delete_member(project_id: str, member_id: str, session: SessionDep, actor: ActorDep,
                        settings: SettingsDep, if_match: IfMatchDep) -> Response:
    """Remove a member; their tasks become unassigned."""
    await members.delete(session, project_id, member_id, if_match=if_match,
                         require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
