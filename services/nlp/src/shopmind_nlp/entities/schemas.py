"""Entity answers."""

from __future__ import annotations

from pydantic import BaseModel, Field
from shopmind_nlp.schemas import TextsIn


class EntitiesIn(TextsIn):
    precise: bool = Field(
        default=False,
        description="jieba's full HMM tagger for Chinese (slower, finds more names)")


class EntityOut(BaseModel):
    text: str
    label: str = Field(description="brand, product, organisation, person, place, money, quantity")
    start: int
    end: int


class EntitiesResult(BaseModel):
    language: str
    entities: list[EntityOut]


class EntitiesResults(BaseModel):
    results: list[EntitiesResult]
