"""A lean HTTP/1.1 client for the hot path: keep-alive pools of asyncio protocols.

The gateway's forwarding needs little of a general client: one request with a
body already in memory, an answer passed on as it arrives, connect errors told
apart from everything else. Responses are parsed by httptools (llhttp, the
parser uvicorn serves with), so content lengths, chunked bodies, keep-alive and
interim 1xx answers follow the spec; everything above the parser is a few
callbacks and one future per wait, which is where general clients spend the
time (bench/gateway compares them in one run).

Connections are reused last-in first-out and dropped after `idle_timeout_s`
without use, below the upstream's own keep-alive timeout (uvicorn closes idle
connections after 5 s), so a reused connection is rarely one the upstream is
closing. When it is, and the connection closes before any byte of the answer,
an idempotent request is sent again once on a fresh connection; any other
request gets a 502, since the upstream may have acted on it.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools
from starlette.types import Receive

from shopmind_gateway.proxy import upstreams
from shopmind_gateway.proxy.headers import RawHeaders, response_headers
from shopmind_gateway.proxy.routing import IDEMPOTENT_METHODS
from shopmind_gateway.proxy.upstreams import (
    _BUFFER_LIMIT,
    Outgoing,
    Responder,
    UpstreamError,
    _stream,
)

# Stop reading from the upstream while this much of a streamed answer waits for the client.
_HIGH_WATER = 256 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Lost(Exception):
    """The connection closed before any byte of the answer arrived."""


class _Conn(asyncio.Protocol):
    """One keep-alive connection; carries one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self.begin()

    def begin(self) -> None:
        """Ready for the next exchange."""
        self.status = 0
        self.headers: RawHeaders = []
        self.head: asyncio.Future[None] | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.chunks: list[bytes] = []
        self.buffered = 0
        self.done = False
        self.error: BaseException | None = None
        self.got_bytes = False
        self.keep_alive = False
        self.until_close = False
        self.interim = False
        self.paused = False

    # --- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamError("protocol", "the upstream switched protocols"))
            self.close()
        except httptools.HttpParserError as exc:
            self._fail(UpstreamError("protocol", f"invalid HTTP answer: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost decides what it meant

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.done:
            return
        if not self.status:
            if self.got_bytes:
                self._fail(UpstreamError("protocol", "the upstream closed mid-answer"))
            else:
                self._fail(_Lost())
        elif self.until_close:
            self.done = True  # an answer delimited by the end of the connection
            self._wake()
        else:
            self._fail(UpstreamError("protocol", "the upstream closed mid-answer"))

    # --- httptools callbacks ------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.interim = True  # 100 Continue and friends: the real answer follows
            self.headers = []
            return
        self.status = status
        self.keep_alive = self.parser.should_keep_alive()
        self.until_close = status not in (204, 304) and not any(
            n in (b"content-length", b"transfer-encoding") for n, _ in self.headers
        )
        if self.head is not None and not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        self.done = True
        self._wake()

    # --- helpers ------------------------------------------------------------------------

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, exc: BaseException) -> None:
        self.error = exc
        for fut in (self.head, self.waiter):
            if fut is not None and not fut.done():
                fut.set_exception(exc)

    def take(self) -> bytes:
        data = b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        self.chunks = []
        self.buffered = 0
        if self.paused and self.transport is not None and not self.closed:
            self.paused = False
            self.transport.resume_reading()
        return data

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


async def _wait(conn: _Conn, fut: asyncio.Future[None], timeout_s: float) -> None:
    """Wait for `fut`; on timeout the connection is unusable and is closed."""
    timer = conn.loop.call_later(timeout_s, _expire, fut, timeout_s)
    try:
        await fut
    finally:
        timer.cancel()


def _expire(fut: asyncio.Future[None], timeout_s: float) -> None:
    if not fut.done():
        fut.set_exception(UpstreamError("timeout", f"no answer within {timeout_s}s"))


class H1Forwarder:
    """Forwards over pooled HTTP/1.1 keep-alive connections, parsed by httptools."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        connect_timeout_s: float,
        retries: int,
        backoff_s: float,
        pool_size: int,
        idle_timeout_s: float = 4.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream {name}: {base_url!r} is not an http(s) URL")
        self.name = name
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl: ssl.SSLContext | None = (
            ssl.create_default_context() if parts.scheme == "https" else None
        )
        default = (parts.scheme, self.port) in (("http", 80), ("https", 443))
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = (host if default else f"{host}:{self.port}").encode("idna")
        self.prefix = parts.path.rstrip("/").encode("latin-1")
        self.connect_timeout_s = connect_timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.pool_size = pool_size
        self.idle_timeout_s = idle_timeout_s
        self._idle: list[_Conn] = []
        self._slots: asyncio.Semaphore | None = None

    async def start(self) -> None:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.pool_size)

    async def close(self) -> None:
        while self._idle:
            self._idle.pop().close()

    async def _connect(self) -> _Conn:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                _, conn = await loop.create_connection(
                    lambda: _Conn(loop),
                    self.host,
                    self.port,
                    ssl=self.ssl,
                    server_hostname=self.host if self.ssl else None,
                )
        except TimeoutError as exc:
            raise UpstreamError(
                "connect", f"cannot connect: no connection within {self.connect_timeout_s}s"
            ) from exc
        except OSError as exc:
            raise UpstreamError("connect", f"cannot connect: {exc}") from exc
        return conn

    def _pooled(self) -> _Conn | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed and now - conn.idle_since < self.idle_timeout_s:
                return conn
            conn.close()
        return None

    def _release(self, conn: _Conn) -> None:
        if conn.done and conn.keep_alive and not conn.closed and conn.error is None:
            conn.begin()
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        else:
            conn.close()

    def _request_bytes(self, req: Outgoing) -> bytes:
        target = self.prefix + req.raw_path
        if req.query_string:
            target += b"?" + req.query_string
        parts = [req.method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", self.host_header]
        for name, value in req.headers:
            parts += (b"\r\n", name, b": ", value)
        if req.body or req.method in _BODY_METHODS:
            parts += (b"\r\ncontent-length: ", str(len(req.body)).encode())
        parts.append(b"\r\n\r\n")
        if req.body:
            parts.append(req.body)
        return b"".join(parts)

    async def forward(self, req: Outgoing, down: Responder, receive: Receive) -> None:
        if self._slots is None:
            await self.start()
        assert self._slots is not None
        async with self._slots:
            conn = await self._exchange(req)
            try:
                await self._relay(req, conn, down, receive)
            finally:
                self._release(conn)

    async def _exchange(self, req: Outgoing) -> _Conn:
        """Send the request and wait for the answer's head; returns the connection."""
        data = self._request_bytes(req)
        stale_retry = req.method in IDEMPOTENT_METHODS
        while True:
            conn = self._pooled()
            reused = conn is not None
            if conn is None:
                conn = await upstreams.retry_connects(
                    req.method, self.retries, self.backoff_s, self._connect
                )
            assert conn.transport is not None
            conn.head = conn.loop.create_future()
            conn.transport.write(data)
            try:
                await _wait(conn, conn.head, req.timeout_s)
            except _Lost as exc:
                conn.close()
                if reused and stale_retry:
                    stale_retry = False  # the upstream closed an idle connection: once more
                    continue
                raise UpstreamError("protocol", "the upstream closed without answering") from exc
            except BaseException:
                conn.close()
                raise
            return conn

    async def _relay(self, req: Outgoing, conn: _Conn, down: Responder, receive: Receive) -> None:
        headers = response_headers(conn.headers)
        if req.method == "HEAD":
            conn.keep_alive = False  # the parser cannot tell a HEAD answer has no body
            conn.done = True
            await down.start(conn.status, headers)
            await down.body(b"", False)
            return
        length = -1
        for name, value in conn.headers:
            if name == b"content-length" and value.isdigit():
                length = int(value)
        if conn.done or 0 <= length <= _BUFFER_LIMIT:
            try:
                while not conn.done:
                    conn.waiter = conn.loop.create_future()
                    await _wait(conn, conn.waiter, req.timeout_s)
            except UpstreamError:
                conn.close()
                raise
            await down.start(conn.status, headers)
            await down.body(conn.take(), False)
            return
        await down.start(conn.status, headers)
        await _stream(self.name, self._chunks(conn, req.timeout_s), down, receive)

    async def _chunks(self, conn: _Conn, gap_s: float) -> AsyncIterator[bytes]:
        """The answer's body as it arrives; `gap_s` bounds each wait."""
        try:
            while True:
                if conn.chunks:
                    yield conn.take()
                    continue
                if conn.done:
                    return
                if conn.error is not None:
                    raise conn.error
                conn.waiter = conn.loop.create_future()
                await _wait(conn, conn.waiter, gap_s)
        finally:
            if not conn.done:
                conn.close()  # cut short: the rest of the answer is still on the wire
