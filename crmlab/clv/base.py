"""Shared machinery of the buy-till-you-die models: validation, compression, fitting, inference.

Every model is fitted by maximum likelihood in the log of its (positive) parameters with
L-BFGS-B and an analytic gradient, on the distinct data rows with their counts as weights
(identical customers contribute identical likelihood terms). A Newton polish with the Hessian
then refines the optimum. Standard errors come from the inverse of the observed information
(the negated Hessian of the log-likelihood, obtained by central differences of the analytic
gradient in log-parameter space) and are carried to the natural scale by the delta method.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crmlab.errors import ConvergenceError, DataError, NotFittedError, ParameterError

__all__ = ["BaseModel"]

_LOG_BOUND = 15.0  # parameters are searched in [exp(-15), exp(15)]
_GRAD_TOL = 1e-4  # largest allowed |d mean LL / d log theta| at the optimum


def _rows(mask: np.ndarray, index: pd.Index) -> list:
    """Up to five index labels where ``mask`` holds."""
    return list(index[np.asarray(mask)][:5])


def check_columns(data: pd.DataFrame, columns: Sequence[str], model: str) -> None:
    """Raise DataError when ``data`` is not a DataFrame or lacks one of ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{model} needs a pandas DataFrame (e.g. crmlab.rfm.rfm_summary output), "
            f"got {type(data).__name__}."
        )
    for col in columns:
        if col not in data.columns:
            raise DataError(
                f"{model}: column '{col}' is missing; expected columns {list(columns)} "
                "(as returned by crmlab.rfm.rfm_summary).",
                column=col,
            )


def numeric_column(data: pd.DataFrame, col: str, *, integer: bool = False) -> np.ndarray:
    """Column as float64, checked finite, non-negative and (optionally) whole."""
    try:
        values = pd.to_numeric(data[col], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"column '{col}' must be numeric.", column=col) from exc
    bad = ~np.isfinite(values)
    if bad.any():
        rows = _rows(bad, data.index)
        raise DataError(
            f"column '{col}' has missing or infinite values at rows {rows}; drop or fill them.",
            column=col,
            rows=rows,
        )
    bad = values < 0
    if bad.any():
        rows = _rows(bad, data.index)
        raise DataError(
            f"column '{col}' has negative values at rows {rows}; it must be >= 0.",
            column=col,
            rows=rows,
        )
    if integer:
        bad = values != np.round(values)
        if bad.any():
            rows = _rows(bad, data.index)
            raise DataError(
                f"column '{col}' must hold whole numbers (counts); non-integers at rows {rows}.",
                column=col,
                rows=rows,
            )
    return values


def check_horizon(t, name: str = "t") -> float:
    """A prediction horizon as a float, checked finite and >= 0."""
    try:
        value = float(t)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be a number of time units, got {t!r}.", parameter=name
        ) from exc
    if not (np.isfinite(value) and value >= 0):
        raise ParameterError(f"{name} must be finite and >= 0, got {t!r}.", parameter=name)
    return value


def weight_column(data: pd.DataFrame, weight: str | None) -> np.ndarray:
    """Customer counts per row: the ``weight`` column when present, else ones."""
    if weight is None or weight not in data.columns:
        return np.ones(len(data))
    w = numeric_column(data, weight)
    return w


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of ``a * b`` without BLAS.

    OpenBLAS runs long dot products on several threads whose spinning competes with the
    optimiser on small machines (a tenfold slowdown measured on 2 cores); the likelihood sums
    here are memory-bound anyway.
    """
    return float(np.sum(a * b))


def unique_rows(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a 2-d float array (sorted) and the inverse index of every row.

    Same result as ``np.unique(stacked, axis=0, return_inverse=True)``, by a lexicographic sort
    of the columns (several times faster for many rows).
    """
    if len(stacked) == 0:
        return stacked, np.zeros(0, dtype=np.intp)
    order = np.lexsort(stacked.T[::-1])
    ordered = stacked[order]
    new = np.empty(len(ordered), dtype=bool)
    new[0] = True
    new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(len(stacked), dtype=np.intp)
    inverse[order] = group
    return ordered[new], inverse


