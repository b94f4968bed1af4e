"""Tests of crmlab.clv.NBD: the gamma-Poisson model without dropout.

The NBD is the no-dropout limit of BG/NBD (p -> 0) and of Pareto/NBD (mu -> 0): its likelihood
and predictions are checked against theirs near that limit, its purchase distribution against
scipy's negative binomial, and its estimates against simulated data with known parameters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab.clv import BGNBD, NBD, customer_lifetime_value
from crmlab.clv.bgnbd import bgnbd_loglik
from crmlab.clv.nbd import nbd_loglik
from crmlab.clv.paretonbd import paretonbd_loglik
from crmlab.datasets import load_cdnow
from crmlab.rfm import rfm_summary


def _nbd_summary(n: int, r: float, alpha: float, seed: int) -> pd.DataFrame:
    """Customers who never drop out: Poisson purchases at gamma-distributed rates."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1 / alpha, n)
    T = rng.uniform(30, 78, n)
    x = rng.poisson(lam * T).astype(float)
    recency = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1), 0.0)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": T})


@pytest.fixture(scope="module")
def data():
    return _nbd_summary(4000, 0.8, 6.0, seed=11)


def test_loglik_is_the_no_dropout_limit_of_bgnbd_and_paretonbd(data):
    x, tx, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    theta = (0.8, 6.0)
    ll, _ = nbd_loglik(theta, x, T)
    bg, _ = bgnbd_loglik((0.8, 6.0, 1e-9, 1.0), x, tx, T)  # p ~ Beta(1e-9, 1): p -> 0
    pareto, _ = paretonbd_loglik((0.8, 6.0, 1e-9, 1.0), x, tx, T)  # mu ~ Gamma(1e-9, 1)
    np.testing.assert_allclose(ll, bg, atol=1e-6)
    np.testing.assert_allclose(ll, pareto, atol=1e-6)


def test_gradient_matches_finite_differences(data):
    x, T = data["frequency"].to_numpy()[:50], data["T"].to_numpy()[:50]
    theta = np.array([0.7, 5.0])
    _, grad = nbd_loglik(theta, x, T)
    for j in range(2):
        step = np.zeros(2)
        step[j] = 1e-6
        numeric = (nbd_loglik(theta + step, x, T)[0] - nbd_loglik(theta - step, x, T)[0]) / 2e-6
        np.testing.assert_allclose(grad[:, j], numeric, rtol=1e-5, atol=1e-7)


def test_fit_recovers_the_simulated_parameters(data):
    model = NBD().fit(data)
    summary = model.summary()
    for name, true in (("r", 0.8), ("alpha", 6.0)):
        assert summary.loc[name, "lower"] < true < summary.loc[name, "upper"], summary
    assert model.aic_ == pytest.approx(2 * 2 - 2 * model.log_likelihood_)


def test_predictions_are_the_no_dropout_limit_of_bgnbd(data):
    model = NBD().fit(data)
    r, alpha = model.params_
    # any fitted instance (on data that identify BG/NBD); its parameters are replaced
    near = BGNBD().fit(rfm_summary(load_cdnow(), time_unit="W"))
    near.params_ = pd.Series([r, alpha, 1e-8, 1e4], index=["r", "alpha", "a", "b"])
    sample = data.head(200)
    np.testing.assert_allclose(
        model.conditional_expected_purchases(10.0, sample),
        near.conditional_expected_purchases(10.0, sample),
        rtol=1e-3,
    )
    np.testing.assert_allclose(
        model.expected_purchases(np.array([1.0, 20.0])),
        near.expected_purchases(np.array([1.0, 20.0])),
        rtol=1e-3,
    )
    assert (model.probability_alive(sample) == 1.0).all()


def test_purchase_distribution_is_the_negative_binomial(data):
    model = NBD().fit(data)
    r, alpha = model.params_
    k = np.arange(0, 40)
    p = model.probability_of_purchases(k, 26.0)
    np.testing.assert_allclose(p, stats.nbinom.pmf(k, r, alpha / (alpha + 26.0)), rtol=1e-10)
    assert p.sum() == pytest.approx(1.0, abs=1e-3)


def test_clv_without_discount_is_rate_times_horizon(data):
    model = NBD().fit(data)
    values = customer_lifetime_value(model, None, data.head(100), 52.0, 0.0, "W")
    r, alpha = model.params_
    expected = 52.0 * (r + data["frequency"].head(100)) / (alpha + data["T"].head(100))
    np.testing.assert_allclose(values["dert"], expected, rtol=1e-12)
    np.testing.assert_allclose(values["expected_purchases"], expected, rtol=1e-12)
    with_draws = customer_lifetime_value(
        model, None, data.head(100), 52.0, 0.1, "W", n_draws=30, seed=1
    )
    assert (with_draws["clv_lower"] <= with_draws["clv"]).all()
    assert (with_draws["clv"] <= with_draws["clv_upper"]).all()


def test_paretonbd_likelihood_peaks_at_the_nbd_on_steady_buyers():
    """Customers whose last purchase is at the end of their window show no dropout at all:
    the Pareto/NBD likelihood is never above the NBD's, whatever the dropout parameters."""
    data = _nbd_summary(1500, 1.5, 4.0, seed=2)
    data["recency"] = np.where(data["frequency"] > 0, data["T"], 0.0)
    nbd = NBD().fit(data)
    x, tx, T = (data[c].to_numpy() for c in ("frequency", "recency", "T"))
    r, alpha = nbd.params_
    for s, beta in ((0.5, 10.0), (2.0, 100.0), (0.01, 1e4)):
        pareto = paretonbd_loglik((r, alpha, s, beta), x, tx, T)[0].sum()
        assert pareto < nbd.log_likelihood_
