"""Milestone endpoints under /v1/projects/{project_id}/milestones."""

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
from shopmind_projects.milestones.schemas import (
    MILESTONE_SORTS,
    MilestoneCreate,
    MilestoneOut,
    MilestoneStatus,
    MilestoneUpdate,
)
from shopmind_projects.milestones.service import milestones

router = APIRouter(prefix="/v1/projects/{project_id}/milestones", tags=["milestones"])
PageDep = Annotated[PageRequest, Depends(page_params(MILESTONE_SORTS, "due_date"))]


@router.post("", status_code=201, response_model=MilestoneOut)
async def create_milestone(project_id: str, body: MilestoneCreate, session: SessionDep,
                           actor: ActorDep, idem: IdempotencyDep) -> JSONResponse:
    """Create a milestone."""
    return created_response(await milestones.create(session, project_id, body, actor=actor,
                                                    idem=idem))


@router.get("", response_model=Page[MilestoneOut])
async def list_milestones(
    project_id: str, session: SessionDep, page: PageDep,
    status: Annotated[list[MilestoneStatus] | None, Query()] = None,
) -> Page[MilestoneOut]:
    """List a project's milestones."""
    return await milestones.list(session, project_id, page, statuses=status or ())


@router.get("/{milestone_id}", response_model=MilestoneOut)
async def get_milestone(project_id: str, milestone_id: str, session: SessionDep,
                        response: Response) -> MilestoneOut:
    """One milestone, with its ETag."""
    milestone = await milestones.get(session, project_id, milestone_id)
    set_etag(response, milestone.version)
    return milestone


@router.patch("/{milestone_id}", response_model=MilestoneOut)
async def update_milestone(project_id: str, milestone_id: str, body: MilestoneUpdate,
                           session: SessionDep, actor: ActorDep, settings: SettingsDep,
                           if_match: IfMatchDep, response: Response) -> MilestoneOut:
    """Change a milestone."""
    milestone = await milestones.update(session, project_id, milestone_id, body,
                                        if_match=if_match,
                                        require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, milestone.version)
    return milestone


@router.delete("/{milestone_id}", status_code=204)
async def delete_milestone(project_id: str, milestone_id: str, session: SessionDep,
                           actor: ActorDep, settings: SettingsDep,
                           if_match: IfMatchDep) -> Response:
    """Delete a milestone; its tasks stay, without a milestone."""
    await milestones.delete(session, project_id, milestone_id, if_match=if_match,
                            require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
