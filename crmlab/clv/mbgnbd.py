"""The MBG/NBD model (Batislam, Denizel and Filiztekin 2007).

Like the BG/NBD, but a customer may also drop out right at her first purchase (at time 0), so
customers without repeat purchases are not all alive.

References
----------
Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical Validation and Comparison of
Models for Customer Base Analysis. International Journal of Research in Marketing 24(3),
201-209.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln

from crmlab._special import log_hyp2f1_fast
from crmlab.clv.base import (
    TransactionModel,
    check_counts,
    check_horizon,
    check_times,
)
from crmlab.clv.bgcnbd import CountPredictions, exact_fallback
from crmlab.clv.bgnbd import PairScoring

__all__ = ["MBGNBD"]


def mbgnbd_loglik(theta, x, tx, T):
    """Per-customer MBG/NBD log-likelihood and gradient (Batislam et al. 2007, eq. 4).

    ``L = G(r+x) alpha^r / G(r) * [B(a, b+x+1)/B(a, b) (alpha+T)^-(r+x)
    + B(a+1, b+x)/B(a, b) (alpha+t_x)^-(r+x)]``.
    """
    r, alpha, a, b = theta
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
    b_ab = betaln(a, b)
    t1 = betaln(a, b + x + 1) - b_ab - (r + x) * log_aT
    t2 = betaln(a + 1, b + x) - b_ab - (r + x) * log_atx
    tot = np.logaddexp(t1, t2)
    w1, w2 = np.exp(t1 - tot), np.exp(t2 - tot)
    psi_ab, psi_abx1 = digamma(a + b), digamma(a + b + x + 1)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_aT - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + tx))
    d_a = w1 * (digamma(a) - psi_abx1) + w2 * (digamma(a + 1) - psi_abx1) - digamma(a) + psi_ab
    d_b = w1 * (digamma(b + x + 1) - psi_abx1) + w2 * (digamma(b + x) - psi_abx1)
    d_b = d_b - digamma(b) + psi_ab
    return common + tot, np.column_stack([d_r, d_alpha, d_a, d_b])


def mbgnbd_probability_alive(r, alpha, a, b, x, tx, T):
    """P(alive | x, t_x, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x)) (Batislam 2007)."""
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.exp(-np.logaddexp(0.0, log_odds))


def mbgnbd_conditional_expected(r, alpha, a, b, x, tx, T, t):
    """E[Y(t) | x, t_x, T] (Batislam et al. 2007, eq. 6)."""
    z = t / (alpha + T + t)
    log_f = log_hyp2f1_fast(r + x, b + x + 1, a + b + x, z)
    head = (a + b + x) / (a - 1)
    bracket = -np.expm1((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)) + log_f)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = head * bracket * mbgnbd_probability_alive(r, alpha, a, b, x, tx, T)
    return exact_fallback(value, r, alpha, a, b, 1, x, tx, T, t)


def mbgnbd_expected(r, alpha, a, b, t):
    """E[X(t)] for a new customer (Batislam et al. 2007, eq. 5)."""
    z = t / (alpha + t)
    with np.errstate(invalid="ignore", divide="ignore"):
        log_f = log_hyp2f1_fast(r, b + 1, a + b, z)
        value = b / (a - 1) * -np.expm1(r * (np.log(alpha) - np.log(alpha + t)) + log_f)
    value = np.where(np.asarray(t) == 0, 0.0, value)
    return exact_fallback(value, r, alpha, a, b, 1, 0.0, 0.0, 0.0, t)


class MBGNBD(PairScoring, CountPredictions, TransactionModel):
    """Modified BG/NBD model (Batislam, Denizel and Filiztekin 2007).

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (purchase rate) and ``a, b`` (drop-out probability, also applied at the
        first purchase).
    """

    _param_names = ("r", "alpha", "a", "b")
    _model_name = "MBGNBD"
    _dropout_at_zero = 1

    def _loglik_grad(self, theta, x, tx, T):
        return mbgnbd_loglik(theta, x, tx, T)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 1.0, 3.0])

    def _alive(self, r, alpha, a, b, x, tx, T):
        return mbgnbd_probability_alive(r, alpha, a, b, x, tx, T)

    def _full(self, r, alpha, a, b, x, tx, T, t):
        return mbgnbd_conditional_expected(r, alpha, a, b, x, tx, T, t)

    def expected_purchases_new_customer(self, t: float | np.ndarray, params=None) -> np.ndarray:
        """Expected purchases in ``(0, t]`` of a new customer (Batislam et al. 2007, eq. 5)."""
        r, alpha, a, b = self._param_arrays(params)
        return mbgnbd_expected(r, alpha, a, b, check_times(t))

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` given each history (Batislam 2007, eq. 6).

        Returns
        -------
        Series
            Named ``conditional_expected_purchases``; with ``params`` draws an array.
        """
        x, tx, T, *_, index = self._customers(data)
        t = check_horizon(t)
        out = self._conditional_rows(self._param_arrays(params), t, x, tx, T)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive) given each history, named ``probability_alive``."""
        x, tx, T, *_, index = self._customers(data)
        r, alpha, a, b = self._param_arrays(None)
        p = mbgnbd_probability_alive(r, alpha, a, b, x, tx, T)
        return pd.Series(p, index=index, name="probability_alive")

    def probability_of_purchases(self, k: int | np.ndarray, t: float) -> np.ndarray:
        """P(X(t) = k) for a new customer (Batislam et al. 2007, eq. 7).

        ``B(a, b+k+1)/B(a, b) NB(k) + B(a+1, b+k)/B(a, b) [1 - sum_{j<k} NB(j)]`` where NB is
        the NBD(r, alpha) probability over ``t`` (alive after ``k+1`` drop-out chances with
        exactly ``k`` purchases, or dropped at the chance after the ``k``-th purchase).
        """
        from scipy.special import betainc

        k = check_counts(k)
        t = check_horizon(t)
        r, alpha, a, b = self._param_arrays(None)
        log_p = np.log(alpha) - np.log(alpha + t)
        log_q = np.log(t) - np.log(alpha + t)
        nb = np.exp(gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * log_p + k * log_q)
        cdf = np.where(k > 0, betainc(r, np.maximum(k, 1), np.exp(log_p)), 0.0)  # P(NB < k)
        return np.exp(betaln(a, b + k + 1) - betaln(a, b)) * nb + np.exp(
            betaln(a + 1, b + k) - betaln(a, b)
        ) * (1 - cdf)
