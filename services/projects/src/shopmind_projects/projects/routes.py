"""Project endpoints under /v1/projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from shopmind_projects.core.http import created_response, set_etag
from shopmind_projects.core.pagination import Page, PageRequest
from shopmind_projects.deps import ActorDep, IdempotencyDep, IfMatchDep, SessionDep, SettingsDep
from shopmind_projects.deps import page_params as _page_params
from shopmind_projects.projects.schemas import (
    PROJECT_SORTS,
    ProjectCreate,
    ProjectOut,
    ProjectStatus,
    ProjectUpdate,
)
from shopmind_projects.projects.service import projects

router = APIRouter(prefix="/v1/projects", tags=["projects"])
PageDep = Annotated[PageRequest, Depends(_page_params(PROJECT_SORTS, "-created_at"))]


@router.post("", status_code=201, response_model=ProjectOut)
async def create_project(body: ProjectCreate, session: SessionDep, actor: ActorDep,
                         idem: IdempotencyDep) -> JSONResponse:
    """Create a project."""
    return created_response(await projects.create(session, body, actor=actor, idem=idem))


@router.get("", response_model=Page[ProjectOut])
async def list_projects(
    session: SessionDep, page: PageDep,
    status: Annotated[list[ProjectStatus] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200, description="name contains")] = None,
) -> Page[ProjectOut]:
    """List projects, filtered and sorted."""
    return await projects.list(session, page, statuses=status or (), q=q)


@router.get("/{project_id}", response_model=ProjectOut)
async def get_project(project_id: str, session: SessionDep, response: Response) -> ProjectOut:
    """One project, with its ETag."""
    project = await projects.get(session, project_id)
    set_etag(response, project.version)
    return project


@router.patch("/{project_id}", response_model=ProjectOut)
async def update_project(project_id: str, body: ProjectUpdate, session: SessionDep,
                         actor: ActorDep, settings: SettingsDep, if_match: IfMatchDep,
                         response: Response) -> ProjectOut:
    """Change a project; If-Match with a stale ETag gives 412."""
    project = await projects.update(session, project_id, body, if_match=if_match,
                                    require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, project.version)
    return project


@router.delete("/{project_id}", status_code=204)
async def delete_project(project_id: str, session: SessionDep, actor: ActorDep,
                         settings: SettingsDep, if_match: IfMatchDep) -> Response:
    """Delete a project and everything in it (the activity log stays)."""
    await projects.delete(session, project_id, if_match=if_match,
                          require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
