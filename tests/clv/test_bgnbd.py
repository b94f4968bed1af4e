"""BG/NBD: published CDNOW estimates, lifetimes agreement, gradient, predictions, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD
from crmlab.clv.bgnbd import bgnbd_loglik
from crmlab.errors import ConvergenceError, DataError, NotFittedError


@pytest.fixture(scope="module")
def model(cdnow):
    return BGNBD().fit(cdnow)


def test_reproduces_fader_hardie_lee_2005(model):
    """Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2),
    section 4 (CDNOW, 2,357 customers, 39-week calibration): r = 0.243, alpha = 4.414,
    a = 0.793, b = 2.426, LL = -9582.4."""
    expected = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in expected.items():
        assert round(model.params_[name], 3) == value
    assert round(model.log_likelihood_, 1) == -9582.4
    assert model.n_customers_ == 2357
    assert model.converged_


def test_inference_attributes(model):
    summary = model.summary()
    assert list(summary.columns) == ["coef", "se", "lower", "upper"]
    assert (summary["se"] > 0).all()
    assert ((summary["lower"] < summary["coef"]) & (summary["coef"] < summary["upper"])).all()
    assert model.aic_ == pytest.approx(8 + 2 * 9582.43, abs=0.01)
    assert model.bic_ == pytest.approx(4 * np.log(2357) + 2 * 9582.43, abs=0.01)


def test_standard_errors_match_inverse_hessian(model, cdnow):
    """SEs equal the delta-method SEs from a finite-difference Hessian of the log-likelihood."""
    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    theta = model.params_.to_numpy()

    def total_ll(th):
        return bgnbd_loglik(th, x, tx, T)[0].sum()

    k = len(theta)
    hess = np.empty((k, k))
    h = 1e-4 * theta
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            hess[i, j] = (
                total_ll(theta + ei + ej)
                - total_ll(theta + ei - ej)
                - total_ll(theta - ei + ej)
                + total_ll(theta - ei - ej)
            ) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(model.standard_errors_.to_numpy(), se, rtol=1e-3)


def test_analytic_gradient_matches_finite_differences(cdnow):
    x, tx, T = (cdnow[c].to_numpy() for c in ("frequency", "recency", "T"))
    for theta in (np.array([0.24, 4.4, 0.79, 2.4]), np.array([1.3, 0.7, 2.5, 0.6])):
        _, grad = bgnbd_loglik(theta, x, tx, T)
        for j in range(4):
            step = np.eye(4)[j] * 1e-6 * theta[j]
            num = bgnbd_loglik(theta + step, x, tx, T)[0] - bgnbd_loglik(theta - step, x, tx, T)[0]
            np.testing.assert_allclose(grad[:, j], num / (2 * step[j]), rtol=1e-5, atol=1e-6)


def test_agrees_with_lifetimes(model, cdnow, lifetimes):
    ref = lifetimes.BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(
        model.params_.to_numpy(), ref.params_[["r", "alpha", "a", "b"]].to_numpy(), rtol=1e-3
    )
    cond = ref.conditional_expected_number_of_purchases_up_to_time(
        39, cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    np.testing.assert_allclose(model.conditional_expected_purchases(39), cond, rtol=1e-3)
    alive = ref.conditional_probability_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_allclose(model.probability_alive(), alive, rtol=1e-3)
    np.testing.assert_allclose(
        model.expected_purchases_new_customer(39),
        ref.expected_number_of_purchases_up_to_time(39),
        rtol=1e-3,
    )


def test_predictions_shape_and_index(model, cdnow):
    cond = model.conditional_expected_purchases(39)
    assert cond.index.equals(cdnow.index)
    assert cond.name == "conditional_expected_purchases"
    sub = cdnow.iloc[:10]
    np.testing.assert_allclose(model.conditional_expected_purchases(39, sub), cond.iloc[:10])
    alive = model.probability_alive()
    assert ((alive > 0) & (alive <= 1)).all()
    assert (alive[cdnow["frequency"] == 0] == 1).all()  # BG/NBD: no repeat -> alive


def test_probability_of_purchases_is_a_distribution(model):
    k = np.arange(400)
    p = model.probability_of_purchases(k, 39)
    assert p.sum() == pytest.approx(1.0, abs=1e-9)
    assert (p * k).sum() == pytest.approx(model.expected_purchases_new_customer(39), rel=1e-8)


def test_weights_equal_repeated_rows(cdnow):
    counts = cdnow.groupby(["frequency", "recency", "T"]).size().rename("weight").reset_index()
    weighted = BGNBD().fit(counts)
    plain = BGNBD().fit(cdnow[["frequency", "recency", "T"]])
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-6)
    assert weighted.n_customers_ == 2357


def test_not_fitted():
    with pytest.raises(NotFittedError):
        BGNBD().probability_alive()
    with pytest.raises(NotFittedError):
        BGNBD().summary()


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"frequency": -1.0}, "frequency"),
        ({"frequency": 1.5}, "frequency"),
        ({"recency": 100.0}, "recency"),
    ],
)
def test_invalid_data(cdnow, change, column):
    bad = cdnow.copy()
    for col, value in change.items():
        bad.loc[bad.index[3], col] = value
    with pytest.raises(DataError) as info:
        BGNBD().fit(bad)
    assert info.value.column == column
    assert info.value.rows == [bad.index[3]]


def test_missing_column(cdnow):
    with pytest.raises(DataError, match="'T'"):
        BGNBD().fit(cdnow.drop(columns="T"))


def test_no_repeat_buyers_does_not_converge():
    data = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": np.linspace(1, 30, 50)})
    with pytest.raises(ConvergenceError, match="penalizer"):
        BGNBD().fit(data)


def test_customers_acquired_on_the_last_day_inform_nothing(cdnow):
    """T = 0 (first purchase on the last calibration day) has likelihood 1 and is accepted."""
    extra = pd.DataFrame({"frequency": [0.0] * 5, "recency": 0.0, "T": 0.0}, index=range(-5, 0))
    base = cdnow[["frequency", "recency", "T"]]
    with_new = BGNBD().fit(pd.concat([base, extra]))
    plain = BGNBD().fit(base)
    np.testing.assert_allclose(with_new.params_, plain.params_, rtol=1e-6)
    assert with_new.log_likelihood_ == pytest.approx(plain.log_likelihood_)


def test_horizon_is_checked(model):
    from crmlab.errors import ParameterError

    with pytest.raises(ParameterError):
        model.conditional_expected_purchases(-1)
    assert (model.conditional_expected_purchases(0) == 0).all()
