"""`/healthz`: every upstream's readiness rolled up into one answer."""

from __future__ import annotations

import asyncio
from typing import Any

from shopmind_gateway.proxy.upstreams import Upstream


async def rollup(upstreams: dict[str, Upstream], timeout_s: float) -> tuple[bool, dict[str, Any]]:
    names = list(upstreams)
    results = await asyncio.gather(*(upstreams[n].readiness(timeout_s) for n in names))
    services: dict[str, Any] = dict(zip(names, results, strict=True))
    up = all(r["status"] == "up" for r in results)
    return up, {"status": "ok" if up else "degraded", "services": services}
