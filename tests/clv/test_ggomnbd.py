"""GGom/NBD (Bemmaor and Glady 2012): likelihood against mpmath, gradient, Pareto/NBD limit,
CLVTools 0.12.1 reference fits on the bundled CDNOW sample (issue 15)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import GGomNBD, ParetoNBD
from crmlab.clv.ggomnbd import ggomnbd_loglik
from crmlab.clv.paretonbd import paretonbd_loglik
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow
from crmlab.errors import ConvergenceError

COV = ["log_first_spend", "multi_cd"]


def _arrays(summary):
    return tuple(summary[c].to_numpy() for c in ("frequency", "recency", "T"))


def _mp_loglik(theta, x, tx, T):
    """log L from the model's definition: alive at T, or Gompertz death in (t_x, T]."""
    import mpmath as mp

    mp.mp.dps = 30
    r, a, b, s, be = (mp.mpf(v) for v in theta)
    x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)

    def dens(tau):
        return s * b * mp.e ** (b * tau) * be**s / (be + mp.e ** (b * tau) - 1) ** (s + 1)

    alive = (a + T) ** -(r + x) * (be / (be + mp.e ** (b * T) - 1)) ** s
    dead = mp.quad(lambda tau: (a + tau) ** -(r + x) * dens(tau), mp.linspace(tx, T, 21))
    return float(mp.log(mp.gamma(r + x) / mp.gamma(r) * a**r * (alive + dead)))


@pytest.mark.parametrize(
    "theta",
    [
        (0.55, 10.0, 0.05, 0.6, 0.5),
        (0.58, 40.0, 0.0235, 0.386, 0.3465),
        (1.5, 3.0, 0.5, 2.0, 0.01),  # steep Gompertz hazard
        (0.3, 0.5, 1e-3, 0.8, 20.0),  # small alpha
    ],
)
@pytest.mark.parametrize("row", [(0.0, 0.0, 39.0), (3.0, 10.0, 30.0), (25.0, 36.0, 39.0)])
def test_likelihood_matches_mpmath(theta, row):
    x, tx, T = (np.array([v]) for v in row)
    ll, _ = ggomnbd_loglik(theta, x, tx, T)
    assert ll[0] == pytest.approx(_mp_loglik(theta, *row), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize(
    "theta", [[0.55, 10.0, 0.05, 0.6, 0.5], [1.5, 3.0, 0.5, 2.0, 0.01], [0.3, 0.5, 1e-3, 0.8, 20.0]]
)
def test_gradient_matches_finite_differences(cdnow, theta):
    x, tx, T = _arrays(cdnow)
    theta = np.array(theta)
    _, grad = ggomnbd_loglik(theta, x, tx, T)
    for j in range(5):
        step = np.eye(5)[j] * 1e-6 * theta[j]
        up = ggomnbd_loglik(theta + step, x, tx, T)[0].sum()
        down = ggomnbd_loglik(theta - step, x, tx, T)[0].sum()
        assert grad[:, j].sum() == pytest.approx((up - down) / (2 * step[j]), rel=1e-5, abs=1e-3)


def test_pareto_limit(cdnow):
    """b -> 0 with beta / b fixed is the Pareto/NBD (drop-out rate b eta ~ Gamma(s, beta/b))."""
    x, tx, T = _arrays(cdnow)
    r, alpha, s, beta_p = 0.553, 10.58, 0.606, 11.67
    b = 1e-7
    ll_g, _ = ggomnbd_loglik((r, alpha, b, s, b * beta_p), x, tx, T)
    ll_p, _ = paretonbd_loglik((r, alpha, s, beta_p), x, tx, T)
    np.testing.assert_allclose(ll_g, ll_p, rtol=1e-5, atol=1e-5)


def test_no_covariates_on_cdnow_is_the_pareto_limit(cdnow):
    """CLVTools 0.12.1 ggomnbd(): r 0.55304, alpha 10.5727, b 9.98e-6, s 0.60612,
    beta 1.165e-4, LL -9594.976 (the Pareto/NBD limit): crmlab reaches that LL and says why it
    has no interior optimum."""
    x, tx, T = _arrays(cdnow)
    ll, _ = ggomnbd_loglik((0.55304, 10.5727, 9.98e-6, 0.60612, 1.165e-4), x, tx, T)
    assert ll.sum() == pytest.approx(-9594.976, abs=0.01)
    with pytest.raises(ConvergenceError, match="ParetoNBD") as info:
        GGomNBD().fit(cdnow)
    assert info.value.reason == "pareto_limit"
    assert info.value.parameter == "b"
    pareto = ParetoNBD().fit(cdnow)
    assert pareto.log_likelihood_ == pytest.approx(-9594.976, abs=0.01)


@pytest.fixture(scope="module")
def ggom_cov(cdnow):
    data = cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))
    return GGomNBD(purchase_covariates=COV, dropout_covariates=COV).fit(data)


