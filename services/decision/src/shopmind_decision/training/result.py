"""What a training run hands to the registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xgboost as xgb

from shopmind_decision.features.schema import FeatureSchema


@dataclass
class TrainedModel:
    kind: str
    booster: xgb.Booster
    schema: FeatureSchema
    params: dict[str, Any]
    metrics: dict[str, Any]
    data_window: dict[str, Any]
    source: str
    # Test-window rows with labels and scores (for reports; not saved in the registry).
    evaluation: pd.DataFrame | None = field(default=None, repr=False)


def day_iso(day: int) -> str:
    """An integer day (days since 1970-01-01) as an ISO date."""
    return str(pd.Timestamp(day, unit="D").date().isoformat())
