"""Point-in-time feature computation over daily activity, with a record of what each feature read.

Activity is one row per (keys..., day) with additive measures (see `MEASURES`).
Days are integers (days since 1970-01-01, UTC). A `PointInTimeView` answers
"aggregate this window, relative to `as_of`" and remembers, per feature, the
latest day it actually read; the leakage guard compares that with the label
window. A feature that reads a day on or after `as_of` is leakage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

# Additive daily measures: every source (events, completejourney) is reduced to these.
MEASURES: tuple[str, ...] = ("baskets", "units", "spend", "discount", "views", "carts", "buyers")

Level = Literal["user_category", "user", "category"]
LEVEL_KEYS: dict[str, tuple[str, ...]] = {
    "user_category": ("user_id", "category"),
    "user": ("user_id",),
    "category": ("category",),
}


class LeakageError(Exception):
    """A feature used data from inside (or after) the label window."""

    def __init__(self, message: str, features: dict[str, str]) -> None:
        super().__init__(message)
        self.features = features


@dataclass(frozen=True)
class FeatureSpec:
    """One feature: its name, plain-language meaning, the window it may read and how to compute it.

    `window` is (start, end) in days relative to `as_of`, end exclusive; a
    point-in-time feature has end <= 0. `compute` returns a Series indexed like
    `view.index` (the rows being scored).
    """

    name: str
    description: str
    window: tuple[int, int]
    compute: Callable[[PointInTimeView], pd.Series]
    kind: Literal["recency", "frequency", "monetary", "affinity", "discount", "trend",
                  "engagement", "popularity", "calendar", "lag"] = "frequency"
    fill: float = 0.0


@dataclass
class PointInTimeView:
    """Daily activity seen from `as_of`, aggregating windows on demand and recording reads."""

    activity: pd.DataFrame
    as_of: int
    index: pd.MultiIndex | pd.Index
    reads: dict[str, int] = field(default_factory=dict)
    declared: dict[str, tuple[int, int]] = field(default_factory=dict)
    _current: str | None = None
    _cache: dict[tuple[str, int, int], tuple[pd.DataFrame, int | None]] = field(
        default_factory=dict)

    def _note(self, last: int | None) -> None:
        if self._current is None or last is None:
            return
        self.reads[self._current] = max(self.reads.get(self._current, last), last)

    def _record(self, frame: pd.DataFrame) -> int | None:
        last = None if frame.empty else int(frame["day"].max())
        self._note(last)
        return last

    def rows(self, start: int, end: int) -> pd.DataFrame:
        """Activity rows with as_of+start <= day < as_of+end (recorded as read)."""
        day = self.activity["day"].to_numpy()
        mask = (day >= self.as_of + start) & (day < self.as_of + end)
        frame = self.activity.loc[mask]
        self._record(frame)
        return frame

    def agg(self, level: Level, start: int, end: int) -> pd.DataFrame:
        """Sums of the measures per level key over a window, plus active days and last day."""
        key = (level, start, end)
        if key in self._cache:
            # Read on behalf of an earlier feature; count it for this one too.
            cached, last = self._cache[key]
            self._note(last)
            return cached
        frame = self.rows(start, end)
        last = None if frame.empty else int(frame["day"].max())
        keys = list(LEVEL_KEYS[level])
        measures = [m for m in MEASURES if m in frame.columns]
        if level == "user_category" or "user_id" not in frame.columns:
            daily = frame
        else:  # one row per key and day first, so active days count days
            daily = frame.groupby([*keys, "day"], sort=False, observed=True)[measures].sum()
            daily = daily.reset_index()
        out = daily.groupby(keys, sort=False, observed=True)[measures].sum()
        bought = daily[daily["baskets"] > 0]
        bgroup = bought.groupby(keys, sort=False, observed=True)["day"]
        out["active_days"] = bgroup.nunique()
        out["last_day"] = bgroup.max()
        if level == "category" and "user_id" in frame.columns and "buyers" not in out.columns:
            buyers = frame.loc[frame["baskets"] > 0].groupby(
                keys, sort=False, observed=True)["user_id"].nunique()
            out["buyers"] = buyers
        self._cache[key] = (out, last)
        return out

    def align(self, values: pd.Series | pd.DataFrame, level: Level) -> pd.Series | pd.DataFrame:
        """Broadcast a per-level result onto the scored rows."""
        keys = list(LEVEL_KEYS[level])
        idx = self.index
        if list(idx.names) == keys:
            return values.reindex(idx)
        if isinstance(idx, pd.MultiIndex):
            lookup = idx.droplevel([n for n in idx.names if n not in keys])
        else:
            lookup = idx
        aligned = values.reindex(lookup)
        aligned.index = idx
        return aligned


def compute_features(view: PointInTimeView, specs: Sequence[FeatureSpec]) -> pd.DataFrame:
    """Compute every spec on the view; reads are recorded per feature for the leakage guard."""
    columns: dict[str, np.ndarray] = {}
    for spec in specs:
        view._current = spec.name
        view.declared[spec.name] = spec.window
        try:
            series = spec.compute(view)
        finally:
            view._current = None
        values = pd.Series(series).reindex(view.index).astype("float64")
        columns[spec.name] = values.fillna(spec.fill).to_numpy(dtype="float32")
    return pd.DataFrame(columns, index=view.index)


def check_point_in_time(view: PointInTimeView, label_start: int) -> None:
    """Raise LeakageError when a feature declared or read a day at or after `label_start`."""
    bad: dict[str, str] = {}
    for name, (start, end) in view.declared.items():
        if view.as_of + end > label_start:
            bad[name] = (f"declares window [{start}, {end}) days around as_of, reaching into "
                         "the label window")
    for name, last in view.reads.items():
        if last >= label_start:
            bad[name] = (f"read day {last} but the label window starts at day {label_start} "
                         f"(as_of {view.as_of})")
    if bad:
        names = ", ".join(sorted(bad))
        raise LeakageError(f"features use data from inside the label window: {names}", bad)
