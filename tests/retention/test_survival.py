"""Tests of churn durations, Kaplan-Meier, log-rank and Cox models (crmlab.retention.survival)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    churn_durations,
    cox_model,
    first_purchase_segment,
    kaplan_meier,
    logrank_test,
)


@pytest.fixture
def log() -> pd.DataFrame:
    rows = [
        (1, "2020-01-01", 10.0, 1),
        (1, "2020-01-01", 5.0, 2),  # same first day: first_amount 15, first_quantity 3
        (1, "2020-02-01", 20.0, 1),  # last purchase; 334 days before the end: churned
        (2, "2020-03-01", 50.0, 4),
        (2, "2020-12-01", 50.0, 4),  # 30 days before the end: censored
        (3, "2020-06-01", 8.0, 1),  # one purchase, 213 days before the end: churned
        (4, "2020-11-15", 100.0, 2),  # acquired 46 days before the end: censored
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "quantity"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_churn_durations_hand_computed(log):
    out = churn_durations(log, inactivity_threshold=180, observation_end="2020-12-31")
    assert out.index.name == "customer_id"
    assert out["event"].tolist() == [1, 0, 1, 0]
    # churned: first -> last purchase; censored: first purchase -> observation end
    assert out["duration"].tolist() == [31.0, 305.0, 0.0, 46.0]
    assert out["time_since_last"].tolist() == [334.0, 30.0, 213.0, 46.0]
    assert out["first_amount"].tolist() == [15.0, 50.0, 8.0, 100.0]
    assert out["first_quantity"].tolist() == [3.0, 4.0, 1.0, 2.0]
    assert out["n_purchases"].tolist() == [2, 2, 1, 1]
    np.testing.assert_allclose(out["log_first_amount"], np.log1p([15.0, 50.0, 8.0, 100.0]))
    weeks = churn_durations(log, 180 / 7, time_unit="W", observation_end="2020-12-31")
    np.testing.assert_allclose(weeks["duration"], out["duration"] / 7)
    # a longer threshold turns customer 3 (213 days inactive) into a censored one
    longer = churn_durations(log, 250, observation_end="2020-12-31")
    assert longer.loc[3, "event"] == 0 and longer.loc[3, "duration"] == 213.0
    extra = pd.DataFrame({"region": ["n", "s", "n", "s"]}, index=[1, 2, 3, 4])
    joined = churn_durations(log, 180, observation_end="2020-12-31", covariates=extra)
    assert joined["region"].tolist() == ["n", "s", "n", "s"]
    with pytest.raises(ParameterError, match="inactivity_threshold"):
        churn_durations(log, 0)
    with pytest.raises(DataError, match="repeat"):
        churn_durations(log, 180, covariates=pd.DataFrame({"event": [1]}, index=[1]))


def test_observation_end_drops_later_purchases(log):
    out = churn_durations(log, 100, observation_end="2020-06-30")
    assert list(out.index) == [1, 2, 3]
    assert out.loc[2, "event"] == 1 and out.loc[2, "duration"] == 0.0  # 121 days inactive


def test_kaplan_meier_hand_computed():
    """Times 1, 2+, 3, 3, 4+ (+ censored): S = 4/5 after 1, 4/5 * 1/3 after 3."""
    durations = pd.DataFrame({"duration": [1, 2, 3, 3, 4], "event": [1, 0, 1, 1, 0]})
    km = kaplan_meier(durations)
    assert km["group"].unique().tolist() == ["all"]
    assert km["time"].tolist() == [0.0, 1.0, 3.0]
    np.testing.assert_allclose(km["survival"], [1.0, 0.8, 0.8 / 3])
    assert km["at_risk"].tolist() == [5, 5, 3]
    assert km["events"].tolist() == [0, 1, 2]
    assert (km["lower"] <= km["survival"] + 1e-12).all()
    assert (km["upper"] >= km["survival"] - 1e-12).all()
    # Greenwood on the log(-log) scale, by hand at t = 1
    s, var = 0.8, 0.8**2 * (1 / (5 * 4))
    w = 1.959964 * np.sqrt(var) / (s * abs(np.log(s)))
    assert km["lower"].iloc[1] == pytest.approx(s ** np.exp(w), rel=1e-5)
    assert km["upper"].iloc[1] == pytest.approx(s ** np.exp(-w), rel=1e-5)


def test_kaplan_meier_groups_and_logrank():
    rng = np.random.default_rng(3)
    n = 400
    group = np.repeat(["a", "b"], n // 2)
    time = rng.exponential(np.where(group == "a", 10.0, 5.0))
    censor = rng.exponential(15.0, n)
    durations = pd.DataFrame(
        {"duration": np.minimum(time, censor), "event": (time <= censor).astype(int), "g": group}
    )
    km = kaplan_meier(durations, "g", alpha=0.1)
    assert sorted(km["group"].unique()) == ["a", "b"]
    for _, piece in km.groupby("group"):
        assert np.all(np.diff(piece["survival"]) <= 1e-12)
    median_a = km.loc[(km.group == "a") & (km.survival <= 0.5), "time"].iloc[0]
    median_b = km.loc[(km.group == "b") & (km.survival <= 0.5), "time"].iloc[0]
    assert median_a > median_b  # group a lives about twice as long
    test = logrank_test(durations, "g")
    assert test["df"].iloc[0] == 1 and test["p_value"].iloc[0] < 1e-4
    same = logrank_test(durations.assign(g=rng.choice(["x", "y"], n)), "g")
    assert same["p_value"].iloc[0] > 0.001
    with pytest.raises(DataError, match="two values"):
        logrank_test(durations.assign(g="x"), "g")


def test_cox_recovers_hazard_ratio():
    """Exponential lifetimes with hazard 0.1 * exp(0.7 x1 - 0.4 x2): estimates within 3 SE."""
    rng = np.random.default_rng(11)
    n = 3000
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.5, n).astype(float)
    time = rng.exponential(1 / (0.1 * np.exp(0.7 * x1 - 0.4 * x2)))
    censor = rng.uniform(0, 30, n)
    durations = pd.DataFrame(
        {
            "duration": np.minimum(time, censor),
            "event": (time <= censor).astype(int),
            "x1": x1,
            "x2": x2,
        }
    )
    table = cox_model(durations, ["x1", "x2"])
    assert list(table.columns) == ["coef", "se", "hazard_ratio", "lower", "upper", "z", "p_value"]
    assert abs(table.loc["x1", "coef"] - 0.7) < 3 * table.loc["x1", "se"]
    assert abs(table.loc["x2", "coef"] + 0.4) < 3 * table.loc["x2", "se"]
    assert table.loc["x1", "hazard_ratio"] == pytest.approx(np.exp(table.loc["x1", "coef"]))
    assert table.loc["x1", "lower"] < table.loc["x1", "hazard_ratio"] < table.loc["x1", "upper"]
    assert table.attrs["n"] == n and table.attrs["n_events"] == int(durations["event"].sum())
    by_formula = cox_model(durations, "x1 + x2")
    np.testing.assert_allclose(by_formula["coef"], table["coef"], rtol=1e-8)
    with pytest.raises(DataError, match="covariate"):
        cox_model(durations, ["x3"])


def test_cdnow_pipeline():
    """CDNOW, 180-day threshold: customers with a first purchase above the median spend
    survive longer (log-rank p < 0.001) and a higher first spend lowers the churn hazard."""
    tx = load_cdnow()
    durations = churn_durations(tx, 180)
    assert len(durations) == 2357
    segment = first_purchase_segment(durations)
    assert set(segment.unique()) == {"low", "high"}
    assert segment.attrs["cut"] == pytest.approx(durations["first_amount"].median())
    km = kaplan_meier(durations, segment)
    last = km.groupby("group")["survival"].last()
    assert last["high"] > last["low"]
    assert logrank_test(durations, segment)["p_value"].iloc[0] < 1e-3
    cox = cox_model(durations, ["log_first_amount", "first_quantity"])
    assert cox.loc["log_first_amount", "hazard_ratio"] < 1


@pytest.mark.parametrize("value", ["garbage", "2020-02-30", 7.5, [2020]])
def test_churn_observation_end_garbage_names_the_parameter(value):
    tx = pd.DataFrame(
        {"customer_id": [1, 1], "date": pd.to_datetime(["2020-01-01", "2020-03-01"]), "amount": 1.0}
    )
    with pytest.raises(ParameterError) as info:
        churn_durations(tx, 30, observation_end=value)
    assert info.value.parameter == "observation_end"


def test_lone_customer_who_bought_on_the_last_day_is_not_churned():
    tx = pd.DataFrame({"customer_id": [5], "date": pd.to_datetime(["2020-03-01"]), "amount": 9.0})
    out = churn_durations(tx, 30)
    assert out["event"].tolist() == [0] and out["duration"].tolist() == [0.0]
    assert out["time_since_last"].tolist() == [0.0]
