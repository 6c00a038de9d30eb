"""The app factory every service uses.

It adds `/healthz` (live), `/readyz` (ready), `/info` and Prometheus
`/metrics`, request and trace ids, JSON logs, the one error shape, and runs
the service's own lifespan (models, consumers, connections) inside its own.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shopmind_common.context import request_id_var, trace_id_var
from shopmind_common.errors import install_error_handlers
from shopmind_common.logging import configure_logging
from shopmind_common.settings import ServiceSettings
from shopmind_common.tracing import FASTAPI_TELEMETRY, install_tracing

REQUEST_ID_HEADER = "x-request-id"
TRACE_ID_HEADER = "x-trace-id"

ReadyCheck = Callable[[], Awaitable[bool] | bool]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class Readiness:
    """What a service waits for before it says ready (models, connections)."""

    checks: dict[str, ReadyCheck] = field(default_factory=dict)
    pending: dict[str, str] = field(default_factory=dict)

    def add_check(self, name: str, check: ReadyCheck) -> None:
        self.checks[name] = check

    def mark_pending(self, name: str, why: str = "starting") -> None:
        self.pending[name] = why

    def mark_ready(self, name: str) -> None:
        self.pending.pop(name, None)

    async def evaluate(self) -> tuple[bool, dict[str, Any]]:
        report: dict[str, Any] = {name: why for name, why in self.pending.items()}
        ok = not self.pending
        for name, check in self.checks.items():
            try:
                result = check()
                if isinstance(result, Awaitable):
                    result = await result
            except Exception as exc:  # a failing check is "not ready", never a 500
                result = False
                report[name] = f"error: {exc}"
            else:
                report[name] = "ok" if result else "not ready"
            ok = ok and bool(result)
        return ok, report


@dataclass
class ServiceInfo:
    """What `/info` reports: the service, its backends and its models."""

    name: str
    version: str
    backends: dict[str, str] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "service": self.name,
            "version": self.version,
            "backends": self.backends,
            "models": self.models,
        }


class _ObservabilityMiddleware:
    """Request id, trace id and per-route metrics, as plain ASGI (no body buffering)."""

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry, service: str) -> None:
        self.app = app
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests",
            ["service", "method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["service", "method", "route"],
            registry=registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.service = service

    @staticmethod
    def _route_template(scope: Scope) -> str:
        # The router records the matched route in the scope; its template keeps
        # label cardinality bounded (no ids in labels).
        route = scope.get("route")
        return str(getattr(route, "path", "unmatched")) if route is not None else "unmatched"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        rid = (
            headers.get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")[:128] or uuid.uuid4().hex
        )
        tid = headers.get(TRACE_ID_HEADER.encode(), b"").decode("latin-1")[:128] or rid
        rid_token = request_id_var.set(rid)
        tid_token = trace_id_var.set(tid)
        status = 500
        start = time.perf_counter()

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = list(message.get("headers", []))
                raw.append((REQUEST_ID_HEADER.encode(), rid.encode("latin-1")))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, _send)
        finally:
            route = self._route_template(scope)
            method = scope.get("method", "GET")
            self.requests.labels(self.service, method, route, str(status)).inc()
            self.latency.labels(self.service, method, route).observe(time.perf_counter() - start)
            request_id_var.reset(rid_token)
            trace_id_var.reset(tid_token)


def create_service_app(
    *,
    name: str,
    version: str,
    settings: ServiceSettings,
    routers: Sequence[APIRouter] = (),
    lifespan: Lifespan | None = None,
    description: str | None = None,
    include_health: bool = True,
) -> FastAPI:
    """Build a service's FastAPI app with the platform's standard endpoints."""
    configure_logging(name, settings.log_level, settings.log_json)
    registry = CollectorRegistry(auto_describe=True)
    readiness = Readiness()
    info = ServiceInfo(name=name, version=version)

    @asynccontextmanager
    async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
        if lifespan is None:
            yield
            return
        async with lifespan(app):
            yield

    app = FastAPI(
        title=f"ShopMind {name}",
        version=version,
        description=description or f"The {name} service.",
        lifespan=_lifespan,
        telemetry=FASTAPI_TELEMETRY,
    )
    app.state.settings = settings
    app.state.readiness = readiness
    app.state.info = info
    app.state.metrics_registry = registry
    install_error_handlers(app)
    # Added first, so it runs inside the observability middleware: the span's trace id wins.
    install_tracing(app, name)
    app.add_middleware(_ObservabilityMiddleware, registry=registry, service=name)

    if include_health:

        @app.get("/healthz", tags=["ops"], include_in_schema=False)
        async def healthz() -> dict[str, str]:
            """Liveness: the process answers."""
            return {"status": "ok", "service": name}

    @app.get("/readyz", tags=["ops"], include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: models loaded and backends reachable."""
        ok, report = await readiness.evaluate()
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "service": name, "checks": report},
            status_code=200 if ok else 503,
        )

    @app.get("/info", tags=["ops"], include_in_schema=False)
    async def info_endpoint() -> dict[str, Any]:
        """What this service runs: version, backends and models."""
        return info.as_dict()

    @app.get("/metrics", tags=["ops"], include_in_schema=False)
    async def metrics() -> Response:
        """Prometheus metrics of this service."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for router in routers:
        app.include_router(router)
    return app
