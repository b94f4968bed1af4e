"""The one maximum-likelihood engine (crmlab.estimation) under every model.

For each model: the analytic gradient against finite differences, the standard errors against
a numerical Hessian of the total log-likelihood, weights against repeated rows, the fitted
checks and the inference table; then the options and the errors of the base.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crmlab.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from crmlab.datasets import load_cdnow, load_donations, load_fader_hardie_cohorts
from crmlab.errors import ConvergenceError, NotFittedError, ParameterError
from crmlab.estimation import MaximumLikelihoodModel, compress, resolve_alpha
from crmlab.retention import ShiftedBetaGeometric
from crmlab.rfm import rfm_summary

MODELS = {
    "BGNBD": BGNBD,
    "MBGNBD": MBGNBD,
    "ParetoNBD": ParetoNBD,
    "BGBB": BGBB,
    "GammaGamma": GammaGamma,
    "ShiftedBetaGeometric": ShiftedBetaGeometric,
}


@pytest.fixture(scope="module")
def data() -> dict:
    """A data set per model: CDNOW (first 600 customers, weeks), donations, sBG cohort."""
    cdnow = rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W").iloc[:600]
    alive = load_fader_hardie_cohorts()["regular"].loc[:7]
    return {
        "BGNBD": cdnow,
        "MBGNBD": cdnow,
        "ParetoNBD": cdnow,
        "BGBB": load_donations(),
        "GammaGamma": cdnow,
        "ShiftedBetaGeometric": alive,
    }


@pytest.fixture(scope="module")
def fitted(data) -> dict:
    return {name: cls().fit(data[name]) for name, cls in MODELS.items()}


def _rows(model, data):
    """Uncompressed likelihood rows and weights of ``data`` for ``model``."""
    fd = model._fit_data(data, "weight") if not isinstance(model, ShiftedBetaGeometric) else None
    if fd is None:
        from crmlab.retention.sbg import survivor_rows

        fd = survivor_rows(data)
    return fd.arrays, np.asarray(fd.weights, dtype=float)


def _total(model, theta, arrays, w):
    columns, wc = compress(*arrays, weights=w)
    return model._total_loglik_grad(np.asarray(theta), model._prepare(tuple(columns)), wc)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_shares_the_one_base(name):
    assert issubclass(MODELS[name], MaximumLikelihoodModel)


@pytest.mark.parametrize("name", ["BGBB", "GammaGamma", "BGNBD", "ParetoNBD", "MBGNBD"])
def test_clv_models_use_the_base_fit(name):
    """No model keeps a copy of the fit body (the review's D1/D2/D10/D26)."""
    assert MODELS[name].fit is MaximumLikelihoodModel.fit


@pytest.mark.parametrize("name", list(MODELS))
def test_gradient_matches_finite_differences(name, fitted, data):
    """The analytic gradient of the weighted total log-likelihood, at the optimum and away."""
    model = fitted[name]
    arrays, w = _rows(model, data[name])
    theta_hat = model.params_.to_numpy()
    for theta in (theta_hat, theta_hat * np.linspace(0.7, 1.4, len(theta_hat))):
        _, grad = _total(model, theta, arrays, w)
        for j in range(len(theta)):
            h = 1e-6 * theta[j]
            up, down = theta.copy(), theta.copy()
            up[j] += h
            down[j] -= h
            num = (_total(model, up, arrays, w)[0] - _total(model, down, arrays, w)[0]) / (2 * h)
            assert grad[j] == pytest.approx(num, rel=1e-5, abs=1e-4 * w.sum() * 1e-3)


@pytest.mark.parametrize("name", list(MODELS))
def test_total_equals_sum_of_rows(name, fitted, data):
    """The sufficient-statistics totals equal the weighted sum of the per-row likelihood."""
    model = fitted[name]
    arrays, w = _rows(model, data[name])
    theta = model.params_.to_numpy() * 1.1
    keep = w > 0
    ll_rows, grad_rows = model._loglik_grad(theta, *(a[keep] for a in arrays))
    total, grad = _total(model, theta, arrays, w)
    assert total == pytest.approx(float(w[keep] @ ll_rows), rel=1e-10)
    np.testing.assert_allclose(grad, w[keep] @ grad_rows, rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("name", list(MODELS))
def test_standard_errors_match_numerical_hessian(name, fitted, data):
    """SEs equal sqrt(diag(-H^-1)) with H the second differences of the total LL (natural)."""
    model = fitted[name]
    arrays, w = _rows(model, data[name])
    theta = model.params_.to_numpy()
    k = len(theta)
    h = 1e-4 * theta

    def ll(th):
        return _total(model, th, arrays, w)[0]

    hess = np.empty((k, k))
    for i in range(k):
        for j in range(k):
            ei, ej = np.eye(k)[i] * h[i], np.eye(k)[j] * h[j]
            hess[i, j] = (
                ll(theta + ei + ej)
                - ll(theta + ei - ej)
                - ll(theta - ei + ej)
                + ll(theta - ei - ej)
            ) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(model.standard_errors_.to_numpy(), se, rtol=2e-3)


@pytest.mark.parametrize("name", ["BGNBD", "MBGNBD", "ParetoNBD", "GammaGamma"])
def test_weights_equal_repeated_rows(name, data):
    summary = data[name][["frequency", "recency", "T", "monetary_value"]]
    counts = summary.groupby(list(summary.columns)).size().rename("weight").reset_index()
    weighted = MODELS[name]().fit(counts)
    plain = MODELS[name]().fit(summary)
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-6)
    np.testing.assert_allclose(weighted.standard_errors_, plain.standard_errors_, rtol=1e-4)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == plain.n_customers_


def test_bgbb_weights_equal_repeated_rows(data):
    donations = data["BGBB"]
    weighted = BGBB().fit(donations)
    repeated = donations.loc[donations.index.repeat(donations["weight"].astype(int))]
    plain = BGBB().fit(repeated.drop(columns="weight"))
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-6)
    assert plain.n_customers_ == weighted.n_customers_ == 11104


