"""Insight summaries: plain-language drivers of a prediction or a trend."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Driver(BaseModel):
    feature: str
    description: str
    value: float
    contribution: float
    direction: Literal["up", "down"]


class InsightOut(BaseModel):
    subject: str
    text: str
    source: Literal["model", "nlp", "template"] = Field(
        description="model: the shared model layer; nlp: the nlp service; template: fallback")
    fallback_text: str = Field(description="the deterministic summary, always present")
    drivers: list[Driver]
    prediction_id: str | None = None


class TrendIn(BaseModel):
    category: str = Field(min_length=1, max_length=200)
    model: str = Field(default="demand", pattern=r"^[a-z][a-z0-9_-]{0,63}$")
    version: int | None = Field(default=None, ge=1)
    weeks: int = Field(default=8, ge=2, le=52, description="weeks of history to describe")
