"""Decision quality on completejourney: propensity AUC and demand MAPE against baselines.

    ~/.cache/shopmind/venv/bin/python bench/decision_quality/run.py [--households N]

Propensity: will a household buy in a category in the next 14 days. Features are
point in time; the model early-stops on one 14-day window and is scored on the
last, later window, beside a logistic regression trained on the same features
and rows. Demand: weekly units per category one week ahead, scored on the last
8 weeks beside a seasonal-naive forecast. Writes its figures into README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind_common.benchmarks import write_results
from shopmind_decision.datasets.completejourney import (
    daily_activity,
    load_transactions,
    top_categories,
)
from shopmind_decision.training.demand import DemandConfig, train_demand
from shopmind_decision.training.propensity import PropensityConfig, train_propensity
from sklearn.metrics import roc_auc_score

README = Path(__file__).with_name("README.md")


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=1500,
                    help="random sample of households (2469 in all)")
    ap.add_argument("--categories", type=int, default=200,
                    help="propensity: the categories bought by the most households")
    ap.add_argument("--demand-categories", type=int, default=50)
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--train-snapshots", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-readme", action="store_true")
    args = ap.parse_args()
    started = time.perf_counter()

    tx = load_transactions(max_households=args.households, seed=args.seed)
    activity = daily_activity(tx)
    cats = top_categories(tx, args.categories)
    prop_activity = activity[activity["category"].isin(cats)]
    print(f"completejourney: {len(tx.frame):,} purchase lines, {tx.households} households, "
          f"{len(cats)} categories", flush=True)
    t0 = time.perf_counter()
    prop = train_propensity(prop_activity, categories=cats, source="completejourney",
                            config=PropensityConfig(horizon_days=args.horizon,
                                                    snapshot_step_days=args.horizon,
                                                    max_train_snapshots=args.train_snapshots,
                                                    threads=args.threads, seed=args.seed))
    prop_s = time.perf_counter() - t0
    test = prop.metrics["test"]
    lr = prop.metrics["baselines"]["logistic_regression"]
    ev = prop.evaluation
    assert ev is not None
    top30 = set(cats[:30])
    sub = ev[ev["category"].isin(top30)]
    auc30 = float(roc_auc_score(sub["label"], sub["score"]))
    auc30_lr = float(roc_auc_score(sub["label"], sub["logistic_regression"]))
    window = prop.data_window
    print(f"propensity ({prop_s:.0f}s): test window {window['test_label_window'][0]} .. "
          f"{window['test_label_window'][1]}, {test['rows']:,} (household, category) rows, "
          f"base rate {test['base_rate']:.3f}")
    print(f"  AUC           xgboost {_fmt(test['auc'])}  logistic regression {_fmt(lr['auc'])}"
          f"  ratio {test['auc'] / lr['auc']:.3f}")
    print(f"  PR-AUC        xgboost {_fmt(test['pr_auc'])}  logistic regression "
          f"{_fmt(lr['pr_auc'])}")
    print(f"  log loss      xgboost {_fmt(test['log_loss'], 4)}  logistic regression "
          f"{_fmt(lr['log_loss'], 4)}")
    print(f"  within-category AUC (mean) xgboost {_fmt(test['mean_within_category_auc'])}  "
          f"logistic regression {_fmt(lr['mean_within_category_auc'])}")
    print(f"  top-30 categories only: AUC xgboost {auc30:.3f}  logistic regression "
          f"{auc30_lr:.3f}")
    print(f"  calibration: ECE {test['expected_calibration_error']:.4f}, "
          f"Brier {test['brier']:.4f}; goal AUC >= 0.85: "
          f"{'met' if test['auc'] >= 0.85 else 'NOT met'}")

    dcats = top_categories(tx, args.demand_categories, by="units")
    t0 = time.perf_counter()
    dem = train_demand(activity[activity["category"].isin(dcats)], categories=dcats,
                       source="completejourney",
                       config=DemandConfig(threads=args.threads, seed=args.seed))
    dem_s = time.perf_counter() - t0
    dm = dem.metrics
    naive = dm["baselines"]["seasonal_naive"]
    last = dm["baselines"]["last_week"]
    print(f"demand ({dem_s:.0f}s): {len(dcats)} categories, test weeks "
          f"{dem.data_window['test_weeks'][0]} .. {dem.data_window['test_weeks'][1]}")
    print(f"  MAPE  xgboost {dm['test']['mape']:.3f}  seasonal naive {naive['mape']:.3f}  "
          f"ratio {dm['test']['mape'] / naive['mape']:.3f}  (last week {last['mape']:.3f})")
    print(f"  WAPE  xgboost {dm['test']['wape']:.3f}  seasonal naive {naive['wape']:.3f}")
    print(f"  seasonal naive season: {naive['season']}")
    total = time.perf_counter() - started
    print(f"total {total:.0f}s")

    if not args.no_readme:
        lines = [
            f"Last run: {datetime.now(UTC).date().isoformat()}, "
            f"`{' '.join(sys.argv[1:]) or 'defaults'}`, {os.cpu_count()} CPUs (load average "
            f"{os.getloadavg()[0]:.1f}: the machine was shared), {total:.0f} s in all.",
            "",
            f"Propensity: {tx.households} households, {len(cats)} categories, "
            f"horizon {args.horizon} days, {args.train_snapshots} training snapshots "
            f"({prop.metrics['train_rows']:,} rows), early stopping on "
            f"{window['valid_as_of']}, test window {window['test_label_window'][0]} .. "
            f"{window['test_label_window'][1]} ({test['rows']:,} rows, base rate "
            f"{test['base_rate']:.3f}).",
            "",
            "| metric (test window) | XGBoost | logistic regression (same features) | ratio |",
            "| --- | --- | --- | --- |",
            f"| AUC | {_fmt(test['auc'])} | {_fmt(lr['auc'])} | "
            f"{test['auc'] / lr['auc']:.3f} |",
            f"| PR-AUC | {_fmt(test['pr_auc'])} | {_fmt(lr['pr_auc'])} | "
            f"{test['pr_auc'] / lr['pr_auc']:.3f} |",
            f"| log loss | {_fmt(test['log_loss'], 4)} | {_fmt(lr['log_loss'], 4)} | "
            f"{test['log_loss'] / lr['log_loss']:.3f} |",
            f"| Brier | {_fmt(test['brier'], 4)} | {_fmt(lr['brier'], 4)} | "
            f"{test['brier'] / lr['brier']:.3f} |",
            f"| mean within-category AUC | {_fmt(test['mean_within_category_auc'])} | "
            f"{_fmt(lr['mean_within_category_auc'])} | |",
            f"| AUC, top-30 categories only | {auc30:.3f} | {auc30_lr:.3f} | |",
            "",
            f"Calibration of XGBoost on the test window: expected calibration error "
            f"{test['expected_calibration_error']:.4f}.",
            "",
            f"Demand: {len(dcats)} categories (most units), weekly units one week ahead, "
            f"test weeks {dem.data_window['test_weeks'][0]} .. "
            f"{dem.data_window['test_weeks'][1]}.",
            "",
            "| metric (test weeks) | XGBoost | seasonal naive | ratio | last week |",
            "| --- | --- | --- | --- | --- |",
            f"| MAPE | {dm['test']['mape']:.3f} | {naive['mape']:.3f} | "
            f"{dm['test']['mape'] / naive['mape']:.3f} | {last['mape']:.3f} |",
            f"| WAPE | {dm['test']['wape']:.3f} | {naive['wape']:.3f} | "
            f"{dm['test']['wape'] / naive['wape']:.3f} | {last['wape']:.3f} |",
            "",
            f"Seasonal naive here: {naive['season']}.",
            "",
            "```json",
            json.dumps({"propensity_test": {k: test[k] for k in (
                "auc", "pr_auc", "log_loss", "brier", "expected_calibration_error")},
                "propensity_logreg": lr, "demand_test": dm["test"],
                "demand_baselines": dm["baselines"]}, indent=1, default=str),
            "```",
        ]
        write_results(README, "\n".join(lines), title="decision_quality", heading="## Results")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
