"""Upstreams: each service as an in-process ASGI app or a base URL.

An upstream forwards one request and pushes the answer to a `Responder` as it
arrives, so streamed responses (SSE) are never buffered. Failures before the
answer starts raise `UpstreamError`; the pipeline turns them into 502/503/504.

URL upstreams use the gateway's own HTTP/1.1 client (`h1.py`) on the hot path
by default; aiohttp and httpx remain available through
`GATEWAY_UPSTREAM_CLIENT` (bench/gateway compares all three in one run), and
httpx serves the control plane (health, OpenAPI).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

import aiohttp
import httpx
from starlette.types import ASGIApp, Message, Receive
from yarl import URL

from shopmind_gateway.proxy.breaker import CircuitBreaker
from shopmind_gateway.proxy.headers import RawHeaders, response_headers
from shopmind_gateway.proxy.routing import IDEMPOTENT_METHODS

log = logging.getLogger("shopmind.gateway.upstream")

ErrorKind = Literal["connect", "timeout", "protocol"]
# Responses up to this size are read whole and sent in one message.
_BUFFER_LIMIT = 256 * 1024
_SKIP_AUTO_HEADERS = frozenset({"User-Agent", "Accept", "Accept-Encoding", "Content-Type"})


class UpstreamError(Exception):
    """The upstream gave no answer: it could not be reached, timed out or broke the protocol."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Responder(Protocol):
    started: bool

    async def start(self, status: int, headers: RawHeaders) -> None: ...

    async def body(self, chunk: bytes, more: bool) -> None: ...


@dataclass(slots=True)
class Outgoing:
    """One request as it leaves the gateway."""

    method: str
    path: str
    raw_path: bytes
    query_string: bytes
    headers: RawHeaders
    body: bytes
    timeout_s: float
    scheme: str = "http"
    client: tuple[str, int] | None = None
    http_version: str = "1.1"


class Forwarder(Protocol):
    async def forward(self, req: Outgoing, down: Responder, receive: Receive) -> None: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


T = TypeVar("T")


async def _backoff(attempt: int, base_s: float) -> None:
    # Exponential with jitter so retrying replicas do not march in step.
    await asyncio.sleep(base_s * (2**attempt) * (0.5 + random.random() / 2))


async def retry_connects(
    method: str, retries: int, backoff_s: float, attempt: Callable[[], Awaitable[T]]
) -> T:
    """`attempt()`, tried again after a backoff when it raises a connect error.

    Only connect errors are retried, and only for idempotent methods: the request never
    reached the upstream. Every other error is raised at once.
    """
    attempts = retries + 1 if method in IDEMPOTENT_METHODS else 1
    for n in range(attempts):
        try:
            return await attempt()
        except UpstreamError as exc:
            if exc.kind != "connect" or n + 1 >= attempts:
                raise
        await _backoff(n, backoff_s)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def _until_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class AsgiForwarder:
    """Calls an in-process ASGI app directly: no sockets, streamed as the app sends."""

    def __init__(self, name: str, app: ASGIApp) -> None:
        self.name = name
        self.app = app

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def forward(self, req: Outgoing, down: Responder, receive: Receive) -> None:
        headers = req.headers
        if req.body or req.method in ("POST", "PUT", "PATCH"):
            headers = [*headers, (b"content-length", str(len(req.body)).encode())]
        scope: dict[str, Any] = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": req.http_version,
            "method": req.method,
            "scheme": req.scheme,
            "path": req.path,
            "raw_path": req.raw_path,
            "query_string": req.query_string,
            "root_path": "",
            "headers": headers,
            "client": req.client,
            "server": (f"{self.name}.local", 80),
            "state": {},
        }
        body_sent = False
        deadline: asyncio.Timeout | None = None

        async def app_receive() -> Message:
            nonlocal body_sent
            if not body_sent:
                body_sent = True
                return {"type": "http.request", "body": req.body, "more_body": False}
            return await receive()  # blocks until the client goes away

        async def app_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if deadline is not None:
                    deadline.reschedule(None)  # the timeout covers the wait for the answer
                raw = [(bytes(n).lower(), bytes(v)) for n, v in message.get("headers", ())]
                await down.start(message["status"], response_headers(raw))
            elif message["type"] == "http.response.body":
                await down.body(message.get("body", b""), message.get("more_body", False))

        try:
            async with asyncio.timeout(req.timeout_s) as deadline:
                await self.app(scope, app_receive, app_send)
        except TimeoutError as exc:
            if not down.started:
                raise UpstreamError("timeout", f"no answer within {req.timeout_s}s") from exc
        except Exception as exc:
            if not down.started:
                raise UpstreamError("protocol", f"{type(exc).__name__}: {exc}") from exc
            # The app already answered (Starlette re-raises after sending its 500).
            log.debug("upstream %s raised after answering", self.name, exc_info=exc)
        if not down.started:
            raise UpstreamError("protocol", "the app returned without answering")


