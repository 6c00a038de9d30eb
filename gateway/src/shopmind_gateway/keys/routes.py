"""The key management API (admin scope): `/v1/gateway/keys`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shopmind_gateway.deps import AdminDep, KeysDep
from shopmind_gateway.keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut

router = APIRouter(prefix="/v1/gateway/keys", tags=["gateway"])

KeyId = Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_key(body: ApiKeyCreate, _: AdminDep, keys: KeysDep) -> ApiKeyCreated:
    """Create an API key; the secret is in this answer only."""
    return await keys.create(body.name, body.scopes, body.expires_in_days)


@router.get("", response_model=list[ApiKeyOut])
async def list_keys(
    _: AdminDep, keys: KeysDep, include_revoked: Annotated[bool, Query()] = False
) -> list[ApiKeyOut]:
    """List API keys (never their secrets)."""
    return await keys.list(include_revoked=include_revoked)


@router.delete("/{key_id}", response_model=ApiKeyOut)
async def revoke_key(key_id: KeyId, _: AdminDep, keys: KeysDep) -> ApiKeyOut:
    """Revoke an API key; it stops working at once on this gateway."""
    return await keys.revoke(key_id)
