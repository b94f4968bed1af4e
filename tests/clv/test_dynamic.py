"""Pareto/NBD with time-varying covariates (crmlab.clv.dynamic).

Reference: CLVTools 0.12.1 ``pnbd()`` with ``SetDynamicCovariates`` on the bundled CDNOW sample
(calibration to 1997-09-30, weeks), ``spring`` (1 for the weeks starting in April to June;
weeks start on Sunday 1996-12-29) in both processes, as issue 15 records it: r 0.53266,
alpha 9.66988, s 1.39098, beta 32.2482; purchase -0.19367, dropout -0.41326; LL -9585.8.
The independent checks integrate the model's definition numerically (scipy quad over the death
time and over the two rates) from the raw purchase dates and the weekly covariate table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate
from scipy.special import gammaln

from crmlab.clv import ParetoNBD, ParetoNBDDynamic
from crmlab.clv.dynamic import dynamic_loglik
from crmlab.clv.paretonbd import (
    _dert,
    alive_after,
    paretonbd_loglik,
    paretonbd_probability_alive,
)
from crmlab.datasets import (
    calendar_covariates,
    cdnow_first_purchase_covariates,
    cdnow_spring_covariates,
    load_cdnow,
)
from crmlab.errors import DataError, ParameterError

END = "1997-09-30"
REF = {"r": 0.53266, "alpha": 9.66988, "s": 1.39098, "beta": 32.2482}
REF_COEF = {("purchase", "spring"): -0.19367, ("dropout", "spring"): -0.41326}


@pytest.fixture(scope="module")
def tx():
    return load_cdnow()


@pytest.fixture(scope="module")
def spring(tx):
    return cdnow_spring_covariates(tx)


@pytest.fixture(scope="module")
def model(tx, spring):
    return ParetoNBDDynamic(["spring"], ["spring"]).fit(tx, spring, calibration_end=END)


def _theta(model, values):
    return pd.Series(values, index=model.summary().index)


def test_spring_covariate_definition(spring):
    """1 for the weeks (from Sunday 1996-12-29) that start in April, May or June."""
    one = spring[spring["customer_id"] == 1].set_index("period_start")["spring"]
    assert one.index[0] == pd.Timestamp("1996-12-29")
    assert (one.index.day_of_week == 6).all()  # Sundays
    assert one[pd.Timestamp("1997-03-30")] == 0.0
    assert one[pd.Timestamp("1997-04-06")] == 1.0
    assert one[pd.Timestamp("1997-06-29")] == 1.0
    assert one[pd.Timestamp("1997-07-06")] == 0.0
    assert spring.groupby("customer_id").size().nunique() == 1


def test_reproduces_clvtools(model):
    """LL within 0.05 of CLVTools' -9585.8 (or better), parameters to 2-3 digits."""
    assert model.log_likelihood_ > -9585.8 - 0.05
    for name, value in REF.items():
        assert model.params_[name] == pytest.approx(value, rel=0.02)
    for key, value in REF_COEF.items():
        assert model.coefficients_[key] == pytest.approx(value, rel=0.02)
    assert model.n_customers_ == 2357
    assert model.converged_


def test_likelihood_at_the_clvtools_estimate(model):
    """The same likelihood as CLVTools: its estimate gives its LL (one decimal)."""
    theta = np.array([*REF.values(), *REF_COEF.values()])
    _, x, tx_, T, szp, pieces = model._customers_
    ll, _, _ = dynamic_loglik(theta, 1, x, tx_, T, szp, pieces)
    assert ll.sum() == pytest.approx(-9585.8, abs=0.05)
    assert ll.sum() <= model.log_likelihood_ + 1e-6


def _brute_loglik(theta, dates, first, end, weekly):
    """log L of one customer from its purchase days by quadrature over the death time.

    ``weekly``: Series of (spring) covariate by period start; rates scale with
    ``exp(g * spring)`` in both processes, times in weeks from the first purchase.
    """
    r, alpha, s, beta, gp, gd = theta
    starts = (weekly.index - first).days.to_numpy() / 7.0
    values = weekly.to_numpy()

    def cov_at(t):
        return values[np.searchsorted(starts, t, side="right") - 1]

    def cum(t, g):  # int_0^t exp(g z(u)) du by whole pieces
        edges = np.unique(np.clip(np.r_[0.0, starts[starts > 0], t], 0, t))
        mids = (edges[:-1] + edges[1:]) / 2
        return float(np.sum(np.diff(edges) * np.exp(g * cov_at(mids))))

    T = (end - first).days / 7.0
    t_rep = [(d - first).days / 7.0 for d in dates[1:]]
    x = len(t_rep)
    tx = t_rep[-1] if x else 0.0
    log_pre = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + s * np.log(beta)
        + sum(gp * cov_at(t + 1e-9) for t in t_rep)
    )
    alive = (alpha + cum(T, gp)) ** -(r + x) * (beta + cum(T, gd)) ** -s

    def dens(tau):
        c = np.exp(gd * cov_at(tau))
        return s * c * (alpha + cum(tau, gp)) ** -(r + x) * (beta + cum(tau, gd)) ** -(s + 1)

    breaks = [b for b in starts if tx < b < T]
    dead = integrate.quad(dens, tx, T, points=breaks or None, limit=200, epsabs=0, epsrel=1e-12)[0]
    return log_pre + np.log(alive + dead)


