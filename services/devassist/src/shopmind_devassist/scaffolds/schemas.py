"""Parameters and answers of the scaffold endpoints."""

from __future__ import annotations

import keyword
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator
from shopmind.events import EVENT_TYPES

from shopmind_devassist.files import GeneratedFile

_IDENT = r"^[a-z][a-z0-9_]*[a-z0-9]$"
# Names the workspace already uses for something that is not a service.
_RESERVED = {"common", "events", "cli", "gateway", "testing", "test", "tests", "shopmind",
             "workspace", "devassist_scaffold"}


def _identifier(value: str, what: str) -> str:
    if keyword.iskeyword(value) or value in _RESERVED or "__" in value:
        raise ValueError(f"{what} {value!r} is reserved")
    return value


def _event_type(value: str) -> str:
    if value not in EVENT_TYPES:
        raise ValueError(f"unknown event type {value!r}; one of: {', '.join(sorted(EVENT_TYPES))}")
    return value


class FieldSpec(BaseModel):
    name: str = Field(pattern=_IDENT, min_length=2, max_length=30)
    type: Literal["str", "int", "float", "bool"] = "str"
    required: bool = True
    max_length: int | None = Field(default=None, ge=1, le=10_000,
                                   description="For `str` fields: the longest value accepted")
    description: str | None = Field(default=None, max_length=200)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value in ("id", "created_at"):
            raise ValueError(f"field name {value!r} is set by the service itself")
        return _identifier(value, "field name")

    @model_validator(mode="after")
    def _length_only_for_text(self) -> FieldSpec:
        if self.max_length is not None and self.type != "str":
            raise ValueError("max_length applies to str fields only")
        return self


class ServiceScaffold(BaseModel):
    name: str = Field(pattern=_IDENT, min_length=2, max_length=20,
                      description="Service name: package `shopmind_<name>`, routes `/v1/<name>/`",
                      examples=["inventory"])
    description: str = Field(default="A ShopMind service.", min_length=1, max_length=200,
                             pattern=r"^[^\n\"\\]*$")
    domain: str = Field(default="items", pattern=_IDENT, min_length=2, max_length=20,
                        description="The first domain folder, plural (`items`, `stock_levels`)")
    entity: str | None = Field(default=None, pattern=r"^[A-Z][A-Za-z0-9]*$", max_length=24,
                               description="Its record class (default: from the domain)")
    fields: list[FieldSpec] = Field(
        default_factory=lambda: [FieldSpec(name="name", max_length=200)], min_length=1,
        max_length=30)

    @field_validator("name", "domain")
    @classmethod
    def _names(cls, value: str) -> str:
        return _identifier(value, "name")

    @field_validator("fields")
    @classmethod
    def _unique(cls, value: list[FieldSpec]) -> list[FieldSpec]:
        names = [f.name for f in value]
        if len(names) != len(set(names)):
            raise ValueError("field names must be unique")
        return value


class ConsumerScaffold(BaseModel):
    service: str = Field(pattern=_IDENT, min_length=2, max_length=20, examples=["enricher"])
    stage: str = Field(pattern=_IDENT, min_length=2, max_length=24, examples=["review_intake"])
    consumes: str = Field(description="Event type (topic) consumed",
                          examples=["reviews.review.created"])
    publishes: str | None = Field(default=None, description="Event type published, if any",
                                  examples=["enrichment.review.enriched"])
    batch: bool = Field(default=False, description="Handle polled batches at once")
    group: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=80,
                              description="Consumer group (default `<service>-<stage>`)")
    kafka_test: bool = Field(default=True,
                             description="Include a test against the real broker (marker kafka)")

    @field_validator("service", "stage")
    @classmethod
    def _names(cls, value: str) -> str:
        return _identifier(value, "name")

    @field_validator("consumes")
    @classmethod
    def _consumes(cls, value: str) -> str:
        return _event_type(value)

    @field_validator("publishes")
    @classmethod
    def _publishes(cls, value: str | None) -> str | None:
        return None if value is None else _event_type(value)


class RecommenderScaffold(BaseModel):
    service: str = Field(pattern=_IDENT, min_length=2, max_length=20, examples=["recs"])
    module: str = Field(default="recommend", pattern=_IDENT, min_length=2, max_length=24)
    weights: dict[str, float] = Field(
        default_factory=lambda: {"view": 1.0, "cart": 3.0, "purchase": 5.0},
        min_length=1, description="Weight of each behaviour action")
    exclude_seen: bool = Field(default=True, description="Never recommend what the user saw")

    @field_validator("service", "module")
    @classmethod
    def _names(cls, value: str) -> str:
        return _identifier(value, "name")

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        for action, weight in value.items():
            if not action or len(action) > 40 or not weight > 0 or weight > 1e6:
                raise ValueError(f"weight of {action!r} must be in (0, 1e6] with a short name")
        return value


class Scaffold(BaseModel):
    kind: Literal["service", "consumer", "recommender"]
    files: list[GeneratedFile]
    next_steps: list[str]


class ScaffoldKind(BaseModel):
    kind: str
    summary: str
    parameters: dict[str, object]
