"""The projected schedule and critical path under /v1/projects/{project_id}/schedule."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from shopmind_projects.deps import ActorDep, SessionDep
from shopmind_projects.scheduling.schemas import RescheduleOut, ScheduleOut
from shopmind_projects.scheduling.service import scheduling

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["schedule"])
AsOf = Annotated[date | None, Query(description="the day to project from; default today")]


@router.get("/schedule", response_model=ScheduleOut)
async def get_schedule(project_id: str, session: SessionDep, as_of: AsOf = None) -> ScheduleOut:
    """Projected start and finish of every task, slack, and the critical path."""
    return await scheduling.schedule(session, project_id, as_of)


@router.post("/schedule:apply", response_model=RescheduleOut)
async def apply_schedule(project_id: str, session: SessionDep, actor: ActorDep,
                         as_of: AsOf = None) -> RescheduleOut:
    """Move every not-started task whose planned dates the projection has overtaken."""
    return await scheduling.apply(session, project_id, actor=actor, as_of=as_of)
