from __future__ import annotations

import httpx
import numpy as np
import pytest
import xgboost as xgb
from fastapi import FastAPI
from shopmind_decision.predictions.schemas import BatchPredictionOut


def _schema(app: FastAPI, name: str = "propensity") -> list[str]:
    return app.state.decision.models.get(name).names


def _row(names: list[str], seed: int = 0) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    out = {n: float(rng.integers(0, 5)) for n in names}
    out["uc_days_since_last"] = 3.0
    return out


async def test_single_prediction_is_explained_stored_and_fetchable(
        trained_client: httpx.AsyncClient, trained_app: FastAPI) -> None:
    names = _schema(trained_app)
    features = _row(names)
    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "propensity", "features": features,
                                           "top_k": 200})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["version"] == 1 and body["output"] == "probability"
    contribs = body["explanation"]["contributions"]
    assert {c["feature"] for c in contribs} == set(names)  # raw feature names, all of them
    mags = [abs(c["contribution"]) for c in contribs]
    assert mags == sorted(mags, reverse=True)
    total = body["explanation"]["base_value"] + sum(c["contribution"] for c in contribs)
    assert total == pytest.approx(body["margin"], abs=1e-4)
    assert body["score"] == pytest.approx(1 / (1 + np.exp(-body["margin"])), abs=1e-5)
    # The same numbers as XGBoost's own pred_contribs on the registered booster.
    booster = trained_app.state.decision.models.get("propensity").booster
    x = np.array([[features[n] for n in names]], dtype="float32")
    direct = booster.predict(xgb.DMatrix(x, feature_names=names), pred_contribs=True)[0]
    by_name = {c["feature"]: c["contribution"] for c in contribs}
    for i, n in enumerate(names):
        assert by_name[n] == pytest.approx(float(direct[i]), abs=1e-5)

    fetched = await trained_client.get(f"/v1/decision/predictions/{body['prediction_id']}")
    assert fetched.status_code == 200
    assert fetched.json()["explanation"] == body["explanation"]
    assert fetched.json()["score"] == pytest.approx(body["score"])


async def test_batch_scores_match_xgboost_and_rows_explain_on_fetch(
        trained_client: httpx.AsyncClient, trained_app: FastAPI) -> None:
    names = _schema(trained_app)
    rows = [[_row(names, seed)[n] for n in names] for seed in range(50)]
    # Columns in another order than the schema are accepted.
    cols = list(reversed(names))
    resp = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "columns": cols, "rows": [list(reversed(r)) for r in rows]})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["count"] == 50
    # The ids are spliced into the answer as text: every row's id, in order, and the whole
    # answer is what the documented model describes.
    assert body["prediction_ids"] == [f"{body['batch_id']}-{i}" for i in range(50)]
    BatchPredictionOut.model_validate(body)
    booster = trained_app.state.decision.models.get("propensity").booster
    expected = booster.inplace_predict(np.array(rows, dtype="float32"))
    assert np.allclose(body["scores"], expected, atol=1e-5)

    pid = body["prediction_ids"][7]
    first = (await trained_client.get(f"/v1/decision/predictions/{pid}")).json()
    again = (await trained_client.get(f"/v1/decision/predictions/{pid}")).json()
    assert first["explanation"] == again["explanation"]
    assert first["score"] == pytest.approx(float(expected[7]), abs=1e-6)
    direct = booster.predict(xgb.DMatrix(np.array([rows[7]], dtype="float32"),
                                         feature_names=names), pred_contribs=True)[0]
    assert first["explanation"]["base_value"] == pytest.approx(float(direct[-1]), abs=1e-5)

    explained = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "explain": True, "top_k": 3,
        "instances": [{"features": _row(names, 1)}, {"features": _row(names, 2)}]})
    assert explained.status_code == 201
    assert [len(e["contributions"]) for e in explained.json()["explanations"]] == [3, 3]


