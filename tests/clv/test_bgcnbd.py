"""BG/CNBD-k and MBG/CNBD-k (Reutterer, Platzer and Schroeder 2021) and the count predictions.

Reference log-likelihoods: BTYDplus 1.2.0 (``bgcnbd.EstimateParameters`` /
``mbgcnbd.EstimateParameters`` with fixed k, ``elog2cbs`` litt) on the bundled CDNOW sample,
calibration to 1997-09-30 in weeks, as recorded in issue 15.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGCNBD, BGNBD, MBGCNBD, MBGNBD
from crmlab.clv.bgcnbd import xbgcnbd_loglik
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.rfm import rfm_summary


@pytest.fixture(scope="module")
def cdnow_litt():
    return rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W", regularity=True)


MBG_LL = {1: -9582.136, 2: -9853.253, 3: -10394.363, 4: -11033.941}
BG_LL = {1: -9582.429, 2: -9855.327, 3: -10393.565, 4: -11030.192}


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_mbgcnbd_reaches_btydplus(cdnow_litt, k):
    model = MBGCNBD(k=k).fit(cdnow_litt)
    assert model.log_likelihood_ >= MBG_LL[k] - 0.01
    if k == 1:
        ref = [0.52484, 6.18309, 0.89139, 1.61405]
        np.testing.assert_allclose(model.params_.to_numpy(), ref, rtol=2e-4)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_bgcnbd_reaches_btydplus(cdnow_litt, k):
    model = BGCNBD(k=k).fit(cdnow_litt)
    assert model.log_likelihood_ >= BG_LL[k] - 0.01
    if k == 1:
        ref = [0.24260, 4.41368, 0.79299, 2.42617]
        np.testing.assert_allclose(model.params_.to_numpy(), ref, rtol=2e-4)


def test_k_none_chooses_by_likelihood(cdnow_litt):
    model = MBGCNBD().fit(cdnow_litt)
    lls = model.k_log_likelihoods_
    assert model.k_ == int(lls.idxmax())
    assert model.log_likelihood_ == pytest.approx(lls.max())
    assert lls.loc[2] == pytest.approx(MBG_LL[2], abs=0.01)


@pytest.mark.parametrize(("cnbd", "nbd"), [(BGCNBD, BGNBD), (MBGCNBD, MBGNBD)])
def test_k1_is_the_nbd_model(cdnow_litt, cnbd, nbd):
    a, b = cnbd(k=1).fit(cdnow_litt), nbd().fit(cdnow_litt)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, abs=1e-6)
    np.testing.assert_allclose(a.params_, b.params_, rtol=1e-5)
    np.testing.assert_allclose(a.probability_alive(), b.probability_alive(), atol=1e-7)
    np.testing.assert_allclose(
        a.conditional_expected_purchases(39), b.conditional_expected_purchases(39), atol=1e-6
    )
    t = np.array([5.0, 39.0, 78.0])
    np.testing.assert_allclose(
        a.expected_purchases_new_customer(t), b.expected_purchases_new_customer(t), rtol=1e-6
    )
    np.testing.assert_allclose(
        a.probability_of_purchases(np.arange(5), 39),
        b.probability_of_purchases(np.arange(5), 39),
        atol=1e-8,
    )


def _ll_mpmath(theta, k, d, x, tx, T, litt):
    """The likelihood written from Reutterer et al. (2021), in mpmath."""
    r, al, a, b = (mpmath.mpf(v) for v in theta)
    rk = r + k * x
    s2 = sum(
        mpmath.gamma(rk + j) / (mpmath.gamma(rk) * mpmath.factorial(j)) * ((T - tx) / (al + T)) ** j
        for j in range(k)
    )
    s1 = a / (b + x - 1 + d) * ((al + T) / (al + tx)) ** rk if (d or x > 0) else 0
    val = (
        mpmath.exp((k - 1) * litt)
        / mpmath.factorial(k - 1) ** x
        * mpmath.beta(a, b + x + d)
        / mpmath.beta(a, b)
        * mpmath.gamma(rk)
        * al**r
        / (mpmath.gamma(r) * (al + T) ** rk)
        * (s1 + s2)
    )
    return float(mpmath.log(val))


@pytest.mark.parametrize("d", [0, 1])
@pytest.mark.parametrize("k", [1, 3])
def test_loglik_and_gradient(k, d):
    theta = np.array([0.6, 2.5, 0.9, 1.7])
    x = np.array([0.0, 1.0, 4.0])
    tx = np.array([0.0, 3.0, 20.0])
    T = np.array([10.0, 30.0, 25.0])
    litt = np.array([0.0, 1.1, 5.3])
    ll, grad = xbgcnbd_loglik(theta, k, d, x, tx, T, litt)
    ref = [_ll_mpmath(theta, k, d, *row) for row in zip(x, tx, T, litt, strict=False)]
    np.testing.assert_allclose(ll, ref, rtol=1e-10)
    h = 1e-6
    for j in range(4):
        step = np.eye(4)[j] * h
        num = (
            xbgcnbd_loglik(theta + step, k, d, x, tx, T, litt)[0]
            - xbgcnbd_loglik(theta - step, k, d, x, tx, T, litt)[0]
        ) / (2 * h)
        np.testing.assert_allclose(grad[:, j], num, rtol=1e-5, atol=1e-8)


def test_predictions_are_a_distribution(cdnow_litt):
    model = BGCNBD(k=2).fit(cdnow_litt)
    data = cdnow_litt.iloc[:40]
    pmf = np.vstack(
        [model.conditional_probability_of_purchases(n, 39, data).to_numpy() for n in range(150)]
    )
    np.testing.assert_allclose(pmf.sum(axis=0), 1.0, atol=1e-9)
    mean = (pmf * np.arange(150)[:, None]).sum(axis=0)
    np.testing.assert_allclose(mean, model.conditional_expected_purchases(39, data), rtol=1e-9)
    np.testing.assert_allclose(model.probability_no_purchase(39, data), pmf[0])
    alive_later = model.probability_alive_after(39, data)
    assert (alive_later <= model.probability_alive(data) + 1e-12).all()
    p = model.probability_of_purchases(np.arange(300), 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (p * np.arange(300)).sum() == pytest.approx(
        float(model.expected_purchases_new_customer(39)), rel=1e-9
    )


def test_cet_matches_simulation_for_k3():
    """Monte Carlo of the generative story for one history (k = 3, BG variant)."""
    r, al, a, b, k = 2.0, 3.0, 1.5, 4.0, 3
    model = BGCNBD(k=k)
    model.params_ = pd.Series([r, al, a, b], index=list(model._param_names))
    model._k_fit = k
    hist = pd.DataFrame({"frequency": [2.0], "recency": [4.0], "T": [6.0], "litt": [0.0]})
    cet = float(model.conditional_expected_purchases(10, hist).iloc[0])
    # posterior simulation by rejection: draw lambda, p, paths; keep those matching the history
    rng = np.random.default_rng(12345)
    n = 400_000
    lam = rng.gamma(r, 1 / al, n)
    p = rng.beta(a, b, n)
    gaps = rng.gamma(k, 1 / lam[:, None], (n, 12))
    times = np.cumsum(gaps, axis=1)
    alive_after = rng.random((n, 12)) >= p[:, None]
    drop_at = np.argmin(np.concatenate([alive_after, np.zeros((n, 1), bool)], axis=1), axis=1)
    made = np.arange(12)[None, :] <= drop_at[:, None]  # purchase j made if not dropped before
    in_cal = (times <= 6.0) & made
    x = in_cal.sum(axis=1)
    # recency of the 2nd purchase within a narrow band (continuous t_x)
    last = times[:, 1]
    keep = (x == 2) & (np.abs(last - 4.0) < 0.05)
    future = ((times > 6.0) & (times <= 16.0) & made)[keep].sum(axis=1)
    se = future.std() / math.sqrt(len(future))
    assert abs(future.mean() - cet) < 4 * se + 0.02


def test_needs_litt_for_k_above_one(cdnow):
    with pytest.raises(DataError) as info:
        BGCNBD(k=2).fit(cdnow)
    assert info.value.column == "litt"
    assert BGCNBD(k=1).fit(cdnow).log_likelihood_ == pytest.approx(BG_LL[1], abs=0.01)


@pytest.mark.parametrize("k", [0, 1.5, True, "2", 51])
def test_bad_k(k):
    with pytest.raises(ParameterError) as info:
        BGCNBD(k=k)
    assert info.value.parameter == "k"


def test_litt_definition():
    """litt: sum of log times between consecutive purchase days, in the summary's unit."""
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 3, 3],
            "date": pd.to_datetime(
                [
                    "2020-01-01",
                    "2020-01-08",
                    "2020-01-08",
                    "2020-01-22",
                    "2020-01-05",
                    "2020-01-02",
                    "2020-01-05",
                ]
            ),
            "amount": [1.0] * 7,
        }
    )
    weeks = rfm_summary(tx, time_unit="W", regularity=True)
    assert weeks.loc[1, "litt"] == pytest.approx(math.log(1.0) + math.log(2.0))
    assert weeks.loc[2, "litt"] == 0.0
    assert weeks.loc[3, "litt"] == pytest.approx(math.log(3 / 7))
    days = rfm_summary(tx, time_unit="D", regularity=True)
    assert days.loc[1, "litt"] == pytest.approx(math.log(7) + math.log(14))
    assert "litt" not in rfm_summary(tx, time_unit="W").columns
    with pytest.raises(ParameterError):
        rfm_summary(tx, regularity="yes")


def test_duckdb_refuses_regularity(tmp_path):
    path = tmp_path / "t.csv"
    load_cdnow().head(50).to_csv(path, index=False)
    with pytest.raises(ParameterError) as info:
        rfm_summary(str(path), regularity=True)
    assert info.value.parameter == "regularity"
