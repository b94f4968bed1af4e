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
from crmlab.clv.covariates import CovariateModel
from crmlab.clv.paretonbd import (
    ParetoNBD,
    PosteriorPredictions,
    paretonbd_loglik,
)
from crmlab.errors import ConvergenceError, ParameterError
from crmlab.estimation import MaximumLikelihoodModel

__all__ = [
    "ParetoNBDCorrelated",
    "ParetoNBDCorrelatedWithCovariates",
    "sarmanov_covariate_loglik",
    "sarmanov_loglik",
]

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


def _chain(g, fp, fd, a, b, zp, zd):
    """Gradient (r, alpha0, s, beta0, g_p..., g_d...) of a component with per-row rates.

    The component has ``alpha_i = a fp`` and ``beta_i = b fd`` (``fp = exp(-g_p . z)``, ``a``
    the base alpha or alpha + 1); ``g`` is its gradient in (r, alpha_i, s, beta_i).
    """
    da = g[:, 1] * fp
    db = g[:, 3] * fd
    return np.column_stack(
        [g[:, 0], da, g[:, 2], db, -(da * a)[:, None] * zp, -(db * b)[:, None] * zd]
    )


def _mixing_constant(r, alpha, s, beta, u) -> float:
    """``K = omega c1 c2`` of the relative correlation ``u`` (rho / its bound of that sign)."""
    sign = 1.0 if u >= 0 else -1.0
    mc = max_correlation(r, alpha, s, beta, sign)
    return u * mc * (alpha + 1.0) * (beta + 1.0) / np.sqrt(r * s)


def sarmanov_covariate_loglik(base, u, fp, fd, zp, zd, x, tx, T):
    """Per-row log-likelihood of the correlated Pareto/NBD with static covariates.

    As CLVTools (``pnbd(use.cor = TRUE)`` with covariates, its ``interlayer_correlation``):
    the Sarmanov density joins the base rates ``lambda0 ~ Gamma(r, alpha)`` and
    ``mu0 ~ Gamma(s, beta)`` (``c1``, ``c2`` and the validity bound from the base
    parameters), and a customer's rates are ``lambda0 exp(g_p . z)``, ``mu0 exp(g_d . z)``;
    the components of the signed mixture have ``alpha_i = (alpha + i) exp(-g_p . z)`` and
    ``beta_i = (beta + j) exp(-g_d . z)``. Returns the log-likelihood and its gradient in
    (r, alpha, s, beta, u, g_p..., g_d...), ``u`` the correlation relative to its bound.
    """
    r, alpha, s, beta = base
    k = _mixing_constant(r, alpha, s, beta, u)
    ll0, g0 = paretonbd_loglik((r, alpha * fp, s, beta * fd), x, tx, T, quadrature=True)
    d0 = _chain(g0, fp, fd, alpha, beta, zp, zd)
    s_sum = np.ones(len(x))
    d_s = np.zeros_like(d0)
    for i, j, sign in _COMPONENTS:
        comp = (r, (alpha + i) * fp, s, (beta + j) * fd)
        ll_ij, g_ij = paretonbd_loglik(comp, x, tx, T, quadrature=True)
        ratio = np.exp(ll_ij - ll0)
        s_sum += sign * ratio
        d_s += sign * ratio[:, None] * (_chain(g_ij, fp, fd, alpha + i, beta + j, zp, zd) - d0)
    mix = 1.0 + k * s_sum
    with np.errstate(invalid="ignore", divide="ignore"):
        ll = ll0 + np.log(mix)
    # dK / d(r, alpha, s, beta, u): K is a scalar function, by central differences
    point = np.array([r, alpha, s, beta, u], dtype=float)
    d_k = np.empty(5)
    for m in range(5):
        h = 1e-6 * max(abs(point[m]), 1e-3)
        up, down = point.copy(), point.copy()
        up[m] += h
        down[m] -= h
        if m == 4 and u == 0.0:  # K is linear in u on either side: one-sided at 0
            d_k[m] = _mixing_constant(r, alpha, s, beta, h) / h
            continue
        d_k[m] = (_mixing_constant(*up) - _mixing_constant(*down)) / (2 * h)
    grad = d0 + k * d_s / mix[:, None]
    grad[:, :4] += (d_k[:4][None, :] * s_sum[:, None]) / mix[:, None]
    grad = np.column_stack([grad[:, :4], d_k[4] * s_sum / mix, grad[:, 4:]])
    return ll, grad


