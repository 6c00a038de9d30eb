"""Sentiment requests and answers, and the trained-model registry's shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator
from shopmind_nlp.schemas import TextsIn
from shopmind_nlp.sentiment.head import DEFAULT_C, DEFAULT_KIND, Kind

BackendIn = Literal["builtin", "trained", "transformers"]
LabelIn = Literal["positive", "negative", "neutral"]


class SentimentIn(TextsIn):
    backend: BackendIn | None = Field(
        default=None, description="default: the active trained version, else NLP_SENTIMENT_BACKEND")
    model_version: int | None = Field(default=None, ge=1,
                                      description="a trained version (implies backend=trained)")


class SentimentOut(BaseModel):
    language: str
    score: float = Field(ge=-1, le=1)
    label: str
    backend: str
    confidence: float


class SentimentResults(BaseModel):
    results: list[SentimentOut]


class TrainIn(BaseModel):
    texts: list[str] = Field(min_length=10)
    labels: list[LabelIn] = Field(min_length=10)
    name: str = Field(default="sentiment", min_length=1, max_length=200)
    kind: Kind = Field(
        default=DEFAULT_KIND,
        description="lexical: character 1-4-gram TF-IDF, fast and the most accurate on "
                    "Chinese reviews; embedding: 512-d multilingual sentence vectors, slower, "
                    "carries over across languages")
    holdout_fraction: float = Field(default=0.2, ge=0.0, le=0.5)
    c: float | None = Field(default=None, gt=0, le=1000,
                            description=f"inverse regularisation; default per kind: {DEFAULT_C}")
    activate: bool = Field(default=False, description="make it the active version if trained")

    @model_validator(mode="after")
    def _same_length(self) -> TrainIn:
        if len(self.texts) != len(self.labels):
            raise ValueError("texts and labels must have the same length")
        return self


class ModelOut(BaseModel):
    version: int
    name: str
    kind: Kind
    features: str
    labels: list[str]
    metrics: dict[str, Any]
    params: dict[str, Any]
    active: bool
    created_at: datetime | None = None


class ModelsOut(BaseModel):
    active_version: int | None
    default_backend: str
    models: list[ModelOut]


class ActivateIn(BaseModel):
    version: int | None = Field(description="a trained version, or null for the builtin scorer")