def test_static_covariates_reproduce_clvtools(ggom_cov):
    """CLVTools 0.12.1 ggomnbd() with static covariates: r 0.58433, alpha 40.6936, b 0.023499,
    s 0.38625, beta 0.34652; purchase 0.40575, -0.08786; dropout 0.35415, -0.70908;
    LL -9570.449."""
    m = ggom_cov
    assert m.log_likelihood_ > -9570.449 - 0.01
    ref = {"r": 0.58433, "alpha": 40.6936, "b": 0.023499, "s": 0.38625, "beta": 0.34652}
    for name, value in ref.items():
        assert abs(m.params_[name] - value) < 0.2 * m.standard_errors_[name]
    coefs = {
        ("purchase", "log_first_spend"): 0.40575,
        ("purchase", "multi_cd"): -0.08786,
        ("dropout", "log_first_spend"): 0.35415,
        ("dropout", "multi_cd"): -0.70908,
    }
    for key, value in coefs.items():
        assert abs(m.coefficients_[key] - value) < 0.1 * m.coefficient_standard_errors_[key]


def test_predictions_tend_to_the_pareto_ones(cdnow):
    """P(alive), CET and DERT by quadrature approach the Pareto/NBD closed forms as b -> 0."""
    pareto = ParetoNBD().fit(cdnow)
    r, alpha, s, beta = pareto.params_
    b = 1e-7
    ggom = GGomNBD()
    ggom.params_ = pd.Series([r, alpha, b, s, b * beta], index=["r", "alpha", "b", "s", "beta"])
    ggom._fitted_data = _arrays(cdnow)
    ggom._fitted_index = cdnow.index
    np.testing.assert_allclose(ggom.probability_alive(), pareto.probability_alive(), rtol=1e-5)
    np.testing.assert_allclose(
        ggom.conditional_expected_purchases(39),
        pareto.conditional_expected_purchases(39),
        rtol=1e-5,
    )
    delta = 0.005
    np.testing.assert_allclose(
        ggom.discounted_expected_residual_transactions(delta),
        pareto.discounted_expected_residual_transactions(delta),
        rtol=1e-4,
    )
    np.testing.assert_allclose(
        ggom.expected_purchases_new_customer(np.array([10.0, 39.0])),
        pareto.expected_purchases_new_customer(np.array([10.0, 39.0])),
        rtol=1e-5,
    )


def test_covariate_predictions_are_per_customer(ggom_cov):
    p = ggom_cov.probability_alive()
    cet = ggom_cov.conditional_expected_purchases(39)
    dert = ggom_cov.discounted_expected_residual_transactions(0.005)
    assert ((p > 0) & (p <= 1)).all()
    assert (cet >= 0).all() and (dert >= cet * 0).all()
    # a longer horizon never lowers the expectation
    assert (ggom_cov.conditional_expected_purchases(78) >= cet - 1e-12).all()


def test_no_repeat_customers_is_not_identified(cdnow):
    data = cdnow.assign(frequency=0.0, recency=0.0)
    with pytest.raises(ConvergenceError) as info:
        GGomNBD().fit(data)
    assert info.value.reason == "no_repeat_customers"
