"""Runs training jobs one at a time in the background of the service's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("shopmind.decision.jobs")


class JobRunner:
    """Training is CPU-bound and multi-threaded already: one job runs at a time, others queue."""

    def __init__(self, concurrency: int = 1) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, job_id: str, run: Callable[[], Awaitable[None]]) -> None:
        async def _guarded() -> None:
            async with self._slots:
                await run()

        task = asyncio.create_task(_guarded(), name=f"training-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    async def wait(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
        for task in list(self._tasks.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
