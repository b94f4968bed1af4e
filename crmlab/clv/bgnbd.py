"""The BG/NBD model of repeat buying (Fader, Hardie and Lee 2005).

While alive, a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; after
each purchase she drops out with probability ``p ~ Beta(a, b)``.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2008). Computing P(alive) Using the BG/NBD Model.
http://brucehardie.com/notes/021/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln, zeta

from crmlab._special import log_hyp2f1_fast
from crmlab.clv.base import (
    TransactionModel,
    check_counts,
    check_horizon,
    check_purchase_number,
    check_times,
    distinct_rows,
    dot,
    per_unique_row,
)
from crmlab.clv.bgcnbd import (
    CountPredictions,
    exact_fallback,
    xbgcnbd_alive_after,
    xbgcnbd_conditional_pmf,
)
from crmlab.clv.covariates import CovariateDispatch, CovariateModel, ParameterSetPredictions


def _trigamma(x):
    """psi'(x) = zeta(2, x) (Hurwitz), without polygamma's wrapper."""
    return zeta(2.0, x)


__all__ = ["BGNBD", "BGNBDWithCovariates"]


def bgnbd_loglik(theta, x, tx, T):
    """Per-customer BG/NBD log-likelihood and its gradient (FHL 2005, eq. 6).

    ``L = B(a, b+x)/B(a, b) * G(r+x) a^r / (G(r) (alpha+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x))``.

    Returns ``(ll, grad)`` with ``grad[:, j] = d ll / d theta_j`` for ``theta = (r, alpha, a, b)``.
    """
    r, alpha, a, b = theta
    rep = x > 0
    xs = np.where(rep, x, 1.0)  # safe x for the second term's B(a+1, b+x-1)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    log_aT = np.log(alpha + T)
    log_atx = np.log(alpha + tx)
    b_ab = betaln(a, b)
    t1 = betaln(a, b + x) - b_ab - (r + x) * log_aT
    t2 = np.where(rep, betaln(a + 1, b + xs - 1) - b_ab - (r + x) * log_atx, -np.inf)
    mx = np.maximum(t1, t2)
    e1, e2 = np.exp(t1 - mx), np.exp(t2 - mx)
    tot = e1 + e2
    ll = common + mx + np.log(tot)
    w1, w2 = e1 / tot, e2 / tot
    psi_ab, psi_abx = digamma(a + b), digamma(a + b + x)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_aT - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + tx))
    d_a = w1 * (psi_ab - psi_abx) + w2 * (digamma(a + 1) - digamma(a) + psi_ab - psi_abx)
    d_b = w1 * (digamma(b + x) - psi_abx - digamma(b) + psi_ab) + w2 * np.where(
        rep, digamma(b + xs - 1) - psi_abx - digamma(b) + psi_ab, 0.0
    )
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


def _index(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and the inverse index (1-d)."""
    inv, uniq = pd.factorize(values, sort=True)
    return np.asarray(uniq, dtype=float), inv.astype(np.intp, copy=False)


def bgnbd_prepare(x, tx, T):
    """Distinct x, t_x and T with inverse indices, for :func:`bgnbd_total`."""
    return (x, tx, T, _index(x), _index(tx), _index(T))


