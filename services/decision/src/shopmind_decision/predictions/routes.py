"""Prediction endpoints: single, batch, and fetch by id.

Answers are serialised once with orjson (`response_model` only documents them),
and no database session is opened unless the request needs one: the stored copy
goes through the app's `PredictionStore`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shopmind_decision.deps import ModelsDep, StateDep
from shopmind_decision.predictions.schemas import (
    BatchPredictIn,
    BatchPredictionOut,
    ModelRef,
    PredictIn,
    PredictionOut,
)
from shopmind_decision.predictions.service import (
    ARROW_STREAM,
    ScoredBatch,
    predictions,
    to_json,
)
from shopmind_decision.registry.schemas import Alias

router = APIRouter(prefix="/v1/decision/predictions", tags=["predictions"])

_BATCH_RESPONSES: dict[int | str, dict[str, Any]] = {201: {"content": {ARROW_STREAM: {
    "schema": {"type": "string", "format": "binary",
               "description": "with `Accept: application/vnd.apache.arrow.stream`: columns "
                              "prediction_id, score (and base_value, contribution.<feature> "
                              "when explained); batch_id, model, version, output in the "
                              "schema metadata"}}}}}


def _json(payload: bytes, status_code: int = 200) -> Response:
    return Response(payload, status_code=status_code, media_type="application/json")


def _wants_arrow(request: Request) -> bool:
    return ARROW_STREAM in request.headers.get("accept", "")


def _batch_response(out: ScoredBatch) -> Response:
    if out.arrow:
        return Response(out.answer, status_code=201, media_type=ARROW_STREAM,
                        headers={"x-decision-batch-id": out.batch_id})
    return _json(out.answer, 201)


@router.post("", response_model=PredictionOut, status_code=201)
async def predict(body: PredictIn, state: StateDep, models: ModelsDep) -> Response:
    """Score one row from the champion (or a named version) and explain it."""
    return _json(to_json(await predictions.predict(models, state.predictions, body)), 201)


@router.post("/batch", response_model=BatchPredictionOut, status_code=201,
             responses=_BATCH_RESPONSES)
async def predict_batch(request: Request, body: BatchPredictIn, models: ModelsDep,
                        state: StateDep) -> Response:
    """Score many rows; each gets a prediction id."""
    out = await predictions.predict_batch(models, state.predictions, body,
                                          state.settings.max_batch_rows, _wants_arrow(request))
    return _batch_response(out)


@router.post("/batch/arrow", response_model=BatchPredictionOut, status_code=201,
             responses=_BATCH_RESPONSES,
             openapi_extra={"requestBody": {"required": True, "content": {
                 ARROW_STREAM: {"schema": {"type": "string", "format": "binary"}}}}})
async def predict_batch_arrow(
        request: Request, models: ModelsDep, state: StateDep,
        model: str = Query(pattern=r"^[a-z][a-z0-9_-]{0,63}$"),
        version: int | None = Query(default=None, ge=1), alias: Alias | None = None,
        explain: bool = False, top_k: int = Query(default=5, ge=1, le=200)) -> Response:
    """Score the rows of an Arrow IPC stream whose columns are feature names."""
    out = await predictions.predict_arrow(
        models, state.predictions, await request.body(),
        ref=ModelRef(model=model, version=version, alias=alias), explain=explain, top_k=top_k,
        max_rows=state.settings.max_batch_rows, arrow=_wants_arrow(request))
    return _batch_response(out)


@router.get("/writes", tags=["ops"])
async def prediction_writes(state: StateDep) -> dict[str, Any]:
    """Where stored predictions stand: write mode, rows and batches not yet written (write
    behind), the buffer's limit, the last write error if the last flush failed, and the
    retention with its last sweep."""
    return {**state.predictions.describe(), **state.retention.describe()}


@router.get("/{prediction_id}", response_model=PredictionOut)
async def get_prediction(prediction_id: str, state: StateDep, models: ModelsDep,
                         top_k: int | None = Query(default=None, ge=1, le=200)) -> Response:
    """A stored prediction with its explanation."""
    return _json(to_json(await predictions.get(models, state.predictions, prediction_id,
                                               top_k)))
