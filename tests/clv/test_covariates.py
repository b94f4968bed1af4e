"""Static covariates (crmlab.clv.covariates) for Pareto/NBD, BG/NBD and GGom/NBD.

Reference numbers: CLVTools 0.12.1 on the bundled CDNOW sample (calibration to 1997-09-30,
weeks), covariates of the first purchase day (``crmlab.datasets.cdnow_first_purchase_covariates``)
in both processes, as issue 15 records them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD, GGomNBD, ParetoNBD
from crmlab.datasets import cdnow_first_purchase_covariates, load_cdnow
from crmlab.errors import DataError, ParameterError

COV = ["log_first_spend", "multi_cd"]


@pytest.fixture(scope="module")
def cdnow_cov(cdnow):
    return cdnow.join(cdnow_first_purchase_covariates(load_cdnow()))


@pytest.fixture(scope="module")
def pnbd_cov(cdnow_cov):
    return ParetoNBD(purchase_covariates=COV, dropout_covariates=COV).fit(cdnow_cov)


def test_first_purchase_covariates_definition():
    """log(1 + first-day spend) and more than one CD on the first day, from the transactions."""
    tx = load_cdnow()
    cov = cdnow_first_purchase_covariates(tx)
    assert len(cov) == tx["customer_id"].nunique()
    one = tx[tx["customer_id"] == 1]
    first = one[one["date"] == one["date"].min()]
    assert cov.loc[1, "log_first_spend"] == pytest.approx(np.log1p(first["amount"].sum()))
    assert cov.loc[1, "multi_cd"] == float(first["quantity"].sum() > 1)
    assert set(cov["multi_cd"].unique()) == {0.0, 1.0}


def test_paretonbd_static_covariates_reproduce_clvtools(pnbd_cov):
    """CLVTools 0.12.1 pnbd() with static covariates: r 0.58349, alpha 40.3567, s 0.56557,
    beta 20.0774; purchase 0.40063, -0.07379; dropout 0.29054, -0.55447; LL -9570.489."""
    m = pnbd_cov
    assert m.log_likelihood_ > -9570.489 - 0.01
    ref_base = {"r": 0.58349, "alpha": 40.3567, "s": 0.56557, "beta": 20.0774}
    for name, value in ref_base.items():  # agreement well inside the sampling error
        assert abs(m.params_[name] - value) < 0.1 * m.standard_errors_[name]
    ref = {
        ("purchase", "log_first_spend"): 0.40063,
        ("purchase", "multi_cd"): -0.07379,
        ("dropout", "log_first_spend"): 0.29054,
        ("dropout", "multi_cd"): -0.55447,
    }
    for key, value in ref.items():
        assert abs(m.coefficients_[key] - value) < 0.1 * m.coefficient_standard_errors_[key]
    assert list(m.params_.index) == ["r", "alpha", "s", "beta"]
    assert m.coefficients_.index.names == ["process", "covariate"]
    assert m.summary().shape == (8, 5)


def test_bgnbd_static_covariates_find_a_finite_optimum(cdnow_cov):
    """CLVTools diverges here (LL +6.5e54); the nested no-covariate LL is -9582.429."""
    m = BGNBD(purchase_covariates=COV, dropout_covariates=COV).fit(cdnow_cov)
    assert m.converged_
    assert -9582.429 <= m.log_likelihood_ < 0
    assert np.isfinite(m.coefficient_standard_errors_).all()
    assert np.isfinite(m.standard_errors_).all()
    p = m.probability_alive()
    assert ((p > 0) & (p <= 1)).all()
    assert np.isfinite(m.conditional_expected_purchases(39)).all()


def _plain_and_cov(model_cls, cdnow_cov):
    plain = model_cls()
    cov = model_cls(purchase_covariates=COV, dropout_covariates=COV)
    fd_plain = plain._fit_data(cdnow_cov, None)
    fd_cov = cov._fit_data(cdnow_cov, None)
    return plain, cov, fd_plain, fd_cov


@pytest.mark.parametrize(
    ("model_cls", "theta"),
    [
        (ParetoNBD, [0.55, 10.6, 0.61, 11.7]),
        (BGNBD, [0.24, 4.4, 0.79, 2.4]),
        (GGomNBD, [0.55, 10.0, 0.05, 0.6, 0.5]),
    ],
)
def test_zero_coefficients_give_the_plain_model(model_cls, theta, cdnow_cov):
    """With every coefficient 0 the covariate likelihood is the plain model's."""
    plain, cov, fd_plain, fd_cov = _plain_and_cov(model_cls, cdnow_cov)
    w = np.ones(len(cdnow_cov))
    ll_plain, g_plain = plain._total_loglik_grad(
        np.array(theta), plain._prepare(fd_plain.arrays), w
    )
    full = np.concatenate([theta, np.zeros(4)])
    ll_cov, g_cov = cov._total_loglik_grad(full, cov._prepare(fd_cov.arrays), w)
    assert ll_cov == pytest.approx(ll_plain, rel=1e-10)
    np.testing.assert_allclose(g_cov[: len(theta)], g_plain, rtol=1e-7, atol=1e-7)


