"""The one maximum-likelihood engine behind every crmlab model.

A model (:class:`MaximumLikelihoodModel` subclass) defines only its parameter names, its
log-likelihood with the analytic gradient, a starting point and how data become likelihood rows
(:meth:`~MaximumLikelihoodModel._fit_data`). The base owns everything else:

- option checks (``penalizer``, ``alpha``), done once where the options are declared;
- compression of identical rows, with their counts as weights (identical customers contribute
  identical likelihood terms);
- optimisation in the log of the positive parameters (free parameters, such as covariate
  coefficients, on their own scale) with L-BFGS-B and the analytic gradient, then Newton steps
  that reach the optimum to machine precision;
- checks that the optimum is one: finite likelihood, no parameter at the bound of the search, a
  vanishing gradient, a positive-definite observed information (otherwise
  :class:`~crmlab.errors.ConvergenceError` with a machine-readable ``reason``);
- inference: the covariance of the working parameters from the inverse observed information
  (the Hessian by central differences of the analytic gradient), standard errors and intervals
  on the natural scale by the delta method, ``summary()``, parameter draws, ``__repr__``.

References
----------
Nocedal, J. and Wright, S. J. (2006). Numerical Optimization, 2nd ed., Springer (L-BFGS-B,
Newton's method). Casella, G. and Berger, R. L. (2002). Statistical Inference, 2nd ed.,
section 10.1 (observed information, delta method).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crmlab._deprecation import resolve_alpha as _resolve_alpha
from crmlab._newton import newton_minimise
from crmlab._rows import compress, distinct_rows, dot, unique_rows
from crmlab.checks import check_alpha, check_count
from crmlab.checks import check_seed as _check_seed
from crmlab.errors import ConvergenceError, DataError, NotFittedError, ParameterError

__all__ = [
    "GRAD_TOL",
    "LOG_BOUND",
    "NEWTON_STEPS",
    "FitData",
    "MaximumLikelihoodModel",
    "check_alpha",
    "check_count",
    "check_penalizer",
    "check_seed",
    "compress",
    "distinct_rows",
    "dot",
    "load_model",
    "resolve_alpha",
    "unique_rows",
]

#: Positive parameters are searched in ``[exp(-LOG_BOUND), exp(LOG_BOUND)]``.
LOG_BOUND = 15.0
#: Largest allowed ``|d mean log-likelihood / d working parameter|`` at an accepted optimum.
GRAD_TOL = 1e-4
#: Newton steps of the polish after L-BFGS-B.
NEWTON_STEPS = 6
#: The Hessian is recomputed after a Newton step longer than this (working scale).
_HESSIAN_REFRESH = 1e-3
#: The polish stops once the largest gradient component is below this.
_POLISH_TOL = 1e-10
#: Iteration limit of Newton's method (models with an analytic Hessian) before L-BFGS-B.
_NEWTON_MAX_ITER = 100
#: Largest standard error of a log parameter in an identified fit (a factor e^10 per SE).
_MAX_LOG_SE = 10.0
#: Smallest eigenvalue of the observed information, relative to the largest, of an identified fit.
_MIN_RELATIVE_EIGENVALUE = 1e-10

_ADVICE = (
    "Try a small penalizer (e.g. penalizer=0.001), rescale the time unit (weeks rather than "
    "days), or check the data (enough customers, enough repeat customers, recency <= T)."
)


# --------------------------------------------------------------------------- option checks
def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def check_penalizer(penalizer: Any) -> float:
    """``penalizer`` as a float, checked finite and >= 0 (ParameterError otherwise)."""
    if not _is_number(penalizer) or not (np.isfinite(penalizer) and penalizer >= 0):
        raise ParameterError(
            f"penalizer must be a finite number >= 0 (0 for plain maximum likelihood, e.g. "
            f"0.001 to tame an unidentified fit), got {penalizer!r}.",
            parameter="penalizer",
        )
    return float(penalizer)


def resolve_alpha(alpha: Any, confidence_level: Any = None) -> float:
    """The significance level from ``alpha`` or the deprecated ``confidence_level``.

    ``confidence_level=0.9`` means ``alpha=0.1``; it warns with a DeprecationWarning.
    """
    if confidence_level is not None and not _is_number(confidence_level):
        raise ParameterError(
            f"confidence_level must be in (0, 1), got {confidence_level!r}; better pass "
            "alpha=0.05 (the significance level).",
            parameter="confidence_level",
        )
    return _resolve_alpha(alpha, confidence_level, "the model", keyword="confidence_level")


def check_seed(seed: Any) -> int | None:
    """A random seed: a whole number >= 0, or None for fresh entropy."""
    return _check_seed(seed, allow_none=True)


@dataclass
class FitData:
    """Likelihood rows of one fit, as a model's data extraction returns them.

    Attributes
    ----------
    arrays : tuple of ndarray
        The likelihood's data columns (one value per row).
    weights : ndarray
        Customers each row stands for.
    index : Index
        Labels of the input rows (kept for predictions on the fitted data).
    kept : tuple of ndarray, optional
        Data kept for predictions when it differs from ``arrays`` (e.g. all customers when the
        likelihood uses only some); default ``arrays``.
    input_weights : ndarray, optional
        Weights of every input row before the model's own selection (default ``weights``),
        for the "no rows" and "all weights 0" checks.
    weight_column : str, optional
        Name of the weight column, for messages.
    """

    arrays: tuple[np.ndarray, ...]
    weights: np.ndarray
    index: pd.Index
    kept: tuple[np.ndarray, ...] | None = None
    input_weights: np.ndarray | None = None
    weight_column: str | None = None


def _not_identified(model: str, reason: str, parameter: str | None, message: str, advice: str):
    return ConvergenceError(
        f"{model}: {message} The data cannot identify the model ({reason}). {advice}",
        reason=reason,
        parameter=parameter,
    )


# ------------------------------------------------------------------------------ the model
class MaximumLikelihoodModel:
    """Base of every crmlab model fitted by maximum likelihood.

    Subclasses define ``_param_names`` (and ``_free_params``, the parameters that may be
    negative, searched on their natural scale), ``_fit_data`` (data -> :class:`FitData`),
    ``_loglik_grad`` (per-row log-likelihood and its gradient with respect to the natural
    parameters; or ``_total_loglik_grad`` for the weighted sums), ``_start`` and optionally
    ``_prepare`` (precomputations on the compressed rows) and ``_check_data`` (refuse data that
    cannot identify the model before optimising).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * sum(theta ** 2)`` added to the negative *mean* log-likelihood
        (the scale of lifetimes' ``penalizer_coef``); shrinks parameters towards zero to tame
        unidentified fits. Leave at 0 to reproduce maximum likelihood estimates.
    alpha : float, default 0.05
        Significance level of ``confidence_intervals_`` and ``summary()`` (0.05 gives 95 %
        intervals), as statsmodels and lifelines spell it.
    confidence_level : float, optional
        Deprecated: ``1 - alpha``.

    Attributes
    ----------
    params_ : Series
        Estimates, named ``coef``.
    standard_errors_ : Series
        Standard errors (delta method from the covariance of the working parameters), ``se``.
    confidence_intervals_ : DataFrame
        Columns ``lower``, ``upper`` at ``1 - alpha``: computed on the log scale and
        exponentiated for positive parameters (so always positive), on the natural scale for
        free ones.
    log_likelihood_, aic_, bic_ : float
        Maximised log-likelihood and information criteria.
    n_customers_ : int
        Customers in the fit (sum of the weights).
    n_rows_compressed_ : int
        Distinct likelihood rows (likelihood rows for models that do not merge them).
    converged_ : bool
    n_iterations_ : int
        L-BFGS-B iterations.
    """

    _param_names: tuple[str, ...] = ()
    _free_params: tuple[str, ...] = ()
    _model_name = "model"
    _data_columns: tuple[str, ...] = ()
    #: What to try when a fit fails (ends every ConvergenceError message).
    _advice = _ADVICE

    def __init__(
        self, penalizer: float = 0.0, *, alpha: float = 0.05, confidence_level: float | None = None
    ) -> None:
        self.penalizer = check_penalizer(penalizer)
        self.alpha = resolve_alpha(alpha, confidence_level)

    @property
    def confidence_level(self) -> float:
        """``1 - alpha`` (deprecated spelling of the interval level)."""
        return 1.0 - self.alpha

    # ------------------------------------------------------------- subclass interface
    def _fit_data(self, data: Any, weight: str | None) -> FitData:  # pragma: no cover
        raise NotImplementedError

    def _loglik_grad(self, theta: np.ndarray, *data: np.ndarray):  # pragma: no cover
        raise NotImplementedError

    def _start(self, data: tuple[np.ndarray, ...], w: np.ndarray) -> np.ndarray:
        return np.ones(len(self._param_names))

    def _prepare(self, data: tuple[np.ndarray, ...]) -> tuple:
        """Precomputations on the compressed data passed to the likelihood (default: none)."""
        return data

    def _check_data(self, data: tuple[np.ndarray, ...], w: np.ndarray) -> None:
        """Refuse compressed data that cannot identify the model (default: accept)."""

    def _total_loglik_grad(self, theta, data, w) -> tuple[float, np.ndarray]:
        """Weighted total log-likelihood and its gradient (natural parameters).

        Default: from the per-row ``_loglik_grad``; models override it with sufficient
        statistics (terms that depend on one column only computed once per distinct value).
        """
        ll, grad = self._loglik_grad(theta, *data)
        return dot(w, ll), (w[:, None] * grad).sum(axis=0)

    # -------------------------------------------------------------- working parameters
    def _is_log(self) -> np.ndarray:
        return np.array([name not in self._free_params for name in self._param_names])

    def _natural(self, x: np.ndarray) -> np.ndarray:
        return np.where(self._is_log(), np.exp(np.where(self._is_log(), x, 0.0)), x)

    def _working(self, theta: np.ndarray) -> np.ndarray:
        is_log = self._is_log()
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(is_log, np.log(np.where(is_log, theta, 1.0)), theta)

    def _free_bounds(self) -> list[tuple[float, float]]:
        """Search bounds of the free parameters (default: +-1e3)."""
        return [(-1e3, 1e3)] * len(self._free_params)

    def _bounds(self) -> list[tuple[float, float]]:
        free = iter(self._free_bounds())
        return [(-LOG_BOUND, LOG_BOUND) if log else next(free) for log in self._is_log()]

    # ----------------------------------------------------------------------- fitting
    def _objective(self, x, data, w, total):
        theta = self._natural(x)
        with np.errstate(all="ignore"):
            ll, grad = self._total_loglik_grad(theta, data, w)
        if not (np.isfinite(ll) and np.all(np.isfinite(grad))):
            return np.inf, np.zeros_like(x)
        value = -ll / total + self.penalizer * np.sum(theta**2)
        g = -np.asarray(grad) / total + 2.0 * self.penalizer * theta
        return value, g * np.where(self._is_log(), theta, 1.0)  # chain rule to working scale

    def _total_loglik_hessian(self, theta, data, w) -> np.ndarray | None:
        """Analytic Hessian of the weighted total log-likelihood (natural parameters).

        Default None: the base then differentiates the analytic gradient by central
        differences (two gradient passes per parameter). Models may return the matrix to save
        those passes, or define ``_total_loglik_grad_hess(theta, data, w)`` returning the total,
        gradient and Hessian in one pass (then the fit runs Newton's method from the start).
        """
        return None

    #: ``(theta, data, w) -> (ll, grad, hess)`` of the weighted totals, or None (see above).
    _total_loglik_grad_hess = None
    #: Merge identical likelihood rows before fitting (False for models whose rows are
    #: continuous, such as mean spends, where the search for duplicates cannot pay).
    _merge_rows = True
    #: Finite differences of the gradient for the Hessian: "central" (two gradient passes per
    #: parameter, error O(h^2)) or "forward" (one pass per parameter plus one, relative error
    #: about 1e-6: for models whose gradient pass is expensive).
    _hessian_differences = "central"
    #: L-BFGS-B's gradient tolerance before the Newton polish (a model with an expensive
    #: gradient stops earlier and lets the polish's quadratic steps finish).
    _lbfgs_gtol = 1e-10

    def _working_derivatives(self, x, theta, ll, grad, exact, total):
        """Objective, gradient and Hessian on the working scale from natural-scale totals."""
        # f(x) = -ll(theta(x)) / N + pen |theta|^2 with theta = exp(x) for log parameters:
        # d2f/dx_i dx_j = H_ij d_i d_j + [i = j] g_i d_i (log ones), d = dtheta/dx
        is_log = self._is_log()
        d = np.where(is_log, theta, 1.0)
        value = -ll / total + self.penalizer * float(np.sum(theta**2))
        h_nat = -np.asarray(exact) / total + 2.0 * self.penalizer * np.eye(len(x))
        g_nat = -np.asarray(grad) / total + 2.0 * self.penalizer * theta
        hess = d[:, None] * h_nat * d[None, :] + np.diag(np.where(is_log, g_nat * d, 0.0))
        return value, g_nat * d, 0.5 * (hess + hess.T)

    def _value_grad_hess(self, x, data, w, total):
        """Objective, gradient and Hessian (working scale) in one pass of the model's totals."""
        theta = self._natural(x)
        with np.errstate(all="ignore"):
            ll, grad, exact = self._total_loglik_grad_hess(theta, data, w)
        ok = np.isfinite(ll) and np.all(np.isfinite(grad)) and np.all(np.isfinite(exact))
        if not ok:
            return np.inf, np.zeros_like(x), None
        return self._working_derivatives(x, theta, ll, grad, exact, total)

    def _hessian(self, x, data, w, total) -> np.ndarray:
        """Hessian of the (penalised) negative mean log-likelihood on the working scale."""
        if self._total_loglik_grad_hess is not None:
            hess = self._value_grad_hess(x, data, w, total)[2]
            return np.full((len(x), len(x)), np.nan) if hess is None else hess
        theta = self._natural(x)
        with np.errstate(all="ignore"):
            exact = self._total_loglik_hessian(theta, data, w)
        if exact is not None:
            _, grad = self._total_loglik_grad(theta, data, w)
            ll = 0.0  # the value is not needed here
            return self._working_derivatives(x, theta, ll, grad, exact, total)[2]
        k = len(x)
        hess = np.empty((k, k))
        forward = self._hessian_differences == "forward"
        g_here = self._objective(x, data, w, total)[1] if forward else None
        for j in range(k):
            h = (3e-7 if forward else 1e-5) * max(1.0, abs(x[j]))
            step = np.zeros(k)
            step[j] = h
            g_plus = self._objective(x + step, data, w, total)[1]
            if forward:
                hess[:, j] = (g_plus - g_here) / h
            else:
                g_minus = self._objective(x - step, data, w, total)[1]
                hess[:, j] = (g_plus - g_minus) / (2 * h)
        return 0.5 * (hess + hess.T)

    def _newton(self, start, data, w, total, max_iter):
        """Newton's method with the analytic Hessian (:func:`crmlab._newton.newton_minimise`).

        Returns ``(x, value, grad, hess, result)`` at a point with a vanishing gradient, inside
        the search box and with a positive-definite Hessian, or None (the caller then runs
        L-BFGS-B, whose checks explain a failure).
        """
        lows, highs = np.array(self._bounds()).T
        return newton_minimise(
            lambda x: self._value_grad_hess(x, data, w, total),
            np.asarray(start, dtype=float),
            lows,
            highs,
            min(max_iter, _NEWTON_MAX_ITER),
            tol=_POLISH_TOL,
            grad_tol=GRAD_TOL,
        )

    def _check_options(self) -> None:
        self.penalizer = check_penalizer(self.penalizer)
        self.alpha = check_alpha(self.alpha)

    def _start_point(self, columns, w, initial_params) -> np.ndarray:
        k = len(self._param_names)
        if initial_params is None:
            start = np.asarray(self._start(tuple(columns), w), dtype=float)
        else:
            try:
                start = np.asarray(initial_params, dtype=float)
            except (TypeError, ValueError):
                start = np.full(k + 1, np.nan)
            ok = start.shape == (k,) and bool(np.all(np.isfinite(start)))
            if not ok or np.any(start[self._is_log()] <= 0):
                raise ParameterError(
                    f"initial_params must be {k} finite numbers ({', '.join(self._param_names)})"
                    f", positive except {list(self._free_params)}; got {initial_params!r}.",
                    parameter="initial_params",
                )
        x = self._working(start)
        lows, highs = np.array(self._bounds()).T
        return np.clip(x, lows + 1, highs - 1)  # start inside the search box

    def _check_rows(self, fd: FitData) -> None:
        """DataError when the data hold no rows or only zero weights."""
        w_in = fd.weights if fd.input_weights is None else fd.input_weights
        first = self._data_columns[0] if self._data_columns else None
        if len(w_in) == 0:
            raise DataError(
                f"{self._model_name}: the data have no rows (column '{first}' is empty), so "
                "there is nothing to fit. Check the calibration window and any filters applied "
                "before fitting.",
                column=first,
            )
        if not float(np.sum(w_in)) > 0:
            col = fd.weight_column or first
            raise DataError(
                f"{self._model_name}: every weight in column '{col}' is 0, so no customer is "
                "left to fit. The weight column counts the customers each row stands for; drop "
                "it (weight=None) or give positive counts.",
                column=col,
            )

    def fit(
        self,
        data: Any,
        *,
        weight: str | None = "weight",
        initial_params: Sequence[float] | None = None,
        max_iter: int = 2000,
    ):
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        data : DataFrame
            One row per customer (or per distinct pattern with a ``weight`` column), with the
            columns the model's class docstring lists (``_data_columns``); other columns are
            ignored.
        weight : str or None, default "weight"
            Column of counts used when present (rows standing for that many customers).
        initial_params : sequence of float, optional
            Starting values in the order of ``params_``; a data-based guess otherwise.
        max_iter : int, default 2000
            Iteration limit of the optimiser.

        Returns
        -------
        self

        Raises
        ------
        DataError
            Data that cannot be used (missing columns, invalid values, no rows, all weights 0).
        ConvergenceError
            The data cannot identify the model or the optimiser found no optimum; ``reason``
            and ``parameter`` say why (e.g. ``"parameter_at_bound"``, ``"r"``).
        """
        return self._fit(self._fit_data(data, weight), initial_params, max_iter)

    def _fit(self, fd: FitData, initial_params=None, max_iter: int = 2000):
        """The one fit body: checks, compression, optimisation, inference, fitted attributes."""
        self._check_options()
        max_iter = check_count(max_iter, "max_iter")
        self._check_rows(fd)
        weights = np.asarray(fd.weights, dtype=float)
        if self._merge_rows:
            columns, w = compress(*fd.arrays, weights=weights)
        else:  # rows (almost) all distinct: only zero weights drop
            keep = weights > 0
            columns = [np.ascontiguousarray(np.asarray(c, dtype=float)[keep]) for c in fd.arrays]
            w = weights[keep]
        self._check_data(tuple(columns), w)
        names = list(self._param_names)
        k = len(names)
        if len(w) < k and self.penalizer == 0:
            raise _not_identified(
                self._model_name,
                "too_few_distinct_rows",
                None,
                f"the data hold {len(w)} distinct customer pattern(s) for {k} parameters.",
                self._advice,
            )
        total = float(w.sum())
        start = self._start_point(columns, w, initial_params)
        prepared = self._prepare(tuple(columns))
        x, value, grad, hess, res = self._optimise(start, prepared, w, total, max_iter)
        cov = self._covariance(hess, total)
        self._accept(x, value, grad, hess, cov, res)
        theta = self._natural(x)
        self._working_params = x
        self._cov_log = cov
        self.params_ = pd.Series(theta, index=names, name="coef")
        plain = type(self)._objective is MaximumLikelihoodModel._objective
        if plain and self.penalizer == 0:
            self.log_likelihood_ = float(-value * total)  # the objective is -ll / total
        else:
            self.log_likelihood_ = float(self._total_loglik_grad(theta, prepared, w)[0])
        self.n_customers_ = int(round(total))
        self.n_rows_compressed_ = len(w)
        self.converged_ = True
        self.n_iterations_ = int(res.nit)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(total) - 2 * self.log_likelihood_
        self._set_intervals()
        self._fitted_data = fd.arrays if fd.kept is None else fd.kept
        self._fitted_index = fd.index
        self.time_unit_ = getattr(self, "_pending_time_unit", None)
        return self

    def _optimise(self, start, data, w, total, max_iter):
        """Newton's method where the model gives its Hessian; else (or when Newton fails)
        L-BFGS-B from ``start``, then Newton steps with the finite-difference Hessian."""
        if self._total_loglik_grad_hess is not None:
            found = self._newton(start, data, w, total, max_iter)
            if found is not None:
                return found
        res = optimize.minimize(
            self._objective,
            start,
            args=(data, w, total),
            jac=True,
            method="L-BFGS-B",
            bounds=self._bounds(),
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": self._lbfgs_gtol, "maxcor": 20},
        )
        lows, highs = np.array(self._bounds()).T
        x, value, grad = res.x, res.fun, res.jac
        hess = self._hessian(x, data, w, total)
        # L-BFGS-B stops on a relative decrease of the objective; Newton steps from there reach
        # the optimum to machine precision
        for _ in range(NEWTON_STEPS):
            if not np.max(np.abs(grad)) > _POLISH_TOL:
                break
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError:
                break
            x_new = np.clip(x - step, lows, highs)
            f_new, g_new = self._objective(x_new, data, w, total)
            if not f_new <= value:
                break
            moved = float(np.max(np.abs(x_new - x)))
            x, value, grad = x_new, f_new, g_new
            if moved > _HESSIAN_REFRESH:
                hess = self._hessian(x, data, w, total)
        return x, value, grad, hess, res

    def _accept(self, x, value, grad, hess, cov, res) -> None:
        """ConvergenceError (with ``reason`` and ``parameter``) unless ``x`` is an optimum."""
        name = self._model_name
        if not np.isfinite(value):
            raise ConvergenceError(
                f"{name}: the log-likelihood is not finite at any point the optimiser tried. "
                f"{self._advice}",
                reason="likelihood_not_finite",
            )
        lows, highs = np.array(self._bounds()).T
        at_bound = (x <= lows + 1e-6) | (x >= highs - 1e-6)
        if at_bound.any():
            which = [self._param_names[i] for i in np.flatnonzero(at_bound)]
            scale = f"exp(+-{LOG_BOUND:g})" if self._is_log()[at_bound][0] else "its bounds"
            raise _not_identified(
                name,
                "parameter_at_bound",
                which[0],
                f"parameter(s) {which} ran to the bound of the search ({scale}).",
                self._advice,
            )
        grad_norm = float(np.max(np.abs(grad)))
        if grad_norm > GRAD_TOL:
            raise ConvergenceError(
                f"{name}: the optimiser stopped ({res.message}) with gradient norm "
                f"{grad_norm:.2e} > {GRAD_TOL:g}. {self._advice}",
                reason="not_converged",
            )
        eig, vec = np.linalg.eigh(hess) if np.all(np.isfinite(hess)) else (np.array([np.nan]), None)
        scale = float(np.max(np.abs(eig))) if np.all(np.isfinite(eig)) else np.nan
        if not (np.isfinite(scale) and eig[0] > _MIN_RELATIVE_EIGENVALUE * scale):
            weakest = None
            if vec is not None:
                weakest = self._param_names[int(np.argmax(np.abs(vec[:, 0])))]
            raise _not_identified(
                name,
                "flat_likelihood",
                weakest,
                "the log-likelihood is flat (or not a maximum) in some direction at the point "
                f"found (weakest parameter: {weakest}), so the estimates and their standard "
                "errors mean nothing.",
                self._advice,
            )
        se_log = np.sqrt(np.clip(np.diag(cov), 0, None))
        vague = self._is_log() & (se_log > _MAX_LOG_SE)
        if vague.any():
            i = int(np.argmax(np.where(vague, se_log, -np.inf)))
            which = self._param_names[i]
            raise _not_identified(
                name,
                "flat_likelihood",
                which,
                f"the standard error of log({which}) is {se_log[i]:.3g}: the data cannot tell "
                f"{which} = {np.exp(x[i]):.3g} from values e^{_MAX_LOG_SE:g} times larger or "
                "smaller.",
                self._advice,
            )

    @staticmethod
    def _covariance(hess: np.ndarray, total: float) -> np.ndarray:
        try:
            return np.linalg.inv(hess * total)
        except np.linalg.LinAlgError:  # pragma: no cover - refused by _accept
            return np.full_like(hess, np.nan)

    def _set_intervals(self) -> None:
        """``standard_errors_`` and ``confidence_intervals_`` from the working covariance."""
        x, names, is_log = self._working_params, list(self._param_names), self._is_log()
        theta = self._natural(x)
        se_work = np.sqrt(np.clip(np.diag(self._cov_log), 0, None))
        self.standard_errors_ = pd.Series(
            np.where(is_log, theta, 1.0) * se_work, index=names, name="se"
        )
        zq = stats.norm.ppf(1 - self.alpha / 2)
        self.confidence_intervals_ = pd.DataFrame(
            {
                "lower": self._natural(x - zq * se_work),
                "upper": self._natural(x + zq * se_work),
            },
            index=names,
        )

    # ------------------------------------------------------------------- inference
    @property
    def _log_params(self) -> np.ndarray:
        return self._working_params

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {self._model_name} is not fitted yet: call fit(...) before asking for "
                "estimates or predictions."
            )

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters.

        Returns
        -------
        DataFrame
            Index: parameter names. Columns ``coef`` (estimate), ``se`` (standard error, delta
            method from the working covariance), ``lower`` and ``upper`` (interval at
            ``1 - alpha``; for positive parameters computed on the log scale and exponentiated,
            so always positive).
        """
        self._check_fitted()
        return pd.DataFrame(
            {
                "coef": self.params_,
                "se": self.standard_errors_,
                "lower": self.confidence_intervals_["lower"],
                "upper": self.confidence_intervals_["upper"],
            }
        )

    def covariance_log_params_(self) -> pd.DataFrame:
        """Asymptotic covariance of the working parameters (log of the positive ones)."""
        self._check_fitted()
        names = list(self._param_names)
        return pd.DataFrame(self._cov_log, index=names, columns=names)

    def delta_method(self, func: Callable[[pd.Series], float]) -> tuple[float, float]:
        """Estimate and standard error of a smooth function of the parameters.

        ``se = sqrt(g' Cov g)`` with ``g`` the gradient of ``func`` with respect to the working
        parameters (central differences) and ``Cov`` their asymptotic covariance.

        Parameters
        ----------
        func : callable
            Takes a Series indexed like ``params_`` and returns a number.

        Returns
        -------
        (float, float)
            ``func(params_)`` and its standard error.
        """
        self._check_fitted()
        x, names = self._working_params, list(self._param_names)

        def at(v):
            return float(func(pd.Series(self._natural(v), index=names)))

        g = np.empty(len(x))
        for j in range(len(x)):
            h = 1e-6 * max(1.0, abs(x[j]))
            step = np.eye(len(x))[j] * h
            g[j] = (at(x + step) - at(x - step)) / (2 * h)
        return at(x), float(np.sqrt(max(g @ self._cov_log @ g, 0.0)))

    def draw_params(self, n_draws: int, seed: int | None = 0) -> pd.DataFrame:
        """Parameter draws from the asymptotic normal of the working parameters.

        Draws ``x ~ N(x_hat, Cov)`` on the working scale and transforms back (a parametric
        bootstrap that keeps positive parameters positive).

        Parameters
        ----------
        n_draws : int
            Number of draws (>= 1).
        seed : int or None, default 0
            Seed of the random generator.

        Returns
        -------
        DataFrame
            One row per draw, one column per parameter.
        """
        self._check_fitted()
        n_draws = check_count(n_draws, "n_draws")
        seed = check_seed(seed)
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self._working_params, self._cov_log, size=n_draws)
        return pd.DataFrame(self._natural(draws), columns=list(self._param_names))

    def _param_arrays(self, params: pd.DataFrame | pd.Series | None):
        """Parameters as arrays: scalars for the fit, (n_draws, 1) columns for draws."""
        if params is None:
            self._check_fitted()
            return [float(v) for v in self.params_]
        if isinstance(params, pd.Series):
            return [float(params[name]) for name in self._param_names]
        return [params[name].to_numpy(dtype=float)[:, None] for name in self._param_names]

    def __repr__(self) -> str:
        if hasattr(self, "params_") and hasattr(self, "n_customers_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner}, n_customers={self.n_customers_})"
        return f"{type(self).__name__}(penalizer={self.penalizer}, alpha={self.alpha})"

    # ------------------------------------------------------------------- time unit
    def check_time_unit(self, data: Any) -> None:
        """DataError when ``data`` carries a ``time_unit`` other than the fitted one.

        The unit comes from the summary's ``attrs["time_unit"]`` (as
        :func:`crmlab.rfm.rfm_summary` sets it); frames without one are not checked.
        """
        fitted = getattr(self, "time_unit_", None)
        attrs = getattr(data, "attrs", None) or {}
        given = attrs.get("time_unit")
        if fitted is not None and isinstance(given, str) and given != fitted:
            raise DataError(
                f"{self._model_name} was fitted on a summary in time unit {fitted!r} but the "
                f"data are in {given!r}: rates and horizons would be read in the wrong unit. "
                f"Recompute the summary with time_unit={fitted!r} (crmlab.rfm.rfm_summary).",
            )

    # -------------------------------------------------------------------- save/load
    def _extra_state(self) -> dict:
        """JSON-ready state a subclass needs besides the fitted attributes (default none)."""
        return {}

    def _restore_extra_state(self, state: dict) -> None:
        """Inverse of :meth:`_extra_state` (default: nothing to restore)."""

    def _options(self) -> dict:
        names = [
            p.name
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        names = [n for n in names if n != "confidence_level" and hasattr(self, n)]
        return {n: _to_json(getattr(self, n)) for n in names}

    def to_dict(self) -> dict:
        """The fitted model as a JSON-ready dict (see :meth:`save`)."""
        self._check_fitted()
        from crmlab import __version__

        fitted = {}
        for key, value in vars(self).items():
            if key.endswith("_") and not key.startswith("_") and key != "confidence_intervals_":
                encoded = _to_json(value)
                if encoded is not _SKIP:
                    fitted[key] = encoded
        return {
            "format": "crmlab-model",
            "format_version": 1,
            "model": f"{type(self).__module__}.{type(self).__qualname__}",
            "crmlab_version": __version__,
            "time_unit": getattr(self, "time_unit_", None),
            "options": self._options(),
            "param_names": list(self._param_names),
            "working_params": [float(v) for v in self._working_params],
            "covariance": np.asarray(self._cov_log, dtype=float).tolist(),
            "fitted": fitted,
            "extra": self._extra_state(),
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the fitted model to a JSON file (no customer data).

        The file holds the model class, the crmlab version, the time unit, the options, the
        estimates and the covariance of the working parameters (so intervals, draws and the
        delta method work after :func:`load_model`), and the other fitted attributes
        (coefficients, k, ...). Predictions of a loaded model need the summary (``data=``).
        """
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_dict(), fh, indent=1, allow_nan=True)

    @classmethod
    def load(cls, path: str | os.PathLike) -> MaximumLikelihoodModel:
        """Read a model written by :meth:`save` (see :func:`load_model`); checks the class."""
        model = load_model(path)
        if not isinstance(model, cls):
            raise DataError(
                f"{path} holds a {type(model).__name__}, not a {cls.__name__}; load it with "
                "crmlab.estimation.load_model.",
            )
        return model


_SKIP = object()


def _to_json(value: Any) -> Any:
    """A fitted attribute as JSON (tagged for Series), or ``_SKIP`` when not representable."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, (str, int, float, bool)) or v is None for v in value
    ):
        return list(value)
    if isinstance(value, pd.Series):
        index = [list(i) if isinstance(i, tuple) else _to_json(i) for i in value.index]
        return {
            "__series__": True,
            "name": value.name if isinstance(value.name, (str, type(None))) else str(value.name),
            "index": index,
            "index_names": [
                n if isinstance(n, (str, type(None))) else str(n) for n in value.index.names
            ],
            "values": [float(v) for v in value.to_numpy(dtype=float)],
        }
    return _SKIP


def _from_json(value: Any) -> Any:
    if isinstance(value, dict) and value.get("__series__"):
        names = value["index_names"]
        if len(names) > 1:
            index = pd.MultiIndex.from_tuples([tuple(i) for i in value["index"]], names=names)
        else:
            index = pd.Index(value["index"], name=names[0])
        return pd.Series(value["values"], index=index, name=value["name"], dtype=float)
    return value


def load_model(path: str | os.PathLike) -> MaximumLikelihoodModel:
    """A fitted model from a JSON file written by :meth:`MaximumLikelihoodModel.save`.

    The loaded model has the estimates, standard errors, intervals, ``summary()``,
    ``draw_params`` and ``time_unit_`` of the saved one; it holds no customer data, so its
    predictions need the summary passed as ``data``.

    Raises
    ------
    DataError
        The file is not a crmlab model file, or names a class outside crmlab.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            state = json.load(fh)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read a crmlab model file ({exc}).") from exc
    if not isinstance(state, dict) or state.get("format") != "crmlab-model":
        raise DataError(
            f"{path} is not a crmlab model file (written by model.save(path)); no 'format' "
            "field 'crmlab-model'."
        )
    module_name, _, class_name = str(state.get("model", "")).rpartition(".")
    if not (module_name == "crmlab" or module_name.startswith("crmlab.")):
        raise DataError(
            f"{path}: model class {state.get('model')!r} is not a crmlab model; only crmlab "
            "classes are loaded."
        )
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise DataError(
            f"{path}: model class {state.get('model')!r} does not exist in this crmlab "
            f"(saved by crmlab {state.get('crmlab_version')}).",
        ) from exc
    if not (isinstance(cls, type) and issubclass(cls, MaximumLikelihoodModel)):
        raise DataError(f"{path}: {state.get('model')!r} is not a crmlab model class.")
    model = cls(**state.get("options", {}))
    for key, value in state.get("fitted", {}).items():
        setattr(model, key, _from_json(value))
    model._working_params = np.asarray(state["working_params"], dtype=float)
    model._cov_log = np.asarray(state["covariance"], dtype=float)
    model.time_unit_ = state.get("time_unit")
    model._fitted_data = None
    model._fitted_index = None
    model._restore_extra_state(state.get("extra", {}))
    model._set_intervals()
    return model
