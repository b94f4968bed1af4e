"""The fast paths of issue 16 against the slow definitions they replace (and mpmath).

Each speed-up changes how a number is computed, not which number: distinct rows by hashing
against ``np.unique``, the analytic Hessians against differences of the analytic gradient,
Newton's method against L-BFGS-B, the Pareto/NBD weighted totals against the per-row
likelihood, the grouped 2F1 series against mpmath, and the CLV sum on distinct (x, T) pairs
against the per-step sum over every customer and against a fine-step reference.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pandas as pd
import pytest

from crmlab._special import _block_series, log_hyp2f1_c_eq_a_plus_1
from crmlab.clv import BGNBD, MBGNBD, GammaGamma, ParetoNBD, customer_lifetime_value
from crmlab.clv.paretonbd import paretonbd_loglik, paretonbd_prepare, paretonbd_total
from crmlab.datasets import simulate_bgnbd, simulate_gammagamma, simulate_paretonbd
from crmlab.estimation import compress, distinct_rows, unique_rows


# ------------------------------------------------------------------------- distinct rows
@pytest.mark.parametrize("n_columns", [1, 2, 3, 5])
def test_unique_rows_equals_numpy_unique(n_columns):
    rng = np.random.default_rng(7)
    stacked = rng.integers(0, 6, size=(5000, n_columns)).astype(float) / 7.0
    stacked[::13, 0] = -0.0  # signed zero is the same value
    expected, inverse = np.unique(stacked, axis=0, return_inverse=True)
    got, got_inverse = unique_rows(stacked)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(got_inverse, inverse.ravel())


def test_distinct_rows_large_key_space_takes_the_sort():
    """Many distinct values per column: the key table would be large, the sort renumbers."""
    rng = np.random.default_rng(3)
    cols = [rng.integers(0, 3000, 4000).astype(float) for _ in range(3)]
    cols[2][:2000] = cols[2][2000:]  # some duplicated rows
    cols[0][:2000], cols[1][:2000] = cols[0][2000:], cols[1][2000:]
    got, inverse = distinct_rows(*cols)
    expected, exp_inverse = np.unique(np.column_stack(cols), axis=0, return_inverse=True)
    np.testing.assert_array_equal(np.column_stack(got), expected)
    np.testing.assert_array_equal(inverse, exp_inverse.ravel())


def test_compress_keeps_every_customer_and_drops_zero_weights():
    x = np.array([1.0, 1.0, 2.0, 0.0, 1.0])
    y = np.array([0.5, 0.5, 0.5, 0.0, 0.25])
    w = np.array([1.0, 2.0, 3.0, 0.0, 4.0])
    (cx, cy), cw = compress(x, y, weights=w)
    assert sorted(zip(cx, cy, cw, strict=True)) == [
        (1.0, 0.25, 4.0),
        (1.0, 0.5, 3.0),
        (2.0, 0.5, 3.0),
    ]


def test_continuous_columns_are_not_merged_but_weigh_the_same():
    x = np.arange(100, dtype=float)
    (cx,), cw = compress(x, weights=np.full(100, 2.0))
    assert len(cx) == 100 and cw.sum() == 200.0


# ---------------------------------------------------------------- Hessians and Newton
def _fit_inputs(model, data):
    fd = model._fit_data(data, "weight")
    cols, w = compress(*fd.arrays, weights=np.asarray(fd.weights, dtype=float))
    return model._prepare(tuple(cols)), w


@pytest.mark.parametrize(
    ("cls", "data", "theta"),
    [
        (BGNBD, simulate_bgnbd(3000, seed=1).summary, [0.3, 4.0, 0.8, 2.5]),
        (BGNBD, simulate_bgnbd(3000, seed=1).summary, [1.2, 0.5, 3.0, 0.4]),
        (GammaGamma, simulate_gammagamma(3000, seed=3).summary, [5.0, 3.0, 12.0]),
        (GammaGamma, simulate_gammagamma(3000, seed=3).summary, [0.7, 9.0, 2.0]),
    ],
)
def test_analytic_hessian_matches_differences_of_the_gradient(cls, data, theta):
    model = cls()
    prepared, w = _fit_inputs(model, data)
    theta = np.asarray(theta)
    ll, grad, hess = model._total_loglik_grad_hess(theta, prepared, w)
    ll0, grad0 = model._total_loglik_grad(theta, prepared, w)
    assert ll == pytest.approx(ll0, rel=1e-14)
    np.testing.assert_allclose(grad, grad0, rtol=1e-12)
    numeric = np.empty_like(hess)
    for j in range(len(theta)):
        step = np.zeros(len(theta))
        step[j] = 1e-6 * theta[j]
        up = model._total_loglik_grad(theta + step, prepared, w)[1]
        down = model._total_loglik_grad(theta - step, prepared, w)[1]
        numeric[:, j] = (up - down) / (2 * step[j])
    np.testing.assert_allclose(hess, numeric, rtol=1e-6, atol=1e-6 * np.abs(numeric).max())


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (BGNBD, simulate_bgnbd(5000, seed=11).summary),
        (GammaGamma, simulate_gammagamma(5000, seed=12).summary),
    ],
)
def test_newton_reaches_the_lbfgs_optimum(cls, data):
    newton = cls().fit(data)
    plain = cls()
    plain._total_loglik_grad_hess = None  # the L-BFGS-B route with finite differences
    plain.fit(data)
    np.testing.assert_allclose(newton.params_, plain.params_, rtol=1e-7)
    assert newton.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(newton.standard_errors_, plain.standard_errors_, rtol=1e-5)


@pytest.mark.parametrize(
    "theta",
    [
        [0.55, 10.5, 0.6, 11.5],  # alpha < beta
        [0.55, 20.5, 0.6, 3.5],  # alpha > beta
        [0.55, 0.05, 0.6, 3.5],  # z beyond the series' range for small t_x: quadrature
        [1.5, 5.0, 2.0, 1000.0],  # every row by quadrature
    ],
)
def test_paretonbd_total_is_the_weighted_per_row_likelihood(theta):
    data = simulate_paretonbd(4000, seed=2).summary
    model = ParetoNBD()
    fd = model._fit_data(data, "weight")
    cols, w = compress(*fd.arrays, weights=np.asarray(fd.weights, dtype=float))
    ll, grad = paretonbd_loglik(np.asarray(theta), *cols)
    total, total_grad = paretonbd_total(np.asarray(theta), paretonbd_prepare(*cols), w)
    assert total == pytest.approx(float(w @ ll), rel=1e-13)
    np.testing.assert_allclose(total_grad, w @ grad, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize(("m", "b"), [(1.2, 1.6), (30.4, 29.9), (3.1, 0.4)])
def test_grouped_series_matches_mpmath(m, b):
    """Rows sharing (m, b), as the Pareto/NBD pairs do, take the coefficient table."""
    z = np.linspace(0.0, 0.8, 23)
    val, d_m, d_b, d_z = log_hyp2f1_c_eq_a_plus_1(np.full_like(z, m), np.full_like(z, b), z)
    block = _block_series(np.full_like(z, m), np.full_like(z, b), np.maximum(z, 1e-300))
    for got, ref in zip((val, d_m, d_b, d_z), block, strict=True):
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-14)
    mpmath.mp.dps = 40
    for i in (0, 7, 15, 22):
        ref = float(mpmath.log(mpmath.hyp2f1(m, b, m + 1, mpmath.mpf(float(z[i])))))
        assert val[i] == pytest.approx(ref, rel=1e-13, abs=1e-15)
        ref_b = float(mpmath.diff(lambda v, i=i: mpmath.log(mpmath.hyp2f1(m, v, m + 1, z[i])), b))
        assert d_b[i] == pytest.approx(ref_b, rel=1e-10, abs=1e-13)


# --------------------------------------------------------------------------- scoring
def _generic_dert(model, summary, horizon, delta, step):
    """The per-step sum over every customer that the pair scoring replaces."""
    n_steps = int(min(max(np.ceil(horizon / step), 1), 2000))
    grid = np.linspace(0.0, horizon, n_steps + 1)
    total, previous = 0.0, 0.0
    for k in range(1, n_steps + 1):
        current = np.asarray(model._full(*model.params_, *model._customers(summary)[:3], grid[k]))
        total = total + np.exp(-delta * 0.5 * (grid[k - 1] + grid[k])) * (current - previous)
        previous = current
    return total, previous


@pytest.fixture(scope="module")
def fitted_bg():
    summary = simulate_bgnbd(3000, seed=21).summary
    spend = simulate_gammagamma(3000, frequency=summary["frequency"].to_numpy(), seed=22)
    summary["monetary_value"] = spend.summary["monetary_value"]
    return summary, BGNBD().fit(summary), MBGNBD().fit(summary), GammaGamma().fit(summary)


@pytest.mark.parametrize("which", [1, 2])
def test_pair_scoring_equals_the_sum_over_every_customer(fitted_bg, which):
    summary, model = fitted_bg[0], fitted_bg[which]
    delta = np.log(1.1) * 7 / 365.25
    value = customer_lifetime_value(model, None, summary, 52, 0.1, "W")
    dert, purchases = _generic_dert(model, summary, 52, delta, 1.0)
    np.testing.assert_allclose(value["dert"], dert, rtol=1e-12)
    np.testing.assert_allclose(value["expected_purchases"], purchases, rtol=1e-12)
    x, tx, T = model._customers(summary)[:3]
    cond = model.conditional_expected_purchases(13, summary)
    np.testing.assert_allclose(cond, model._full(*model.params_, x, tx, T, 13.0), rtol=1e-12)


def test_pair_scoring_with_draws_equals_one_draw_at_a_time(fitted_bg):
    summary, model = fitted_bg[0], fitted_bg[1]
    draws = model.draw_params(3, seed=0)
    together = model.conditional_expected_purchases(26, summary, params=draws)
    for i, (_, row) in enumerate(draws.iterrows()):
        alone = model.conditional_expected_purchases(26, summary, params=row)
        np.testing.assert_allclose(together[i], alone, rtol=1e-13)


def test_pair_scoring_takes_the_exact_sum_where_2f1_is_undefined():
    """a + b < 1 at x = 0: the closed form's 2F1 has a negative third argument."""
    summary = simulate_bgnbd(400, seed=5).summary
    model = BGNBD().fit(summary)
    model.params_ = pd.Series({"r": 0.3, "alpha": 4.0, "a": 0.3, "b": 0.5}, name="coef")
    value = customer_lifetime_value(model, None, summary, 26, 0.1, "W", step=2.0)
    dert, _ = _generic_dert(model, summary, 26, np.log(1.1) * 7 / 365.25, 2.0)
    assert np.all(np.isfinite(value["dert"]))
    np.testing.assert_allclose(value["dert"], dert, rtol=1e-10)


