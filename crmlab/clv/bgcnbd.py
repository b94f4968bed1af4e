"""The BG/CNBD-k and MBG/CNBD-k models of regular repeat buying (Reutterer, Platzer and
Schroeder 2021).

Like the BG/NBD (MBG/NBD), but the times between a customer's purchases are Erlang-k with rate
``lambda ~ Gamma(r, alpha)``: every k-th event of a Poisson process of rate ``lambda`` is a
purchase, so that larger ``k`` means more regular buying. After each purchase the customer
drops out with probability ``p ~ Beta(a, b)`` (the MBG variant also right at the first
purchase). With ``k = 1`` the models are the BG/NBD and the MBG/NBD.

The likelihood needs the sum of the logs of each customer's inter-purchase times (``litt``,
:func:`crmlab.rfm.rfm_summary` with ``regularity=True``).

Predictions follow from the posterior of ``(lambda, m)``, ``m < k`` the Poisson events since the
last purchase: given m, ``lambda ~ Gamma(r + k x + m, alpha + T)`` with weights
``G(r+kx+m) / (G(r+kx) m!) ((T - t_x)/(alpha + T))^m``; future purchases are every k-th event
counted from the m already seen, each followed by a drop-out chance with
``p ~ Beta(a, b + x (+1))``. Expectations and probabilities are exact sums over the number of
future purchases (negative binomial tails), not BTYDplus' BG/NBD-based approximation.

References
----------
Reutterer, T., Platzer, M. and Schroeder, N. (2021). Leveraging Purchase Regularity for
Predicting Customer Behavior the Easy Way. International Journal of Research in Marketing
38(1), 194-215.
Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical Validation and Comparison of
Models for Customer Base Analysis. International Journal of Research in Marketing 24(3),
201-209.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betainc, betaln, digamma, gammaln

from crmlab.clv.base import (
    TransactionModel,
    _rows,
    check_counts,
    check_horizon,
    check_purchase_number,
    check_times,
    dot,
    per_unique_row,
)
from crmlab.errors import ConvergenceError, DataError, ParameterError

__all__ = ["BGCNBD", "MBGCNBD", "CountPredictions", "xbgcnbd_loglik"]

#: Largest k searched when ``k=None``.
K_MAX = 12


def xbgcnbd_loglik(theta, k: int, d: int, x, tx, T, litt):
    """Per-customer (M)BG/CNBD-k log-likelihood and its gradient (Reutterer et al. 2021).

    ``L = exp((k-1) litt) / ((k-1)!)^x * B(a, b+x+d)/B(a, b) * G(r+kx) alpha^r
    / (G(r) (alpha+T)^(r+kx)) * [S2 + [d or x > 0] a/(b+x-1+d) ((alpha+T)/(alpha+t_x))^(r+kx)]``
    with ``S2 = sum_{j<k} G(r+kx+j)/(G(r+kx) j!) ((T-t_x)/(alpha+T))^j`` (no event of the
    unfinished k-th inter-purchase time since the last purchase reached a purchase) and
    ``d = 1`` for the MBG variant (drop-out possible at the first purchase).

    Returns ``(ll, grad)`` with ``grad[:, j] = d ll / d theta_j``, ``theta = (r, alpha, a, b)``.
    """
    r, alpha, a, b = theta
    rk = r + k * x
    log_aT, log_atx = np.log(alpha + T), np.log(alpha + tx)
    const = (k - 1) * litt - x * gammaln(k)
    beta_part = betaln(a, b + x + d) - betaln(a, b)
    gamma_part = gammaln(rk) - gammaln(r) + r * np.log(alpha) - rk * log_aT
    dead = (x > 0) | bool(d)
    bx = np.where(dead, b + x - 1 + d, 1.0)
    log_s1 = np.where(dead, np.log(a) - np.log(bx) + rk * (log_aT - log_atx), -np.inf)
    gap = T - tx
    with np.errstate(divide="ignore"):
        log_ratio = np.log(gap) - log_aT
    terms = [log_s1]
    d_terms_r = [np.where(dead, log_aT - log_atx, 0.0)]
    d_terms_alpha = [np.where(dead, rk * (1 / (alpha + T) - 1 / (alpha + tx)), 0.0)]
    for j in range(k):
        if j == 0:
            lj = np.zeros_like(rk)
        else:
            lj = np.where(
                gap > 0, gammaln(rk + j) - gammaln(rk) - gammaln(j + 1) + j * log_ratio, -np.inf
            )
        terms.append(lj)
        d_terms_r.append(digamma(rk + j) - digamma(rk))
        d_terms_alpha.append(-j / (alpha + T))
    stacked = np.stack(np.broadcast_arrays(*terms))
    top = np.max(stacked, axis=0)
    e = np.exp(stacked - top)
    tot = e.sum(axis=0)
    wts = e / tot
    log_s = top + np.log(tot)
    ll = const + beta_part + gamma_part + log_s
    w1 = wts[0]
    d_r = (
        digamma(rk)
        - digamma(r)
        + np.log(alpha)
        - log_aT
        + sum(wts[i] * np.broadcast_to(d_terms_r[i], rk.shape) for i in range(k + 1))
    )
    d_alpha = (
        r / alpha
        - rk / (alpha + T)
        + sum(wts[i] * np.broadcast_to(d_terms_alpha[i], rk.shape) for i in range(k + 1))
    )
    psi_abx = digamma(a + b + x + d)
    d_a = digamma(a + b) - psi_abx + w1 / a
    d_b = digamma(b + x + d) - psi_abx - digamma(b) + digamma(a + b) - w1 / bx
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


def _phase_weights(r, alpha, k, x, tx, T):
    """Log of the unnormalised posterior weights of m = 0..k-1 events since the last purchase.

    Shape (k, n); the sum over m is ``S2`` of :func:`xbgcnbd_loglik`.
    """
    rk = r + k * np.asarray(x, dtype=float)
    gap = np.asarray(T, dtype=float) - np.asarray(tx, dtype=float)
    with np.errstate(divide="ignore"):
        log_ratio = np.log(gap) - np.log(alpha + T)
    rows = [np.zeros_like(rk)]
    for m in range(1, k):
        rows.append(
            np.where(
                gap > 0, gammaln(rk + m) - gammaln(rk) - gammaln(m + 1) + m * log_ratio, -np.inf
            )
        )
    return np.stack(rows)


def xbgcnbd_probability_alive(r, alpha, a, b, k, d, x, tx, T):
    """P(alive at T | x, t_x, T): ``S2 / (S2 + S1)`` in the notation of the likelihood."""
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    log_w = _phase_weights(r, alpha, k, x, tx, T)
    top = log_w.max(axis=0)
    log_s2 = top + np.log(np.exp(log_w - top).sum(axis=0))
    dead = (x > 0) | bool(d)
    bx = np.where(dead, b + x - 1 + d, 1.0)
    log_s1 = np.log(a) - np.log(bx) + (r + k * x) * (np.log(alpha + T) - np.log(alpha + tx))
    p = np.exp(-np.logaddexp(0.0, log_s1 - log_s2))
    return np.where(dead, p, 1.0)


def _future_counts(r, alpha, a, b, k, d, x, tx, T, t):
    """Pieces of the distribution of purchases in ``(T, T + t]`` given the history.

    Returns ``(p_alive, G, S)``: ``G[n, i]`` = P(at least n purchase opportunities in the
    window | alive) (n = 0..N, the Erlang-k arrivals before any drop-out) and ``S[n, i]`` =
    P(surviving n drop-out chances | alive) ``= B(a, b'+n)/B(a, b')``, ``b' = b + x + d``.
    Purchases actually made: ``P(Y >= n) = G[n] S[n-1]`` (n >= 1).
    """
    x, tx, T = (np.asarray(v, dtype=float) for v in (x, tx, T))
    t = float(t)
    p_alive = xbgcnbd_probability_alive(r, alpha, a, b, k, d, x, tx, T)
    log_w = _phase_weights(r, alpha, k, x, tx, T)
    w = np.exp(log_w - log_w.max(axis=0))
    w = w / w.sum(axis=0)  # (k, n)
    rk = r + k * x
    q = t / (alpha + T + t)  # NB "success" share of events falling in the window
    mean = (rk + k) * q / np.maximum(1 - q, 1e-300)
    var = mean / np.maximum(1 - q, 1e-300)
    top_events = float(np.max(mean + 12 * np.sqrt(var))) if len(x) else 0.0
    n_max = int(min(np.ceil(top_events / k) + 20, 100_000))
    n = np.arange(n_max + 1, dtype=float)[:, None]  # (N+1, 1)
    G = np.zeros((n_max + 1, len(x)))
    p_stay = (alpha + T) / (alpha + T + t)
    for m in range(k):
        need = k * n - m  # events still needed for the n-th purchase
        shape = rk + m
        # P(E >= need) for E ~ NB(shape, p_stay): 1 - I_{p_stay}(shape, need) for need >= 1
        tail = np.where(need >= 1, 1.0 - betainc(shape, np.maximum(need, 1.0), p_stay), 1.0)
        G += w[m] * tail
    bp = b + x + d
    S = np.exp(betaln(a, bp + n) - betaln(a, bp))
    return p_alive, G, S


def xbgcnbd_conditional_expected(r, alpha, a, b, k, d, x, tx, T, t):
    """E[Y(t) | x, t_x, T]: expected purchases in ``(T, T + t]``."""
    p_alive, G, S = _future_counts(r, alpha, a, b, k, d, x, tx, T, t)
    return p_alive * (G[1:] * S[:-1]).sum(axis=0)


def xbgcnbd_conditional_pmf(r, alpha, a, b, k, d, x, tx, T, t, counts):
    """P(Y(t) = n | x, t_x, T) for each ``n`` in ``counts``: array (len(counts), n_rows)."""
    p_alive, G, S = _future_counts(r, alpha, a, b, k, d, x, tx, T, t)
    at_least = np.vstack([np.ones((1, G.shape[1])), G[1:] * S[:-1], np.zeros((1, G.shape[1]))])
    exact = at_least[:-1] - at_least[1:]  # n = 0..N
    out = np.zeros((len(counts), G.shape[1]))
    for i, c in enumerate(np.asarray(counts, dtype=int)):
        if c < exact.shape[0]:
            out[i] = p_alive * exact[c]
        if c == 0:
            out[i] += 1.0 - p_alive
    return out


def xbgcnbd_alive_after(r, alpha, a, b, k, d, x, tx, T, t):
    """P(alive at T + t | x, t_x, T): alive at T and no drop-out after a purchase in the window."""
    p_alive, G, S = _future_counts(r, alpha, a, b, k, d, x, tx, T, t)
    exact = G - np.vstack([G[1:], np.zeros((1, G.shape[1]))])  # P(n opportunities)
    return p_alive * (exact * S).sum(axis=0)


def exact_fallback(values, r, alpha, a, b, d, x, tx, T, t):
    """``values`` with its non-finite entries recomputed by the exact sum (k = 1).

    The closed forms of the BG/NBD and MBG/NBD expectations use a Gauss hypergeometric
    function whose third argument ``a + b - 1 (+ x)`` is negative when ``a + b < 1`` at
    ``x = 0``, where the series representation fails; the exact sum over future purchases of
    :func:`xbgcnbd_conditional_expected` holds for every parameter value. All arguments
    broadcast together.
    """
    values = np.asarray(values, dtype=float)
    bad = ~np.isfinite(values)
    if not bad.any():
        return values
    out = values.copy()
    args = np.broadcast_arrays(r, alpha, a, b, x, tx, T, t, values)
    for idx in zip(*np.nonzero(bad), strict=False) if values.ndim else [()]:
        r_, al_, a_, b_, x_, tx_, T_, t_ = (float(v[idx]) for v in args[:8])
        out[idx] = xbgcnbd_conditional_expected(r_, al_, a_, b_, 1, d, [x_], [tx_], [T_], t_)[0]
    return out


class CountPredictions:
    """Predictions of the BG/NBD family from the exact count distribution (k = 1 included).

    Shared by :class:`BGCNBD`, :class:`MBGCNBD`, :class:`~crmlab.clv.BGNBD` and
    :class:`~crmlab.clv.MBGNBD`; a class sets ``_k`` (Erlang order) and ``_dropout_at_zero``.
    """

    _k = 1
    _dropout_at_zero = 0

    # ------------------------------------------------------------------ predictions
    def _one_params(self, params):
        if params is None or isinstance(params, pd.Series):
            return [self._param_arrays(params)]
        return [self._param_arrays(row) for _, row in params.iterrows()]

    def _per_customer(self, func, data, params, name):
        x, tx, T, *_, index = self._customers(data)
        k, d = self._k, self._dropout_at_zero
        outs = [
            per_unique_row(lambda *c, p=p: func(*p, k, d, *c), x, tx, T)
            for p in self._one_params(params)
        ]
        if params is not None and not isinstance(params, pd.Series):
            return np.vstack(outs)
        return pd.Series(outs[0], index=index, name=name)

    def _conditional_expected(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` given each history (exact, see the module).

        Returns
        -------
        Series
            Named ``conditional_expected_purchases``; with ``params`` draws an array
            (n_draws, n_customers).
        """
        t = check_horizon(t)
        return self._per_customer(
            lambda *a: xbgcnbd_conditional_expected(*a, t),
            data,
            params,
            "conditional_expected_purchases",
        )

    def conditional_probability_of_purchases(
        self, n: int, t: float, data: pd.DataFrame | None = None
    ) -> pd.Series:
        """P(exactly ``n`` purchases in ``(T, T + t]``) given each history.

        Returns
        -------
        Series
            Named ``conditional_probability_of_purchases``.
        """
        n = check_purchase_number(n)
        t = check_horizon(t)
        return self._per_customer(
            lambda *a: xbgcnbd_conditional_pmf(*a, t, [int(n)])[0],
            data,
            None,
            "conditional_probability_of_purchases",
        )

    def probability_no_purchase(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(no purchase in ``(T, T + t]``) given each history, named ``probability_no_purchase``."""
        return self.conditional_probability_of_purchases(0, t, data).rename(
            "probability_no_purchase"
        )

    def probability_alive_after(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive at ``T + t``) given each history, named ``probability_alive_after``."""
        t = check_horizon(t)
        return self._per_customer(
            lambda *a: xbgcnbd_alive_after(*a, t), data, None, "probability_alive_after"
        )


class BGCNBD(CountPredictions, TransactionModel):
    """BG/CNBD-k: the BG/NBD with Erlang-k inter-purchase times (Reutterer et al. 2021).

    Data: ``frequency``, ``recency``, ``T`` and ``litt`` (:func:`crmlab.rfm.rfm_summary` with
    ``regularity=True``; ``litt`` may be absent for ``k=1``).

    Parameters
    ----------
    k : int or None, default None
        Regularity: inter-purchase times are Erlang-k (k = 1: exponential, the BG/NBD). None
        chooses k by likelihood over ``1..k_max`` (the search stops once the log-likelihood
        fell twice in a row, as in BTYDplus).
    k_max : int, default 12
        Largest k tried when ``k=None``.
    penalizer, alpha
        See :class:`crmlab.estimation.MaximumLikelihoodModel`.

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (gamma distribution of the Poisson event rate; a purchase every k events)
        and ``a, b`` (beta distribution of the drop-out probability).
    k_ : int
        The k of the fit.
    k_log_likelihoods_ : Series
        With ``k=None``: the maximised log-likelihood of every k tried.

    References
    ----------
    Reutterer, T., Platzer, M. and Schroeder, N. (2021). Leveraging Purchase Regularity for
    Predicting Customer Behavior the Easy Way. IJRM 38(1), 194-215. On CDNOW (39 weeks, BTYDplus
    1.2.0): LL -9582.429, -9855.327, -10393.565, -11030.192 for k = 1..4.
    """

    _param_names = ("r", "alpha", "a", "b")
    _model_name = "BGCNBD"
    _data_columns = ("frequency", "recency", "T")  # and "litt", checked in _extract
    _dropout_at_zero = 0

    def __init__(
        self,
        k: int | None = None,
        *,
        k_max: int = K_MAX,
        penalizer: float = 0.0,
        alpha: float = 0.05,
    ) -> None:
        super().__init__(penalizer, alpha=alpha)
        self.k = self._check_k(k, "k", allow_none=True)
        self.k_max = self._check_k(k_max, "k_max")

    @staticmethod
    def _check_k(k, name, allow_none=False):
        if k is None and allow_none:
            return None
        ok = isinstance(k, (int, np.integer)) and not isinstance(k, bool) and 1 <= k <= 50
        if not ok:
            raise ParameterError(
                f"{name} must be a whole number from 1 to 50 (the Erlang order of the "
                f"inter-purchase times; 1 is the {'BG/NBD'}){' or None' if allow_none else ''}, "
                f"got {k!r}.",
                parameter=name,
            )
        return int(k)

    @property
    def _k(self) -> int:  # type: ignore[override]
        return getattr(self, "_k_fit", None) or getattr(self, "k_", None) or self.k or 1

    def _extract(self, data: pd.DataFrame):
        x, tx, T = super()._extract(data)
        if "litt" in data.columns:
            litt = pd.to_numeric(data["litt"], errors="coerce").to_numpy(dtype=float)
            bad = ~np.isfinite(litt)
            if bad.any():
                rows = _rows(bad, data.index)
                raise DataError(
                    f"{self._model_name}: column 'litt' has missing or infinite values at rows "
                    f"{rows}; recompute it with crmlab.rfm.rfm_summary(..., regularity=True).",
                    column="litt",
                    rows=rows,
                )
        elif self.k == 1:
            litt = np.zeros(len(x))
        else:
            raise DataError(
                f"{self._model_name}: column 'litt' (sum of log inter-purchase times) is "
                "missing; k other than 1 needs it. Use crmlab.rfm.rfm_summary(..., "
                "regularity=True), or k=1.",
                column="litt",
            )
        return x, tx, T, litt

    def _loglik_grad(self, theta, x, tx, T, litt):
        return xbgcnbd_loglik(theta, self._k, self._dropout_at_zero, x, tx, T, litt)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / (self._k * rate), 1.0, 3.0])

    def _start(self, data, w):
        x, _, T, _ = data
        rate = max(dot(w, x) / dot(w, T), 1e-3)
        return self._start_from_rate(rate, dot(w, T) / float(w.sum()))

    def _check_data(self, data, w) -> None:
        super()._check_data(data[:3], w)

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        if self.k is not None:
            self._k_fit = self.k
            super()._fit(fd, initial_params, max_iter)
            self.k_ = self.k
            return self
        fits, lls = {}, {}
        for k in range(1, self.k_max + 1):
            self._k_fit = k
            try:
                super()._fit(fd, initial_params, max_iter)
            except ConvergenceError:
                if not fits:
                    raise
                break
            fits[k] = {
                key: v for key, v in vars(self).items() if key.endswith("_") or key[0] == "_"
            }
            lls[k] = self.log_likelihood_
            ks = sorted(lls)
            if len(ks) >= 3 and lls[ks[-1]] < lls[ks[-2]] < lls[ks[-3]]:
                break
        best = max(lls, key=lls.get)
        vars(self).update(fits[best])
        self._k_fit = best
        self.k_ = best
        self.k_log_likelihoods_ = pd.Series(lls, name="log_likelihood").rename_axis("k")
        return self

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive) at the end of the window given each history, named ``probability_alive``."""
        return self._per_customer(xbgcnbd_probability_alive, data, None, "probability_alive")

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` given each history (exact, see the module).

        Returns
        -------
        Series
            Named ``conditional_expected_purchases``; with ``params`` draws an array
            (n_draws, n_customers).
        """
        return self._conditional_expected(t, data, params)

    def expected_purchases_new_customer(self, t, params=None) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` of a customer acquired at 0 (exact sum)."""
        t = check_times(t)
        flat = np.atleast_1d(t).ravel()
        outs = []
        for p in self._one_params(params):
            vals = [
                float(
                    xbgcnbd_conditional_expected(
                        *p, self._k, self._dropout_at_zero, [0.0], [0.0], [0.0], tt
                    )[0]
                )
                for tt in flat
            ]
            outs.append(np.asarray(vals).reshape(np.shape(t)))
        return outs[0] if len(outs) == 1 else np.stack(outs)

    def probability_of_purchases(self, k, t: float) -> np.ndarray:
        """P(X(t) = k) for a randomly chosen new customer."""
        counts = check_counts(k)
        t = check_horizon(t)
        p = self._param_arrays(None)
        flat = np.atleast_1d(counts).astype(int).ravel()
        out = xbgcnbd_conditional_pmf(
            *p, self._k, self._dropout_at_zero, [0.0], [0.0], [0.0], t, flat
        )[:, 0]
        return out.reshape(np.shape(counts))


class MBGCNBD(BGCNBD):
    """MBG/CNBD-k: the MBG/NBD with Erlang-k inter-purchase times (Reutterer et al. 2021).

    As :class:`BGCNBD`, but a customer may drop out right at her first purchase (Batislam,
    Denizel and Filiztekin 2007), so customers without repeat purchases are not all alive.

    References
    ----------
    Reutterer, Platzer and Schroeder (2021), see :class:`BGCNBD`. On CDNOW (39 weeks, BTYDplus
    1.2.0): LL -9582.136, -9853.253, -10394.363, -11033.941 for k = 1..4.
    """

    _model_name = "MBGCNBD"
    _dropout_at_zero = 1
