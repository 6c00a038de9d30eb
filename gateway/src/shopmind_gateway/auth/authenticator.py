"""From request headers to a `Caller`, and the scope check on a route.

Credentials: `X-API-Key: smk_...`, or `Authorization: Bearer <token>` where the
token is an API key (`smk_...`) or a JWT. With `GATEWAY_AUTH=off` every request
is the development caller, who holds `admin`.
"""

from __future__ import annotations

import logging

from shopmind_common.identity import Caller

from shopmind_gateway.auth.jwt import JwtVerifier
from shopmind_gateway.errors import Forbidden, auth_error
from shopmind_gateway.keys.service import KeyService, looks_like_key
from shopmind_gateway.proxy.headers import RawHeaders

log = logging.getLogger("shopmind.gateway.auth")

DEV_CALLER = Caller(subject="dev", scopes=frozenset({"admin"}), kind="anonymous")


def credentials(headers: RawHeaders) -> tuple[str | None, str | None]:
    """(api key, bearer token) as sent, either may be None."""
    api_key = bearer = None
    for name, value in headers:
        if name == b"x-api-key":
            api_key = value.decode("latin-1").strip()
        elif name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            # "" marks an Authorization header that is not a bearer credential.
            bearer = rest.strip() if scheme.lower() == "bearer" else ""
    return api_key, bearer


class Authenticator:
    def __init__(self, *, enabled: bool, keys: KeyService, jwt: JwtVerifier) -> None:
        self.enabled = enabled
        self.keys = keys
        self.jwt = jwt

    async def authenticate(self, headers: RawHeaders) -> Caller:
        if not self.enabled:
            return DEV_CALLER
        api_key, bearer = credentials(headers)
        if api_key:
            return await self.keys.verify(api_key)
        if bearer is None:
            raise auth_error(
                "missing_credentials",
                "send an API key in X-API-Key or a bearer token in Authorization",
            )
        if not bearer:
            raise auth_error(
                "invalid_token",
                "Authorization must use the Bearer scheme",
                details={"reason": "scheme"},
            )
        if looks_like_key(bearer):
            return await self.keys.verify(bearer)
        if not self.jwt.enabled:
            raise auth_error(
                "invalid_token",
                "bearer tokens are not accepted by this gateway",
                details={"reason": "jwt_disabled"},
            )
        return self.jwt.verify(bearer)


def authorize(caller: Caller, scope: str) -> None:
    """403 unless the caller holds `scope` (or admin)."""
    if not caller.has(scope):
        raise Forbidden(
            f"this route needs the {scope!r} scope",
            code="insufficient_scope",
            details={"required_scope": scope, "granted": sorted(caller.scopes)},
        )
