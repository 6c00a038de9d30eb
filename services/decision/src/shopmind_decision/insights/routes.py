"""Insight endpoints."""

from __future__ import annotations

from fastapi import APIRouter

from shopmind_decision.deps import ModelsDep, SessionDep, StateDep
from shopmind_decision.insights.schemas import InsightOut, TrendIn
from shopmind_decision.insights.service import insights

router = APIRouter(prefix="/v1/decision/insights", tags=["insights"])


@router.post("/predictions/{prediction_id}", response_model=InsightOut)
async def prediction_insight(prediction_id: str, models: ModelsDep, state: StateDep
                             ) -> InsightOut:
    """A plain-language summary of what drives a stored prediction."""
    return await insights.for_prediction(models, state.predictions, state.settings,
                                         prediction_id)


@router.post("/trends", response_model=InsightOut)
async def trend_insight(body: TrendIn, session: SessionDep, models: ModelsDep,
                        state: StateDep) -> InsightOut:
    """A plain-language summary of a category's demand trend and its forecast drivers."""
    return await insights.for_trend(session, models, state.predictions, state.settings, body)
