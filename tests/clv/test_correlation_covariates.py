"""Pareto/NBD with correlation and static covariates (``ParetoNBD(correlation=True,
purchase_covariates=...)``), the combination CLVTools 0.12.1 fits with ``use.cor = TRUE`` on
covariate data (its ``interlayer_correlation``: the Sarmanov mixture of the base parameters,
components at alpha + 1 and beta + 1, each scaled by the customer's covariates).

No reference fit is recorded for it (issue 15): the checks are the two nested models (zero
correlation gives the static-covariate likelihood, zero coefficients the correlated one), the
analytic gradient, the fit no worse than either nested optimum, and the predictions reducing
to the nested models' (one prediction path).
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import ParetoNBD
from crmlab.clv.correlation import (
    ParetoNBDCorrelatedWithCovariates,
    max_correlation,
    sarmanov_covariate_loglik,
    sarmanov_loglik,
)
from crmlab.clv.paretonbd import (
    alive_after,
    conditional_expected,
    conditional_pmf,
    paretonbd_loglik,
)
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow

COV = ["log_first_spend", "multi_cd"]
BASE = (0.55, 10.0, 0.6, 11.0)


@pytest.fixture(scope="module")
def data(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


def _cols(d):
    return tuple(d[c].to_numpy() for c in ("frequency", "recency", "T")), d[COV].to_numpy()


def test_zero_coefficients_give_the_correlated_likelihood(data):
    (x, tx, T), z = _cols(data)
    u = 0.6
    rho = u * max_correlation(*BASE, 1.0)
    ones = np.ones(len(x))
    ll, _ = sarmanov_covariate_loglik(BASE, u, ones, ones, z, z, x, tx, T)
    np.testing.assert_allclose(ll, sarmanov_loglik((*BASE, rho), x, tx, T)[0], rtol=1e-11)
    u = -0.4
    rho = u * max_correlation(*BASE, -1.0)
    ll, _ = sarmanov_covariate_loglik(BASE, u, ones, ones, z, z, x, tx, T)
    np.testing.assert_allclose(ll, sarmanov_loglik((*BASE, rho), x, tx, T)[0], rtol=1e-11)


def test_zero_correlation_gives_the_static_covariate_likelihood(data):
    (x, tx, T), z = _cols(data)
    gp, gd = np.array([0.3, -0.1]), np.array([0.2, -0.5])
    fp, fd = np.exp(-(z @ gp)), np.exp(-(z @ gd))
    ll, _ = sarmanov_covariate_loglik(BASE, 0.0, fp, fd, z, z, x, tx, T)
    r, a, s, b = BASE
    ref, _ = paretonbd_loglik((r, a * fp, s, b * fd), x, tx, T)
    np.testing.assert_allclose(ll, ref, rtol=1e-11)


def test_gradient_matches_finite_differences(data):
    (x, tx, T), z = _cols(data.iloc[::7])

    def f(th):
        fp, fd = np.exp(-(z @ th[5:7])), np.exp(-(z @ th[7:9]))
        return sarmanov_covariate_loglik(th[:4], th[4], fp, fd, z, z, x, tx, T)

    for u in (0.6, -0.3):
        th = np.r_[BASE, u, 0.3, -0.1, 0.2, -0.5]
        _, g = f(th)
        for j in range(len(th)):
            h = 1e-6 * max(1.0, abs(th[j]))
            up, down = th.copy(), th.copy()
            up[j] += h
            down[j] -= h
            fd_ = (f(up)[0] - f(down)[0]) / (2 * h)
            assert np.max(np.abs(fd_ - g[:, j])) < 1e-5 * max(1.0, np.max(np.abs(g[:, j])))


@pytest.fixture(scope="module")
def static(data):
    return ParetoNBD(purchase_covariates=COV, dropout_covariates=COV).fit(data)


@pytest.fixture(scope="module")
def model(data):
    return ParetoNBD(correlation=True, purchase_covariates=COV, dropout_covariates=COV).fit(data)


def test_fit_is_no_worse_than_either_nested_model(model, static):
    """Nested: static covariates (CLVTools LL -9570.489), correlation (-9591.766)."""
    assert isinstance(model, ParetoNBDCorrelatedWithCovariates) and isinstance(model, ParetoNBD)
    assert model.log_likelihood_ >= static.log_likelihood_ - 1e-6
    assert model.log_likelihood_ >= -9570.489
    assert list(model.params_.index) == ["r", "alpha", "s", "beta", "correlation"]
    assert model.coefficients_.index.names == ["process", "covariate"]
    assert abs(model.params_["correlation"]) <= model.max_correlation_ * (1 + 1e-9)
    table = model.summary()
    assert list(table.index[:5]) == ["r", "alpha", "s", "beta", "correlation"]
    assert len(table) == 9 and np.isfinite(table[["coef", "se"]].to_numpy()).all()


def test_predictions_reduce_to_the_nested_models(model, static, data):
    """The mixture path with K = 0 is the static-covariate model's; with covariates at 1 it
    is the correlated model's (both through PosteriorPredictions)."""
    sample = data.iloc[::60]
    (x, tx, T), z = _cols(sample)
    coef = static.coefficients_
    fp = np.exp(-(z @ coef["purchase"].reindex(COV).to_numpy()))
    fd = np.exp(-(z @ coef["dropout"].reindex(COV).to_numpy()))
    base = tuple(static.params_)
    funcs = {
        "conditional_expected_purchases": (conditional_expected(39.0), (39.0,)),
        "probability_alive_after": (alive_after(10.0), (10.0,)),
        "probability_no_purchase": (conditional_pmf(0, 10.0), (10.0,)),
    }
    for name, (func, args) in funcs.items():
        ours = model._expect(func, (*base, 0.0, fp, fd), x, tx, T)
        np.testing.assert_allclose(ours, getattr(static, name)(*args, sample), rtol=1e-9)
    corr = ParetoNBD(correlation=True)
    r, a, s, b = BASE
    rho = 0.5 * max_correlation(*BASE, 1.0)
    k = rho * (a + 1) * (b + 1) / np.sqrt(r * s)
    ones = np.ones(len(x))
    for func, _ in funcs.values():
        np.testing.assert_allclose(
            model._expect(func, (*BASE, k, ones, ones), x, tx, T),
            corr._expect(func, (*BASE, rho), x, tx, T),
            rtol=1e-9,
        )


def test_draws_give_bands(model):
    draws = model.draw_params(5, seed=0)
    cet = model.conditional_expected_purchases(39, params=draws)
    assert cet.shape == (5, model.n_customers_) and np.all(np.isfinite(cet))
    alive = model.probability_alive(params=draws)
    assert ((alive > 0) & (alive <= 1)).all()
