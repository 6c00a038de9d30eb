"""Lexicon terms users add: aspects (zh and en), brands and products."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

LexiconKind = Literal["aspect", "brand", "product"]


class TermIn(BaseModel):
    term: str = Field(min_length=1, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=50)


class TermsIn(BaseModel):
    terms: list[TermIn] = Field(min_length=1, max_length=1000)


class TermOut(BaseModel):
    term: str
    aliases: list[str]
    source: Literal["builtin", "user"]


class LexiconOut(BaseModel):
    kind: LexiconKind
    terms: list[TermOut]
