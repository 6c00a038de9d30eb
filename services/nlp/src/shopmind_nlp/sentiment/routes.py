"""Sentiment endpoints and the trained-model registry."""

from __future__ import annotations

from fastapi import APIRouter
from shopmind_nlp.deps import DatabaseDep, EngineDep
from shopmind_nlp.sentiment.schemas import (
    ActivateIn,
    ModelOut,
    ModelsOut,
    SentimentIn,
    SentimentResults,
    TrainIn,
)
from shopmind_nlp.sentiment.service import sentiment_service

router = APIRouter(prefix="/v1/nlp", tags=["sentiment"])


@router.post("/sentiment", response_model=SentimentResults)
async def sentiment(body: SentimentIn, engine: EngineDep, db: DatabaseDep) -> SentimentResults:
    """Score sentiment in [-1, 1] with a label and the backend that produced it."""
    return await sentiment_service.score(engine, db, body)


@router.post("/models/sentiment:train", response_model=ModelOut, status_code=201)
async def train(body: TrainIn, engine: EngineDep, db: DatabaseDep) -> ModelOut:
    """Train a sentiment head on labelled texts; stored as a new version with its metrics."""
    return await sentiment_service.train(engine, db, body)


@router.get("/models/sentiment", response_model=ModelsOut)
async def list_models(engine: EngineDep, db: DatabaseDep) -> ModelsOut:
    """Trained sentiment versions, their metrics and which one is active."""
    return await sentiment_service.list_models(engine, db)


@router.post("/models/sentiment:activate", response_model=ModelsOut)
async def activate(body: ActivateIn, engine: EngineDep, db: DatabaseDep) -> ModelsOut:
    """Make a trained version the active one (null: back to the builtin scorer)."""
    return await sentiment_service.activate(engine, db, body.version)
