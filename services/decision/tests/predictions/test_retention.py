"""Retention: old batches, their segment files and kept explanations go; the rest stays."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from shopmind_common.db import Database
from shopmind_decision.main import create_app
from shopmind_decision.predictions import repository
from shopmind_decision.predictions.retention import PredictionRetention
from shopmind_decision.predictions.segments import SegmentLog
from shopmind_decision.predictions.store import PredictionStore
from shopmind_decision.tables import explanations, prediction_metadata
from sqlalchemy import func, select

NOW = datetime.now(UTC)


def _batch(batch_id: str, age_days: float, rows: int = 4) -> dict[str, Any]:
    return {"id": batch_id, "model_name": "m", "model_version": 1, "count": rows,
            "feature_names": ["a", "b"],
            "features": np.arange(rows * 2, dtype="float32").reshape(rows, 2),
            "scores": np.zeros(rows, "float32").tobytes(), "contributions": None,
            "entities": None, "created_at": NOW - timedelta(days=age_days)}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def log_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'log.db'}" if request.param == "sqlite"
           else request.getfixturevalue("postgres_url"))
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(prediction_metadata.create_all)
    yield db
    await db.dispose()


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


async def _explain(db: Database, prediction_id: str, age_days: float) -> None:
    async with db.session() as s:
        await s.execute(explanations.insert().values(
            prediction_id=prediction_id, contributions=[0.5, 0.25, 0.0],
            created_at=NOW - timedelta(days=age_days)))


async def test_a_sweep_deletes_what_is_older_than_the_retention(log_db: Database,
                                                                tmp_path: Path) -> None:
    segments = SegmentLog(tmp_path / "segments")
    store = PredictionStore(log_db, mode="sync", segments=segments, write_segments=True)
    await store.add(_batch("old1", 10))
    await store.add(_batch("old2", 9))
    closed_old = segments.current
    segments.close()
    await store.add(_batch("new", 1))
    kept_by_row = segments.current
    segments.close()
    await store.add(_batch("old3", 8))  # the open segment: unreferenced after the sweep
    still_open = segments.current
    for name in (closed_old, kept_by_row, still_open):
        assert name is not None
        _age(tmp_path / "segments" / name, 20 * 86400)
    await _explain(log_db, "old1-0", 10)
    await _explain(log_db, "new-2", 0.5)

    retention = PredictionRetention(store, days=7, chunk=2)  # two chunks of old batches
    swept = await retention.sweep()
    assert (swept["batches"], swept["explanations"], swept["segments"]) == (3, 1, 1)
    for gone in ("old1", "old2", "old3"):
        assert await store.get_batch(gone) is None
    kept = await store.get_batch("new")
    assert kept is not None and kept["features"].tolist() == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert sorted(p.name for p in (tmp_path / "segments").iterdir()) == sorted(
        [kept_by_row, still_open])
    async with log_db.session() as s:
        left = list((await s.execute(select(explanations.c.prediction_id))).scalars())
        assert left == ["new-2"]
        assert await repository.segments_in_use(s, [kept_by_row, closed_old]) == {kept_by_row}
    assert retention.describe()["last_sweep"]["batches"] == 3
    assert retention.swept.labels("batches")._value.get() == 3

    again = await retention.sweep()  # nothing left to delete
    assert (again["batches"], again["explanations"], again["segments"]) == (0, 0, 0)
    segments.close()


async def test_a_segment_is_kept_while_a_writer_could_still_append_to_it(
        log_db: Database, tmp_path: Path) -> None:
    # Another replica's segment, younger than the longest a segment stays open: even
    # with a retention shorter than that, and no row pointing at it, it stays.
    other = SegmentLog(tmp_path / "segments", max_segment_age_s=3600)
    other.append([("orphan", np.zeros(3, "float32"))])
    other_name = other.current
    assert other_name is not None
    _age(tmp_path / "segments" / other_name, 1800)
    stale = SegmentLog(tmp_path / "segments")
    stale.append([("older-orphan", np.zeros(3, "float32"))])
    stale_name = stale.current
    assert stale_name is not None
    stale.close()
    _age(tmp_path / "segments" / stale_name, 2 * 3600)

    store = PredictionStore(log_db, mode="sync", segments=SegmentLog(tmp_path / "segments"),
                            write_segments=True)
    swept = await PredictionRetention(store, days=0.001).sweep()  # 86 s
    assert swept["segments"] == 1
    assert [p.name for p in (tmp_path / "segments").iterdir()] == [other_name]
    other.close()


async def test_a_segment_open_too_long_is_left_for_a_new_one(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    log = SegmentLog(tmp_path, max_segment_age_s=3600)
    first = log.append([("a", np.zeros(2, "float32"))])[0]
    clock = time.monotonic() + 3601
    monkeypatch.setattr(time, "monotonic", lambda: clock)
    second = log.append([("b", np.zeros(2, "float32"))])[0]
    assert second.segment != first.segment
    log.close()


async def _explanations(app: FastAPI) -> int:
    async with app.state.decision.predictions.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(explanations))).scalar_one())


async def test_the_service_sweeps_on_its_own_and_says_so(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_RETENTION_DAYS=30,
                                      DECISION_PREDICTION_SWEEP_INTERVAL_S=3600), bus=bus)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            for _ in range(200):  # the first sweep runs at start-up
                writes = (await client.get("/v1/decision/predictions/writes")).json()
                if writes["last_sweep"] is not None:
                    break
                await asyncio.sleep(0.01)
            assert writes["retention_days"] == 30 and writes["sweep_interval_s"] == 3600
            assert writes["last_sweep"]["batches"] == 0

            state = app.state.decision
            model = state.models.get("propensity")
            await state.predictions.add({
                **_batch("ancient", 40), "model_name": model.name,
                "model_version": model.version, "feature_names": model.names,
                "features": np.ones((4, len(model.names)), "float32")})
            await state.predictions.flush()
            assert (await client.get("/v1/decision/predictions/ancient-1")).status_code == 200
            assert (await state.retention.sweep())["batches"] == 1
            assert (await client.get("/v1/decision/predictions/ancient-1")).status_code == 404
            # The explanation kept at that fetch is new: it goes at its own time.
            assert await _explanations(app) == 1
