"""Behaviour endpoints: send events, read point-in-time features."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query

from shopmind_decision.behavior.schemas import (
    BehaviorEventsIn,
    EventsAccepted,
    ItemFeatures,
    UserFeatures,
)
from shopmind_decision.behavior.service import behavior
from shopmind_decision.deps import SessionDep, StateDep

router = APIRouter(prefix="/v1/decision", tags=["behavior"])


@router.post("/events", response_model=EventsAccepted, status_code=202)
async def publish_events(body: BehaviorEventsIn, state: StateDep) -> EventsAccepted:
    """Publish behaviour events onto `behavior.event` (the store consumes them)."""
    return await behavior.publish(state.bus, body.events)


@router.get("/features/users/{user_id}", response_model=UserFeatures)
async def user_features(user_id: str, session: SessionDep,
                        category: list[str] = Query(min_length=1, max_length=200),
                        as_of: date | None = None) -> UserFeatures:
    """Propensity features of one shopper for some categories, as of a date."""
    return await behavior.user_features_out(session, user_id, category, as_of)


@router.get("/features/items/{product_id}", response_model=ItemFeatures)
async def item_features(product_id: str, session: SessionDep,
                        as_of: date | None = None) -> ItemFeatures:
    """Popularity, engagement, discount and trend features of one product."""
    return await behavior.item_features_out(session, product_id, as_of)
