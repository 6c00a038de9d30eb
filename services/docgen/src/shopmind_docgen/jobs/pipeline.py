"""One job, start to end: read the project, write prose, render, proofread, publish."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import UTC, datetime
from typing import Any

from shopmind_common.errors import ServiceError

from shopmind_docgen.documents.service import documents
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.jobs.repository import job_repository as repo
from shopmind_docgen.jobs.schemas import JobCreate
from shopmind_docgen.proofreading.service import proofreader
from shopmind_docgen.rendering.facts import Facts, build_facts
from shopmind_docgen.rendering.i18n import labels
from shopmind_docgen.rendering.prose import ProseCancelled, ProseResult
from shopmind_docgen.rendering.service import PROSE_SECTIONS, renderer
from shopmind_docgen.sources.schemas import Insights, NegativeAspect, ProjectSnapshot
from shopmind_docgen.sources.service import insight_source, project_source

log = logging.getLogger("shopmind.docgen.pipeline")

# Share of the progress bar each stage ends at.
_FETCHED, _PROSE_END, _RENDERED, _PROOFREAD = 0.15, 0.8, 0.85, 0.9


class JobCancelled(Exception):
    pass


class JobFailed(Exception):
    """A job-level failure: `body` is the job's error, `fields` more job columns to set."""

    def __init__(self, code: str, message: str, *, fields: dict[str, Any] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.body = {"code": code, "message": message, **extra}
        self.fields = fields or {}


def document_title(facts: Facts) -> str:
    sep = " — " if facts.language == "en" else " "
    return f"{facts.project.name}{sep}{labels(facts.language)['titles'][facts.doc_type]}"


def variant_of(req: JobCreate) -> str:
    if req.type == "release_notes" and req.milestone_id:
        return f"milestone:{req.milestone_id}"
    return ""


class JobContext:
    """Progress reporting and cancellation for one running job."""

    def __init__(self, engine: DocgenEngine, job_id: str, cancel: threading.Event) -> None:
        self.engine = engine
        self.job_id = job_id
        self.cancel = cancel
        self.loop = asyncio.get_running_loop()

    async def progress(self, stage: str, progress: float) -> None:
        async with self.engine.db.session() as s:
            await repo.set(s, self.job_id, stage=stage, progress=round(progress, 3))
            requested = await repo.cancel_requested(s, self.job_id)
        if requested:
            self.cancel.set()
        self.engine.hub.publish(self.job_id, "progress", {"stage": stage,
                                                          "progress": round(progress, 3)})
        if self.cancel.is_set():
            raise JobCancelled()

    def piece(self, section: str, text: str) -> None:
        """From the generation thread: hand a text piece to the loop."""
        self.loop.call_soon_threadsafe(self.engine.hub.publish, self.job_id, "token",
                                       {"section": section, "text": text})


async def _insights(engine: DocgenEngine, req: JobCreate) -> Insights:
    if req.type != "prd":
        return Insights()
    if req.pain_points is not None:
        return Insights(product_line=req.product_line, source="request",
                        negative_aspects=[NegativeAspect(**p.model_dump())
                                          for p in req.pain_points])
    if req.product_line or req.product_ids:
        return await insight_source.negative_aspects(engine.settings, req.product_line,
                                                     req.product_ids)
    return Insights()


async def _write_prose(ctx: JobContext, facts: Facts, req: JobCreate,
                       snap: ProjectSnapshot) -> tuple[dict[str, str], dict[str, Any]]:
    engine = ctx.engine
    writer = engine.writer
    sections = PROSE_SECTIONS[facts.doc_type]
    if writer.uses_model(facts.language) or not engine.model_settled.is_set():
        # A model still loading at start-up: wait for it rather than write without it.
        await asyncio.wait_for(engine.model_settled.wait(), engine.settings.job_timeout_s)
    prose: dict[str, str] = {}
    meta: dict[str, Any] = {}
    span = (_PROSE_END - _FETCHED) / max(1, len(sections))
    for i, section in enumerate(sections):
        await ctx.progress(f"writing:{section}", _FETCHED + i * span)
        try:
            result: ProseResult = await asyncio.to_thread(
                writer.write, section, facts, on_piece=ctx.piece,
                cancelled=ctx.cancel.is_set)
        except ProseCancelled:
            raise JobCancelled() from None
        replaced = None
        if result.source == "model" and req.on_unverified_prose == "replace":
            check = proofreader.check(result.text, snap, facts)
            if not check.ok:
                replaced = [i.model_dump() for i in check.issues]
                result = writer.write_template(section, facts)
        prose[section] = result.text
        meta[section] = {"source": result.source, "model": result.model,
                         "seconds": round(result.seconds, 3),
                         "first_piece_s": (round(result.first_piece_s, 3)
                                           if result.first_piece_s is not None else None),
                         "error": result.error, "replaced_issues": replaced}
        engine.hub.publish(ctx.job_id, "section", {"section": section,
                                                   "source": result.source})
    return prose, meta


async def run(engine: DocgenEngine, job_id: str, cancel: threading.Event) -> None:
    """Run a claimed job to a final status (never raises for job-level failures)."""
    ctx = JobContext(engine, job_id, cancel)
    try:
        async with engine.db.session() as s:
            job = await repo.get(s, job_id)
            assert job is not None
            req = JobCreate.model_validate(job.request)
            trigger = job.trigger
        result = await asyncio.wait_for(_produce(ctx, req, trigger),
                                        engine.settings.job_timeout_s)
        await _finish(engine, job_id, "succeeded", **result)
    except JobCancelled:
        await _finish(engine, job_id, "cancelled", stage="cancelled")
    except JobFailed as exc:
        await _finish(engine, job_id, "failed", stage="failed", error=exc.body, **exc.fields)
    except TimeoutError:
        await _finish(engine, job_id, "failed", stage="failed",
                      error={"code": "timeout", "message":
                             f"the job ran past DOCGEN_JOB_TIMEOUT_S="
                             f"{engine.settings.job_timeout_s:g}"})
    except ServiceError as exc:  # upstream 404/503 and the like
        await _finish(engine, job_id, "failed", stage="failed",
                      error={"code": exc.code, "message": exc.message, "details": exc.details})
    except asyncio.CancelledError:
        raise  # shutting down: the runner puts the job back in the queue
    except Exception as exc:
        log.exception("job %s crashed", job_id)
        await _finish(engine, job_id, "failed", stage="failed",
                      error={"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"})


async def _produce(ctx: JobContext, req: JobCreate, trigger: str) -> dict[str, Any]:
    engine = ctx.engine
    await ctx.progress("fetching", 0.02)
    as_of = req.as_of or datetime.now(UTC).date()
    snap = await project_source.snapshot(engine.settings, req.project_id, as_of)
    if req.milestone_id is not None and req.milestone_id not in snap.milestone_by_id():
        raise JobFailed("invalid_request", f"milestone {req.milestone_id} is not in the project",
                        details=[{"field": "body.milestone_id", "message": "unknown"}])
    insights = await _insights(engine, req)
    facts = build_facts(req.type, req.language, snap, as_of=as_of, requirement=req.requirement,
                        insights=insights, milestone_id=req.milestone_id, since=req.since)
    await ctx.progress("fetched", _FETCHED)

    prose, prose_meta = await _write_prose(ctx, facts, req, snap)
    await ctx.progress("rendering", _PROSE_END)
    markdown = renderer.render(facts, prose)
    await ctx.progress("proofreading", _RENDERED)
    report = proofreader.check(markdown, snap, facts)
    if not report.ok:
        raise JobFailed("proofreading_failed",
                        f"the document cites {len(report.issues)} thing(s) the project data "
                        "does not have; it was not published",
                        issues=[i.model_dump() for i in report.issues[:50]],
                        fields={"draft": markdown,
                                "proofreading": report.model_dump(mode="json")})
    await ctx.progress("publishing", _PROOFREAD)

    options = req.model_dump(mode="json", exclude={"as_of", "since"})
    generation = {"sections": prose_meta,
                  "backend": engine.writer.generator.backend
                  if engine.writer.generator is not None else "none"}
    source = {"project_id": snap.project.id, "project_version": snap.project.version,
              "fetched_at": snap.fetched_at.isoformat(), "as_of": as_of.isoformat(),
              "period": [facts.period_start.isoformat(), facts.period_end.isoformat()],
              "tasks": len(snap.tasks), "milestones": len(snap.milestones),
              "members": len(snap.members), "schedule": snap.schedule is not None,
              "progress": "projects" if snap.progress is not None else "docgen",
              "risk_flags": "projects" if snap.risk_flags is not None else "docgen",
              "insights": {"source": insights.source, "note": insights.note,
                           "product_line": insights.product_line}}
    async with engine.db.session() as s:
        doc, version, unchanged = await documents.publish(
            s, project_id=snap.project.id, doc_type=req.type, language=req.language,
            variant=variant_of(req), title=document_title(facts), markdown=markdown,
            proofreading=report, generation=generation, source=source, options=options,
            job_id=ctx.job_id, trigger=trigger)
    return {"stage": "done", "progress": 1.0, "document_id": doc.id, "version": version,
            "unchanged": unchanged, "proofreading": report.model_dump(mode="json")}


async def _finish(engine: DocgenEngine, job_id: str, status: str, **values: Any) -> None:
    async with engine.db.session() as s:
        await repo.finish(s, job_id, status, **values)
    engine.hub.publish(job_id, "end", {"status": status})

