"""Upstreams: each service as an in-process ASGI app or a URL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp


@dataclass
class Upstream:
    name: str
    client: httpx.AsyncClient
    target: str  # "in-process" or the base URL

    async def readiness(self, timeout_s: float) -> dict[str, Any]:
        try:
            resp = await asyncio.wait_for(self.client.get("/readyz"), timeout_s)
        except (httpx.HTTPError, TimeoutError) as exc:
            return {"status": "down", "error": type(exc).__name__}
        body: dict[str, Any] = resp.json() if resp.headers.get(
            "content-type", "").startswith("application/json") else {}
        return {"status": "up" if resp.status_code == 200 else "not_ready",
                "checks": body.get("checks", {})}


def build_upstreams(targets: dict[str, ASGIApp | str], timeout_s: float) -> dict[str, Upstream]:
    upstreams = {}
    for name, target in targets.items():
        if isinstance(target, str):
            client = httpx.AsyncClient(base_url=target, timeout=timeout_s)
            where = target
        else:
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=target),
                                       base_url=f"http://{name}.local", timeout=timeout_s)
            where = "in-process"
        upstreams[name] = Upstream(name, client, where)
    return upstreams
