"""Ranked assignees for a task, with the reasons."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

MatchMethod = Literal["embeddings", "keywords", "lexical"]


class Suggestion(BaseModel):
    member_id: str
    name: str
    score: float  # 0..1, higher is better
    skill_score: float
    matched_skills: list[str]
    load_hours: float  # scheduled in the week the task would start, this task excluded
    capacity_hours: float
    load_ratio: float
    current_assignee: bool
    reasons: list[str]


class SuggestionsOut(BaseModel):
    task_id: str
    method: MatchMethod  # how skills were matched: the nlp service, or the lexical fallback
    keywords: list[str]
    suggestions: list[Suggestion]