def test_zero_coefficients_give_plain_predictions(cdnow_cov):
    """Predictions with coefficients 0 equal the plain model's at the same base parameters."""
    plain = ParetoNBD().fit(cdnow_cov)
    cov = ParetoNBD(purchase_covariates=COV, dropout_covariates=COV).fit(cdnow_cov)
    cov._all_params_ = pd.concat([plain.params_, cov._all_params_.iloc[4:] * 0.0])
    pd.testing.assert_series_equal(
        cov.probability_alive(), plain.probability_alive(), check_exact=False, rtol=1e-9
    )
    pd.testing.assert_series_equal(
        cov.conditional_expected_purchases(39),
        plain.conditional_expected_purchases(39),
        check_exact=False,
        rtol=1e-9,
    )
    delta = 0.01
    pd.testing.assert_series_equal(
        cov.discounted_expected_residual_transactions(delta),
        plain.discounted_expected_residual_transactions(delta),
        check_exact=False,
        rtol=1e-8,
    )


@pytest.mark.parametrize(
    ("model_cls", "theta"),
    [
        (ParetoNBD, [0.58, 40.0, 0.56, 20.0, 0.4, -0.07, 0.29, -0.55]),
        (ParetoNBD, [0.5, 2.0, 0.7, 60.0, 0.1, 0.3, -0.2, 0.5]),  # alpha_i << beta_i
        (BGNBD, [0.25, 20.0, 0.35, 1.1, 0.43, 0.1, 0.19, 0.24]),
        (GGomNBD, [0.58, 40.0, 0.02, 0.4, 0.3, 0.4, -0.09, 0.35, -0.7]),
    ],
)
def test_covariate_gradient_matches_finite_differences(model_cls, theta, cdnow_cov):
    _, cov, _, fd = _plain_and_cov(model_cls, cdnow_cov)
    data = cov._prepare(fd.arrays)
    w = np.ones(len(cdnow_cov))
    theta = np.array(theta)
    _, grad = cov._total_loglik_grad(theta, data, w)
    for j in range(len(theta)):
        h = 1e-6 * max(abs(theta[j]), 0.1)
        step = np.eye(len(theta))[j] * h
        up = cov._total_loglik_grad(theta + step, data, w)[0]
        down = cov._total_loglik_grad(theta - step, data, w)[0]
        assert grad[j] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-3)


def test_weights_equal_repeated_rows(cdnow_cov):
    """A weight column of 2 is the same fit as every row twice."""
    base = cdnow_cov.iloc[:800]
    twice = pd.concat([base, base])
    weighted = base.assign(weight=2.0)
    a = ParetoNBD(purchase_covariates=COV, dropout_covariates=["multi_cd"]).fit(twice)
    b = ParetoNBD(purchase_covariates=COV, dropout_covariates=["multi_cd"]).fit(weighted)
    np.testing.assert_allclose(a._all_params_, b._all_params_, rtol=1e-6)
    assert a.log_likelihood_ == pytest.approx(b.log_likelihood_, rel=1e-10)
    assert a.n_rows_compressed_ == b.n_rows_compressed_ <= len(base)


