"""Stored predictions written inside the request (sync) or behind it (buffer + flusher)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from fastapi import FastAPI
from shopmind_common.db import Database
from shopmind_common.errors import Unavailable
from shopmind_decision.main import create_app
from shopmind_decision.predictions import repository
from shopmind_decision.predictions.segments import SegmentLog
from shopmind_decision.predictions.store import PredictionStore
from shopmind_decision.tables import metadata, prediction_batches, prediction_metadata
from sqlalchemy import func, inspect, select


@asynccontextmanager
async def _running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            yield client


async def _db_rows(app: FastAPI) -> int:
    async with app.state.decision.predictions.db.session() as s:
        return int((await s.execute(select(func.count()).select_from(prediction_batches)))
                   .scalar_one())


def _features(app: FastAPI, seed: int = 0) -> dict[str, float]:
    names = app.state.decision.models.get("propensity").names
    rng = np.random.default_rng(seed)
    return {n: float(rng.integers(0, 5)) for n in names}


async def _predict_and_fetch(app: FastAPI, client: httpx.AsyncClient) -> dict[str, Any]:
    resp = await client.post("/v1/decision/predictions", json={
        "model": "propensity", "features": _features(app), "top_k": 200})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    fetched = await client.get(f"/v1/decision/predictions/{body['prediction_id']}")
    assert fetched.status_code == 200, fetched.text
    assert fetched.json()["explanation"] == body["explanation"]
    assert fetched.json()["score"] == body["score"]
    assert fetched.json()["created_at"] == body["created_at"]
    return body


async def test_write_behind_serves_from_the_buffer_then_from_the_database(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    # A long interval: the row stays in the buffer until the test flushes it.
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_FLUSH_INTERVAL_S=30), bus=bus)
    async with _running(app) as client:
        store: PredictionStore = app.state.decision.predictions
        assert store.mode == "behind"
        body = await _predict_and_fetch(app, client)
        assert store.pending_rows == 1 and await _db_rows(app) == 0
        metrics = (await client.get("/metrics")).text
        assert "decision_prediction_write_pending_rows 1.0" in metrics
        writes = (await client.get("/v1/decision/predictions/writes")).json()
        assert writes["mode"] == "behind" and writes["pending_rows"] == 1
        assert writes["pending_batches"] == 1 and writes["last_error"] is None

        assert await store.flush() == 1
        assert store.pending_rows == 0 and await _db_rows(app) == 1
        again = await client.get(f"/v1/decision/predictions/{body['prediction_id']}")
        assert again.json()["explanation"] == body["explanation"]
        assert "decision_prediction_write_pending_rows 0.0" in (await client.get("/metrics")).text
        assert (await client.get("/v1/decision/predictions/writes")).json()["pending_rows"] == 0


async def test_the_background_flusher_writes_without_being_asked(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_FLUSH_INTERVAL_S=0.01), bus=bus)
    async with _running(app) as client:
        for seed in range(3):
            await client.post("/v1/decision/predictions",
                              json={"model": "propensity", "features": _features(app, seed)})
        for _ in range(200):
            if await _db_rows(app) == 3:
                break
            await asyncio.sleep(0.02)
        assert await _db_rows(app) == 3
        assert app.state.decision.predictions.pending_rows == 0


async def test_shutdown_writes_what_is_pending(tmp_path: Path, model_dir: Path, bus,
                                               settings_factory) -> None:
    settings = settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                DECISION_PREDICTION_FLUSH_INTERVAL_S=30)
    app = create_app(settings, bus=bus)
    async with _running(app) as client:
        body = await _predict_and_fetch(app, client)
        names = app.state.decision.models.get("propensity").names
        batch = await client.post("/v1/decision/predictions/batch", json={
            "model": "propensity", "columns": names, "rows": [[1.0] * len(names)] * 4})
        assert app.state.decision.predictions.pending_rows == 5
    restarted = create_app(settings, bus=bus)
    async with _running(restarted) as client:
        assert await _db_rows(restarted) == 2
        fetched = await client.get(f"/v1/decision/predictions/{body['prediction_id']}")
        assert fetched.json()["explanation"] == body["explanation"]
        row = await client.get(f"/v1/decision/predictions/{batch.json()['prediction_ids'][3]}")
        assert row.json()["score"] == pytest.approx(batch.json()["scores"][3])


async def test_sync_mode_commits_inside_the_request(tmp_path: Path, model_dir: Path, bus,
                                                    settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_WRITE="sync"), bus=bus)
    async with _running(app) as client:
        assert app.state.info.backends["prediction_write"] == "sync"
        await _predict_and_fetch(app, client)
        assert await _db_rows(app) == 1
        assert app.state.decision.predictions.pending_rows == 0


async def test_rejected_input_is_neither_buffered_nor_written(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_FLUSH_INTERVAL_S=30), bus=bus)
    async with _running(app) as client:
        features = _features(app)
        bad = [{"model": "propensity", "features": {**features, "shoe_size": 1.0}},
               {"model": "propensity", "features": {**features, "u_trips_28": "lots"}},
               {"model": "propensity", "version": 9, "features": features}]
        for body in bad:
            assert (await client.post("/v1/decision/predictions", json=body)).status_code in (
                404, 422)
        names = list(features)
        resp = await client.post("/v1/decision/predictions/batch", json={
            "model": "propensity", "columns": names, "rows": [[1.0] * (len(names) - 1)]})
        assert resp.status_code == 422
        assert app.state.decision.predictions.pending_batches == 0
    assert await _count_after_restart(app) == 0


async def _count_after_restart(app: FastAPI) -> int:
    db = Database(app.state.decision.predictions.db.url)
    try:
        async with db.session() as s:
            return int((await s.execute(select(func.count()).select_from(prediction_batches)))
                       .scalar_one())
    finally:
        await db.dispose()


def _row(batch_id: str, count: int) -> dict[str, Any]:
    return {"id": batch_id, "model_name": "m", "model_version": 1, "count": count,
            "feature_names": ["a"], "features": np.zeros(count, "float32").tobytes(),
            "scores": np.zeros(count, "float32").tobytes(), "contributions": None,
            "entities": None, "created_at": datetime.now(UTC)}


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(prediction_metadata.create_all)
    yield db
    await db.dispose()


async def test_a_full_buffer_pushes_back_then_refuses(database: Database) -> None:
    store = PredictionStore(database, max_pending_rows=5, wait_s=0.05)  # no flusher running
    await store.add(_row("a", 3))
    await store.add(_row("b", 2))
    with pytest.raises(Unavailable) as refused:
        await store.add(_row("c", 1))
    assert refused.value.details[0]["field"] == "body"
    assert store.pending_rows == 5 and await store.get_batch("c") is None

    # With room freed by a flush while it waits, the same request goes through.
    store.wait_s = 5.0
    waiting = asyncio.create_task(store.add(_row("c", 1)))
    await asyncio.sleep(0.01)
    assert not waiting.done()
    await store.flush()
    await asyncio.wait_for(waiting, 1)
    assert store.pending_rows == 1 and (await store.get_batch("c") or {})["count"] == 1
    # A batch bigger than the whole buffer still goes in once the buffer is empty.
    await store.flush()
    await store.add(_row("big", 12))
    assert store.pending_rows == 12
    await store.close()
    assert store.pending_rows == 0
    async with database.session() as s:
        assert (await repository.get_batch(s, "big") or {})["count"] == 12


async def test_a_failed_flush_keeps_the_rows_and_retries(database: Database,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    store = PredictionStore(database, flush_interval_s=0.001)
    real = repository.insert_batches
    calls = {"n": 0}

    async def flaky(session, rows):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        await real(session, rows)

    monkeypatch.setattr(repository, "insert_batches", flaky)
    store.start()
    await store.add(_row("x", 2))
    for _ in range(200):
        if calls["n"] >= 2 and store.pending_rows == 0:
            break
        assert await store.get_batch("x") is not None  # readable all along
        await asyncio.sleep(0.01)
    assert store.pending_rows == 0 and store.last_error is None
    assert store.metrics.flush_failures._value.get() == 1
    await store.close()
    async with database.session() as s:
        assert await repository.get_batch(s, "x") is not None


async def test_arrow_answers_carry_ids_scores_and_contributions(
        trained_client: httpx.AsyncClient, trained_app: FastAPI) -> None:
    names = trained_app.state.decision.models.get("propensity").names
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=(30, len(names))).astype("float32")
    table = pa.table({n: x[:, j] for j, n in enumerate(names)})
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    arrow = "application/vnd.apache.arrow.stream"
    resp = await trained_client.post(
        "/v1/decision/predictions/batch/arrow", params={"model": "propensity", "explain": True},
        content=sink.getvalue().to_pybytes(), headers={"content-type": arrow, "accept": arrow})
    assert resp.status_code == 201 and resp.headers["content-type"] == arrow
    answer = ipc.open_stream(resp.content).read_all()
    meta = {k.decode(): v.decode() for k, v in answer.schema.metadata.items()}
    assert meta["model"] == "propensity" and meta["count"] == "30"
    ids = answer.column("prediction_id").to_pylist()
    assert ids == [f"{meta['batch_id']}-{i}" for i in range(30)]
    booster = trained_app.state.decision.models.get("propensity").booster
    assert np.allclose(answer.column("score").to_numpy(), booster.inplace_predict(x), atol=1e-6)
    margin = answer.column("base_value").to_numpy() + sum(
        answer.column(f"contribution.{n}").to_numpy() for n in names)
    assert np.allclose(margin, booster.inplace_predict(x, predict_type="margin"), atol=1e-4)
    fetched = (await trained_client.get(f"/v1/decision/predictions/{ids[11]}")).json()
    assert fetched["score"] == pytest.approx(float(answer.column("score")[11].as_py()))

    as_json = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "columns": names, "rows": x.tolist()}, headers={"accept": arrow})
    assert as_json.headers["content-type"] == arrow
    assert ipc.open_stream(as_json.content).read_all().num_rows == 30


@pytest.mark.postgres
@pytest.mark.parametrize(("mode", "features"), [("sync", "auto"), ("behind", "auto"),
                                                ("behind", "segments")])
async def test_fetch_right_after_the_answer_on_postgres(
        mode: str, features: str, tmp_path: Path, model_dir: Path, postgres_url: str, bus,
        settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DATABASE_URL=postgres_url,
                                      DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_WRITE=mode,
                                      DECISION_PREDICTION_FEATURES=features,
                                      DECISION_PREDICTION_FLUSH_INTERVAL_S=30), bus=bus)
    async with _running(app) as client:
        assert app.state.info.backends["database"] == "postgresql"
        await _predict_and_fetch(app, client)
        names = app.state.decision.models.get("propensity").names
        batch = (await client.post("/v1/decision/predictions/batch", json={
            "model": "propensity", "columns": names, "rows": [[2.0] * len(names)] * 3})).json()
        one = await client.get(f"/v1/decision/predictions/{batch['prediction_ids'][1]}")
        assert one.status_code == 200
        assert one.json()["score"] == pytest.approx(batch["scores"][1])
        assert await _db_rows(app) == (2 if mode == "sync" else 0)
        await app.state.decision.predictions.flush()
        assert await _db_rows(app) == 2
        again = await client.get(f"/v1/decision/predictions/{batch['prediction_ids'][1]}")
        assert again.json()["explanation"] == one.json()["explanation"]
        stored = await _stored_row(app, batch["batch_id"])  # auto: in the row with PostgreSQL
        assert (stored["features_at"] is not None) == (features == "segments")


def _page_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA page_size").fetchone()[0])


async def test_on_sqlite_the_prediction_log_is_a_file_of_its_own(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir)), bus=bus)
    async with _running(app) as client:
        state = app.state.decision
        assert state.predictions.db is not state.db and state.predictions.legacy_db is None
        await _predict_and_fetch(app, client)
        await state.predictions.flush()
        assert await _db_rows(app) == 1
        async with state.db.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        assert prediction_batches.name not in tables and "decision_behavior_events" in tables
    assert _page_size(tmp_path / "decision-predictions.db") == 65536
    assert _page_size(tmp_path / "decision.db") == 16384


async def test_batches_stored_before_the_split_are_still_found(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    # A decision.db from before the prediction log had its own file, holding one batch.
    old = Database(f"sqlite+aiosqlite:///{tmp_path / 'decision.db'}")
    async with old.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.run_sync(prediction_metadata.create_all)
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_PREDICTION_FLUSH_INTERVAL_S=30), bus=bus)
    async with _running(app) as client:
        model = app.state.decision.models.get("propensity")
        x = np.arange(2 * len(model.names), dtype="float32").reshape(2, -1)
        async with old.session() as session:
            await repository.insert_batches(session, [{
                **_row("before", 2), "model_name": "propensity", "model_version": model.version,
                "feature_names": model.names, "features": x.tobytes(),
                "scores": model.score(model.margin(x)).tobytes()}])
        await old.dispose()
        assert app.state.decision.predictions.legacy_db is app.state.decision.db
        fetched = await client.get("/v1/decision/predictions/before-1")
        assert fetched.status_code == 200, fetched.text
        expected = model.contributions(x)[1]
        assert fetched.json()["margin"] == pytest.approx(float(expected.sum()), abs=1e-4)
        assert [c["value"] for c in fetched.json()["explanation"]["contributions"]] == [
            x[1, model.position[c["feature"]]] for c in
            fetched.json()["explanation"]["contributions"]]
        assert (await client.get("/v1/decision/predictions/before-2")).status_code == 404


async def _stored_row(app: FastAPI, batch_id: str) -> dict[str, Any]:
    async with app.state.decision.predictions.db.session() as s:
        return (await repository.get_batch(s, batch_id)) or {}


async def _arrow_batch(app: FastAPI, client: httpx.AsyncClient, x: np.ndarray
                       ) -> dict[str, Any]:
    names = app.state.decision.models.get("propensity").names
    sink = pa.BufferOutputStream()
    table = pa.table({n: x[:, j] for j, n in enumerate(names)})
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    resp = await client.post("/v1/decision/predictions/batch/arrow",
                             params={"model": "propensity"},
                             content=sink.getvalue().to_pybytes(),
                             headers={"content-type": "application/vnd.apache.arrow.stream"})
    assert resp.status_code == 201, resp.text
    return resp.json()


async def test_on_sqlite_features_go_to_segment_files_and_read_back(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    segments = tmp_path / "segments"
    settings = settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                DECISION_PREDICTION_SEGMENTS_DIR=str(segments),
                                DECISION_PREDICTION_FLUSH_INTERVAL_S=30)
    app = create_app(settings, bus=bus)
    async with _running(app) as client:
        assert app.state.info.backends["prediction_features"] == str(segments)
        assert (await client.get("/v1/decision/predictions/writes")).json()["features"] \
            == "segments"
        width = len(app.state.decision.models.get("propensity").names)
        x = np.random.default_rng(5).integers(0, 6, size=(40, width)).astype("float32")
        batch = await _arrow_batch(app, client, x)
        pending = (await client.get(f"/v1/decision/predictions/{batch['batch_id']}-7")).json()
        await app.state.decision.predictions.flush()
        stored = await _stored_row(app, batch["batch_id"])
        at = stored["features_at"]
        assert stored["features"] == b"" and at["length"] == x.nbytes
        assert at["layout"] == "columns"  # as the Arrow body came: no row-major copy
        assert [p.name for p in segments.iterdir()] == [at["segment"]]
        fetched = (await client.get(f"/v1/decision/predictions/{batch['batch_id']}-7")).json()
        assert fetched["explanation"] == pending["explanation"]
        assert sorted(c["value"] for c in fetched["explanation"]["contributions"]) == sorted(
            x[7].tolist())
        names = app.state.decision.models.get("propensity").names
        rows = (await client.post("/v1/decision/predictions/batch", json={
            "model": "propensity", "columns": names, "rows": x[:5].tolist()})).json()
        await app.state.decision.predictions.flush()
        assert (await _stored_row(app, rows["batch_id"]))["features_at"]["layout"] == "rows"
        by_rows = (await client.get(f"/v1/decision/predictions/{rows['batch_id']}-4")).json()
        by_columns = (await client.get(f"/v1/decision/predictions/{batch['batch_id']}-4")).json()
        assert by_rows["explanation"] == by_columns["explanation"]

    # A restart with features in the database still reads what the segments hold.
    settings = settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                DECISION_PREDICTION_SEGMENTS_DIR=str(segments),
                                DECISION_PREDICTION_FEATURES="database")
    restarted = create_app(settings, bus=bus)
    async with _running(restarted) as client:
        assert restarted.state.info.backends["prediction_features"] == "database"
        again = (await client.get(f"/v1/decision/predictions/{batch['batch_id']}-7")).json()
        assert again["explanation"] == pending["explanation"]
        newer = await _arrow_batch(restarted, client, x[:3])
        await restarted.state.decision.predictions.flush()
        stored = await _stored_row(restarted, newer["batch_id"])
        assert stored["features_at"] is None
        assert stored["features"] == x[:3].tobytes()
        assert len(list(segments.iterdir())) == 1  # the first run's one segment

        # Features that vanished from the volume: a clear error, not a wrong answer.
        next(segments.iterdir()).unlink()
        lost = await client.get(f"/v1/decision/predictions/{batch['batch_id']}-7")
        assert lost.status_code == 500
        assert lost.json()["error"]["code"] == "stored_features_unreadable"
        assert (await client.get(f"/v1/decision/predictions/{newer['batch_id']}-2")
                ).status_code == 200


async def test_a_failed_flush_leaves_segment_records_no_row_points_at(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = SegmentLog(tmp_path / "segments")
    store = PredictionStore(database, segments=log, write_segments=True)
    real = repository.insert_batches
    calls = {"n": 0}

    async def flaky(session, rows, refs=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database went away")
        await real(session, rows, refs)

    monkeypatch.setattr(repository, "insert_batches", flaky)
    row = {**_row("x", 3), "features": np.arange(3, dtype="float32")}
    await store.add(row)
    with pytest.raises(ConnectionError):
        await store.flush()
    assert store.pending_rows == 3  # still pending, still readable
    assert await store.flush() == 3
    stored = await store.get_batch("x")
    assert stored is not None and stored["features"].ravel().tolist() == [0.0, 1.0, 2.0]
    (segment,) = (tmp_path / "segments").iterdir()
    # the first attempt's record, orphaned, and the second's: a 4 KB block each
    assert segment.stat().st_size == 2 * 4096
    assert segment.read_bytes().count(b"SMF1x\0") == 2
    await store.close()


async def test_a_log_from_before_retention_gets_its_indexes(
        tmp_path: Path, model_dir: Path, bus, settings_factory) -> None:
    path = tmp_path / "decision-predictions.db"
    with sqlite3.connect(path) as conn:  # as the previous version left it: no indexes
        conn.execute("CREATE TABLE decision_prediction_batches (id VARCHAR(40) PRIMARY KEY, "
                     "model_name VARCHAR(64) NOT NULL, model_version INTEGER NOT NULL, "
                     "count INTEGER NOT NULL, feature_names JSON NOT NULL, features BLOB NOT "
                     "NULL, scores BLOB NOT NULL, contributions BLOB, entities JSON, "
                     "created_at DATETIME NOT NULL)")
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir)), bus=bus)
    async with _running(app) as client:
        await _predict_and_fetch(app, client)
    with sqlite3.connect(path) as conn:
        indexes = {r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")}
    assert indexes == {"ix_decision_prediction_batches_created_at",
                       "ix_decision_prediction_features_segment",
                       "ix_decision_explanations_created_at"}
