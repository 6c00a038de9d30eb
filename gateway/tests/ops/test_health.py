from __future__ import annotations

from typing import Any


async def test_healthz_rolls_up_every_upstream(
    gateway: Any, upstream: Any, echo_state: Any
) -> None:
    kg_state = type(echo_state)()
    targets = {"nlp": upstream(echo_state), "kg": upstream(kg_state, "kg")}
    async with gateway(targets=targets, GATEWAY_AUTH="on") as h:
        resp = await h.client.get("/healthz")  # no credentials needed for probes
        assert resp.status_code == 200
        body = resp.json()
        assert body["status"] == "ok" and set(body["services"]) == {"nlp", "kg"}
        assert all(s["status"] == "up" for s in body["services"].values())

        kg_state.ready = False
        resp = await h.client.get("/healthz")
        assert resp.status_code == 503
        body = resp.json()
        assert body["status"] == "degraded"
        assert body["services"]["kg"] == {
            "status": "not_ready",
            "checks": {"model": "loading"},
            "breaker": "closed",
        }
        assert body["services"]["nlp"]["status"] == "up"


async def test_gateway_readiness_and_info(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="on") as h:
        ready = await h.client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"key_store": "ok", "rate_limit": "ok"}
        info = (await h.client.get("/info")).json()
        assert info["backends"]["key_store"] == "sqlite"
        assert info["backends"]["rate_limit"] == "memory"
        assert info["backends"]["auth"] == "on"
        assert info["backends"]["upstream.nlp"] == "in-process"
