"""Gamma-Gamma spend distributions, the individual-transaction Gamma-Gamma and the value of a
new customer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from crmlab.clv import (
    BGNBD,
    GammaGamma,
    GammaGammaIndividual,
    new_customer_value,
    next_transaction_distribution,
    spend_distribution,
    spend_interval,
)
from crmlab.clv.value import discount_rate_per_unit
from crmlab.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def gg(cdnow):
    return GammaGamma().fit(cdnow)


def test_spend_distribution_mean_is_the_expected_spend(gg, cdnow):
    dist = spend_distribution(gg, cdnow)
    np.testing.assert_allclose(dist["mean"], gg.expected_average_spend(cdnow), rtol=1e-12)
    # the inverse-gamma mean from scipy, independently of the formula above
    frozen = stats.invgamma(dist["shape"].to_numpy(), scale=dist["scale"].to_numpy())
    np.testing.assert_allclose(frozen.mean(), dist["mean"], rtol=1e-10)
    inter = spend_interval(gg, cdnow, level=0.9)
    assert (inter["lower"] < dist["mean"]).all() and (dist["mean"] < inter["upper"]).all()
    assert (inter["lower"] < inter["median"]).all()
    # more history, narrower interval (relative width)
    width = (inter["upper"] - inter["lower"]) / inter["median"]
    x = cdnow["frequency"]
    assert width[x >= 5].mean() < width[x == 0].mean()


def test_next_transaction_distribution_by_integration(gg, cdnow):
    p, q, g = gg.params_
    row = cdnow[cdnow["frequency"] > 2].iloc[:1]
    x, m = float(row["frequency"].iloc[0]), float(row["monetary_value"].iloc[0])
    frozen = next_transaction_distribution(gg, row)
    # P(z <= 20) by integrating the gamma cdf over the posterior of nu
    post = stats.gamma(p * x + q, scale=1 / (g + x * m))
    ref = integrate.quad(
        lambda nu: stats.gamma(p, scale=1 / nu).cdf(20.0) * post.pdf(nu), 0, np.inf
    )[0]
    assert float(frozen.cdf(20.0)[0]) == pytest.approx(ref, rel=1e-6)
    assert float(frozen.mean()[0]) == pytest.approx(float(gg.expected_average_spend(row).iloc[0]))


def _simulate(n_customers, p, q, g, seed):
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1 / g, n_customers)
    counts = rng.integers(1, 8, n_customers)
    ids = np.repeat(np.arange(n_customers), counts)
    z = rng.gamma(p, 1 / nu[ids])
    return pd.DataFrame({"customer_id": ids, "amount": z})


def test_individual_model_recovers_parameters():
    truth = np.array([4.0, 3.0, 20.0])
    tx = _simulate(4000, *truth, seed=7)
    model = GammaGammaIndividual().fit(tx)
    z = (np.log(model.params_.to_numpy()) - np.log(truth)) / (
        model.standard_errors_.to_numpy() / model.params_.to_numpy()
    )
    assert np.all(np.abs(z) < 4.5)
    spend = model.expected_average_spend()
    assert spend.index.name == "customer_id" and len(spend) == 4000
    assert model.population_mean_spend() == pytest.approx(
        model.params_["p"] * model.params_["gamma"] / (model.params_["q"] - 1)
    )


def test_individual_model_gradient():
    model = GammaGammaIndividual()
    theta = np.array([2.0, 3.5, 7.0])
    n, s, ls = np.array([1.0, 4.0]), np.array([3.0, 20.0]), np.array([1.1, 5.0])
    ll, grad = model._loglik_grad(theta, n, s, ls)
    for j in range(3):
        h = np.eye(3)[j] * 1e-6
        num = (
            model._loglik_grad(theta + h, n, s, ls)[0] - model._loglik_grad(theta - h, n, s, ls)[0]
        ) / 2e-6
        np.testing.assert_allclose(grad[:, j], num, rtol=1e-6)


def test_individual_model_refuses_non_positive_amounts():
    with pytest.raises(DataError) as info:
        GammaGammaIndividual().fit(pd.DataFrame({"customer_id": [1, 1], "amount": [3.0, 0.0]}))
    assert info.value.column == "amount"


def test_new_customer_value(cdnow, gg):
    model = BGNBD().fit(cdnow)
    undiscounted = new_customer_value(model, None, 52, 0.0, "W")
    assert undiscounted["dert"] == pytest.approx(float(model.expected_purchases_new_customer(52)))
    assert undiscounted["clv"] == pytest.approx(undiscounted["dert"])
    out = new_customer_value(model, gg, 52, 0.15, "W", margin_rate=0.3, step=0.25)
    delta = discount_rate_per_unit(0.15, "W")
    h = 1e-5
    rate = lambda t: float(  # noqa: E731
        (
            model.expected_purchases_new_customer(t + h)
            - model.expected_purchases_new_customer(max(t - h, 0))
        )
        / (t + h - max(t - h, 0))
    )
    ref = integrate.quad(lambda t: np.exp(-delta * t) * rate(t), 0, 52, limit=200)[0]
    assert out["dert"] == pytest.approx(ref, rel=1e-4)
    assert out["expected_spend"] == pytest.approx(gg.population_mean_spend())
    assert out["clv"] == pytest.approx(0.3 * out["expected_spend"] * out["dert"])
    with pytest.raises(ParameterError):
        new_customer_value(model, gg, np.inf, 0.1, "W")


def test_value_checks_the_time_unit(cdnow, gg):
    from crmlab.clv import customer_lifetime_value

    model = BGNBD().fit(cdnow)
    with pytest.raises(ParameterError) as info:
        new_customer_value(model, gg, 12, 0.1, "M")
    assert info.value.parameter == "time_unit"
    with pytest.raises(ParameterError):
        customer_lifetime_value(model, gg, cdnow.iloc[:5], 12, 0.1, "D")