def bgnbd_total(theta, prepared, w, hessian=False):
    """Weighted sum of :func:`bgnbd_loglik` and of its gradient, from distinct values.

    Each row is ``common(x) + t1 + softplus(d)`` with ``t1 = B1(x) - (r+x) log(alpha+T)`` the
    first likelihood term and ``d = t2 - t1 = (B2 - B1)(x) + (r+x) lam``,
    ``lam = log(alpha+T) - log(alpha+t_x)`` (``d = -inf`` at x = 0). Everything in ``common``
    and ``t1`` sums per distinct x or T (with data-only weight sums), so the per-row work is
    ``d``, its softplus and sigmoid ``w2`` and the sums weighted by ``w2`` (and by
    ``w1 w2 = w2 (1 - w2)`` for the Hessian, ``hessian=True``, which returns
    ``(ll, grad, hess)``: ``d2 ll = d2 common + d2 t1 + w2 d2 d + w1 w2 (d d)(d d)'``).
    """
    r, alpha, a, b = theta
    x, tx, T, (ux, ix), (utx, itx), (uT, iT) = prepared[:6]
    wx, wT, wxT = prepared[6] if len(prepared) > 6 else _bgnbd_weights(prepared, w)
    n = float(wx.sum())
    rep_u = ux > 0
    uxs = np.where(rep_u, ux, 1.0)
    b_ab = betaln(a, b)
    psi_ab = digamma(a + b)
    psi_abx = digamma(a + b + ux)
    psi_b = digamma(b)
    b1 = betaln(a, b + ux) - b_ab
    b2 = np.where(rep_u, betaln(a + 1, b + uxs - 1) - b_ab, -np.inf)
    da1 = psi_ab - psi_abx
    da2 = digamma(a + 1) - digamma(a) + psi_ab - psi_abx
    db1 = digamma(b + ux) - psi_abx - psi_b + psi_ab
    db2 = np.where(rep_u, digamma(b + uxs - 1) - psi_abx - psi_b + psi_ab, 0.0)
    ga, gb = da2 - da1, np.where(rep_u, db2 - db1, 0.0)  # d(B2 - B1) / da, db per x
    log_aT_u, log_atx_u = np.log(alpha + uT), np.log(alpha + utx)
    inv_T_u, inv_tx_u = 1.0 / (alpha + uT), 1.0 / (alpha + utx)
    # per row: d = (B2 - B1)(x) + (r + x) lam, its softplus and sigmoid w2
    lam = log_aT_u[iT] - log_atx_u[itx]
    rx = r + x
    d = (b2 - b1)[ix] + rx * lam  # -inf at x = 0
    e = np.exp(-np.abs(d))
    w2 = np.where(d >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    softplus = np.maximum(d, 0.0) + np.log1p(e)
    gl = inv_T_u[iT] - inv_tx_u[itx]  # d lam / d alpha
    ww2 = w * w2
    s2 = np.bincount(ix, weights=ww2, minlength=len(ux))
    rwT = r * wT + wxT  # sum of w (r + x) per distinct T
    ll = (
        dot(wx, gammaln(r + ux) - gammaln(r) + b1)
        + n * r * np.log(alpha)
        - dot(rwT, log_aT_u)
        + dot(w, softplus)
    )
    rx_gl = rx * gl
    d_r = dot(wx, digamma(r + ux) - digamma(r)) + n * np.log(alpha) - dot(wT, log_aT_u)
    d_r += dot(ww2, lam)
    d_alpha = n * r / alpha - dot(rwT, inv_T_u) + dot(ww2, rx_gl)
    d_a = dot(wx, da1) + dot(s2, ga)
    d_b = dot(wx, db1) + dot(s2, gb)
    grad = np.array([d_r, d_alpha, d_a, d_b])
    if not hessian:
        return float(ll), grad
    # second derivatives of the x-only terms (trigamma)
    tri_ab, tri_abx = _trigamma(a + b), _trigamma(a + b + ux)
    tri_b = _trigamma(b)
    a1_aa = tri_ab - tri_abx  # also d2 B1 / da db and d2 B2 / da db
    a1_bb = _trigamma(b + ux) - tri_abx - tri_b + tri_ab
    a2_aa = _trigamma(a + 1) - _trigamma(a) + tri_ab - tri_abx
    a2_bb = np.where(rep_u, _trigamma(b + uxs - 1) - tri_abx - tri_b + tri_ab, 0.0)
    v = ww2 * (1.0 - w2)  # w w1 w2
    v_lam, v_g = v * lam, v * rx_gl
    sv = np.bincount(ix, weights=v, minlength=len(ux))
    sv_lam = np.bincount(ix, weights=v_lam, minlength=len(ux))
    sv_g = np.bincount(ix, weights=v_g, minlength=len(ux))
    h_rr = dot(wx, _trigamma(r + ux) - _trigamma(r)) + dot(v_lam, lam)
    h_ralpha = n / alpha - dot(wT, inv_T_u) + dot(ww2, gl) + dot(v_lam, rx_gl)
    sq = inv_tx_u[itx] ** 2 - inv_T_u[iT] ** 2  # d gl / d alpha
    h_alpha = -n * r / alpha**2 + dot(rwT, inv_T_u**2) + dot(ww2 * rx, sq) + dot(v_g, rx_gl)
    h_ra, h_rb = dot(sv_lam, ga), dot(sv_lam, gb)
    h_alpha_a, h_alpha_b = dot(sv_g, ga), dot(sv_g, gb)
    h_a = dot(wx, a1_aa) + dot(s2, a2_aa - a1_aa) + dot(sv, ga * ga)
    h_ab = dot(wx, a1_aa) + dot(sv, ga * gb)
    h_b = dot(wx, a1_bb) + dot(s2, a2_bb - a1_bb) + dot(sv, gb * gb)
    hess = np.array(
        [
            [h_rr, h_ralpha, h_ra, h_rb],
            [h_ralpha, h_alpha, h_alpha_a, h_alpha_b],
            [h_ra, h_alpha_a, h_a, h_ab],
            [h_rb, h_alpha_b, h_ab, h_b],
        ]
    )
    return float(ll), grad, hess


def _bgnbd_weights(prepared, w):
    """Data-only weight sums of :func:`bgnbd_total`: per distinct x, per distinct T, x per T."""
    x, (ux, ix), (uT, iT) = prepared[0], prepared[3], prepared[5]
    return (
        np.bincount(ix, weights=w, minlength=len(ux)),
        np.bincount(iT, weights=w, minlength=len(uT)),
        np.bincount(iT, weights=w * x, minlength=len(uT)),
    )


def _log_odds_dead(r, alpha, a, b, x, tx, T):
    """log of ``a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x)`` (``-inf`` when x = 0)."""
    rep = x > 0
    xs = np.where(rep, x, 1.0)
    val = np.log(a) - np.log(b + xs - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(rep, val, -np.inf)


def bgnbd_probability_alive(r, alpha, a, b, x, tx, T):
    """P(alive | x, t_x, T) (Fader, Hardie and Lee 2008, eq. 2)."""
    return np.exp(-np.logaddexp(0.0, _log_odds_dead(r, alpha, a, b, x, tx, T)))


def bgnbd_conditional_expected(r, alpha, a, b, x, tx, T, t):
    """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] (FHL 2005, eq. 10)."""
    z = t / (alpha + T + t)
    log_f = log_hyp2f1_fast(r + x, b + x, a + b + x - 1, z)
    head = (a + b + x - 1) / (a - 1)
    bracket = -np.expm1((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)) + log_f)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = head * bracket * bgnbd_probability_alive(r, alpha, a, b, x, tx, T)
    return exact_fallback(value, r, alpha, a, b, 0, x, tx, T, t)


def bg_curve(r, alpha, a, b, d, x, T, t):
    """``E[Y(t) | x, t_x, T] / P(alive | x, t_x, T)``, which depends on x and T only.

    BG/NBD (``d = 0``, FHL 2005, eq. 10) and MBG/NBD (``d = 1``, Batislam et al. 2007, eq. 6):
    ``(a+b+x-1+d)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
    2F1(r+x, b+x+d; a+b+x-1+d; t/(alpha+T+t))]``. Non-finite where the hypergeometric series
    is not defined (``a + b < 1`` at ``x = 0`` for the BG/NBD).
    """
    z = t / (alpha + T + t)
    if d == 0:
        log_f = log_hyp2f1_fast(r + x, b + x, a + b + x - 1, z)
        head = (a + b + x - 1) / (a - 1)
    else:
        log_f = log_hyp2f1_fast(r + x, b + x + 1, a + b + x, z)
        head = (a + b + x) / (a - 1)
    bracket = -np.expm1((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)) + log_f)
    return head * bracket


