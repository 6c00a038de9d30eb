"""The raw Cypher request and answer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class CypherIn(BaseModel):
    query: str = Field(min_length=1, max_length=10_000)
    params: dict[str, Any] = Field(default_factory=dict)


class CypherOut(BaseModel):
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="more rows than KG_RAW_CYPHER_MAX_ROWS existed")
