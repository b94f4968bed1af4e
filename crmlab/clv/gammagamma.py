"""The Gamma-Gamma model of spend per transaction (Colombo and Jiang 1999; Fader and Hardie 2013).

Each transaction's value is ``Gamma(p, nu)`` around the customer's mean ``p / nu``; across
customers ``nu ~ Gamma(q, gamma)``. Spend is assumed independent of the transaction process.

References
----------
Colombo, R. and Jiang, W. (1999). A Stochastic RFM Model. Journal of Interactive Marketing
13(3), 2-12.
Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
http://brucehardie.com/notes/025/
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, zeta

from crmlab.clv.base import (
    SummaryModel,
    _rows,
    check_columns,
    dot,
    numeric_column,
    weight_column,
)
from crmlab.errors import ConvergenceError, DataError
from crmlab.estimation import FitData


def _trigamma(x):
    """psi'(x) = zeta(2, x) (Hurwitz), without polygamma's wrapper."""
    return zeta(2.0, x)


__all__ = [
    "GammaGamma",
    "GammaGammaIndividual",
    "next_transaction_distribution",
    "spend_distribution",
    "spend_interval",
]


def gammagamma_loglik(theta, x, m):
    """Per-customer log density of the mean spend ``m`` over ``x`` transactions.

    Fader and Hardie (2013), eq. 3:
    ``f(m | p, q, gamma, x) = G(px+q)/(G(px) G(q)) gamma^q m^(px-1) x^(px) / (gamma + m x)^(px+q)``.

    Returns ``(ll, grad)`` with the gradient with respect to ``(p, q, gamma)``.
    """
    p, q, g = theta
    px = p * x
    log_gmx = np.log(g + m * x)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(g)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_gmx
    )
    psi = digamma(px + q)
    d_p = x * (psi - digamma(px) + np.log(m) + np.log(x) - log_gmx)
    d_q = psi - digamma(q) + np.log(g) - log_gmx
    d_g = q / g - (px + q) / (g + m * x)
    return ll, np.column_stack([d_p, d_q, d_g])


def gammagamma_prepare(x, m):
    """Sufficient statistics of the Gamma-Gamma likelihood for :func:`gammagamma_total`."""
    ux, ix = np.unique(x, return_inverse=True)
    return (x, m, ux, ix.ravel(), x * m, np.log(m), np.log(x))


def _weighted_statistics(prepared, w):
    """Data-only weighted sums of the Gamma-Gamma likelihood (fixed during a fit)."""
    x, m, ux, ix, xm, log_m, log_x = prepared
    wxx = w * x
    return (
        np.bincount(ix, weights=w, minlength=len(ux)),
        float(w.sum()),
        wxx,
        dot(wxx, log_m),
        dot(w, log_m),
        dot(wxx, log_x),
    )


def gammagamma_total(theta, prepared, w, hessian=False):
    """Weighted sum of :func:`gammagamma_loglik` and its gradient (and Hessian).

    ``prepared`` is :func:`gammagamma_prepare`'s tuple, optionally followed by
    ``_weighted_statistics(prepared, w)`` (then not recomputed).

    Gamma functions are evaluated once per distinct frequency and the data-only terms are
    weighted sums; the only per-customer work is ``log(gamma + m x)`` and its reciprocal
    (and its square for the Hessian, ``hessian=True``, which returns ``(ll, grad, hess)``).
    """
    p, q, g = theta
    x, m, ux, ix, xm, log_m, log_x = prepared[:7]
    stats = prepared[7] if len(prepared) > 7 else _weighted_statistics(prepared, w)
    wx, n, wxx, sx_logm, s_logm, sx_logx = stats
    pu = p * ux
    log_gmx = np.log(g + xm)
    inv_gmx = 1.0 / (g + xm)
    wl, wxl = dot(w, log_gmx), dot(wxx, log_gmx)
    ll = (
        wx @ (gammaln(pu + q) - gammaln(pu))
        - n * gammaln(q)
        + n * q * np.log(g)
        + p * sx_logm
        - s_logm
        + p * sx_logx
        - p * wxl
        - q * wl
    )
    psi_u = digamma(pu + q)
    s_inv, sx_inv = dot(w, inv_gmx), dot(wxx, inv_gmx)
    d_p = dot((wx * ux), (psi_u - digamma(pu))) + sx_logm + sx_logx - wxl
    d_q = dot(wx, psi_u) - n * digamma(q) + n * np.log(g) - wl
    d_g = n * q / g - (p * sx_inv + q * s_inv)
    grad = np.array([d_p, d_q, d_g])
    if not hessian:
        return float(ll), grad
    tri_u, tri_pu = _trigamma(pu + q), _trigamma(pu)
    inv2 = inv_gmx * inv_gmx
    s_inv2, sx_inv2 = dot(w, inv2), dot(wxx, inv2)
    h_pp = dot(wx * ux * ux, tri_u - tri_pu)
    h_pq = dot(wx * ux, tri_u)
    h_qq = dot(wx, tri_u) - n * float(_trigamma(q))
    h_pg = -sx_inv
    h_qg = n / g - s_inv
    h_gg = -n * q / g**2 + p * sx_inv2 + q * s_inv2
    hess = np.array([[h_pp, h_pq, h_pg], [h_pq, h_qq, h_qg], [h_pg, h_qg, h_gg]])
    return float(ll), grad, hess


class GammaGamma(SummaryModel):
    """Gamma-Gamma spend model (Fader and Hardie 2013).

    Only customers with ``frequency > 0`` inform the model (their mean spend is observed); rows
    with ``frequency == 0`` are ignored in the fit, whatever their ``monetary_value``.

    Attributes
    ----------
    params_ : Series
        ``p`` (shape of a transaction's value), ``q`` and ``gamma`` (shape and rate of the
        customers' spend scale ``nu``). Mean spend in the population is ``p * gamma / (q - 1)``.

    Notes
    -----
    The mean spend exists only for ``q > 1`` (a customer's: for ``p x + q > 1``). A fit with
    ``q <= 1`` describes spend whose mean is infinite (a few very large mean spends dominate);
    :meth:`expected_average_spend` and :meth:`population_mean_spend` then raise
    :class:`~crmlab.errors.ConvergenceError` (``reason="mean_undefined"``, ``parameter="q"``)
    instead of returning a negative or infinite number.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value. On the 946
    CDNOW repeat customers: p = 6.25, q = 3.74, gamma = 15.44.
    """

    _param_names = ("p", "q", "gamma")
    _model_name = "GammaGamma"
    _data_columns = ("frequency", "monetary_value")
    # mean spends are continuous: merging identical rows cannot pay
    _merge_rows = False

    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:
        check_columns(data, self._data_columns, self._model_name)
        x = numeric_column(data, "frequency", integer=True)
        m = pd.to_numeric(data["monetary_value"], errors="coerce").to_numpy(dtype=float)
        bad = (x > 0) & ~(m > 0)  # also catches NaN
        if bad.any():
            rows = _rows(bad, data.index)
            raise DataError(
                f"column 'monetary_value' must be > 0 for customers with repeat purchases; "
                f"not so at rows {rows}. Remove returns-only customers or net their spend first.",
                column="monetary_value",
                rows=rows,
            )
        return x, np.where(x > 0, m, 0.0)

    def _loglik_grad(self, theta, x, m, *_):
        return gammagamma_loglik(theta, x, m)

    def _prepare(self, data):
        return gammagamma_prepare(*data)

    def _total_loglik_grad(self, theta, data, w):
        return gammagamma_total(theta, self._with_statistics(data, w), w)

    def _total_loglik_grad_hess(self, theta, data, w):
        return gammagamma_total(theta, self._with_statistics(data, w), w, hessian=True)

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        try:
            return super()._fit(fd, initial_params, max_iter)
        finally:
            self._statistics_cache = None

    def _with_statistics(self, data, w):
        """``data`` with the weighted data-only sums, computed once per weight vector."""
        cached = getattr(self, "_statistics_cache", None)
        if cached is None or cached[0] is not w or cached[1] is not data:
            cached = (w, data, (*data, _weighted_statistics(data, w)))
            self._statistics_cache = cached
        return cached[2]

    def _start(self, data, w):
        x, m = data
        mean = float(dot(w, m)) / float(w.sum())
        return np.array([1.0, 2.0, max(mean, 1e-6)])

    def _fit_data(self, data: pd.DataFrame, weight: str | None) -> FitData:
        """Only repeat customers inform the fit; every row is kept for predictions."""
        x, m = self._extract(data)
        w = weight_column(data, weight)
        rep = x > 0
        present = weight is not None and weight in data.columns
        return FitData(
            (x[rep], m[rep]),
            w[rep],
            data.index,
            kept=(x, m),
            input_weights=w,
            weight_column=weight if present else None,
        )

    def _check_data(self, data, w) -> None:
        if len(w) == 0:
            raise DataError(
                "GammaGamma needs customers with frequency > 0 (their mean spend per repeat "
                "purchase is what the model fits); there are none. Fit on a longer window.",
                column="frequency",
            )

    @staticmethod
    def _mean_undefined(q: float, rows: list | None = None, draws: bool = False):
        where = "in the population" if rows is None else f"of the customers at rows {rows}"
        which = "a parameter draw with" if draws else "the fitted"
        return ConvergenceError(
            f"GammaGamma: {which} q = {q:.4g} makes the mean spend {where} undefined "
            "(infinite): it needs q > 1 (p * frequency + q > 1 for a customer). The spend data "
            "are too heavy-tailed for this model: check 'monetary_value' for outliers or "
            "unit errors (cents vs currency), or fit it on more repeat customers.",
            reason="mean_undefined",
            parameter="q",
        )

    def expected_average_spend(
        self, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected mean spend per transaction given each customer's history.

        Fader and Hardie (2013), eq. 5: ``(p (gamma + x m)) / (p x + q - 1)``, a weighted mean
        of the population mean ``p gamma / (q - 1)`` and the customer's observed mean ``m``. For
        customers without repeat purchases it is the population mean.

        Returns
        -------
        Series
            Indexed like ``data`` (fitted customers when None), named ``expected_average_spend``.
            With ``params`` draws: an array (n_draws, n_customers).
        """
        x, m, index = self._customers(data)
        p, q, g = self._param_arrays(params)
        bad = np.asarray(p * x + q - 1 <= 0)
        if bad.any():
            cols = np.flatnonzero(bad.any(axis=0) if bad.ndim == 2 else bad)
            draws = params is not None and not isinstance(params, pd.Series)
            raise self._mean_undefined(float(np.min(q)), list(index[cols][:5]), draws)
        out = p * (g + x * m) / (p * x + q - 1)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="expected_average_spend")

    def population_mean_spend(self) -> float:
        """Mean spend per transaction in the population, ``p gamma / (q - 1)`` (needs q > 1)."""
        p, q, g = self._param_arrays(None)
        if not q > 1:
            raise self._mean_undefined(q)
        return float(p * g / (q - 1))


def _posterior(model: GammaGamma, data):
    """Per-customer posterior ``nu | x, m ~ Gamma(p x + q, gamma + x m)`` and the index."""
    x, m, index = model._customers(data)
    p, q, g = model._param_arrays(None)
    return p, p * x + q, g + x * m, index


def spend_distribution(model: GammaGamma, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """Posterior distribution of each customer's mean spend per transaction ``p / nu``.

    Given ``x`` repeat purchases of mean value ``m``, ``nu ~ Gamma(p x + q, gamma + x m)``
    (Fader and Hardie 2013, eq. 4), so the mean spend ``p / nu`` is inverse gamma with shape
    ``p x + q`` and scale ``p (gamma + x m)`` (its mean is :meth:`GammaGamma.expected_average_spend`,
    pymc-marketing's ``distribution_customer_spend``).

    Returns
    -------
    DataFrame
        Indexed like ``data``: ``shape``, ``scale`` (of the inverse gamma), ``mean`` (NaN when
        ``shape <= 1``) and ``sd`` (NaN when ``shape <= 2``).
    """
    p, shape, rate, index = _posterior(model, data)
    scale = p * rate
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(shape > 1, scale / (shape - 1), np.nan)
        sd = np.where(shape > 2, mean / np.sqrt(np.where(shape > 2, shape - 2, 1.0)), np.nan)
    return pd.DataFrame({"shape": shape, "scale": scale, "mean": mean, "sd": sd}, index=index)


def spend_interval(
    model: GammaGamma, data: pd.DataFrame | None = None, level: float = 0.9
) -> pd.DataFrame:
    """Central ``level`` interval of each customer's mean spend (inverse-gamma quantiles).

    Returns
    -------
    DataFrame
        ``lower``, ``median``, ``upper`` per customer.
    """
    from scipy import stats

    from crmlab.checks import check_alpha

    alpha = check_alpha(1.0 - level) if isinstance(level, (int, float)) else check_alpha(level)
    dist = spend_distribution(model, data)
    frozen = stats.invgamma(dist["shape"].to_numpy(), scale=dist["scale"].to_numpy())
    return pd.DataFrame(
        {
            "lower": frozen.ppf(alpha / 2),
            "median": frozen.ppf(0.5),
            "upper": frozen.ppf(1 - alpha / 2),
        },
        index=dist.index,
    )


def next_transaction_distribution(model: GammaGamma, data: pd.DataFrame | None = None):
    """Predictive distribution of each customer's next transaction value (frozen scipy).

    ``z | nu ~ Gamma(p, nu)`` with ``nu ~ Gamma(p x + q, gamma + x m)``: ``z`` is beta prime
    ``(p, p x + q)`` scaled by ``gamma + x m``. A customer without history (``x = 0``) gets the
    population distribution. Returns ``scipy.stats.betaprime`` frozen over the customers.
    """
    from scipy import stats

    p, shape, rate, _ = _posterior(model, data)
    return stats.betaprime(p, shape, scale=rate)


class GammaGammaIndividual(SummaryModel):
    """Gamma-Gamma spend model fitted on individual transaction values.

    The model of :class:`GammaGamma` (each value ``z ~ Gamma(p, nu)``, ``nu ~ Gamma(q,
    gamma)``) with the likelihood of every transaction rather than of each customer's mean
    (pymc-marketing's ``GammaGammaModelIndividual``): per customer with ``n`` values,
    ``L = prod z^(p-1) / G(p)^n * gamma^q G(p n + q) / (G(q) (gamma + sum z)^(p n + q))``.

    Data: one row per transaction with ``customer_id`` and ``amount`` (> 0); which
    transactions to include (e.g. without each customer's first) is the caller's choice.

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
    Colombo, R. and Jiang, W. (1999). A Stochastic RFM Model. JIM 13(3), 2-12.
    """

    _param_names = ("p", "q", "gamma")
    _model_name = "GammaGammaIndividual"
    _data_columns = ("customer_id", "amount")

    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:
        check_columns(data, self._data_columns, self._model_name)
        z = pd.to_numeric(data["amount"], errors="coerce").to_numpy(dtype=float)
        bad = ~(z > 0) | ~np.isfinite(z)
        if bad.any():
            rows = _rows(bad, data.index)
            raise DataError(
                f"{self._model_name}: column 'amount' must be > 0 (transaction values); not "
                f"so at rows {rows}. Drop returns and zero-value lines first.",
                column="amount",
                rows=rows,
            )
        g = pd.DataFrame({"c": data["customer_id"].to_numpy(), "z": z, "lz": np.log(z)})
        agg = g.groupby("c", sort=True).agg(n=("z", "size"), s=("z", "sum"), ls=("lz", "sum"))
        self._pending_index = pd.Index(agg.index, name="customer_id")
        return tuple(agg[c].to_numpy(dtype=float) for c in ("n", "s", "ls"))

    def _fit_data(self, data: pd.DataFrame, weight: str | None) -> FitData:
        self._pending_time_unit = None
        arrays = self._extract(data)
        return FitData(arrays, np.ones(len(arrays[0])), self._pending_index)

    def _customers(self, data):
        self._check_fitted()
        if data is None:
            return super()._customers(None)
        arrays = self._extract(data)
        return (*arrays, self._pending_index)

    def _loglik_grad(self, theta, n, s, ls):
        p, q, g = theta
        pq = p * n + q
        ll = (
            (p - 1) * ls
            - n * gammaln(p)
            + q * np.log(g)
            + gammaln(pq)
            - gammaln(q)
            - pq * np.log(g + s)
        )
        d_p = ls - n * digamma(p) + n * digamma(pq) - n * np.log(g + s)
        d_q = np.log(g) + digamma(pq) - digamma(q) - np.log(g + s)
        d_g = q / g - pq / (g + s)
        return ll, np.column_stack([d_p, d_q, d_g])

    def _start(self, data, w):
        n, s, _ = data
        return np.array([1.0, 2.0, max(float(s.sum() / n.sum()), 1e-6)])

    def expected_average_spend(self, data: pd.DataFrame | None = None) -> pd.Series:
        """Expected mean transaction value per customer, ``p (gamma + sum z) / (p n + q - 1)``.

        Returns
        -------
        Series
            Indexed by ``customer_id``, named ``expected_average_spend``.
        """
        n, s, _, index = self._customers(data)
        p, q, g = self._param_arrays(None)
        bad = p * n + q - 1 <= 0
        if np.any(bad):
            raise GammaGamma._mean_undefined(float(q), list(index[bad][:5]))
        return pd.Series(p * (g + s) / (p * n + q - 1), index=index, name="expected_average_spend")

    def population_mean_spend(self) -> float:
        """Mean transaction value in the population, ``p gamma / (q - 1)`` (needs q > 1)."""
        p, q, g = self._param_arrays(None)
        if not q > 1:
            raise GammaGamma._mean_undefined(q)
        return float(p * g / (q - 1))
