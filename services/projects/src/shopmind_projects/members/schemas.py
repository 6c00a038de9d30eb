"""Project members: who can take tasks, with their skills and weekly capacity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

MEMBER_SORTS = ("name", "role", "weekly_capacity_hours", "created_at", "updated_at")

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=320,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Skills = Annotated[list[Skill], Field(max_length=50)]


def _dedupe(skills: list[str] | None) -> list[str] | None:
    if skills is None:
        return None
    seen: dict[str, str] = {}
    for skill in skills:
        seen.setdefault(skill.casefold(), skill)
    return list(seen.values())


class MemberCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    email: Email | None = None
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    skills: Skills = Field(default_factory=list)
    weekly_capacity_hours: float = Field(default=40.0, ge=0, le=168)

    _dedupe = field_validator("skills")(_dedupe)


class MemberUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    email: Email | None = None
    role: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    skills: Skills | None = None
    weekly_capacity_hours: float | None = Field(default=None, ge=0, le=168)

    _dedupe = field_validator("skills")(_dedupe)


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    project_id: str
    name: str
    email: str | None
    role: str
    skills: list[str]
    weekly_capacity_hours: float
    version: int
    created_at: datetime
    updated_at: datetime
