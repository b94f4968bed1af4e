"""GGom/NBD predictions of a customer's future: P(n purchases in (T, T+t]), P(no purchase),
P(alive at T+t) (Bemmaor and Glady 2012), checked by the identities sum_n P(n) = 1 and
sum_n n P(n) = CET (the model's own quadrature of the conditional expectation), and by the
b -> 0 limit, the Pareto/NBD with beta_P = beta / b, whose conditional pmf is cross-checked
against lifetimes in test_paretonbd_conditional.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import GGomNBD, ParetoNBD
from crmlab.errors import ParameterError

THETA = {"r": 0.6, "alpha": 9.0, "b": 0.05, "s": 0.8, "beta": 1.5}


def _model(params, cls=GGomNBD):
    model = cls()
    model.params_ = pd.Series(params)
    return model


@pytest.fixture(scope="module")
def sample(cdnow):
    return pd.concat([cdnow.iloc[::101], cdnow.nlargest(2, "frequency")])


def test_pmf_sums_to_one_and_its_mean_is_the_cet(sample):
    model = _model(THETA)
    t = 26.0
    probs = np.array(
        [model.conditional_probability_of_purchases(n, t, sample).to_numpy() for n in range(120)]
    )
    np.testing.assert_allclose(probs.sum(axis=0), 1.0, atol=1e-9)
    mean = (np.arange(120)[:, None] * probs).sum(axis=0)
    np.testing.assert_allclose(mean, model.conditional_expected_purchases(t, sample), rtol=1e-8)
    np.testing.assert_allclose(model.probability_no_purchase(t, sample), probs[0])


def test_alive_after(sample):
    model = _model(THETA)
    alive = model.probability_alive(sample)
    np.testing.assert_allclose(model.probability_alive_after(0.0, sample), alive, rtol=1e-12)
    later = model.probability_alive_after(52.0, sample)
    assert (later < alive).all() and (later > 0).all()
    # one more week after 52: the Gompertz survival of that week given alive at T + 52
    T, b, s, beta = sample["T"].to_numpy(), THETA["b"], THETA["s"], THETA["beta"]
    step = ((beta + np.expm1(b * (T + 52))) / (beta + np.expm1(b * (T + 53)))) ** s
    np.testing.assert_allclose(model.probability_alive_after(53.0, sample), later * step)


def test_small_b_is_the_pareto_nbd(sample):
    b = 1e-7
    ggom = _model({"r": 0.55, "alpha": 10.5, "b": b, "s": 0.6, "beta": 11.7 * b})
    pnbd = _model({"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.7}, ParetoNBD)
    for n in (0, 2):
        np.testing.assert_allclose(
            ggom.conditional_probability_of_purchases(n, 20.0, sample),
            pnbd.conditional_probability_of_purchases(n, 20.0, sample),
            rtol=1e-5,
        )
    np.testing.assert_allclose(
        ggom.probability_alive_after(20.0, sample),
        pnbd.probability_alive_after(20.0, sample),
        rtol=1e-5,
    )


def test_bad_n(sample):
    with pytest.raises(ParameterError, match="n"):
        _model(THETA).conditional_probability_of_purchases([0, 1], 5.0, sample)


def test_covariate_model_uses_each_customers_parameters(cdnow):
    from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow

    cov = ["log_first_spend", "multi_cd"]
    data = cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))
    model = GGomNBD(purchase_covariates=cov, dropout_covariates=cov).fit(data)
    sample = pd.concat([data.iloc[::500], data.nlargest(1, "frequency")])
    z = sample[cov].to_numpy()
    coef, base = model.coefficients_, model.params_
    alpha = base["alpha"] * np.exp(-(z @ coef["purchase"].reindex(cov).to_numpy()))
    beta = base["beta"] * np.exp(-(z @ coef["dropout"].reindex(cov).to_numpy()))
    pmf = model.conditional_probability_of_purchases(1, 13.0, sample)
    after = model.probability_alive_after(13.0, sample)
    for i in range(len(sample)):
        plain = _model({**base.to_dict(), "alpha": alpha[i], "beta": beta[i]})
        row = sample.iloc[[i]]
        assert pmf.iloc[i] == pytest.approx(
            plain.conditional_probability_of_purchases(1, 13.0, row).iloc[0], rel=1e-10
        )
        assert after.iloc[i] == pytest.approx(plain.probability_alive_after(13.0, row).iloc[0])
