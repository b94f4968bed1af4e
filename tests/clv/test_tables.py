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