class AiohttpForwarder:
    """Forwards over HTTP/1.1 keep-alive connections with an aiohttp connection pool."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout_s: float,
        retries: int,
        backoff_s: float,
        pool_size: int,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.connect_timeout_s = connect_timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}

    async def start(self) -> None:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.pool_size,
                limit_per_host=self.pool_size,
                ttl_dns_cache=60,
                keepalive_timeout=30,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                trust_env=False,
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _timeout(self, read_s: float) -> aiohttp.ClientTimeout:
        t = self._timeouts.get(read_s)
        if t is None:
            # sock_read bounds the wait for the answer and every gap in a stream.
            t = aiohttp.ClientTimeout(
                total=None, sock_connect=self.connect_timeout_s, sock_read=read_s
            )
            self._timeouts[read_s] = t
        return t

    async def forward(self, req: Outgoing, down: Responder, receive: Receive) -> None:
        if self._session is None:
            await self.start()
        assert self._session is not None
        target = self.base_url + req.raw_path.decode("latin-1")
        if req.query_string:
            target += "?" + req.query_string.decode("latin-1")
        url = URL(target, encoded=True)
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in req.headers]
        session = self._session

        async def send() -> aiohttp.ClientResponse:
            try:
                return await session.request(
                    req.method,
                    url,
                    headers=headers,
                    data=req.body or None,
                    allow_redirects=False,
                    skip_auto_headers=_SKIP_AUTO_HEADERS,
                    timeout=self._timeout(req.timeout_s),
                    compress=None,
                )
            except aiohttp.ClientConnectorError as exc:
                raise UpstreamError("connect", f"cannot connect: {exc.os_error}") from exc
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                raise UpstreamError("timeout", f"no answer within {req.timeout_s}s") from exc
            except aiohttp.ClientError as exc:
                raise UpstreamError("protocol", f"{type(exc).__name__}: {exc}") from exc

        resp = await retry_connects(req.method, self.retries, self.backoff_s, send)
        try:
            await self._relay(req, resp, down, receive)
        finally:
            resp.release()

    async def _relay(
        self, req: Outgoing, resp: aiohttp.ClientResponse, down: Responder, receive: Receive
    ) -> None:
        headers = response_headers([(n.lower(), v) for n, v in resp.raw_headers])
        length = resp.content_length
        try:
            if req.method == "HEAD" or resp.status in (204, 304):
                await down.start(resp.status, headers)
                await down.body(b"", False)
                return
            if length is not None and length <= _BUFFER_LIMIT:
                data = await resp.read()
                await down.start(resp.status, headers)
                await down.body(data, False)
                return
        except (TimeoutError, aiohttp.ClientError) as exc:
            kind: ErrorKind = "timeout" if isinstance(exc, TimeoutError) else "protocol"
            raise UpstreamError(kind, f"{type(exc).__name__} reading the answer") from exc
        await down.start(resp.status, headers)
        await _stream(self.name, resp.content.iter_any(), down, receive)


async def _stream(name: str, chunks: Any, down: Responder, receive: Receive) -> None:
    """Pass chunks on as they come; stop reading the upstream when the client leaves."""

    async def pump() -> None:
        async for chunk in chunks:
            if chunk:
                await down.body(chunk, True)
        await down.body(b"", False)

    pumping = asyncio.ensure_future(pump())
    watching = asyncio.ensure_future(_until_disconnect(receive))
    try:
        await asyncio.wait((pumping, watching), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (pumping, watching):
            task.cancel()
        results = await asyncio.gather(pumping, watching, return_exceptions=True)
    error = results[0]
    if isinstance(error, BaseException) and not isinstance(error, asyncio.CancelledError):
        # The answer has started: all we can do is cut the stream short.
        log.warning("upstream %s broke mid-stream: %s", name, type(error).__name__)


class HttpxForwarder:
    """The same over httpx (kept for comparison and for environments without aiohttp)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout_s: float,
        retries: int,
        backoff_s: float,
        pool_size: int,
    ) -> None:
        self.name = name
        self.retries = retries
        self.backoff_s = backoff_s
        self.connect_timeout_s = connect_timeout_s
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            trust_env=False,
            limits=httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size),
        )

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        await self._client.aclose()

    async def forward(self, req: Outgoing, down: Responder, receive: Receive) -> None:
        target = req.raw_path.decode("latin-1")
        if req.query_string:
            target += "?" + req.query_string.decode("latin-1")
        timeout = httpx.Timeout(req.timeout_s, connect=self.connect_timeout_s)
        request = self._client.build_request(
            req.method, target, headers=req.headers, content=req.body, timeout=timeout
        )

        async def send() -> httpx.Response:
            try:
                return await self._client.send(request, stream=True)
            except httpx.ConnectError as exc:
                raise UpstreamError("connect", f"cannot connect: {exc}") from exc
            except httpx.TimeoutException as exc:
                raise UpstreamError("timeout", f"no answer within {req.timeout_s}s") from exc
            except httpx.HTTPError as exc:
                raise UpstreamError("protocol", f"{type(exc).__name__}: {exc}") from exc

        resp = await retry_connects(req.method, self.retries, self.backoff_s, send)
        try:
            headers = response_headers([(n.lower(), v) for n, v in resp.headers.raw])
            await down.start(resp.status_code, headers)
            await _stream(self.name, resp.aiter_raw(), down, receive)
        finally:
            await resp.aclose()


