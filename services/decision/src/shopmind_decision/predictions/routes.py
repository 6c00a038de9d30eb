"""Prediction endpoints: single, batch, and fetch by id."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shopmind_decision.deps import ModelsDep, SessionDep, StateDep
from shopmind_decision.predictions.schemas import (
    BatchPredictIn,
    BatchPredictionOut,
    ModelRef,
    PredictIn,
    PredictionOut,
)
from shopmind_decision.predictions.service import ARROW_STREAM, predictions
from shopmind_decision.registry.schemas import Alias

router = APIRouter(prefix="/v1/decision/predictions", tags=["predictions"])


@router.post("", response_model=PredictionOut, status_code=201)
async def predict(body: PredictIn, session: SessionDep, models: ModelsDep) -> PredictionOut:
    """Score one row from the champion (or a named version) and explain it."""
    return await predictions.predict(session, models, body)


def _json(out: BatchPredictionOut) -> Response:
    # Serialised once by pydantic-core; large batches skip FastAPI's re-validation.
    return Response(out.model_dump_json(exclude_none=True), status_code=201,
                    media_type="application/json")


@router.post("/batch", response_model=BatchPredictionOut, status_code=201)
async def predict_batch(body: BatchPredictIn, session: SessionDep, models: ModelsDep,
                        state: StateDep) -> Response:
    """Score many rows; each gets a prediction id."""
    return _json(await predictions.predict_batch(session, models, body,
                                                 state.settings.max_batch_rows))


@router.post("/batch/arrow", response_model=BatchPredictionOut, status_code=201,
             openapi_extra={"requestBody": {"required": True, "content": {
                 ARROW_STREAM: {"schema": {"type": "string", "format": "binary"}}}}})
async def predict_batch_arrow(
        request: Request, session: SessionDep, models: ModelsDep, state: StateDep,
        model: str = Query(pattern=r"^[a-z][a-z0-9_-]{0,63}$"),
        version: int | None = Query(default=None, ge=1), alias: Alias | None = None,
        explain: bool = False, top_k: int = Query(default=5, ge=1, le=200)) -> Response:
    """Score the rows of an Arrow IPC stream whose columns are feature names."""
    out = await predictions.predict_arrow(
        session, models, await request.body(),
        ref=ModelRef(model=model, version=version, alias=alias), explain=explain, top_k=top_k,
        max_rows=state.settings.max_batch_rows)
    return _json(out)


@router.get("/{prediction_id}", response_model=PredictionOut)
async def get_prediction(prediction_id: str, session: SessionDep, models: ModelsDep,
                         top_k: int | None = Query(default=None, ge=1, le=200)) -> PredictionOut:
    """A stored prediction with its explanation."""
    return await predictions.get(session, models, prediction_id, top_k)
