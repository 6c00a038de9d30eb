"""The behaviour feature store: validate and keep events, serve point-in-time features from them."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from shopmind.events import BEHAVIOR_EVENT, BehaviorEvent
from shopmind_common.errors import Unprocessable
from shopmind_common.events import Event, EventBus, new_event
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.behavior import repository
from shopmind_decision.behavior.schemas import (
    ACTIONS,
    BehaviorEventIn,
    BehaviorRecord,
    EventsAccepted,
    ItemFeatures,
    UserFeatures,
)
from shopmind_decision.features.definitions import FEATURE_SETS
from shopmind_decision.features.pointintime import PointInTimeView, compute_features

FUTURE_TOLERANCE = timedelta(days=1)
USER_LOOKBACK_DAYS = 364
POPULATION_LOOKBACK_DAYS = 91  # the longest window any population-level feature reads


class InvalidBehaviorEvent(ValueError):
    """A behaviour event no retry can fix; it is dead-lettered and never stored."""

    def __init__(self, event_id: str, field_name: str, reason: str) -> None:
        super().__init__(f"behavior.event {event_id}: field {field_name!r} {reason}")
        self.field = field_name
        self.reason = reason


def day_of(at: datetime) -> int:
    return int(at.timestamp() // 86400)


def today() -> int:
    return day_of(datetime.now(UTC))


def date_day(value: date | None) -> int | None:
    if value is None:
        return None
    return day_of(datetime(value.year, value.month, value.day, tzinfo=UTC))


def iso_day(day: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)).date().isoformat()


def to_payload(event: BehaviorEventIn) -> BehaviorEvent:
    payload = BehaviorEvent(
        user_id=event.user_id, product_id=event.product_id, action=event.action,
        quantity=event.quantity, price=event.price, session_id=event.session_id,
        category=event.category, discount=event.discount)
    at = event.at if event.at.tzinfo is not None else event.at.replace(tzinfo=UTC)
    payload.at.FromDatetime(at.astimezone(UTC))
    return payload


def validate(event_id: str, payload: BehaviorEvent, *, now: datetime | None = None
             ) -> BehaviorRecord:
    """Check one payload field by field; raise InvalidBehaviorEvent naming the first bad one."""

    def bad(name: str, reason: str) -> InvalidBehaviorEvent:
        return InvalidBehaviorEvent(event_id, name, reason)

    for name in ("user_id", "product_id", "category"):
        value = getattr(payload, name)
        if not value.strip():
            raise bad(name, "is empty")
        if len(value) > (200 if name == "category" else 128):
            raise bad(name, "is too long")
    if payload.action not in ACTIONS:
        raise bad("action", f"is {payload.action!r}, expected one of {', '.join(ACTIONS)}")
    if payload.quantity < 0 or (payload.action == "purchase" and payload.quantity < 1):
        raise bad("quantity", f"is {payload.quantity}, a {payload.action} needs at least "
                  f"{1 if payload.action == 'purchase' else 0}")
    for name in ("price", "discount"):
        value = getattr(payload, name)
        if not math.isfinite(value) or value < 0:
            raise bad(name, f"is {value}, expected a finite number >= 0")
    if not payload.HasField("at") or payload.at.seconds <= 0:
        raise bad("at", "is missing")
    at = payload.at.ToDatetime(tzinfo=UTC)
    if at > (now or datetime.now(UTC)) + FUTURE_TOLERANCE:
        raise bad("at", f"is {at.isoformat()}, in the future")
    return BehaviorRecord(
        event_id=event_id, user_id=payload.user_id, product_id=payload.product_id,
        category=payload.category, action=payload.action, quantity=int(payload.quantity),
        price=float(payload.price), discount=float(payload.discount),
        session_id=payload.session_id, occurred_at=at, day=day_of(at))


@dataclass
class _Population:
    as_of: int
    loaded_at: float
    frame: pd.DataFrame


@dataclass
class BehaviorService:
    """Stateless apart from a short-lived cache of population activity for online features."""

    population_ttl_s: float = 300.0
    _population: dict[tuple[str, int], _Population] = field(default_factory=dict)

    async def ingest(self, session: AsyncSession, events: Sequence[Event]) -> int:
        """Validate every event first, then store them all or none; returns rows added."""
        records = []
        for event in events:
            if not isinstance(event.payload, BehaviorEvent):
                raise InvalidBehaviorEvent(event.event_id, "payload",
                                           f"is a {type(event.payload).__name__}")
            records.append(validate(event.event_id, event.payload))
        return int(await repository.insert_events(session, records))

    async def publish(self, bus: EventBus, events: Sequence[BehaviorEventIn]) -> EventsAccepted:
        """Validate and publish events; nothing is published when one is invalid."""
        out = []
        for i, event in enumerate(events):
            payload = to_payload(event)
            try:
                validate("-", payload)
            except InvalidBehaviorEvent as exc:
                raise Unprocessable(f"invalid input: body.events.{i}.{exc.field} {exc.reason}",
                                    details=[{"field": f"body.events.{i}.{exc.field}",
                                              "message": exc.reason}]) from exc
            out.append(new_event(BEHAVIOR_EVENT, payload, key=event.user_id,
                                 producer="decision"))
        await bus.publish_many(out)
        return EventsAccepted(accepted=len(out), event_ids=[e.event_id for e in out])

    async def training_activity(self, session: AsyncSession,
                                categories: Sequence[str] | None = None) -> pd.DataFrame:
        """All daily activity in the store (for training jobs)."""
        first, last = await repository.day_range(session)
        if first is None or last is None:
            return pd.DataFrame(columns=repository.ACTIVITY_COLUMNS)
        return await repository.activity(session, since_day=first, until_day=last + 1,
                                         categories=categories)

    async def _population_frame(self, session: AsyncSession, as_of: int) -> pd.DataFrame:
        # One entry per database (several apps may share this process) and as_of day.
        key = (str(getattr(session.bind, "url", "")), as_of)
        cached = self._population.get(key)
        if cached is not None and time.monotonic() - cached.loaded_at < self.population_ttl_s:
            return cached.frame
        frame = await repository.activity(
            session, since_day=as_of - POPULATION_LOOKBACK_DAYS, until_day=as_of)
        fresh = {k: v for k, v in self._population.items()
                 if time.monotonic() - v.loaded_at < self.population_ttl_s and k[0] != key[0]}
        fresh[key] = _Population(as_of, time.monotonic(), frame)
        self._population = fresh
        return frame

    async def user_features(self, session: AsyncSession, user_id: str,
                            categories: Sequence[str], as_of: int | None = None
                            ) -> pd.DataFrame:
        """Propensity features for one shopper and some categories, from days before `as_of`.

        The shopper's own year of activity is read directly; features about the
        category across shoppers read a cached population window.
        """
        as_of = today() + 1 if as_of is None else as_of
        categories = list(dict.fromkeys(categories))  # a repeated category is asked once
        own = await repository.activity(session, user_id=user_id,
                                        since_day=as_of - USER_LOOKBACK_DAYS, until_day=as_of)
        population = await self._population_frame(session, as_of)
        others = population[population["user_id"] != user_id]
        frame = pd.concat([own, others], ignore_index=True) if len(others) else own
        index = pd.MultiIndex.from_product([[user_id], list(categories)],
                                           names=["user_id", "category"])
        view = PointInTimeView(frame, as_of, index)
        return compute_features(view, FEATURE_SETS["propensity"])

    async def category_features(self, session: AsyncSession, categories: Sequence[str],
                                as_of: int | None = None) -> pd.DataFrame:
        """Demand features for some categories for the week starting at `as_of`."""
        from shopmind_decision.training.demand import category_daily

        as_of = today() + 1 if as_of is None else as_of
        specs = FEATURE_SETS["demand"]
        lookback = min(s.window[0] for s in specs)
        frame = await repository.activity(session, since_day=as_of + lookback, until_day=as_of,
                                          categories=categories)
        view = PointInTimeView(category_daily(frame), as_of,
                               pd.Index(list(categories), name="category"))
        return compute_features(view, specs)

    async def weekly_units(self, session: AsyncSession, category: str, weeks: int,
                           as_of: int | None = None) -> list[tuple[int, float]]:
        """Units sold per week for the last `weeks` weeks before `as_of` (oldest first)."""
        as_of = today() + 1 if as_of is None else as_of
        frame = await repository.activity(session, since_day=as_of - 7 * weeks, until_day=as_of,
                                          categories=[category])
        out = []
        for w in range(weeks, 0, -1):
            start = as_of - 7 * w
            mask = (frame["day"] >= start) & (frame["day"] < start + 7)
            out.append((start, float(frame.loc[mask, "units"].sum())))
        return out

    async def user_features_out(self, session: AsyncSession, user_id: str,
                                categories: Sequence[str], as_of: date | None) -> UserFeatures:
        day = date_day(as_of) or today() + 1
        frame = await self.user_features(session, user_id, categories, day)
        by_cat = {str(cat): {k: float(v) for k, v in row.items()}
                  for (_, cat), row in frame.to_dict(orient="index").items()}
        return UserFeatures(user_id=user_id, as_of=iso_day(day), features=by_cat)

    async def item_features_out(self, session: AsyncSession, product_id: str,
                                as_of: date | None) -> ItemFeatures:
        day = date_day(as_of) or today() + 1
        return ItemFeatures(product_id=product_id, as_of=iso_day(day),
                            features=await self.item_features(session, product_id, day))

    async def item_features(self, session: AsyncSession, product_id: str,
                            as_of: int | None = None) -> dict[str, float]:
        """Per-product popularity, engagement, discount and trend over recent windows."""
        as_of = today() + 1 if as_of is None else as_of
        frame = await repository.item_activity(session, product_id, since_day=as_of - 91,
                                               until_day=as_of)

        def window(days: int, col: str) -> float:
            return float(frame.loc[frame["day"] >= as_of - days, col].sum())

        spend, disc = window(28, "spend"), window(28, "discount")
        units_28, units_91 = window(28, "units"), window(91, "units")
        return {
            "units_7": window(7, "units"), "units_28": units_28, "units_91": units_91,
            "buyer_days_28": window(28, "buyers"), "views_7": window(7, "views"),
            "carts_7": window(7, "carts"), "spend_28": spend,
            "discount_rate_28": disc / (spend + disc) if spend + disc > 0 else 0.0,
            "trend_28_91": float((units_28 + 1) / (units_91 * 28 / 91 + 1)),
            "last_active_days_ago": float(as_of - frame["day"].max()) if len(frame) else 365.0,
        }


behavior = BehaviorService()
