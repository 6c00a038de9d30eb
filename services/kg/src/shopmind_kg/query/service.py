"""Neighbourhoods, aspects, intents, paths, statistics and subgraphs."""

from __future__ import annotations

from typing import Any

from shopmind_common.errors import NotFound, Unprocessable

from shopmind_kg.query.schemas import (
    GraphOut,
    IntentAnswer,
    IntentOut,
    NeighbourhoodOut,
    PathOut,
    ProductAspectsOut,
    StatsOut,
)
from shopmind_kg.store.base import GraphStore
from shopmind_kg.store.model import LABELS, NodeRef
from shopmind_kg.text.intent import IntentParser

_LABELS = {label.lower(): label for label in LABELS}


def parse_ref(value: str, field: str) -> NodeRef:
    """ "Product:p1" (label case-insensitive) -> NodeRef, or 422 naming the field."""
    label, sep, key = value.partition(":")
    canonical = _LABELS.get(label.strip().lower())
    if not sep or canonical is None or not key:
        raise Unprocessable(
            f"{field} must look like Label:key with Label one of {', '.join(LABELS)}",
            details=[{"field": field, "value": value[:200]}])
    return NodeRef(canonical, key)


class QueryService:
    def __init__(self, store: GraphStore, parser: IntentParser) -> None:
        self.store = store
        self.parser = parser

    async def _node(self, ref: NodeRef) -> dict[str, Any]:
        node = await self.store.get_node(ref)
        if node is None:
            raise NotFound(f"no node {ref.id}", details={"node": ref.id})
        return node

    async def neighbourhood(self, ref: NodeRef, limit: int) -> NeighbourhoodOut:
        node = await self._node(ref)
        rows = await self.store.neighbourhood(ref, limit)
        return NeighbourhoodOut.model_validate({"node": node, "relations": rows})

    async def product_aspects(self, product_id: str) -> ProductAspectsOut:
        await self._node(NodeRef("Product", product_id))
        rows = await self.store.product_aspects(product_id)
        return ProductAspectsOut.model_validate({"product_id": product_id, "aspects": rows})

    async def intent(self, text: str, limit: int) -> IntentAnswer:
        intent = self.parser.parse(text)
        products = []
        if intent.categories or intent.aspects:
            products = await self.store.products_by_intent(intent.categories, intent.aspects,
                                                           limit)
        return IntentAnswer.model_validate({"intent": IntentOut.model_validate(
            intent.__dict__), "products": products})

    async def path(self, a: NodeRef, b: NodeRef, max_hops: int) -> PathOut:
        start = await self._node(a)
        await self._node(b)
        if a == b:
            return PathOut.model_validate({"found": True, "length": 0, "nodes": [start]})
        found = await self.store.shortest_path(a, b, max_hops)
        if found is None:
            return PathOut(found=False)
        return PathOut.model_validate({"found": True, **found})

    async def stats(self) -> StatsOut:
        return StatsOut.model_validate({"backend": self.store.backend,
                                        **await self.store.stats()})

    async def subgraph(self, ref: NodeRef, depth: int, limit: int) -> GraphOut:
        await self._node(ref)
        return GraphOut.model_validate(await self.store.subgraph(ref, depth, limit))
