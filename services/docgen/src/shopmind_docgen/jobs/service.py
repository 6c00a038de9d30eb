"""Jobs: accept a request, report progress (stored and streamed), cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from shopmind_common.errors import Conflict, NotFound, PayloadTooLarge, Unprocessable
from shopmind_common.http import service_client
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_docgen.db.models import Job
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.jobs.repository import ACTIVE
from shopmind_docgen.jobs.repository import job_repository as repo
from shopmind_docgen.jobs.schemas import JobCreate, JobLinks, JobOut, JobPage
from shopmind_docgen.proofreading.schemas import ProofReport

FINAL = ("succeeded", "failed", "cancelled")
_PREFIX = "/v1/docgen"


def job_out(job: Job) -> JobOut:
    links = JobLinks(self=f"{_PREFIX}/jobs/{job.id}", events=f"{_PREFIX}/jobs/{job.id}/events")
    if job.document_id:
        links.document = f"{_PREFIX}/documents/{job.document_id}"
    if job.draft is not None:
        links.draft = f"{_PREFIX}/jobs/{job.id}/draft"
    return JobOut(
        id=job.id, status=job.status, type=job.doc_type, project_id=job.project_id,
        language=job.language, trigger=job.trigger, progress=job.progress,
        stage=job.stage, cancel_requested=job.cancel_requested, document_id=job.document_id,
        version=job.version, unchanged=job.unchanged, error=job.error,
        proofreading=(ProofReport.model_validate(job.proofreading)
                      if job.proofreading else None),
        created_at=job.created_at, started_at=job.started_at, finished_at=job.finished_at,
        links=links)


def _sse(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"


class JobService:
    async def _check_request(self, engine: DocgenEngine, body: JobCreate) -> None:
        settings = engine.settings
        if len(body.requirement) > settings.max_requirement_chars:
            raise PayloadTooLarge(
                f"requirement of {len(body.requirement)} characters exceeds "
                f"DOCGEN_MAX_REQUIREMENT_CHARS={settings.max_requirement_chars}",
                details=[{"field": "body.requirement", "limit": "DOCGEN_MAX_REQUIREMENT_CHARS",
                          "max": settings.max_requirement_chars,
                          "got": len(body.requirement)}])
        if body.milestone_id is not None and body.type != "release_notes":
            raise Unprocessable("milestone_id applies to release notes only",
                                details=[{"field": "body.milestone_id",
                                          "message": "only for type release_notes"}])
        if body.since is not None and body.as_of is not None and body.since > body.as_of:
            raise Unprocessable("since is after as_of",
                                details=[{"field": "body.since", "message": "after as_of"}])
        # The project (and milestone) must exist now; the job reads it all later.
        client = service_client("projects", settings, timeout_s=settings.upstream_timeout_s)
        try:
            paths = [("body.project_id", f"/v1/projects/{body.project_id}")]
            if body.milestone_id is not None:
                paths.append(("body.milestone_id", f"/v1/projects/{body.project_id}/"
                                                   f"milestones/{body.milestone_id}"))
            for field, path in paths:
                resp = await client.get(path)
                if resp.status_code == 404:
                    raise Unprocessable(f"{field.removeprefix('body.')} does not exist",
                                        details=[{"field": field, "message": "not found"}])
                if resp.status_code >= 400:
                    raise Conflict(f"projects answered {resp.status_code} for {path}",
                                   details={"upstream": "projects",
                                            "status": resp.status_code})
        finally:
            await client.aclose()

    async def submit(self, session: AsyncSession, engine: DocgenEngine, body: JobCreate, *,
                     trigger: str = "request", check: bool = True) -> Job:
        if check:
            await self._check_request(engine, body)
        job = Job(project_id=body.project_id, doc_type=body.type, language=body.language,
                  request=body.model_dump(mode="json"), trigger=trigger, status="queued",
                  stage="queued", progress=0.0)
        repo.add(session, job)
        await session.flush()
        return job

    async def _job(self, session: AsyncSession, job_id: str) -> Job:
        job = await repo.get(session, job_id)
        if job is None:
            raise NotFound(f"job {job_id} not found",
                           details=[{"field": "path.job_id", "message": "unknown"}])
        return job

    async def get(self, session: AsyncSession, job_id: str) -> JobOut:
        return job_out(await self._job(session, job_id))

    async def page(self, session: AsyncSession, *, project_id: str | None,
                   statuses: list[str], limit: int, offset: int) -> JobPage:
        rows, total = await repo.page(session, project_id=project_id, statuses=statuses,
                                      limit=limit, offset=offset)
        nxt = offset + len(rows)
        return JobPage(items=[job_out(j) for j in rows], total=total, limit=limit,
                       offset=offset, next_offset=nxt if nxt < total else None)

    async def cancel(self, session: AsyncSession, engine: DocgenEngine, job_id: str) -> JobOut:
        job = await self._job(session, job_id)
        if job.status in FINAL:
            raise Conflict(f"job {job_id} already {job.status}",
                           details=[{"field": "path.job_id", "status": job.status}])
        if job.status == "queued":
            await repo.finish(session, job_id, "cancelled", stage="cancelled",
                              cancel_requested=True)
            engine.hub.publish(job_id, "end", {"status": "cancelled"})
        else:
            # Running here or on another replica: the flag is seen at the next stage or
            # text piece, where the job stops and is marked cancelled.
            await repo.request_cancel(session, job_id)
            if engine.runner is not None:
                engine.runner.cancel(job_id)
        await session.flush()
        return job_out(await self._job(session, job_id))

    async def draft(self, session: AsyncSession, job_id: str) -> str:
        job = await self._job(session, job_id)
        if job.draft is None:
            raise NotFound(f"job {job_id} has no rejected draft",
                           details=[{"field": "path.job_id", "message": "no draft"}])
        return str(job.draft)

    async def events(self, engine: DocgenEngine, job_id: str) -> AsyncIterator[str]:
        """SSE frames: `progress` and `token` while it runs, then `end` with the job."""
        async with engine.db.session() as s:
            first = job_out(await self._job(s, job_id))
        queue = engine.hub.subscribe(job_id)

        async def frames() -> AsyncIterator[str]:
            try:
                yield _sse("progress", {"status": first.status, "stage": first.stage,
                                        "progress": first.progress})
                last = (first.status, first.stage, first.progress)
                status = first.status
                while status in ACTIVE:
                    try:
                        event, data = await asyncio.wait_for(queue.get(), timeout=1.0)
                    except TimeoutError:
                        event, data = "", {}
                    if event == "token":
                        yield _sse("token", data)
                        continue
                    if event == "section":
                        yield _sse("section", data)
                        continue
                    # Progress and the end are read back from the job row: the same
                    # answer whichever replica runs the job.
                    async with engine.db.session() as s:
                        job = await repo.get(s, job_id)
                    if job is None:
                        break
                    status = job.status
                    now = (job.status, job.stage, job.progress)
                    if now != last and job.status in ACTIVE:
                        yield _sse("progress", {"status": job.status, "stage": job.stage,
                                                "progress": job.progress})
                    last = now
                    if event == "" and job.status in ACTIVE:
                        yield ": keep-alive\n\n"
                async with engine.db.session() as s:
                    final = job_out(await self._job(s, job_id))
                yield _sse("end", final.model_dump(mode="json"))
            finally:
                engine.hub.unsubscribe(job_id, queue)

        return frames()


jobs = JobService()
