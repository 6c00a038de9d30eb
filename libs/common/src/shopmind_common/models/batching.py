"""Dynamic batching: concurrent requests share one forward pass.

Callers `await batcher.submit(items)`; the batcher gathers what arrives
within `max_wait_s` (up to `max_batch` items), runs the batch function once
in a worker thread and hands each caller its slice of the results.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Pending(Generic[T, R]):
    items: list[T]
    future: asyncio.Future[list[R]]


@dataclass
class BatcherStats:
    batches: int = 0
    items: int = 0
    largest: int = 0
    sizes: list[int] = field(default_factory=list)


class DynamicBatcher(Generic[T, R]):
    def __init__(
        self,
        fn: Callable[[list[T]], Sequence[R]],
        *,
        max_batch: int = 32,
        max_wait_s: float = 0.005,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.fn = fn
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.stats = BatcherStats()
        self._queue: asyncio.Queue[_Pending[T, R]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, items: Sequence[T]) -> list[R]:
        """Results for `items`, computed together with whatever else is waiting."""
        if not items:
            return []
        if self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.create_task(self._run(), name="dynamic-batcher")
        assert self._queue is not None
        future: asyncio.Future[list[R]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(list(items), future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            first = await queue.get()
            group = [first]
            size = len(first.items)
            deadline = asyncio.get_running_loop().time() + self.max_wait_s
            while size < self.max_batch:
                timeout = deadline - asyncio.get_running_loop().time()
                if timeout <= 0:
                    break
                try:
                    nxt = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    break
                group.append(nxt)
                size += len(nxt.items)
            await self._flush(group)

    async def _flush(self, group: list[_Pending[T, R]]) -> None:
        flat = [item for p in group for item in p.items]
        try:
            results: list[R] = []
            # A caller may bring more than max_batch items: split, never overfill.
            for i in range(0, len(flat), self.max_batch):
                chunk = flat[i : i + self.max_batch]
                results.extend(await asyncio.to_thread(self.fn, chunk))
                self.stats.batches += 1
                self.stats.largest = max(self.stats.largest, len(chunk))
                self.stats.sizes.append(len(chunk))
            self.stats.items += len(flat)
        except Exception as exc:
            for p in group:
                if not p.future.done():
                    p.future.set_exception(exc)
            return
        start = 0
        for p in group:
            end = start + len(p.items)
            if not p.future.done():
                p.future.set_result(results[start:end])
            start = end

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
