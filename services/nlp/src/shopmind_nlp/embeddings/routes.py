"""Embedding and similarity endpoints."""

from __future__ import annotations

from fastapi import APIRouter
from shopmind_nlp.deps import EngineDep
from shopmind_nlp.embeddings.schemas import EmbedIn, EmbedOut, SimilarityIn, SimilarityOut
from shopmind_nlp.embeddings.service import embedding_service

router = APIRouter(prefix="/v1/nlp", tags=["embeddings"])


@router.post("/embed", response_model=EmbedOut)
async def embed(body: EmbedIn, engine: EngineDep) -> EmbedOut:
    """512-d multilingual sentence vectors (L2-normalised)."""
    return await embedding_service.embed(engine, body)


@router.post("/similarity", response_model=SimilarityOut)
async def similarity(body: SimilarityIn, engine: EngineDep) -> SimilarityOut:
    """Cosine similarity of pairs, or the top-k candidates for a query."""
    return await embedding_service.similarity(engine, body)