def test_sbg_two_inputs_are_two_paths_into_one_fit(data):
    """fit(survivors) and fit_cohorts(one row per customer) give the same fit."""
    alive = data["ShiftedBetaGeometric"].to_numpy()
    lost = -np.diff(alive)
    end = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(alive[-1], np.nan)])
    table = pd.DataFrame({"start": 0, "end": end})
    pooled = ShiftedBetaGeometric().fit_cohorts(table, observation_end=7)
    single = ShiftedBetaGeometric().fit(alive)
    np.testing.assert_allclose(pooled.params_, single.params_, rtol=1e-7)
    np.testing.assert_allclose(pooled.standard_errors_, single.standard_errors_, rtol=1e-5)
    assert pooled.n_churned_ == single.n_churned_ == int(lost.sum())


@pytest.mark.parametrize("name", list(MODELS))
def test_not_fitted(name):
    model = MODELS[name]()
    for call in (model.summary, lambda: model.draw_params(3), model.covariance_log_params_):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
    with pytest.raises(NotFittedError):
        model.delta_method(lambda p: p.iloc[0])
    assert "penalizer=0.0" in repr(model)


@pytest.mark.parametrize("name", list(MODELS))
def test_summary_table_and_intervals(name, fitted, data):
    model = fitted[name]
    table = model.summary()
    assert list(table.columns) == ["coef", "se", "lower", "upper"]
    assert list(table.index) == list(model._param_names)
    assert (table["se"] > 0).all()
    assert ((table["lower"] < table["coef"]) & (table["coef"] < table["upper"])).all()
    # intervals are exp(log theta +- z se_log) at 1 - alpha
    se_log = table["se"] / table["coef"]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(table["upper"], table["coef"] * np.exp(z * se_log), rtol=1e-10)
    narrow = MODELS[name](alpha=0.2).fit(data[name]).summary()
    np.testing.assert_allclose(narrow["coef"], table["coef"], rtol=1e-8)
    assert (narrow["upper"] < table["upper"]).all() and (narrow["lower"] > table["lower"]).all()
    text = repr(model)
    assert text.startswith(f"{name}(") and f"n_customers={model.n_customers_}" in text


@pytest.mark.parametrize("name", list(MODELS))
def test_confidence_level_is_a_deprecated_spelling_of_alpha(name, data):
    with pytest.warns(DeprecationWarning, match="alpha"):
        old = MODELS[name](confidence_level=0.9)
    assert old.alpha == pytest.approx(0.1)
    assert old.confidence_level == pytest.approx(0.9)
    new = MODELS[name](alpha=0.1).fit(data[name])
    np.testing.assert_allclose(
        old.fit(data[name]).confidence_intervals_, new.confidence_intervals_, rtol=1e-9
    )


def test_delta_method_reproduces_the_standard_errors(fitted):
    model = fitted["GammaGamma"]
    for name in model._param_names:
        value, se = model.delta_method(lambda p, n=name: p[n])
        assert value == pytest.approx(model.params_[name])
        assert se == pytest.approx(model.standard_errors_[name], rel=1e-5)
    # the population mean spend p gamma / (q - 1): its SE by the delta method
    value, se = model.delta_method(lambda p: p["p"] * p["gamma"] / (p["q"] - 1))
    assert value == pytest.approx(model.population_mean_spend())
    draws = model.draw_params(4000, seed=11)
    sim = draws["p"] * draws["gamma"] / (draws["q"] - 1)
    assert se == pytest.approx(sim.std(), rel=0.15)


