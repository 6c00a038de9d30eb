"""Query endpoints under /v1/kg/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shopmind_kg.deps import QueryServiceDep
from shopmind_kg.query.schemas import (
    GraphOut,
    IntentAnswer,
    NeighbourhoodOut,
    PathOut,
    ProductAspectsOut,
    StatsOut,
)
from shopmind_kg.query.service import parse_ref
from shopmind_kg.store.model import NodeRef

router = APIRouter(prefix="/v1/kg", tags=["queries"])

NodeParam = Annotated[str, Query(min_length=3, max_length=300, description='"Label:key"')]


@router.get("/products/{product_id}/neighbourhood", response_model=NeighbourhoodOut)
async def neighbourhood(product_id: str, queries: QueryServiceDep,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> NeighbourhoodOut:
    """A product's brand, categories, attributes, aspects, similar and related nodes."""
    return await queries.neighbourhood(NodeRef("Product", product_id), limit)


@router.get("/products/{product_id}/aspects", response_model=ProductAspectsOut)
async def product_aspects(product_id: str, queries: QueryServiceDep) -> ProductAspectsOut:
    """A product's aspects with opinion counts and mean sentiment."""
    return await queries.product_aspects(product_id)


@router.get("/intent", response_model=IntentAnswer)
async def intent(queries: QueryServiceDep,
                 q: Annotated[str, Query(min_length=1, max_length=200,
                                         description='e.g. "性价比高的手机"')],
                 limit: Annotated[int, Query(ge=1, le=100)] = 20) -> IntentAnswer:
    """Products for a shopping intent, parsed into category and aspect constraints."""
    return await queries.intent(q, limit)


@router.get("/path", response_model=PathOut)
async def shortest_path(queries: QueryServiceDep, source: NodeParam, target: NodeParam,
                        max_hops: Annotated[int, Query(ge=1, le=10)] = 6) -> PathOut:
    """The shortest path between two nodes, in either direction."""
    return await queries.path(parse_ref(source, "query.source"),
                              parse_ref(target, "query.target"), max_hops)


@router.get("/stats", response_model=StatsOut)
async def stats(queries: QueryServiceDep) -> StatsOut:
    """Node and relation counts by label and type."""
    return await queries.stats()


@router.get("/subgraph", response_model=GraphOut)
async def subgraph(queries: QueryServiceDep, node: NodeParam,
                   depth: Annotated[int, Query(ge=1, le=3)] = 1,
                   limit: Annotated[int, Query(ge=1, le=2000)] = 300) -> GraphOut:
    """Nodes and edges around a node, as JSON for a graph viewer."""
    return await queries.subgraph(parse_ref(node, "query.node"), depth, limit)


@router.get("/nodes/{ref}", response_model=NeighbourhoodOut)
async def node(ref: str, queries: QueryServiceDep,
               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> NeighbourhoodOut:
    """Any node ("Brand:apple") with its relations."""
    return await queries.neighbourhood(parse_ref(ref, "path.ref"), limit)
