"""Assignment suggestions under /v1/projects/{project_id}/tasks/{task_id}."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shopmind_projects.assignments.schemas import SuggestionsOut
from shopmind_projects.assignments.service import assignments
from shopmind_projects.deps import NlpDep, SessionDep

router = APIRouter(prefix="/v1/projects/{project_id}/tasks/{task_id}", tags=["assignments"])


@router.get("/assignment-suggestions", response_model=SuggestionsOut)
async def suggest_assignees(project_id: str, task_id: str, session: SessionDep, nlp: NlpDep,
                            limit: Annotated[int, Query(ge=1, le=50)] = 5) -> SuggestionsOut:
    """Members ranked by skill match and load, with the reasons."""
    return await assignments.suggest(session, nlp, project_id, task_id, limit=limit)
