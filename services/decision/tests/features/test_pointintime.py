from __future__ import annotations

import pandas as pd
import pytest
from shopmind_decision.features.definitions import DEMAND_FEATURES, PROPENSITY_FEATURES
from shopmind_decision.features.pointintime import (
    FeatureSpec,
    LeakageError,
    PointInTimeView,
    check_point_in_time,
    compute_features,
)
from shopmind_decision.training.demand import DemandConfig, train_demand
from shopmind_decision.training.propensity import (
    PropensityConfig,
    build_snapshot,
    train_propensity,
)

AS_OF = 1000


def _activity(rows: list[tuple[str, str, int, float, float, float, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "category", "day", "baskets", "units", "spend",
                                        "discount"])
    frame["views"] = 0.0
    frame["carts"] = 0.0
    return frame


def _features(activity: pd.DataFrame, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    index = pd.MultiIndex.from_tuples(pairs, names=["user_id", "category"])
    view = PointInTimeView(activity, AS_OF, index)
    frame = compute_features(view, PROPENSITY_FEATURES)
    check_point_in_time(view, label_start=AS_OF)
    return frame


def test_features_match_hand_computed_values() -> None:
    act = _activity([
        ("u1", "milk", AS_OF - 3, 1, 2, 4.0, 1.0),
        ("u1", "milk", AS_OF - 40, 1, 1, 2.0, 0.0),
        ("u1", "eggs", AS_OF - 10, 1, 1, 6.0, 0.0),
        ("u2", "eggs", AS_OF - 5, 1, 3, 9.0, 3.0),
    ])
    f = _features(act, [("u1", "milk"), ("u1", "eggs"), ("u2", "milk")])
    milk = f.loc[("u1", "milk")]
    assert milk["uc_days_since_last"] == 3
    assert milk["uc_baskets_7"] == 1
    assert milk["uc_baskets_91"] == 2
    assert milk["uc_units_28"] == 2
    assert milk["uc_spend_91"] == pytest.approx(6.0)
    assert milk["uc_share_spend_91"] == pytest.approx(6.0 / 12.0)
    assert milk["uc_share_trips_91"] == pytest.approx(2 / 3)
    assert milk["uc_discount_rate_91"] == pytest.approx(1.0 / 7.0)
    assert milk["u_days_since_last"] == 3
    assert milk["u_trips_28"] == 2
    assert milk["u_breadth_91"] == 2
    # 2 of the 2 shoppers active in 28 days bought eggs; 1 of 2 bought milk.
    assert f.loc[("u1", "eggs"), "c_buyer_share_28"] == pytest.approx(1.0)
    assert milk["c_buyer_share_28"] == pytest.approx(0.5)
    never = f.loc[("u2", "milk")]
    assert never["uc_days_since_last"] == 365
    assert never["uc_baskets_182"] == 0


def test_future_activity_does_not_change_features() -> None:
    past = _activity([
        ("u1", "milk", AS_OF - 3, 1, 2, 4.0, 1.0),
        ("u2", "milk", AS_OF - 20, 1, 1, 2.0, 0.0),
    ])
    future = _activity([
        ("u1", "milk", AS_OF, 5, 5, 50.0, 5.0),
        ("u2", "milk", AS_OF + 3, 2, 2, 9.0, 0.0),
    ])
    pairs = [("u1", "milk"), ("u2", "milk")]
    before = _features(past, pairs)
    # Every window ends at as_of, so rows from as_of on are never read, by the view or training.
    pd.testing.assert_frame_equal(_features(pd.concat([past, future], ignore_index=True), pairs),
                                  before)
    snap_a = build_snapshot(past, AS_OF, horizon=7, categories=["milk"],
                            specs=PROPENSITY_FEATURES, active_days=91)
    snap_b = build_snapshot(pd.concat([past, future], ignore_index=True), AS_OF, horizon=7,
                            categories=["milk"], specs=PROPENSITY_FEATURES, active_days=91)
    pd.testing.assert_frame_equal(snap_a.frame, snap_b.frame)
    pd.testing.assert_frame_equal(snap_a.frame, before)
    assert list(snap_b.label) == [1.0, 1.0]
    assert list(snap_a.label) == [0.0, 0.0]


def _leaky_units(view: PointInTimeView) -> pd.Series:
    # Units bought in the 14 days from as_of: exactly what the label looks at.
    agg = view.agg("user_category", 0, 14)
    return view.align(agg["units"], "user_category")


LEAKY = FeatureSpec("uc_units_next_14", "units bought in the next 14 days (leaks the label)",
                    (0, 14), _leaky_units)


def test_leaky_feature_fails_the_training_build(sample_activity) -> None:
    act, cats = sample_activity
    cfg = PropensityConfig(max_train_snapshots=1, n_estimators=5, threads=1,
                           logistic_baseline=False)
    with pytest.raises(LeakageError) as err:
        train_propensity(act, categories=cats, config=cfg, specs=(*PROPENSITY_FEATURES, LEAKY))
    assert "uc_units_next_14" in err.value.features
    assert list(err.value.features) == ["uc_units_next_14"]


def test_feature_reading_the_label_window_is_caught_even_with_an_honest_window(
        sample_activity) -> None:
    act, cats = sample_activity

    def sneaky(view: PointInTimeView) -> pd.Series:
        return view.align(view.agg("user_category", -7, 7)["units"], "user_category")

    # Declares a past window but reads past as_of: the recorded reads catch it.
    spec = FeatureSpec("uc_units_around", "units around as_of", (-7, 0), sneaky)
    view_specs = (*PROPENSITY_FEATURES[:2], spec)
    index = pd.MultiIndex.from_product([act["user_id"].astype(str).unique()[:20], cats[:3]],
                                       names=["user_id", "category"])
    frame = act.assign(user_id=act["user_id"].astype(str), category=act["category"].astype(str))
    as_of = int(frame["day"].max()) - 30
    view = PointInTimeView(frame, as_of, index)
    compute_features(view, view_specs)
    with pytest.raises(LeakageError) as err:
        check_point_in_time(view, label_start=as_of)
    assert set(err.value.features) == {"uc_units_around"}


def test_default_feature_sets_pass_the_guard(sample_activity) -> None:
    act, cats = sample_activity
    model = train_demand(act, categories=cats[:5], config=DemandConfig(n_estimators=30, threads=1))
    assert model.schema.names == [s.name for s in DEMAND_FEATURES]
    for spec in (*PROPENSITY_FEATURES, *DEMAND_FEATURES):
        assert spec.window[1] <= 0, spec.name
