from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from shopmind_common.http import _local_apps, register_local_app


def _features(app: FastAPI) -> dict[str, float]:
    names = app.state.decision.models.get("propensity").names
    out = dict.fromkeys(names, 1.0)
    out.update(uc_days_since_last=2.0, uc_baskets_91=9.0, u_trips_28=8.0)
    return out


async def _predict(client: httpx.AsyncClient, app: FastAPI) -> str:
    resp = await client.post("/v1/decision/predictions", json={
        "model": "propensity", "features": _features(app)})
    return str(resp.json()["prediction_id"])


@pytest.fixture
def fake_nlp() -> Iterator[list[dict]]:
    """A stand-in nlp app that answers the generate contract (the real one loads an LLM)."""
    from fastapi import FastAPI as Api

    calls: list[dict] = []
    nlp = Api()

    @nlp.post("/v1/nlp/generate")
    async def generate(body: dict) -> dict:
        calls.append(body)
        return {"model": "fake", "backend": "test", "results": [{
            "text": "Recent and frequent purchases in the category make a purchase likely.",
            "finish_reason": "stop", "prompt_tokens": 1, "completion_tokens": 1}]}

    previous = _local_apps.get("nlp")
    register_local_app("nlp", nlp)
    yield calls
    if previous is None:
        _local_apps.pop("nlp", None)
    else:
        register_local_app("nlp", previous)


async def test_template_summary_names_the_top_drivers(trained_client: httpx.AsyncClient,
                                                      trained_app: FastAPI) -> None:
    pid = await _predict(trained_client, trained_app)
    resp = await trained_client.post(f"/v1/decision/insights/predictions/{pid}")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["source"] == "template" and body["text"] == body["fallback_text"]
    pred = (await trained_client.get(f"/v1/decision/predictions/{pid}")).json()
    top = [c for c in pred["explanation"]["contributions"] if c["contribution"] != 0][:3]
    assert [d["feature"] for d in body["drivers"]] == [c["feature"] for c in top]
    schema = trained_app.state.decision.models.get("propensity").schema
    for d in body["drivers"]:
        assert schema.field(d["feature"]).description in body["text"]
    assert f"{pred['score']:.0%}" in body["text"]
    # Deterministic: the same prediction gives the same words.
    again = (await trained_client.post(f"/v1/decision/insights/predictions/{pid}")).json()
    assert again["text"] == body["text"]
    missing = await trained_client.post("/v1/decision/insights/predictions/abc-0")
    assert missing.status_code == 404


async def test_auto_uses_nlp_when_reachable_else_the_template(
        tmp_path, model_dir, fake_nlp, settings_factory, monkeypatch) -> None:
    from shopmind_common.events import InProcessBus
    from shopmind_decision.main import create_app

    # No generator in this process's model layer, whatever other tests loaded.
    monkeypatch.setenv("LLM_BACKEND", "none")
    app = create_app(settings_factory(tmp_path, DECISION_MODEL_DIR=str(model_dir),
                                      DECISION_INSIGHTS_BACKEND="auto"), bus=InProcessBus())
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            pid = await _predict(client, app)
            body = (await client.post(f"/v1/decision/insights/predictions/{pid}")).json()
            assert body["source"] == "nlp"
            assert body["text"].startswith("Recent and frequent")
            assert body["fallback_text"] in fake_nlp[0]["messages"][1]["content"]
            _local_apps.pop("nlp", None)  # nlp gone: the template answers
            body = (await client.post(f"/v1/decision/insights/predictions/{pid}")).json()
            assert body["source"] == "template"


async def test_trend_summary_from_the_store(trained_client: httpx.AsyncClient,
                                            trained_app: FastAPI) -> None:
    category = trained_app.state.decision.models.get("demand").schema.entity  # ("category",)
    assert category == ("category",)
    now = datetime.now(UTC)
    events = [{"user_id": f"u{i % 5}", "product_id": "p", "category": "EGGS",
               "action": "purchase", "quantity": 1 + (i % 3), "price": 2.0,
               "at": (now - timedelta(days=i % 60)).isoformat(), "session_id": f"s{i}"}
              for i in range(120)]
    assert (await trained_client.post("/v1/decision/events", json={"events": events})
            ).status_code == 202
    runner = trained_app.state.runtime.consumers[0]
    import asyncio

    for _ in range(300):
        if runner.stats.handled >= 120:
            break
        await asyncio.sleep(0.02)
    resp = await trained_client.post("/v1/decision/insights/trends",
                                     json={"category": "EGGS", "weeks": 8})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["source"] == "template"
    assert body["text"].startswith("EGGS:")
    assert "units" in body["text"] and "demand v1" in body["text"]
    assert body["prediction_id"]
