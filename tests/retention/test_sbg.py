"""Tests of the shifted-beta-geometric model (crmlab.retention.sbg)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special

from crmlab.datasets import load_fader_hardie_cohorts, simulate_subscriptions
from crmlab.errors import (
    ConvergenceError,
    CrmlabWarning,
    DataError,
    NotFittedError,
    ParameterError,
)
from crmlab.retention import ShiftedBetaGeometric, sbg_loglik


@pytest.fixture(scope="module")
def cohorts() -> pd.DataFrame:
    return load_fader_hardie_cohorts()


@pytest.fixture(scope="module")
def fitted(cohorts) -> dict[str, ShiftedBetaGeometric]:
    return {c: ShiftedBetaGeometric().fit(cohorts[c].loc[:7]) for c in ("regular", "high_end")}


def test_bundled_cohorts_match_table_1(cohorts):
    """Fader & Hardie (2007), Table 1: survivors of 1,000 customers, years 0-12 (the same counts
    appear in several public reproductions of the paper)."""
    assert cohorts["regular"].tolist() == [
        1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173
    ]  # fmt: skip
    assert cohorts["high_end"].tolist() == [
        1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("cohort", "alpha", "beta"), [("regular", 0.704, 1.182), ("high_end", 0.668, 3.806)]
)
def test_reproduces_fader_hardie_2007(fitted, cohort, alpha, beta):
    """Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. Journal of
    Interactive Marketing 21(1), 76-90: the sBG fitted to years 0-7 of Table 1 gives
    alpha = 0.704, beta = 1.182 (regular) and alpha = 0.668, beta = 3.806 (high end), reported to
    three decimals in the text where the model is fitted to the two cohorts (the same values are
    used by public reproductions of the paper)."""
    model = fitted[cohort]
    assert model.params_["alpha"] == pytest.approx(alpha, abs=5e-4)
    assert model.params_["beta"] == pytest.approx(beta, abs=5e-4)
    assert model.n_customers_ == 1000
    assert model.converged_


def test_regression_snapshot_log_likelihood_values(fitted):
    """Regression snapshot (self-made, not published): maximised log-likelihoods measured with
    crmlab (years 0-7): -1680.27 (regular) and -1611.16 (high end); equal to the sum of the sBG
    terms computed by hand."""
    assert fitted["regular"].log_likelihood_ == pytest.approx(-1680.27, abs=0.01)
    assert fitted["high_end"].log_likelihood_ == pytest.approx(-1611.16, abs=0.01)
    a, b = fitted["regular"].params_
    alive = np.array([1000, 631, 468, 382, 326, 289, 262, 241], dtype=float)
    t = np.arange(1, 8)
    p = np.exp(special.betaln(a + 1, b + t - 1) - special.betaln(a, b))
    s7 = np.exp(special.betaln(a, b + 7) - special.betaln(a, b))
    by_hand = np.sum(-np.diff(alive) * np.log(p)) + alive[-1] * np.log(s7)
    assert fitted["regular"].log_likelihood_ == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize(
    ("cohort", "projected_12", "observed_12"), [("regular", 170.0, 173), ("high_end", 378.0, 394)]
)
def test_projection_to_year_12(fitted, cohorts, cohort, projected_12, observed_12):
    """Fader & Hardie (2007) show the sBG fitted on years 0-7 tracking the survivors of
    years 8-12 closely (their projection figures). Regression snapshot (self-made, not
    published; the published check is the 5 % band against the observed survivors): measured
    with crmlab at year 12: 170.0
    projected vs 173 observed (regular, -1.7 %) and 378.0 vs 394 (high end, -4.1 %); every
    year 8-12 within 5 %."""
    projection = fitted[cohort].project(12, seed=1)
    assert projection["expected"].iloc[12] == pytest.approx(projected_12, abs=0.05)
    observed = cohorts[cohort].loc[8:12].to_numpy()
    rel = projection["expected"].loc[8:12].to_numpy() / observed - 1
    assert np.all(np.abs(rel) < 0.05)
    assert abs(projection["expected"].iloc[12] / observed_12 - 1) < 0.05
    assert (projection["lower"] <= projection["expected"] + 1e-9).all()
    assert (projection["upper"] >= projection["expected"] - 1e-9).all()
    assert projection["upper"].iloc[12] > projection["lower"].iloc[12]
    assert projection["expected"].iloc[0] == pytest.approx(1000.0)


def test_survival_retention_churn_identities(fitted):
    model = fitted["regular"]
    a, b = model.params_
    t = np.arange(1, 30)
    s = model.survival(np.arange(0, 30))
    assert s[0] == pytest.approx(1.0)
    np.testing.assert_allclose(model.retention_rate(t), s[1:] / s[:-1], rtol=1e-12)
    np.testing.assert_allclose(model.churn_probability(t), s[:-1] - s[1:], rtol=1e-10)
    assert model.retention_rate(1) == pytest.approx(b / (a + b))
    # retention rises with tenure (sorting effect)
    assert np.all(np.diff(model.retention_rate(t)) > 0)
    assert isinstance(model.survival(3), float)


@pytest.mark.parametrize("d", [0.05, 0.1, 0.25])
@pytest.mark.parametrize("renewals", [0, 1, 4, 10])
def test_derl_matches_brute_force_sum(fitted, d, renewals):
    """DERL(d | alpha, beta, n - 1 renewals) = sum_{t>=n} S(t)/S(n-1) / (1+d)^(t-n)
    (Fader & Hardie 2010, Marketing Science 29(1)), against its closed form with 2F1."""
    for model in fitted.values():
        n = renewals + 1
        t = np.arange(n, n + 20000)
        s = model.survival(t) / model.survival(n - 1)
        brute = np.sum(s * np.exp(-(t - n) * np.log1p(d)))
        assert model.derl(d, renewals) == pytest.approx(brute, rel=1e-9)


@pytest.mark.parametrize("d", [0.05, 0.1, 0.25])
def test_dexl_matches_brute_force_sum(fitted, d):
    for model in fitted.values():
        t = np.arange(0, 20000)
        brute = np.sum(model.survival(t) * np.exp(-t * np.log1p(d)))
        assert model.dexl(d) == pytest.approx(brute, rel=1e-9)
        assert model.dexl(d) == pytest.approx(1 + model.derl(d, 0) / (1 + d), rel=1e-12)


def test_regression_snapshot_derl_values_and_growth(fitted):
    """Regression snapshot (self-made, not published; the brute-force tests above check the
    formula): values measured with crmlab at d = 10 %: DERL after 0, 1, 4 renewals 2.964, 4.103, 5.894
    (regular), 5.414, 5.901, 6.897 (high end); it grows with the renewals made."""
    np.testing.assert_allclose(
        fitted["regular"].derl(0.1, [0, 1, 4]), [2.964, 4.103, 5.894], atol=1e-3
    )
    np.testing.assert_allclose(
        fitted["high_end"].derl(0.1, [0, 1, 4]), [5.414, 5.901, 6.897], atol=1e-3
    )
    assert fitted["regular"].dexl(0.1) == pytest.approx(3.695, abs=1e-3)


def test_homogeneous_limit_geometric():
    """With alpha, beta large and alpha/(alpha+beta) = p the sBG tends to the geometric model:
    DERL -> (1 - p)(1 + d)/(d + p) for a customer about to renew."""
    model = ShiftedBetaGeometric()
    model.params_ = pd.Series({"alpha": 2e4, "beta": 8e4})
    p, d = 0.2, 0.1
    assert model.derl(d, 3) == pytest.approx((1 - p) * (1 + d) / (d + p), rel=1e-3)
    assert model.dexl(d) == pytest.approx((1 + d) / (d + p), rel=1e-3)


def test_standard_errors_and_summary(fitted):
    model = fitted["regular"]
    table = model.summary()
    assert list(table.columns) == ["coef", "se", "lower", "upper"]
    assert (table["se"] > 0).all()
    assert (table["lower"] < table["coef"]).all() and (table["coef"] < table["upper"]).all()
    # standard errors match the inverse of a numerical Hessian of the total log-likelihood
    alive = np.array([1000, 631, 468, 382, 326, 289, 262, 241], dtype=float)
    t = np.concatenate([np.arange(1, 8), [7]])
    ev = np.concatenate([np.ones(7), [0]])
    w = np.concatenate([-np.diff(alive), [alive[-1]]])

    def ll(theta):
        return w @ sbg_loglik(theta[0], theta[1], t, ev)[0]

    x = model.params_.to_numpy()
    h = np.empty((2, 2))
    eps = 1e-4
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * eps, np.eye(2)[j] * eps
            h[i, j] = (
                ll(x + e_i + e_j) - ll(x + e_i - e_j) - ll(x - e_i + e_j) + ll(x - e_i - e_j)
            ) / (4 * eps**2)
    se = np.sqrt(np.diag(np.linalg.inv(-h)))
    np.testing.assert_allclose(model.standard_errors_.to_numpy(), se, rtol=1e-3)


def test_gradient_matches_finite_differences():
    t = np.array([1, 2, 5, 7, 7])
    ev = np.array([1, 1, 1, 1, 0])
    a, b, h = 0.7, 1.2, 1e-6
    _, grad = sbg_loglik(a, b, t, ev)
    num_a = (sbg_loglik(a + h, b, t, ev)[0] - sbg_loglik(a - h, b, t, ev)[0]) / (2 * h)
    num_b = (sbg_loglik(a, b + h, t, ev)[0] - sbg_loglik(a, b - h, t, ev)[0]) / (2 * h)
    np.testing.assert_allclose(grad[:, 0], num_a, rtol=1e-6)
    np.testing.assert_allclose(grad[:, 1], num_b, rtol=1e-6)


def test_fit_cohorts_equals_fit_on_single_cohort(cohorts):
    alive = cohorts["regular"].loc[:7].to_numpy()
    lost = -np.diff(alive)
    end = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(alive[-1], np.nan)])
    table = pd.DataFrame({"cohort": 0, "start": 0, "end": end})
    pooled = ShiftedBetaGeometric().fit_cohorts(table, observation_end=7)
    single = ShiftedBetaGeometric().fit(alive)
    np.testing.assert_allclose(pooled.params_, single.params_, rtol=1e-7)
    assert pooled.log_likelihood_ == pytest.approx(single.log_likelihood_)
    # periods as pandas Periods give the same fit
    periods = table.assign(
        start=pd.Period("2000", freq="Y"),
        end=[pd.NaT if np.isnan(e) else pd.Period("2000", freq="Y") + int(e) for e in end],
    )
    periods["end"] = periods["end"].astype("period[Y-DEC]")
    by_period = ShiftedBetaGeometric().fit_cohorts(
        periods, observation_end=pd.Period("2007", freq="Y")
    )
    np.testing.assert_allclose(by_period.params_, single.params_, rtol=1e-7)


def test_recovers_simulated_parameters():
    """Several cohorts with their own censoring: alpha, beta recovered within 3 SE."""
    table = simulate_subscriptions(1500, alpha=0.9, beta=2.5, n_periods=8, n_cohorts=4, seed=7)
    model = ShiftedBetaGeometric().fit_cohorts(
        table, observation_end=table.attrs["observation_end"]
    )
    assert abs(model.params_["alpha"] - 0.9) < 3 * model.standard_errors_["alpha"]
    assert abs(model.params_["beta"] - 2.5) < 3 * model.standard_errors_["beta"]
    assert model.n_customers_ == 6000


def test_simulator_shape_and_seed():
    a = simulate_subscriptions(100, 1.0, 2.0, n_periods=5, n_cohorts=3, seed=3)
    b = simulate_subscriptions(100, 1.0, 2.0, n_periods=5, n_cohorts=3, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 300
    assert sorted(a["cohort"].unique()) == [0, 1, 2]
    ended = a["end"].dropna()
    assert (ended > a.loc[ended.index, "start"]).all() and (ended <= 5).all()
    with pytest.raises(ParameterError):
        simulate_subscriptions(10, -1.0, 2.0, n_periods=5)
    with pytest.raises(ParameterError):
        simulate_subscriptions(10, 1.0, 2.0, n_periods=2, n_cohorts=3)


def test_not_fitted_and_bad_inputs():
    model = ShiftedBetaGeometric()
    with pytest.raises(NotFittedError):
        model.survival(1)
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(DataError, match="increases"):
        model.fit([1000, 600, 700])
    with pytest.raises(DataError, match="at least two"):
        model.fit([1000])
    with pytest.raises(DataError, match="negative"):
        model.fit([1000, -5])
    with pytest.raises(ConvergenceError, match="no customer churned"):
        model.fit([1000, 1000, 1000])
    with pytest.raises(DataError, match="end"):
        model.fit_cohorts(pd.DataFrame({"start": [2, 3], "end": [2, np.nan]}))
    with pytest.raises(DataError, match="lack the column"):
        model.fit_cohorts(pd.DataFrame({"begin": [0], "end": [1]}))
    fitted_model = ShiftedBetaGeometric().fit([1000, 631, 468])
    with pytest.raises(ParameterError, match="discount_rate"):
        fitted_model.derl(0.0)
    with pytest.raises(ParameterError):
        fitted_model.retention_rate(0)
    with pytest.raises(ParameterError, match="penalizer"):
        ShiftedBetaGeometric(penalizer=-1).fit([1000, 631, 468])


def test_unidentified_fit_raises_convergence_error():
    """Everyone churns in period 1 (theta = 1 for all): beta runs to zero."""
    with pytest.raises(ConvergenceError):
        ShiftedBetaGeometric().fit([1000, 0, 0])


def test_penalizer_shrinks(cohorts):
    alive = cohorts["high_end"].loc[:7]
    plain = ShiftedBetaGeometric().fit(alive)
    shrunk = ShiftedBetaGeometric(penalizer=0.1).fit(alive)
    assert shrunk.params_["beta"] < plain.params_["beta"]


def test_shares_warn_but_give_the_same_estimates(cohorts):
    counts = cohorts["regular"].loc[:7]
    with pytest.warns(CrmlabWarning, match="shares"):
        shares = ShiftedBetaGeometric().fit(counts / 1000)
    plain = ShiftedBetaGeometric().fit(counts)
    np.testing.assert_allclose(shares.params_, plain.params_, rtol=1e-6)
    assert shares.standard_errors_["alpha"] > 10 * plain.standard_errors_["alpha"]


@pytest.mark.parametrize("rate", [np.inf, np.nan, -0.1, "0.1", None])
def test_discount_rate_is_checked(fitted, rate):
    with pytest.raises(ParameterError) as info:
        fitted["regular"].derl(rate)
    assert info.value.parameter == "discount_rate"
    with pytest.raises(ParameterError):
        fitted["regular"].dexl(rate)


def test_projection_options_are_checked(fitted):
    model = fitted["regular"]
    for alpha in (0.0, 1.5, np.nan):
        with pytest.raises(ParameterError) as info:
            model.project(5, alpha=alpha)
        assert info.value.parameter == "alpha"
    for n_draws in (0, -1, 2.5):
        with pytest.raises(ParameterError) as info:
            model.project(5, n_draws=n_draws)
        assert info.value.parameter == "n_draws"
    # the interval level defaults to the model's alpha
    narrow = (
        ShiftedBetaGeometric(alpha=0.5)
        .fit(load_fader_hardie_cohorts()["regular"].loc[:7])
        .project(5)
    )
    default = model.project(5)
    assert (narrow["upper"] - narrow["lower"]).iloc[5] < (default["upper"] - default["lower"]).iloc[
        5
    ]


def test_subscription_table_hostile_inputs():
    model = ShiftedBetaGeometric()
    with pytest.raises(DataError) as info:
        model.fit_cohorts(pd.DataFrame({"start": [], "end": []}, dtype=float))
    assert info.value.column == "start"
    with pytest.raises(ParameterError) as info:
        model.fit_cohorts(pd.DataFrame({"start": [0, 0], "end": [1, np.nan]}), observation_end="x")
    assert info.value.parameter == "observation_end"


def test_survivor_counts_and_subscription_table_give_the_same_rows(cohorts):
    """One extraction: a cohort's survivor counts are a weighted subscription table, so both
    entry points produce the same likelihood rows (compressed: identical (t, event) patterns
    with their summed weights)."""
    from crmlab.estimation import compress
    from crmlab.retention.sbg import subscription_rows, survivor_rows

    alive = cohorts["high_end"].loc[:7]
    lost = -np.diff(alive.to_numpy())
    end = np.concatenate([np.repeat(np.arange(1, 8), lost), np.full(int(alive.iloc[-1]), np.nan)])
    customers = pd.DataFrame({"start": 0, "end": end})
    by_customer = subscription_rows(customers, observation_end=7)
    by_count = survivor_rows(alive)
    assert list(by_count.index) == list(alive.index)
    a_cols, a_w = compress(*by_count.arrays, weights=by_count.weights)
    b_cols, b_w = compress(*by_customer.arrays, weights=by_customer.weights)
    for a, b in zip(a_cols, b_cols, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a_w, b_w)
    assert a_w.sum() == alive.iloc[0]
    # the weight column is checked like any data column
    with pytest.raises(DataError, match="customer counts"):
        subscription_rows(customers.assign(n=-1.0), observation_end=7, weight="n")
    with pytest.raises(DataError, match="weight column 'n'"):
        subscription_rows(customers, observation_end=7, weight="n")
