"""Discounted CLV: time units, discounting, closed form vs sums, bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BGBB, BGNBD, GammaGamma, ParetoNBD, customer_lifetime_value
from crmlab.clv.value import discount_rate_per_unit
from crmlab.datasets import load_donations
from crmlab.errors import ParameterError


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BGNBD().fit(cdnow), ParetoNBD().fit(cdnow), GammaGamma().fit(cdnow)


def test_discount_rate_conversion():
    # one year of weeks (365.25 / 7 of them) discounts by exactly 1 / (1 + rate)
    delta = discount_rate_per_unit(0.1, "W")
    assert np.exp(-delta * 365.25 / 7) == pytest.approx(1 / 1.1, rel=1e-12)
    assert np.exp(-discount_rate_per_unit(0.1, "M") * 12) == pytest.approx(1 / 1.1, rel=1e-12)
    assert np.exp(-discount_rate_per_unit(0.1, "D") * 365.25) == pytest.approx(1 / 1.1)
    with pytest.raises(ParameterError):
        discount_rate_per_unit(0.1, "fortnight")


def test_zero_discount_gives_expected_purchases(fitted, cdnow):
    bg, _, gg = fitted
    out = customer_lifetime_value(bg, gg, cdnow, 39, 0.0, "W")
    cond = bg.conditional_expected_purchases(39)
    np.testing.assert_allclose(out["dert"], cond, rtol=1e-10)
    np.testing.assert_allclose(out["expected_purchases"], cond, rtol=1e-10)
    np.testing.assert_allclose(out["clv"], cond * gg.expected_average_spend(), rtol=1e-10)


def test_discounting_and_margin(fitted, cdnow):
    bg, _, gg = fitted
    plain = customer_lifetime_value(bg, gg, cdnow, 104, 0.0, "W")
    disc = customer_lifetime_value(bg, gg, cdnow, 104, 0.2, "W", margin_rate=0.3)
    assert (disc["dert"] < plain["dert"]).all()
    # discounting 104 weeks at 20% a year lies between the end and start factors
    ratio = disc["dert"] / plain["dert"]
    assert ((ratio > 1.2 ** (-104 * 7 / 365.25)) & (ratio < 1)).all()
    np.testing.assert_allclose(disc["clv"], 0.3 * disc["expected_spend"] * disc["dert"])


def test_pareto_infinite_horizon_uses_closed_form(fitted, cdnow):
    """FHL (2005, JMR) eq. 2 equals the long discounted sum (checked in test_paretonbd too)."""
    _, pn, gg = fitted
    out = customer_lifetime_value(pn, gg, cdnow.iloc[:20], np.inf, 0.15, "W")
    delta = np.log(1.15) * 7 / 365.25
    np.testing.assert_allclose(
        out["dert"], pn.discounted_expected_residual_transactions(delta, cdnow.iloc[:20])
    )
    assert out["expected_purchases"].isna().all()
    with pytest.raises(ParameterError):
        customer_lifetime_value(fitted[0], gg, cdnow, np.inf, 0.1, "W")


def test_bootstrap_intervals(fitted, cdnow):
    bg, _, gg = fitted
    out = customer_lifetime_value(bg, gg, cdnow, 26, 0.1, "W", step=2.0, n_draws=60, seed=3)
    assert (out["clv_lower"] <= out["clv"] * 1.05).all()
    assert (out["clv_upper"] >= out["clv"] * 0.95).all()
    total = out.attrs["total_clv"]
    assert total["lower"] < total["estimate"] < total["upper"]
    again = customer_lifetime_value(bg, gg, cdnow, 26, 0.1, "W", step=2.0, n_draws=60, seed=3)
    np.testing.assert_array_equal(out["clv_lower"], again["clv_lower"])


def test_parameter_draws_follow_the_covariance(fitted):
    bg = fitted[0]
    draws = bg.draw_params(4000, seed=1)
    log_sd = np.log(draws).std()
    expected = np.sqrt(np.diag(bg.covariance_log_params_()))
    np.testing.assert_allclose(log_sd, expected, rtol=0.05)


def test_bgbb_value_in_periods():
    donations = load_donations()
    model = BGBB().fit(donations)
    out = customer_lifetime_value(model, None, None, 5, 0.1, "Y")
    cond = model.conditional_expected_purchases(5)
    assert (out["dert"] < cond).all()
    # per-period discounting: a flat stream would give sum 1.1^-k
    assert (out["dert"] > cond * 1.1**-5).all()
    np.testing.assert_allclose(out["clv"], out["dert"])


def test_pareto_grid_path_equals_the_step_by_step_sum(fitted, cdnow):
    """The Pareto/NBD one-pass grid (P(alive) once per draw) equals summing the discounted
    increments of ``conditional_expected_purchases`` step by step, for the fit and for draws."""
    from crmlab.clv.value import _dert_sum

    model = fitted[1]
    data = cdnow.iloc[:300]
    horizon, delta, step = 10.0, 0.002, 1.0
    grid = np.linspace(0.0, horizon, 11)
    draws = model.draw_params(3, seed=5)
    for params in (None, draws):
        fast_total, fast_last = _dert_sum(model, data, horizon, delta, step, params)
        total, previous = 0.0, 0.0
        for k in range(1, len(grid)):
            current = np.asarray(model.conditional_expected_purchases(grid[k], data, params=params))
            total = total + np.exp(-delta * 0.5 * (grid[k - 1] + grid[k])) * (current - previous)
            previous = current
        np.testing.assert_allclose(fast_total, total, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(fast_last, previous, rtol=1e-12, atol=1e-14)
