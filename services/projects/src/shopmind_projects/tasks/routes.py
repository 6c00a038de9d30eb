"""Task endpoints under /v1/projects/{project_id}/tasks."""

from __future__ import annotations

from datetime import date, datetime
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
from shopmind_projects.tasks.schemas import (
    TASK_SORTS,
    Priority,
    TaskCreate,
    TaskFilters,
    TaskOut,
    TaskStatus,
    TaskUpdate,
)
from shopmind_projects.tasks.service import tasks

router = APIRouter(prefix="/v1/projects/{project_id}/tasks", tags=["tasks"])
PageDep = Annotated[PageRequest, Depends(page_params(TASK_SORTS, "number"))]


def _filters(
    status: Annotated[list[TaskStatus] | None, Query()] = None,
    priority: Annotated[list[Priority] | None, Query()] = None,
    assignee_id: Annotated[str | None, Query(max_length=36,
                                             description="a member id, or 'none'")] = None,
    milestone_id: Annotated[str | None, Query(max_length=36,
                                              description="a milestone id, or 'none'")] = None,
    label: Annotated[list[str] | None, Query(description="any of these labels")] = None,
    q: Annotated[str | None, Query(max_length=200, description="title contains")] = None,
    due_before: date | None = None,
    due_after: date | None = None,
    updated_since: datetime | None = None,
    open: Annotated[bool, Query(description="only tasks not done or cancelled")] = False,
) -> TaskFilters:
    return TaskFilters(statuses=status or [], priorities=priority or [],
                       assignee_id=assignee_id, milestone_id=milestone_id,
                       labels=[lb.strip().lower() for lb in label or []], q=q,
                       due_before=due_before, due_after=due_after, updated_since=updated_since,
                       open_only=open)


FiltersDep = Annotated[TaskFilters, Depends(_filters)]


@router.post("", status_code=201, response_model=TaskOut)
async def create_task(project_id: str, body: TaskCreate, session: SessionDep, actor: ActorDep,
                      idem: IdempotencyDep) -> JSONResponse:
    """Create a task; a retried request with the same Idempotency-Key creates it once."""
    return created_response(await tasks.create(session, project_id, body, actor=actor,
                                               idem=idem))


@router.get("", response_model=Page[TaskOut])
async def list_tasks(project_id: str, session: SessionDep, page: PageDep,
                     filters: FiltersDep) -> Page[TaskOut]:
    """List a project's tasks, filtered and sorted."""
    return await tasks.list(session, project_id, page, filters)


@router.get("/{task_id}", response_model=TaskOut)
async def get_task(project_id: str, task_id: str, session: SessionDep,
                   response: Response) -> TaskOut:
    """One task, with its ETag."""
    task = await tasks.get(session, project_id, task_id)
    set_etag(response, task.version)
    return task


@router.patch("/{task_id}", response_model=TaskOut)
async def update_task(project_id: str, task_id: str, body: TaskUpdate, session: SessionDep,
                      actor: ActorDep, settings: SettingsDep, if_match: IfMatchDep,
                      response: Response) -> TaskOut:
    """Change a task (status through the workflow); successors move if it slips."""
    task = await tasks.update(session, project_id, task_id, body, if_match=if_match,
                              require_if_match=settings.require_if_match, actor=actor)
    set_etag(response, task.version)
    return task


@router.delete("/{task_id}", status_code=204)
async def delete_task(project_id: str, task_id: str, session: SessionDep, actor: ActorDep,
                      settings: SettingsDep, if_match: IfMatchDep) -> Response:
    """Delete a task with its labels, dependencies and comments."""
    await tasks.delete(session, project_id, task_id, if_match=if_match,
                       require_if_match=settings.require_if_match, actor=actor)
    return Response(status_code=204)
