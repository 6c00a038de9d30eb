from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from shopmind.events import BEHAVIOR_EVENT, BehaviorEvent
from shopmind_common.events import InProcessBus, new_event
from shopmind_decision.datasets.completejourney import load_transactions, to_event_rows
from shopmind_decision.features.definitions import PROPENSITY_FEATURES
from shopmind_decision.features.pointintime import FeatureSpec, PointInTimeView
from shopmind_decision.training.schemas import TrainingJobIn
from shopmind_decision.training.service import training

SMALL = {"source": "completejourney", "max_households": 60, "top_categories": 8, "seed": 3,
         "max_train_snapshots": 1, "n_estimators": 30}


async def _finish(client: httpx.AsyncClient, job_id: str) -> dict:
    for _ in range(1200):
        job = (await client.get(f"/v1/decision/training/jobs/{job_id}")).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def test_jobs_train_register_and_report_metrics(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/decision/training/jobs", json={"kind": "propensity", **SMALL})
    assert resp.status_code == 202, resp.text
    job = await _finish(client, resp.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert job["model_version"] == 1
    test = job["metrics"]["test"]
    for key in ("auc", "pr_auc", "log_loss", "brier", "expected_calibration_error"):
        assert isinstance(test[key], float), key
    assert 0.5 < test["auc"] <= 1.0
    assert sum(b["n"] for b in test["calibration"]) == test["rows"]
    assert "logistic_regression" in job["metrics"]["baselines"]

    version = (await client.get("/v1/decision/models/propensity/versions/1")).json()
    assert version["aliases"] == ["champion"]
    assert version["training_job_id"] == job["id"]
    window = version["data_window"]
    assert window["train_as_of"][-1] < window["valid_as_of"] < window["test_as_of"]
    schema = version["feature_schema"]
    assert [f["name"] for f in schema["fields"]] == [s.name for s in PROPENSITY_FEATURES]
    assert all(f["window_days"][1] <= 0 for f in schema["fields"])
    assert version["params"]["xgboost"]["max_depth"] == 4

    second = await client.post("/v1/decision/training/jobs", json={"kind": "propensity", **SMALL})
    job2 = await _finish(client, second.json()["id"])
    assert job2["model_version"] == 2
    aliases = (await client.get("/v1/decision/models/propensity/aliases")).json()["aliases"]
    assert aliases == {"champion": 1, "challenger": 2}

    demand = await client.post("/v1/decision/training/jobs", json={
        "kind": "demand", **{**SMALL, "n_estimators": 50}, "test_weeks": 4})
    djob = await _finish(client, demand.json()["id"])
    assert djob["status"] == "succeeded", djob["error"]
    assert djob["metrics"]["test"]["mape"] is not None
    assert djob["metrics"]["baselines"]["seasonal_naive"]["mape"] is not None
    models = (await client.get("/v1/decision/models")).json()["models"]
    assert {m["name"]: m["versions"] for m in models} == {"demand": [1], "propensity": [1, 2]}


async def test_job_with_a_leaky_feature_fails_and_registers_nothing(
        client: httpx.AsyncClient, app: FastAPI) -> None:
    def next_week_units(view: PointInTimeView):  # type: ignore[no-untyped-def]
        return view.align(view.agg("user_category", 0, 7)["units"], "user_category")

    leaky = FeatureSpec("uc_units_next_7", "units bought in the next 7 days", (0, 7),
                        next_week_units)
    job = await training.start(app.state.decision, TrainingJobIn(kind="propensity", **SMALL),
                               specs=(*PROPENSITY_FEATURES, leaky))
    done = await _finish(client, job.id)
    assert done["status"] == "failed"
    assert done["error"].startswith("leakage:") and "uc_units_next_7" in done["error"]
    assert (await client.get("/v1/decision/models")).json()["models"] == []


async def test_bad_job_requests_are_422(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/decision/training/jobs", json={"kind": "churn"})
    assert resp.status_code == 422
    assert resp.json()["error"]["details"][0]["field"] == "body.kind"
    missing = await client.get("/v1/decision/training/jobs/job_nope")
    assert missing.status_code == 404


async def test_training_from_the_event_fed_feature_store(
        client: httpx.AsyncClient, app: FastAPI, bus: InProcessBus) -> None:
    tx = load_transactions(max_households=12, seed=11)
    keep = tx.frame["category"].isin(tx.frame["category"].value_counts().index[:4])
    rows = to_event_rows(type(tx)(tx.frame[keep]))
    events = []
    for i, r in enumerate(rows):
        payload = BehaviorEvent(user_id=r["user_id"], product_id=r["product_id"],
                                category=r["category"], action="purchase",
                                quantity=r["quantity"], price=r["price"],
                                discount=r["discount"], session_id=r["session_id"])
        payload.at.FromDatetime(r["at"])
        events.append(new_event(BEHAVIOR_EVENT, payload, key=r["user_id"], producer="t",
                                event_id=f"cj-{i}"))
    await bus.publish_many(events)
    runner = app.state.runtime.consumers[0]
    for _ in range(1000):
        if runner.stats.handled >= len(events):
            break
        await asyncio.sleep(0.02)
    assert runner.stats.handled == len(events) and runner.stats.dead_lettered == 0
    resp = await client.post("/v1/decision/training/jobs", json={
        "kind": "propensity", "source": "feature_store", "max_train_snapshots": 2,
        "n_estimators": 20, "horizon_days": 14})
    job = await _finish(client, resp.json()["id"])
    assert job["status"] == "succeeded", job["error"]
    assert job["metrics"]["train_rows"] > 0
    version = (await client.get("/v1/decision/models/propensity/versions/1")).json()
    assert version["source"] == "feature_store"
    assert len(version["data_window"]["categories"]) == 4
