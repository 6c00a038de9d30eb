"""Generation endpoint (JSON or server-sent events)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from shopmind_nlp.deps import EngineDep
from shopmind_nlp.generation.schemas import GenerateIn, GenerateOut
from shopmind_nlp.generation.service import generation_service

router = APIRouter(prefix="/v1/nlp", tags=["generation"])


@router.post("/generate", response_model=GenerateOut,
             responses={200: {"content": {"text/event-stream": {}}}})
async def generate(body: GenerateIn, engine: EngineDep) -> GenerateOut | StreamingResponse:
    """Generate text; `stream: true` answers with server-sent events."""
    if body.stream:
        return StreamingResponse(generation_service.stream(engine, body),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache"})
    return await generation_service.generate(engine, body)