@pytest.mark.parametrize("name", list(MODELS))
def test_draws_are_reproducible_and_seeded_by_default(name, fitted):
    model = fitted[name]
    pd.testing.assert_frame_equal(model.draw_params(5), model.draw_params(5, seed=0))
    assert not model.draw_params(5, seed=1).equals(model.draw_params(5, seed=2))
    draws = model.draw_params(3000, seed=4)
    assert (draws > 0).all().all()
    np.testing.assert_allclose(
        np.log(draws).std(), np.sqrt(np.diag(model.covariance_log_params_())), rtol=0.1
    )


@pytest.mark.parametrize("n_draws", [0, -1, 2.5, np.nan, "10", None, True])
def test_draw_count_is_checked(fitted, n_draws):
    with pytest.raises(ParameterError) as info:
        fitted["BGNBD"].draw_params(n_draws)
    assert info.value.parameter == "n_draws"


@pytest.mark.parametrize("seed", [-1, 1.5, "zero"])
def test_seed_is_checked(fitted, seed):
    with pytest.raises(ParameterError) as info:
        fitted["BGNBD"].draw_params(2, seed=seed)
    assert info.value.parameter == "seed"


bad_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: not np.isfinite(v) or v < 0),
    st.text(max_size=3),
    st.booleans(),
    st.none(),
)


@settings(max_examples=40, deadline=None)
@given(value=bad_numbers, name=st.sampled_from(list(MODELS)))
def test_penalizer_is_range_checked_where_declared(value, name):
    with pytest.raises(ParameterError) as info:
        MODELS[name](penalizer=value)
    assert info.value.parameter == "penalizer"


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.floats(allow_nan=True).filter(lambda v: not 0 < v < 1), st.text(max_size=3), st.none()
    ),
    name=st.sampled_from(list(MODELS)),
)
def test_alpha_is_range_checked_where_declared(value, name):
    with pytest.raises(ParameterError) as info:
        MODELS[name](alpha=value)
    assert info.value.parameter == "alpha"


def test_options_changed_after_construction_are_checked_at_fit(data):
    model = BGNBD()
    model.penalizer = -1.0
    with pytest.raises(ParameterError, match="penalizer"):
        model.fit(data["BGNBD"])


@pytest.mark.parametrize("max_iter", [0, -5, 1.5, "many"])
def test_max_iter_is_checked(data, max_iter):
    with pytest.raises(ParameterError) as info:
        BGNBD().fit(data["BGNBD"], max_iter=max_iter)
    assert info.value.parameter == "max_iter"


@pytest.mark.parametrize(
    "initial", [[1.0, 2.0], [1.0, -1.0, 1.0, 1.0], [np.nan, 1, 1, 1], "abcd", [0, 1, 1, 1]]
)
def test_initial_params_are_checked(data, initial):
    with pytest.raises(ParameterError) as info:
        BGNBD().fit(data["BGNBD"], initial_params=initial)
    assert info.value.parameter == "initial_params"


def test_initial_params_give_the_same_optimum(data, fitted):
    again = BGNBD().fit(data["BGNBD"], initial_params=[0.5, 2.0, 0.5, 1.0])
    np.testing.assert_allclose(again.params_, fitted["BGNBD"].params_, rtol=1e-6)


def test_resolve_alpha_refuses_bad_confidence_levels():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ParameterError) as info:
            resolve_alpha(0.05, confidence_level=95)
    assert info.value.parameter == "confidence_level"


@pytest.mark.parametrize(
    ("alive", "reason", "parameter"),
    [
        ([1000, 990, 980], "parameter_at_bound", "beta"),  # almost no churn: beta runs off
        ([1000, 500, 250], "flat_likelihood", "beta"),  # constant churn: no heterogeneity
        ([1000, 0, 0], "too_few_distinct_rows", None),  # everyone churns in period 1
        ([1000, 1000, 1000], "no_churn", "alpha"),
    ],
)
def test_unidentified_sbg_fits_say_why(alive, reason, parameter):
    with pytest.raises(ConvergenceError) as info:
        ShiftedBetaGeometric().fit(alive)
    assert info.value.reason == reason
    assert info.value.parameter == parameter
    assert reason in str(info.value) and "recency" not in str(info.value)


