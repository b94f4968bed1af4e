"""Wording rules of the retention findings: assumptions quoted, "no evidence" with the estimate
and its interval for a non-significant result, associations not effects, no lifetime from the
retention rate of a purchase log, no nan."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_fader_hardie_cohorts
from crmlab.errors import ParameterError
from crmlab.retention import (
    ShiftedBetaGeometric,
    durations_by_segment,
    fit_survivors,
    retention_findings,
    retention_value_table,
)

NAN = re.compile(r"\bnan\b|\binf\b|NaN", re.IGNORECASE)
CAUSAL = re.compile(
    r"\b(lowers|raises|reduces|increases) the (churn )?(hazard|risk)|\bdrives\b", re.IGNORECASE
)


def _two_groups(shift: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    group = np.repeat(["a", "b"], n // 2)
    time = rng.exponential(np.where(group == "a", 10.0 * shift, 10.0))
    censor = rng.uniform(0, 30, n)
    return pd.DataFrame(
        {"duration": np.minimum(time, censor), "event": (time <= censor).astype(int), "g": group}
    )


def _clean(lines):
    assert lines
    for line in lines:
        assert not NAN.search(line), line
        assert not CAUSAL.search(line), line


def test_non_significant_log_rank_says_no_evidence_with_the_estimate_and_interval():
    durations = _two_groups(1.0)
    table = durations_by_segment(durations, "g")
    logrank = pd.DataFrame({"p_value": [0.42]})
    lines = retention_findings(survival=table, logrank=logrank, duration_unit="D")
    _clean(lines)
    text = " ".join(lines)
    assert "no evidence of a difference between the curves at the 5% level" in text
    assert "p = 0.420" in text
    assert "a minus b:" in text and "95% interval" in text  # the estimate and its interval
    assert "do not differ" not in text
    significant = " ".join(
        retention_findings(survival=table, logrank=pd.DataFrame({"p_value": [0.001]}))
    )
    assert "differ significantly" in significant and "no evidence" not in significant


def test_non_significant_cox_result_says_no_evidence():
    cox = pd.DataFrame(
        {
            "change": ["doubling", "one unit"],
            "variable": ["1 + first_amount", "visits"],
            "hazard_ratio": [0.9, 1.3],
            "lower": [0.84, 0.8],
            "upper": [0.97, 2.1],
            "p_value": [0.006, 0.3],
        },
        index=["log_first_amount", "visits"],
    )
    first, second = retention_findings(cox=cox)
    _clean([first, second])
    assert first.startswith(
        "Cox model: a doubling of 1 + first_amount is associated with a hazard ratio of 0.90"
    )
    assert "95% interval 0.84 to 0.97" in first and "not an effect" in first
    assert "no evidence of an association between visits and the churn hazard" in second
    assert "hazard ratio 1.30" in second and "0.80 to 2.10" in second and "p = 0.300" in second
    # the significance level is a parameter
    (strict,) = retention_findings(cox=cox.iloc[:1], alpha=0.001)
    assert "no evidence" in strict and "0.1% level" in strict


def test_assumptions_are_quoted():
    cohorts = load_fader_hardie_cohorts()
    models = fit_survivors(cohorts, 7)
    value = retention_value_table(models, cohorts, 7, 0.08)
    durations = _two_groups(2.0)
    lines = retention_findings(
        survival=durations_by_segment(durations, "g"),
        inactivity_threshold=90,
        duration_unit="D",
        sbg=models["regular"],
        discount_rate=0.08,
        retention_value=value,
    )
    _clean(lines)
    text = " ".join(lines)
    assert "no purchase follows for 90 days (an assumed threshold" in text
    assert "the assumed discount rate of 8% a year" in text
    assert "at the assumed 8% a year" in text  # the CLV sentence quotes it too
    assert f"{models['regular'].dexl(0.08):.2f} years of margin" in text
    assert "retention elasticity" in text
    monthly = " ".join(retention_findings(sbg=models["regular"], discount_rate=0.08, period="M"))
    assert "8% a year (0.64% a month)" in monthly and "months of margin" in monthly


def test_purchase_log_retention_is_not_turned_into_a_lifetime():
    index = pd.period_range("2020-01", periods=5, freq="M", name="period")
    rates = pd.DataFrame(
        {
            "retention_rate": [np.nan, 0.3, 0.25, 0.28, 0.3],
            "reactivated": [0, 5, 6, 4, 5],
            "complete": True,
        },
        index=index,
    )
    lines = retention_findings(rates=rates)
    _clean(lines)
    text = " ".join(lines)
    assert "customers active in a month bought again in the next month" in text
    assert "is no customer lifetime" in text and "expected active life" not in text
    assert "periods, 1 / (1 - CRR)" not in text


def test_ph_and_concordance_sentences():
    ph = pd.DataFrame(
        {"rho": [0.2, np.nan], "statistic": [9.0, 9.0], "df": [1, 1], "p_value": [0.002, 0.002]},
        index=["x", "GLOBAL"],
    )
    (line,) = retention_findings(ph_test=ph)
    assert "evidence that the hazard ratio of x changes" in line
    ph["p_value"] = 0.4
    (line,) = retention_findings(ph_test=ph)
    assert "no evidence that the hazard ratios change over time" in line
    (line,) = retention_findings(concordance={"c_index": 0.548})
    assert "Harrell's C = 0.548" in line and "little better than chance" in line
    assert retention_findings(concordance={"c_index": float("nan")}) == []


def test_level_is_a_deprecated_alias_of_alpha():
    cox = pd.DataFrame(
        {"hazard_ratio": [1.3], "lower": [0.8], "upper": [2.1], "p_value": [0.03]}, index=["x"]
    )
    with pytest.warns(DeprecationWarning):
        (line,) = retention_findings(cox=cox, level=0.01)
    assert "no evidence" in line
    model = ShiftedBetaGeometric().fit(pd.Series([1000.0, 631, 468, 382, 326]))
    assert retention_findings(sbg=model)


def test_churn_threshold_sensitivity_and_its_finding():
    """The threshold is an assumption: the table recomputes the lifetimes at other thresholds
    at one horizon, and the finding quotes them."""
    from crmlab import text
    from crmlab.datasets import load_cdnow
    from crmlab.retention import (
        churn_durations,
        churn_threshold_sensitivity,
        durations_by_segment,
        retention_findings,
    )

    tx = load_cdnow()
    table = churn_threshold_sensitivity(tx, 180)
    assert list(table.index) == [180, 90, 360] and list(table["assumed"]) == [True, False, False]
    horizon = float(churn_durations(tx, 180)["duration"].max())
    assert (table["horizon"] == horizon).all()
    for threshold, row in table.iterrows():
        durations = churn_durations(tx, threshold)
        assert row["churned_share"] == durations["event"].mean()  # raw churn flags
        again = durations_by_segment(durations, None, horizon=horizon).iloc[0]
        assert row["rmst"] == pytest.approx(again["rmst"])
    # a shorter threshold calls more customers churned, earlier
    assert table.loc[90, "churned_share"] > table.loc[180, "churned_share"]
    assert table.loc[90, "rmst"] < table.loc[180, "rmst"] < table.loc[360, "rmst"]
    lines = retention_findings(
        survival=durations_by_segment(churn_durations(tx, 180)),
        inactivity_threshold=180,
        threshold_sensitivity=table,
        duration_unit="D",
    )
    line = next(x for x in lines if x.startswith("How much rests on the churn threshold"))
    for threshold, row in table.iterrows():
        assert (
            f"{text.pct(row['churned_share'], 1)} churned and {text.number(row['rmst'], 1)} days "
            f"at {text.number(threshold, None)} days" in line
        )
    assert "(assumed)" in line and f"first {text.number(horizon, 0)} days" in line
    with pytest.raises(ParameterError):
        churn_threshold_sensitivity(tx, 0)


def test_label_durations_names_the_unit_and_keeps_the_table():
    from crmlab.datasets import load_cdnow
    from crmlab.retention import churn_threshold_sensitivity, label_durations

    table = churn_threshold_sensitivity(load_cdnow(), 180, thresholds=[365])
    shown = label_durations(table, "days")
    assert shown.index.name == "threshold (days)" and "rmst (days)" in shown
    assert "churned_share" in shown and "rmst" in table and table.index.name == "threshold"
    np.testing.assert_array_equal(shown["rmst (days)"], table["rmst"])
