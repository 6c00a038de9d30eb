"""Progress, burndown and risks under /v1/projects/{project_id}."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shopmind_projects.deps import SessionDep
from shopmind_projects.insights.schemas import BurndownOut, ProgressOut, RisksOut
from shopmind_projects.insights.service import insights

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["insights"])
AsOf = Annotated[date | None, Query(description="the day to judge from; default today")]


@router.get("/progress", response_model=ProgressOut)
async def get_progress(project_id: str, session: SessionDep) -> ProgressOut:
    """Percent done weighted by estimate, overall and per milestone."""
    return await insights.progress(session, project_id)


@router.get("/milestones/{milestone_id}/burndown", response_model=BurndownOut)
async def get_burndown(project_id: str, milestone_id: str, session: SessionDep,
                       as_of: AsOf = None) -> BurndownOut:
    """Remaining estimated hours per working day of a milestone, with the ideal line."""
    return await insights.burndown(session, project_id, milestone_id, as_of=as_of)


@router.get("/risks", response_model=RisksOut)
async def get_risks(project_id: str, session: SessionDep, as_of: AsOf = None) -> RisksOut:
    """Overdue and blocked tasks, assignees over capacity, milestones projected late."""
    return await insights.risks(session, project_id, as_of=as_of)
