"""Token buckets: `rate` tokens a second up to `burst`; a request takes one.

`hit()` answers 0.0 when the request may pass, else the seconds until a token
is back (the `Retry-After`). The memory limiter is per process; the Redis one
is shared by every replica and keeps its clock on the Redis server.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("shopmind.gateway.ratelimit")


class RateLimiter(Protocol):
    backend: str

    async def hit(self, bucket: str, rate: float, burst: int) -> float: ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...


class MemoryRateLimiter:
    backend = "memory"

    def __init__(
        self, *, max_buckets: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._buckets: dict[str, list[float]] = {}
        self._max = max_buckets
        self._clock = clock

    def take(self, bucket: str, rate: float, burst: int) -> float:
        now = self._clock()
        state = self._buckets.get(bucket)
        if state is None:
            if len(self._buckets) >= self._max:
                self._evict(now)
            state = self._buckets[bucket] = [float(burst), now]
        tokens = min(float(burst), state[0] + (now - state[1]) * rate)
        state[1] = now
        if tokens >= 1.0:
            state[0] = tokens - 1.0
            return 0.0
        state[0] = tokens
        return (1.0 - tokens) / rate

    def _evict(self, now: float) -> None:
        # Drop buckets idle long enough to be full again: forgetting them changes nothing.
        idle = [k for k, (_, seen) in self._buckets.items() if now - seen > 60.0]
        for k in idle:
            del self._buckets[k]
        if len(self._buckets) >= self._max:
            self._buckets.clear()

    async def hit(self, bucket: str, rate: float, burst: int) -> float:
        return self.take(bucket, rate, burst)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


_LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


class RedisRateLimiter:
    """One Lua script per request: atomic across replicas, one round trip.

    When Redis cannot be reached the request is let through (fail open) and
    counted, so a Redis outage degrades limits, not the API.
    """

    backend = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "shopmind:gateway:rl:",
        on_error: Callable[[], None] | None = None,
    ) -> None:
        import redis.asyncio as redis

        self._redis: Any = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._script = self._redis.register_script(_LUA)
        self._prefix = prefix
        self._on_error = on_error

    async def hit(self, bucket: str, rate: float, burst: int) -> float:
        from redis.exceptions import RedisError

        try:
            wait = await self._script(keys=[self._prefix + bucket], args=[rate, burst])
        except (RedisError, OSError) as exc:
            log.warning("rate limit backend failed, letting the request through: %s", exc)
            if self._on_error is not None:
                self._on_error()
            return 0.0
        value = float(wait)
        return value if math.isfinite(value) else 1.0

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:  # readiness must answer, never raise
            return False

    async def close(self) -> None:
        await self._redis.aclose()
