"""The feature sets: propensity (per user and category) and demand (per category and week).

Every feature reads only windows that end at `as_of` or earlier; the leakage
guard in `pointintime` checks both what a feature declares and what it read.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from shopmind_decision.features.pointintime import FeatureSpec, Level, PointInTimeView

NEVER_DAYS = 365.0  # recency for "never in the lookback"; also the cap

Compute = Callable[[PointInTimeView], pd.Series]


def _col(view: PointInTimeView, level: Level, start: int, end: int, col: str) -> pd.Series:
    agg = view.agg(level, start, end)
    values = agg[col] if col in agg.columns else pd.Series(dtype="float64")
    return view.align(values, level).astype("float64").fillna(0.0)


def _sum(level: Level, col: str, days: int) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        return _col(view, level, -days, 0, col)

    return compute


def _recency(level: Level, days: int = 364) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        agg = view.agg(level, -days, 0)
        last = view.align(agg["last_day"], level).astype("float64")
        return (view.as_of - last).fillna(NEVER_DAYS).clip(upper=NEVER_DAYS)

    return compute


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    out = num / den.replace(0, np.nan)
    return out.fillna(0.0)


def _share(col: str, days: int) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        return _ratio(_col(view, "user_category", -days, 0, col),
                      _col(view, "user", -days, 0, col))

    return compute


def _discount_rate(level: Level, days: int) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        disc = _col(view, level, -days, 0, "discount")
        spend = _col(view, level, -days, 0, "spend")
        return _ratio(disc, spend + disc)

    return compute


def _trend(level: Level, col: str, short: int, long: int) -> Compute:
    """Rate over the short window against the rate over the long one (1 = steady)."""

    def compute(view: PointInTimeView) -> pd.Series:
        s = _col(view, level, -short, 0, col)
        lg = _col(view, level, -long, 0, col)
        return (s + 1.0) / (lg * short / long + 1.0)

    return compute


def _gap_ratio(view: PointInTimeView) -> pd.Series:
    """Days since the last purchase in the category over the user's usual gap for it."""
    days = 182
    active = _col(view, "user_category", -days, 0, "active_days")
    usual_gap = days / active.replace(0, np.nan)
    since = _recency("user_category")(view)
    return (since / usual_gap).fillna(NEVER_DAYS / days).clip(upper=50.0)


def _user_gap_ratio(view: PointInTimeView) -> pd.Series:
    """Days since the shopper's last trip over their usual gap between trips."""
    days = 91
    trips = _col(view, "user", -days, 0, "active_days")
    usual_gap = days / trips.replace(0, np.nan)
    since = _recency("user")(view)
    return (since / usual_gap).fillna(NEVER_DAYS / days).clip(upper=50.0)


def _expected_baskets_14(view: PointInTimeView) -> pd.Series:
    """Trips the shopper makes in 14 days (at the 28-day pace) times the share with the category."""
    share = _ratio(_col(view, "user_category", -182, 0, "active_days"),
                   _col(view, "user", -182, 0, "active_days"))
    return share * _col(view, "user", -28, 0, "active_days") / 2.0


def _category_buyer_share(view: PointInTimeView) -> pd.Series:
    days = 28
    cat = view.agg("category", -days, 0)
    users = view.agg("user", -days, 0)
    active_users = float((users["active_days"] > 0).sum()) or 1.0
    buyers = cat["buyers"] if "buyers" in cat.columns else cat["active_days"]
    return view.align(buyers / active_users, "category").astype("float64").fillna(0.0)


def _user_breadth(view: PointInTimeView) -> pd.Series:
    uc = view.agg("user_category", -91, 0)
    breadth = (uc["baskets"] > 0).groupby(level="user_id", observed=True).sum()
    return view.align(breadth, "user").astype("float64").fillna(0.0)


