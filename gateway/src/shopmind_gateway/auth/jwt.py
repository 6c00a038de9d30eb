"""Bearer JWT verification: HS* with a shared secret, RS*/PS*/ES*/EdDSA from a JWKS file.

The algorithm comes from an allow-list and must fit the kind of key that
verifies it: an HMAC secret only for HS*, an RSA key only for RS*/PS*, an EC
key only for ES*. So `alg: none` and the RS256-to-HS256 confusion (signing
with the public key as an HMAC secret) both fail before any signature check.
`exp` is required; `nbf`, `iss` and `aud` are checked when present or configured.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import jwt
from shopmind_common.identity import Caller

from shopmind_gateway.config import GatewaySettings
from shopmind_gateway.errors import auth_error

_FAMILY_KTY = {"HS": "oct", "RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_CACHE_MAX = 10_000


def _family(alg: str) -> str:
    return alg[:2]


def scopes_of(claims: dict[str, Any]) -> frozenset[str]:
    """Scopes from `scope` (space-separated, RFC 8693) or a `scp`/`scopes` list."""
    raw = claims.get("scope", claims.get("scp", claims.get("scopes", ())))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list | tuple):
        return frozenset(str(s) for s in raw)
    return frozenset()


class JwtVerifier:
    def __init__(self, settings: GatewaySettings) -> None:
        self.secret = settings.jwt_secret
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway_s
        self.keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        if settings.jwt_jwks_file:
            self.keys = load_jwks(Path(settings.jwt_jwks_file))
        families = {_family(a) for a in settings.jwt_algorithms}
        available = ({"HS"} if self.secret else set()) | {
            fam
            for fam, kty in _FAMILY_KTY.items()
            if fam != "HS" and any(k.key_type == kty for k, _ in self.keys.values())
        }
        self.algorithms = frozenset(
            a for a in settings.jwt_algorithms if _family(a) in families & available
        )
        self._cache: OrderedDict[str, tuple[float, Caller]] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return bool(self.algorithms)

    def _key(self, header: dict[str, Any], alg: str) -> Any:
        if _family(alg) == "HS":
            return self.secret
        kid = header.get("kid")
        candidates = (
            [self.keys[kid]]
            if kid in self.keys
            else (list(self.keys.values()) if kid is None and len(self.keys) == 1 else [])
        )
        for key, declared in candidates:
            if key.key_type == _FAMILY_KTY[_family(alg)] and declared in (None, alg):
                return key
        raise auth_error(
            "invalid_token", "no key for this token", details={"reason": "unknown_key", "kid": kid}
        )

    def verify(self, token: str) -> Caller:
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise auth_error(
                "invalid_token", "malformed token", details={"reason": "malformed"}
            ) from exc
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise auth_error(
                "invalid_token",
                f"algorithm {alg!r} is not accepted",
                details={"reason": "algorithm", "accepted": sorted(self.algorithms)},
            )
        key = self._key(header, alg)
        required = (
            ["exp", "sub"] + (["iss"] if self.issuer else []) + (["aud"] if self.audience else [])
        )
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": required, "verify_aud": self.audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise auth_error(
                "token_expired", "the token has expired", details={"reason": "expired"}
            ) from exc
        except jwt.PyJWTError as exc:
            raise auth_error(
                "invalid_token", f"invalid token: {exc}", details={"reason": _reason(exc)}
            ) from exc
        caller = Caller(subject=str(claims["sub"]), scopes=scopes_of(claims), kind="jwt")
        if len(self._cache) >= _CACHE_MAX:
            self._cache.popitem(last=False)
        self._cache[token] = (float(claims["exp"]), caller)
        return caller


def _reason(exc: jwt.PyJWTError) -> str:
    reasons: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.InvalidSignatureError, "signature"),
        (jwt.InvalidAudienceError, "audience"),
        (jwt.InvalidIssuerError, "issuer"),
        (jwt.ImmatureSignatureError, "not_yet_valid"),
        (jwt.MissingRequiredClaimError, "missing_claim"),
        (jwt.InvalidAlgorithmError, "algorithm"),
        (jwt.DecodeError, "malformed"),
    ]
    for cls, reason in reasons:
        if isinstance(exc, cls):
            return reason
    return "invalid"


def load_jwks(path: Path) -> dict[str, tuple[jwt.PyJWK, str | None]]:
    """Public keys by `kid` from a JWKS file; private members are refused."""
    data = json.loads(path.read_text())
    keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
    for i, entry in enumerate(data.get("keys", [])):
        if "d" in entry:
            raise ValueError(f"GATEWAY_JWT_JWKS_FILE: key {i} holds private material")
        if entry.get("kty") == "oct":
            raise ValueError(f"GATEWAY_JWT_JWKS_FILE: key {i} is symmetric; use GATEWAY_JWT_SECRET")
        keys[str(entry.get("kid", i))] = (jwt.PyJWK(entry), entry.get("alg"))
    return keys
