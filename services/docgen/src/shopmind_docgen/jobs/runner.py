"""The job workers of this process: claim a queued job, run it, pick up the next.

Jobs live in the database; the in-memory queue only says which ones to try.
A job is claimed with a conditional update, so two replicas never run the same
one. At start, jobs left queued, or running past their lease by a process that
died, are taken up again; at a clean stop, running jobs go back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import timedelta

from shopmind_docgen.db.models import utcnow
from shopmind_docgen.engine import DocgenEngine
from shopmind_docgen.jobs import pipeline
from shopmind_docgen.jobs.repository import job_repository as repo

log = logging.getLogger("shopmind.docgen.runner")


class JobRunner:
    def __init__(self, engine: DocgenEngine) -> None:
        self.engine = engine
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.workers: list[asyncio.Task[None]] = []
        self.cancels: dict[str, threading.Event] = {}
        self.active: set[str] = set()

    async def start(self) -> None:
        lease = timedelta(seconds=self.engine.settings.job_timeout_s)
        async with self.engine.db.session() as s:
            requeued = await repo.requeue_running(s, utcnow() - lease)
            pending = await repo.unfinished(s)
        if requeued:
            log.warning("requeued %d jobs left running by a stopped process", requeued)
        for job_id in pending:
            self.queue.put_nowait(job_id)
        for i in range(self.engine.settings.job_workers):
            self.workers.append(asyncio.create_task(self._work(), name=f"docgen-job-{i}"))

    def submit(self, job_id: str) -> None:
        self.queue.put_nowait(job_id)

    def cancel(self, job_id: str) -> bool:
        """Signal a job running here; False if it is not running in this process."""
        event = self.cancels.get(job_id)
        if event is None:
            return False
        event.set()
        return True

    async def _work(self) -> None:
        while True:
            job_id = await self.queue.get()
            try:
                async with self.engine.db.session() as s:
                    claimed = await repo.claim(s, job_id)
                if not claimed:
                    continue  # cancelled while queued, or another worker took it
                self.cancels[job_id] = threading.Event()
                self.active.add(job_id)
                self.engine.hub.publish(job_id, "progress", {"stage": "starting",
                                                             "progress": 0.0})
                await pipeline.run(self.engine, job_id, self.cancels[job_id])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("worker failed on job %s", job_id)
            finally:
                self.cancels.pop(job_id, None)
                self.active.discard(job_id)
                self.queue.task_done()

    async def idle(self) -> None:
        """Wait until every submitted job has been handled (tests and benchmarks)."""
        await self.queue.join()

    async def stop(self) -> None:
        interrupted = set(self.active)
        for event in self.cancels.values():
            event.set()  # a generation thread stops at its next piece
        for task in self.workers:
            task.cancel()
        for task in self.workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self.workers.clear()
        if interrupted:
            async with self.engine.db.session() as s:
                for job_id in interrupted:
                    await repo.set(s, job_id, status="queued", stage="requeued")
