"""Alias, merge and resolution endpoints under /v1/kg/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from shopmind_kg.deps import EntityServiceDep
from shopmind_kg.resolution.schemas import (
    AliasIn,
    AliasOut,
    AliasPut,
    DedupeIn,
    DedupeOut,
    MergeIn,
    MergeOut,
    ResolvableLabel,
    ResolveOut,
)

router = APIRouter(prefix="/v1/kg", tags=["entities"])


@router.get("/aliases", response_model=list[AliasOut])
async def list_aliases(entities: EntityServiceDep,
                       label: ResolvableLabel | None = None) -> list[AliasOut]:
    """The alias table (user, merge, embedding and import aliases)."""
    return await entities.list_aliases(label)


@router.put("/aliases", response_model=AliasPut)
async def put_alias(body: AliasIn, entities: EntityServiceDep) -> AliasPut:
    """Make a name resolve to a node; an existing node of that name is merged into it."""
    return await entities.put_alias(body.label, body.alias, body.canonical)


@router.delete("/aliases/{label}/{alias}", status_code=204)
async def delete_alias(label: ResolvableLabel, alias: str, entities: EntityServiceDep
                       ) -> Response:
    """Remove an alias (nodes already merged stay merged)."""
    await entities.delete_alias(label, alias)
    return Response(status_code=204)


@router.post("/entities/merge", response_model=MergeOut)
async def merge(body: MergeIn, entities: EntityServiceDep) -> MergeOut:
    """Merge one node into another, moving its relations and keeping their provenance."""
    return await entities.merge(body.label, body.source, body.target)


@router.post("/entities/dedupe", response_model=DedupeOut)
async def dedupe(body: DedupeIn, entities: EntityServiceDep) -> DedupeOut:
    """Near-duplicate nodes by embedding similarity; merged when `apply` is true."""
    return await entities.dedupe(body.label, body.threshold, body.apply)


@router.get("/resolve", response_model=ResolveOut)
async def resolve(entities: EntityServiceDep, label: ResolvableLabel,
                  name: Annotated[str, Query(min_length=1, max_length=200)]) -> ResolveOut:
    """Which node a name would resolve to, and by which rule."""
    return entities.resolve(label, name)
