from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from shopmind.events import BEHAVIOR_EVENT, BehaviorEvent, DeadLetter
from shopmind_common.events import InProcessBus, new_event
from shopmind_decision.behavior import repository

NOW = datetime.now(UTC).replace(microsecond=0)


def _event(user: str = "u1", *, action: str = "purchase", category: str = "DAIRY",
           quantity: int = 1, price: float = 2.5, discount: float = 0.0,
           at: datetime | None = NOW - timedelta(days=2), session: str = "b1") -> BehaviorEvent:
    payload = BehaviorEvent(user_id=user, product_id="p1", action=action, quantity=quantity,
                            price=price, session_id=session, category=category,
                            discount=discount)
    if at is not None:
        payload.at.FromDatetime(at)
    return payload


async def _stored(app: FastAPI) -> int:
    async with app.state.decision.db.session() as s:
        return await repository.count_events(s)


async def _drain(app: FastAPI, expected_handled: int) -> None:
    runner = app.state.runtime.consumers[0]
    for _ in range(400):
        if runner.stats.handled + runner.stats.dead_lettered >= expected_handled:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"consumer stats stuck at {runner.stats}")


async def test_consumer_stores_good_events_and_dead_letters_malformed_ones(
        client: httpx.AsyncClient, app: FastAPI, bus: InProcessBus) -> None:
    good = [new_event(BEHAVIOR_EVENT, _event(session=f"b{i}"), key="u1", producer="t")
            for i in range(3)]
    bad = {
        "user_id": _event(user=""),
        "action": _event(action="wishlist"),
        "price": _event(price=-1.0),
        "at": _event(at=None),
        "quantity": _event(quantity=0),
    }
    bad_events = [new_event(BEHAVIOR_EVENT, p, key="u1", producer="t") for p in bad.values()]
    await bus.publish_many([*good[:2], *bad_events, good[2]])
    await bus.publish_raw([(BEHAVIOR_EVENT, "u1", b"\x00not an envelope", {})])
    await _drain(app, 3 + len(bad) + 1)
    assert await _stored(app) == 3
    letters = bus.messages(BEHAVIOR_EVENT + ".dlq")
    assert len(letters) == len(bad) + 1
    errors = []
    for record in letters:
        letter = DeadLetter()
        letter.ParseFromString(record.value)
        errors.append(letter.error)
    for field in bad:
        assert any(f"field '{field}'" in e for e in errors), (field, errors)
    assert any("not a valid Envelope" in e for e in errors)

    # Redelivery of the same event id (another process, same store) is a no-op.
    async with app.state.decision.db.session() as s:
        from shopmind_decision.behavior.service import behavior

        assert await behavior.ingest(s, [good[0]]) == 0
    assert await _stored(app) == 3


async def test_http_events_are_validated_published_and_featurised(
        client: httpx.AsyncClient, app: FastAPI) -> None:
    at = (NOW - timedelta(days=3)).isoformat()
    events = [
        {"user_id": "u9", "product_id": "p1", "category": "DAIRY", "action": "purchase",
         "quantity": 2, "price": 3.0, "discount": 1.0, "at": at, "session_id": "s1"},
        {"user_id": "u9", "product_id": "p2", "category": "DAIRY", "action": "view", "at": at},
        {"user_id": "u8", "product_id": "p1", "category": "BREAD", "action": "purchase",
         "quantity": 1, "price": 2.0, "at": at, "session_id": "s2"},
    ]
    bad = await client.post("/v1/decision/events", json={"events": [
        events[0], {**events[1], "action": "wishlist"}]})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "body.events.1.action"
    future = await client.post("/v1/decision/events", json={"events": [
        {**events[0], "at": (NOW + timedelta(days=5)).isoformat()}]})
    assert future.status_code == 422
    assert future.json()["error"]["details"][0]["field"] == "body.events.0.at"

    ok = await client.post("/v1/decision/events", json={"events": events})
    assert ok.status_code == 202 and ok.json()["accepted"] == 3
    await _drain(app, 3)
    assert await _stored(app) == 3  # nothing from the rejected requests

    feats = await client.get("/v1/decision/features/users/u9",
                             params={"category": ["DAIRY", "BREAD"]})
    assert feats.status_code == 200
    dairy = feats.json()["features"]["DAIRY"]
    assert dairy["uc_days_since_last"] in (3.0, 4.0)
    assert dairy["uc_units_28"] == 2.0
    assert dairy["uc_views_7"] == 1.0
    assert dairy["uc_discount_rate_91"] == pytest.approx(1.0 / 7.0)
    assert dairy["c_buyer_share_28"] == 0.5
    assert feats.json()["features"]["BREAD"]["uc_baskets_28"] == 0.0
    # A category asked twice, and an id no shopper has, are answered, not a 500.
    twice = await client.get("/v1/decision/features/users/ü-未知",
                             params={"category": ["DAIRY", "DAIRY"]})
    assert twice.status_code == 200
    assert list(twice.json()["features"]) == ["DAIRY"]
    assert twice.json()["features"]["DAIRY"]["uc_units_28"] == 0.0
    # Point in time: as of a date before the events, nothing is known.
    past = await client.get("/v1/decision/features/users/u9",
                            params={"category": "DAIRY",
                                    "as_of": (NOW - timedelta(days=10)).date().isoformat()})
    assert past.json()["features"]["DAIRY"]["uc_units_28"] == 0.0

    item = await client.get("/v1/decision/features/items/p1")
    assert item.json()["features"]["units_28"] == 3.0
    assert item.json()["features"]["views_7"] == 0.0
