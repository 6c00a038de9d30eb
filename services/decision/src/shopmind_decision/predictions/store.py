"""Where scored batches go: written inside the request (`sync`) or behind it (`behind`).

`behind` keeps each batch in a bounded in-memory buffer, answers reads of it by id
from there, and a background task writes the buffer in one transaction per flush.
A batch leaves the buffer only after its transaction committed, so a reader always
finds it in one place or the other. When the buffer holds `max_pending_rows` rows, a
new batch waits for room (back-pressure) and gets a 503 if none frees up in time.
Closing the store (service shutdown) writes everything still pending. What a crash
(kill -9, OOM) loses: the batches still pending, at most one flush interval of
traffic in normal running and never more than `max_pending_rows` rows.

With a `SegmentLog` the features (the bulk of a batch) are appended to segment files
first and the database row keeps where they are; see segments.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from typing import Any, Literal

import numpy as np
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from shopmind_common.db import Database
from shopmind_common.errors import ServiceError, Unavailable

from shopmind_decision.predictions import repository
from shopmind_decision.predictions.segments import SegmentError, SegmentLog, SegmentRef

log = logging.getLogger("shopmind.decision.predictions")

WriteMode = Literal["sync", "behind"]


class _Metrics:
    def __init__(self, registry: CollectorRegistry | None) -> None:
        kw: dict[str, Any] = {"registry": registry}
        self.pending_rows = Gauge("decision_prediction_write_pending_rows",
                                  "Scored rows accepted but not yet written to the database", **kw)
        self.pending_batches = Gauge("decision_prediction_write_pending_batches",
                                     "Scored batches accepted but not yet written", **kw)
        self.flushed_rows = Counter("decision_prediction_write_flushed_rows",
                                    "Scored rows written by the write-behind flusher", **kw)
        self.flush_failures = Counter("decision_prediction_write_flush_failures",
                                      "Write-behind flushes that failed (retried)", **kw)
        self.waits = Counter("decision_prediction_write_backpressure_waits",
                             "Requests that waited for room in a full write-behind buffer", **kw)
        self.rejected = Counter("decision_prediction_write_rejected",
                                "Requests refused because the buffer stayed full (503)", **kw)
        self.flush_seconds = Histogram(
            "decision_prediction_write_flush_seconds", "Time to write one flush", **kw,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))


class PredictionStore:
    """Stored prediction batches: one row per scoring call, arrays as float32 bytes."""

    def __init__(self, db: Database, *, legacy_db: Database | None = None,
                 mode: WriteMode = "behind", segments: SegmentLog | None = None,
                 write_segments: bool = False,
                 max_pending_rows: int = 200_000, flush_interval_s: float = 0.05,
                 flush_max_batches: int = 500, wait_s: float = 5.0,
                 registry: CollectorRegistry | None = None) -> None:
        self.db = db
        self.legacy_db = legacy_db  # read-only: where batches written before `db` was are
        self.mode = mode
        # Read whenever a stored row points at a segment; written only with write_segments.
        self.segments = segments
        self.write_segments = write_segments and segments is not None
        self.max_pending_rows = max_pending_rows
        self.flush_interval_s = flush_interval_s
        self.flush_max_batches = flush_max_batches
        self.wait_s = wait_s
        self.metrics = _Metrics(registry)
        self._pending: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._pending_rows = 0
        self._wake = asyncio.Event()
        self._room = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._stopping = asyncio.Event()
        self.last_error: str | None = None

    # -- state ---------------------------------------------------------------------------
    @property
    def pending_rows(self) -> int:
        return self._pending_rows

    @property
    def pending_batches(self) -> int:
        return len(self._pending)

    def describe(self) -> dict[str, Any]:
        return {"mode": self.mode, "features": "segments" if self.write_segments else "database",
                "pending_rows": self._pending_rows,
                "pending_batches": len(self._pending), "max_pending_rows": self.max_pending_rows,
                "flush_interval_s": self.flush_interval_s, "last_error": self.last_error}

    def _set_gauges(self) -> None:
        self.metrics.pending_rows.set(self._pending_rows)
        self.metrics.pending_batches.set(len(self._pending))

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        if self.mode == "behind" and self._task is None:
            self._task = asyncio.create_task(self._run(), name="decision-prediction-writer")

    async def close(self) -> None:
        """Stop the flusher once it has written what is pending (new rows now go in sync)."""
        self._closing = True
        self._stopping.set()
        if self._task is not None:
            self._wake.set()
            await self._task  # not cancelled: a flush is never cut between commit and bookkeeping
            self._task = None
        for attempt in range(3):
            if not self._pending:
                break
            try:
                await self.flush()
            except Exception:
                log.exception("final flush of %d predictions failed (attempt %d)",
                              self._pending_rows, attempt + 1)
                await asyncio.sleep(0.2 * (attempt + 1))
        if self._pending:
            log.error("shutdown lost %d unwritten predictions in %d batches",
                      self._pending_rows, len(self._pending))
        if self.segments is not None:
            self.segments.close()

    # -- writes --------------------------------------------------------------------------
    async def add(self, row: dict[str, Any]) -> None:
        """Accept one scored batch; returns once it can be read back by id."""
        if self.mode == "sync" or self._closing:
            await self._write([row])
            return
        count = int(row["count"])
        if not self._has_room(count):
            await self._wait_for_room(count)
        self._pending[row["id"]] = row
        self._pending_rows += count
        self._set_gauges()
        self._wake.set()

    def _has_room(self, count: int) -> bool:
        # A batch larger than the whole buffer still goes in once the buffer is empty.
        return not self._pending or self._pending_rows + count <= self.max_pending_rows

    async def _wait_for_room(self, count: int) -> None:
        self.metrics.waits.inc()
        self._wake.set()
        try:
            async with self._room:
                await asyncio.wait_for(self._room.wait_for(lambda: self._has_room(count)),
                                       self.wait_s)
        except TimeoutError:
            self.metrics.rejected.inc()
            raise Unavailable(
                f"predictions are not being written fast enough ({self._pending_rows} rows "
                "pending); retry shortly", headers={"Retry-After": "1"},
                details=[{"field": "body", "message": "prediction store is full"}]) from None

    async def flush(self) -> int:
        """Write up to `flush_max_batches` pending batches in one transaction; rows written."""
        if not self._pending:
            return 0
        ids = []
        for batch_id in self._pending:
            ids.append(batch_id)
            if len(ids) >= self.flush_max_batches:
                break
        rows = [self._pending[i] for i in ids]
        started = time.perf_counter()
        await self._write(rows)
        self.metrics.flush_seconds.observe(time.perf_counter() - started)
        written = 0
        for batch_id in ids:  # only after the commit: readers find them in the database now
            written += int(self._pending.pop(batch_id)["count"])
        self._pending_rows -= written
        self.metrics.flushed_rows.inc(written)
        self._set_gauges()
        async with self._room:
            self._room.notify_all()
        return written

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        """One transaction; with segments, the features are written before it begins."""
        if self.write_segments:
            assert self.segments is not None
            payloads = [_payload(r["features"]) for r in rows]
            refs = await asyncio.to_thread(self.segments.append, [
                (r["id"], data) for r, (data, _) in zip(rows, payloads, strict=True)])
            located = [{"segment": ref.segment, "start": ref.start, "length": ref.length,
                        "layout": layout}
                       for ref, (_, layout) in zip(refs, payloads, strict=True)]
            async with self.db.session() as session:
                await repository.insert_batches(session, rows, located)
            return
        rows = [{**r, "features": _row_major_bytes(r["features"])} for r in rows]
        async with self.db.session() as session:
            await repository.insert_batches(session, rows)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the store closes."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _run(self) -> None:
        backoff = 0.1
        while not self._closing or self._pending:
            if not self._closing:
                await self._wake.wait()
                # Gather what arrives within one interval into the same transaction.
                if self._pending_rows < self.max_pending_rows // 2:
                    await self._pause(self.flush_interval_s)
            self._wake.clear()
            try:
                while self._pending:
                    await self.flush()
                self.last_error = None
                backoff = 0.1
            except Exception as exc:
                self.metrics.flush_failures.inc()
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.exception("writing %d pending predictions failed; retrying in %.1fs",
                              self._pending_rows, backoff)
                if self._closing:
                    return  # close() makes the last attempts and reports what is lost
                await self._pause(backoff)
                backoff = min(backoff * 2, 5.0)
                self._wake.set()

    # -- reads ---------------------------------------------------------------------------
    async def get_batch(self, batch_id: str) -> dict[str, Any] | None:
        """The batch, with `features` as a (count, features) float32 matrix wherever and
        however it is stored."""
        row = self._pending.get(batch_id)
        if row is not None:
            return {**row, "features": _matrix(row["features"], row, "rows")}
        for db in (self.db, self.legacy_db):
            if db is not None:
                async with db.session() as session:
                    stored = await repository.get_batch(session, batch_id)
                if stored is not None:
                    return await self._with_features(stored)
        return None

    async def _with_features(self, row: dict[str, Any]) -> dict[str, Any]:
        at = row.pop("features_at", None)
        if at is None:
            row["features"] = _matrix(row["features"], row, "rows")
            return row
        if self.segments is None:
            raise _unreadable(row["id"])
        ref = SegmentRef(at["segment"], at["start"], at["length"])
        try:
            data = await asyncio.to_thread(self.segments.read, ref, row["id"])
        except SegmentError as exc:
            log.error("batch %s: %s", row["id"], exc)
            raise _unreadable(row["id"]) from exc
        row["features"] = _matrix(data, row, at["layout"])
        return row


def _unreadable(batch_id: str) -> ServiceError:
    return ServiceError(
        f"the stored features of batch {batch_id} cannot be read",
        code="stored_features_unreadable",
        details=[{"field": "prediction_id", "message": "stored features unreadable"}])


def _payload(features: Any) -> tuple[Any, str]:
    """What a segment record holds for these features, and its layout."""
    if isinstance(features, np.ndarray) and not features.flags.c_contiguous \
            and features.flags.f_contiguous:
        return features.T, "columns"  # (features, count), C-contiguous: no copy
    return features, "rows"


def _row_major_bytes(features: Any) -> bytes:
    if isinstance(features, bytes):
        return features
    return np.ascontiguousarray(features).tobytes()


def _matrix(features: Any, row: dict[str, Any], layout: str) -> np.ndarray:
    if isinstance(features, np.ndarray):
        return features
    count, width = int(row["count"]), len(row["feature_names"])
    flat = np.frombuffer(features, dtype="float32")
    return flat.reshape(width, count).T if layout == "columns" else flat.reshape(count, width)