PROPENSITY_FEATURES: tuple[FeatureSpec, ...] = (
    # recency, frequency, monetary for the user and category
    FeatureSpec("uc_days_since_last", "days since the shopper last bought in this category",
                (-364, 0), _recency("user_category"), "recency", NEVER_DAYS),
    FeatureSpec("uc_baskets_7", "baskets with this category in the last 7 days",
                (-7, 0), _sum("user_category", "baskets", 7), "trend"),
    FeatureSpec("uc_baskets_28", "baskets with this category in the last 28 days",
                (-28, 0), _sum("user_category", "baskets", 28), "frequency"),
    FeatureSpec("uc_baskets_91", "baskets with this category in the last 91 days",
                (-91, 0), _sum("user_category", "baskets", 91), "frequency"),
    FeatureSpec("uc_baskets_182", "baskets with this category in the last 182 days",
                (-182, 0), _sum("user_category", "baskets", 182), "frequency"),
    FeatureSpec("uc_baskets_364", "baskets with this category in the last 364 days",
                (-364, 0), _sum("user_category", "baskets", 364), "frequency"),
    FeatureSpec("uc_units_28", "units bought in this category in the last 28 days",
                (-28, 0), _sum("user_category", "units", 28), "frequency"),
    FeatureSpec("uc_spend_91", "money spent in this category in the last 91 days",
                (-91, 0), _sum("user_category", "spend", 91), "monetary"),
    FeatureSpec("uc_gap_ratio", "days since the last purchase in this category relative to "
                "the shopper's usual gap between purchases in it",
                (-364, 0), _gap_ratio, "recency", NEVER_DAYS / 182),
    # category affinity
    FeatureSpec("uc_share_spend_91", "share of the shopper's spend that went to this category "
                "(91 days)", (-91, 0), _share("spend", 91), "affinity"),
    FeatureSpec("uc_share_trips_91", "share of the shopper's shopping days that included this "
                "category (91 days)", (-91, 0), _share("active_days", 91), "affinity"),
    FeatureSpec("uc_share_trips_182", "share of the shopper's shopping days that included this "
                "category (182 days)", (-182, 0), _share("active_days", 182), "affinity"),
    FeatureSpec("uc_expected_baskets_14", "baskets with this category to expect in 14 days at the "
                "shopper's recent trip pace and usual category share", (-182, 0),
                _expected_baskets_14, "affinity"),
    FeatureSpec("uc_trend_28_91", "recent (28 days) purchase rate in this category against the "
                "91-day rate", (-91, 0), _trend("user_category", "baskets", 28, 91), "trend", 1.0),
    # discount sensitivity
    FeatureSpec("uc_discount_rate_91", "share of list price the shopper saved through discounts "
                "in this category (91 days)", (-91, 0), _discount_rate("user_category", 91),
                "discount"),
    FeatureSpec("u_discount_rate_91", "share of list price the shopper saved through discounts "
                "overall (91 days)", (-91, 0), _discount_rate("user", 91), "discount"),
    # engagement from the event stream (views and carts)
    FeatureSpec("uc_views_7", "product views in this category in the last 7 days",
                (-7, 0), _sum("user_category", "views", 7), "engagement"),
    FeatureSpec("uc_carts_7", "add-to-carts in this category in the last 7 days",
                (-7, 0), _sum("user_category", "carts", 7), "engagement"),
    # the shopper overall (RFM)
    FeatureSpec("u_days_since_last", "days since the shopper's last purchase of anything",
                (-364, 0), _recency("user"), "recency", NEVER_DAYS),
    FeatureSpec("u_gap_ratio", "days since the shopper's last trip relative to their usual gap "
                "between trips", (-364, 0), _user_gap_ratio, "recency", NEVER_DAYS / 91),
    FeatureSpec("u_trips_14", "shopping days in the last 14 days", (-14, 0),
                _sum("user", "active_days", 14), "frequency"),
    FeatureSpec("u_trips_28", "shopping days in the last 28 days", (-28, 0),
                _sum("user", "active_days", 28), "frequency"),
    FeatureSpec("u_trips_91", "shopping days in the last 91 days", (-91, 0),
                _sum("user", "active_days", 91), "frequency"),
    FeatureSpec("u_spend_91", "money the shopper spent in the last 91 days", (-91, 0),
                _sum("user", "spend", 91), "monetary"),
    FeatureSpec("u_breadth_91", "categories the shopper bought in the last 91 days", (-91, 0),
                _user_breadth, "affinity"),
    FeatureSpec("u_trend_28_91", "the shopper's recent (28 days) trip rate against the "
                "91-day rate", (-91, 0), _trend("user", "active_days", 28, 91), "trend", 1.0),
    # the category across shoppers
    FeatureSpec("c_buyer_share_28", "share of active shoppers who bought this category in the "
                "last 28 days", (-28, 0), _category_buyer_share, "popularity"),
    FeatureSpec("c_trend_28_91", "the category's recent (28 days) sales rate against the "
                "91-day rate", (-91, 0), _trend("category", "units", 28, 91), "trend", 1.0),
    FeatureSpec("c_discount_rate_28", "share of list price discounted in this category "
                "(28 days)", (-28, 0), _discount_rate("category", 28), "discount"),
)


