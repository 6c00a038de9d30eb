"""Every query on the behaviour-event store."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from shopmind_decision.behavior.schemas import BehaviorRecord
from shopmind_decision.tables import behavior_events as ev

ACTIVITY_COLUMNS = ["user_id", "category", "day", "baskets", "units", "spend", "discount",
                    "views", "carts"]


def _measures() -> list:  # type: ignore[type-arg]
    purchase = ev.c.action == "purchase"
    basket = func.coalesce(func.nullif(ev.c.session_id, ""), ev.c.event_id)
    return [
        func.count(distinct(case((purchase, basket), else_=None))).label("baskets"),
        func.sum(case((purchase, ev.c.quantity), else_=0)).label("units"),
        func.sum(case((purchase, ev.c.price * ev.c.quantity), else_=0.0)).label("spend"),
        func.sum(case((purchase, ev.c.discount), else_=0.0)).label("discount"),
        func.sum(case((ev.c.action == "view", 1), else_=0)).label("views"),
        func.sum(case((ev.c.action == "cart", 1), else_=0)).label("carts"),
    ]


async def insert_events(session: AsyncSession, records: Sequence[BehaviorRecord]) -> int:
    """Insert events, skipping ids already stored (redelivery is a no-op); returns rows added."""
    if not records:
        return 0
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    rows = [r.row() for r in records]
    added = 0
    for start in range(0, len(rows), 1000):  # keep under bound-parameter limits
        stmt = insert(ev).values(rows[start:start + 1000]).on_conflict_do_nothing(
            index_elements=["event_id"])
        result = await session.execute(stmt)
        added += max(result.rowcount or 0, 0)  # type: ignore[attr-defined]
    return added


async def activity(session: AsyncSession, *, since_day: int, until_day: int,
                   user_id: str | None = None, exclude_user: str | None = None,
                   categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Daily (user, category) activity with since_day <= day < until_day."""
    conds = [ev.c.day >= since_day, ev.c.day < until_day]
    if user_id is not None:
        conds.append(ev.c.user_id == user_id)
    if exclude_user is not None:
        conds.append(ev.c.user_id != exclude_user)
    if categories:
        conds.append(ev.c.category.in_(list(categories)))
    stmt = (select(ev.c.user_id, ev.c.category, ev.c.day, *_measures())
            .where(and_(*conds)).group_by(ev.c.user_id, ev.c.category, ev.c.day))
    rows = (await session.execute(stmt)).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=ACTIVITY_COLUMNS)
    for col in ACTIVITY_COLUMNS[3:]:
        frame[col] = frame[col].astype("float64")
    frame["day"] = frame["day"].astype("int64")
    return frame


async def item_activity(session: AsyncSession, product_id: str, *, since_day: int,
                        until_day: int) -> pd.DataFrame:
    """Daily activity of one product, with distinct buyers per day."""
    stmt = (select(ev.c.day, *_measures(),
                   func.count(distinct(case((ev.c.action == "purchase", ev.c.user_id),
                                            else_=None))).label("buyers"))
            .where(ev.c.product_id == product_id, ev.c.day >= since_day, ev.c.day < until_day)
            .group_by(ev.c.day))
    rows = (await session.execute(stmt)).all()
    cols = ["day", "baskets", "units", "spend", "discount", "views", "carts", "buyers"]
    frame = pd.DataFrame([tuple(r) for r in rows], columns=cols)
    return frame.astype("float64")


async def day_range(session: AsyncSession) -> tuple[int | None, int | None]:
    row = (await session.execute(select(func.min(ev.c.day), func.max(ev.c.day)))).one()
    return row[0], row[1]


async def count_events(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(ev))).scalar_one())
