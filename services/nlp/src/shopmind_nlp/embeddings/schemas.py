"""Embedding and similarity shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field, model_validator
from shopmind_nlp.schemas import TextsIn


class EmbedIn(TextsIn):
    pass


class EmbedOut(BaseModel):
    model: str
    dimensions: int
    embeddings: list[list[float]]


class SimilarityIn(BaseModel):
    """Either `pairs` (cosine of each pair) or `query` with `candidates` (top-k)."""

    pairs: list[tuple[str, str]] | None = None
    query: str | None = None
    candidates: list[str] | None = None
    top_k: int = Field(default=5, ge=1, le=1000)

    @model_validator(mode="after")
    def _one_mode(self) -> SimilarityIn:
        if (self.pairs is None) == (self.query is None):
            raise ValueError("give either `pairs` or `query` with `candidates`")
        if self.query is not None and not self.candidates:
            raise ValueError("`query` needs a non-empty `candidates` list")
        return self


class Match(BaseModel):
    index: int
    text: str
    score: float


class SimilarityOut(BaseModel):
    model: str
    scores: list[float] | None = Field(default=None, description="cosine per pair")
    matches: list[Match] | None = Field(default=None, description="top-k candidates, best first")
