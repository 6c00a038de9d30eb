"""Everything about a review at once."""

from __future__ import annotations

from pydantic import BaseModel, Field
from shopmind_nlp.aspects.schemas import AspectOut
from shopmind_nlp.entities.schemas import EntityOut
from shopmind_nlp.keywords.schemas import KeywordOut
from shopmind_nlp.schemas import TextsIn
from shopmind_nlp.sentiment.schemas import BackendIn


class AnalyzeIn(TextsIn):
    top_k: int = Field(default=8, ge=0, le=100, description="keywords per text")
    backend: BackendIn | None = Field(default=None, description="sentiment backend")


class SentimentBrief(BaseModel):
    score: float
    label: str
    backend: str
    confidence: float


class AnalysisOut(BaseModel):
    language: str
    sentiment: SentimentBrief
    aspects: list[AspectOut]
    entities: list[EntityOut]
    keywords: list[KeywordOut]


class AnalyzeResults(BaseModel):
    results: list[AnalysisOut]
