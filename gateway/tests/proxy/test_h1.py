"""The hot-path HTTP/1.1 client against raw sockets: framing, reuse and failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from shopmind_gateway.proxy.h1 import H1Forwarder
from shopmind_gateway.proxy.upstreams import Outgoing, UpstreamError

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Capture:
    """A Responder that records what the client would receive."""

    def __init__(self) -> None:
        self.started = False
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[tuple[bytes, bool]] = []

    async def start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.started = True
        self.status = status
        self.headers = headers

    async def body(self, chunk: bytes, more: bool) -> None:
        self.chunks.append((chunk, more))

    @property
    def data(self) -> bytes:
        return b"".join(c for c, _ in self.chunks)


async def _never_disconnect() -> dict[str, Any]:
    await asyncio.Event().wait()
    return {"type": "http.disconnect"}


def _req(
    method: str = "GET", path: bytes = b"/v1/nlp/x", body: bytes = b"", timeout_s: float = 5.0
) -> Outgoing:
    return Outgoing(
        method=method,
        path=path.decode(),
        raw_path=path,
        query_string=b"",
        headers=[(b"x-request-id", b"rid-1")],
        body=body,
        timeout_s=timeout_s,
    )


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, dict[bytes, bytes], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    line, *rest = head[:-4].split(b"\r\n")
    headers = {k.lower(): v for k, _, v in (h.partition(b": ") for h in rest)}
    body = await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return line, headers, body


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[tuple[str, list[int]]]:
    """A TCP server running `handler` per connection; yields its URL and connection count."""
    connections: list[int] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        try:
            await handler(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        server.close()
        await server.wait_closed()


def _forwarder(url: str, **kw: Any) -> H1Forwarder:
    options: dict[str, Any] = {
        "connect_timeout_s": 2.0,
        "retries": 0,
        "backoff_s": 0.0,
        "pool_size": 4,
    }
    options.update(kw)
    return H1Forwarder("nlp", url, **options)


async def test_keep_alive_reuses_one_connection_and_sends_the_request_as_given() -> None:
    seen: list[tuple[bytes, dict[bytes, bytes], bytes]] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            seen.append(await _read_request(reader))
            writer.write(
                b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-Up: 1\r\n"
                b"Connection: keep-alive\r\n\r\nok"
            )
            await writer.drain()

    async with raw_server(handler) as (url, connections):
        fwd = _forwarder(url + "/base")
        for _ in range(3):
            down = Capture()
            await fwd.forward(_req("POST", b"/v1/nlp/x%2Fy", b"hello"), down, _never_disconnect)
            assert (down.status, down.data) == (201, b"ok")
            assert (b"x-up", b"1") in down.headers
            assert all(name != b"connection" for name, _ in down.headers)  # hop-by-hop
        await fwd.close()
    assert len(connections) == 1
    line, headers, body = seen[0]
    assert line == b"POST /base/v1/nlp/x%2Fy HTTP/1.1"
    assert headers[b"host"] == url.removeprefix("http://").encode()
    assert (headers[b"content-length"], headers[b"x-request-id"], body) == (
        b"5",
        b"rid-1",
        b"hello",
    )


async def test_chunked_and_until_close_bodies_stream_in_order() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            line, _, _ = await _read_request(reader)
            if line.startswith(b"GET /chunked"):
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                for part in (b"a" * 10, b"b" * 300_000):
                    writer.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                    await writer.drain()
                writer.write(b"0\r\n\r\n")
                await writer.drain()
                continue
            # No length: the body ends with the connection.
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-")
            await writer.drain()
            writer.write(b"close")
            await writer.drain()
            return

    async with raw_server(handler) as (url, _):
        fwd = _forwarder(url)
        down = Capture()
        await fwd.forward(_req(path=b"/chunked"), down, _never_disconnect)
        assert down.data == b"a" * 10 + b"b" * 300_000 and down.chunks[-1] == (b"", False)
        down = Capture()
        await fwd.forward(_req(path=b"/close"), down, _never_disconnect)
        assert (down.status, down.data) == (200, b"until-close")
        await fwd.close()


async def test_a_stale_pooled_connection_is_retried_for_get_only() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        # Read the next request, then close without answering: an idle-timeout race.
        await _read_request(reader)

    async with raw_server(handler) as (url, connections):
        fwd = _forwarder(url)
        await fwd.forward(_req(), Capture(), _never_disconnect)
        down = Capture()
        await fwd.forward(_req(), down, _never_disconnect)  # stale, then a fresh connection
        assert (down.status, down.data) == (200, b"ok") and len(connections) == 2
        with pytest.raises(UpstreamError) as failed:  # the pooled one is stale again
            await fwd.forward(_req("POST", body=b"x"), Capture(), _never_disconnect)
        assert failed.value.kind == "protocol" and len(connections) == 2
        await fwd.close()


async def test_timeouts_garbage_and_refused_connections_are_upstream_errors() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line, _, _ = await _read_request(reader)
        if line.startswith(b"GET /garbage"):
            writer.write(b"this is not HTTP\r\n\r\n")
            await writer.drain()
        await reader.read()  # /slow: never answers

    async with raw_server(handler) as (url, _):
        fwd = _forwarder(url)
        with pytest.raises(UpstreamError) as slow:
            await fwd.forward(_req(path=b"/slow", timeout_s=0.2), Capture(), _never_disconnect)
        assert slow.value.kind == "timeout"
        with pytest.raises(UpstreamError) as garbage:
            await fwd.forward(_req(path=b"/garbage"), Capture(), _never_disconnect)
        assert garbage.value.kind == "protocol"
        await fwd.close()
    with pytest.raises(UpstreamError) as refused:
        await _forwarder(url).forward(_req(), Capture(), _never_disconnect)
    assert refused.value.kind == "connect"


async def test_head_and_no_content_answers_have_no_body() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            line, _, _ = await _read_request(reader)
            if line.startswith(b"HEAD"):
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()

    async with raw_server(handler) as (url, connections):
        fwd = _forwarder(url)
        for method, status in (("HEAD", 200), ("DELETE", 204), ("DELETE", 204)):
            down = Capture()
            await fwd.forward(_req(method), down, _never_disconnect)
            assert (down.status, down.data, down.chunks[-1][1]) == (status, b"", False)
        await fwd.close()
    # A HEAD answer's connection is not reused; the 204s share one.
    assert len(connections) == 2


def test_only_http_urls_are_upstreams() -> None:
    with pytest.raises(ValueError, match="not an http"):
        _forwarder("ftp://example.org")
