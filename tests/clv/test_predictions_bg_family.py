"""Count predictions of the BG/NBD family, the a + b < 1 fix, the renamed new-customer
expectation, the time unit kept with a fitted model and tracking_data's end."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD, MBGNBD, ParetoNBD, tracking_data
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError
from crmlab.rfm import rfm_summary


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BGNBD().fit(cdnow)


def _bgnbd_pmf_quadrature(r, alpha, a, b, x, tx, T, t, n, p_alive):
    """P(Y(t) = n | history) of the BG/NBD by quadrature over the posterior of lambda and p.

    Alive at T: lambda ~ Gamma(r + x, alpha + T), p ~ Beta(a, b + x); the customer makes
    min(N, J) purchases, N ~ Poisson(lambda t), J the purchase after which she drops out:
    P(Y = n) = P(N = n) E[(1-p)^(n-1)] + P(N > n) E[(1-p)^(n-1) p] for n >= 1.
    """
    mp = mpmath
    shape, rate = mp.mpf(r + x), mp.mpf(alpha + T)

    def expect(f):  # E[f(lambda)], substituting lambda = w^(1/shape) (smooth at 0)
        c = rate**shape / (mp.gamma(shape) * shape)

        def g(w):
            return c * mp.exp(-rate * w ** (1 / shape)) * f(w ** (1 / shape))

        return mp.quad(g, [0, 1e-6, 1e-3, 0.1, 1, 10, mp.inf])

    def pois(lam, j):
        return mp.exp(-lam * t) * (lam * t) ** j / mp.factorial(j)

    p_eq = expect(lambda lam: pois(lam, n))
    p_gt = 1 - sum(expect(lambda lam, j=j: pois(lam, j)) for j in range(n + 1))

    def bdens(q):
        return q ** (a - 1) * (1 - q) ** (b + x - 1) / mp.beta(a, b + x)

    # N = n: the n purchases need survival of the n - 1 chances between them
    surv_n = mp.quad(lambda q: bdens(q) * (1 - q) ** max(n - 1, 0), [0, 1])
    drop_n = mp.quad(lambda q: bdens(q) * (1 - q) ** (n - 1) * q, [0, 1]) if n > 0 else 0
    alive = p_eq * surv_n + p_gt * drop_n
    return float(p_alive * alive + (1 - p_alive) * (n == 0))


def test_conditional_probability_of_n_purchases_by_quadrature(bgnbd, cdnow):
    r, alpha, a, b = bgnbd.params_
    data = cdnow.iloc[[0, 1, 2, 10, 25]]
    p_alive = bgnbd.probability_alive(data)
    for n in (0, 1, 3):
        ours = bgnbd.conditional_probability_of_purchases(n, 20, data)
        ref = [
            _bgnbd_pmf_quadrature(r, alpha, a, b, fx, ftx, fT, 20.0, n, pa)
            for (fx, ftx, fT), pa in zip(
                data[["frequency", "recency", "T"]].to_numpy(), p_alive, strict=False
            )
        ]
        np.testing.assert_allclose(ours.to_numpy(), ref, rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("cls", [BGNBD, MBGNBD])
def test_count_distribution_sums_to_one_and_has_the_cet_mean(cls, cdnow):
    model = cls().fit(cdnow)
    data = cdnow.iloc[:50]
    pmf = np.vstack(
        [model.conditional_probability_of_purchases(n, 39, data).to_numpy() for n in range(120)]
    )
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-9)
    np.testing.assert_allclose(
        (pmf * np.arange(120)[:, None]).sum(axis=0),
        model.conditional_expected_purchases(39, data),
        rtol=1e-7,
    )
    np.testing.assert_allclose(model.probability_no_purchase(39, data), pmf[0])
    later = model.probability_alive_after(39, data)
    assert (later <= model.probability_alive(data) + 1e-12).all()
    assert (
        model.probability_alive_after(0, data) - model.probability_alive(data)
    ).abs().max() < 1e-9


def _bgnbd_expected_mpmath(r, alpha, a, b, t):
    """FHL (2005), eq. 7, in mpmath (its 2F1 is defined for a negative third argument)."""
    r, alpha, a, b, t = (mpmath.mpf(v) for v in (r, alpha, a, b, t))
    z = t / (alpha + t)
    f = mpmath.hyp2f1(r, b, a + b - 1, z)
    return float((a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * f))


def _bgnbd_conditional_mpmath(r, alpha, a, b, x, tx, T, t):
    """FHL (2005), eq. 10 with P(alive) of Fader, Hardie and Lee (2008), in mpmath."""
    r, alpha, a, b, x, tx, T, t = (mpmath.mpf(v) for v in (r, alpha, a, b, x, tx, T, t))
    z = t / (alpha + T + t)
    f = mpmath.hyp2f1(r + x, b + x, a + b + x - 1, z)
    head = (a + b + x - 1) / (a - 1) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * f)
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0
    return float(head / (1 + odds))


@pytest.mark.parametrize(("a", "b"), [(0.3, 0.4), (0.5, 0.45), (0.2, 0.75)])
def test_bgnbd_expectations_when_a_plus_b_below_one(a, b):
    model = BGNBD()
    model.params_ = pd.Series([0.8, 3.0, a, b], index=["r", "alpha", "a", "b"])
    model._fitted_data = None
    t = np.array([1.0, 10.0, 52.0])
    ours = model.expected_purchases_new_customer(t)
    ref = [_bgnbd_expected_mpmath(0.8, 3.0, a, b, v) for v in t]
    np.testing.assert_allclose(ours, ref, rtol=1e-8)
    hist = pd.DataFrame(
        {"frequency": [0.0, 0.0, 2.0], "recency": [0.0, 0.0, 5.0], "T": [8.0, 30, 9]}
    )
    cond = model.conditional_expected_purchases(20, hist)
    assert np.isfinite(cond).all()
    ref = [_bgnbd_conditional_mpmath(0.8, 3.0, a, b, *row, 20) for row in hist.to_numpy()]
    np.testing.assert_allclose(cond.to_numpy(), ref, rtol=1e-8)


def test_expected_purchases_is_a_deprecated_alias(bgnbd):
    with pytest.warns(DeprecationWarning, match="expected_purchases_new_customer"):
        old = bgnbd.expected_purchases(39)
    assert old == pytest.approx(bgnbd.expected_purchases_new_customer(39))


def test_paretonbd_has_the_new_name(cdnow):
    model = ParetoNBD().fit(cdnow)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = model.expected_purchases_new_customer(39)
    assert value > 0


def test_time_unit_is_kept_and_checked(bgnbd, cdnow):
    assert bgnbd.time_unit_ == "W"
    days = rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="D")
    with pytest.raises(DataError, match="time unit 'W'"):
        bgnbd.conditional_expected_purchases(39, days)
    plain = pd.DataFrame(
        cdnow[["frequency", "recency", "T"]].to_numpy()[:3], columns=["frequency", "recency", "T"]
    )
    assert len(bgnbd.probability_alive(plain)) == 3  # no attrs: not checked


def test_tracking_data_stops_at_end():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1],
            "date": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-08", "2020-01-09"]),
            "amount": [1.0] * 4,
        }
    )
    out = tracking_data(tx, "2020-01-05", time_unit="W", end="2020-01-08")
    assert out["actual"].sum() == 2  # 01-05 and 01-08; 01-09 is after end
    assert out["period_end"].iloc[-1] == pd.Timestamp("2020-01-09")


@pytest.mark.parametrize("n", [-1, 1.5, [1, 2], "two"])
def test_bad_purchase_counts(bgnbd, cdnow, n):
    from crmlab.errors import ParameterError

    with pytest.raises(ParameterError) as info:
        bgnbd.conditional_probability_of_purchases(n, 10, cdnow.iloc[:3])
    assert info.value.parameter == "n"


@pytest.mark.parametrize("t", [-1.0, np.nan, "soon"])
def test_bad_horizons(bgnbd, cdnow, t):
    from crmlab.errors import ParameterError

    for method in (bgnbd.probability_no_purchase, bgnbd.probability_alive_after):
        with pytest.raises(ParameterError):
            method(t, cdnow.iloc[:3])
