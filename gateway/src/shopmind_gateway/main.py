"""The gateway app: routes `/v1/<service>/...` to each service, with auth, limits and breakers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from shopmind_common.app import create_service_app
from shopmind_common.db import Database
from shopmind_common.settings import get_settings
from sqlalchemy import text
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from shopmind_gateway import __version__
from shopmind_gateway.auth.authenticator import Authenticator
from shopmind_gateway.auth.jwt import JwtVerifier
from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.keys.routes import router as keys_router
from shopmind_gateway.keys.service import KeyService
from shopmind_gateway.ops.health import rollup
from shopmind_gateway.ops.metrics import GatewayMetrics
from shopmind_gateway.ops.openapi import OpenApiAggregator
from shopmind_gateway.proxy.breaker import CircuitBreaker
from shopmind_gateway.proxy.pipeline import Gateway, HotPath, is_proxied
from shopmind_gateway.proxy.routing import RouteTable
from shopmind_gateway.proxy.upstreams import Upstream, build_upstream
from shopmind_gateway.ratelimit.limiter import MemoryRateLimiter, RateLimiter, RedisRateLimiter

log = logging.getLogger("shopmind.gateway")


class GatewayApp(FastAPI):
    """The gateway's FastAPI app, except that proxied requests skip the framework.

    `/v1/<service>/...` goes straight to the hot path, which does its own request
    ids, errors, metrics and CORS; routing and middleware would only add latency.
    Everything else (health, OpenAPI, docs, metrics, the key API) is plain FastAPI.
    """

    hot_path: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if is_proxied(scope):
            await self.hot_path(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _ops_router(
    upstreams: dict[str, Upstream], settings: GatewaySettings, aggregator: OpenApiAggregator
) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        """Every upstream's readiness, rolled up."""
        up, body = await rollup(upstreams, settings.health_timeout_s)
        return JSONResponse(body, status_code=200 if up else 503)

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        """Every service's API under its prefix, with the security schemes."""
        return JSONResponse(await aggregator.spec(request.app.openapi()))

    return router


def _rate_limiter(settings: GatewaySettings, metrics: GatewayMetrics) -> RateLimiter:
    if settings.redis_url:
        return RedisRateLimiter(settings.redis_url, on_error=metrics.rate_limit_backend_errors.inc)
    return MemoryRateLimiter()


def create_app(
    settings: GatewaySettings | None = None, targets: dict[str, ASGIApp | str] | None = None
) -> FastAPI:
    """The gateway in front of `targets` (name -> in-process app or base URL)."""
    settings = settings or get_settings(GatewaySettings)
    resolved: dict[str, ASGIApp | str] = dict(settings.service_urls)
    resolved.update(targets or {})

    db = Database(settings.sqlalchemy_url("gateway.db"))
    keys = KeyService(db, cache_ttl_s=settings.key_cache_ttl_s)
    auth = Authenticator(enabled=settings.auth_enabled, keys=keys, jwt=JwtVerifier(settings))
    routes = RouteTable(settings, list(resolved))
    upstreams: dict[str, Upstream] = {}
    aggregator = OpenApiAggregator(
        upstreams,
        routes,
        auth=auth.enabled,
        cache_s=settings.openapi_cache_s,
        timeout_s=settings.health_timeout_s,
    )
    holder: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await keys.create_schema()
        for upstream in upstreams.values():
            await upstream.forwarder.start()
        if not auth.enabled:
            log.warning("GATEWAY_AUTH is off: every request acts as the admin developer")
        try:
            yield
        finally:
            for upstream in upstreams.values():
                await upstream.close()
            await holder["limiter"].close()
            await db.dispose()

    app = create_service_app(
        name="gateway",
        version=__version__,
        settings=settings,
        routers=[keys_router],
        lifespan=lifespan,
        include_health=False,
        description="The one door to the ShopMind suite.",
    )
    # The merged spec replaces FastAPI's own; /docs (Swagger UI) then shows the whole suite.
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", None) != "/openapi.json"
    ]
    app.include_router(_ops_router(upstreams, settings, aggregator))

    metrics = GatewayMetrics(app.state.metrics_registry)
    for name, target in resolved.items():
        breaker = CircuitBreaker(
            name,
            failures=settings.breaker_failures,
            reset_s=settings.breaker_reset_s,
            on_change=metrics.breaker_changed,
        )
        metrics.breaker_state.labels(name).set(0)
        upstreams[name] = build_upstream(
            name,
            target,
            client=settings.upstream_client,
            connect_timeout_s=settings.connect_timeout_s,
            retries=settings.retries,
            backoff_s=settings.retry_backoff_s,
            pool_size=settings.upstream_pool_size,
            breaker=breaker,
        )
    limiter = holder["limiter"] = _rate_limiter(settings, metrics)
    gateway = Gateway(
        upstreams=upstreams,
        routes=routes,
        auth=auth,
        limiter=limiter,
        metrics=metrics,
        internal_secret=settings.internal_secret,
    )

    async def _store_ready() -> bool:
        async with db.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True

    app.state.readiness.add_check("key_store", _store_ready)
    app.state.readiness.add_check("rate_limit", limiter.ping)
    app.state.info.backends.update(
        {
            "key_store": db.backend,
            "rate_limit": limiter.backend,
            "auth": "on" if auth.enabled else "off",
            "jwt_algorithms": ",".join(sorted(auth.jwt.algorithms)) or "none",
            **{f"upstream.{n}": u.target for n, u in upstreams.items()},
        }
    )
    app.state.gateway = gateway
    app.state.upstreams = upstreams
    hot_path: ASGIApp = HotPath(gateway)
    if settings.cors_origins:
        cors: dict[str, Any] = {
            "allow_origins": list(settings.cors_origins),
            "allow_credentials": settings.cors_allow_credentials,
            "allow_methods": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
            "allow_headers": [
                "Authorization",
                "Content-Type",
                "X-API-Key",
                "X-Request-ID",
                "Last-Event-ID",
                "Accept",
            ],
            "expose_headers": ["X-Request-ID", "Retry-After"],
            "max_age": settings.cors_max_age_s,
        }
        app.add_middleware(CORSMiddleware, **cors)
        hot_path = CORSMiddleware(hot_path, **cors)
    # create_service_app builds a plain FastAPI; give it the hot-path dispatch.
    app.__class__ = GatewayApp
    app.hot_path = hot_path  # type: ignore[attr-defined]
    return app