def compress(*columns: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the stacked ``columns`` and the summed weights of each.

    Returns the distinct columns (one array each) and their weights; rows with zero weight drop.
    """
    stacked = np.column_stack(columns)
    keep = weights > 0
    unique, inverse = unique_rows(stacked[keep])
    w = np.bincount(inverse, weights=weights[keep], minlength=len(unique))
    return [np.ascontiguousarray(unique[:, j]) for j in range(unique.shape[1])], w


class BaseModel:
    """Base of the crmlab CLV models: fit by maximum likelihood, inference, summary.

    Subclasses define ``_param_names``, ``_extract`` (validate a summary and return the data
    arrays the likelihood needs), ``_loglik_grad`` (per-row log-likelihood and its gradient
    with respect to the natural parameters) and ``_start`` (starting values).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * sum(theta ** 2)`` added to the negative *mean* log-likelihood
        (the same scale as lifetimes' ``penalizer_coef``); shrinks parameters towards zero to
        tame unidentified fits. Leave at 0 to reproduce maximum likelihood estimates.
    confidence_level : float, default 0.95
        Level of ``confidence_intervals_`` and of ``summary()``.
    """

    _param_names: tuple[str, ...] = ()
    _model_name = "model"
    _data_columns: tuple[str, ...] = ()

    def __init__(self, penalizer: float = 0.0, confidence_level: float = 0.95) -> None:
        self.penalizer = penalizer
        self.confidence_level = confidence_level

    # ----------------------------------------------------------------- subclass interface
    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:  # pragma: no cover
        raise NotImplementedError

    def _loglik_grad(self, theta: np.ndarray, *data: np.ndarray):  # pragma: no cover
        raise NotImplementedError

    def _start(self, data: tuple[np.ndarray, ...], w: np.ndarray) -> np.ndarray:
        return np.ones(len(self._param_names))

    def _prepare(self, data: tuple[np.ndarray, ...]) -> tuple:
        """Precomputations on the compressed data passed to ``_loglik_grad`` (default: none)."""
        return data

    # ----------------------------------------------------------------------- fitting
    def _total_loglik_grad(self, theta, data, w) -> tuple[float, np.ndarray]:
        """Weighted total log-likelihood and its gradient (natural parameters).

        Default: from the per-row ``_loglik_grad``; models override it with sufficient
        statistics (terms that depend only on the frequency computed once per distinct value).
        """
        ll, grad = self._loglik_grad(theta, *data)
        return dot(w, ll), (w[:, None] * grad).sum(axis=0)

    def _objective(self, log_theta, data, w, total):
        theta = np.exp(log_theta)
        with np.errstate(all="ignore"):
            ll, grad = self._total_loglik_grad(theta, data, w)
        if not (np.isfinite(ll) and np.all(np.isfinite(grad))):
            return np.inf, np.zeros_like(log_theta)
        value = -ll / total + self.penalizer * np.sum(theta**2)
        g = -grad / total + 2.0 * self.penalizer * theta
        return value, g * theta  # chain rule to log parameters

    def _hessian_log(self, log_theta, data, w, total) -> np.ndarray:
        """Hessian of the (penalised) negative mean log-likelihood in log parameters."""
        k = len(log_theta)
        hess = np.empty((k, k))
        for j in range(k):
            h = 1e-5 * max(1.0, abs(log_theta[j]))
            step = np.zeros(k)
            step[j] = h
            g_plus = self._objective(log_theta + step, data, w, total)[1]
            g_minus = self._objective(log_theta - step, data, w, total)[1]
            hess[:, j] = (g_plus - g_minus) / (2 * h)
        return 0.5 * (hess + hess.T)

    def _validate_options(self) -> None:
        if not np.isscalar(self.penalizer) or not self.penalizer >= 0:
            raise ParameterError(
                f"penalizer must be a number >= 0, got {self.penalizer!r}.", parameter="penalizer"
            )
        if not 0 < self.confidence_level < 1:
            raise ParameterError(
                f"confidence_level must be in (0, 1), got {self.confidence_level!r}.",
                parameter="confidence_level",
            )

    def _fit_arrays(
        self,
        data: tuple[np.ndarray, ...],
        weights: np.ndarray,
        initial_params: Sequence[float] | None,
        max_iter: int,
    ) -> None:
        self._validate_options()
        columns, w = compress(*data, weights=weights)
        total = float(w.sum())
        if initial_params is None:
            start = np.log(self._start(tuple(columns), w))
        else:
            start = np.log(np.asarray(initial_params, dtype=float))
            if start.shape != (len(self._param_names),) or not np.all(np.isfinite(start)):
                raise ParameterError(
                    f"initial_params must be {len(self._param_names)} positive numbers "
                    f"({', '.join(self._param_names)}).",
                    parameter="initial_params",
                )
        start = np.clip(start, -_LOG_BOUND + 1, _LOG_BOUND - 1)
        data_c = self._prepare(tuple(columns))
        res = optimize.minimize(
            self._objective,
            start,
            args=(data_c, w, total),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(start),
            options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20},
        )
        x = res.x
        hess = self._hessian_log(x, data_c, w, total)
        # Newton polish with this Hessian: L-BFGS-B stops on a relative decrease of the
        # objective; a few Newton steps from there reach the optimum to machine precision
        f0, g0 = res.fun, res.jac
        moved = 0.0
        for _ in range(4):
            try:
                step = np.linalg.solve(hess, g0)
            except np.linalg.LinAlgError:
                break
            x_new = np.clip(x - step, -_LOG_BOUND, _LOG_BOUND)
            f1, g1 = self._objective(x_new, data_c, w, total)
            if not f1 <= f0:
                break
            moved += float(np.max(np.abs(x_new - x)))
            x, f0, g0 = x_new, f1, g1
            if np.max(np.abs(g0)) < 1e-10:
                break
        if moved > 1e-3:
            hess = self._hessian_log(x, data_c, w, total)
        value, grad = f0, g0
        at_bound = np.abs(x) >= _LOG_BOUND - 1e-6
        grad_norm = float(np.max(np.abs(grad)))
        advice = (
            "Try a small penalizer (e.g. penalizer=0.001), rescale the time unit (weeks rather "
            "than days), or check the data (enough repeat customers, recency <= T)."
        )
        if not np.isfinite(value):
            raise ConvergenceError(
                f"{self._model_name}: the log-likelihood is not finite. {advice}"
            )
        if at_bound.any():
            names = [self._param_names[i] for i in np.flatnonzero(at_bound)]
            raise ConvergenceError(
                f"{self._model_name}: parameter(s) {names} ran to the bound of the search "
                f"(exp(+-{_LOG_BOUND:g})): the model is not identified on these data. {advice}"
            )
        if grad_norm > _GRAD_TOL:
            raise ConvergenceError(
                f"{self._model_name}: the optimiser stopped ({res.message}) with gradient norm "
                f"{grad_norm:.2e} > {_GRAD_TOL:g}. {advice}"
            )
        try:
            cov_log = np.linalg.inv(hess * total)
        except np.linalg.LinAlgError:
            cov_log = np.full_like(hess, np.nan)
        theta = np.exp(x)
        names = list(self._param_names)
        self._log_params = x
        self._cov_log = cov_log
        self.params_ = pd.Series(theta, index=names, name="coef")
        self.log_likelihood_ = self._total_loglik_grad(theta, data_c, w)[0]
        self.n_customers_ = int(round(total))
        self.n_rows_compressed_ = len(w)
        self.converged_ = True
        self.n_iterations_ = int(res.nit)
        k = len(names)
        self.aic_ = 2 * k - 2 * self.log_likelihood_
        self.bic_ = k * np.log(total) - 2 * self.log_likelihood_
        se_log = np.sqrt(np.clip(np.diag(cov_log), 0, None))
        self.standard_errors_ = pd.Series(theta * se_log, index=names, name="se")
        zq = stats.norm.ppf(0.5 + self.confidence_level / 2)
        self.confidence_intervals_ = pd.DataFrame(
            {"lower": np.exp(x - zq * se_log), "upper": np.exp(x + zq * se_log)}, index=names
        )

    # ------------------------------------------------------------------- inference
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {self._model_name} is not fitted yet: call fit(summary) first."
            )

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters.

        Returns
        -------
        DataFrame
            Index: parameter names. Columns ``coef`` (estimate), ``se`` (standard error, delta
            method from the log-parameter covariance), ``lower`` and ``upper`` (confidence
            interval at ``confidence_level``, computed on the log scale and exponentiated, so
            always positive).
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
        """Asymptotic covariance matrix of the log parameters (inverse observed information)."""
        self._check_fitted()
        names = list(self._param_names)
        return pd.DataFrame(self._cov_log, index=names, columns=names)

    def draw_params(self, n_draws: int, seed: int | None) -> pd.DataFrame:
        """Parameter draws from the asymptotic normal of the log parameters.

        Draws ``log theta ~ N(log theta_hat, Cov)`` and exponentiates (a parametric bootstrap
        that keeps every parameter positive).

        Parameters
        ----------
        n_draws : int
            Number of draws.
        seed : int or None
            Seed of the random generator.

        Returns
        -------
        DataFrame
            One row per draw, one column per parameter.
        """
        self._check_fitted()
        if not np.all(np.isfinite(self._cov_log)):
            raise ConvergenceError(
                f"{self._model_name}: the Hessian is singular; no parameter uncertainty available."
            )
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self._log_params, self._cov_log, size=int(n_draws))
        return pd.DataFrame(np.exp(draws), columns=list(self._param_names))

    def _param_arrays(self, params: pd.DataFrame | pd.Series | None):
        """Parameters as arrays: scalars for the fit, (n_draws, 1) columns for draws."""
        if params is None:
            self._check_fitted()
            return [float(v) for v in self.params_]
        if isinstance(params, pd.Series):
            return [float(params[name]) for name in self._param_names]
        return [params[name].to_numpy(dtype=float)[:, None] for name in self._param_names]

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            return f"{type(self).__name__}({inner}, n_customers={self.n_customers_})"
        return f"{type(self).__name__}(penalizer={self.penalizer})"


class TransactionModel(BaseModel):
    """Base of the continuous-time models fitted on ``frequency``, ``recency`` and ``T``.

    Customers with a ``weight`` column count that many times (compressed input such as
    ``load_donations``); otherwise each row is one customer.
    """

    _data_columns = ("frequency", "recency", "T")

    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:
        check_columns(data, self._data_columns, self._model_name)
        x = numeric_column(data, "frequency", integer=True)
        tx = numeric_column(data, "recency")
        T = numeric_column(data, "T")
        bad = tx > T * (1 + 1e-12) + 1e-12
        if bad.any():
            rows = _rows(bad, data.index)
            raise DataError(
                f"column 'recency' exceeds 'T' at rows {rows}; recency is the time from first to "
                "last purchase and cannot exceed the customer's age T. Recompute the summary.",
                column="recency",
                rows=rows,
            )
        bad = (x > 0) & (tx <= 0)
        if bad.any():
            rows = _rows(bad, data.index)
            raise DataError(
                f"column 'recency' is 0 for customers with repeat purchases at rows {rows}; "
                "repeat purchases happen after the first one (recency > 0).",
                column="recency",
                rows=rows,
            )
        # T = 0 (first purchase on the last day of the window) is allowed: with no repeat
        # purchase possible such a customer has likelihood 1 and informs nothing.
        return x, np.minimum(tx, T), T

    def fit(
        self,
        summary: pd.DataFrame,
        *,
        weight: str | None = "weight",
        initial_params: Sequence[float] | None = None,
        max_iter: int = 2000,
    ):
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        summary : DataFrame
            One row per customer (or per distinct pattern with a ``weight``) with columns
            ``frequency`` (repeat purchases, whole numbers), ``recency`` (time of the last
            repeat purchase since the first, 0 if none) and ``T`` (time since the first
            purchase to the end of the window), all in one time unit, as returned by
            ``crmlab.rfm.rfm_summary``. Other columns are ignored.
        weight : str or None, default "weight"
            Column of counts used when present (rows standing for that many customers).
        initial_params : sequence of float, optional
            Starting values in the order of ``params_``; a data-based guess otherwise.
        max_iter : int, default 2000
            Iteration limit of the optimiser.

        Returns
        -------
        self
        """
        data = self._extract(summary)
        w = weight_column(summary, weight)
        self._fit_arrays(data, w, initial_params, max_iter)
        self._fitted_data = data
        self._fitted_index = summary.index
        return self

    def _start(self, data, w):
        x, _, T = data
        rate = max(dot(w, x) / dot(w, T), 1e-3)
        return self._start_from_rate(rate, dot(w, T) / float(w.sum()))

    def _start_from_rate(self, rate: float, mean_T: float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _customers(self, data: pd.DataFrame | None):
        """(frequency, recency, T) arrays and index of ``data`` or of the fitted customers."""
        self._check_fitted()
        if data is None:
            return (*self._fitted_data, self._fitted_index)
        return (*self._extract(data), data.index)


def per_unique_row(func, *columns: np.ndarray) -> np.ndarray:
    """Evaluate ``func`` on the distinct rows of ``columns`` and expand back to every row.

    ``func`` receives the distinct columns (1-d arrays) and returns an array whose last axis
    runs over them (leading axes, e.g. parameter draws, are kept).
    """
    if len(columns[0]) == 0:
        return np.asarray(func(*columns))
    unique, inverse = unique_rows(np.column_stack(columns))
    out = np.asarray(func(*(unique[:, j] for j in range(unique.shape[1]))))
    return out[..., inverse]