def test_likelihood_matches_quadrature_of_the_definition(model, tx, spring):
    """Per-customer LL against quadrature over the death time, from the raw purchase days."""
    theta = np.array([0.6, 8.0, 0.9, 12.0, -0.4, 0.7])
    ids, x, tx_, T, szp, pieces = model._customers_
    ll, _, _ = dynamic_loglik(theta, 1, x, tx_, T, szp, pieces)
    end = pd.Timestamp(END)
    days = tx[tx["date"] <= end].drop_duplicates(["customer_id", "date"])
    rng = np.random.default_rng(0)
    picked = list(rng.choice(len(ids), 12, replace=False)) + [int(np.argmax(x))]
    for i in picked:
        cid = ids[i]
        dates = sorted(days.loc[days["customer_id"] == cid, "date"])
        weekly = spring[spring["customer_id"] == cid].set_index("period_start")["spring"]
        ref = _brute_loglik(theta, dates, dates[0], end, weekly)
        assert ll[i] == pytest.approx(ref, rel=1e-9, abs=1e-9), cid


def test_gradient_matches_finite_differences(model):
    _, x, tx_, T, szp, pieces = model._customers_
    theta = np.array([0.6, 8.0, 0.9, 12.0, -0.4, 0.7])
    _, g, _ = dynamic_loglik(theta, 1, x, tx_, T, szp, pieces)
    for j in range(6):
        h = 1e-6 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        fd = (
            dynamic_loglik(up, 1, x, tx_, T, szp, pieces)[0]
            - dynamic_loglik(down, 1, x, tx_, T, szp, pieces)[0]
        ) / (2 * h)
        assert np.max(np.abs(fd - g[:, j])) < 1e-5 * max(1.0, np.max(np.abs(g[:, j])))


def test_zero_coefficients_give_the_pareto_nbd(model, cdnow):
    """At g = 0 the likelihood and every prediction are the Pareto/NBD's."""
    base = (0.55, 10.5, 0.6, 11.7)
    theta = _theta(model, [*base, 0.0, 0.0])
    ids = model._customers_[0]
    s = cdnow.loc[ids]
    x, tx_, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    ll, _, _ = dynamic_loglik(np.r_[base, 0.0, 0.0], 1, *model._customers_[1:])
    np.testing.assert_allclose(ll, paretonbd_loglik(base, x, tx_, T)[0], rtol=1e-10)
    np.testing.assert_allclose(
        model.probability_alive(params=theta).to_numpy(),
        paretonbd_probability_alive(*base, x, tx_, T),
        rtol=1e-10,
    )
    pnbd = ParetoNBD()
    cet = pnbd._conditional(base, 39.0, x, tx_, T)
    np.testing.assert_allclose(
        model.conditional_expected_purchases(39, params=theta).to_numpy(), cet, rtol=1e-10
    )
    np.testing.assert_allclose(
        model.probability_alive_after(20, params=theta).to_numpy(),
        alive_after(20.0)(*base, x, tx_, T),
        rtol=1e-10,
    )
    delta = 0.0018
    np.testing.assert_allclose(
        model.discounted_expected_residual_transactions(delta, params=theta).to_numpy(),
        _dert(*base, delta, x, tx_, T),
        rtol=1e-8,
    )


def test_static_covariate_in_every_period_gives_the_static_model(tx, cdnow):
    """A covariate constant over time is the static-covariate Pareto/NBD (same likelihood)."""
    static = cdnow_first_purchase_covariates(tx)
    table = cdnow_spring_covariates(tx).merge(static, left_on="customer_id", right_index=True)
    dyn = ParetoNBDDynamic(["multi_cd"], ["multi_cd"])
    days, end = dyn._transactions(tx, END)
    frame = dyn._periods(table)
    ids, x, tx_, T, szp, pieces, _ = dyn._build(days, end, frame, fitting=True)
    theta = np.array([0.58, 40.0, 0.57, 20.0, 0.3, -0.5])
    ll_dyn, _, _ = dynamic_loglik(theta, 1, x, tx_, T, szp, pieces)
    data = cdnow.join(static).loc[ids]
    z = data["multi_cd"].to_numpy()
    alpha_i = theta[1] * np.exp(-theta[4] * z)
    beta_i = theta[3] * np.exp(-theta[5] * z)
    ll_static, _ = paretonbd_loglik(
        (theta[0], alpha_i, theta[2], beta_i),
        *(data[c].to_numpy() for c in ("frequency", "recency", "T")),
        quadrature=True,
    )
    np.testing.assert_allclose(ll_dyn, ll_static, rtol=1e-10)


