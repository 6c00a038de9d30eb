"""Tasks from text under /v1/projects/{project_id}/tasks:from-text and tasks:accept."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shopmind_projects.core.http import created_response
from shopmind_projects.deps import ActorDep, IdempotencyDep, NlpDep, SessionDep, SettingsDep
from shopmind_projects.planning.schemas import AcceptIn, AcceptOut, FromTextIn, FromTextOut
from shopmind_projects.planning.service import planning

router = APIRouter(prefix="/v1/projects/{project_id}", tags=["planning"])


@router.post("/tasks:from-text", response_model=FromTextOut)
async def tasks_from_text(project_id: str, body: FromTextIn, session: SessionDep, nlp: NlpDep,
                          settings: SettingsDep) -> FromTextOut:
    """Propose tasks with estimates from a requirement paragraph; nothing is saved."""
    return await planning.from_text(session, nlp, settings, project_id, body)


@router.post("/tasks:accept", status_code=201, response_model=AcceptOut)
async def accept_tasks(project_id: str, body: AcceptIn, session: SessionDep, actor: ActorDep,
                       idem: IdempotencyDep) -> JSONResponse:
    """Save proposed (possibly edited) tasks and their dependencies, all or nothing."""
    return created_response(await planning.accept(session, project_id, body, actor=actor,
                                                  idem=idem))
