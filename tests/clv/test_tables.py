"""Tests of crmlab.clv.tables: parameter table, spend-frequency check, CLV crosstab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import (
    BGNBD,
    GammaGamma,
    clv_crosstab,
    parameter_table,
    spend_frequency_check,
)
from crmlab.errors import DataError


def test_parameter_table_stacks_summaries(cdnow):
    bg = BGNBD().fit(cdnow)
    gg = GammaGamma().fit(cdnow)
    table = parameter_table([bg, gg])
    assert table.index.names == ["model", "parameter"]
    assert list(table.index.get_level_values("model").unique()) == ["BGNBD", "GammaGamma"]
    assert table.loc[("BGNBD", "r"), "coef"] == pytest.approx(0.2426, abs=1e-4)  # FHL 2005
    assert table.loc[("GammaGamma", "q"), "se"] == pytest.approx(gg.standard_errors_["q"])
    assert list(table.columns) == ["coef", "se", "lower", "upper"]


def test_spend_frequency_check_known_correlation():
    summary = pd.DataFrame(
        {"frequency": [0, 1, 2, 3, 4, 0], "monetary_value": [0.0, 10, 20, 30, 40, 0.0]}
    )
    check = spend_frequency_check(summary)
    assert check.loc["pearson", "correlation"] == pytest.approx(1.0)
    assert check.loc["spearman", "correlation"] == pytest.approx(1.0)
    assert (check["n_customers"] == 4).all()  # one-time buyers left out
    summary["monetary_value"] = [0.0, 40, 30, 20, 10, 0.0]
    assert spend_frequency_check(summary).loc["pearson", "correlation"] == pytest.approx(-1.0)


def test_spend_frequency_check_cdnow_near_published(cdnow):
    """FHL (2005b, JMR, section 4.2) report a correlation of 0.11 on the CDNOW calibration data."""
    r = spend_frequency_check(cdnow).loc["pearson", "correlation"]
    assert 0.0 < r < 0.2


def test_spend_frequency_check_needs_columns_and_repeaters():
    with pytest.raises(DataError, match="monetary_value"):
        spend_frequency_check(pd.DataFrame({"frequency": [1, 2, 3]}))
    with pytest.raises(DataError, match="fewer than 4"):
        spend_frequency_check(pd.DataFrame({"frequency": [0, 1], "monetary_value": [0.0, 3.0]}))


def test_clv_crosstab_counts_and_sums(small):
    _, values, _, tiers, segments = small
    segments = pd.Series(["a", "a", "b", "b", "a"], index=values.index)
    table = clv_crosstab(tiers, segments, values)
    assert table.loc["a", ("customers", "all")] == 3
    assert table.loc["a", ("customers", "top")] == 1
    assert table.loc["b", ("customers", "low")] == 2
    assert table.loc["a", ("clv", "all")] == pytest.approx(200.0)
    assert table.loc["b", ("clv", "low")] == pytest.approx(6.0)
    assert table.loc["all", ("clv", "all")] == pytest.approx(206.0)
    assert table.loc[["a", "b"], ("clv_share", "all")].sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="lack an RFM segment"):
        clv_crosstab(tiers, segments.iloc[:3], values)


def test_spend_frequency_check_fisher_intervals_match_closed_form():
    """Fisher z: tanh(atanh(r) -+ 1.96 / sqrt(n - 3)) for Pearson, sqrt(1.06 / (n - 3)) for
    Spearman (Fieller, Hartley and Pearson 1957), computed here independently."""
    from scipy import stats

    rng = np.random.default_rng(3)
    n = 400
    x = rng.poisson(3, n) + 1
    m = np.exp(0.2 * np.log(x) + rng.normal(0, 0.5, n))
    check = spend_frequency_check(pd.DataFrame({"frequency": x, "monetary_value": m}))
    z = stats.norm.ppf(0.975)
    for method, var in (("pearson", 1.0), ("spearman", 1.06)):
        r = check.loc[method, "correlation"]
        half = z * np.sqrt(var / (n - 3))
        assert check.loc[method, "lower"] == pytest.approx(np.tanh(np.arctanh(r) - half))
        assert check.loc[method, "upper"] == pytest.approx(np.tanh(np.arctanh(r) + half))
    assert check.loc["pearson", "correlation"] == pytest.approx(stats.pearsonr(x, m).statistic)
    assert check.attrs["verdict"] == "violated"  # built with a dependence on frequency


def test_spend_frequency_check_independent_spend_is_not_clearly_violated():
    rng = np.random.default_rng(4)
    x = rng.poisson(3, 300) + 1
    m = rng.gamma(5.0, 10.0, 300)  # independent of x
    check = spend_frequency_check(pd.DataFrame({"frequency": x, "monetary_value": m}))
    covers = ((check["lower"] <= 0) & (check["upper"] >= 0)).all()
    assert check.attrs["verdict"] == ("not clearly violated" if covers else "violated")
    assert covers  # |r| < 0.06 here; both intervals have half-width ~0.11


def test_infinite_dert_matches_a_long_finite_horizon(cdnow):
    """Pareto/NBD's closed-form DERT (FHL 2005b, eq. 2) equals the discounted sum over a
    horizon long enough for the discount to vanish; BG/NBD has none (None)."""
    from crmlab import clv

    model = clv.ParetoNBD().fit(cdnow)
    part = cdnow.iloc[:40]
    closed = clv.infinite_dert(model, 0.1, "W", part)
    long = clv.customer_lifetime_value(model, None, part, 3000.0, 0.1, "W", step=1.0)["dert"]
    np.testing.assert_allclose(closed.to_numpy(), long.to_numpy(), rtol=2e-3)
    assert closed.name == "dert_infinite"
    assert clv.infinite_dert(clv.BGNBD().fit(cdnow), 0.1, "W") is None
    assert clv.infinite_dert(model, 0.0, "W") is None  # undiscounted: no finite value


def test_clv_table_and_horizon_columns_label_horizon_and_intervals(cdnow):
    from crmlab import clv

    model = clv.ParetoNBD().fit(cdnow)
    part = cdnow.iloc[:60]
    values = clv.customer_lifetime_value(model, None, part, 52, 0.1, "W", n_draws=5, seed=0)
    pred = clv.clv_predictive_interval(model, None, 52, 0.1, "W", 1.0, part, n_draws=0, n_sims=50)
    table = clv.clv_table(values, model.probability_alive(part), 52, "W", pred,
                          clv.infinite_dert(model, 0.1, "W", part))  # fmt: skip
    assert list(table.columns) == [
        "p_alive",
        "expected purchases in the next 52 weeks",
        "52-week CLV",
        "CLV lower, parameter uncertainty",
        "CLV upper, parameter uncertainty",
        "CLV lower, predictive",
        "CLV upper, predictive",
        "DERT, infinite horizon",
    ]
    assert table["52-week CLV"].is_monotonic_decreasing
    shown = clv.horizon_columns(values, 13, "M")
    assert "13-month CLV" in shown and "expected purchases in the next 13 months" in shown


def test_bgbb_repeat_table_on_donations():
    from crmlab import clv
    from crmlab.datasets import load_donations

    data = load_donations()
    model = clv.BGBB().fit(data)
    table = clv.bgbb_repeat_table(model, data)
    assert table["actual"].sum() == pytest.approx(11104)
    assert table["expected"].sum() == pytest.approx(11104, rel=1e-9)
    assert table.loc[0, "actual"] == 3464  # donors without a repeat donation (FHS 2010)
    assert "periods with a repeat transaction" in table.attrs["xlabel"]


def test_customer_covariates_take_the_first_purchase():
    from crmlab import clv
    from crmlab.errors import DataError as Err

    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2020-02-01", "2020-01-01", "2020-01-05"]),
            "channel": ["shop", "web", "shop"],
        }
    )
    out = clv.customer_covariates(tx, ["channel"])
    assert out.loc[1, "channel"] == "web" and out.loc[2, "channel"] == "shop"
    with pytest.raises(Err, match="region"):
        clv.customer_covariates(tx, ["region"])


def test_clv_export_adds_the_predictive_interval():
    from crmlab import clv

    actions = pd.DataFrame({"clv": [2.0, 1.0]}, index=pd.Index([7, 9], name="customer_id"))
    pred = pd.DataFrame(
        {"clv_predictive_lower": [0.0, 0.0], "clv_predictive_upper": [5.0, 3.0]}, index=[9, 7]
    )
    out = clv.clv_export(actions, pred, pd.Series([10.0, 20.0], index=[7, 9]))
    assert out.loc[7, "clv_predictive_upper"] == 3.0 and out.loc[9, "dert_infinite"] == 20.0
    assert list(clv.clv_export(actions).columns) == ["clv"]