class PairScoring:
    """Conditional expectations of the BG/NBD family evaluated on distinct (x, T) pairs.

    ``E[Y(t) | x, t_x, T] = P(alive | x, t_x, T) G(t; x, T)`` (:func:`bg_curve`): only ``G``
    needs a Gauss hypergeometric function, and it does not depend on t_x, so it is evaluated
    once per distinct (x, T) pair and horizon (about 3,000 pairs for 10^6 customers observed
    in whole days), and P(alive), a closed form, per customer. Rows whose pair has no finite
    ``G`` (``a + b < 1`` at ``x = 0``) take the model's exact sum (``_full``) instead.
    A class sets ``_dropout_at_zero`` and defines ``_alive`` and ``_full``.
    """

    _dropout_at_zero = 0

    def _alive(self, r, alpha, a, b, x, tx, T):  # pragma: no cover - defined by the models
        raise NotImplementedError

    def _full(self, r, alpha, a, b, x, tx, T, t):  # pragma: no cover - defined by the models
        raise NotImplementedError

    def _pair_curves(self, p, ts, x, tx, T):
        """G at every ``ts`` for the distinct (x, T) pairs, and what maps them to the rows.

        Returns ``(curves (len(ts), n_pairs), inverse, alive (rows), bad_rows, exact)`` with
        ``exact`` (len(ts), bad rows) the exact expectations of the rows without a finite G.
        """
        r, alpha, a, b = p
        (ux, uT), inverse = distinct_rows(x, T)
        ts = np.asarray(ts, dtype=float)[:, None]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            curves = bg_curve(r, alpha, a, b, self._dropout_at_zero, ux[None], uT[None], ts)
        alive = self._alive(r, alpha, a, b, x, tx, T)
        bad_rows = ~np.all(np.isfinite(curves), axis=0)[inverse]
        exact = None
        if bad_rows.any():
            xb, txb, Tb = x[bad_rows], tx[bad_rows], T[bad_rows]
            exact = np.vstack(
                [
                    per_unique_row(lambda *c, t=t: self._full(r, alpha, a, b, *c, t), xb, txb, Tb)
                    for t in ts[:, 0]
                ]
            )
        return curves, inverse, alive, bad_rows, exact

    def _expected_rows(self, p, t, x, tx, T):
        """E[Y(t) | x, t_x, T] per row for scalar parameters ``p``."""
        curves, inverse, alive, bad_rows, exact = self._pair_curves(p, [t], x, tx, T)
        out = curves[0][inverse] * alive
        if exact is not None:
            out[bad_rows] = exact[0]
        return out

    def _per_draw(self, func, params):
        """``func(scalar params)`` for the fitted parameters or stacked over draws (n_draws, 1)."""
        if np.ndim(params[0]) == 0:
            return func(params)
        return [func([v[i, 0] for v in params]) for i in range(np.shape(params[0])[0])]

    def _conditional_rows(self, params, t, x, tx, T):
        out = self._per_draw(lambda p: self._expected_rows(p, t, x, tx, T), params)
        return out if np.ndim(params[0]) == 0 else np.vstack(out)

    def _discounted_increments(self, params, grid, delta, x, tx, T):
        """``sum_k exp(-delta m_k) [E(t_k) - E(t_{k-1})]`` and ``E(t_K)`` per customer.

        The midpoint sum of :func:`crmlab.clv.value.customer_lifetime_value` (``m_k`` the step
        midpoints), formed on the distinct (x, T) pairs and scaled by each customer's P(alive).
        """
        grid = np.asarray(grid, dtype=float)
        weights = np.exp(-delta * 0.5 * (grid[:-1] + grid[1:]))

        def one(p):
            curves, inverse, alive, bad_rows, exact = self._pair_curves(p, grid[1:], x, tx, T)
            with np.errstate(invalid="ignore"):
                discounted = weights @ np.diff(curves, axis=0, prepend=0.0)
            dert, total = discounted[inverse] * alive, curves[-1][inverse] * alive
            if exact is not None:
                dert[bad_rows] = weights @ np.diff(exact, axis=0, prepend=0.0)
                total[bad_rows] = exact[-1]
            return dert, total

        out = self._per_draw(one, params)
        if np.ndim(params[0]) == 0:
            return out
        return np.vstack([o[0] for o in out]), np.vstack([o[1] for o in out])


