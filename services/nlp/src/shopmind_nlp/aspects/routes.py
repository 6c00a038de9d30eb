"""Aspect-level sentiment endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from shopmind_nlp.aspects.schemas import AspectsResults
from shopmind_nlp.aspects.service import aspect_service
from shopmind_nlp.deps import EngineDep
from shopmind_nlp.schemas import TextsIn

router = APIRouter(prefix="/v1/nlp", tags=["aspects"])


@router.post("/aspects", response_model=AspectsResults)
async def aspects(body: TextsIn, engine: EngineDep) -> AspectsResults:
    """Aspect–opinion pairs with polarity and offsets, one entry per aspect."""
    return await aspect_service.extract(engine, body)
