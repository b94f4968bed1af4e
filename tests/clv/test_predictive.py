"""Tests of crmlab.clv.predictive: the conditional count distribution (against closed forms,
the models' own expectations and lifetimes), holdout log scores, predictive intervals whose
coverage is checked on histories simulated forward from known models, and simulated CLV
against the closed-form expected CLV."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab import clv
from crmlab.clv import (
    BGNBD,
    MBGNBD,
    NBD,
    GammaGamma,
    ParetoNBD,
    clv_predictive_interval,
    conditional_count_pmf,
    holdout_log_score,
    interval_coverage,
    purchases_predictive_interval,
    simulate_future,
)
from crmlab.errors import ParameterError

from ._holdout_sim import simulate_with_holdout


@pytest.fixture(scope="module")
def fitted(cdnow):
    return {M.__name__: M().fit(cdnow) for M in (NBD, ParetoNBD, BGNBD, MBGNBD)}


@pytest.mark.parametrize("name", ["NBD", "ParetoNBD", "BGNBD", "MBGNBD"])
def test_pmf_sums_to_one_and_has_the_models_conditional_mean(cdnow, fitted, name):
    model = fitted[name]
    pmf = conditional_count_pmf(model, 39.0, cdnow)
    assert pmf.shape[0] == len(cdnow)
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0, atol=1e-10)
    mean = pmf.to_numpy() @ np.arange(pmf.shape[1])
    expected = model.conditional_expected_purchases(39.0, cdnow).to_numpy()
    np.testing.assert_allclose(mean, expected, rtol=1e-8, atol=1e-12)


def test_nbd_pmf_is_the_negative_binomial(cdnow, fitted):
    """NBD: X(T, T+t) | x, T ~ NB(r + x, (alpha + T) / (alpha + T + t)) (Ehrenberg 1959)."""
    model = fitted["NBD"]
    r, a = model.params_["r"], model.params_["alpha"]
    part = cdnow.iloc[:50]
    pmf = conditional_count_pmf(model, 20.0, part, n_max=8).to_numpy()
    x, T = part["frequency"].to_numpy(), part["T"].to_numpy()
    ref = stats.nbinom.pmf(
        np.arange(9)[None, :], (r + x)[:, None], ((a + T) / (a + T + 20))[:, None]
    )
    np.testing.assert_allclose(pmf, ref, rtol=1e-10)


def test_paretonbd_pmf_matches_lifetimes(cdnow, fitted, lifetimes):
    """lifetimes 0.11.3 ``conditional_probability_of_n_purchases_up_to_time`` (its own series)."""
    model = fitted["ParetoNBD"]
    ref = lifetimes.ParetoNBDFitter()
    ref.params_ = pd.Series(model.params_.to_dict())
    ref._unload_params = lambda *names: [ref.params_[n] for n in names]
    rows = cdnow.iloc[[0, 5, 17, 40, 101]]
    pmf = conditional_count_pmf(model, 10.0, rows, n_max=3).to_numpy()
    for j, (_, row) in enumerate(rows.iterrows()):
        for n in range(4):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = ref.conditional_probability_of_n_purchases_up_to_time(
                    n, 10.0, row["frequency"], row["recency"], row["T"]
                )
            assert pmf[j, n] == pytest.approx(float(theirs), rel=1e-5, abs=1e-10)


def test_log_score_is_log_of_pmf_at_the_observed_count(cdnow, fitted):
    model = fitted["BGNBD"]
    score = holdout_log_score(model, cdnow)
    pmf = conditional_count_pmf(model, 39.0, cdnow).to_numpy()
    picked = pmf[np.arange(len(cdnow)), cdnow["frequency_holdout"].astype(int).to_numpy()]
    np.testing.assert_allclose(score.to_numpy(), np.log(picked), rtol=1e-10)


def test_models_without_a_pmf_are_refused(cdnow):
    model = clv.BGBB()
    with pytest.raises(ParameterError, match="no conditional count pmf"):
        conditional_count_pmf(model, 1.0, cdnow)


@pytest.mark.parametrize(
    "kind, model, params",
    [
        ("paretonbd", ParetoNBD, {"r": 0.55, "alpha": 10.6, "s": 0.61, "beta": 11.7}),
        ("bgnbd", BGNBD, {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 2.43}),
        ("ggomnbd", clv.GGomNBD, {"r": 0.6, "alpha": 8.0, "b": 0.08, "s": 0.8, "beta": 2.0}),
    ],
)
def test_predictive_interval_coverage_on_known_truth(kind, model, params):
    """Holdout counts simulated forward from the true model fall in the 95% predictive
    intervals of the model fitted on the calibration part as often as the intervals say
    (whole counts: at least 95%), within 3 binomial standard errors."""
    data = simulate_with_holdout(kind, params, 2000, 39.0, seed=0)
    fit = model().fit(data)
    interval = purchases_predictive_interval(fit, 39.0, data, n_draws=20)
    cover = interval_coverage(interval, data["frequency_holdout"])
    assert cover["level"] == pytest.approx(0.95)
    assert cover["expected"] >= 0.95
    assert abs(cover["observed"] - cover["expected"]) < 3 * cover["se"]
    assert cover["observed"] > 0.95 - 3 * cover["se"]
    assert (interval["lower"] <= interval["upper"]).all()
    assert "predictive interval" in interval.attrs["covers"]


@pytest.mark.parametrize("name", ["NBD", "ParetoNBD", "BGNBD", "MBGNBD"])
def test_simulated_purchases_have_the_models_mean(cdnow, fitted, name):
    model = fitted[name]
    sims = simulate_future(model, 39.0, cdnow, n_draws=0, n_sims=400, seed=1)["purchases"]
    totals = sims.sum(axis=1)
    expected = model.conditional_expected_purchases(39.0, cdnow).sum()
    se = totals.std(ddof=1) / np.sqrt(len(totals))
    assert abs(totals.mean() - expected) < 4 * se


def test_simulated_clv_has_the_expected_clv_and_wider_interval(cdnow, fitted):
    """Mean of simulated discounted margin (Gamma-Gamma spend per purchase) equals the closed-form
    CLV ``m E[spend] DERT`` (FHL 2005b) within Monte-Carlo error; the predictive interval of
    one customer is wider than the parameter-uncertainty interval of her expectation."""
    model = fitted["ParetoNBD"]
    spend = GammaGamma().fit(clv.spend_summary(cdnow))
    value = clv.customer_lifetime_value(model, spend, cdnow, 26.0, 0.1, "W", 0.3, step=0.1)
    sims = clv_predictive_interval(
        model, spend, 26.0, 0.1, "W", 0.3, cdnow, clv.spend_summary(cdnow), n_draws=0,
        n_sims=600, seed=2,
    )  # fmt: skip
    delta = clv.discount_rate_per_unit(0.1, "W")
    raw = simulate_future(
        model, 26.0, cdnow, discount=delta, spend_model=spend,
        spend_data=clv.spend_summary(cdnow), n_draws=0, n_sims=600, seed=2,
    )["discounted_spend"]  # fmt: skip
    totals = 0.3 * raw.sum(axis=1)
    se = totals.std(ddof=1) / np.sqrt(len(totals))
    assert abs(totals.mean() - value["clv"].sum()) < 4 * se
    np.testing.assert_allclose(sims["clv_simulated_mean"].sum(), totals.mean(), rtol=1e-12)
    with_draws = clv.customer_lifetime_value(
        model, spend, cdnow, 26.0, 0.1, "W", 0.3, n_draws=50, seed=0
    )
    top = value["clv"].idxmax()
    width_pred = sims.loc[top, "clv_predictive_upper"] - sims.loc[top, "clv_predictive_lower"]
    width_par = with_draws.loc[top, "clv_upper"] - with_draws.loc[top, "clv_lower"]
    assert width_pred > width_par
    assert "CLV each customer will yield" in sims.attrs["covers"]


def test_simulation_refuses_models_without_a_memoryless_future():
    with pytest.raises(ParameterError, match="simulated future"):
        simulate_future(clv.BGBB(), 10.0)
    with pytest.raises(ParameterError, match="simulated future"):
        simulate_future(clv.BGCNBD(k=2), 10.0)
