"""The NBD model of repeat buying: gamma-Poisson purchasing, no dropout (Ehrenberg 1959).

A customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)`` and never leaves. It
is the no-dropout limit of BG/NBD (dropout probability ``p -> 0``) and of Pareto/NBD (dropout
rate ``mu -> 0``), so its log-likelihood is directly comparable with theirs: when the data show
no evidence of dropout their likelihoods peak at this boundary, where their dropout parameters
are not identified, and the NBD is the model that describes the data.

References
----------
Ehrenberg, A. S. C. (1959). The Pattern of Consumer Purchases. Applied Statistics 8(1), 26-41.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who Are
They and What Will They Do Next? Management Science 33(1), 1-24 (the NBD as the ``s -> 0``
limit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from crmlab.clv.base import TransactionModel, check_horizon, dot

__all__ = ["NBD"]


def nbd_loglik(theta, x, T):
    """Per-customer NBD log-likelihood of ``x`` repeat purchases at known times in ``(0, T]``.

    ``L = G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))``: the Poisson likelihood of the purchase
    times, ``lambda^x exp(-lambda T)``, integrated over the gamma distribution of ``lambda``
    (the BG/NBD likelihood of FHL 2005a, eq. 6, with ``p = 0``). Returns ``(ll, grad)`` with
    the gradient with respect to ``(r, alpha)``.
    """
    r, alpha = theta
    log_aT = np.log(alpha + T)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * log_aT
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - log_aT
    d_alpha = r / alpha - (r + x) / (alpha + T)
    return ll, np.column_stack([d_r, d_alpha])


class NBD(TransactionModel):
    """Negative binomial distribution (gamma-Poisson) model of repeat purchases, no dropout.

    Fitted on ``frequency`` and ``T`` (``recency`` is checked but carries no information: without
    dropout, the time of the last purchase says nothing about the future).

    Attributes
    ----------
    params_ : Series
        ``r, alpha``: gamma shape and rate of the purchase rate (alpha in the data's time unit);
        the mean rate is ``r / alpha``.
    log_likelihood_, aic_, bic_, standard_errors_, confidence_intervals_, n_customers_
        See :class:`crmlab.clv.base.BaseModel`.

    Examples
    --------
    >>> from crmlab.clv import NBD
    >>> from crmlab.datasets import simulate_bgnbd
    >>> NBD().fit(simulate_bgnbd(500, seed=1).summary).params_.index.tolist()
    ['r', 'alpha']
    """

    _param_names = ("r", "alpha")
    _model_name = "NBD"

    def _loglik_grad(self, theta, x, tx, T, *_):
        return nbd_loglik(theta, x, T)

    def _total_loglik_grad(self, theta, data, w):
        ll, grad = nbd_loglik(theta, data[0], data[2])
        return dot(w, ll), (w[:, None] * grad).sum(axis=0)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate])

    def expected_purchases(self, t: float | np.ndarray, params=None) -> np.ndarray:
        """Expected repeat purchases in ``(0, t]`` of a new customer: ``r t / alpha``."""
        r, alpha = self._param_arrays(params)
        return r * np.asarray(t, dtype=float) / alpha

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]``: ``t (r + x) / (alpha + T)`` (the posterior
        mean rate times ``t``). With ``params`` (draws) an array (n_draws, n_customers)."""
        x, _, T, index = self._customers(data)
        t = check_horizon(t)
        r, alpha = self._param_arrays(params)
        out = t * (r + x) / (alpha + T)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def _discounted_increments(self, params, grid, delta, x, tx, T):
        """Discounted and total expected purchases over ``grid`` (linear in time)."""
        r, alpha = params
        grid = np.asarray(grid, dtype=float)
        weights = np.exp(-delta * 0.5 * (grid[:-1] + grid[1:]))
        rate = (r + x) / (alpha + T)
        return rate * dot(weights, np.diff(grid)), rate * grid[-1]

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive): 1 for every customer (nobody leaves in the NBD)."""
        _, _, _, index = self._customers(data)
        return pd.Series(1.0, index=index, name="probability_alive")

    def probability_of_purchases(self, k: int | np.ndarray, t: float) -> np.ndarray:
        """P(X(t) = k) for a new customer: the negative binomial pmf with ``p = alpha/(alpha+t)``."""
        r, alpha = self._param_arrays(None)
        k = np.asarray(k, dtype=float)
        t = float(t)
        log_p = np.log(alpha) - np.log(alpha + t)
        log_q = np.log(t) - np.log(alpha + t) if t > 0 else -np.inf
        with np.errstate(invalid="ignore"):
            terms = np.where(k > 0, k * log_q, 0.0)
        return np.exp(gammaln(r + k) - gammaln(r) - gammaln(k + 1) + r * log_p + terms)
