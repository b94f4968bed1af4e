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
from scipy.special import digamma, gammaln

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

__all__ = ["GammaGamma"]


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


def gammagamma_total(theta, prepared, w):
    """Weighted sum of :func:`gammagamma_loglik` and its gradient.

    Gamma functions are evaluated once per distinct frequency and the data-only terms are
    weighted sums; the only per-customer work is ``log(gamma + m x)`` and its reciprocal.
    """
    p, q, g = theta
    x, m, ux, ix, xm, log_m, log_x = prepared
    wx = np.bincount(ix, weights=w, minlength=len(ux))
    n = w.sum()
    pu = p * ux
    log_gmx = np.log(g + xm)
    inv_gmx = 1.0 / (g + xm)
    wl, wxl = dot(w, log_gmx), dot((w * x), log_gmx)
    sx_logm, s_logm, sx_logx = dot((w * x), log_m), dot(w, log_m), dot((w * x), log_x)
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
    d_p = dot((wx * ux), (psi_u - digamma(pu))) + sx_logm + sx_logx - wxl
    d_q = dot(wx, psi_u) - n * digamma(q) + n * np.log(g) - wl
    d_g = n * q / g - (p * dot((w * x), inv_gmx) + q * (dot(w, inv_gmx)))
    return float(ll), np.array([d_p, d_q, d_g])


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
        return gammagamma_total(theta, data, w)

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
        self._check_fitted()
        if data is None:
            x, m = self._fitted_data
            index = self._fitted_index
        else:
            x, m = self._extract(data)
            index = data.index
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
