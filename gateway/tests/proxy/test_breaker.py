"""The circuit breaker alone (with a fake clock) and through the gateway."""

from __future__ import annotations

import asyncio
from typing import Any

from shopmind_gateway.proxy.breaker import BreakerState, CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_opens_after_threshold_and_probes_once() -> None:
    clock = Clock()
    changes: list[BreakerState] = []
    breaker = CircuitBreaker(
        "nlp", failures=3, reset_s=10, clock=clock, on_change=lambda _, s: changes.append(s)
    )
    for _ in range(2):
        assert breaker.acquire() == (True, 0.0)
        breaker.failure()
    assert breaker.state is BreakerState.CLOSED
    breaker.acquire()
    breaker.success()  # a success resets the count
    for _ in range(3):
        breaker.acquire()
        breaker.failure()
    assert breaker.state is BreakerState.OPEN
    allowed, retry = breaker.acquire()
    assert not allowed and retry == 10
    clock.now += 10
    assert breaker.acquire() == (True, 0.0)  # the probe
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.acquire()[0] is False  # only one probe at a time
    breaker.failure()  # probe failed: open again for a full period
    assert breaker.state is BreakerState.OPEN and breaker.acquire()[0] is False
    clock.now += 10
    assert breaker.acquire()[0]
    breaker.release()  # the client left: the next caller may probe
    assert breaker.acquire()[0]
    breaker.success()
    assert breaker.state is BreakerState.CLOSED and breaker.acquire() == (True, 0.0)
    assert changes == [
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.OPEN,
        BreakerState.HALF_OPEN,
        BreakerState.CLOSED,
    ]


async def test_gateway_answers_503_naming_the_upstream(gateway: Any) -> None:
    async with gateway(
        GATEWAY_AUTH="off", GATEWAY_BREAKER_FAILURES=3, GATEWAY_BREAKER_RESET_S=0.2
    ) as h:
        h.state.healthy = False
        for _ in range(3):
            assert (await h.client.get("/v1/nlp/flaky")).status_code == 500
        resp = await h.client.get("/v1/nlp/flaky")
        assert resp.status_code == 503
        error = resp.json()["error"]
        assert error["code"] == "upstream_unavailable"
        assert error["details"]["upstream"] == "nlp" and "nlp" in error["message"]
        assert int(resp.headers["retry-after"]) >= 1
        assert h.state.calls["flaky"] == 3  # the open breaker kept the request away
        metrics = (await h.client.get("/metrics")).text
        assert 'gateway_circuit_breaker_state{upstream="nlp"} 2.0' in metrics

        await asyncio.sleep(0.3)
        h.state.healthy = True
        assert (await h.client.get("/v1/nlp/flaky")).status_code == 200  # the probe
        assert (await h.client.get("/v1/nlp/flaky")).status_code == 200
        health = (await h.client.get("/healthz")).json()
        assert health["services"]["nlp"]["breaker"] == "closed"
