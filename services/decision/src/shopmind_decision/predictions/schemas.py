"""Prediction requests and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from shopmind_decision.registry.schemas import MODEL_NAME_PATTERN


class Entity(BaseModel):
    """Whom to score: features come from the behaviour store as of `as_of` (default: now)."""

    user_id: str | None = Field(default=None, min_length=1, max_length=128)
    category: str = Field(min_length=1, max_length=200)
    as_of: date | None = Field(default=None, description="features from days before this date")


class ModelRef(BaseModel):
    model: str = Field(pattern=MODEL_NAME_PATTERN, description="registry name, e.g. propensity")
    version: int | None = Field(default=None, ge=1, description="a version; default: the alias")
    alias: Literal["champion", "challenger"] | None = Field(
        default=None, description="used when no version is given; default champion")


class PredictIn(ModelRef):
    """Exactly one of `features` (raw feature name -> value) or `entity`."""

    features: dict[str, float] | None = None
    entity: Entity | None = None
    top_k: int = Field(default=10, ge=1, le=200, description="contributions to return")

    @model_validator(mode="after")
    def _one_input(self) -> PredictIn:
        if (self.features is None) == (self.entity is None):
            raise ValueError("give exactly one of `features` or `entity`")
        return self


class Instance(BaseModel):
    features: dict[str, float] | None = None
    entity: Entity | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Instance:
        if (self.features is None) == (self.entity is None):
            raise ValueError("give exactly one of `features` or `entity`")
        return self


class BatchPredictIn(ModelRef):
    """Rows as `columns` + `rows` (fastest), or as `instances`."""

    columns: list[str] | None = Field(default=None, min_length=1)
    rows: list[list[float]] | None = Field(default=None, min_length=1)
    instances: list[Instance] | None = Field(default=None, min_length=1)
    explain: bool = Field(default=False, description="compute contributions now, not on fetch")
    top_k: int = Field(default=5, ge=1, le=200)

    @model_validator(mode="after")
    def _one_input(self) -> BatchPredictIn:
        tabular = self.columns is not None or self.rows is not None
        if tabular == (self.instances is not None):
            raise ValueError("give either `columns` and `rows`, or `instances`")
        if tabular and (self.columns is None or self.rows is None):
            raise ValueError("`columns` and `rows` go together")
        return self


class Contribution(BaseModel):
    feature: str
    value: float
    contribution: float


class Explanation(BaseModel):
    method: Literal["xgboost_pred_contribs"] = "xgboost_pred_contribs"
    space: str = Field(description="what contributions add up to: log_odds or log1p_units")
    base_value: float
    contributions: list[Contribution] = Field(description="largest absolute first")


class PredictionOut(BaseModel):
    prediction_id: str
    model: str
    version: int
    kind: str
    output: str
    score: float
    margin: float
    entity: dict[str, str | None] | None = None
    explanation: Explanation
    created_at: datetime


class BatchPredictionOut(BaseModel):
    batch_id: str
    model: str
    version: int
    count: int
    output: str
    prediction_ids: list[str]
    scores: list[float]
    explanations: list[Explanation] | None = None
