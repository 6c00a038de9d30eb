"""Which headers cross the gateway, in each direction (RFC 9110 §7.6.1)."""

from __future__ import annotations

import re

RawHeaders = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"proxy-connection",
    }
)
# Credentials stay at the gateway: services get the signed caller identity instead.
_CREDENTIALS = frozenset({b"authorization", b"x-api-key"})
# Rebuilt by the gateway for every upstream request.
_REBUILT_REQUEST = frozenset(
    {
        b"host",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
    }
)
_DROP_REQUEST = HOP_BY_HOP | _CREDENTIALS | _REBUILT_REQUEST
# The gateway's own server sets these; an upstream copy would be a duplicate.
_DROP_RESPONSE = HOP_BY_HOP | frozenset({b"date", b"server", b"x-request-id"})

CALLER_PREFIX = b"x-shopmind-caller"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def _connection_tokens(headers: RawHeaders) -> set[bytes]:
    tokens: set[bytes] = set()
    for name, value in headers:
        if name == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return tokens


def request_headers(headers: RawHeaders) -> RawHeaders:
    """The client's headers minus hop-by-hop, credentials and what the gateway rebuilds."""
    extra = _connection_tokens(headers) if any(n == b"connection" for n, _ in headers) else ()
    return [
        (n, v)
        for n, v in headers
        if n not in _DROP_REQUEST and n not in extra and not n.startswith(CALLER_PREFIX)
    ]


def response_headers(headers: RawHeaders) -> RawHeaders:
    """The upstream's headers minus hop-by-hop and those the gateway sets itself."""
    extra = _connection_tokens(headers) if any(n == b"connection" for n, _ in headers) else ()
    return [(n, v) for n, v in headers if n not in _DROP_RESPONSE and n not in extra]


def has_caller_header(headers: RawHeaders) -> bool:
    return any(n.startswith(CALLER_PREFIX) for n, _ in headers)


def valid_request_id(value: bytes) -> str | None:
    """A client-sent request id we can pass on safely, or None to generate one."""
    text = value.decode("latin-1")
    return text if _REQUEST_ID.match(text) else None
