"""Behaviour events as the feature store keeps them, and the HTTP shapes around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ACTIONS = ("view", "cart", "purchase")


@dataclass(frozen=True)
class BehaviorRecord:
    """One validated behaviour event, ready for the store."""

    event_id: str
    user_id: str
    product_id: str
    category: str
    action: str
    quantity: int
    price: float
    discount: float
    session_id: str
    occurred_at: datetime
    day: int

    def row(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id, "user_id": self.user_id, "product_id": self.product_id,
            "category": self.category, "action": self.action, "quantity": self.quantity,
            "price": self.price, "discount": self.discount, "session_id": self.session_id,
            "occurred_at": self.occurred_at, "day": self.day,
        }


class BehaviorEventIn(BaseModel):
    """A behaviour event sent over HTTP; it is published as `behavior.event`."""

    user_id: str = Field(min_length=1, max_length=128)
    product_id: str = Field(min_length=1, max_length=128)
    category: str = Field(min_length=1, max_length=200)
    action: Literal["view", "cart", "purchase"]
    quantity: int = Field(default=1, ge=0, le=1_000_000)
    price: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    discount: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    at: datetime
    session_id: str = Field(default="", max_length=128)


class BehaviorEventsIn(BaseModel):
    events: list[BehaviorEventIn] = Field(min_length=1, max_length=5000)


class EventsAccepted(BaseModel):
    accepted: int
    event_ids: list[str]


class UserFeatures(BaseModel):
    user_id: str
    as_of: str
    features: dict[str, dict[str, float]]  # category -> feature -> value


class ItemFeatures(BaseModel):
    product_id: str
    as_of: str
    features: dict[str, float]