def _week_units(lag: int) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        return np.log1p(_col(view, "category", -7 * lag, -7 * (lag - 1), "units"))

    return compute


def _mean_log_units(weeks: int) -> Compute:
    def compute(view: PointInTimeView) -> pd.Series:
        return np.log1p(_col(view, "category", -7 * weeks, 0, "units") / weeks)

    return compute


def _week_of_year(view: PointInTimeView) -> pd.Series:
    week = pd.Timestamp(view.as_of, unit="D").isocalendar().week
    return pd.Series(float(week), index=view.index)


def _same_week_last_year(view: PointInTimeView) -> pd.Series:
    return np.log1p(_col(view, "category", -364, -357, "units"))


DEMAND_FEATURES: tuple[FeatureSpec, ...] = (
    FeatureSpec("lag1_log_units", "log units sold last week", (-7, 0), _week_units(1), "lag"),
    FeatureSpec("lag2_log_units", "log units sold two weeks ago", (-14, -7), _week_units(2), "lag"),
    FeatureSpec("lag3_log_units", "log units sold three weeks ago", (-21, -14), _week_units(3),
                "lag"),
    FeatureSpec("lag4_log_units", "log units sold four weeks ago", (-28, -21), _week_units(4),
                "lag"),
    FeatureSpec("ma4_log_units", "log of mean weekly units over the last 4 weeks", (-28, 0),
                _mean_log_units(4), "trend"),
    FeatureSpec("ma13_log_units", "log of mean weekly units over the last 13 weeks", (-91, 0),
                _mean_log_units(13), "trend"),
    FeatureSpec("trend_4_13", "weekly sales rate over 4 weeks against 13 weeks", (-91, 0),
                _trend("category", "units", 28, 91), "trend", 1.0),
    FeatureSpec("buyers_last_week", "distinct buyers last week", (-7, 0),
                _sum("category", "buyers", 7), "popularity"),
    FeatureSpec("discount_rate_last_week", "share of list price discounted last week", (-7, 0),
                _discount_rate("category", 7), "discount"),
    FeatureSpec("discount_rate_4w", "share of list price discounted over 4 weeks", (-28, 0),
                _discount_rate("category", 28), "discount"),
    FeatureSpec("same_week_last_year_log_units", "log units in the same week last year",
                (-364, -357), _same_week_last_year, "lag"),
    FeatureSpec("week_of_year", "ISO week of the forecast week", (0, 0), _week_of_year,
                "calendar"),
)

FEATURE_SETS: dict[str, tuple[FeatureSpec, ...]] = {
    "propensity": PROPENSITY_FEATURES,
    "demand": DEMAND_FEATURES,
}
