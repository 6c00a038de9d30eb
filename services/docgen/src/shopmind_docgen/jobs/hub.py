"""Live job events for SSE subscribers in this process (progress, text pieces, the end).

Progress is also stored on the job row, so a subscriber on another replica
still sees it by polling; text pieces are only seen where the job runs.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

_QUEUE_MAX = 2000


class ProgressHub:
    def __init__(self) -> None:
        self._subs: dict[str, set[asyncio.Queue[tuple[str, dict[str, Any]]]]] = {}

    def subscribe(self, job_id: str) -> asyncio.Queue[tuple[str, dict[str, Any]]]:
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(_QUEUE_MAX)
        self._subs.setdefault(job_id, set()).add(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[tuple[str, dict[str, Any]]]) -> None:
        subs = self._subs.get(job_id)
        if subs is not None:
            subs.discard(queue)
            if not subs:
                self._subs.pop(job_id, None)

    def publish(self, job_id: str, event: str, data: dict[str, Any]) -> None:
        """Call on the event loop. A slow subscriber loses text pieces, never the end."""
        for queue in list(self._subs.get(job_id, ())):
            if queue.full():
                if event == "token":
                    continue
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait((event, data))

    def subscribers(self, job_id: str) -> int:
        return len(self._subs.get(job_id, ()))
