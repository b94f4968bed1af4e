"""Pareto/NBD predictions of a customer's future: P(n purchases in (T, T+t]), P(no purchase),
P(alive at T+t), for the plain, covariate and correlated models (one prediction path).

References: Fader, Hardie and Shang's note 028 ("Deriving the conditional PMF of the Pareto/NBD
model", eq. 16), as lifetimes 0.11.3 implements it
(``ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time``), for an independent
cross-check; the closed forms of P(alive) (FH 2005 note, eq. 27) and of the conditional
expectation (eq. 26) for the identities sum_n P(n) = 1 and sum_n n P(n) = CET.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from crmlab.clv import ParetoNBD
from crmlab.clv.paretonbd import paretonbd_loglik
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow
from crmlab.errors import ParameterError

PARAMS = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}
COV = ["log_first_spend", "multi_cd"]


@pytest.fixture(scope="module")
def pareto(cdnow):
    return ParetoNBD().fit(cdnow)


@pytest.fixture(scope="module")
def sample(cdnow):
    rows = cdnow.iloc[::97]
    return pd.concat([rows, cdnow.nlargest(3, "frequency")])


def test_conditional_pmf_matches_lifetimes(pareto, sample, lifetimes):
    fitter = lifetimes.ParetoNBDFitter()
    fitter.params_ = pd.Series(pareto.params_.to_dict())
    for n in (0, 1, 3):
        ours = pareto.conditional_probability_of_purchases(n, 20.0, sample)
        theirs = [
            fitter.conditional_probability_of_n_purchases_up_to_time(
                n, 20.0, row.frequency, row.recency, row.T
            )
            for row in sample.itertuples()
        ]
        np.testing.assert_allclose(ours.to_numpy(), np.asarray(theirs, float), rtol=1e-6)


def test_pmf_sums_to_one_and_its_mean_is_the_cet(pareto, sample):
    t = 26.0
    probs = np.array(
        [pareto.conditional_probability_of_purchases(n, t, sample).to_numpy() for n in range(200)]
    )
    np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-8)
    mean = (np.arange(200)[:, None] * probs).sum(axis=0)
    cet = pareto.conditional_expected_purchases(t, sample).to_numpy()
    np.testing.assert_allclose(mean, cet, rtol=1e-7)
    none = pareto.probability_no_purchase(t, sample)
    assert none.name == "probability_no_purchase"
    np.testing.assert_allclose(none, probs[0])
    assert (none >= 1 - pareto.probability_alive(sample) - 1e-12).all()


def test_alive_after_by_the_likelihood_route(pareto, sample):
    """P(alive at T+t | data) = Gamma(r+x) alpha^r beta^s (alpha+T)^-(r+x) (beta+T+t)^-s
    / (Gamma(r) L): the joint of the data and no drop-out by T + t, over the likelihood."""
    r, alpha, s, beta = (pareto.params_[k] for k in ("r", "alpha", "s", "beta"))
    x, tx, T = (sample[c].to_numpy() for c in ("frequency", "recency", "T"))
    ll, _ = paretonbd_loglik((r, alpha, s, beta), x, tx, T)
    for t in (0.0, 5.0, 52.0):
        joint = (
            gammaln(r + x)
            - gammaln(r)
            + r * np.log(alpha)
            + s * np.log(beta)
            - (r + x) * np.log(alpha + T)
            - s * np.log(beta + T + t)
        )
        np.testing.assert_allclose(
            pareto.probability_alive_after(t, sample), np.exp(joint - ll), rtol=1e-10
        )
    np.testing.assert_allclose(
        pareto.probability_alive_after(0, sample), pareto.probability_alive(sample), rtol=1e-12
    )


def test_bad_n(pareto):
    with pytest.raises(ParameterError, match="n"):
        pareto.conditional_probability_of_purchases([1, 2], 10)
    with pytest.raises(ParameterError):
        pareto.conditional_probability_of_purchases(-1, 10)


@pytest.fixture(scope="module")
def cdnow_cov(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


@pytest.fixture(scope="module")
def pnbd_cov(cdnow_cov):
    return ParetoNBD(purchase_covariates=COV, dropout_covariates=COV).fit(cdnow_cov)


def test_covariate_model_predictions_at_zero_coefficients(pnbd_cov, pareto, cdnow_cov):
    """With zero coefficients every prediction is the plain model's (the one path)."""
    zero = pd.Series(0.0, index=pnbd_cov._param_names)
    zero[["r", "alpha", "s", "beta"]] = pareto.params_.to_numpy()
    data = cdnow_cov.iloc[::50]
    for name, args in (
        ("probability_alive", ()),
        ("conditional_expected_purchases", (39.0,)),
        ("discounted_expected_residual_transactions", (0.002,)),
        ("probability_alive_after", (10.0,)),
        ("probability_no_purchase", (10.0,)),
    ):
        ours = getattr(pnbd_cov, name)(*args, data, params=zero)
        plain = getattr(pareto, name)(*args, data)
        np.testing.assert_allclose(ours, plain, rtol=1e-9, err_msg=name)
    n2 = pnbd_cov.conditional_probability_of_purchases(2, 10.0, data, params=zero)
    np.testing.assert_allclose(n2, pareto.conditional_probability_of_purchases(2, 10.0, data))


