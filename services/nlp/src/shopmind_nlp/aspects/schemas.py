"""Aspect-level sentiment answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MentionOut(BaseModel):
    start: int = Field(description="aspect offset (characters) into the text")
    end: int
    opinion: str
    opinion_start: int
    opinion_end: int
    score: float


class AspectOut(BaseModel):
    aspect: str
    opinion: str
    polarity: str
    score: float = Field(ge=-1, le=1)
    mentions: list[MentionOut]


class AspectsResult(BaseModel):
    language: str
    aspects: list[AspectOut]


class AspectsResults(BaseModel):
    results: list[AspectsResult]
