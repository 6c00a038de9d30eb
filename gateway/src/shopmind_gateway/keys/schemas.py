"""API key shapes on the admin API and in the CLI."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopmind_gateway.config import SERVICES

_SCOPE = re.compile(r"^(admin|(?P<service>[a-z]+):(read|write))$")


def parse_scopes(scopes: list[str] | str) -> list[str]:
    """Validated, de-duplicated scopes; raises ValueError naming the bad one."""
    items = scopes.replace(",", " ").split() if isinstance(scopes, str) else scopes
    out: list[str] = []
    for raw in items:
        scope = raw.strip()
        m = _SCOPE.match(scope)
        if m is None or (m.group("service") and m.group("service") not in SERVICES):
            raise ValueError(
                f"unknown scope {scope!r}: use admin or <service>:read|write with a service "
                f"among {', '.join(SERVICES)}"
            )
        if scope not in out:
            out.append(scope)
    if not out:
        raise ValueError("at least one scope is required")
    return sorted(out)


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[str] = Field(min_length=1, max_length=50)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)

    @field_validator("scopes")
    @classmethod
    def _valid_scopes(cls, v: list[str]) -> list[str]:
        return parse_scopes(v)


class ApiKeyOut(BaseModel):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The secret key. Shown once; only its salted hash is stored.")
