"""Parameter draws and new customers of the BG/NBD and GGom/NBD with static covariates.

Each prediction with ``params`` (the frame of ``draw_params``: base parameters and
coefficients) is, draw by draw, the point prediction at that draw's parameters; each customer's
value is the plain model's at her scaled parameters (``alpha exp(-g_p . z)``, ...). A new
customer's expectation is the plain model's at the parameters her covariates give.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

import crmlab.clv
from crmlab.clv import BGNBD, GammaGamma, GGomNBD
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow
from crmlab.errors import ParameterError

COV = ["log_first_spend", "multi_cd"]

PREDICTIONS = {
    "probability_alive": lambda m, d, **kw: m.probability_alive(d, **kw),
    "conditional_expected_purchases": lambda m, d, **kw: m.conditional_expected_purchases(
        10.0, d, **kw
    ),
    "probability_alive_after": lambda m, d, **kw: m.probability_alive_after(10.0, d, **kw),
    "conditional_probability_of_purchases": lambda m, d, **kw: (
        m.conditional_probability_of_purchases(1, 10.0, d, **kw)
    ),
    "probability_no_purchase": lambda m, d, **kw: m.probability_no_purchase(10.0, d, **kw),
}
DERT = {"dert": lambda m, d, **kw: m.discounted_expected_residual_transactions(0.01, d, **kw)}


@pytest.fixture(scope="module")
def data(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


@pytest.fixture(scope="module")
def sample(data):
    return pd.concat([data.iloc[::150], data.nlargest(2, "frequency")])


@pytest.fixture(scope="module")
def models(data):
    return {
        cls.__name__: cls(purchase_covariates=COV, dropout_covariates=COV).fit(data)
        for cls in (BGNBD, GGomNBD)
    }


def _predictions(name):
    return {**PREDICTIONS, **(DERT if name == "GGomNBD" else {})}


def _at(model, theta: pd.Series):
    """A copy of ``model`` whose estimates are ``theta`` (base parameters and coefficients)."""
    other = copy.copy(model)
    other._all_params_ = theta.reindex(model._all_params_.index)
    return other


def _scaled(model, theta: pd.Series, z: np.ndarray) -> dict[str, np.ndarray]:
    """Base parameters at covariates ``z`` (rows), CLVTools' parameterisation."""
    gp = np.array([theta[f"purchase.{c}"] for c in COV])
    gd = np.array([theta[f"dropout.{c}"] for c in COV])
    out = {k: np.full(len(z), theta[k]) for k in model._base_names}
    out["alpha"] = theta["alpha"] * np.exp(-(z @ gp))
    if isinstance(model, BGNBD):
        out["a"] = theta["a"] * np.exp(z @ gd)
        out["b"] = theta["b"] * np.exp(z @ gd)
    else:
        out["beta"] = theta["beta"] * np.exp(-(z @ gd))
    return out


def _plain(model, params: dict[str, float]):
    plain = (BGNBD if isinstance(model, BGNBD) else GGomNBD)()
    plain.params_ = pd.Series({k: float(params[k]) for k in model._base_names})
    return plain


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_each_draw_is_the_point_prediction_at_its_parameters(models, sample, name):
    model = models[name]
    draws = model.draw_params(3, seed=0)
    for key, predict in _predictions(name).items():
        got = predict(model, sample, params=draws)
        assert got.shape == (3, len(sample)), key
        for i, (_, theta) in enumerate(draws.iterrows()):
            want = predict(_at(model, theta), sample)
            np.testing.assert_array_equal(got[i], want.to_numpy(), err_msg=key)
        assert not np.allclose(got[0], got[1]), key  # the draws differ


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_a_draw_gives_each_customer_the_plain_model_at_her_parameters(models, sample, name):
    model = models[name]
    draws = model.draw_params(2, seed=0)
    theta = draws.iloc[1]
    rows = sample.iloc[[0, 5, len(sample) - 1]]
    params = _scaled(model, theta, rows[COV].to_numpy())
    for key, predict in _predictions(name).items():
        got = predict(model, rows, params=draws)[1]
        for i in range(len(rows)):
            plain = _plain(model, {k: v[i] for k, v in params.items()})
            want = predict(plain, rows.iloc[[i]]).iloc[0]
            assert got[i] == pytest.approx(want, rel=1e-10), key


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_draws_reduce_to_the_estimate_without_uncertainty(models, sample, name):
    model = copy.copy(models[name])
    model._cov_log = np.zeros_like(model._cov_log)
    draws = model.draw_params(4, seed=0)
    np.testing.assert_allclose(
        draws.to_numpy(), np.tile(model._all_params_.to_numpy(), (4, 1)), rtol=1e-12
    )
    for key, predict in _predictions(name).items():
        point = predict(model, sample).to_numpy()
        np.testing.assert_allclose(
            predict(model, sample, params=draws), np.tile(point, (4, 1)), rtol=1e-12, err_msg=key
        )


