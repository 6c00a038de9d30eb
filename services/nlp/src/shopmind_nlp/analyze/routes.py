"""The analyze endpoint."""

from __future__ import annotations

from fastapi import APIRouter, Response
from shopmind_nlp.analyze.schemas import AnalyzeIn, AnalyzeResults
from shopmind_nlp.analyze.service import analyze_service
from shopmind_nlp.deps import DatabaseDep, EngineDep

router = APIRouter(prefix="/v1/nlp", tags=["analyze"])


@router.post("/analyze", response_model=AnalyzeResults)
async def analyze(body: AnalyzeIn, engine: EngineDep, db: DatabaseDep) -> Response:
    """Language, sentiment, aspects, entities and keywords for one review or a batch."""
    return Response(await analyze_service.analyze_json(engine, db, body),
                    media_type="application/json")
