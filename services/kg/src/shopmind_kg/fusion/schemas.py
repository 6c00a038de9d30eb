"""Answers of the import endpoints."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ImportOut(BaseModel):
    source: str = Field(description="the provenance every imported relation carries")
    statements: int
    relations_written: int
    aliases_written: int
    nodes: int
    linked: int = Field(description="imported names that resolved to known nodes (graph, lexicon "
                                    "or aliases) rather than new ones")
    skipped: int = Field(description="statements with nothing to import (e.g. plain literals)")


class RetractOut(BaseModel):
    source: str
    relations_removed: int
    nodes_touched: int
