"""Requests and answers of alias, merge and resolution endpoints."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

ResolvableLabel = Literal["Brand", "Category", "Aspect", "Entity", "Attribute"]


class AliasIn(BaseModel):
    label: ResolvableLabel
    alias: str = Field(min_length=1, max_length=200, description="the other spelling")
    canonical: str = Field(min_length=1, max_length=200,
                           description="the name or key it means; an existing node's key wins")


class AliasOut(BaseModel):
    label: str
    alias: str
    canonical: str
    origin: str
    score: float | None = None
    updated_at: str | None = None


class AliasPut(BaseModel):
    alias: AliasOut
    merged: MergeOut | None = Field(default=None, description="set when the alias already "
                                    "existed as a node and was merged into the canonical one")


class MergeIn(BaseModel):
    label: ResolvableLabel
    source: str = Field(min_length=1, max_length=200, description="key of the node that goes")
    target: str = Field(min_length=1, max_length=200, description="key of the node that stays")


class MergeOut(BaseModel):
    label: str
    source: str
    target: str
    relations_moved: int
    relations_combined: int
    aliases_repointed: int


class DedupeIn(BaseModel):
    label: Literal["Brand", "Category", "Aspect", "Entity"]
    threshold: float | None = Field(default=None, gt=0.0, le=1.0,
                                    description="defaults to KG_SIMILARITY_THRESHOLD")
    apply: bool = Field(default=False, description="merge the pairs found, not just list them")


class DuplicatePair(BaseModel):
    source: str
    target: str
    score: float


class DedupeOut(BaseModel):
    label: str
    threshold: float
    pairs: list[DuplicatePair]
    merged: list[MergeOut]


class ResolveOut(BaseModel):
    label: str
    name: str
    key: str | None
    how: str | None
    score: float | None = None


AliasPut.model_rebuild()
