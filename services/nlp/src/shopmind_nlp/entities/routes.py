"""Entity endpoint."""

from __future__ import annotations

from fastapi import APIRouter
from shopmind_nlp.deps import EngineDep
from shopmind_nlp.entities.schemas import EntitiesIn, EntitiesResults
from shopmind_nlp.entities.service import entity_service

router = APIRouter(prefix="/v1/nlp", tags=["entities"])


@router.post("/entities", response_model=EntitiesResults)
async def entities(body: EntitiesIn, engine: EngineDep) -> EntitiesResults:
    """Brands, products, organisations, people, places, money and quantities with offsets."""
    return await entity_service.extract(engine, body)
