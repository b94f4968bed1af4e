"""The BG/BB model of discrete-time repeat transactions (Fader, Hardie and Shang 2010).

In each of ``n`` transaction opportunities an alive customer transacts with probability
``p ~ Beta(alpha, beta)``; at the start of each period after the first she may drop out with
probability ``theta ~ Beta(gamma, delta)``.

References
----------
Fader, P. S., Hardie, B. G. S. and Shang, J. (2010). Customer-Base Analysis in a Discrete-Time
Noncontractual Setting. Marketing Science 29(6), 1086-1108.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, gammaln

from crmlab.clv.base import (
    SummaryModel,
    _rows,
    check_columns,
    check_counts,
    check_horizon,
    numeric_column,
)
from crmlab.errors import ConvergenceError, DataError

__all__ = ["BGBB"]


def bgbb_loglik(theta, x, tx, n):
    """Per-pattern BG/BB log-likelihood and gradient (Fader, Hardie and Shang 2010, eq. 5).

    ``L = B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n)/B(gamma, delta)
    + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/B(alpha, beta)
    B(gamma+1, delta+t_x+i)/B(gamma, delta)``.
    """
    al, be, ga, de = theta
    base_ab, base_gd = betaln(al, be), betaln(ga, de)
    psi_ab, psi_gd = digamma(al + be), digamma(ga + de)
    psi_a, psi_b, psi_g, psi_d = digamma(al), digamma(be), digamma(ga), digamma(de)
    t0 = betaln(al + x, be + n - x) - base_ab + betaln(ga, de + n) - base_gd
    g0 = np.column_stack(
        [
            digamma(al + x) - digamma(al + be + n) - psi_a + psi_ab,
            digamma(be + n - x) - digamma(al + be + n) - psi_b + psi_ab,
            psi_gd - digamma(ga + de + n),
            digamma(de + n) - digamma(ga + de + n) - psi_d + psi_gd,
        ]
    )
    n_terms = int(np.max(n - tx)) if len(n) else 0
    i = np.arange(max(n_terms, 1), dtype=float)[None, :]
    xx, txx = x[:, None], tx[:, None]
    valid = i < (n - tx)[:, None]
    ti = betaln(al + xx, be + txx - xx + i) - base_ab + betaln(ga + 1, de + txx + i) - base_gd
    ti = np.where(valid, ti, -np.inf)
    stacked = np.concatenate([t0[:, None], ti], axis=1)
    mx = stacked.max(axis=1, keepdims=True)
    e = np.exp(stacked - mx)
    tot = e.sum(axis=1, keepdims=True)
    ll = (mx + np.log(tot))[:, 0]
    w = e / tot
    w0, wi = w[:, :1], w[:, 1:]
    d_al = digamma(al + xx) - digamma(al + be + txx + i) - psi_a + psi_ab
    d_be = digamma(be + txx - xx + i) - digamma(al + be + txx + i) - psi_b + psi_ab
    d_ga = digamma(ga + 1) - digamma(ga + de + 1 + txx + i) - psi_g + psi_gd
    d_de = digamma(de + txx + i) - digamma(ga + de + 1 + txx + i) - psi_d + psi_gd
    gi = np.column_stack(
        [np.sum(wi * np.where(valid, d, 0.0), axis=1) for d in (d_al, d_be, d_ga, d_de)]
    )
    return ll, w0 * g0 + gi


class BGBB(SummaryModel):
    """Beta-geometric/beta-Bernoulli model (Fader, Hardie and Shang 2010).

    Data: one row per customer, or per distinct pattern with a ``weight`` column (as
    ``crmlab.datasets.load_donations()``): ``frequency`` (number of periods with a repeat
    transaction, x), ``recency`` (the last such period, t_x, 0 if none) and ``n_periods``
    (number of repeat-transaction opportunities, n).

    Attributes
    ----------
    params_ : Series
        ``alpha, beta`` (beta distribution of the transaction probability) and ``gamma, delta``
        (beta distribution of the drop-out probability).

    References
    ----------
    Fader, Hardie and Shang (2010), Marketing Science 29(6): on the 1995 donor cohort (11,104
    donors, 6 years) alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783, LL = -33,225.6.
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _model_name = "BGBB"
    _data_columns = ("frequency", "recency", "n_periods")

    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:
        check_columns(data, self._data_columns, self._model_name)
        x = numeric_column(data, "frequency", integer=True)
        tx = numeric_column(data, "recency", integer=True)
        n = numeric_column(data, "n_periods", integer=True)
        for bad, col, what in (
            (x > tx, "frequency", "exceeds 'recency' (x transactions need t_x >= x)"),
            (tx > n, "recency", "exceeds 'n_periods'"),
            ((x == 0) != (tx == 0), "recency", "must be 0 exactly when frequency is 0"),
        ):
            if bad.any():
                rows = _rows(bad, data.index)
                raise DataError(
                    f"column '{col}' {what} at rows {rows}; fix the summary.", column=col, rows=rows
                )
        return x, tx, n

    def _check_data(self, data, w) -> None:
        x, _, n = data
        if not np.any(n > 0):
            raise DataError(
                "BGBB: column 'n_periods' is 0 for every customer, so no repeat transaction "
                "could be observed and there is nothing to fit. Give the number of transaction "
                "opportunities after the first (e.g. 6 for a cohort observed 6 years).",
                column="n_periods",
            )
        if not np.any(x > 0):
            raise ConvergenceError(
                "BGBB: no customer has a repeat transaction (column 'frequency' is 0 "
                "everywhere), so the transaction and drop-out processes cannot be told apart: "
                "the data cannot identify the model (no_repeat_customers), and a penalizer does "
                "not help. Observe the cohort over more periods.",
                reason="no_repeat_customers",
            )

    def _loglik_grad(self, theta, x, tx, n):
        return bgbb_loglik(theta, x, tx, n)

    def _start(self, data, w):
        return np.array([1.0, 1.0, 1.0, 1.0])

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive at the start of period n+1 | x, t_x, n) (Fader, Hardie and Shang 2010, eq. 11).

        ``B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n+1)/B(gamma, delta) / L``.

        Returns
        -------
        Series
            Indexed like ``data`` (fitted patterns when None), named ``probability_alive``.
        """
        x, tx, n, index = self._customers(data)
        al, be, ga, de = self._param_arrays(None)
        ll, _ = bgbb_loglik((al, be, ga, de), x, tx, n)
        log_num = betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + 1)
        log_num = log_num - betaln(ga, de)
        return pd.Series(np.exp(log_num - ll), index=index, name="probability_alive")

    def conditional_expected_purchases(
        self, t: int, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected transactions in the next ``t`` periods ``(n, n+t]`` given each history.

        Fader, Hardie and Shang (2010), eq. 13:
        ``1/L * B(alpha+x+1, beta+n-x)/B(alpha, beta) * delta/(gamma-1) * G(gamma+delta)/G(1+delta)
        * [G(1+delta+n)/G(gamma+delta+n) - G(1+delta+n+t)/G(gamma+delta+n+t)]``.

        Returns
        -------
        Series
            Named ``conditional_expected_purchases``; with ``params`` draws an array.
        """
        x, tx, n, index = self._customers(data)
        t = check_horizon(t)
        al, be, ga, de = self._param_arrays(params)
        if params is None:
            ll, _ = bgbb_loglik((al, be, ga, de), x, tx, n)
        else:
            ll = np.vstack(
                [
                    bgbb_loglik((al[k, 0], be[k, 0], ga[k, 0], de[k, 0]), x, tx, n)[0]
                    for k in range(al.shape[0])
                ]
            )
        log_b = betaln(al + x + 1, be + n - x) - betaln(al, be)
        g1 = np.exp(gammaln(1 + de + n) - gammaln(ga + de + n))
        g2 = np.exp(gammaln(1 + de + n + t) - gammaln(ga + de + n + t))
        scale = de / (ga - 1) * np.exp(gammaln(ga + de) - gammaln(1 + de))
        out = np.exp(log_b - ll) * scale * (g1 - g2)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def expected_purchases(self, n: int | np.ndarray, params=None) -> np.ndarray:
        """Expected transactions in the first ``n`` opportunities of a new customer (eq. 7).

        ``alpha/(alpha+beta) * delta/(gamma-1) * [1 - G(gamma+delta) G(1+delta+n)
        / (G(gamma+delta+n) G(1+delta))]``.
        """
        al, be, ga, de = self._param_arrays(params)
        n = check_counts(n, "n")
        ratio = np.exp(
            gammaln(ga + de) + gammaln(1 + de + n) - gammaln(ga + de + n) - gammaln(1 + de)
        )
        return al / (al + be) * de / (ga - 1) * (1 - ratio)

    def probability_of_purchases(self, k: int | np.ndarray, n: int) -> np.ndarray:
        """P(X(n) = k) in the first ``n`` opportunities for a new customer (eq. 8).

        ``C(n,k) B(alpha+k, beta+n-k)/B(alpha,beta) B(gamma, delta+n)/B(gamma, delta)
        + sum_{i=k}^{n-1} C(i,k) B(alpha+k, beta+i-k)/B(alpha,beta)
        B(gamma+1, delta+i)/B(gamma, delta)``.
        """
        k = np.atleast_1d(check_counts(k))[:, None]
        n = int(check_counts(n, "n"))
        al, be, ga, de = self._param_arrays(None)

        def log_choose(a, b):
            return gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1)

        first = np.exp(
            log_choose(n, k)
            + betaln(al + k, be + n - k)
            - betaln(al, be)
            + betaln(ga, de + n)
            - betaln(ga, de)
        )[:, 0]
        i = np.arange(n, dtype=float)[None, :]
        ok = i >= k
        iv = np.where(ok, i, k)
        terms = np.exp(
            log_choose(iv, k)
            + betaln(al + k, be + iv - k)
            - betaln(al, be)
            + betaln(ga + 1, de + iv)
            - betaln(ga, de)
        )
        return first + np.sum(np.where(ok, terms, 0.0), axis=1)