@dataclass
class Upstream:
    """A service as the gateway sees it: how to forward, how to ask, and its breaker."""

    name: str
    target: str  # "in-process" or the base URL
    forwarder: Forwarder
    control: httpx.AsyncClient  # health and OpenAPI, off the hot path
    breaker: CircuitBreaker
    extra: dict[str, Any] = field(default_factory=dict)

    async def readiness(self, timeout_s: float) -> dict[str, Any]:
        try:
            resp = await asyncio.wait_for(self.control.get("/readyz"), timeout_s)
        except (httpx.HTTPError, TimeoutError) as exc:
            return {
                "status": "down",
                "error": type(exc).__name__,
                "breaker": self.breaker.state.name.lower(),
            }
        body: dict[str, Any] = {}
        if resp.headers.get("content-type", "").startswith("application/json"):
            try:
                body = resp.json()
            except ValueError:
                body = {}
        return {
            "status": "up" if resp.status_code == 200 else "not_ready",
            "checks": body.get("checks", {}) if isinstance(body, dict) else {},
            "breaker": self.breaker.state.name.lower(),
        }

    async def close(self) -> None:
        await self.forwarder.close()
        await self.control.aclose()


def build_upstream(
    name: str,
    target: ASGIApp | str,
    *,
    client: str,
    connect_timeout_s: float,
    retries: int,
    backoff_s: float,
    pool_size: int,
    breaker: CircuitBreaker,
) -> Upstream:
    if isinstance(target, str):
        # Imported here: h1 builds on this module's exchange types.
        from shopmind_gateway.proxy.h1 import H1Forwarder

        classes: dict[str, type[H1Forwarder | AiohttpForwarder | HttpxForwarder]] = {
            "h1": H1Forwarder,
            "aiohttp": AiohttpForwarder,
            "httpx": HttpxForwarder,
        }
        forwarder: Forwarder = classes[client](
            name,
            target,
            connect_timeout_s=connect_timeout_s,
            retries=retries,
            backoff_s=backoff_s,
            pool_size=pool_size,
        )
        control = httpx.AsyncClient(base_url=target, trust_env=False)
        return Upstream(name, target, forwarder, control, breaker)
    control = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=target), base_url=f"http://{name}.local"
    )
    return Upstream(name, "in-process", AsgiForwarder(name, target), control, breaker)
