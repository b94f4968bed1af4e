"""Pareto/NBD: published CDNOW estimates, analytic gradient, lifetimes agreement, DERT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import ParetoNBD
from crmlab.clv.paretonbd import paretonbd_loglik


@pytest.fixture(scope="module")
def model(cdnow):
    return ParetoNBD().fit(cdnow)


def test_reproduces_fader_hardie_lee_2005(model):
    """Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2),
    section 4 (CDNOW, 39-week calibration): r = 0.553, alpha = 10.578, s = 0.606,
    beta = 11.669, LL = -9595.0."""
    expected = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    for name, value in expected.items():
        assert round(model.params_[name], 3) == value
    assert round(model.log_likelihood_, 1) == -9595.0
    assert (model.standard_errors_ > 0).all()


@pytest.mark.parametrize(
    "theta",
    [
        [0.55, 10.6, 0.61, 11.7],
        [0.5, 3.0, 0.7, 20.0],
        [0.5, 30.0, 0.7, 2.0],
        [2.0, 5.0, 1.5, 5.0],
        [0.5, 20.0, 0.7, 0.001],  # quadrature branch
    ],
)
def test_analytic_gradient_both_branches(cdnow, theta):
    """Gradient of the 2F1 series form checked for alpha > beta, alpha < beta, alpha = beta."""
    theta = np.array(theta)
    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    _, grad = paretonbd_loglik(theta, x, tx, T)
    for j in range(4):
        step = np.eye(4)[j] * 1e-6 * theta[j]
        up = paretonbd_loglik(theta + step, x, tx, T)[0].sum()
        down = paretonbd_loglik(theta - step, x, tx, T)[0].sum()
        assert grad[:, j].sum() == pytest.approx((up - down) / (2 * step[j]), rel=1e-5, abs=1e-4)


@pytest.mark.parametrize(
    ("theta", "tol"),
    [
        ((0.8, 7.0, 1.3, 2.0), 1e-10),  # series, alpha > beta
        ((0.8, 2.0, 1.3, 7.0), 1e-10),  # series, alpha < beta
        ((5.0, 1000.0, 3.0, 0.01), 1e-6),  # 2F1 argument near 1: quadrature branch
        ((0.3, 0.001, 0.5, 50.0), 1e-6),  # same, alpha << beta
    ],
)
def test_likelihood_matches_numerical_integral(theta, tol):
    """L = G(r+x) a^r b^s / G(r) [(a+T)^-(r+x) (b+T)^-s + s int_tx^T (a+y)^-(r+x) (b+y)^-(s+1)]."""
    from scipy.integrate import quad
    from scipy.special import gammaln

    r, a, s, b = theta
    for x, tx, T in [(3.0, 10.0, 30.0), (40.0, 25.0, 39.0), (0.0, 0.0, 12.0), (1.0, 0.5, 39.0)]:
        integral = quad(
            lambda y, x=x: (a + y) ** -(r + x) * (b + y) ** -(s + 1),
            tx,
            T,
            epsabs=0,
            epsrel=1e-13,
            points=[tx + 1e-3, tx + 0.01, tx + 0.1, tx + 1],
            limit=1000,
        )[0]
        lik = np.exp(gammaln(r + x) - gammaln(r) + r * np.log(a) + s * np.log(b)) * (
            (a + T) ** -(r + x) * (b + T) ** -s + s * integral
        )
        ll, _ = paretonbd_loglik((r, a, s, b), np.array([x]), np.array([tx]), np.array([T]))
        assert ll[0] == pytest.approx(np.log(lik), rel=tol, abs=tol)


def test_agrees_with_lifetimes_predictions(model, cdnow, lifetimes):
    """lifetimes' ParetoNBDFitter formulas evaluated at our estimates (its own fit is slow and
    unseeded, see PITFALLS.md): LL, conditional expectations and P(alive)."""
    ref = lifetimes.ParetoNBDFitter()
    ref.params_ = pd.Series(model.params_.to_numpy(), index=["r", "alpha", "s", "beta"])
    f, r, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    cond = ref.conditional_expected_number_of_purchases_up_to_time(39, f, r, T)
    np.testing.assert_allclose(model.conditional_expected_purchases(39), cond, rtol=1e-6)
    np.testing.assert_allclose(
        model.probability_alive(), ref.conditional_probability_alive(f, r, T), rtol=1e-6
    )
    np.testing.assert_allclose(
        model.expected_purchases_new_customer(39),
        ref.expected_number_of_purchases_up_to_time(39),
        rtol=1e-8,
    )
    nll = ref._negative_log_likelihood(
        model.params_.to_numpy(), f.to_numpy(), r.to_numpy(), T.to_numpy(), np.ones(len(f)), 0.0
    )
    assert -nll == pytest.approx(model.log_likelihood_, rel=1e-8)  # lifetimes: a sum here


def test_probability_of_purchases_is_a_distribution(model):
    k = np.arange(300)
    p = model.probability_of_purchases(k, 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-8)
    assert (p * k).sum() == pytest.approx(model.expected_purchases_new_customer(39), rel=1e-6)


def test_dert_closed_form_equals_long_discounted_sum(model, cdnow):
    """FHL (2005, JMR) eq. 2 against the discounted sum of conditional expected increments."""
    from crmlab.clv import customer_lifetime_value

    sub = cdnow.iloc[:40]
    delta = np.log(1.15) * 7 / 365.25
    closed = model.discounted_expected_residual_transactions(delta, sub)
    long_sum = customer_lifetime_value(model, None, sub, 52 * 150, 0.15, "W", step=1.0)["dert"]
    np.testing.assert_allclose(closed, long_sum, rtol=2e-4)


def test_extreme_histories_are_finite():
    data = pd.DataFrame(
        {"frequency": [0.0, 200.0, 5.0, 60.0], "recency": [0.0, 38.9, 39.0, 1.0], "T": 39.0}
    )
    model = ParetoNBD().fit(
        pd.concat(
            [data] * 3
            + [pd.DataFrame({"frequency": [1.0, 2.0], "recency": [3.0, 9.0], "T": [20.0, 30.0]})]
            * 5,
            ignore_index=True,
        )
    )
    assert np.isfinite(model.probability_alive(data)).all()
    assert np.isfinite(model.conditional_expected_purchases(52, data)).all()


# ---------------------------------------------------------------- issue 15 defects, mpmath
def _mp_loglik(theta, x, tx, T):
    """Pareto/NBD log-likelihood from its definition (FH 2005 note, eq. 22) with mpmath."""
    import mpmath as mp

    mp.mp.dps = 40
    r, a, s, b = (mp.mpf(v) for v in theta)
    x, tx, T = mp.mpf(x), mp.mpf(tx), mp.mpf(T)
    near = [tx + (T - tx) * mp.mpf(f) for f in ("1e-8", "1e-6", "1e-4", "1e-2")]
    points = sorted(set(near) | set(mp.linspace(tx, T, 41)))
    integral = mp.quad(lambda y: (a + y) ** -(r + x) * (b + y) ** -(s + 1), points)
    lik = (
        mp.gamma(r + x)
        / mp.gamma(r)
        * a**r
        * b**s
        * ((a + T) ** -(r + x) * (b + T) ** -s + s * integral)
    )
    return float(mp.log(lik))


@pytest.mark.parametrize(
    ("theta", "row"),
    [
        ((0.3, 0.001, 0.5, 50.0), (3.0, 10.0, 30.0)),  # alpha far below beta
        ((0.3, 0.001, 0.5, 50.0), (40.0, 25.0, 39.0)),
        ((0.5, 1e-4, 0.7, 100.0), (1.0, 0.5, 39.0)),
        ((5.0, 1000.0, 3.0, 0.01), (1.0, 0.5, 39.0)),  # beta far below alpha
        ((0.55, 10.6, 0.61, 11.7), (200.0, 0.005, 0.1)),  # extreme history
        ((5.0, 0.01, 3.0, 100.0), (200.0, 0.005, 0.1)),  # was NaN
        ((0.5, 0.001, 0.7, 50.0), (200.0, 0.005, 0.1)),  # was NaN
    ],
)
def test_likelihood_matches_mpmath_at_extremes(theta, row):
    """Issue 15: 1e-6 relative error when alpha << beta, NaN at x = 200, t_x = 0.005, T = 0.1."""
    x, tx, T = (np.array([v]) for v in row)
    ll, grad = paretonbd_loglik(theta, x, tx, T)
    assert np.isfinite(ll).all() and np.isfinite(grad).all()
    assert ll[0] == pytest.approx(_mp_loglik(theta, *row), rel=1e-11, abs=1e-10)


@pytest.mark.parametrize(
    "theta",
    [(0.5, 0.01, 0.7, 5.0), (0.8, 1e-3, 1.2, 20.0), (2.0, 3.0, 0.5, 0.05), (0.5, 1e-6, 0.7, 0.01)],
)
def test_probability_of_purchases_matches_mpmath(theta):
    """Issue 15: 97% low for small alpha (integration grid too coarse near 0)."""
    import mpmath as mp

    mp.mp.dps = 30
    r, a, s, b = (mp.mpf(v) for v in theta)
    t = mp.mpf(39)

    def nb(k, tau):
        return (
            mp.gamma(r + k)
            / (mp.gamma(r) * mp.factorial(k))
            * (a / (a + tau)) ** r
            * (tau / (a + tau)) ** k
        )

    model = ParetoNBD()
    model.params_ = pd.Series(theta, index=["r", "alpha", "s", "beta"])
    k = np.array([0, 1, 2, 5, 20])
    got = model.probability_of_purchases(k, 39.0)
    for kk, value in zip(k, got, strict=True):
        pts = [0, a / 100, a, 10 * a, b / 10, b, 10 * b, t]
        pts = sorted({mp.mpf(p) for p in pts if p <= t})
        integral = mp.quad(lambda tau, kk=kk: nb(kk, tau) * s * b**s * (b + tau) ** -(s + 1), pts)
        ref = float(nb(kk, t) * (b / (b + t)) ** s + integral)
        assert value == pytest.approx(ref, rel=1e-9, abs=1e-15)


def test_probability_alive_is_zero_not_an_error_under_errstate_raise():
    """Issue 15: FloatingPointError under np.errstate(all="raise") where 0 is the answer."""
    model = ParetoNBD()
    model.params_ = pd.Series([0.55, 10.6, 0.61, 11.7], index=["r", "alpha", "s", "beta"])
    data = pd.DataFrame({"frequency": [300.0, 5.0], "recency": [1.0, 30.0], "T": [1e4, 39.0]})
    with np.errstate(all="raise"):
        p = model.probability_alive(data)
        cet = model.conditional_expected_purchases(10, data)
    assert p.iloc[0] == pytest.approx(0.0, abs=1e-300) and 0 < p.iloc[1] < 1
    assert np.isfinite(cet).all()
