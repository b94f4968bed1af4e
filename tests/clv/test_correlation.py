"""Pareto/NBD with Sarmanov-correlated purchase and drop-out rates (ParetoNBD(correlation=True)).

Reference: CLVTools 0.12.1 ``pnbd(use.cor = TRUE)`` on the bundled CDNOW sample (issue 15):
r 0.54318, alpha 10.1001, s 0.50885, beta 9.17912, correlation 0.086120, LL -9591.766.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import ParetoNBD
from crmlab.clv.correlation import ParetoNBDCorrelated, max_correlation, sarmanov_loglik
from crmlab.clv.paretonbd import paretonbd_loglik

REF = (0.54318, 10.1001, 0.50885, 9.17912, 0.086120)


def _arrays(summary):
    return tuple(summary[c].to_numpy() for c in ("frequency", "recency", "T"))


@pytest.fixture(scope="module")
def model(cdnow):
    return ParetoNBD(correlation=True).fit(cdnow)


def test_likelihood_at_the_clvtools_estimate(cdnow):
    """The signed-mixture likelihood gives CLVTools' LL at CLVTools' estimate."""
    ll, _ = sarmanov_loglik(REF, *_arrays(cdnow))
    assert ll.sum() == pytest.approx(-9591.766, abs=0.01)


def test_likelihood_matches_the_double_integral():
    """L = int int L(x | lambda, mu) f(lambda) f(mu) [1 + omega phi1 phi2], by generalised
    Gauss-Laguerre quadrature over both gamma distributions (the integrand is smooth)."""
    from scipy.special import gamma, roots_genlaguerre

    r, a, s, b, rho = 0.8, 3.0, 1.2, 5.0, 0.15
    c1, c2 = (a / (a + 1)) ** r, (b / (b + 1)) ** s
    omega = rho * (a + 1) * (b + 1) / np.sqrt(r * s) / (c1 * c2)
    xl, wl = roots_genlaguerre(80, r - 1)
    xm, wm = roots_genlaguerre(80, s - 1)
    lam, mu = (xl / a)[:, None], (xm / b)[None, :]
    weights = (wl / gamma(r))[:, None] * (wm / gamma(s))[None, :]
    for x, tx, T in [(2.0, 5.0, 12.0), (0.0, 0.0, 8.0)]:
        ind = lam**x * np.exp(-(lam + mu) * T) + lam**x * mu / (lam + mu) * (
            np.exp(-(lam + mu) * tx) - np.exp(-(lam + mu) * T)
        )
        mix = 1 + omega * (np.exp(-lam) - c1) * (np.exp(-mu) - c2)
        ref = np.sum(weights * ind * mix)
        ll, _ = sarmanov_loglik((r, a, s, b, rho), *(np.array([v]) for v in (x, tx, T)))
        assert ll[0] == pytest.approx(np.log(ref), rel=1e-9)


def test_zero_correlation_is_the_pareto_nbd(cdnow):
    theta = (0.55, 10.6, 0.61, 11.7)
    ll0, _ = paretonbd_loglik(theta, *_arrays(cdnow))
    ll, _ = sarmanov_loglik((*theta, 0.0), *_arrays(cdnow))
    np.testing.assert_allclose(ll, ll0, rtol=1e-13)


def test_gradient_matches_finite_differences(cdnow):
    theta = np.array([0.6, 8.0, 0.7, 12.0, 0.05])
    x, tx, T = _arrays(cdnow)
    _, grad = sarmanov_loglik(theta, x, tx, T)
    for j in range(5):
        h = 1e-6 * theta[j]
        step = np.eye(5)[j] * h
        up = sarmanov_loglik(theta + step, x, tx, T)[0].sum()
        down = sarmanov_loglik(theta - step, x, tx, T)[0].sum()
        assert grad[:, j].sum() == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-3)


def test_invalid_density_has_no_likelihood(cdnow):
    """Beyond the largest correlation the Sarmanov density is negative somewhere."""
    r, a, s, b = 0.55, 10.6, 0.61, 11.7
    too_big = 1.01 * max_correlation(r, a, s, b, 1.0)
    ll, _ = sarmanov_loglik((r, a, s, b, too_big), *_arrays(cdnow))
    assert np.all(ll == -np.inf)


def test_fit_reaches_the_reference(model):
    """At least CLVTools' LL; the optimum sits on the bound of the Sarmanov family."""
    assert isinstance(model, ParetoNBDCorrelated) and isinstance(model, ParetoNBD)
    assert model.log_likelihood_ > -9591.766 - 0.01
    assert list(model.params_.index) == ["r", "alpha", "s", "beta", "correlation"]
    assert model.params_["correlation"] > 0
    assert model.params_["correlation"] <= model.max_correlation_ * (1 + 1e-9)
    for name, value in zip(model.params_.index, REF, strict=True):
        assert abs(model.params_[name] - value) < 0.5 * model.standard_errors_[name]
    assert model.at_validity_bound_
    summary = model.summary()
    assert np.isfinite(summary.to_numpy()).all()


def test_predictions_reduce_to_pareto_at_zero_correlation(cdnow, model):
    pareto = ParetoNBD().fit(cdnow)
    zero = ParetoNBDCorrelated()
    zero.params_ = pd.Series([*pareto.params_, 0.0], index=list(model.params_.index))
    zero._fitted_data = _arrays(cdnow)
    zero._fitted_index = cdnow.index
    np.testing.assert_allclose(zero.probability_alive(), pareto.probability_alive(), rtol=1e-12)
    np.testing.assert_allclose(
        zero.conditional_expected_purchases(39),
        pareto.conditional_expected_purchases(39),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        zero.discounted_expected_residual_transactions(0.01),
        pareto.discounted_expected_residual_transactions(0.01),
        rtol=1e-10,
    )


def test_correlated_predictions_are_valid(model):
    p = model.probability_alive()
    cet = model.conditional_expected_purchases(39)
    assert ((p > 0) & (p <= 1)).all()
    assert (cet > 0).all()
    assert (model.discounted_expected_residual_transactions(0.01) > cet * 0).all()
