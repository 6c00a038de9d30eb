"""The feature store, predictions and consumer on the real PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from shopmind.events import BEHAVIOR_EVENT, BehaviorEvent, DeadLetter
from shopmind_common.events import new_event
from shopmind_decision.behavior import repository
from shopmind_decision.main import create_app


def _payload(user: str, price: float = 2.0, days_ago: int = 2) -> BehaviorEvent:
    p = BehaviorEvent(user_id=user, product_id="p1", action="purchase", quantity=2, price=price,
                      session_id=f"s-{user}", category="DAIRY", discount=0.5)
    p.at.FromDatetime(datetime.now(UTC) - timedelta(days=days_ago))
    return p


@pytest.mark.postgres
async def test_store_and_predictions_on_postgres(tmp_path, model_dir, postgres_url, bus,
                                                 settings_factory) -> None:
    app = create_app(settings_factory(tmp_path, DATABASE_URL=postgres_url,
                                      DECISION_MODEL_DIR=str(model_dir)), bus=bus)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        assert app.state.info.backends["database"] == "postgresql"
        events = [new_event(BEHAVIOR_EVENT, _payload("u1"), key="u1", producer="t"),
                  new_event(BEHAVIOR_EVENT, _payload("u2", price=-5), key="u2", producer="t"),
                  new_event(BEHAVIOR_EVENT, _payload("u3"), key="u3", producer="t")]
        await bus.publish_many(events)
        runner = app.state.runtime.consumers[0]
        for _ in range(300):
            if runner.stats.handled + runner.stats.dead_lettered >= 3:
                break
            await asyncio.sleep(0.02)
        async with app.state.decision.db.session() as s:
            assert await repository.count_events(s) == 2
        assert len(bus.messages(BEHAVIOR_EVENT + ".dlq")) == 1
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://t") as client:
            resp = await client.post("/v1/decision/predictions", json={
                "model": "propensity", "top_k": 200,
                "entity": {"user_id": "u1", "category": "DAIRY"}})
            assert resp.status_code == 201, resp.text
            pid = resp.json()["prediction_id"]
            values = {c["feature"]: c["value"] for c in resp.json()["explanation"][
                "contributions"]}
            assert values["uc_units_28"] == 2.0
            fetched = await client.get(f"/v1/decision/predictions/{pid}")
            assert fetched.json()["entity"]["user_id"] == "u1"
            names = app.state.decision.models.get("propensity").names
            batch = await client.post("/v1/decision/predictions/batch", json={
                "model": "propensity", "columns": names, "rows": [[1.0] * len(names)] * 3})
            one = await client.get(f"/v1/decision/predictions/{batch.json()['prediction_ids'][2]}")
            assert one.status_code == 200
            assert one.json()["score"] == pytest.approx(batch.json()["scores"][2])


@pytest.mark.kafka
async def test_consumer_on_kafka_dead_letters_malformed_events(tmp_path, kafka_bus,
                                                               settings_factory) -> None:
    app = create_app(settings_factory(tmp_path), bus=kafka_bus)
    async with app.router.lifespan_context(app):
        await app.state.runtime.wait_loaded()
        good = new_event(BEHAVIOR_EVENT, _payload("k1"), key="k1", producer="t")
        bad = new_event(BEHAVIOR_EVENT, BehaviorEvent(user_id="k2", action="purchase"),
                        key="k2", producer="t")
        await kafka_bus.publish_many([good, bad, good])  # the repeat is deduplicated
        runner = app.state.runtime.consumers[0]
        for _ in range(600):
            if runner.stats.handled >= 1 and runner.stats.dead_lettered >= 1:
                break
            await asyncio.sleep(0.05)
        assert runner.stats.handled == 1 and runner.stats.dead_lettered == 1
        async with app.state.decision.db.session() as s:
            assert await repository.count_events(s) == 1
        dlq = kafka_bus.consumer("dlq-reader", [BEHAVIOR_EVENT + ".dlq"])
        letters = []
        for _ in range(50):
            letters += await dlq.poll(10, 0.2)
            if letters:
                break
        await dlq.close()
        letter = DeadLetter()
        letter.ParseFromString(letters[0].value)
        assert "field 'product_id'" in letter.error