async def test_bad_inputs_are_4xx_naming_the_field(trained_client: httpx.AsyncClient,
                                                   trained_app: FastAPI) -> None:
    names = _schema(trained_app)
    features = {**_row(names), "shoe_size": 42.0}
    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "propensity", "features": features})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.features.shoe_size"
    assert "shoe_size" in resp.json()["error"]["message"]

    partial = _row(names)
    partial.pop("u_trips_28")
    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "propensity", "features": partial})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.features.u_trips_28"

    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "propensity", "version": 9,
                                           "features": _row(names)})
    assert resp.status_code == 404
    assert resp.json()["error"]["details"][0]["field"] == "version"

    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "nosuch", "features": _row(names)})
    assert resp.status_code == 404
    assert resp.json()["error"]["details"][0]["field"] == "model"

    resp = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "columns": [*names[:-1], "bogus"], "rows": [[0.0] * len(names)]})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == f"body.columns.{len(names) - 1}"

    resp = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "columns": names, "rows": [[0.0] * (len(names) - 1)]})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.rows"

    resp = await trained_client.post("/v1/decision/predictions",
                                     json={"model": "propensity", "features": {
                                         **_row(names), "u_trips_28": "lots"}})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.features.u_trips_28"

    resp = await trained_client.get("/v1/decision/predictions/not-a-prediction")
    assert resp.status_code == 404
    assert resp.json()["error"]["details"][0]["field"] == "prediction_id"


async def test_champion_is_served_until_a_challenger_is_promoted(
        trained_client: httpx.AsyncClient, trained_app: FastAPI, sample_activity) -> None:
    from shopmind_decision.registry.service import registry
    from shopmind_decision.training.propensity import PropensityConfig, train_propensity

    act, cats = sample_activity
    state = trained_app.state.decision
    trained = train_propensity(act, categories=cats, config=PropensityConfig(
        max_train_snapshots=1, n_estimators=20, threads=1, logistic_baseline=False))
    version = registry.register(state.store, "propensity", trained, job_id=None,
                                promote="challenger")
    assert version == 2
    names = _schema(trained_app)
    body = {"model": "propensity", "features": _row(names)}
    assert (await trained_client.post("/v1/decision/predictions", json=body)).json()[
        "version"] == 1
    challenger = await trained_client.post("/v1/decision/predictions",
                                           json={**body, "alias": "challenger"})
    assert challenger.json()["version"] == 2
    promoted = await trained_client.put("/v1/decision/models/propensity/aliases/champion",
                                        json={"version": 2})
    assert promoted.status_code == 200
    assert promoted.json()["aliases"] == {"champion": 2}
    assert (await trained_client.post("/v1/decision/predictions", json=body)).json()[
        "version"] == 2
    missing = await trained_client.put("/v1/decision/models/propensity/aliases/champion",
                                       json={"version": 5})
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["field"] == "version"
    bad_alias = await trained_client.put("/v1/decision/models/propensity/aliases/king",
                                         json={"version": 1})
    assert bad_alias.status_code == 422


def _arrow(columns: dict[str, list]) -> bytes:
    import pyarrow as pa
    import pyarrow.ipc as ipc

    table = pa.table(columns)
    sink = pa.BufferOutputStream()
    with ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


