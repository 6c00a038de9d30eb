"""Token buckets in memory and in the real Redis, alone and through the gateway."""

from __future__ import annotations

from typing import Any

import pytest
from shopmind_common.testing import unique
from shopmind_gateway.config import RouteRule
from shopmind_gateway.ratelimit.limiter import MemoryRateLimiter, RedisRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_memory_bucket_refills_at_the_rate() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock=clock)
    assert [limiter.take("k", 2.0, 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("k", 2.0, 3) == pytest.approx(0.5)
    assert limiter.take("other", 2.0, 3) == 0.0  # buckets are independent
    clock.now += 0.5
    assert limiter.take("k", 2.0, 3) == 0.0
    clock.now += 100
    assert [limiter.take("k", 2.0, 3) for _ in range(4)][-1] > 0  # refill capped at burst


def test_memory_limiter_bounds_its_buckets() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(max_buckets=10, clock=clock)
    for i in range(10):
        limiter.take(f"k{i}", 1.0, 1)
    clock.now += 120
    limiter.take("new", 1.0, 1)
    assert len(limiter._buckets) == 1


@pytest.mark.redis
async def test_redis_bucket(redis_url: str) -> None:
    limiter = RedisRateLimiter(redis_url)
    bucket = unique("rl")
    try:
        waits = [await limiter.hit(bucket, 0.5, 2) for _ in range(3)]
        assert waits[:2] == [0.0, 0.0]
        assert 1.5 < waits[2] <= 2.0
        assert await limiter.ping()
    finally:
        await limiter.close()


async def test_redis_outage_fails_open() -> None:
    errors: list[int] = []
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", on_error=lambda: errors.append(1))
    try:
        assert await limiter.hit("k", 1.0, 1) == 0.0
        assert errors == [1] and await limiter.ping() is False
    finally:
        await limiter.close()


async def test_gateway_answers_429_with_retry_after_per_key_and_route(gateway: Any) -> None:
    async with gateway(
        GATEWAY_AUTH="on",
        GATEWAY_RATE_LIMIT_PER_S=0.01,
        GATEWAY_RATE_LIMIT_BURST=2,
        GATEWAY_ROUTES=[RouteRule(prefix="/v1/nlp/flaky", rate_per_s=0)],
    ) as h:
        a, b = await h.key("nlp:read", "a"), await h.key("nlp:read", "b")
        codes = [
            (await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": a})).status_code
            for _ in range(2)
        ]
        resp = await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": a})
        assert codes == [200, 200] and resp.status_code == 429
        error = resp.json()["error"]
        assert error["code"] == "rate_limited" and error["details"]["route"] == "/v1/nlp"
        assert int(resp.headers["retry-after"]) >= 1
        # Another key has its own bucket; an unlimited route is not counted.
        assert (await h.client.get("/v1/nlp/echo/x", headers={"X-API-Key": b})).status_code == 200
        for _ in range(5):
            flaky = await h.client.get("/v1/nlp/flaky", headers={"X-API-Key": a})
            assert flaky.status_code == 200
        assert h.state.calls["echo"] == 3
        metrics = (await h.client.get("/metrics")).text
        assert 'gateway_rate_limit_rejections_total{route="/v1/nlp"} 1.0' in metrics


@pytest.mark.redis
async def test_replicas_share_buckets_through_redis(gateway: Any, redis_url: str) -> None:
    limits = {
        "GATEWAY_AUTH": "on",
        "REDIS_URL": redis_url,
        "GATEWAY_RATE_LIMIT_PER_S": 0.01,
        "GATEWAY_RATE_LIMIT_BURST": 2,
    }
    # Two gateways, one store and one Redis: replicas of the same deployment.
    async with gateway(**limits) as one, gateway(**limits) as two:
        key = await one.key("nlp:read")
        assert (
            await one.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        ).status_code == 200
        assert (
            await two.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        ).status_code == 200
        resp = await one.client.get("/v1/nlp/echo/x", headers={"X-API-Key": key})
        assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 1
        info = (await two.client.get("/info")).json()
        assert info["backends"]["rate_limit"] == "redis"