def test_compression_by_distinct_rows_and_covariates(cdnow_cov):
    data = cdnow_cov.assign(segment=np.where(cdnow_cov["multi_cd"] > 0, "multi", "single"))
    m = ParetoNBD(purchase_covariates=["segment"]).fit(data)
    distinct = data[["frequency", "recency", "T", "segment"]].drop_duplicates()
    assert m.n_rows_compressed_ == len(distinct) < len(data)
    assert list(m.coefficients_.index) == [("purchase", "segment[single]")]


def test_penalty_shrinks_coefficients_only(cdnow_cov, pnbd_cov):
    shrunk = ParetoNBD(
        purchase_covariates=COV, dropout_covariates=COV, covariate_penalizer=0.05
    ).fit(cdnow_cov)
    assert np.abs(shrunk.coefficients_).sum() < 0.5 * np.abs(pnbd_cov.coefficients_).sum()
    assert shrunk.log_likelihood_ < pnbd_cov.log_likelihood_


def test_constraint_shares_the_coefficient(cdnow_cov, pnbd_cov):
    m = ParetoNBD(
        purchase_covariates=COV, dropout_covariates=COV, constrain_covariates=["log_first_spend"]
    ).fit(cdnow_cov)
    c = m.coefficients_
    assert c[("purchase", "log_first_spend")] == c[("dropout", "log_first_spend")]
    assert "both.log_first_spend" in m.summary().index
    assert len(m.summary()) == 7
    assert m.log_likelihood_ <= pnbd_cov.log_likelihood_ + 1e-6


def test_constraint_needs_both_processes():
    with pytest.raises(ParameterError, match="constrain_covariates"):
        ParetoNBD(purchase_covariates=["a"], constrain_covariates=["a"])


def test_constant_covariate_is_a_clear_error(cdnow_cov):
    data = cdnow_cov.assign(flat=1.0, channel="web")
    with pytest.raises(DataError, match="'flat' is constant") as info:
        ParetoNBD(purchase_covariates=["flat"]).fit(data)
    assert info.value.column == "flat"
    with pytest.raises(DataError, match="'channel' is constant"):
        BGNBD(dropout_covariates=["channel"]).fit(data)
    with pytest.raises(DataError, match="'nope' is missing"):
        GGomNBD(purchase_covariates=["nope"]).fit(data)


def test_predictions_use_the_data_covariates(pnbd_cov, cdnow_cov):
    same = pnbd_cov.conditional_expected_purchases(39, cdnow_cov)
    pd.testing.assert_series_equal(same, pnbd_cov.conditional_expected_purchases(39))
    richer = cdnow_cov.assign(log_first_spend=cdnow_cov["log_first_spend"] + 1.0)
    more = pnbd_cov.conditional_expected_purchases(39, richer)
    # a positive purchase coefficient raises every customer's purchase rate
    assert pnbd_cov.coefficients_[("purchase", "log_first_spend")] > 0
    assert (more.to_numpy() != same.to_numpy()).all()
    p = pnbd_cov.probability_alive(richer)
    assert ((p >= 0) & (p <= 1)).all()


def test_covariate_model_is_the_plain_class(pnbd_cov):
    assert isinstance(pnbd_cov, ParetoNBD)
    assert "ParetoNBD(" in repr(pnbd_cov)
    import pickle

    again = pickle.loads(pickle.dumps(pnbd_cov))
    pd.testing.assert_series_equal(again.coefficients_, pnbd_cov.coefficients_)


def test_unseen_level_in_new_data_is_a_data_error(cdnow_cov):
    data = cdnow_cov.assign(segment=np.where(cdnow_cov["multi_cd"] > 0, "multi", "single"))
    m = ParetoNBD(purchase_covariates=["segment"]).fit(data)
    new = data.iloc[:3].assign(segment=["multi", "single", "other"])
    with pytest.raises(DataError, match="not fitted with") as info:
        m.probability_alive(new)
    assert info.value.column == "segment"
    ok = m.probability_alive(data.iloc[:3])
    assert ((ok > 0) & (ok <= 1)).all()
