"""Knowledge import endpoints under /v1/kg/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from shopmind_common.errors import BadRequest, PayloadTooLarge

from shopmind_kg.deps import FusionServiceDep
from shopmind_kg.fusion.schemas import ImportOut, RetractOut
from shopmind_kg.fusion.service import Format

router = APIRouter(prefix="/v1/kg", tags=["fusion"])


@router.post("/import", response_model=ImportOut, openapi_extra={"requestBody": {
    "content": {"application/n-triples": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}}}, "required": True}})
async def import_triples(
    request: Request, fusion: FusionServiceDep,
    source: Annotated[str, Query(min_length=1, max_length=100,
                                 description="provenance name, e.g. brand-registry-2024")],
    format: Annotated[Format, Query(description="ntriples or csv")] = "ntriples",
    confidence: Annotated[float, Query(gt=0.0, le=1.0)] = 1.0,
) -> ImportOut:
    """Import N-Triples or CSV triples, linked to existing nodes by the resolution rules."""
    limit = request.app.state.settings.import_max_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes (KG_IMPORT_MAX_BYTES)",
                                  details={"limit": limit})
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("the body is not UTF-8", details=[{"field": "body"}]) from exc
    return await fusion.import_text(text, format, source, confidence)


@router.delete("/sources/{source}", response_model=RetractOut)
async def retract_source(source: str, fusion: FusionServiceDep) -> RetractOut:
    """Remove everything one import contributed; relations left without a source go."""
    return await fusion.retract(source)
