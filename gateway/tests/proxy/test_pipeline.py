"""Request ids, header hygiene, body limits, timeouts and CORS on the proxied path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from shopmind_gateway.config import RouteRule
from shopmind_gateway.proxy.headers import request_headers, response_headers


async def test_request_id_is_generated_or_passed_through(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        resp = await h.client.get("/v1/nlp/echo/x")
        generated = resp.headers["x-request-id"]
        assert generated and resp.json()["headers"]["x-request-id"] == generated
        resp = await h.client.get("/v1/nlp/echo/x", headers={"X-Request-ID": "abc-123"})
        assert resp.headers["x-request-id"] == "abc-123"
        assert resp.json()["headers"]["x-request-id"] == "abc-123"
        # Junk is replaced rather than passed on to logs downstream.
        resp = await h.client.get("/v1/nlp/echo/x", headers={"X-Request-ID": "a b<script>"})
        assert resp.headers["x-request-id"] != "a b<script>"
        assert resp.headers.get_list("x-request-id") == [resp.headers["x-request-id"]]
        # Errors made by the gateway carry it too.
        resp = await h.client.get("/v1/nope/x", headers={"X-Request-ID": "err-1"})
        assert resp.status_code == 404 and resp.json()["error"]["request_id"] == "err-1"
        assert resp.json()["error"]["code"] == "unknown_service"


async def test_hop_by_hop_headers_are_stripped_both_ways(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        resp = await h.client.get(
            "/v1/nlp/echo/x",
            headers={
                "Connection": "keep-alive, X-Private-Hop",
                "X-Private-Hop": "1",
                "TE": "trailers",
                "Proxy-Authorization": "Basic x",
                "Upgrade": "h2c",
                "X-Kept": "yes",
                "Keep-Alive": "timeout=5",
            },
        )
        sent = resp.json()["headers"]
        for name in (
            "connection",
            "x-private-hop",
            "te",
            "proxy-authorization",
            "upgrade",
            "keep-alive",
        ):
            assert name not in sent, name
        assert sent["x-kept"] == "yes"
        assert sent["x-forwarded-for"] == "127.0.0.1" and sent["x-forwarded-proto"] == "http"
        resp = await h.client.get("/v1/nlp/hop")
        assert resp.headers["x-kept"] == "yes"
        assert "keep-alive" not in resp.headers and "proxy-authenticate" not in resp.headers
        assert resp.headers["x-request-id"] != "upstream"


def test_header_filters() -> None:
    headers = [
        (b"connection", b"close, x-a"),
        (b"x-a", b"1"),
        (b"x-b", b"2"),
        (b"transfer-encoding", b"chunked"),
        (b"host", b"h"),
        (b"x-shopmind-caller", b"forged"),
        (b"authorization", b"Bearer t"),
    ]
    assert request_headers(headers) == [(b"x-b", b"2")]
    assert response_headers(headers) == [
        (b"x-b", b"2"),
        (b"host", b"h"),
        (b"x-shopmind-caller", b"forged"),
        (b"authorization", b"Bearer t"),
    ]


async def test_body_over_the_limit_is_413(gateway: Any) -> None:
    async with gateway(
        GATEWAY_AUTH="off",
        GATEWAY_MAX_BODY_BYTES=1000,
        GATEWAY_ROUTES=[RouteRule(prefix="/v1/nlp/echo/big", max_body_bytes=5000)],
    ) as h:
        ok = await h.client.post("/v1/nlp/echo/x", content=b"x" * 1000)
        assert ok.status_code == 200 and len(ok.json()["body"]) == 1000
        resp = await h.client.post("/v1/nlp/echo/x", content=b"x" * 1001)
        assert resp.status_code == 413
        error = resp.json()["error"]
        assert error["code"] == "payload_too_large" and error["details"]["limit_bytes"] == 1000

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
            for _ in range(5):
                yield b"y" * 300

        resp = await h.client.post("/v1/nlp/echo/x", content=chunks())
        assert resp.status_code == 413
        assert (await h.client.post("/v1/nlp/echo/big", content=b"z" * 4000)).status_code == 200
        assert h.state.calls["echo"] == 2


async def test_per_route_timeout_is_504(gateway: Any) -> None:
    async with gateway(
        GATEWAY_AUTH="off", GATEWAY_ROUTES=[RouteRule(prefix="/v1/nlp/slow", timeout_s=0.1)]
    ) as h:
        resp = await h.client.get("/v1/nlp/slow")
        assert resp.status_code == 504
        error = resp.json()["error"]
        assert error["code"] == "upstream_timeout" and error["details"]["upstream"] == "nlp"
        # Other routes keep the default timeout.
        assert (await h.client.get("/v1/nlp/echo/x")).status_code == 200


async def test_dot_segments_and_unknown_services(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        resp = await h.client.get("/v1/nlp/%2E%2E/kg/x")
        assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_path"
        resp = await h.client.get("/v1/billing/x")
        assert resp.status_code == 404 and resp.json()["error"]["code"] == "unknown_service"


async def test_cors_from_settings(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="on", GATEWAY_CORS_ORIGINS=["https://shop.example"]) as h:
        preflight = await h.client.options(
            "/v1/nlp/echo/x",
            headers={
                "Origin": "https://shop.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-API-Key, Content-Type",
            },
        )
        assert preflight.status_code == 200  # answered without credentials
        assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        key = await h.key("nlp:read")
        resp = await h.client.get(
            "/v1/nlp/echo/x", headers={"Origin": "https://shop.example", "X-API-Key": key}
        )
        assert resp.headers["access-control-allow-origin"] == "https://shop.example"
        assert "x-request-id" in resp.headers["access-control-expose-headers"].lower()
        denied = await h.client.options(
            "/v1/nlp/echo/x",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert denied.status_code == 400
        assert "access-control-allow-origin" not in denied.headers
        health = await h.client.get("/healthz", headers={"Origin": "https://shop.example"})
        assert health.headers["access-control-allow-origin"] == "https://shop.example"


async def test_head_and_query_strings(gateway: Any) -> None:
    async with gateway(GATEWAY_AUTH="off") as h:
        resp = await h.client.get("/v1/nlp/echo/a%20b?x=1&y=%C3%A9")
        assert resp.json()["query"] == "x=1&y=%C3%A9"
        assert resp.json()["path"] == "/v1/nlp/echo/a b"
        head = await h.client.head("/v1/nlp/echo/x")
        assert head.status_code == 200 and head.content == b""
