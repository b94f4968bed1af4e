"""Pareto/NBD with correlated purchase and drop-out rates (Sarmanov family).

The purchase rate ``lambda ~ Gamma(r, alpha)`` and the drop-out rate ``mu ~ Gamma(s, beta)``
are joined by the Sarmanov density (Park and Fader 2004; Glady, Lemmens and Croux 2015; the
model CLVTools fits with ``use.cor = TRUE``)::

    f(lambda, mu) = f(lambda) f(mu) [1 + omega phi1(lambda) phi2(mu)],
    phi1 = e^-lambda - c1, c1 = (alpha / (alpha + 1))^r,
    phi2 = e^-mu - c2,     c2 = (beta / (beta + 1))^s.

Since ``e^-lambda Gamma(lambda; r, alpha) = c1 Gamma(lambda; r, alpha + 1)``, the likelihood is
a signed mixture of four independent Pareto/NBD likelihoods ``L_ij`` (alpha + i, beta + j)::

    L = L_00 + omega c1 c2 (L_11 - L_10 - L_01 + L_00),

and the correlation of the rates is
``rho = omega c1 c2 sqrt(r s) / ((alpha + 1)(beta + 1))``. The model is fitted in ``rho``
(``params_["correlation"]``): ``log L = log L_00 + log(1 + K S)`` with
``K = rho (alpha+1)(beta+1) / sqrt(r s)`` and ``S = 1 + R_11 - R_10 - R_01``,
``R_ij = L_ij / L_00``; the gradient follows from the analytic Pareto/NBD gradients. ``omega``
must keep the density non-negative, ``-1 / max(c1 c2, (1-c1)(1-c2)) <= omega <=
1 / max(c1 (1-c2), c2 (1-c1))``; outside that range the likelihood is not defined.

Every posterior expectation (P(alive), conditional expected transactions, DERT) is the same
signed mixture of the four components' expectations, weighted by ``w_ij L_ij / L``.

References
----------
Park, Y.-H. and Fader, P. S. (2004). Modeling Browsing Behavior at Multiple Websites. Marketing
Science 23(3), 280-303 (the Sarmanov family for two timing processes).
Glady, N., Lemmens, A. and Croux, C. (2015). Unveiling the Relationship Between the
Transaction Timing, Spending and Dropout Behavior of Customers. International Journal of
Research in Marketing 32(1), 78-93.
Meierer, P., Näf, J. and Bachmann, P. (2025). CLVTools 0.12.1, ``pnbd(use.cor = TRUE)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.clv.base import per_unique_row
from crmlab.clv.paretonbd import (
    ParetoNBD,
    PosteriorPredictions,
    paretonbd_loglik,
)
from crmlab.errors import ConvergenceError, ParameterError

__all__ = ["ParetoNBDCorrelated", "sarmanov_loglik"]

#: (i, j, sign): the components alpha + i, beta + j of the signed mixture.
_COMPONENTS = ((1, 1, 1.0), (1, 0, -1.0), (0, 1, -1.0))


def _omega_ok(r, alpha, s, beta, rho) -> bool:
    """True when omega keeps the Sarmanov density non-negative."""
    c1 = (alpha / (alpha + 1.0)) ** r
    c2 = (beta / (beta + 1.0)) ** s
    k = rho * (alpha + 1.0) * (beta + 1.0) / np.sqrt(r * s)
    omega = k / (c1 * c2)
    if omega >= 0:
        return omega * max(c1 * (1 - c2), c2 * (1 - c1)) <= 1.0 + 1e-9
    return -omega * max(c1 * c2, (1 - c1) * (1 - c2)) <= 1.0 + 1e-9


def max_correlation(r, alpha, s, beta, sign: float) -> float:
    """Largest ``|rho|`` of sign ``sign`` the Sarmanov density allows (non-negative density)."""
    c1 = (alpha / (alpha + 1.0)) ** r
    c2 = (beta / (beta + 1.0)) ** s
    if sign >= 0:
        omega = 1.0 / max(c1 * (1 - c2), c2 * (1 - c1))
    else:
        omega = 1.0 / max(c1 * c2, (1 - c1) * (1 - c2))
    return omega * c1 * c2 * np.sqrt(r * s) / ((alpha + 1.0) * (beta + 1.0))


def sarmanov_loglik(theta, x, tx, T):
    """Per-customer log-likelihood and gradient (r, alpha, s, beta, correlation)."""
    r, alpha, s, beta, rho = theta
    n = len(x)
    if not _omega_ok(r, alpha, s, beta, rho):
        return np.full(n, -np.inf), np.zeros((n, 5))
    ll0, g0 = paretonbd_loglik((r, alpha, s, beta), x, tx, T)
    k = rho * (alpha + 1.0) * (beta + 1.0) / np.sqrt(r * s)
    s_sum = np.ones(n)
    d_s = np.zeros((n, 4))
    for i, j, sign in _COMPONENTS:
        ll_ij, g_ij = paretonbd_loglik((r, alpha + i, s, beta + j), x, tx, T)
        ratio = np.exp(ll_ij - ll0)
        s_sum += sign * ratio
        d_s += sign * ratio[:, None] * (g_ij - g0)
    mix = 1.0 + k * s_sum
    with np.errstate(invalid="ignore", divide="ignore"):
        ll = ll0 + np.log(mix)
    d_k = np.array([-k / (2 * r), k / (alpha + 1.0), -k / (2 * s), k / (beta + 1.0)])
    grad = np.empty((n, 5))
    grad[:, :4] = g0 + (d_k[None, :] * s_sum[:, None] + k * d_s) / mix[:, None]
    grad[:, 4] = (alpha + 1.0) * (beta + 1.0) / np.sqrt(r * s) * s_sum / mix
    return ll, grad


class ParetoNBDCorrelated(PosteriorPredictions, ParetoNBD):
    """Pareto/NBD with purchase-dropout correlation (built by ``ParetoNBD(correlation=True)``).

    Attributes
    ----------
    params_ : Series
        ``r, alpha, s, beta`` as for the Pareto/NBD, and ``correlation``, the correlation of
        the purchase and the drop-out rate across customers (Sarmanov family; 0 gives the
        Pareto/NBD).
    max_correlation_ : float
        The largest correlation (of the fitted sign) the Sarmanov density allows at the fitted
        r, alpha, s, beta: the family only spans ``|rho|`` up to this bound.
    at_validity_bound_ : bool
        True when the likelihood is maximised on that bound (``correlation ==
        max_correlation_``): the fit is then the maximum over the valid densities, with the
        four rate parameters free and the correlation on the bound; its standard error is
        the delta-method error of the bound (conditional on being there).

    References
    ----------
    See :mod:`crmlab.clv.correlation`. On CDNOW (39 weeks) CLVTools 0.12.1 gives r 0.54318,
    alpha 10.1001, s 0.50885, beta 9.17912, correlation 0.086120, LL -9591.766.
    """

    _param_names = ("r", "alpha", "s", "beta", "correlation")
    _names = ("r", "alpha", "s", "beta", "correlation")
    _fixed_u: float | None = None
    _free_params = ("correlation",)
    _model_name = "ParetoNBD(correlation=True)"

    # The fit runs in u = rho / max_correlation (in [-1, 1], so every point is a valid
    # density). When u runs to +-1 the likelihood is maximised on the validity bound and the
    # fit is redone on it (u fixed, four free parameters); when that optimum sits on the
    # bound's ridge c1 = c2 (where the largest positive correlation peaks and the bound is not
    # differentiable) the fit is redone on the ridge (s from c1 = c2, three free parameters).
    _stage = "interior"
    _stage_names = {
        "interior": ("r", "alpha", "s", "beta", "u"),
        "bound": ("r", "alpha", "s", "beta"),
        "ridge": ("r", "alpha", "beta"),
    }

    def _free_bounds(self):
        return [(-1.0, 1.0)]

    def _prepare(self, data):
        return data

    def _full(self, p) -> np.ndarray:
        """(r, alpha, s, beta, rho) from the working stage's natural parameters."""
        if self._stage == "interior":
            r, alpha, s, beta, u = p
        elif self._stage == "bound":
            (r, alpha, s, beta), u = p, self._fixed_u
        else:
            r, alpha, beta = p
            c1 = (alpha / (alpha + 1.0)) ** r
            s = np.log(c1) / np.log(beta / (beta + 1.0))
            u = self._fixed_u
        sign = 1.0 if u >= 0 else -1.0
        return np.array([r, alpha, s, beta, u * max_correlation(r, alpha, s, beta, sign)])

    def _jacobian(self, p) -> np.ndarray:
        """d full / d p by central differences of the scalar map (5 x k)."""
        p = np.asarray(p, dtype=float)
        jac = np.empty((5, len(p)))
        for j in range(len(p)):
            h = 1e-6 * max(abs(p[j]), 1e-3)
            up, down = p.copy(), p.copy()
            up[j] += h
            down[j] -= h
            jac[:, j] = (self._full(up) - self._full(down)) / (2 * h)
        return jac

    def _loglik_grad(self, theta, x, tx, T, *_):
        full = self._full(theta)
        ll, g = sarmanov_loglik(full, x, tx, T)
        return ll, g @ self._jacobian(theta)

    def _total_loglik_grad(self, theta, data, w):
        full = self._full(theta)
        ll, g = sarmanov_loglik(full, *data)
        return float(np.sum(w * ll)), (w[:, None] * g).sum(axis=0) @ self._jacobian(theta)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 1.0, mean_T, 0.0])

    def _accept(self, x, value, grad, hess, cov, res) -> None:
        self._last_x = np.array(x)
        super()._accept(x, value, grad, hess, cov, res)

    def _set_stage(self, stage: str) -> None:
        self._stage = stage
        self._param_names = self._stage_names[stage]
        self._free_params = ("u",) if stage == "interior" else ()

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        self._set_stage("interior")
        self._fixed_u = None
        try:
            super()._fit(fd, initial_params, max_iter)
        except ConvergenceError as exc:
            if exc.reason != "parameter_at_bound" or exc.parameter != "u":
                raise
            self._fixed_u = 1.0 if self._last_x[4] > 0 else -1.0
            self._set_stage("bound")
            start = np.exp(self._last_x[:4])
            try:
                super()._fit(fd, start, max_iter)
            except ConvergenceError as exc2:
                r, alpha, s, beta = np.exp(self._last_x)
                c1, c2 = (alpha / (alpha + 1)) ** r, (beta / (beta + 1)) ** s
                if exc2.reason not in ("flat_likelihood", "not_converged") or self._fixed_u < 0:
                    raise
                if abs(c1 - c2) > 1e-3 * c1:
                    raise
                self._set_stage("ridge")
                super()._fit(fd, np.array([r, alpha, beta]), max_iter)
        self.at_validity_bound_ = self._stage != "interior"
        self._to_correlation()
        return self

    def _to_correlation(self) -> None:
        """``params_`` etc. in terms of the correlation (delta method from the working fit)."""
        x = self._working_params
        p = self._natural(x)
        full = self._full(p)
        jac = self._jacobian(p) * np.where(self._is_log(), p, 1.0)[None, :]  # d full / d x
        cov = jac @ self._cov_log @ jac.T
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        names = list(self._names)
        zq = stats.norm.ppf(1 - self.alpha / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            se_log = se[:4] / full[:4]
        lower = [*(full[:4] * np.exp(-zq * se_log)), full[4] - zq * se[4]]
        upper = [*(full[:4] * np.exp(zq * se_log)), full[4] + zq * se[4]]
        self.params_ = pd.Series(full, index=names, name="coef")
        self.standard_errors_ = pd.Series(se, index=names, name="se")
        self.confidence_intervals_ = pd.DataFrame({"lower": lower, "upper": upper}, index=names)
        self.max_correlation_ = max_correlation(*full[:4], 1.0 if full[4] >= 0 else -1.0)
        # information criteria count all five parameters of the model
        self.aic_ = 2 * 5 - 2 * self.log_likelihood_
        self.bic_ = 5 * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def _parameter_sets(self, data, params):
        """(r, alpha, s, beta, correlation) under the estimates or each draw, and the data.

        Draws from :meth:`draw_params` are on the working parameters of the fit (``u``, the
        correlation relative to its bound, or a fit on the bound); they are mapped to the
        correlation here. A Series or DataFrame may also give ``correlation`` directly.
        """
        x, tx, T, index = self._customers(data)
        names = list(self._names)
        if params is None:
            sets = [self.params_[names].to_numpy(dtype=float)]
        elif isinstance(params, pd.Series) and set(names) <= set(params.index):
            sets = [params[names].to_numpy(dtype=float)]
        elif isinstance(params, pd.DataFrame) and set(names) <= set(params.columns):
            sets = list(params[names].to_numpy(dtype=float))
        elif isinstance(params, pd.DataFrame) and set(self._param_names) <= set(params.columns):
            sets = [self._full(p) for p in params[list(self._param_names)].to_numpy(dtype=float)]
        else:
            raise ParameterError(
                f"params must be a Series or a DataFrame with columns {names} (or the draws of "
                "draw_params).",
                parameter="params",
            )
        return sets, x, tx, T, index

    def _expect(self, func, parameter_set, x, tx, T):
        """Posterior expectation: the signed mixture of the components' ``func``."""
        r, alpha, s, beta, rho = (float(v) for v in parameter_set)
        k = rho * (alpha + 1.0) * (beta + 1.0) / np.sqrt(r * s)

        def one(x_, tx_, T_):
            ll0, _ = paretonbd_loglik((r, alpha, s, beta), x_, tx_, T_)
            num = (1.0 + k) * func(r, alpha, s, beta, x_, tx_, T_)
            den = 1.0 + k
            for i, j, sign in _COMPONENTS:
                ll_ij, _ = paretonbd_loglik((r, alpha + i, s, beta + j), x_, tx_, T_)
                ratio = np.exp(ll_ij - ll0)
                num = num + sign * k * ratio * func(r, alpha + i, s, beta + j, x_, tx_, T_)
                den = den + sign * k * ratio
            return num / den

        return per_unique_row(one, x, tx, T)

    def expected_purchases_new_customer(self, t, params=None):
        """Not available for the correlated model (no closed form implemented)."""
        raise ParameterError(
            "expected_purchases for a new customer is not implemented for correlation=True; "
            "fit ParetoNBD() for it.",
            parameter="correlation",
        )


ParetoNBD._correlated_variant = ParetoNBDCorrelated
