"""Answers of the query endpoints."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class NodeOut(BaseModel):
    id: str = Field(description='"Label:key"')
    label: str
    key: str
    name: str
    properties: dict[str, Any]


class EdgeOut(BaseModel):
    type: str
    source: str
    target: str
    properties: dict[str, Any]


class NeighbourOut(BaseModel):
    type: str
    direction: str = Field(description="out: from this node; in: towards it")
    properties: dict[str, Any]
    node: NodeOut


class NeighbourhoodOut(BaseModel):
    node: NodeOut
    relations: list[NeighbourOut]


class AspectOut(BaseModel):
    aspect: str
    name: str
    positive: int
    negative: int
    neutral: int
    support: int = Field(description="reviews that gave an opinion on the aspect")
    mentions: int
    mean_score: float
    sentiment: str
    confidence: float
    sources: list[str]
    updated_at: str | None


class ProductAspectsOut(BaseModel):
    product_id: str
    aspects: list[AspectOut]


class IntentTerm(BaseModel):
    surface: str
    label: str
    key: str
    how: str


class IntentOut(BaseModel):
    text: str
    language: str
    categories: list[str]
    aspects: list[str]
    terms: list[IntentTerm]
    unmatched: list[str]


class MatchedAspect(BaseModel):
    aspect: str
    name: str
    positive: int
    negative: int
    neutral: int
    support: int
    mean_score: float


class IntentProduct(BaseModel):
    product_id: str
    name: str
    score: float = Field(description="smoothed share of positive opinions on the asked aspects")
    support: int
    aspects: list[MatchedAspect]


class IntentAnswer(BaseModel):
    intent: IntentOut
    products: list[IntentProduct]


class GraphOut(BaseModel):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool = False


class PathOut(BaseModel):
    found: bool
    length: int | None = None
    nodes: list[NodeOut] = Field(default_factory=list)
    edges: list[EdgeOut] = Field(default_factory=list)


class StatsOut(BaseModel):
    backend: str
    nodes: dict[str, int]
    relations: dict[str, int]
    aliases: int
    tombstones: int
    total_nodes: int
    total_relations: int
