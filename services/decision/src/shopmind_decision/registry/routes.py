"""Registry endpoints: list models and versions, promote through aliases."""

from __future__ import annotations

from fastapi import APIRouter, Path

from shopmind_decision.deps import StoreDep
from shopmind_decision.registry.schemas import (
    Alias,
    AliasesOut,
    AliasIn,
    ModelsOut,
    ModelVersionOut,
)
from shopmind_decision.registry.service import registry

router = APIRouter(prefix="/v1/decision/models", tags=["models"])
ModelName = Path(pattern=r"^[a-z][a-z0-9_-]{0,63}$")


@router.get("", response_model=ModelsOut)
async def list_models(store: StoreDep) -> ModelsOut:
    """Every registered model with its versions and aliases."""
    return registry.list_models(store)


@router.get("/{name}/versions", response_model=list[ModelVersionOut])
async def list_versions(store: StoreDep, name: str = ModelName) -> list[ModelVersionOut]:
    """Every version of a model with its params, metrics and data window."""
    return list(registry.versions(store, name))


@router.get("/{name}/versions/{version}", response_model=ModelVersionOut)
async def get_version(store: StoreDep, version: int, name: str = ModelName) -> ModelVersionOut:
    """One version, with its feature schema."""
    return registry.get_version(store, name, version)


@router.get("/{name}/aliases", response_model=AliasesOut)
async def get_aliases(store: StoreDep, name: str = ModelName) -> AliasesOut:
    """Which versions are champion and challenger."""
    return registry.aliases(store, name)


@router.put("/{name}/aliases/{alias}", response_model=AliasesOut)
async def set_alias(store: StoreDep, alias: Alias, body: AliasIn,
                    name: str = ModelName) -> AliasesOut:
    """Promote a version: point `champion` or `challenger` at it."""
    return registry.promote(store, name, alias, body.version)
