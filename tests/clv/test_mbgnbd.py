"""MBG/NBD: agreement with lifetimes' ModifiedBetaGeoFitter on CDNOW."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import MBGNBD
from crmlab.clv.mbgnbd import mbgnbd_loglik


@pytest.fixture(scope="module")
def model(cdnow):
    return MBGNBD().fit(cdnow)


def test_agrees_with_lifetimes(model, cdnow, lifetimes):
    """Reference: lifetimes 0.11.3 ModifiedBetaGeoFitter on the same summary (r = 0.525,
    alpha = 6.183, a = 0.891, b = 1.614)."""
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ref = lifetimes.ModifiedBetaGeoFitter().fit(f, r, T)
    np.testing.assert_allclose(
        model.params_.to_numpy(), ref.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-3
    )
    # lifetimes' likelihood drops no terms from ours at the same parameters: compare LL at its optimum
    ll_ref = mbgnbd_loglik(ref.params_[["r", "alpha", "a", "b"]].to_numpy(), f, r, T)[0].sum()
    assert model.log_likelihood_ >= ll_ref - 1e-6
    assert model.log_likelihood_ == pytest.approx(ll_ref, rel=1e-6)
    cond = ref.conditional_expected_number_of_purchases_up_to_time(39, f, r, T)
    np.testing.assert_allclose(model.conditional_expected_purchases(39), cond, rtol=1e-3)
    np.testing.assert_allclose(
        model.probability_alive(), ref.conditional_probability_alive(f, r, T), rtol=1e-3
    )
    np.testing.assert_allclose(
        model.expected_purchases_new_customer(39),
        ref.expected_number_of_purchases_up_to_time(39),
        rtol=1e-3,
    )


def test_gradient(cdnow):
    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    theta = np.array([0.5, 6.0, 0.9, 1.6])
    _, grad = mbgnbd_loglik(theta, x, tx, T)
    for j in range(4):
        step = np.eye(4)[j] * 1e-6 * theta[j]
        num = mbgnbd_loglik(theta + step, x, tx, T)[0] - mbgnbd_loglik(theta - step, x, tx, T)[0]
        np.testing.assert_allclose(grad[:, j], num / (2 * step[j]), rtol=1e-5, atol=1e-7)


def test_distribution(model):
    k = np.arange(400)
    p = model.probability_of_purchases(k, 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (p * k).sum() == pytest.approx(model.expected_purchases_new_customer(39), rel=1e-7)
    alive = model.probability_alive()
    assert (alive < 1).all()  # MBG/NBD: even customers without repeat purchase may be dead
