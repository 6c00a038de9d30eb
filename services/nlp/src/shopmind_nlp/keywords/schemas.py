"""Keyword answers."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from shopmind_nlp.schemas import TextsIn


class KeywordsIn(TextsIn):
    top_k: int = Field(default=10, ge=1, le=100)
    method: Literal["tfidf", "textrank"] = Field(
        default="tfidf", description="Chinese scorer; English always ranks noun chunks")


class KeywordOut(BaseModel):
    term: str
    score: float


class KeywordsResult(BaseModel):
    language: str
    method: str
    keywords: list[KeywordOut]


class KeywordsResults(BaseModel):
    results: list[KeywordsResult]
