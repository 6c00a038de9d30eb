"""Keyword endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from shopmind_nlp.deps import EngineDep
from shopmind_nlp.keywords.schemas import KeywordsIn, KeywordsResults
from shopmind_nlp.keywords.service import keyword_service

router = APIRouter(prefix="/v1/nlp", tags=["keywords"])


@router.post("/keywords", response_model=KeywordsResults)
async def keywords(body: KeywordsIn, engine: EngineDep) -> KeywordsResults:
    """Top-k keywords with scores (TF-IDF or TextRank for Chinese, noun chunks for English)."""
    return await keyword_service.extract(engine, body)