def test_parameter_at_bound_names_the_parameter(data):
    """20 CDNOW customers without drop-out evidence: the error names the parameter at the bound."""
    cdnow = data["BGNBD"]
    found = []
    for start in range(0, 300, 20):
        try:
            BGNBD().fit(cdnow.iloc[start : start + 20])
        except ConvergenceError as exc:
            found.append((exc.reason, exc.parameter))
            if exc.reason == "parameter_at_bound":
                assert exc.parameter in ("r", "alpha", "a", "b")
                assert f"['{exc.parameter}'" in str(exc)
    assert found, "small samples must include unidentified fits"
    assert {r for r, _ in found} <= {"parameter_at_bound", "flat_likelihood", "not_converged"}


def test_penalizer_makes_a_flat_fit_finite(data):
    """The advice of the error works: a penalty gives a finite optimum where ML has none."""
    small = ShiftedBetaGeometric(penalizer=0.01).fit([1000, 500, 250])
    assert np.isfinite(small.params_).all()
    with pytest.raises(ConvergenceError) as info:
        BGNBD(penalizer=0.01).fit(
            pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": np.linspace(1, 30, 50)})
        )
    assert info.value.reason == "no_repeat_customers"


class _Normal(MaximumLikelihoodModel):
    """A toy model on the base: y ~ N(mu, sigma^2), mu free (any sign), sigma positive."""

    _param_names = ("mu", "sigma")
    _free_params = ("mu",)
    _model_name = "Normal"
    _data_columns = ("y",)

    def _fit_data(self, data, weight):
        from crmlab.estimation import FitData

        y = np.asarray(data["y"], dtype=float)
        w = np.asarray(data[weight], dtype=float) if weight in data else np.ones(len(y))
        return FitData((y,), w, data.index, weight_column=weight if weight in data else None)

    def _loglik_grad(self, theta, y):
        mu, sigma = theta
        z = (y - mu) / sigma
        ll = -0.5 * z**2 - np.log(sigma) - 0.5 * np.log(2 * np.pi)
        return ll, np.column_stack([z / sigma, (z**2 - 1) / sigma])

    def _start(self, data, w):
        return np.array([0.0, 1.0])


@pytest.mark.parametrize("mu", [-3.0, 0.0, 2.5])
def test_free_parameters_have_closed_form_estimates_and_symmetric_intervals(mu):
    """The base with a parameter of either sign: the normal MLE and its SEs in closed form."""
    y = mu + 2.0 * stats.norm.ppf((np.arange(400) + 0.5) / 400)  # exact quantiles, no seed
    model = _Normal().fit(pd.DataFrame({"y": y}))
    n = len(y)
    sigma_hat = y.std()
    assert model.params_["mu"] == pytest.approx(y.mean(), abs=1e-9)
    assert model.params_["sigma"] == pytest.approx(sigma_hat, rel=1e-9)
    assert model.standard_errors_["mu"] == pytest.approx(sigma_hat / np.sqrt(n), rel=1e-4)
    assert model.standard_errors_["sigma"] == pytest.approx(sigma_hat / np.sqrt(2 * n), rel=1e-4)
    ci = model.confidence_intervals_.loc["mu"]
    assert model.params_["mu"] - ci["lower"] == pytest.approx(ci["upper"] - model.params_["mu"])
    draws = model.draw_params(2000)
    assert (draws["mu"] < 0).any() == (mu <= 0)  # draws keep the sign freedom of mu
    assert (draws["sigma"] > 0).all()
    # weights equal repeated rows on the toy model too
    half = pd.DataFrame({"y": y[::2], "weight": 2.0})
    assert _Normal().fit(half).params_["sigma"] == pytest.approx(y[::2].std(), rel=1e-8)


class _NormalExactHessian(_Normal):
    """The toy model with an analytic Hessian of the total log-likelihood."""

    def _total_loglik_hessian(self, theta, data, w):
        mu, sigma = theta
        (y,) = data
        z = (y - mu) / sigma
        n = w.sum()
        return np.array(
            [
                [-n / sigma**2, -2 * np.dot(w, z) / sigma**2],
                [-2 * np.dot(w, z) / sigma**2, (n - 3 * np.dot(w, z**2)) / sigma**2],
            ]
        )


@pytest.mark.parametrize("penalizer", [0.0, 0.05])
def test_analytic_hessian_hook_equals_finite_differences(penalizer):
    y = 1.5 + 0.7 * stats.norm.ppf((np.arange(300) + 0.5) / 300)
    data = pd.DataFrame({"y": y})
    by_differences = _Normal(penalizer=penalizer).fit(data)
    exact = _NormalExactHessian(penalizer=penalizer).fit(data)
    np.testing.assert_allclose(exact.params_, by_differences.params_, rtol=1e-8)
    np.testing.assert_allclose(
        exact.covariance_log_params_(),
        by_differences.covariance_log_params_(),
        rtol=1e-5,
        atol=1e-10,  # the off-diagonal is zero at the optimum (sum of z is 0)
    )