def test_mean_over_draws_is_close_to_the_point_prediction(models, sample):
    """Law of large numbers: the draws' mean is the point prediction up to its standard error
    (and the second-order bias of a nonlinear prediction, small for the well-determined
    BG/NBD fit on 2357 customers)."""
    model = models["BGNBD"]
    n = 400
    draws = model.draw_params(n, seed=0)
    for key in ("probability_alive", "conditional_expected_purchases"):
        values = PREDICTIONS[key](model, sample, params=draws)
        point = PREDICTIONS[key](model, sample).to_numpy()
        se = values.std(axis=0, ddof=1) / np.sqrt(n)
        assert np.all(np.abs(values.mean(axis=0) - point) <= 4.0 * se + 1e-12), key


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_new_customer_at_zero_covariates_is_the_base_model(models, name):
    model = models[name]
    t = np.array([1.0, 10.0, 39.0])
    got = model.expected_purchases_new_customer(t, covariates={c: 0.0 for c in COV})
    want = _plain(model, model.params_).expected_purchases_new_customer(t)
    np.testing.assert_allclose(got, want, rtol=1e-12)


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_new_customer_with_covariates_is_the_base_model_at_her_parameters(models, name):
    model = models[name]
    t = np.array([1.0, 10.0, 39.0])
    z = {"log_first_spend": 3.2, "multi_cd": 1.0}
    params = _scaled(model, model._all_params_, np.array([[z[c] for c in COV]]))
    want = _plain(model, {k: v[0] for k, v in params.items()}).expected_purchases_new_customer(t)
    got = model.expected_purchases_new_customer(t, covariates=z)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    frame = pd.DataFrame({c: [z[c]] for c in reversed(COV)})
    np.testing.assert_allclose(
        model.expected_purchases_new_customer(t, covariates=frame), want, rtol=1e-12
    )
    assert not np.allclose(
        got, model.expected_purchases_new_customer(t, covariates=dict.fromkeys(COV, 0.0))
    )
    draws = model.draw_params(3, seed=0)
    per_draw = model.expected_purchases_new_customer(t, params=draws, covariates=z)
    assert per_draw.shape == (3, len(t))
    for i, (_, theta) in enumerate(draws.iterrows()):
        p = _scaled(model, theta, np.array([[z[c] for c in COV]]))
        plain = _plain(model, {k: v[0] for k, v in p.items()})
        np.testing.assert_allclose(
            per_draw[i], plain.expected_purchases_new_customer(t), rtol=1e-12
        )


@pytest.mark.parametrize("name", ["BGNBD", "GGomNBD"])
def test_new_customer_without_her_covariates_is_a_parameter_error(models, name):
    model = models[name]
    with pytest.raises(ParameterError, match="multi_cd") as info:
        model.expected_purchases_new_customer(10.0, covariates={"log_first_spend": 1.0})
    assert "log_first_spend" not in str(info.value).split("lacks")[1].split("(")[0]
    with pytest.raises(ParameterError, match="log_first_spend"):
        model.expected_purchases_new_customer(10.0)
    with pytest.raises(ParameterError, match="one row"):
        model.expected_purchases_new_customer(
            10.0, covariates=pd.DataFrame({c: [0.0, 1.0] for c in COV})
        )


def test_clv_with_draws_of_a_covariate_model(models, data, sample):
    model = models["BGNBD"]
    gg = GammaGamma().fit(data[data["frequency"] > 0])
    out = crmlab.clv.customer_lifetime_value(model, gg, sample, 52, 0.1, "W", 0.3, n_draws=50)
    assert np.all(np.isfinite(out[["clv_lower", "clv_upper"]].to_numpy()))
    assert np.all(out["clv_lower"] < out["clv_upper"])
    total = out.attrs["total_clv"]
    assert total["lower"] < total["upper"]


def test_new_customer_count_distribution_takes_her_covariates(models):
    model = models["BGNBD"]
    z = {"log_first_spend": 2.5, "multi_cd": 0.0}
    params = _scaled(model, model._all_params_, np.array([[z[c] for c in COV]]))
    plain = _plain(model, {k: v[0] for k, v in params.items()})
    k = np.arange(4)
    np.testing.assert_allclose(
        model.probability_of_purchases(k, 20.0, covariates=z),
        plain.probability_of_purchases(k, 20.0),
        rtol=1e-12,
    )
    with pytest.raises(ParameterError, match="multi_cd"):
        model.probability_of_purchases(k, 20.0, covariates={"log_first_spend": 2.5})


def test_new_customer_value_takes_her_covariates(models):
    model = models["BGNBD"]
    z = {"log_first_spend": 2.5, "multi_cd": 1.0}
    params = _scaled(model, model._all_params_, np.array([[z[c] for c in COV]]))
    plain = _plain(model, {k: v[0] for k, v in params.items()})
    got = crmlab.clv.new_customer_value(model, None, 52, 0.1, "W", covariates=z)
    want = crmlab.clv.new_customer_value(plain, None, 52, 0.1, "W")
    np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=1e-12)
    with pytest.raises(ParameterError, match="multi_cd"):
        crmlab.clv.new_customer_value(model, None, 52, 0.1, "W")