class ParetoNBDCorrelatedWithCovariates(PosteriorPredictions, CovariateModel, ParetoNBD):
    """Pareto/NBD with correlation and static covariates (``ParetoNBD(correlation=True,
    purchase_covariates=..., dropout_covariates=...)``).

    The base rates are Sarmanov-correlated as in :class:`ParetoNBDCorrelated`; each customer's
    rates are scaled by ``exp(g . z)`` as in :class:`~crmlab.clv.paretonbd.ParetoNBDWithCovariates`
    (CLVTools' combination of ``use.cor = TRUE`` with static covariates; see
    :func:`sarmanov_covariate_loglik`). The correlation of a customer's two rates does not
    depend on her covariates. ``params_`` holds ``r, alpha, s, beta, correlation``,
    ``coefficients_`` the coefficients; ``at_validity_bound_`` and ``max_correlation_`` as for
    the correlated model. ``params`` draws for the predictions come from :meth:`draw_params`
    (the fit's working parameters: ``u`` is the correlation relative to its bound).
    """

    _param_names = ("r", "alpha", "s", "beta", "u")
    _scaled = {"purchase": (("alpha", -1),), "dropout": (("beta", -1),)}
    _model_name = "ParetoNBD(correlation=True, covariates)"
    _fixed_u: float | None = None

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        correlation: bool = True,
        purchase_covariates=None,
        dropout_covariates=None,
        covariate_penalizer: float = 0.0,
        constrain_covariates=None,
        alpha: float = 0.05,
        confidence_level: float | None = None,
    ) -> None:
        super().__init__(
            penalizer,
            purchase_covariates=purchase_covariates,
            dropout_covariates=dropout_covariates,
            covariate_penalizer=covariate_penalizer,
            constrain_covariates=constrain_covariates,
            alpha=alpha,
            confidence_level=confidence_level,
        )
        if correlation is not True:
            raise ParameterError(
                "this model is the correlated one: correlation must be True (fit "
                "ParetoNBD(purchase_covariates=...) without correlation).",
                parameter="correlation",
            )
        self.correlation = True

    @property
    def _base_names(self) -> tuple[str, ...]:
        if self._fixed_u is None:
            return ("r", "alpha", "s", "beta", "u")
        return ("r", "alpha", "s", "beta")

    def _coef_layout(self) -> None:
        super()._coef_layout()
        if self._fixed_u is None:
            self._free_params = ("u", *self._free_params)

    def _free_bounds(self):
        n = len(self._free_params)
        if self._fixed_u is None:
            return [(-1.0, 1.0)] + [(-1e3, 1e3)] * (n - 1)
        return [(-1e3, 1e3)] * n

    def _rates(self, theta, zp, zd):
        """Base parameters, u and the per-row factors exp(-g . z) of a parameter vector."""
        theta = np.asarray(theta, dtype=float)
        u = theta[4] if self._fixed_u is None else self._fixed_u
        gp, gd = theta[self._coef_index["purchase"]], theta[self._coef_index["dropout"]]
        fp = np.exp(-(zp @ gp)) if zp.shape[1] else np.ones(len(zp))
        fd = np.exp(-(zd @ gd)) if zd.shape[1] else np.ones(len(zd))
        return theta[:4], float(u), fp, fd

    def _total_loglik_grad(self, theta, data, w):
        (x, tx, T), zp, zd = data
        base, u, fp, fd = self._rates(theta, zp, zd)
        ll, g = sarmanov_covariate_loglik(base, u, fp, fd, zp, zd, x, tx, T)
        total = (w[:, None] * g).sum(axis=0)
        kp = zp.shape[1]
        grad = np.zeros(len(theta))
        grad[:4] = total[:4]
        if self._fixed_u is None:
            grad[4] = total[4]
        np.add.at(grad, self._coef_index["purchase"], total[5 : 5 + kp])
        np.add.at(grad, self._coef_index["dropout"], total[5 + kp :])
        return float(np.sum(w * ll)), grad

    def _objective(self, x, data, w, total):
        value, g = MaximumLikelihoodModel._objective(self, x, data, w, total)
        if not np.isfinite(value) or not self.covariate_penalizer:
            return value, g
        coef = ~self._is_log() & (np.array(self._param_names) != "u")  # coefficients only
        value = value + self.covariate_penalizer * float(np.sum(x[coef] ** 2))
        return value, g + np.where(coef, 2.0 * self.covariate_penalizer * x, 0.0)

    def _accept(self, x, value, grad, hess, cov, res) -> None:
        self._last_x = np.array(x)
        super()._accept(x, value, grad, hess, cov, res)

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        self._fixed_u = None
        self._coef_layout()
        try:
            CovariateModel._fit(self, fd, initial_params, max_iter)
        except ConvergenceError as exc:
            if exc.reason != "parameter_at_bound" or exc.parameter != "u":
                raise
            last = self._natural(self._last_x)
            self._fixed_u = 1.0 if last[4] > 0 else -1.0
            self._coef_layout()
            CovariateModel._fit(self, fd, np.r_[last[:4], last[5:]], max_iter)
        self.at_validity_bound_ = self._fixed_u is not None
        self._to_correlation()
        return self

    def _extra_state(self) -> dict:
        return {**super()._extra_state(), "fixed_u": self._fixed_u}

    def _restore_extra_state(self, state: dict) -> None:
        super()._restore_extra_state(state)
        self._fixed_u = state.get("fixed_u")

    def _set_intervals(self) -> None:
        restoring = getattr(self, "_restoring", False)
        super()._set_intervals()
        if restoring:
            self._to_correlation()

    def _correlation_of(self, x_work: np.ndarray) -> float:
        p = self._natural(x_work)
        u = p[4] if self._fixed_u is None else self._fixed_u
        return float(u * max_correlation(*p[:4], 1.0 if u >= 0 else -1.0))

    def _to_correlation(self) -> None:
        """``params_`` with the correlation in place of ``u`` (delta method)."""
        x = self._working_params
        rho = self._correlation_of(x)
        g = np.zeros(len(x))
        for j in range(len(x)):
            h = 1e-6 * max(1.0, abs(x[j]))
            step = np.eye(len(x))[j] * h
            g[j] = (self._correlation_of(x + step) - self._correlation_of(x - step)) / (2 * h)
        se = float(np.sqrt(max(g @ self._cov_log @ g, 0.0)))
        zq = stats.norm.ppf(1 - self.alpha / 2)
        base = ["r", "alpha", "s", "beta"]
        self.params_ = pd.concat([self.params_[base], pd.Series({"correlation": rho})]).rename(
            "coef"
        )
        self.standard_errors_ = pd.concat(
            [self.standard_errors_[base], pd.Series({"correlation": se})]
        ).rename("se")
        bounds = pd.DataFrame({"lower": [rho - zq * se], "upper": [rho + zq * se]})
        bounds.index = ["correlation"]
        self.confidence_intervals_ = pd.concat([self.confidence_intervals_.loc[base], bounds])
        self.max_correlation_ = max_correlation(*self.params_[base], 1.0 if rho >= 0 else -1.0)
        k = len(self._param_names) + (self._fixed_u is not None)  # every parameter counts
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(self.n_customers_) - 2 * self.log_likelihood_

    def _parameter_sets(self, data, params):
        """(r, alpha, s, beta, rho, fp, fd) per parameter set; ``params``: draw_params rows."""
        thetas = self._param_thetas(params)
        x, tx, T, zp, zd, index = self._covariate_rows(data)
        sets = []
        for theta in thetas:
            base, u, fp, fd = self._rates(theta, zp, zd)
            k = _mixing_constant(*base, u)
            sets.append((*base, k, fp, fd))
        return sets, x, tx, T, index

    def _expect(self, func, parameter_set, x, tx, T):
        """Signed mixture of the components' ``func`` with each customer's rates."""
        r, alpha, s, beta, k, fp, fd = parameter_set

        def one(x_, tx_, T_, fp_, fd_):
            comp0 = (r, alpha * fp_, s, beta * fd_)
            ll0, _ = paretonbd_loglik(comp0, x_, tx_, T_, quadrature=True)
            num = (1.0 + k) * func(r, alpha * fp_, s, beta * fd_, x_, tx_, T_)
            den = 1.0 + k
            for i, j, sign in _COMPONENTS:
                a_ij, b_ij = (alpha + i) * fp_, (beta + j) * fd_
                ll_ij, _ = paretonbd_loglik((r, a_ij, s, b_ij), x_, tx_, T_, quadrature=True)
                ratio = np.exp(ll_ij - ll0)
                num = num + sign * k * ratio * func(r, a_ij, s, b_ij, x_, tx_, T_)
                den = den + sign * k * ratio
            return num / den

        return per_unique_row(one, x, tx, T, fp, fd)

    def summary(self) -> pd.DataFrame:
        """Base parameters, ``correlation`` and the coefficients (``coef, se, lower, upper, p``).

        The correlation row is the delta-method transform of the fit's ``u``.
        """
        self._check_fitted()
        table = super().summary()
        rows = table.drop(index=[n for n in ("u",) if n in table.index])
        head = pd.DataFrame(
            {
                "coef": self.params_,
                "se": self.standard_errors_,
                "lower": self.confidence_intervals_["lower"],
                "upper": self.confidence_intervals_["upper"],
            }
        )
        head["p"] = np.nan
        z = self.params_["correlation"] / self.standard_errors_["correlation"]
        head.loc["correlation", "p"] = 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else np.nan
        return pd.concat([head, rows.drop(index=["r", "alpha", "s", "beta"])])

    def expected_purchases_new_customer(self, t, params=None):
        """Not available for the correlated model (no closed form implemented)."""
        raise ParameterError(
            "expected_purchases for a new customer is not implemented for correlation=True.",
            parameter="correlation",
        )


ParetoNBD._correlated_covariate_variant = ParetoNBDCorrelatedWithCovariates
