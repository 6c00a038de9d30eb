"""Fixtures: a gateway in front of an echo upstream, in process or over real sockets."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.main import create_app
from starlette.types import ASGIApp

INTERNAL_SECRET = "test-internal-secret-0123456789abcdef"
JWT_SECRET = "test-jwt-secret-0123456789abcdef-0123456789"


@dataclass
class EchoState:
    """What the echo upstream saw and how it should behave."""

    calls: dict[str, int] = field(default_factory=dict)
    healthy: bool = True
    ready: bool = True
    release: asyncio.Event = field(default_factory=asyncio.Event)
    seen: list[dict[str, Any]] = field(default_factory=list)

    def count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1


def echo_app(state: EchoState, service: str = "nlp") -> FastAPI:
    """An upstream that answers with what it received, plus failure and streaming routes."""
    app = FastAPI(title=f"echo {service}", description="An echo upstream for tests.")
    base = f"/v1/{service}"

    @app.api_route(
        base + "/echo/{rest:path}",
        methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    )
    async def echo(rest: str, request: Request) -> JSONResponse:
        state.count("echo")
        body = await request.body()
        seen = {
            "method": request.method,
            "path": request.url.path,
            "query": request.url.query,
            "headers": request.headers.items(),
            "body": body.decode("latin-1"),
        }
        state.seen.append(seen)
        return JSONResponse({**seen, "headers": dict(request.headers)})

    @app.get(base + "/flaky")
    async def flaky() -> JSONResponse:
        state.count("flaky")
        if not state.healthy:
            return JSONResponse({"detail": "broken"}, status_code=500)
        return JSONResponse({"ok": True})

    @app.get(base + "/slow")
    async def slow() -> JSONResponse:
        state.count("slow")
        await asyncio.sleep(2)
        return JSONResponse({"ok": True})

    @app.get(base + "/sse")
    async def sse() -> StreamingResponse:
        async def events() -> AsyncIterator[bytes]:
            yield b"data: first\n\n"
            await state.release.wait()
            yield b"data: second\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get(base + "/hop")
    async def hop() -> Response:
        return Response(
            b"ok",
            headers={
                "keep-alive": "timeout=5",
                "x-kept": "yes",
                "proxy-authenticate": "Basic",
                "x-request-id": "upstream",
            },
        )

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        return JSONResponse(
            {
                "status": "ready" if state.ready else "not_ready",
                "checks": {"model": "ok" if state.ready else "loading"},
            },
            status_code=200 if state.ready else 503,
        )

    return app


def make_settings(tmp_path: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "SHOPMIND_ENV": "test",
        "SHOPMIND_DATA_DIR": str(tmp_path),
        "DATABASE_URL": None,
        "REDIS_URL": None,
        "KAFKA_BOOTSTRAP": None,
        "NEO4J_URI": None,
        "SHOPMIND_SERVICE_URLS": {},
        "SHOPMIND_INTERNAL_SECRET": INTERNAL_SECRET,
        "GATEWAY_KEY_CACHE_TTL_S": 0,
        "LOG_JSON": False,
    }
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class Harness:
    app: FastAPI
    client: httpx.AsyncClient
    state: EchoState

    async def key(self, scopes: str, name: str = "test") -> str:
        created = await self.app.state.gateway.auth.keys.create(name, scopes)
        return str(created.key)


GatewayFactory = Callable[..., AbstractAsyncContextManager[Harness]]


@pytest.fixture
def gateway(tmp_path: Path) -> GatewayFactory:
    """`async with gateway(**settings) as h:` a gateway with the echo app as `nlp`."""

    @asynccontextmanager
    async def factory(
        targets: dict[str, ASGIApp | str] | None = None,
        state: EchoState | None = None,
        **overrides: Any,
    ) -> AsyncIterator[Harness]:
        state = state or EchoState()
        app = create_app(
            make_settings(tmp_path, **overrides),
            targets=targets if targets is not None else {"nlp": echo_app(state)},
        )
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as c:
                yield Harness(app, c, state)

    return factory


@asynccontextmanager
async def serve(app: ASGIApp, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app on a real 127.0.0.1 socket in this event loop; yields its URL."""
    if sock is None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False, ws="none")
    server = uvicorn.Server(config)
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def call_asgi(
    app: ASGIApp,
    path: str,
    *,
    headers: list[tuple[bytes, bytes]],
    on_message: Callable[[dict[str, Any]], None],
    method: str = "GET",
    disconnect: asyncio.Event | None = None,
) -> None:
    """Drive an ASGI app directly, seeing every message as it is sent (no buffering)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("gateway", 80),
    }
    sent = False
    gone = disconnect or asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        on_message(message)

    await app(scope, receive, send)


@pytest.fixture
def settings_for(tmp_path: Path) -> Callable[..., GatewaySettings]:
    """Gateway settings isolated in this test's tmp dir, with overrides by env name."""
    return lambda **overrides: make_settings(tmp_path, **overrides)


@pytest.fixture
def upstream() -> Callable[..., FastAPI]:
    """`upstream(state, service="nlp")`: an echo upstream app."""
    return echo_app


@pytest.fixture
def served() -> Callable[..., AbstractAsyncContextManager[str]]:
    """`async with served(app) as url:` the app on a real socket."""
    return serve


@pytest.fixture
def drive() -> Callable[..., Any]:
    """`await drive(app, path, headers=..., on_message=...)`: call an ASGI app directly."""
    return call_asgi


@pytest.fixture
def internal_secret() -> str:
    return INTERNAL_SECRET


@pytest.fixture
def jwt_secret() -> str:
    return JWT_SECRET


@pytest.fixture
def echo_state() -> EchoState:
    return EchoState()
