"""What a service's lifespan starts and stops: the bus, consumers, background loads.

async with ServiceRuntime(app) as rt:
    rt.add_consumer("kg", [REVIEW_ENRICHED], batch_handler=ingest)
    rt.load_in_background("sentiment", load_models)
    yield
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from fastapi import FastAPI

from shopmind_common.app import Readiness, ServiceInfo
from shopmind_common.events import (
    BatchHandler,
    ConsumerRunner,
    EventBus,
    Handler,
    Inbox,
    bus_from_settings,
)
from shopmind_common.settings import ServiceSettings

log = logging.getLogger("shopmind.runtime")


class ServiceRuntime:
    def __init__(self, app: FastAPI, bus: EventBus | None = None) -> None:
        self.app = app
        self.settings: ServiceSettings = app.state.settings
        self.readiness: Readiness = app.state.readiness
        self.info: ServiceInfo = app.state.info
        self.bus = bus if bus is not None else bus_from_settings(self.settings)
        self.consumers: list[ConsumerRunner] = []
        self._pending_consumers: list[ConsumerRunner] = []
        self._background: list[asyncio.Task[None]] = []
        app.state.runtime = self
        app.state.bus = self.bus
        self.info.backends["events"] = self.bus.name

    def add_consumer(
        self,
        group: str,
        topics: Sequence[str],
        *,
        handler: Handler | None = None,
        batch_handler: BatchHandler | None = None,
        inbox: Inbox | None = None,
        max_batch: int = 200,
    ) -> ConsumerRunner | None:
        """Register a consumer; it starts on entry unless CONSUMERS_ENABLED is false."""
        if not self.settings.consumers_enabled:
            return None
        runner = ConsumerRunner(
            self.bus,
            group=group,
            topics=topics,
            handler=handler,
            batch_handler=batch_handler,
            inbox=inbox,
            max_attempts=self.settings.consumer_max_attempts,
            backoff_initial_s=self.settings.consumer_backoff_initial_s,
            backoff_max_s=self.settings.consumer_backoff_max_s,
            max_batch=max_batch,
            registry=self.app.state.metrics_registry,
        )
        self._pending_consumers.append(runner)
        return runner

    def load_in_background(self, name: str, load: Callable[[], dict[str, Any]]) -> None:
        """Load a model off the event loop; readiness waits for it, /info describes it."""
        self.readiness.mark_pending(name, "loading")
        self.info.models[name] = {"status": "loading"}

        async def _load() -> None:
            start = time.perf_counter()
            try:
                described = await asyncio.to_thread(load)
            except Exception as exc:
                log.exception("model %s failed to load", name)
                self.readiness.mark_pending(name, f"failed: {exc}")
                self.info.models[name] = {"status": "failed", "error": str(exc)}
                return
            self.info.models[name] = {
                "status": "ready",
                "load_seconds": round(time.perf_counter() - start, 2),
                **described,
            }
            self.readiness.mark_ready(name)

        self._background.append(asyncio.create_task(_load(), name=f"load-{name}"))

    async def wait_loaded(self) -> None:
        """Wait for every background load (tests and CLI warm-up use this)."""
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)

    async def __aenter__(self) -> ServiceRuntime:
        await self.bus.start()
        return self

    async def start_consumers(self) -> None:
        for runner in self._pending_consumers:
            await runner.start()
            self.consumers.append(runner)
        self._pending_consumers.clear()
        if self.consumers:
            self.readiness.add_check("consumers", lambda: all(c.running for c in self.consumers))

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._background:
            task.cancel()
        for runner in self.consumers:
            await runner.stop()
        if self.bus.name != "in-process":
            await self.bus.close()
