"""Annual discount rates with per-period rates from the period, the retention elasticity and
the retention-based CLV (crmlab.retention.sbg, crmlab.retention.subscriptions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import clv, transactions
from crmlab.datasets import load_fader_hardie_cohorts
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    ShiftedBetaGeometric,
    fit_survivors,
    observed_retention_rate,
    retention_value_table,
    sbg_comparison,
    sbg_projection_table,
    sbg_projections,
)


@pytest.fixture(scope="module")
def cohorts() -> pd.DataFrame:
    return load_fader_hardie_cohorts()


@pytest.fixture(scope="module")
def models(cohorts):
    return fit_survivors(cohorts, fit_periods=7)


def test_one_discount_rule_for_units_and_periods():
    for code, unit in transactions.TIME_UNITS.items():
        per = transactions.discount_rate_per_period(0.1, code)
        assert (1 + per) ** unit.per_year == pytest.approx(1.1, rel=1e-12)
        delta = transactions.discount_rate_per_unit(0.1, code)
        assert per == pytest.approx(np.expm1(delta), rel=1e-12)
    assert transactions.discount_rate_per_period(0.1, "Y") == 0.1
    # the name crmlab.clv has always had is the same function
    assert clv.discount_rate_per_unit is transactions.discount_rate_per_unit
    with pytest.raises(ParameterError) as info:
        transactions.discount_rate_per_period(0.1, "fortnight")
    assert info.value.parameter == "period"
    with pytest.raises(ParameterError) as info:
        transactions.discount_rate_per_period(-1.5, "M")
    assert info.value.parameter == "discount_rate"


def test_yearly_period_keeps_the_published_numbers(models):
    """For yearly cohorts the annual rate is the rate per period: DERL and DEL as before."""
    model = models["regular"]
    assert model.derl(0.1, 4, period="Y") == model.derl(0.1, 4)
    assert model.dexl(0.1, "Y") == pytest.approx(3.695, abs=1e-3)


def test_monthly_period_discounts_at_the_monthly_rate(models):
    """period="M": DEL is the sum of S(t) discounted at (1.1)^(1/12) - 1 per month."""
    model = models["regular"]
    monthly = 1.1 ** (1 / 12) - 1
    t = np.arange(0, 40000)
    brute = np.sum(model.survival(t) / (1 + monthly) ** t)
    assert model.dexl(0.1, "M") == pytest.approx(brute, rel=1e-8)
    assert model.derl(0.1, 3, "M") == pytest.approx(model.derl(monthly, 3, "Y"), rel=1e-12)
    with pytest.raises(ParameterError) as info:
        model.dexl(0.1, "fortnight")
    assert info.value.parameter == "period"


@pytest.mark.parametrize("renewals", [None, 0, 3, 10])
def test_retention_elasticity_matches_a_brute_force_derivative(models, renewals):
    """Raise every retention rate by the factor c and recompute the lifetime by explicit sums
    of products of retention rates; the central log-difference is the point elasticity."""
    z = 1 / 1.1
    for model in models.values():
        if renewals is None:
            t = np.arange(0, 30000)
            surv = model.survival(t)

            def value(c, t=t, surv=surv):
                return np.sum(surv * c**t * z**t)

        else:
            n = renewals + 1
            t = np.arange(n, n + 30000)
            ratio = model.survival(t) / model.survival(n - 1)

            def value(c, t=t, ratio=ratio, n=n):
                return np.sum(ratio * c ** (t - n + 1) * z ** (t - n))

        h = 1e-5
        brute = (np.log(value(1 + h)) - np.log(value(1 - h))) / (np.log1p(h) - np.log1p(-h))
        assert model.retention_elasticity(0.1, renewals) == pytest.approx(brute, rel=1e-7)


def test_retention_elasticity_homogeneous_limit():
    """Without heterogeneity (alpha, beta large, r = beta / (alpha + beta)) the elasticity of a
    new customer's value is r / (1 + d - r) and that of DERL (1 + d) / (1 + d - r)."""
    r, d = 0.8, 0.1
    model = ShiftedBetaGeometric()
    model.params_ = pd.Series({"alpha": (1 - r) * 1e7, "beta": r * 1e7})
    assert model.retention_elasticity(d) == pytest.approx(r / (1 + d - r), rel=1e-5)
    assert model.retention_elasticity(d, 2) == pytest.approx((1 + d) / (1 + d - r), rel=1e-5)
    assert model.dexl(d) == pytest.approx((1 + d) / (1 + d - r), rel=1e-5)


def test_retention_value_table(models, cohorts):
    table = retention_value_table(models, cohorts, fit_periods=7, discount_rate=0.1)
    alive = cohorts["regular"].loc[:7]
    r = alive.iloc[1:].sum() / alive.iloc[:-1].sum()
    row = table.loc["regular"]
    assert row["retention_rate"] == pytest.approx(r)
    assert row["discount_per_period"] == 0.1
    # the retention-based CLV against a brute-force sum of r^t / (1 + d)^t
    t = np.arange(0, 5000)
    assert row["clv_constant"] == pytest.approx(np.sum(r**t / 1.1**t), rel=1e-10)
    assert row["del_sbg"] == pytest.approx(models["regular"].dexl(0.1))
    assert row["elasticity_constant"] == pytest.approx(r / (1.1 - r))
    assert row["elasticity_sbg"] == pytest.approx(models["regular"].retention_elasticity(0.1))
    # Fader & Hardie (2010): ignoring heterogeneity understates value and elasticity
    assert (table["clv_constant"] < table["del_sbg"]).all()
    assert (table["elasticity_constant"] < table["elasticity_sbg"]).all()
    monthly = retention_value_table(models, cohorts, 7, 0.1, period="M")
    assert monthly.loc["regular", "discount_per_period"] == pytest.approx(1.1 ** (1 / 12) - 1)
    with pytest.raises(DataError):
        observed_retention_rate(pd.Series([100.0]))


def test_sbg_projection_table(models, cohorts):
    model = models["regular"]
    table = sbg_projection_table(model, cohorts["regular"], extra_periods=3, discount_rate=0.1)
    assert table.index.tolist() == list(range(16))
    np.testing.assert_allclose(table["actual"].iloc[:13], cohorts["regular"].to_numpy())
    assert table["actual"].iloc[13:].isna().all()
    np.testing.assert_allclose(table["expected"], 1000 * model.survival(np.arange(16)))
    np.testing.assert_allclose(table["derl"], model.derl(0.1, np.arange(16)))
    assert table["observed_retention"].iloc[1] == pytest.approx(631 / 1000)
    both = sbg_projections(models, cohorts)
    assert set(both) == {"regular", "high_end"}
    assert both["high_end"].index.max() == 12
    with pytest.raises(ParameterError):
        sbg_projection_table(model, cohorts["regular"], extra_periods=-1)


def test_sbg_comparison_period(models, cohorts):
    yearly = sbg_comparison(models, cohorts, 7, 0.1)
    monthly = sbg_comparison(models, cohorts, 7, 0.1, period="M")
    assert yearly.loc["regular", "del"] == pytest.approx(models["regular"].dexl(0.1))
    assert monthly.loc["regular", "del"] == pytest.approx(models["regular"].dexl(0.1, "M"))
    assert monthly.loc["regular", "del"] > yearly.loc["regular", "del"]
