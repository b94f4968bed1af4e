"""Static covariates for the buy-till-you-die models (one machinery for every model).

A customer's covariates ``z_i`` (columns of the customer summary, one row per customer) scale the
gamma (or beta) parameters of the two processes, as CLVTools parameterises them (Meierer,
Näf and Bachmann 2025; Fader and Hardie 2007, note 019):

- Pareto/NBD and GGom/NBD: ``alpha_i = alpha exp(-g_p . z_i)``, ``beta_i = beta exp(-g_d . z_i)``
  (a positive coefficient raises the purchase or the drop-out rate);
- BG/NBD: ``alpha_i = alpha exp(-g_p . z_i)``, ``a_i = a exp(g_d . z_i)``,
  ``b_i = b exp(g_d . z_i)``.

The model keeps its own per-row likelihood with gradients with respect to the (per-row) base
parameters; :class:`CovariateModel` turns those into the likelihood of the base parameters and
the coefficients by the chain rule, so gradients stay analytic. Identical
``(x, t_x, T, z)`` rows are compressed by the estimation base (covariates are data columns).

Options: ``covariate_penalizer`` (L2 penalty ``lambda * sum(g ** 2)`` on the coefficients only,
added to the negative mean log-likelihood, as ``penalizer`` is), and
``constrain_covariates`` (covariates whose coefficient is one and the same in both processes,
CLVTools' ``names.cov.constr``).

Categorical covariates (object, category, bool or string columns) enter as dummies of their
levels (the first level dropped); a constant column (no information, and a coefficient the data
cannot identify) is refused with a :class:`~crmlab.errors.DataError` naming it.

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). Incorporating Time-Invariant Covariates into the
Pareto/NBD and BG/NBD Models. http://brucehardie.com/notes/019/
Meierer, P., Näf, J. and Bachmann, P. (2025). CLVTools: Tools for Customer Lifetime Value
Estimation, R package 0.12.1 (documentation of ``SetStaticCovariates``, ``reg.lambdas``,
``names.cov.constr``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.clv.base import check_columns, check_counts, check_horizon, check_times, per_unique_row
from crmlab.errors import DataError, ParameterError
from crmlab.estimation import FitData, check_penalizer

__all__ = [
    "CovariateDispatch",
    "CovariateModel",
    "ParameterSetPredictions",
    "covariate_matrix",
]

PROCESSES = ("purchase", "dropout")


def _names(value: Any, parameter: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    try:
        names = list(value)
    except TypeError as exc:
        raise ParameterError(
            f"{parameter} must be a list of column names, got {value!r}.", parameter=parameter
        ) from exc
    bad = [v for v in names if not isinstance(v, str)]
    if bad or len(set(names)) != len(names):
        raise ParameterError(
            f"{parameter} must be distinct column names (strings), got {names!r}.",
            parameter=parameter,
        )
    return names


def covariate_matrix(
    data: pd.DataFrame, columns: Sequence[str], model: str, levels: dict | None = None
) -> tuple[np.ndarray, list[str], dict]:
    """Numeric design matrix of covariate ``columns``, categorical columns as dummies.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    columns : sequence of str
        Covariate columns.
    model : str
        Model name for messages.
    levels : dict, optional
        Levels of each categorical column seen in the fit (``{column: [levels]}``); new data
        are coded with the fitted levels (an unseen level is a DataError). None in the fit.

    Returns
    -------
    (ndarray, list of str, dict)
        The matrix (n, k), the names of its columns (``column`` or ``column[level]``) and the
        levels of every categorical column.
    """
    check_columns(data, list(columns), model)
    fitting = levels is None
    levels = {} if levels is None else levels
    blocks, names = [], []
    for col in columns:
        series = data[col]
        categorical = col in levels or not (
            pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        )
        if categorical:
            if series.isna().any():
                rows = list(data.index[series.isna().to_numpy()][:5])
                raise DataError(
                    f"{model}: covariate column '{col}' has missing values at rows {rows}; "
                    "drop or fill them.",
                    column=col,
                    rows=rows,
                )
            if fitting:
                levels[col] = sorted(pd.unique(series).tolist(), key=str)
            known = levels[col]
            unseen = ~series.isin(known).to_numpy()
            if unseen.any():
                rows = list(data.index[unseen][:5])
                raise DataError(
                    f"{model}: covariate column '{col}' has levels the model was not fitted "
                    f"with at rows {rows} (fitted levels: {known}).",
                    column=col,
                    rows=rows,
                )
            if fitting and len(known) < 2:
                raise DataError(
                    f"{model}: covariate column '{col}' is constant ({known[0]!r} for every "
                    "customer), so its coefficient cannot be estimated; drop it from the "
                    "covariates.",
                    column=col,
                )
            for level in known[1:]:
                blocks.append((series == level).to_numpy(dtype=float))
                names.append(f"{col}[{level}]")
            continue
        values = series.to_numpy(dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            rows = list(data.index[bad][:5])
            raise DataError(
                f"{model}: covariate column '{col}' has missing or infinite values at rows "
                f"{rows}; drop or fill them.",
                column=col,
                rows=rows,
            )
        if fitting and len(values) and np.all(values == values[0]):
            raise DataError(
                f"{model}: covariate column '{col}' is constant ({values[0]:g} for every "
                "customer), so its coefficient cannot be estimated; drop it from the "
                "covariates.",
                column=col,
            )
        blocks.append(values)
        names.append(col)
    matrix = np.column_stack(blocks) if blocks else np.zeros((len(data), 0))
    return matrix, names, levels


class CovariateDispatch:
    """Base of a plain model whose covariate variant ``Model(purchase_covariates=...)`` builds.

    ``Model(purchase_covariates=[...], dropout_covariates=[...])`` returns an instance of the
    model's covariate variant (a subclass, so ``isinstance(m, Model)`` holds); without those
    options the plain model.
    """

    _covariate_variant: type | None = None

    def __new__(cls, *args, **kwargs):
        variant = cls._covariate_variant
        wants = any(k in kwargs for k in ("purchase_covariates", "dropout_covariates"))
        if variant is not None and wants and not issubclass(cls, CovariateModel):
            cls = variant
        return object.__new__(cls)


class ParameterSetPredictions:
    """Per-customer predictions under the estimates or each parameter draw, through one path.

    A model supplies ``_parameter_sets(data, params)``: a list of parameter sets (the
    estimates, or one per row of the ``draw_params`` frame), each in the order of the base
    parameters with scalars or one value per customer (covariates), then the data columns
    ``x, tx, T`` and the index. By default the sets of :class:`CovariateModel`. A model may
    override ``_expect(func, parameter_set, x, tx, T)`` (the correlated Pareto/NBD mixes
    components). A prediction is ``func(*parameter_set, x, tx, T)`` on the distinct rows of
    the data and per-customer parameters; with ``params`` draws (a DataFrame) an array
    (n_draws, n_customers), else a Series named ``name``.
    """

    #: CLV sums the conditional expectations step by step: a model's closed-form increments
    #: (``_discounted_increments``) take one parameter set for all customers, not these.
    _discounted_increments = None

    def _parameter_sets(self, data, params):
        return self._customer_parameter_sets(data, params)

    def _expect(self, func, parameter_set, x, tx, T):
        rows = [i for i, v in enumerate(parameter_set) if np.ndim(v)]
        cols = [np.broadcast_to(np.asarray(parameter_set[i], float), np.shape(x)) for i in rows]

        def one(x_, tx_, T_, *values):
            p = list(parameter_set)
            for i, v in zip(rows, values, strict=True):
                p[i] = v
            return func(*p, x_, tx_, T_)

        return per_unique_row(one, x, tx, T, *cols)

    def _predict(self, func, data, params, name):
        sets, x, tx, T, index = self._parameter_sets(data, params)
        rows = [self._expect(func, p, x, tx, T) for p in sets]
        if isinstance(params, pd.DataFrame):
            return np.vstack(rows)
        return pd.Series(rows[0], index=index, name=name)


class CovariateModel:
    """Mixin that adds static covariates to a summary model (put it first in the bases).

    The model class supplies:

    - ``_scaled``: ``{"purchase": ((param, sign), ...), "dropout": (...)}``, the base parameters
      each process's covariates scale, ``param_i = param * exp(sign * g . z_i)``;
    - ``_rows_loglik_grad(params, x, tx, T)``: per-row log-likelihood and its gradient with
      respect to the per-row base parameters ``params`` (a list of scalars or row arrays in
      the order of the base parameter names);
    - ``_new_customer_expected(params, t)`` and ``_new_customer_pmf(params, k, t)``
      (optional): expected purchases in ``(0, t]`` and P(X(t) = k) of a new customer with
      base parameters ``params`` (scalars), for :meth:`expected_purchases_new_customer` and
      :meth:`probability_of_purchases`.

    Parameters
    ----------
    purchase_covariates, dropout_covariates : list of str, optional
        Columns of the summary frame (one value per customer) that shift the purchase and the
        drop-out process.
    covariate_penalizer : float, default 0.0
        L2 penalty on the coefficients (added to the negative mean log-likelihood).
    constrain_covariates : list of str, optional
        Covariates (in both lists) whose coefficient is the same in both processes.
    penalizer, alpha, confidence_level
        As for the plain model.
    """

    _scaled: dict[str, tuple[tuple[str, int], ...]] = {}

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        covariate_penalizer: float = 0.0,
        constrain_covariates: Sequence[str] | None = None,
        alpha: float = 0.05,
        confidence_level: float | None = None,
    ) -> None:
        super().__init__(penalizer, alpha=alpha, confidence_level=confidence_level)
        self.purchase_covariates = _names(purchase_covariates, "purchase_covariates")
        self.dropout_covariates = _names(dropout_covariates, "dropout_covariates")
        self.covariate_penalizer = check_penalizer(covariate_penalizer)
        self.constrain_covariates = _names(constrain_covariates, "constrain_covariates")
        for col in self.constrain_covariates:
            if col not in self.purchase_covariates or col not in self.dropout_covariates:
                raise ParameterError(
                    f"constrain_covariates: '{col}' must be in both purchase_covariates and "
                    "dropout_covariates (its coefficient is shared by the two processes).",
                    parameter="constrain_covariates",
                )

    # -------------------------------------------------------------- design and names
    @property
    def _base_names(self) -> tuple[str, ...]:
        return type(self)._param_names

    def _design(self, data: pd.DataFrame, fitting: bool):
        """Covariate matrices of both processes (fitted levels reused for new data)."""
        levels = None if fitting else self._levels
        zp, np_, lp = covariate_matrix(data, self.purchase_covariates, self._model_name, levels)
        zd, nd, ld = covariate_matrix(data, self.dropout_covariates, self._model_name, levels)
        if fitting:
            self._levels = {**lp, **ld}
            self._cov_names = {"purchase": np_, "dropout": nd}
        return zp, zd

    def _coef_layout(self) -> None:
        """Coefficient parameter names and their map to (process, covariate) columns."""
        shared = set()
        for col in self.constrain_covariates:
            shared.update(n for n in self._cov_names["purchase"] if n.split("[")[0] == col)
        names, pos = [], {}
        for process in PROCESSES:
            for cov in self._cov_names[process]:
                key = f"both.{cov}" if cov in shared else f"{process}.{cov}"
                if key not in pos:
                    pos[key] = len(self._base_names) + len(names)
                    names.append(key)
        self._param_names = (*self._base_names, *names)
        self._free_params = tuple(names)
        self._coef_index = {
            process: np.array(
                [
                    pos[f"both.{c}"] if c in shared else pos[f"{process}.{c}"]
                    for c in self._cov_names[process]
                ],
                dtype=int,
            )
            for process in PROCESSES
        }

    def _fit_data(self, data: pd.DataFrame, weight: str | None) -> FitData:
        fd = super()._fit_data(data, weight)
        zp, zd = self._design(data, fitting=True)
        self._coef_layout()
        self._n_base_cols = len(fd.arrays)
        arrays = (*fd.arrays, *zp.T, *zd.T)
        return FitData(arrays, fd.weights, fd.index, weight_column=fd.weight_column)

    def _split(self, data):
        k = self._n_base_cols
        kp = len(self._cov_names["purchase"])
        base = data[:k]
        zp = np.column_stack(data[k : k + kp]) if kp else np.zeros((len(data[0]), 0))
        rest = data[k + kp :]
        zd = np.column_stack(rest) if rest else np.zeros((len(data[0]), 0))
        return base, zp, zd

    def _check_data(self, data, w) -> None:
        base, _, _ = self._split(data)
        super()._check_data(tuple(base), w)

    def _start(self, data, w):
        base, _, _ = self._split(data)
        start = np.asarray(super()._start(tuple(base), w), dtype=float)
        return np.concatenate([start, np.zeros(len(self._free_params))])

    def _prepare(self, data):
        base, zp, zd = self._split(data)
        return (tuple(base), zp, zd)

    # -------------------------------------------------------------- likelihood
    def _row_params(self, theta, zp, zd):
        """Per-row base parameters and the factors ``exp(sign g . z)`` of the scaled ones."""
        theta = np.asarray(theta, dtype=float)
        base = list(theta[: len(self._base_names)])
        factors = {}
        for process in PROCESSES:
            z = zp if process == "purchase" else zd
            g = theta[self._coef_index[process]]
            lin = z @ g if z.shape[1] else np.zeros(len(z))
            for name, sign in self._scaled[process]:
                j = self._base_names.index(name)
                f = np.exp(sign * lin)
                factors[j] = (f, sign, process)
                base[j] = theta[j] * f
        return base, factors

    def _total_loglik_grad(self, theta, data, w):
        (x, tx, T), zp, zd = data
        params, factors = self._row_params(theta, zp, zd)
        ll, g_rows = self._rows_loglik_grad(params, x, tx, T)
        grad = np.zeros(len(theta))
        wg = w[:, None] * g_rows
        for j in range(len(self._base_names)):
            if j in factors:
                f, sign, process = factors[j]
                grad[j] = np.sum(wg[:, j] * f)
                z = zp if process == "purchase" else zd
                if z.shape[1]:
                    # d param_i / d g = sign * param_i * z
                    contrib = (wg[:, j] * params[j] * sign) @ z
                    np.add.at(grad, self._coef_index[process], contrib)
            else:
                grad[j] = np.sum(wg[:, j])
        return float(np.sum(w * ll)), grad

    def _objective(self, x, data, w, total):
        value, g = super()._objective(x, data, w, total)
        if not np.isfinite(value) or not self.covariate_penalizer:
            return value, g
        free = ~self._is_log()
        value = value + self.covariate_penalizer * float(np.sum(x[free] ** 2))
        g = g + np.where(free, 2.0 * self.covariate_penalizer * x, 0.0)
        return value, g

    # -------------------------------------------------------------- fitted attributes
    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        if initial_params is not None:
            start = list(initial_params)
            if len(start) == len(self._base_names):
                start += [0.0] * len(self._free_params)
            initial_params = start
        super()._fit(fd, initial_params, max_iter)
        self._split_fitted()
        return self

    def _split_fitted(self) -> None:
        """Base parameters in ``params_``, coefficients in ``coefficients_`` (all in
        ``_all_params_``), from the working parameters and their covariance."""
        k = len(self._base_names)
        self._all_params_ = pd.Series(
            self._natural(self._working_params), index=list(self._param_names), name="coef"
        )
        self._all_se_ = self.standard_errors_
        self._all_ci_ = self.confidence_intervals_
        tuples = [(p, c) for p in PROCESSES for c in self._cov_names[p]]
        index = pd.MultiIndex.from_tuples(tuples, names=["process", "covariate"])
        order = np.concatenate([self._coef_index[p] for p in PROCESSES]).astype(int)
        self.params_ = self._all_params_.iloc[:k].copy()
        self.standard_errors_ = self._all_se_.iloc[:k].copy()
        self.confidence_intervals_ = self._all_ci_.iloc[:k].copy()
        self.coefficients_ = pd.Series(
            self._all_params_.to_numpy()[order], index=index, name="coef"
        )
        self.coefficient_standard_errors_ = pd.Series(
            self._all_se_.to_numpy()[order], index=index, name="se"
        )
        self.coefficient_intervals_ = pd.DataFrame(
            self._all_ci_.to_numpy()[order], index=index, columns=["lower", "upper"]
        )

    # -------------------------------------------------------------- save / load
    def _extra_state(self) -> dict:
        return {
            "param_names": list(self._param_names),
            "free_params": list(self._free_params),
            "cov_names": {p: list(v) for p, v in self._cov_names.items()},
            "coef_index": {p: [int(i) for i in v] for p, v in self._coef_index.items()},
            "levels": {c: list(v) for c, v in getattr(self, "_levels", {}).items()},
        }

    def _restore_extra_state(self, state: dict) -> None:
        self._param_names = tuple(state["param_names"])
        self._free_params = tuple(state["free_params"])
        self._cov_names = {p: list(v) for p, v in state["cov_names"].items()}
        self._coef_index = {p: np.asarray(v, dtype=int) for p, v in state["coef_index"].items()}
        self._levels = {c: list(v) for c, v in state["levels"].items()}
        self._fitted_cov = None
        self._restoring = True

    def _set_intervals(self) -> None:
        super()._set_intervals()
        if getattr(self, "_restoring", False):  # a loaded model: split as after the fit
            self._restoring = False
            self._split_fitted()

    def summary(self) -> pd.DataFrame:
        """Base parameters and coefficients: ``coef``, ``se``, ``lower``, ``upper``, ``p``.

        Coefficient rows are labelled ``purchase.<covariate>`` / ``dropout.<covariate>``
        (``p``: two-sided Wald test of a zero coefficient; NaN for the base parameters).
        """
        self._check_fitted()
        rows = pd.DataFrame(
            {
                "coef": self._all_params_,
                "se": self._all_se_,
                "lower": self._all_ci_["lower"],
                "upper": self._all_ci_["upper"],
            }
        )
        free = ~self._is_log()
        p = np.full(len(rows), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            p[free] = 2 * stats.norm.sf(np.abs(rows["coef"].to_numpy()[free] / rows["se"][free]))
        rows["p"] = p
        return rows

    def draw_params(self, n_draws: int, seed: int | None = 0) -> pd.DataFrame:
        """Draws of the base parameters and coefficients (columns as in ``summary()``)."""
        return super().draw_params(n_draws, seed)

    # -------------------------------------------------------------- predictions
    def _param_thetas(self, params) -> np.ndarray:
        """All parameters (fit's order) per set: the estimates, a Series or draws (rows)."""
        self._check_fitted()
        names = list(self._param_names)
        if params is None:
            thetas = self._all_params_.to_numpy()[None, :]
        elif isinstance(params, pd.Series):
            thetas = params.reindex(names).to_numpy(dtype=float)[None, :]
        elif isinstance(params, pd.DataFrame):
            thetas = params.reindex(columns=names).to_numpy(dtype=float)
        else:
            thetas = np.full((1, len(names)), np.nan)
        if not np.all(np.isfinite(thetas)):
            raise ParameterError(
                "params must be a Series or a DataFrame of draws (draw_params) with every "
                f"parameter of the fit: {names}.",
                parameter="params",
            )
        return thetas

    def _covariate_rows(self, data: pd.DataFrame | None):
        """``(x, t_x, T, z_purchase, z_dropout, index)`` of ``data``, or of the fitted customers
        when ``data`` is None (a DataError for a model loaded without its data)."""
        if data is None:
            self._customers(None)  # DataError when loaded without data
            x, tx, T, zp, zd = self._fitted_cov
            return x, tx, T, zp, zd, self._fitted_index
        self.check_time_unit(data)
        x, tx, T = self._extract(data)
        zp, zd = self._design(data, fitting=False)
        return x, tx, T, zp, zd, data.index

    def _customer_parameter_sets(self, data: pd.DataFrame | None, params):
        """Per-customer base parameters under the estimates or each draw, and the data.

        ``params``: None (the estimates), a Series or the DataFrame of :meth:`draw_params`
        (named as in ``summary()``). Returns ``(sets, x, tx, T, index)``, each set a list in
        the order of the base parameters: scalars, and per-customer arrays for the scaled ones.
        """
        thetas = self._param_thetas(params)
        x, tx, T, zp, zd, index = self._covariate_rows(data)
        sets = []
        for theta in thetas:
            base, _ = self._row_params(theta, zp, zd)
            sets.append([np.asarray(v, dtype=float) if np.ndim(v) else float(v) for v in base])
        return sets, x, tx, T, index

    def _new_customer_design(self, covariates):
        """Covariate rows (1, k) of a new customer from a mapping or a one-row frame."""
        names = list(dict.fromkeys([*self.purchase_covariates, *self.dropout_covariates]))
        if covariates is None:
            row = {}
        elif isinstance(covariates, pd.DataFrame):
            if len(covariates) != 1:
                raise ParameterError(
                    f"covariates must be one row (the new customer), got {len(covariates)} rows.",
                    parameter="covariates",
                )
            row = {c: covariates[c].iloc[0] for c in covariates.columns}
        elif isinstance(covariates, (Mapping, pd.Series)):
            row = dict(covariates)
        else:
            raise ParameterError(
                "covariates must be a mapping {covariate: value} or a one-row DataFrame, got "
                f"{type(covariates).__name__}.",
                parameter="covariates",
            )
        missing = [n for n in names if n not in row]
        if missing:
            raise ParameterError(
                f"{self._model_name}: a new customer's predictions depend on her covariates; "
                f"covariates= lacks {missing} (the model's covariates: {names}). Pass "
                "covariates={name: value, ...}; zeros describe the base customer of params_.",
                parameter="covariates",
            )
        frame = pd.DataFrame({n: [row[n]] for n in names})
        return self._design(frame, fitting=False)

    def new_customer_parameter_sets(self, covariates, params=None) -> pd.DataFrame:
        """Base parameters of a new customer with ``covariates``, one row per parameter set.

        Parameters
        ----------
        covariates : mapping or one-row DataFrame
            The new customer's value of every covariate (categorical ones as their levels).
        params : Series or DataFrame, optional
            Parameters or draws (:meth:`draw_params`); None: the estimates.

        Returns
        -------
        DataFrame
            Columns the base parameters (as ``params_``), e.g. ``alpha exp(-g_p . z)``.
        """
        thetas = self._param_thetas(params)
        zp, zd = self._new_customer_design(covariates)
        rows = []
        for theta in thetas:
            base, _ = self._row_params(theta, zp, zd)
            rows.append([float(np.ravel(v)[0]) for v in base])
        return pd.DataFrame(rows, columns=list(self._base_names))

    def expected_purchases_new_customer(
        self, t: float | np.ndarray, params=None, *, covariates=None
    ) -> np.ndarray:
        """Expected purchases in ``(0, t]`` of a new customer with the given ``covariates``.

        Parameters
        ----------
        t : float or array
            Lengths of time in the model's time unit.
        params : DataFrame, optional
            Parameter draws (:meth:`draw_params`); one row of output per draw.
        covariates : mapping or one-row DataFrame
            The new customer's value of every covariate (required: a ParameterError names
            the missing ones; zeros give the base customer of ``params_``).
        """
        func = getattr(self, "_new_customer_expected", None)
        if func is None:
            raise ParameterError(
                f"{self._model_name} has no new-customer expectation.", parameter="covariates"
            )
        t = check_times(t)
        sets = self.new_customer_parameter_sets(covariates, params)
        rows = [
            np.asarray(func(list(p), t), dtype=float).reshape(np.shape(t))
            for p in sets.itertuples(index=False)
        ]
        return np.stack(rows) if isinstance(params, pd.DataFrame) else rows[0]

    def probability_of_purchases(
        self, k: int | np.ndarray, t: float, *, covariates=None
    ) -> np.ndarray:
        """P(X(t) = k) for a new customer with the given ``covariates`` (required, as for
        :meth:`expected_purchases_new_customer`)."""
        func = getattr(self, "_new_customer_pmf", None)
        if func is None:
            raise ParameterError(
                f"{self._model_name} has no new-customer purchase distribution.",
                parameter="covariates",
            )
        k, t = check_counts(k), check_horizon(t)
        params = self.new_customer_parameter_sets(covariates).iloc[0]
        return func(list(params), k, t)

    def _after_fit_keep(self, fd) -> None:
        base, zp, zd = self._split(fd.arrays)
        self._fitted_cov = (*base, zp, zd)
        self._fitted_data = tuple(base)

    def fit(self, data, *, weight: str | None = "weight", initial_params=None, max_iter=2000):
        """Fit base parameters and coefficients by maximum likelihood (see the plain model).

        ``initial_params`` may give the base parameters only (coefficients start at 0) or
        every parameter in the order of ``summary()``.
        """
        fd = self._fit_data(data, weight)
        self._fit(fd, initial_params, max_iter)
        self._after_fit_keep(fd)
        return self

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self._all_params_.items())
            return f"{self._model_name}({inner}, n_customers={self.n_customers_})"
        return (
            f"{self._model_name}(purchase_covariates={self.purchase_covariates}, "
            f"dropout_covariates={self.dropout_covariates})"
        )
