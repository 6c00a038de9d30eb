"""Performance advice endpoint."""

from __future__ import annotations

from fastapi import APIRouter

from shopmind_devassist.deps import SettingsDep
from shopmind_devassist.perf.schemas import Advice, AdviceRequest
from shopmind_devassist.perf.service import advice
from shopmind_devassist.responses import error_responses

router = APIRouter(prefix="/v1/devassist/perf", tags=["perf"])


@router.post("/advice", response_model=Advice, responses=error_responses(413, 422))
async def performance_advice(body: AdviceRequest, settings: SettingsDep) -> Advice:
    """Performance findings in Python source, each with a reason and a rewrite."""
    return await advice.advise(body, settings)
