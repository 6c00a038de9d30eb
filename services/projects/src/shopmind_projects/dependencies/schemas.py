"""Finish-to-start dependencies between tasks, with a lag in working days."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEPENDENCY_SORTS = ("created_at", "lag_days")
Lag = Field(default=0, ge=-365, le=365,
            description="working days between the predecessor's finish and the successor's "
                        "start; negative overlaps them")


class DependencyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    predecessor_id: str = Field(min_length=1, max_length=36)
    successor_id: str = Field(min_length=1, max_length=36)
    type: Literal["finish_to_start"] = "finish_to_start"
    lag_days: int = Lag


class DependencyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lag_days: int | None = Field(default=None, ge=-365, le=365)


class DependencyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    predecessor_id: str
    successor_id: str
    type: str
    lag_days: int
    version: int
    created_at: datetime
    updated_at: datetime