async def test_large_arrow_batches_are_checked_in_the_worker_thread(
        trained_client: httpx.AsyncClient, trained_app: FastAPI,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Bodies past the hand-off threshold are parsed, limited, scored and rendered in one
    worker thread: its errors are the same 4xx answers, and nothing is stored for them."""
    import pyarrow.ipc as ipc
    from shopmind_decision.predictions import service

    app, client = trained_app, trained_client
    monkeypatch.setattr(app.state.decision, "settings", app.state.decision.settings.model_copy(
        update={"max_batch_rows": 600}))
    names = _schema(app)
    rng = np.random.default_rng(3)
    cols = {n: rng.integers(0, 5, size=600).astype("float32").tolist() for n in names}
    body = _arrow(cols)
    assert len(body) >= service._THREAD_MIN_BYTES
    url, params = "/v1/decision/predictions/batch/arrow", {"model": "propensity"}
    headers = {"content-type": "application/vnd.apache.arrow.stream"}
    store = app.state.decision.predictions

    ok = await client.post(url, params=params, content=body, headers=headers)
    assert ok.status_code == 201, ok.text
    x = np.array([cols[n] for n in names], dtype="float32").T
    expected = app.state.decision.models.get("propensity").booster.inplace_predict(x)
    assert np.allclose(ok.json()["scores"], expected, atol=1e-6)
    arrow = await client.post(url, params=params, content=body,
                              headers={**headers, "accept": headers["content-type"]})
    assert arrow.headers["content-type"] == headers["content-type"]
    table = ipc.open_stream(arrow.content).read_all()
    assert table.column("prediction_id").to_pylist()[599] == \
        f"{arrow.headers['x-decision-batch-id']}-599"

    def stored() -> float:  # batches accepted: still pending, or written (600 rows each)
        flushed = next(m for m in store.metrics.flushed_rows.collect()[0].samples
                       if m.name.endswith("_total")).value
        return store.pending_batches + flushed / 600

    before = stored()
    assert before == 2

    too_many = await client.post(url, params=params, headers=headers, content=_arrow(
        {n: [*v, *v[:10]] for n, v in cols.items()}))
    assert too_many.status_code == 413
    assert too_many.json()["error"]["details"][0]["field"] == "body"
    extra = await client.post(url, params=params, headers=headers,
                              content=_arrow({**cols, "zodiac": cols[names[0]]}))
    assert extra.status_code == 422
    assert extra.json()["error"]["details"][0]["field"] == f"body.columns.{len(names)}"
    assert stored() == before


async def test_arrow_batches_score_like_json_and_reject_bad_columns(
        trained_client: httpx.AsyncClient, trained_app: FastAPI) -> None:
    names = _schema(trained_app)
    rows = [[_row(names, seed)[n] for n in names] for seed in range(20)]
    cols = {n: [float(r[j]) for r in rows] for j, n in enumerate(names)}
    headers = {"content-type": "application/vnd.apache.arrow.stream"}
    url = "/v1/decision/predictions/batch/arrow"
    resp = await trained_client.post(url, params={"model": "propensity"},
                                     content=_arrow(dict(reversed(cols.items()))), headers=headers)
    assert resp.status_code == 201, resp.text
    as_json = await trained_client.post("/v1/decision/predictions/batch", json={
        "model": "propensity", "columns": names, "rows": rows})
    assert np.allclose(resp.json()["scores"], as_json.json()["scores"], atol=1e-6)
    pid = resp.json()["prediction_ids"][4]
    fetched = (await trained_client.get(f"/v1/decision/predictions/{pid}")).json()
    assert fetched["score"] == pytest.approx(resp.json()["scores"][4])

    extra = await trained_client.post(url, params={"model": "propensity"},
                                      content=_arrow({**cols, "zodiac": [1.0] * 20}),
                                      headers=headers)
    assert extra.status_code == 422
    assert extra.json()["error"]["details"][0]["field"] == f"body.columns.{len(names)}"
    nulls = await trained_client.post(url, params={"model": "propensity"}, content=_arrow(
        {**cols, names[0]: [None, *cols[names[0]][1:]]}), headers=headers)
    assert nulls.status_code == 422
    assert nulls.json()["error"]["details"][0]["field"] == "body.columns.0"
    garbage = await trained_client.post(url, params={"model": "propensity"}, content=b"nope",
                                        headers=headers)
    assert garbage.status_code == 422
    assert garbage.json()["error"]["details"][0]["field"] == "body"
    pairs = ", ".join(f'"{n}": {"NaN" if n == names[2] else 1.0}' for n in names)
    body = '{"model": "propensity", "features": {' + pairs + "}}"
    nan = await trained_client.post("/v1/decision/predictions", content=body.encode(),
                                    headers={"content-type": "application/json"})
    assert nan.status_code == 422
    assert nan.json()["error"]["details"][0]["field"] == f"body.features.{names[2]}"
    missing_version = await trained_client.post(url, params={"model": "propensity", "version": 7},
                                                content=_arrow(cols), headers=headers)
    assert missing_version.status_code == 404
    assert missing_version.json()["error"]["details"][0]["field"] == "version"
