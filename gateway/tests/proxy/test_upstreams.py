"""URL upstreams over real sockets: retries, streaming, and both hot-path clients."""

from __future__ import annotations

import asyncio
import socket
from contextlib import AsyncExitStack
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from shopmind_gateway.proxy import upstreams


@pytest.mark.parametrize("client", ["h1", "aiohttp", "httpx"])
async def test_url_upstream_round_trip(
    gateway: Any, upstream: Any, served: Any, echo_state: Any, client: str
) -> None:
    async with (
        served(upstream(echo_state)) as url,
        gateway(targets={"nlp": url}, GATEWAY_AUTH="on", GATEWAY_UPSTREAM_CLIENT=client) as h,
    ):
        key = await h.key("nlp:read,nlp:write")
        resp = await h.client.put(
            "/v1/nlp/echo/a%2Fb?x=1",
            headers={
                "X-API-Key": key,
                "X-Request-ID": "rid-1",
                "Content-Type": "text/plain",
                "Connection": "X-Hop",
                "X-Hop": "1",
            },
            content=b"body",
        )
        assert resp.status_code == 200, resp.text
        seen = resp.json()
        assert (seen["method"], seen["query"], seen["body"]) == ("PUT", "x=1", "body")
        assert seen["headers"]["x-request-id"] == "rid-1"
        assert seen["headers"]["content-type"] == "text/plain"
        assert "x-hop" not in seen["headers"] and "x-api-key" not in seen["headers"]
        assert "x-shopmind-caller-sig" in seen["headers"]
        assert resp.headers["x-request-id"] == "rid-1"
        big = await h.client.post(
            "/v1/nlp/echo/big", headers={"X-API-Key": key}, content=b"x" * 600_000
        )  # over the one-message limit back
        assert big.status_code == 200 and len(big.json()["body"]) == 600_000
        health = (await h.client.get("/healthz")).json()
        assert health["services"]["nlp"]["status"] == "up"


async def test_idempotent_requests_retry_connect_errors_only(
    gateway: Any, upstream: Any, served: Any, echo_state: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    backoffs: list[int] = []
    stack = AsyncExitStack()

    async def backoff_then_start(attempt: int, base_s: float) -> None:
        backoffs.append(attempt)
        if len(backoffs) == 1:  # the upstream comes up while the gateway backs off
            await stack.enter_async_context(served(upstream(echo_state), sock))

    monkeypatch.setattr(upstreams, "_backoff", backoff_then_start)
    async with stack, gateway(targets={"nlp": url}, GATEWAY_AUTH="off", GATEWAY_RETRIES=2) as h:
        post = await h.client.post("/v1/nlp/echo/x", content=b"once")
        assert post.status_code == 502  # POST is not retried
        error = post.json()["error"]
        assert error["code"] == "upstream_connect_error" and error["details"]["upstream"] == "nlp"
        assert backoffs == []
        get = await h.client.get("/v1/nlp/echo/x")
        assert get.status_code == 200 and backoffs == [0]  # refused once, retried, answered
        # Errors after connecting are not retried, even for GET.
        echo_state.healthy = False
        assert (await h.client.get("/v1/nlp/flaky")).status_code == 500
        assert echo_state.calls["flaky"] == 1 and backoffs == [0]


async def test_connect_errors_open_the_breaker(gateway: Any) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with gateway(
        targets={"nlp": url}, GATEWAY_AUTH="off", GATEWAY_RETRIES=0, GATEWAY_BREAKER_FAILURES=2
    ) as h:
        for _ in range(2):
            assert (await h.client.get("/v1/nlp/x")).status_code == 502
        resp = await h.client.get("/v1/nlp/x")
        assert resp.status_code == 503
        assert resp.json()["error"]["details"] == {
            "upstream": "nlp",
            "breaker": "open",
            "retry_after_s": 30,
        }
        health = await h.client.get("/healthz")
        assert health.status_code == 503 and health.json()["status"] == "degraded"
        assert health.json()["services"]["nlp"]["status"] == "down"
        metrics = (await h.client.get("/metrics")).text
        assert 'gateway_upstream_errors_total{kind="connect",upstream="nlp"} 2.0' in metrics
    sock.close()


async def _first_event_arrives_before_the_stream_ends(app: Any, state: Any, drive: Any) -> None:
    seen: list[bytes] = []
    first = asyncio.Event()
    status: list[int] = []

    def on_message(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])
            headers = dict(message["headers"])
            assert headers[b"content-type"].startswith(b"text/event-stream")
        elif message.get("body"):
            seen.append(message["body"])
            if b"first" in message["body"]:
                first.set()

    task = asyncio.ensure_future(drive(app, "/v1/nlp/sse", headers=[], on_message=on_message))
    # The upstream holds its second event until we have seen the first through the gateway:
    # a buffering proxy would never deliver it and this wait would time out.
    await asyncio.wait_for(first.wait(), 10)
    assert b"second" not in b"".join(seen)
    state.release.set()
    await asyncio.wait_for(task, 10)
    assert status == [200]
    assert b"".join(seen) == b"data: first\n\ndata: second\n\n"


async def test_sse_streams_unbuffered_in_process(gateway: Any, drive: Any) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        await _first_event_arrives_before_the_stream_ends(h.app, h.state, drive)


@pytest.mark.parametrize("client", ["h1", "aiohttp", "httpx"])
async def test_sse_streams_unbuffered_over_http(
    gateway: Any, upstream: Any, served: Any, echo_state: Any, drive: Any, client: str
) -> None:
    async with (
        served(upstream(echo_state)) as url,
        gateway(targets={"nlp": url}, GATEWAY_AUTH="off", GATEWAY_UPSTREAM_CLIENT=client) as h,
    ):
        await _first_event_arrives_before_the_stream_ends(h.app, echo_state, drive)


async def test_client_disconnect_stops_the_upstream_stream(
    gateway: Any, served: Any, drive: Any
) -> None:
    stopped = asyncio.Event()
    app = FastAPI()

    @app.get("/v1/nlp/ticks")
    async def ticks() -> StreamingResponse:
        async def forever() -> Any:
            try:
                while True:
                    yield b"data: tick\n\n"
                    await asyncio.sleep(0.01)
            finally:
                stopped.set()

        return StreamingResponse(forever(), media_type="text/event-stream")

    gone = asyncio.Event()

    def on_message(message: dict[str, Any]) -> None:
        if message.get("body"):
            gone.set()  # leave after the first tick

    async with served(app) as url, gateway(targets={"nlp": url}, GATEWAY_AUTH="off") as h:
        await asyncio.wait_for(
            drive(h.app, "/v1/nlp/ticks", headers=[], on_message=on_message, disconnect=gone), 10
        )
        await asyncio.wait_for(stopped.wait(), 10)
