"""The gateway app: routes `/v1/<service>/...` to each service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from shopmind_common.app import create_service_app
from shopmind_common.errors import NotFound, Unavailable
from shopmind_common.settings import get_settings
from starlette.types import ASGIApp

from shopmind_gateway import __version__
from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.upstreams import Upstream, build_upstreams

_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailers", "transfer-encoding", "upgrade", "host", "content-length"}


def _router(upstreams: dict[str, Upstream], settings: GatewaySettings) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Every upstream's readiness, rolled up."""
        names = list(upstreams)
        results = await asyncio.gather(
            *(upstreams[n].readiness(settings.health_timeout_s) for n in names))
        services: dict[str, Any] = dict(zip(names, results, strict=True))
        up = all(r["status"] == "up" for r in results)
        return JSONResponse({"status": "ok" if up else "degraded", "services": services},
                            status_code=200 if up else 503)

    @router.api_route("/v1/{service}/{path:path}",
                      methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
                      include_in_schema=False)
    async def proxy(service: str, path: str, request: Request) -> Response:
        """Forward a request to its service unchanged."""
        upstream = upstreams.get(service)
        if upstream is None:
            raise NotFound(f"no service named {service!r}", details={"service": service})
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        try:
            resp = await upstream.client.request(
                request.method, request.url.path, params=request.query_params,
                content=await request.body(), headers=headers)
        except httpx.HTTPError as exc:
            raise Unavailable(f"upstream {service} failed: {type(exc).__name__}",
                              details={"upstream": service}) from exc
        out_headers = {k: v for k, v in resp.headers.items() if k.lower() not in _HOP_BY_HOP}
        return Response(resp.content, status_code=resp.status_code, headers=out_headers)

    return router


def create_app(settings: GatewaySettings | None = None,
               targets: dict[str, ASGIApp | str] | None = None) -> FastAPI:
    """The gateway in front of `targets` (name -> in-process app or base URL)."""
    settings = settings or get_settings(GatewaySettings)
    resolved: dict[str, ASGIApp | str] = dict(settings.service_urls)
    resolved.update(targets or {})
    upstreams = build_upstreams(resolved, settings.upstream_timeout_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        for upstream in upstreams.values():
            await upstream.client.aclose()

    app = create_service_app(
        name="gateway", version=__version__, settings=settings,
        routers=[_router(upstreams, settings)], lifespan=lifespan, include_health=False,
        description="The one door to the ShopMind suite.",
    )
    app.state.upstreams = upstreams
    return app
