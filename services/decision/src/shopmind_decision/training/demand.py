"""Demand: weekly units per category, one week ahead.

Rows are (category, week starting at `as_of`); features come from days before
`as_of`, the target is log1p(units in [as_of, as_of + 7)). The last weeks are
held out in time order: validation weeks for early stopping, then test weeks,
where the model's MAPE is set beside a seasonal-naive forecast (the same week a
year earlier; the previous week where the history is shorter than a year).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from shopmind_decision.features.definitions import DEMAND_FEATURES
from shopmind_decision.features.pointintime import (
    FeatureSpec,
    PointInTimeView,
    check_point_in_time,
    compute_features,
)
from shopmind_decision.features.schema import FeatureSchema
from shopmind_decision.training.metrics import mape, wape
from shopmind_decision.training.result import TrainedModel, day_iso

log = logging.getLogger("shopmind.decision.training")

SEASON_DAYS = 364


@dataclass
class DemandConfig:
    min_history_days: int = 28
    valid_weeks: int = 4
    test_weeks: int = 8
    n_estimators: int = 800
    learning_rate: float = 0.03
    max_depth: int = 4
    min_child_weight: float = 3.0
    subsample: float = 0.9
    colsample_bytree: float = 0.9
    early_stopping_rounds: int = 50
    threads: int = 0
    seed: int = 0

    def xgb_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "reg:squarederror", "eval_metric": "mae", "tree_method": "hist",
            "eta": self.learning_rate, "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight, "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree, "seed": self.seed,
        }
        if self.threads:
            params["nthread"] = self.threads
        return params


def category_daily(activity: pd.DataFrame) -> pd.DataFrame:
    """User-level daily activity collapsed to (category, day), with distinct buyers per day."""
    if "user_id" not in activity.columns:
        return activity
    frame = activity.assign(category=activity["category"].astype(str),
                            buyer=(activity["baskets"] > 0).astype("float64"))
    grouped = frame.groupby(["category", "day"], sort=False, observed=True)
    out = grouped[["baskets", "units", "spend", "discount", "views", "carts", "buyer"]].sum()
    return out.rename(columns={"buyer": "buyers"}).reset_index()


def build_week(daily: pd.DataFrame, as_of: int, categories: Sequence[str],
               specs: Sequence[FeatureSpec]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features at `as_of` per category, the week's units and the seasonal-naive forecast."""
    index = pd.Index(list(categories), name="category")
    lookback = min(s.window[0] for s in specs)
    horizon_end = max(0, max(s.window[1] for s in specs))
    day = daily["day"].to_numpy()
    past = daily.loc[(day >= as_of + lookback) & (day < as_of + horizon_end)]
    view = PointInTimeView(past.reset_index(drop=True), as_of, index)
    frame = compute_features(view, specs)
    check_point_in_time(view, label_start=as_of)
    units = _week_units(daily, as_of, index)
    first_day = int(daily["day"].min())
    season_start = as_of - SEASON_DAYS if as_of - SEASON_DAYS >= first_day else as_of - 7
    naive = _week_units(daily, season_start, index)
    return frame, units, naive


def _week_units(daily: pd.DataFrame, start: int, index: pd.Index) -> np.ndarray:
    day = daily["day"].to_numpy()
    week = daily.loc[(day >= start) & (day < start + 7)]
    units = week.groupby("category", observed=True)["units"].sum().reindex(index).fillna(0.0)
    return np.asarray(units.to_numpy(dtype="float64"))


