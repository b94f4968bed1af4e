"""Tests of survivor tables, per-cohort sBG fits and the key-findings sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow, load_fader_hardie_cohorts, simulate_subscriptions
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    ShiftedBetaGeometric,
    churn_durations,
    cohort_retention_table,
    cox_model,
    first_purchase_segment,
    fit_survivors,
    kaplan_meier,
    logrank_test,
    overdue_customers,
    retention_findings,
    retention_rates,
    sbg_comparison,
    subscription_survivors,
)


def test_subscription_survivors_hand_computed():
    table = pd.DataFrame(
        {
            "start": [0, 0, 0, 1, 1],
            "end": [1, 3, np.nan, 2, np.nan],
        }
    )
    surv = subscription_survivors(table, observation_end=3)
    assert surv.index.name == "period" and list(surv.columns) == [0, 1]
    np.testing.assert_array_equal(surv[0], [3, 2, 2, 1])
    np.testing.assert_array_equal(surv[1], [2, 1, 1, np.nan])
    periods = table.assign(
        start=pd.PeriodIndex(["2020", "2020", "2020", "2021", "2021"], freq="Y"),
        end=pd.PeriodIndex(["2021", "2023", None, "2022", None], freq="Y"),
    )
    by_period = subscription_survivors(periods, observation_end=pd.Period("2023", "Y"))
    assert list(by_period.columns) == ["2020", "2021"]
    np.testing.assert_array_equal(by_period.to_numpy(), surv.to_numpy())
    with pytest.raises(DataError, match="lack"):
        subscription_survivors(table.rename(columns={"end": "stop"}))


def test_survivors_of_simulation_agree_with_fit_cohorts():
    table = simulate_subscriptions(800, 0.8, 2.0, n_periods=6, n_cohorts=1, seed=5)
    surv = subscription_survivors(table, observation_end=6)
    single = ShiftedBetaGeometric().fit(surv[0])
    pooled = ShiftedBetaGeometric().fit_cohorts(table, observation_end=6)
    np.testing.assert_allclose(single.params_, pooled.params_, rtol=1e-7)


def test_fit_survivors_and_comparison():
    """Fader & Hardie (2007) setting: fit years 0-7, judge years 8-12."""
    cohorts = load_fader_hardie_cohorts()
    models = fit_survivors(cohorts, fit_periods=7)
    assert set(models) == {"regular", "high_end"}
    table = sbg_comparison(models, cohorts, fit_periods=7, discount_rate=0.1)
    assert table.loc["regular", "alpha"] == pytest.approx(0.704, abs=5e-4)
    assert table.loc["high_end", "beta"] == pytest.approx(3.806, abs=5e-4)
    assert table.loc["regular", "actual"] == 173 and table.loc["high_end", "actual"] == 394
    assert table.loc["regular", "error_pct"] == pytest.approx(-1.71, abs=0.01)
    assert table.loc["high_end", "error_pct"] == pytest.approx(-4.06, abs=0.01)
    assert table.loc["regular", "del"] == pytest.approx(models["regular"].dexl(0.1))
    assert table.loc["regular", "derl"] == pytest.approx(models["regular"].derl(0.1, 12))
    with pytest.raises(ParameterError):
        fit_survivors(cohorts, fit_periods=0)


def test_retention_findings_are_computed():
    tx = load_cdnow()
    rates = retention_rates(tx, "M")
    durations = churn_durations(tx, 180)
    segment = first_purchase_segment(durations)
    cohorts = load_fader_hardie_cohorts()
    model = ShiftedBetaGeometric().fit(cohorts["regular"].loc[:7])
    sentences = retention_findings(
        rates=rates,
        cohort_table=cohort_retention_table(tx, "M"),
        overdue=overdue_customers(tx),
        km=kaplan_meier(durations, segment),
        logrank=logrank_test(durations, segment),
        cox=cox_model(durations),
        sbg=model,
        actual=cohorts["regular"],
        fit_periods=7,
        discount_rate=0.1,
    )
    assert all(isinstance(s, str) and s for s in sentences)
    text = " ".join(sentences)
    mean_crr = rates.iloc[1:].loc[rates["complete"].iloc[1:], "retention_rate"].mean()
    assert f"{100 * mean_crr:.1f}%" in text
    assert "alpha = 0.704" in text and "beta = 1.182" in text
    assert "170 survivors in period 12 against 173 observed (-1.7%)" in text
    assert f"{model.dexl(0.1):.2f}" in text
    assert "differ significantly" in text and "days" in text
    assert "a one-unit increase in log_first_amount is associated with a hazard ratio" in text
    assert "lowers" not in text and "expected active life" not in text
    assert retention_findings() == []


def test_fit_periods_default_comes_from_the_data():
    from crmlab.retention import FADER_HARDIE_FIT_PERIODS, fit_periods_or_default

    cohorts = load_fader_hardie_cohorts()
    # the bundled cohorts keep the paper's window, so the bundled run is unchanged
    assert fit_periods_or_default(0, cohorts, bundled=True) == FADER_HARDIE_FIT_PERIODS == 7
    # the user's data: two thirds of the longest-observed cohort's periods (12 -> 8)
    assert fit_periods_or_default(0, cohorts) == 8
    assert fit_periods_or_default(0, cohorts.loc[:9]) == 6
    # a later cohort observed for less does not shorten the window of the first
    staggered = pd.DataFrame({"2019": [100, 80, 70, 64, 60], "2020": [90, 70, 62, np.nan, np.nan]})
    assert fit_periods_or_default(0, staggered) == 2
    # a value given wins (and is checked)
    assert fit_periods_or_default(5, cohorts) == 5
    with pytest.raises(ParameterError, match="fit_periods"):
        fit_periods_or_default(-1, cohorts)
    # too short to derive a window: a clear error that says what to set
    with pytest.raises(DataError, match="Set fit_periods yourself") as info:
        fit_periods_or_default(0, cohorts.loc[:2])
    assert "2 period(s)" in str(info.value) and "-p fit_periods 2" in str(info.value)
    # the derived window fits and leaves periods to check the projection
    models = fit_survivors(cohorts.loc[:9], fit_periods_or_default(0, cohorts.loc[:9]))
    assert all(m.n_customers_ == 1000 for m in models.values())