def test_default_step_clv_is_within_1e5_of_a_fine_step_reference(fitted_bg):
    """The midpoint sum with the default step (one week) against 2,000 steps over the horizon.

    The midpoint rule's error is O(step^2): about 1.4e-6 of the total here.
    """
    summary, model, _, spend = fitted_bg
    default = customer_lifetime_value(model, spend, summary, 52, 0.1, "W")
    fine = customer_lifetime_value(model, spend, summary, 52, 0.1, "W", step=52 / 2000)
    assert default["clv"].sum() == pytest.approx(fine["clv"].sum(), rel=1e-5)
    np.testing.assert_allclose(default["clv"], fine["clv"], rtol=1e-5)


def test_covariate_models_value_each_customer_with_her_own_covariates():
    """The CLV of a covariate model goes through its per-customer predictions."""
    from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow
    from crmlab.rfm import rfm_summary

    tx = load_cdnow()
    data = rfm_summary(tx, calibration_end="1997-09-30", time_unit="W").join(
        cdnow_first_purchase_covariates(tx)
    )
    covs = ["log_first_spend", "multi_cd"]
    for cls in (ParetoNBD, BGNBD):
        model = cls(purchase_covariates=covs, dropout_covariates=covs).fit(data)
        twins = data.iloc[[0, 0]].copy()
        twins.index = ["low", "high"]
        twins["log_first_spend"] = [0.5, 4.0]
        value = customer_lifetime_value(model, None, twins, 26, 0.1, "W")
        expected = model.conditional_expected_purchases(26, twins)
        np.testing.assert_allclose(value["expected_purchases"], expected, rtol=1e-12)
        assert value["dert"]["low"] != pytest.approx(value["dert"]["high"], rel=1e-3)
