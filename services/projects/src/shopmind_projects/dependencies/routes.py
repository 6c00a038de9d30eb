"""Dependency endpoints under /v1/projects/{project_id}/dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import JSONResponse

from shopmind_projects.core.http import created_response, set_etag
from shopmind_projects.core.pagination import Page, PageRequest
from shopmind_projects.dependencies.schemas import (
    DEPENDENCY_SORTS,
    DependencyCreate,
    DependencyOut,
    DependencyUpdate,
)
from shopmind_projects.dependencies.service import dependencies
from shopmind_projects.deps import (
    ActorDep,
    IdempotencyDep,
    IfMatchDep,
    SessionDep,
    SettingsDep,
    page_params,
)

router = APIRouter(prefix="/v1/projects/{project_id}/dependencies", tags=["dependencies"])
PageDep = Annotated[PageRequest, Depends(page_params(DEPENDENCY_SORTS, "created_at"))]


@router.post("", status_code=201, response_model=DependencyOut)
async def create_dependency(project_id: str, body: DependencyCreate, session: SessionDep,
                            actor: ActorDep, idem: IdempotencyDep) -> JSONResponse:
    """Make a task wait for another; a cycle is refused with 422 naming it."""
    return created_response(await dependencies.create(session, project_id, body, actor=actor,
                                                       idem=idem))


@router.get("", response_model=Page[DependencyOut])
async def list_dependencies(
    project_id: str, session: SessionDep, page: PageDep,
    task_id: Annotated[str | None, Query(max_length=36,
                                         description="only edges touching this task")] = None,
) -> Page[DependencyOut]:
    """List a project's dependencies."""
    return await dependencies.list(session, project_id, page, task_id=task_id)


@router.get("/{dependency_id}", response_model=DependencyOut)
async def get_dependency(project_id: str, dependency_id: str, session: SessionDep,
                         response: Response) -> DependencyOut:
    """One dependency, with its ETag."""
    dep = await dependencies.get(session, project_id, dependency_id)
    set_etag(response, dep.version)
    return dep


@router.patch("/{dependency_id}", response_model=DependencyOut)
async def update_dependency(project_id: str, dependency_id: str, body: DependencyUpdate,
                            session: SessionDep, actor: ActorDep, settings: SettingsDep,
                            if_match: IfMatchDep, response: Response) -> DependencyOut:
    """Change a dependency's lag; a longer lag moves successors."""
    dep = await dependencies.update(session, project_id, dependency_id, body,
                                    if_match=if_match,
                                    require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, dep.version)
    return dep


@router.delete("/{dependency_id}", status_code=204)
async def delete_dependency(project_id: str, dependency_id: str, session: SessionDep,
                            actor: ActorDep, settings: SettingsDep,
                            if_match: IfMatchDep) -> Response:
    """Remove a dependency."""
    await dependencies.delete(session, project_id, dependency_id, if_match=if_match,
                              require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
