"""Job endpoints under /v1/docgen/jobs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse

from shopmind_docgen.deps import EngineDep, LimitDep, OffsetDep, SessionDep
from shopmind_docgen.jobs.schemas import JobCreate, JobOut, JobPage, JobStatus
from shopmind_docgen.jobs.service import job_out, jobs

router = APIRouter(prefix="/v1/docgen/jobs", tags=["jobs"])


@router.post("", status_code=202, response_model=JobOut)
async def create_job(body: JobCreate, session: SessionDep, engine: EngineDep) -> JSONResponse:
    """Start producing a document; 202 with the job to follow."""
    job = await jobs.submit(session, engine, body)
    await session.commit()  # the worker must see the row before it looks for it
    assert engine.runner is not None
    engine.runner.submit(job.id)
    out = job_out(job)
    return JSONResponse(out.model_dump(mode="json"), status_code=202,
                        headers={"Location": out.links.self})


@router.get("", response_model=JobPage)
async def list_jobs(session: SessionDep, project_id: Annotated[str | None, Query(
                        max_length=36)] = None,
                    status: Annotated[list[JobStatus] | None, Query()] = None,
                    limit: LimitDep = 50, offset: OffsetDep = 0) -> JobPage:
    """Jobs, newest first."""
    return await jobs.page(session, project_id=project_id, statuses=list(status or []),
                           limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobOut)
async def get_job(job_id: str, session: SessionDep) -> JobOut:
    """A job's status, progress and outcome."""
    return await jobs.get(session, job_id)


@router.get("/{job_id}/events", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}}}})
async def job_events(job_id: str, engine: EngineDep) -> StreamingResponse:
    """Server-sent events: progress, generated text as it is written, then the end."""
    frames = await jobs.events(engine, job_id)
    return StreamingResponse(frames, media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.post("/{job_id}/cancel", response_model=JobOut, status_code=202)
async def cancel_job(job_id: str, session: SessionDep, engine: EngineDep) -> JobOut:
    """Cancel a queued or running job; 409 once it has finished."""
    return await jobs.cancel(session, engine, job_id)


@router.get("/{job_id}/draft", response_class=PlainTextResponse)
async def job_draft(job_id: str, session: SessionDep) -> PlainTextResponse:
    """The document a job produced but proofreading rejected (never published)."""
    return PlainTextResponse(await jobs.draft(session, job_id),
                             media_type="text/markdown; charset=utf-8")