def _posterior_quadrature(theta, x, Lam, M, future, delta, log_lik):
    """E[discounted purchases over the future pieces]: quadrature over the drop-out rate.

    ``Lam``, ``M``: Lambda(T) and M(T) of the customer; ``future``: list of (length, A, C).
    The alive-at-T branch only (the dead branch buys nothing), divided by the likelihood
    ``exp(log_lik)`` (without prod A(t_j), which the joint below leaves out too). The purchase
    rate enters as lambda^(x+1) e^(-lambda Lam) under its gamma prior (a gamma integral);
    the drop-out rate and the time are integrated numerically.
    """
    r, alpha, s, beta = theta[:4]
    log_lam = (
        r * np.log(alpha) + gammaln(r + x + 1) - gammaln(r) - (r + x + 1) * np.log(alpha + Lam)
    )

    def integrand(mu):
        total, u0, m = 0.0, 0.0, 0.0
        for length, a, c in future:
            k = delta + mu * c  # int_0^len a exp(-delta (u0 + v) - mu (m + c v)) dv
            total += a * np.exp(-delta * u0 - mu * m) * -np.expm1(-k * length) / k
            u0, m = u0 + length, m + c * length
        log_mu = s * np.log(beta) - gammaln(s) + (s - 1) * np.log(mu) - (beta + M) * mu
        return np.exp(log_mu + log_lam - log_lik) * total

    hi = (s + 60 * np.sqrt(s) + 60) / (beta + M)
    return integrate.quad(integrand, 0, hi, epsabs=0, epsrel=1e-12, limit=200)[0]


def test_cet_and_dert_match_quadrature_over_the_rates(model):
    """CET and a finite-horizon DERT against double quadrature of the posterior."""
    theta = _theta(model, [0.6, 8.0, 1.3, 12.0, -0.4, 0.7])
    ids, x, tx_, T, szp, pieces = model._customers_
    ll, _, _ = dynamic_loglik(theta.to_numpy(), 1, x, tx_, T, szp, pieces)
    cet = model.conditional_expected_purchases(26, params=theta)
    dert = model.discounted_expected_residual_transactions(0.05, t=26, params=theta)
    later = model.probability_alive_after(26, params=theta)
    cust, start, length, zp, zd = model._future(26.0, None)
    th = theta.to_numpy()
    for i in [int(np.argmax(x)), 0, 7]:
        mine = pieces.row == i
        a = np.exp(th[4] * pieces.zp[mine, 0])
        c = np.exp(th[5] * pieces.zd[mine, 0])
        Lam, M = float(np.sum(pieces.length[mine] * a)), float(np.sum(pieces.length[mine] * c))
        fut = cust == i
        future = list(
            zip(length[fut], np.exp(th[4] * zp[fut, 0]), np.exp(th[5] * zd[fut, 0]), strict=True)
        )
        log_lik_ex = ll[i] - th[4] * szp[i, 0]  # the quadrature's joint leaves out prod A(t_j)
        for delta, got in ((0.0, cet.iloc[i]), (0.05, dert.iloc[i])):
            num = _posterior_quadrature(th, x[i], Lam, M, future, delta, log_lik_ex)
            assert got == pytest.approx(num, rel=1e-7)
        # P(alive at T + 26): the joint of the data and survival to T + 26, over the likelihood
        r, a_, s_, b_ = th[:4]
        m_later = M + sum(length_ * c_ for length_, _, c_ in future)
        log_joint = (
            gammaln(r + x[i])
            - gammaln(r)
            + r * np.log(a_)
            + s_ * np.log(b_)
            - (r + x[i]) * np.log(a_ + Lam)
            - s_ * np.log(b_ + m_later)
        )
        assert later.iloc[i] == pytest.approx(np.exp(log_joint - log_lik_ex), rel=1e-10)


def test_predictions_with_parameter_draws(model):
    draws = model.draw_params(20, seed=0)
    cet = model.conditional_expected_purchases(13, params=draws)
    alive = model.probability_alive(params=draws)
    dert = model.discounted_expected_residual_transactions(0.002, params=draws)
    assert cet.shape == alive.shape == dert.shape == (20, model.n_customers_)
    point = model.conditional_expected_purchases(13).to_numpy()
    lo, hi = np.percentile(cet, [2.5, 97.5], axis=0)
    assert np.mean((lo <= point) & (point <= hi)) > 0.9
    assert ((alive > 0) & (alive <= 1)).all()


