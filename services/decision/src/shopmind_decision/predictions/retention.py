"""How long stored predictions are kept: a periodic sweep of the prediction log.

With `DECISION_PREDICTION_RETENTION_DAYS` set, every `DECISION_PREDICTION_SWEEP_INTERVAL_S`
the sweep deletes, in transactions of `chunk` batches:

- scored batches created before the cutoff, with the rows saying where their features are;
- explanations kept on fetch that were computed before the cutoff (one computed late
  for an old batch goes at its own time; until then a fetch of it is a 404 anyway,
  since the batch is read first);
- segment files last written before the cutoff that no remaining row points at. No
  process appends to a segment begun more than `max_segment_age_s` ago (segments.py),
  so files are only considered once they are older than that too, whatever the
  retention: a replica's open segment is never deleted under it.

Batches in the write-behind buffer are younger than any cutoff. A batch read from a
legacy `decision.db` (before the prediction log had its own file) is not swept there.
Every replica may sweep: the deletes are idempotent, a file already gone is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from shopmind_decision.predictions import repository
from shopmind_decision.predictions.store import PredictionStore

log = logging.getLogger("shopmind.decision.retention")


class PredictionRetention:
    def __init__(self, store: PredictionStore, *, days: float | None, interval_s: float = 3600.0,
                 chunk: int = 500, registry: CollectorRegistry | None = None) -> None:
        self.store = store
        self.days = days
        self.interval_s = interval_s
        self.chunk = chunk
        self.last_sweep: dict[str, Any] | None = None
        self.swept = Counter("decision_prediction_swept", "Stored predictions deleted by "
                             "retention, by what (batches, explanations, segments)", ["what"],
                             registry=registry)
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def describe(self) -> dict[str, Any]:
        return {"retention_days": self.days, "sweep_interval_s": self.interval_s,
                "last_sweep": self.last_sweep}

    async def sweep(self, now: datetime | None = None) -> dict[str, Any]:
        """Delete what is older than the retention (as of `now`); counts of what went."""
        if self.days is None:
            return {"batches": 0, "explanations": 0, "segments": 0}
        now = now or datetime.now(UTC)
        cutoff = now - timedelta(days=self.days)
        batches = 0
        while True:
            async with self.store.db.session() as session:
                n = await repository.delete_batches_before(session, cutoff, self.chunk)
            batches += n
            if n < self.chunk or self._stopping.is_set():  # shutdown: the next run goes on
                break
        async with self.store.db.session() as session:
            explained = await repository.delete_explanations_before(session, cutoff)
        segments = await self._sweep_segments(cutoff)
        result = {"cutoff": cutoff, "batches": batches, "explanations": explained,
                  "segments": segments, "finished_at": datetime.now(UTC)}
        for what in ("batches", "explanations", "segments"):
            self.swept.labels(what).inc(result[what])
        self.last_sweep = result
        if batches or explained or segments:
            log.info("retention removed %d batches, %d explanations, %d segment files "
                     "(before %s)", batches, explained, segments, cutoff.isoformat())
        return result

    async def _sweep_segments(self, cutoff: datetime) -> int:
        log_ = self.store.segments
        if log_ is None:
            return 0
        oldest_open = time.time() - log_.max_segment_age_s - 60  # a minute of clock slack
        candidates = await asyncio.to_thread(log_.older_than,
                                             min(cutoff.timestamp(), oldest_open))
        async with self.store.db.session() as session:
            in_use = await repository.segments_in_use(session, candidates)
        unused = [segment for segment in candidates if segment not in in_use]
        for segment in unused:
            await asyncio.to_thread(log_.remove, segment)
        return len(unused)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        if self.days is not None and self._task is None:
            self._task = asyncio.create_task(self._run(), name="decision-prediction-retention")

    async def close(self) -> None:
        self._stopping.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.sweep()
            except Exception:
                log.exception("retention sweep failed; next try in %.0fs", self.interval_s)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.interval_s)
