"""The activity log under /v1/projects/{project_id}/activity."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from shopmind_projects.activity.schemas import ActivityOut, EntityType
from shopmind_projects.activity.service import activity
from shopmind_projects.core.pagination import Page, PageRequest
from shopmind_projects.deps import SessionDep, page_params

router = APIRouter(prefix="/v1/projects/{project_id}/activity", tags=["activity"])
PageDep = Annotated[PageRequest, Depends(page_params(("id",), "-id"))]


@router.get("", response_model=Page[ActivityOut])
async def list_activity(
    project_id: str, session: SessionDep, page: PageDep,
    entity_type: Annotated[EntityType | None, Query()] = None,
    entity_id: Annotated[str | None, Query(max_length=36)] = None,
    action: Annotated[str | None, Query(max_length=30)] = None,
) -> Page[ActivityOut]:
    """Every change in a project, newest first by default."""
    return await activity.list(session, project_id, page, entity_type=entity_type,
                               entity_id=entity_id, action=action)
