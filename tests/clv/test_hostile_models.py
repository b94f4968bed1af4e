"""Hostile and careless input to the CLV models and the CLV function (issue 12, classes 5 and 7).

Empty summaries, T = 0 for everyone and all-zero weights give a DataError naming the column;
data that cannot identify a model give a ConvergenceError with a machine-readable reason;
probabilities of impossible purchase counts, a Gamma-Gamma mean that does not exist and
out-of-range CLV options are refused with the parameter named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD, customer_lifetime_value
from crmlab.datasets import load_donations
from crmlab.errors import ConvergenceError, DataError, ParameterError

TRANSACTION = [BGNBD, MBGNBD, ParetoNBD]
REASONS = {
    "too_few_distinct_rows",
    "no_repeat_customers",
    "parameter_at_bound",
    "flat_likelihood",
    "not_converged",
    "likelihood_not_finite",
}


def _summary(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["frequency", "recency", "T"], dtype=float)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return {
        "BGNBD": BGNBD().fit(cdnow),
        "MBGNBD": MBGNBD().fit(cdnow),
        "ParetoNBD": ParetoNBD().fit(cdnow),
        "BGBB": BGBB().fit(load_donations()),
        "GammaGamma": GammaGamma().fit(cdnow),
    }


# ------------------------------------------------------------------ degenerate summaries
@pytest.mark.parametrize("model", [*TRANSACTION, GammaGamma, BGBB])
def test_empty_summary_is_a_data_error(model):
    columns = ["frequency", "recency", "T", "monetary_value", "n_periods"]
    with pytest.raises(DataError, match="no rows") as info:
        model().fit(pd.DataFrame(columns=columns, dtype=float))
    assert info.value.column == "frequency"


@pytest.mark.parametrize("model", TRANSACTION)
@pytest.mark.parametrize("n", [1, 3, 500])
def test_T_zero_for_everyone_is_a_data_error(model, n):
    summary = _summary([[0, 0, 0]] * n)
    with pytest.raises(DataError, match="calibration window") as info:
        model().fit(summary)
    assert info.value.column == "T"


def test_bgbb_without_opportunities_is_a_data_error():
    data = pd.DataFrame({"frequency": [0.0, 0.0], "recency": 0.0, "n_periods": 0.0})
    with pytest.raises(DataError) as info:
        BGBB().fit(data)
    assert info.value.column == "n_periods"


@pytest.mark.parametrize("model", [*TRANSACTION, GammaGamma])
def test_all_zero_weights_are_a_data_error(model, cdnow):
    counts = cdnow.iloc[:50].assign(weight=0.0)
    with pytest.raises(DataError, match="weight") as info:
        model().fit(counts)
    assert info.value.column == "weight"
    # another weight column name is named as such
    with pytest.raises(DataError, match="'n'") as info:
        model().fit(counts.rename(columns={"weight": "n"}), weight="n")
    assert info.value.column == "n"


def test_bgbb_all_zero_weights(cdnow):
    with pytest.raises(DataError) as info:
        BGBB().fit(load_donations().assign(weight=0))
    assert info.value.column == "weight"


def test_gamma_gamma_without_repeat_customers(cdnow):
    with pytest.raises(DataError) as info:
        GammaGamma().fit(cdnow[cdnow["frequency"] == 0])
    assert info.value.column == "frequency"


@pytest.mark.parametrize("model", TRANSACTION)
def test_single_customer_is_not_identified(model):
    """Issue 12: BG/NBD on a single customer 'converged' to r = 3e5."""
    with pytest.raises(ConvergenceError) as info:
        model().fit(_summary([[2, 3, 5]]))
    assert info.value.reason == "too_few_distinct_rows"
    assert "cannot identify" in str(info.value)


customer = st.tuples(st.integers(0, 6), st.floats(0.05, 1.0), st.floats(0.5, 60.0)).map(
    lambda c: (c[0], c[1] * c[2] if c[0] > 0 else 0.0, c[2])
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(customer, min_size=1, max_size=6), which=st.sampled_from(TRANSACTION))
def test_tiny_bases_give_an_estimate_or_a_reason(rows, which):
    """A handful of customers: either an identified fit with finite, moderate SEs, or a
    ConvergenceError whose reason says why; never another exception, never r = 3e5 silently."""
    summary = _summary(rows)
    try:
        model = which().fit(summary)
    except ConvergenceError as exc:
        assert exc.reason in REASONS
        return
    se_log = np.sqrt(np.diag(model.covariance_log_params_()))
    assert np.all(np.isfinite(se_log)) and np.all(se_log <= 10)
    assert np.all(np.isfinite(model.params_))


# ----------------------------------------------------------------- impossible predictions
bad_counts = st.one_of(
    st.integers(max_value=-1),
    st.floats(0.01, 1e3).filter(lambda v: v != round(v)),
    st.sampled_from([np.nan, np.inf, -np.inf]),
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(k=bad_counts, name=st.sampled_from(["BGNBD", "MBGNBD", "ParetoNBD", "BGBB"]))
def test_probability_of_impossible_purchase_counts(fitted, k, name):
    """Issue 12: probabilities of -1 or 2.5 purchases returned numbers."""
    with pytest.raises(ParameterError) as info:
        fitted[name].probability_of_purchases(k, 6)
    assert info.value.parameter == "k"
    with pytest.raises(ParameterError):
        fitted[name].probability_of_purchases([0, 1, k], 6)


@pytest.mark.parametrize("name", ["BGNBD", "MBGNBD", "ParetoNBD"])
@pytest.mark.parametrize("t", [-1.0, np.nan, np.inf, "soon"])
def test_probability_of_purchases_checks_the_horizon(fitted, name, t):
    with pytest.raises(ParameterError) as info:
        fitted[name].probability_of_purchases(1, t)
    assert info.value.parameter == "t"


@pytest.mark.parametrize("n", [-1, 2.5, np.nan])
def test_bgbb_checks_the_number_of_opportunities(fitted, n):
    with pytest.raises(ParameterError) as info:
        fitted["BGBB"].probability_of_purchases(1, n)
    assert info.value.parameter == "n"
    with pytest.raises(ParameterError):
        fitted["BGBB"].expected_purchases(n)


def test_valid_counts_still_give_a_distribution(fitted):
    for name in ("BGNBD", "MBGNBD"):
        p = fitted[name].probability_of_purchases(np.arange(300), 39)
        assert p.sum() == pytest.approx(1.0, abs=1e-8)
        assert fitted[name].probability_of_purchases(3.0, 39) == pytest.approx(p[3])


# -------------------------------------------------------------- Gamma-Gamma with q <= 1
def _heavy_tailed_spend(seed: int, q: float, n: int = 3000) -> pd.DataFrame:
    """Mean spends from the Gamma-Gamma model itself with q <= 1 (no finite mean)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, n)
    nu = rng.gamma(q, 1 / 10.0, n)
    spend = rng.gamma(2.0 * x, 1 / (nu * x))
    return pd.DataFrame({"frequency": x.astype(float), "monetary_value": spend})


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gamma_gamma_with_q_below_one_gives_no_mean(seed):
    """Issue 12: Gamma-Gamma with q <= 1 returned a negative mean spend."""
    data = _heavy_tailed_spend(seed, q=0.6)
    model = GammaGamma().fit(data)
    assert model.params_["q"] < 1  # the data were drawn with q = 0.6
    with pytest.raises(ConvergenceError) as info:
        model.population_mean_spend()
    assert info.value.reason == "mean_undefined" and info.value.parameter == "q"
    newcomer = pd.DataFrame({"frequency": [0.0], "monetary_value": [0.0]})
    with pytest.raises(ConvergenceError, match="q > 1"):
        model.expected_average_spend(newcomer)
    # customers whose own mean exists still get it, and it is positive
    repeat = data.iloc[:20]
    assert (model.expected_average_spend(repeat) > 0).all()


