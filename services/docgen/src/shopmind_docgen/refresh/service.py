"""Freshness: a task change schedules its project's status reports for regeneration.

Changes are debounced in the database: each one pushes the project's due time
to `DOCGEN_REFRESH_DEBOUNCE_S` after it (but never past ten debounce periods
after the first), so a burst of edits gives one new version. A poller turns
due projects into jobs, one per status report (language) the project has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from shopmind_docgen.db.models import PendingRefresh, utcnow
from shopmind_docgen.documents.service import documents
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.jobs.schemas import JobCreate
from shopmind_docgen.jobs.service import jobs
from shopmind_docgen.refresh.repository import refresh_repository as repo

log = logging.getLogger("shopmind.docgen.refresh")

_MAX_WAIT_PERIODS = 10


class Refresher:
    def __init__(self, engine: DocgenEngine) -> None:
        self.engine = engine
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self.jobs_started = 0

    async def schedule(self, project_id: str) -> None:
        debounce = timedelta(seconds=self.engine.settings.refresh_debounce_s)
        now = utcnow()
        async with self.engine.db.session() as s:
            row = await repo.get(s, project_id)
            if row is None:
                repo.add(s, PendingRefresh(project_id=project_id, due_at=now + debounce,
                                           changes=1, first_change_at=now))
            else:
                row.due_at = min(now + debounce, row.first_change_at + debounce
                                 * _MAX_WAIT_PERIODS)
                row.changes += 1
        self._wake.set()

    async def run_due(self) -> tuple[int, float | None]:
        """Start jobs for every project now due: (jobs started, seconds to the next due)."""
        started = 0
        now = utcnow()
        async with self.engine.db.session() as s:
            due = [(r.project_id, r.due_at, r.changes) for r in await repo.due(s, now)]
            upcoming = await repo.next_due(s, now)
        for project_id, due_at, changes in due:
            async with self.engine.db.session() as s:
                if not await repo.take(s, project_id, due_at):
                    continue  # postponed by a newer change, or taken by another replica
                reports = await documents.status_reports(s, project_id)
                created = []
                for doc in reports:
                    body = JobCreate.model_validate({**doc.options, "type": "status",
                                                     "project_id": project_id,
                                                     "language": doc.language})
                    job = await jobs.submit(s, self.engine, body, trigger="event",
                                            check=False)
                    created.append(job.id)
            log.info("project %s: %d changes -> %d status report jobs", project_id, changes,
                     len(created))
            if self.engine.runner is not None:
                for job_id in created:
                    self.engine.runner.submit(job_id)
            started += len(created)
        self.jobs_started += started
        wait = (upcoming - now).total_seconds() if upcoming is not None else None
        return started, wait

    async def _loop(self) -> None:
        poll = self.engine.settings.refresh_poll_s
        while True:
            wait: float | None = poll
            self._wake.clear()
            try:
                _, wait = await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("refresh poll failed; retrying")
            # Sleep until the next due refresh, a new change here, or the idle poll (which
            # picks up refreshes scheduled by other replicas).
            timeout = poll * 20 if wait is None else min(max(wait, 0.0) + 0.01, poll * 20)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, poll))

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="docgen-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
