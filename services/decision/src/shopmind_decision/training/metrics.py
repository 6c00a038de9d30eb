"""Model metrics: classification quality and calibration, forecast error."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score


def classification_metrics(y: np.ndarray, p: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """AUC, PR-AUC, log loss, Brier score and a reliability table with its expected error."""
    y = np.asarray(y, dtype="float64")
    p = np.clip(np.asarray(p, dtype="float64"), 1e-7, 1 - 1e-7)
    both = len(np.unique(y)) == 2
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    table = []
    ece = 0.0
    for b in range(bins):
        mask = which == b
        n = int(mask.sum())
        if n == 0:
            continue
        mean_p = float(p[mask].mean())
        rate = float(y[mask].mean())
        ece += n / len(y) * abs(mean_p - rate)
        table.append({"bin": [round(float(edges[b]), 2), round(float(edges[b + 1]), 2)],
                      "n": n, "mean_predicted": round(mean_p, 4), "observed_rate": round(rate, 4)})
    return {
        "auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "brier": float(brier_score_loss(y, p)),
        "base_rate": float(y.mean()) if len(y) else None,
        "expected_calibration_error": float(ece),
        "calibration": table,
        "rows": len(y),
    }


def mape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    """Mean absolute percentage error over actuals above zero."""
    actual = np.asarray(actual, dtype="float64")
    predicted = np.asarray(predicted, dtype="float64")
    mask = actual > 0
    if not mask.any():
        return None
    return float(np.mean(np.abs(predicted[mask] - actual[mask]) / actual[mask]))


def wape(actual: np.ndarray, predicted: np.ndarray) -> float | None:
    """Absolute error summed over actual volume (robust to small weeks)."""
    total = float(np.abs(actual).sum())
    return float(np.abs(predicted - actual).sum() / total) if total else None