def test_cet_needs_the_covariates_of_the_horizon(model, tx):
    short = cdnow_spring_covariates(tx, end="1997-10-31")
    with pytest.raises(DataError, match="misses periods of the prediction window"):
        model.conditional_expected_purchases(39, covariates=short)
    assert np.isfinite(model.conditional_expected_purchases(4, covariates=short)).all()


# ------------------------------------------------------------------ hostile inputs
def _fit(tx, table, **kw):
    return ParetoNBDDynamic(["spring"], ["spring"], **kw).fit(tx, table, calibration_end=END)


def test_missing_period_names_customer_and_week(tx, spring):
    hole = spring.drop(spring.index[(spring["customer_id"] == 5)][10])
    with pytest.raises(DataError, match=r"misses periods.*5 1997-03-09") as err:
        _fit(tx, hole)
    assert err.value.column == "period_start"


def test_missing_customer_is_named(tx, spring):
    with pytest.raises(DataError, match=r"no rows for customers \[17\]") as err:
        _fit(tx, spring[spring["customer_id"] != 17])
    assert err.value.column == "customer_id"


def test_constant_and_non_numeric_columns(tx, spring):
    flat = spring.assign(spring=1.0)
    with pytest.raises(DataError, match="'spring' is constant"):
        _fit(tx, flat)
    junk = spring.assign(spring=spring["spring"].astype(object))
    junk.loc[junk.index[3], "spring"] = None
    with pytest.raises(DataError, match="'spring' has missing values") as err:
        _fit(tx, junk)
    assert err.value.column == "spring"


def test_bad_tables(tx, spring):
    with pytest.raises(DataError, match=r"no column\(s\) \['spring'\]"):
        _fit(tx, spring.drop(columns="spring"))
    with pytest.raises(DataError, match="more than one row"):
        _fit(tx, pd.concat([spring, spring.iloc[:1]]))
    shifted = spring.copy()
    shifted.loc[shifted.index[2], "period_start"] += pd.Timedelta(days=1)
    with pytest.raises(DataError, match="not on one grid"):
        _fit(tx, shifted)
    late = spring[spring["period_start"] > "1997-01-04"]
    with pytest.raises(DataError, match="purchased before the first period"):
        _fit(tx, late)
    with pytest.raises(DataError, match="DataFrame"):
        _fit(tx, "spring.csv")


def test_bad_options():
    with pytest.raises(ParameterError, match="at least one covariate"):
        ParetoNBDDynamic()
    with pytest.raises(ParameterError, match="time_unit"):
        ParetoNBDDynamic(["spring"], time_unit="M")


def test_calendar_covariates_rules():
    cov = calendar_covariates(
        ["a", "b"], "1997-01-05", "1997-01-19", {"jan": lambda s: s.day < 15}, time_unit="W"
    )
    assert len(cov) == 6
    assert cov["jan"].tolist() == [1.0, 1.0, 0.0] * 2
    with pytest.raises(ParameterError, match="rules"):
        calendar_covariates([1], "1997-01-05", "1997-01-19", {})
    with pytest.raises(ParameterError, match="one value per period"):
        calendar_covariates([1], "1997-01-05", "1997-01-19", {"x": lambda s: [1.0]})


def test_one_process_constraints_and_categories(tx, spring, model):
    """Nested fits: one process only, or one coefficient shared, are no better than both free;
    a text column enters as dummies of its levels."""
    purchase = _fit_with(tx, spring, purchase_covariates=["spring"])
    dropout = _fit_with(tx, spring, dropout_covariates=["spring"])
    shared = _fit_with(
        tx,
        spring,
        purchase_covariates=["spring"],
        dropout_covariates=["spring"],
        constrain_covariates=["spring"],
    )
    for nested in (purchase, dropout, shared):
        assert nested.log_likelihood_ <= model.log_likelihood_ + 1e-6
    assert list(dropout.coefficients_.index) == [("dropout", "spring")]
    coef = shared.coefficients_
    assert coef[("purchase", "spring")] == coef[("dropout", "spring")]
    months = spring["period_start"].dt.month
    season = spring.assign(
        season=np.where(months.isin([4, 5, 6]), "spring", np.where(months > 6, "later", "early"))
    )
    cat = _fit_with(tx, season, purchase_covariates=["season"])
    assert list(cat.coefficients_.index.get_level_values(1)) == ["season[later]", "season[spring]"]
    assert np.isfinite(cat.conditional_expected_purchases(13)).all()


def _fit_with(tx, table, **kw):
    return ParetoNBDDynamic(**kw).fit(tx, table, calibration_end=END)