def test_gamma_gamma_draws_with_q_below_one(cdnow):
    model = GammaGamma().fit(_heavy_tailed_spend(3, q=0.6))
    draws = model.draw_params(50)
    newcomer = pd.DataFrame({"frequency": [0.0], "monetary_value": [0.0]})
    with pytest.raises(ConvergenceError, match="parameter draw"):
        model.expected_average_spend(newcomer, params=draws)


# --------------------------------------------------------------- customer_lifetime_value
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("margin_rate", -1.0),
        ("margin_rate", 0.0),
        ("margin_rate", 1.5),
        ("margin_rate", np.nan),
        ("margin_rate", np.inf),
        ("margin_rate", "0.3"),
        ("discount_rate", -0.1),
        ("discount_rate", np.inf),
        ("discount_rate", np.nan),
        ("discount_rate", None),
        ("n_draws", -1),
        ("n_draws", 2.5),
        ("n_draws", "10"),
        ("interval", 1.0),
        ("interval", np.nan),
        ("alpha", 1.0),
        ("alpha", 0.0),
        ("alpha", "0.05"),
        ("seed", -3),
        ("seed", 0.5),
        ("step", 0.0),
        ("step", np.inf),
        ("horizon", -5.0),
        ("horizon", np.nan),
        ("horizon", "52"),
    ],
)
def test_clv_options_are_range_checked(fitted, cdnow, option, value):
    """Issue 12: margin_rate -1, discount_rate inf and NaN margins gave negative or zero CLV."""
    kwargs = {"horizon": 10.0, "discount_rate": 0.1, "margin_rate": 0.3, "n_draws": 0}
    kwargs[option] = value
    horizon = kwargs.pop("horizon")
    discount = kwargs.pop("discount_rate")
    with pytest.raises(ParameterError) as info:
        customer_lifetime_value(
            fitted["BGNBD"], fitted["GammaGamma"], cdnow.iloc[:5], horizon, discount, "W", **kwargs
        )
    assert info.value.parameter == option


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(margin=st.floats(1e-3, 1.0), rate=st.floats(0.0, 2.0))
def test_valid_clv_options_give_non_negative_values(fitted, cdnow, margin, rate):
    out = customer_lifetime_value(
        fitted["BGNBD"], fitted["GammaGamma"], cdnow.iloc[:30], 8.0, rate, "W", margin
    )
    assert (out["clv"] >= 0).all() and np.isfinite(out["clv"]).all()


@pytest.mark.parametrize("name", ["BGNBD", "MBGNBD", "ParetoNBD"])
@pytest.mark.parametrize("t", [-1.0, [1.0, -2.0], np.nan, np.inf, "a year"])
def test_expected_purchases_checks_the_times(fitted, name, t):
    with pytest.raises(ParameterError) as info:
        fitted[name].expected_purchases_new_customer(t)
    assert info.value.parameter == "t"


@pytest.mark.parametrize("delta", [0.0, -0.01, np.inf, np.nan, "0.1"])
def test_pareto_dert_checks_the_discount_rate(fitted, cdnow, delta):
    with pytest.raises(ParameterError) as info:
        fitted["ParetoNBD"].discounted_expected_residual_transactions(delta, cdnow.iloc[:3])
    assert info.value.parameter == "delta"
