"""Registry shapes: models, versions and aliases."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Alias = Literal["champion", "challenger"]
ALIASES: tuple[str, ...] = ("champion", "challenger")
MODEL_NAME_PATTERN = r"^[a-z][a-z0-9_-]{0,63}$"


class ModelVersionOut(BaseModel):
    name: str
    version: int
    kind: str
    created_at: str
    source: str
    training_job_id: str | None = None
    aliases: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any]
    data_window: dict[str, Any]
    feature_schema: dict[str, Any] | None = None
    files: dict[str, str]


class ModelSummary(BaseModel):
    name: str
    kind: str | None
    versions: list[int]
    aliases: dict[str, int]


class ModelsOut(BaseModel):
    models: list[ModelSummary]


class AliasIn(BaseModel):
    version: int = Field(ge=1)


class AliasesOut(BaseModel):
    name: str
    aliases: dict[str, int]