def test_covariate_model_predictions_with_draws(pnbd_cov):
    draws = pnbd_cov.draw_params(10, seed=0)
    cet = pnbd_cov.conditional_expected_purchases(39, params=draws)
    assert cet.shape == (10, pnbd_cov.n_customers_)
    point = pnbd_cov.conditional_expected_purchases(39).to_numpy()
    assert np.all(np.isfinite(cet))
    assert np.median(np.abs(np.median(cet, axis=0) / point - 1)) < 0.1
    alive = pnbd_cov.probability_alive(params=draws)
    assert ((alive > 0) & (alive <= 1)).all()
    with pytest.raises(ParameterError, match="params"):
        pnbd_cov.probability_alive(params=draws.drop(columns="r"))


def test_correlated_model_new_predictions_and_draws(cdnow, pareto):
    model = ParetoNBD(correlation=True).fit(cdnow)
    data = cdnow.iloc[::50]
    zero = pd.Series([*pareto.params_, 0.0], index=list(model.params_.index))
    for name, args in (
        ("probability_alive_after", (10.0,)),
        ("probability_no_purchase", (10.0,)),
    ):
        np.testing.assert_allclose(
            getattr(model, name)(*args, data, params=zero),
            getattr(pareto, name)(*args, data),
            rtol=1e-9,
        )
    draws = model.draw_params(5, seed=0)
    cet = model.conditional_expected_purchases(39, data, params=draws)
    assert cet.shape == (5, len(data)) and np.all(cet > 0)
    probs = sum(model.conditional_probability_of_purchases(n, 10.0, data) for n in range(60))
    np.testing.assert_allclose(probs, 1.0, atol=1e-8)


def test_clv_of_the_covariate_and_correlated_models(pnbd_cov, cdnow_cov):
    """customer_lifetime_value sums the models' own conditional expectations (no shortcut that
    would drop the covariates), with bands from parameter draws."""
    from crmlab.clv import customer_lifetime_value

    data = cdnow_cov.iloc[:300]
    out = customer_lifetime_value(pnbd_cov, None, data, 52, 0.1, "W", step=4, n_draws=10)
    np.testing.assert_allclose(
        out["expected_purchases"], pnbd_cov.conditional_expected_purchases(52, data), rtol=1e-10
    )
    assert (out["clv_lower"] <= out["clv"]).all() and (out["clv"] <= out["clv_upper"]).all()
    assert (out["dert"] < out["expected_purchases"]).all()
