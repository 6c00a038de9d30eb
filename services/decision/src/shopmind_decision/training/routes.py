"""Training job endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Query

from shopmind_decision.deps import SessionDep, StateDep
from shopmind_decision.training.schemas import TrainingJobIn, TrainingJobOut, TrainingJobsOut
from shopmind_decision.training.service import training

router = APIRouter(prefix="/v1/decision/training/jobs", tags=["training"])


@router.post("", response_model=TrainingJobOut, status_code=202)
async def start_job(body: TrainingJobIn, state: StateDep) -> TrainingJobOut:
    """Start a training job; poll it by id."""
    return await training.start(state, body)


@router.get("", response_model=TrainingJobsOut)
async def list_jobs(session: SessionDep, limit: int = Query(default=50, ge=1, le=500)
                    ) -> TrainingJobsOut:
    """The most recent training jobs."""
    return await training.recent(session, limit)


@router.get("/{job_id}", response_model=TrainingJobOut)
async def get_job(job_id: str, session: SessionDep) -> TrainingJobOut:
    """One training job: status, metrics and the model version it registered."""
    return await training.get(session, job_id)