def bgnbd_expected(r, alpha, a, b, t):
    """E[X(t)] for a customer just acquired (FHL 2005, eq. 7)."""
    z = t / (alpha + t)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_f = log_hyp2f1_fast(r, b, a + b - 1, z)
        value = (a + b - 1) / (a - 1) * -np.expm1(r * (np.log(alpha) - np.log(alpha + t)) + log_f)
    value = np.where(np.asarray(t) == 0, 0.0, value)
    return exact_fallback(value, r, alpha, a, b, 0, 0.0, 0.0, 0.0, t)


def bgnbd_probability_of_purchases(r, alpha, a, b, k, t):
    """P(X(t) = k) for a randomly chosen customer (FHL 2005, eq. 8)."""
    k = np.asarray(k, dtype=float)
    log_p = np.log(alpha) - np.log(alpha + t)
    log_q = np.log(t) - np.log(alpha + t)
    nb = gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * log_p + k * log_q
    first = np.exp(betaln(a, b + k) - betaln(a, b) + nb)
    ks = np.where(k > 0, k, 1.0)
    # sum_{j<k} NB(j) in closed form: the NBD cdf at k-1 (regularised incomplete beta)
    from scipy.special import betainc

    cdf = betainc(r, ks, np.exp(log_p))  # P(NB(r, p) <= k-1)
    second = np.exp(betaln(a + 1, b + ks - 1) - betaln(a, b)) * (1 - cdf)
    return first + np.where(k > 0, second, 0.0)


