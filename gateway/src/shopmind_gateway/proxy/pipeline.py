"""The hot path, as plain ASGI in front of the FastAPI app.

For `/v1/<service>/...`, in this order: request id; refuse client-sent identity
headers; route; body size from Content-Length; authenticate; authorize; rate
limit; read the body (size enforced); circuit breaker; forward; stream back.
Everything else (health, OpenAPI, docs, metrics, the key API) falls through to
the FastAPI app.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any

import orjson
from shopmind_common.context import request_id_var
from shopmind_common.errors import ServiceError
from shopmind_common.identity import Caller, sign_caller
from starlette.types import Receive, Scope, Send

from shopmind_gateway.auth.authenticator import Authenticator, authorize
from shopmind_gateway.errors import (
    BadGateway,
    BadRequest,
    Forbidden,
    GatewayTimeout,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unavailable,
)
from shopmind_gateway.ops.metrics import GatewayMetrics
from shopmind_gateway.proxy.headers import (
    RawHeaders,
    has_caller_header,
    request_headers,
    valid_request_id,
)
from shopmind_gateway.proxy.routing import RouteTable, split_path
from shopmind_gateway.proxy.upstreams import Outgoing, Upstream, UpstreamError
from shopmind_gateway.ratelimit.limiter import RateLimiter

log = logging.getLogger("shopmind.gateway.proxy")

_JSON = (b"content-type", b"application/json")
# Request ids: a random per-process prefix and a counter, unique without a syscall each.
_RID_PREFIX = os.urandom(6).hex()
_rid_counter = itertools.count(1)


def new_request_id() -> str:
    return f"{_RID_PREFIX}{next(_rid_counter):010x}"


class _ClientGone(Exception):
    """The client disconnected before its request body arrived."""


class _Downstream:
    """Writes the answer to the client, with the request id, and remembers the status."""

    __slots__ = ("rid", "route", "send", "started", "status")

    def __init__(self, send: Send, rid: bytes) -> None:
        self.send = send
        self.rid = rid
        self.route = "unmatched"  # the metrics label, once a route matched
        self.started = False
        self.status = 500

    async def start(self, status: int, headers: RawHeaders) -> None:
        headers.append((b"x-request-id", self.rid))
        self.started = True
        self.status = status
        await self.send({"type": "http.response.start", "status": status, "headers": headers})

    async def body(self, chunk: bytes, more: bool) -> None:
        await self.send({"type": "http.response.body", "body": chunk, "more_body": more})

    async def error(self, exc: ServiceError) -> None:
        body = orjson.dumps(
            {
                "error": {
                    "code": exc.code,
                    "message": exc.message,
                    "details": exc.details,
                    "request_id": self.rid.decode("latin-1"),
                }
            }
        )
        headers = [_JSON, (b"content-length", str(len(body)).encode())]
        for name, value in (exc.headers or {}).items():
            headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))
        await self.start(exc.status_code, headers)
        await self.body(body, False)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(
                    f"request body over the {limit}-byte limit", details={"limit_bytes": limit}
                )
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


@dataclass
class Gateway:
    """Everything the hot path needs, built once by `create_app`."""

    upstreams: dict[str, Upstream]
    routes: RouteTable
    auth: Authenticator
    limiter: RateLimiter
    metrics: GatewayMetrics
    internal_secret: str
    _signed: dict[Caller, tuple[int, RawHeaders]] = field(default_factory=dict)

    def _identity(self, caller: Caller) -> RawHeaders:
        # Signatures carry a one-second timestamp: sign each caller once a second at most.
        now = int(time.time())
        hit = self._signed.get(caller)
        if hit is not None and hit[0] == now:
            return hit[1]
        raw = [
            (k.encode(), v.encode())
            for k, v in sign_caller(caller, self.internal_secret, now).items()
        ]
        if len(self._signed) > 10_000:
            self._signed.clear()
        self._signed[caller] = (now, raw)
        return raw

    async def handle(self, scope: Scope, receive: Receive, send: Send, segments: list[str]) -> None:
        started = time.perf_counter()
        headers: RawHeaders = scope["headers"]
        rid: str | None = None
        for name, value in headers:
            if name == b"x-request-id":
                rid = valid_request_id(value)
        rid = rid or new_request_id()
        token = request_id_var.set(rid)
        down = _Downstream(send, rid.encode())
        method: str = scope["method"]
        try:
            await self._handle(scope, receive, down, segments, headers, rid)
        except ServiceError as exc:
            if exc.status_code in (401, 403):
                self.metrics.auth_failures.labels(exc.code).inc()
            if not down.started:
                await down.error(exc)
        except _ClientGone:
            down.status = 499
        except Exception:
            log.exception("gateway failure")
            if not down.started:
                await down.error(ServiceError("internal error"))
        finally:
            self.metrics.observe(down.route, method, down.status, time.perf_counter() - started)
            request_id_var.reset(token)

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        down: _Downstream,
        segments: list[str],
        headers: RawHeaders,
        rid: str,
    ) -> None:
        method: str = scope["method"]
        if has_caller_header(headers):
            raise Forbidden(
                "x-shopmind-caller headers are set by the gateway only", code="forged_identity"
            )
        if any(s in (".", "..") for s in segments):
            raise BadRequest(
                "dot segments are not allowed in paths",
                code="invalid_path",
                details={"path": scope["path"]},
            )
        route = self.routes.match(method, segments)
        if route is None:
            raise NotFound(
                f"no service named {segments[0]!r}",
                code="unknown_service",
                details={"service": segments[0]},
            )
        label = down.route = route.name

        content_length = -1
        forwarded_for = host = b""
        for name, value in headers:
            if name == b"content-length":
                content_length = int(value) if value.isdigit() else -1
            elif name == b"x-forwarded-for":
                forwarded_for = value
            elif name == b"host":
                host = value
        if content_length > route.max_body_bytes:
            raise PayloadTooLarge(
                f"request body over the {route.max_body_bytes}-byte limit",
                details={"limit_bytes": route.max_body_bytes},
            )

        caller = await self.auth.authenticate(headers)
        authorize(caller, route.scope)

        client = scope.get("client")
        if route.rate_per_s > 0:
            who = (
                caller.subject
                if caller.kind != "anonymous"
                else f"ip:{client[0] if client else '-'}"
            )
            wait = await self.limiter.hit(f"{who}|{route.name}", route.rate_per_s, route.burst)
            if wait > 0:
                self.metrics.rate_limited.labels(label).inc()
                retry = max(1, math.ceil(wait))
                raise TooManyRequests(
                    f"rate limit of {route.rate_per_s:g}/s (burst {route.burst}) exceeded",
                    details={"route": route.name, "retry_after_s": retry},
                    headers={"Retry-After": str(retry)},
                )

        body = await _read_body(receive, route.max_body_bytes)

        upstream = self.upstreams[route.service]
        breaker = upstream.breaker
        allowed, retry_after = breaker.acquire()
        if not allowed:
            retry = max(1, math.ceil(retry_after))
            raise Unavailable(
                f"upstream {upstream.name} is unavailable (circuit open)",
                code="upstream_unavailable",
                details={
                    "upstream": upstream.name,
                    "breaker": breaker.state.name.lower(),
                    "retry_after_s": retry,
                },
                headers={"Retry-After": str(retry)},
            )

        out_headers = request_headers(headers)
        peer = client[0].encode() if client else b""
        out_headers.append((b"x-request-id", rid.encode()))
        out_headers.append(
            (b"x-forwarded-for", forwarded_for + b", " + peer if forwarded_for else peer)
        )
        out_headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
        if host:
            out_headers.append((b"x-forwarded-host", host))
        out_headers.extend(self._identity(caller))
        out = Outgoing(
            method=method,
            path=scope["path"],
            raw_path=scope.get("raw_path") or scope["path"].encode(),
            query_string=scope.get("query_string", b""),
            headers=out_headers,
            body=body,
            timeout_s=route.timeout_s,
            scheme=scope.get("scheme", "http"),
            client=client,
            http_version=scope.get("http_version", "1.1"),
        )
        verdict = False
        try:
            await upstream.forwarder.forward(out, down, receive)
            verdict = True
        except UpstreamError as exc:
            verdict = True
            breaker.failure()
            self.metrics.upstream_errors.labels(upstream.name, exc.kind).inc()
            log.warning("upstream %s failed: %s %s", upstream.name, exc.kind, exc)
            raise _upstream_error(upstream.name, exc) from exc
        finally:
            if not verdict:
                breaker.release()  # cancelled or the client left: no verdict on the upstream
        if down.status >= 500:
            breaker.failure()
            self.metrics.upstream_errors.labels(upstream.name, "status_5xx").inc()
        else:
            breaker.success()


def _upstream_error(name: str, exc: UpstreamError) -> ServiceError:
    details: dict[str, Any] = {"upstream": name, "reason": str(exc)}
    if exc.kind == "timeout":
        return GatewayTimeout(f"upstream {name} did not answer in time", details=details)
    if exc.kind == "connect":
        return BadGateway(
            f"upstream {name} could not be reached", code="upstream_connect_error", details=details
        )
    return BadGateway(f"upstream {name} gave no valid answer", details=details)


def is_proxied(scope: Scope) -> bool:
    """A request for an upstream (`/v1/<service>/...`), not for the gateway's own API."""
    if scope["type"] != "http":  # lifespan and websocket scopes carry no path to route
        return False
    path: str = scope["path"]
    return path.startswith("/v1/") and not path.startswith("/v1/gateway/") and path != "/v1/gateway"


class HotPath:
    """The proxy as an ASGI app of its own, for proxied requests only."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        segments = split_path(scope["path"])
        assert segments is not None
        await self.gateway.handle(scope, receive, send, segments)