def train_demand(activity: pd.DataFrame, *, categories: Sequence[str] | None = None,
                 config: DemandConfig | None = None,
                 specs: Sequence[FeatureSpec] = DEMAND_FEATURES,
                 source: str = "unknown") -> TrainedModel:
    cfg = config or DemandConfig()
    daily = category_daily(activity)
    if daily.empty:
        raise ValueError("no behaviour data to train on")
    cats = list(categories) if categories else sorted(daily["category"].astype(str).unique())
    first_day = int(daily["day"].min())
    end_day = int(daily["day"].max()) + 1
    weeks = list(range(first_day + cfg.min_history_days, end_day - 6, 7))
    if len(weeks) < cfg.valid_weeks + cfg.test_weeks + 2:
        raise ValueError(f"not enough weeks of history: {len(weeks)}, need at least "
                         f"{cfg.valid_weeks + cfg.test_weeks + 2}")
    started = time.perf_counter()
    built = {w: build_week(daily, w, cats, specs) for w in weeks}
    test_weeks = weeks[-cfg.test_weeks:]
    valid_weeks = weeks[-cfg.test_weeks - cfg.valid_weeks:-cfg.test_weeks]
    train_weeks = weeks[:-cfg.test_weeks - cfg.valid_weeks]

    def stack(ws: Sequence[int]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        return (pd.concat([built[w][0] for w in ws], ignore_index=True),
                np.concatenate([built[w][1] for w in ws]),
                np.concatenate([built[w][2] for w in ws]))

    x_train, u_train, _ = stack(train_weeks)
    x_valid, u_valid, _ = stack(valid_weeks)
    x_test, u_test, naive_test = stack(test_weeks)
    names = list(x_train.columns)
    dtrain = xgb.DMatrix(x_train, label=np.log1p(u_train), feature_names=names)
    dvalid = xgb.DMatrix(x_valid, label=np.log1p(u_valid), feature_names=names)
    booster = xgb.train(cfg.xgb_params(), dtrain, num_boost_round=cfg.n_estimators,
                        evals=[(dvalid, "valid")], early_stopping_rounds=cfg.early_stopping_rounds,
                        verbose_eval=False)
    best = int(booster.best_iteration) + 1
    booster = booster[:best]
    pred_test = np.expm1(booster.predict(xgb.DMatrix(x_test, feature_names=names)))
    pred_valid = np.expm1(booster.predict(dvalid))
    last_week = np.expm1(x_test["lag1_log_units"].to_numpy(dtype="float64")) \
        if "lag1_log_units" in x_test.columns else naive_test
    seasonal_weeks = sum(1 for w in test_weeks if w - SEASON_DAYS >= first_day)
    metrics: dict[str, Any] = {
        "test": {"mape": mape(u_test, pred_test), "wape": wape(u_test, pred_test),
                 "rows": len(u_test), "weeks": len(test_weeks)},
        "valid": {"mape": mape(u_valid, pred_valid), "wape": wape(u_valid, pred_valid),
                  "rows": len(u_valid)},
        "baselines": {
            "seasonal_naive": {
                "mape": mape(u_test, naive_test), "wape": wape(u_test, naive_test),
                "season": "52 weeks" if seasonal_weeks == len(test_weeks) else
                f"52 weeks where the history allows ({seasonal_weeks} of {len(test_weeks)} "
                "test weeks), else the previous week",
            },
            "last_week": {"mape": mape(u_test, last_week), "wape": wape(u_test, last_week)},
        },
        "best_iteration": best,
        "train_rows": len(u_train),
        "train_seconds": round(time.perf_counter() - started, 2),
    }
    schema = FeatureSchema.from_specs(
        "demand", ("category",), specs,
        label={"description": "units sold in the category in the 7 days from as_of",
               "horizon_days": 7, "transform": "log1p"},
        output="units", margin="log1p_units")
    window = {
        "first_day": day_iso(first_day), "last_day": day_iso(end_day - 1),
        "train_weeks": [day_iso(train_weeks[0]), day_iso(train_weeks[-1])],
        "valid_weeks": [day_iso(valid_weeks[0]), day_iso(valid_weeks[-1])],
        "test_weeks": [day_iso(test_weeks[0]), day_iso(test_weeks[-1])],
        "categories": cats,
    }
    params = {"xgboost": cfg.xgb_params(), "config": asdict(cfg), "num_boost_round": best}
    return TrainedModel("demand", booster, schema, params, metrics, window, source)