class BGNBD(CovariateDispatch, PairScoring, CountPredictions, TransactionModel):
    """Beta-geometric/NBD model (Fader, Hardie and Lee 2005).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters added to the negative mean log-likelihood.
    alpha : float, default 0.05
        Significance level of the confidence intervals (0.05 gives 95 % intervals).

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (gamma shape and rate of the purchase rate, alpha in the time unit of the
        data) and ``a, b`` (beta distribution of the drop-out probability).
    log_likelihood_, aic_, bic_, standard_errors_, confidence_intervals_, n_customers_,
    converged_, n_iterations_
        See :class:`crmlab.estimation.MaximumLikelihoodModel`.

    Examples
    --------
    >>> from crmlab.clv import BGNBD
    >>> from crmlab.datasets import simulate_bgnbd
    >>> sim = simulate_bgnbd(2000, seed=1)
    >>> model = BGNBD().fit(sim.summary)
    >>> model.params_.index.tolist()
    ['r', 'alpha', 'a', 'b']

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way.
    Marketing Science 24(2), 275-284. On CDNOW (39 weeks): r = 0.243, alpha = 4.414, a = 0.793,
    b = 2.426, LL = -9582.4.
    """

    _param_names = ("r", "alpha", "a", "b")
    _model_name = "BGNBD"
    _dropout_at_zero = 0

    def _loglik_grad(self, theta, x, tx, T, *_):
        return bgnbd_loglik(theta, x, tx, T)

    def _prepare(self, data):
        return bgnbd_prepare(*data)

    def _total_loglik_grad(self, theta, data, w):
        return bgnbd_total(theta, self._with_weights(data, w), w)

    def _total_loglik_grad_hess(self, theta, data, w):
        return bgnbd_total(theta, self._with_weights(data, w), w, hessian=True)

    def _with_weights(self, data, w):
        """``data`` with the data-only weight sums, computed once per fit."""
        cached = getattr(self, "_weights_cache", None)
        if cached is None or cached[0] is not w or cached[1] is not data:
            cached = (w, data, (*data, _bgnbd_weights(data, w)))
            self._weights_cache = cached
        return cached[2]

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        try:
            return super()._fit(fd, initial_params, max_iter)
        finally:
            self._weights_cache = None

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 1.0, 3.0])

    def _alive(self, r, alpha, a, b, x, tx, T):
        return bgnbd_probability_alive(r, alpha, a, b, x, tx, T)

    def _full(self, r, alpha, a, b, x, tx, T, t):
        return bgnbd_conditional_expected(r, alpha, a, b, x, tx, T, t)

    def expected_purchases_new_customer(self, t: float | np.ndarray, params=None) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` of a customer acquired at 0 (FHL 2005, eq. 7).

        Parameters
        ----------
        t : float or array
            Lengths of time in the model's time unit.
        params : DataFrame, optional
            Parameter draws (columns named as ``params_``); one row of output per draw.
        """
        r, alpha, a, b = self._param_arrays(params)
        return bgnbd_expected(r, alpha, a, b, check_times(t))

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in the next ``t`` time units, given each customer's history.

        FHL (2005), eq. 10 (by the exact sum over future purchases where its hypergeometric
        function is not defined, ``a + b < 1`` at ``x = 0``). ``data=None`` means the fitted customers. With ``params`` (draws)
        returns an array (n_draws, n_customers).

        Returns
        -------
        Series
            Indexed like ``data``, named ``conditional_expected_purchases``.
        """
        x, tx, T, *_, index = self._customers(data)
        t = check_horizon(t)
        out = self._conditional_rows(self._param_arrays(params), t, x, tx, T)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive) at the end of the window given each history (Fader, Hardie and Lee 2008).

        Returns
        -------
        Series
            Indexed like ``data``, named ``probability_alive``.
        """
        x, tx, T, *_, index = self._customers(data)
        r, alpha, a, b = self._param_arrays(None)
        p = bgnbd_probability_alive(r, alpha, a, b, x, tx, T)
        return pd.Series(p, index=index, name="probability_alive")

    def probability_of_purchases(self, k: int | np.ndarray, t: float) -> np.ndarray:
        """P(X(t) = k) for a randomly chosen new customer (FHL 2005, eq. 8)."""
        k = check_counts(k)
        t = check_horizon(t)
        r, alpha, a, b = self._param_arrays(None)
        return bgnbd_probability_of_purchases(r, alpha, a, b, k, t)


class BGNBDWithCovariates(ParameterSetPredictions, CovariateModel, BGNBD):
    """BG/NBD with static covariates (built by ``BGNBD(purchase_covariates=...)``).

    CLVTools' parameterisation: ``alpha_i = alpha exp(-g_p . z_i)``, ``a_i = a exp(g_d . z_i)``,
    ``b_i = b exp(g_d . z_i)`` (Fader and Hardie 2007, note 019, for the purchase side). The
    drop-out covariates scale ``a`` and ``b`` alike, so they move the heterogeneity of the
    drop-out probability (its beta distribution's concentration ``a + b``), not its mean
    ``a / (a + b)``. Predictions use each customer's own covariates; with ``params`` (the
    frame of :meth:`draw_params`, base parameters and coefficients) each returns an array
    (n_draws, n_customers). A new customer's expectation takes her ``covariates=``.
    """

    _scaled = {"purchase": (("alpha", -1),), "dropout": (("a", 1), ("b", 1))}
    #: the covariate likelihood has no analytic Hessian (L-BFGS-B, finite differences)
    _total_loglik_grad_hess = None

    def _rows_loglik_grad(self, params, x, tx, T):
        return bgnbd_loglik(params, x, tx, T)

    def _new_customer_expected(self, params, t):
        return bgnbd_expected(*params, t)

    def _new_customer_pmf(self, params, k, t):
        return bgnbd_probability_of_purchases(*params, k, t)

    def probability_alive(self, data: pd.DataFrame | None = None, params=None):
        """P(alive) per customer with her own covariates (Fader, Hardie and Lee 2008)."""
        return self._predict(bgnbd_probability_alive, data, params, "probability_alive")

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` per customer (FHL 2005, eq. 10)."""
        t = check_horizon(t)
        return self._predict(
            lambda *p: bgnbd_conditional_expected(*p, t),
            data,
            params,
            "conditional_expected_purchases",
        )

    def _per_customer(self, func, data, params, name):
        """The count predictions with each customer's own alpha_i, a_i, b_i (and draws)."""
        k, d = self._k, self._dropout_at_zero
        return self._predict(
            lambda r, al, a, b, x, tx, T: func(r, al, a, b, k, d, x, tx, T), data, params, name
        )

    def conditional_probability_of_purchases(
        self, n: int, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """P(exactly ``n`` purchases in ``(T, T + t]``) per customer."""
        n = check_purchase_number(n)
        t = check_horizon(t)
        return self._per_customer(
            lambda *a: xbgcnbd_conditional_pmf(*a, t, [int(n)])[0],
            data,
            params,
            "conditional_probability_of_purchases",
        )

    def probability_no_purchase(self, t: float, data: pd.DataFrame | None = None, params=None):
        """P(no purchase in ``(T, T + t]``) per customer, named ``probability_no_purchase``."""
        out = self.conditional_probability_of_purchases(0, t, data, params)
        return out.rename("probability_no_purchase") if isinstance(out, pd.Series) else out

    def probability_alive_after(self, t: float, data: pd.DataFrame | None = None, params=None):
        """P(alive at ``T + t``) per customer, named ``probability_alive_after``."""
        t = check_horizon(t)
        return self._per_customer(
            lambda *a: xbgcnbd_alive_after(*a, t), data, params, "probability_alive_after"
        )


BGNBD._covariate_variant = BGNBDWithCovariates
