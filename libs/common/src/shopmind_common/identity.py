"""The caller identity the gateway forwards, signed so services trust only it.

The gateway authenticates a request, then sets `x-shopmind-caller` (JSON of
subject and scopes) and `x-shopmind-caller-sig` (HMAC-SHA256 of that value
with `SHOPMIND_INTERNAL_SECRET` and a timestamp). It strips both headers from
whatever the client sent, so a forged identity never reaches a service.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import time
from dataclasses import dataclass, field

import orjson

CALLER_HEADER = "x-shopmind-caller"
SIGNATURE_HEADER = "x-shopmind-caller-sig"
MAX_SKEW_S = 300


@dataclass(frozen=True)
class Caller:
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    kind: str = "anonymous"  # "api_key" | "jwt" | "anonymous"

    def has(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes


ANONYMOUS = Caller(subject="anonymous")


def sign_caller(caller: Caller, secret: str, now: float | None = None) -> dict[str, str]:
    moment = now if now is not None else time.time()
    if not math.isfinite(moment):
        raise ValueError("the signing time must be a finite number of seconds")
    ts = str(int(moment))
    value = base64.urlsafe_b64encode(
        orjson.dumps(
            {"sub": caller.subject, "scopes": sorted(caller.scopes), "kind": caller.kind, "ts": ts}
        )
    ).decode()
    sig = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    return {CALLER_HEADER: value, SIGNATURE_HEADER: sig}


def verify_caller(
    value: str | None, signature: str | None, secret: str, now: float | None = None
) -> Caller | None:
    """The caller if the headers are genuine and fresh, else None."""
    if not value or not signature:
        return None
    expected = hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        data = orjson.loads(base64.urlsafe_b64decode(value.encode()))
        ts = int(data["ts"])
    except (ValueError, KeyError, TypeError):
        return None
    if abs((now if now is not None else time.time()) - ts) > MAX_SKEW_S:
        return None
    return Caller(
        subject=str(data.get("sub", "")),
        scopes=frozenset(data.get("scopes", [])),
        kind=str(data.get("kind", "")),
    )
