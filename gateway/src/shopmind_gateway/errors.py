"""The gateway's error codes, each a distinct machine-readable `error.code`.

401 missing_credentials   no API key or bearer token
401 invalid_api_key       malformed, unknown or wrong API key
401 revoked_api_key       the key was revoked
401 expired_api_key       the key is past its expiry
401 invalid_token         bad JWT: signature, algorithm, audience, issuer, format
401 token_expired         the JWT's `exp` has passed
403 insufficient_scope    authenticated, but the route needs a scope the caller lacks
403 forged_identity       the client sent an internal caller-identity header
400 invalid_path          dot segments in the path
404 unknown_service       no upstream by that name
413 payload_too_large     request body over the route's limit
429 rate_limited          token bucket empty; see Retry-After
502 upstream_connect_error / bad_gateway
503 upstream_unavailable  the upstream's circuit breaker is open
504 upstream_timeout      no answer within the route's timeout
"""

from __future__ import annotations

from typing import Any

from shopmind_common.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    TooManyRequests,
    Unauthorized,
    Unavailable,
)

__all__ = [
    "AuthError",
    "BadGateway",
    "BadRequest",
    "Forbidden",
    "GatewayTimeout",
    "NotFound",
    "PayloadTooLarge",
    "ServiceError",
    "TooManyRequests",
    "Unavailable",
    "auth_error",
]


class BadGateway(ServiceError):
    status_code = 502
    code = "bad_gateway"


class GatewayTimeout(ServiceError):
    status_code = 504
    code = "upstream_timeout"


class AuthError(Unauthorized):
    """A 401 with a `WWW-Authenticate` challenge."""


def auth_error(code: str, message: str, details: Any = None) -> AuthError:
    challenge = 'Bearer realm="shopmind"'
    if code in ("invalid_token", "token_expired"):
        challenge += ', error="invalid_token"'
    return AuthError(message, code=code, details=details, headers={"WWW-Authenticate": challenge})
