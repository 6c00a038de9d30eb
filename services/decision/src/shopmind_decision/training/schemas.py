"""Training job requests and records."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from shopmind_decision.registry.schemas import MODEL_NAME_PATTERN


class TrainingJobIn(BaseModel):
    """What to train, on which data, and which alias the new version takes."""

    kind: Literal["propensity", "demand"]
    model_name: str | None = Field(default=None, pattern=MODEL_NAME_PATTERN,
                                   description="registry name; defaults to the kind")
    source: Literal["completejourney", "feature_store"] = "feature_store"
    promote: Literal["challenger", "champion"] | None = Field(
        default="challenger", description="alias for the new version (the first is champion)")
    categories: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    top_categories: int = Field(default=100, ge=1, le=1000,
                                description="when `categories` is unset: the most-bought ones")
    max_households: int | None = Field(default=None, ge=10,
                                       description="completejourney: a random sample")
    seed: int = 0
    horizon_days: int = Field(default=14, ge=1, le=90, description="propensity label window")
    max_train_snapshots: int = Field(default=6, ge=1, le=52)
    test_weeks: int = Field(default=8, ge=1, le=26, description="demand hold-out weeks")
    n_estimators: int | None = Field(default=None, ge=1, le=5000)
    learning_rate: float | None = Field(default=None, gt=0, le=1)
    max_depth: int | None = Field(default=None, ge=1, le=16)
    early_stopping_rounds: int | None = Field(default=None, ge=1, le=500)


class TrainingJobOut(BaseModel):
    id: str
    kind: str
    model_name: str
    source: str
    status: Literal["queued", "running", "succeeded", "failed"]
    params: dict[str, Any]
    error: str | None = None
    model_version: int | None = None
    metrics: dict[str, Any] | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class TrainingJobsOut(BaseModel):
    jobs: list[TrainingJobOut]
