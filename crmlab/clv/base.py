"""The CLV layer on the estimation base: customer-summary data and shared predictions.

Every model is fitted by :class:`crmlab.estimation.MaximumLikelihoodModel` (optimisation in
the log of the parameters on the distinct rows, Newton polish, Hessian, delta method, summary,
draws). This module adds what the buy-till-you-die models share: reading and checking a
customer summary (:class:`SummaryModel`), the ``frequency``/``recency``/``T`` models
(:class:`TransactionModel`), horizon and count checks for predictions, and evaluation on
distinct rows (:func:`per_unique_row`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.errors import ConvergenceError, DataError, ParameterError
from crmlab.estimation import (
    FitData,
    MaximumLikelihoodModel,
    compress,
    distinct_rows,
    dot,
    unique_rows,
)

__all__ = [
    "BaseModel",
    "SummaryModel",
    "TransactionModel",
    "check_columns",
    "check_counts",
    "check_horizon",
    "check_purchase_number",
    "check_times",
    "compress",
    "dot",
    "numeric_column",
    "per_unique_row",
    "unique_rows",
    "weight_column",
]

#: The estimation base under its former name (``crmlab.clv.base.BaseModel``).
BaseModel = MaximumLikelihoodModel


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


def check_times(t, name: str = "t") -> np.ndarray:
    """Lengths of time as a float array, checked finite and >= 0 (ParameterError)."""
    try:
        arr = np.asarray(t, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be lengths of time >= 0 in the model's time unit, got {t!r}.",
            parameter=name,
        ) from exc
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        shown = np.atleast_1d(arr)[np.atleast_1d(bad)][:5].tolist()
        raise ParameterError(
            f"{name} must be finite lengths of time >= 0 in the model's time unit; got {shown}.",
            parameter=name,
        )
    return arr


def check_counts(k, name: str = "k") -> np.ndarray:
    """Numbers of purchases as a float array, checked whole and >= 0 (ParameterError)."""
    try:
        arr = np.asarray(k, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} must be whole numbers of purchases >= 0, got {k!r}.", parameter=name
        ) from exc
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
    if bad.any():
        shown = np.atleast_1d(arr)[np.atleast_1d(bad)][:5].tolist()
        raise ParameterError(
            f"{name} must be whole numbers of purchases >= 0 (a probability of {shown} "
            "purchases is not defined); pass e.g. k=np.arange(10).",
            parameter=name,
        )
    return arr


def check_purchase_number(n, name: str = "n") -> int:
    """One whole number of purchases >= 0 (:func:`check_counts`, and a single value)."""
    value = check_counts(n, name)
    if np.ndim(value) != 0:
        raise ParameterError(f"{name} must be one whole number of purchases.", parameter=name)
    return int(value)


def weight_column(data: pd.DataFrame, weight: str | None) -> np.ndarray:
    """Customer counts per row: the ``weight`` column when present, else ones."""
    if weight is None or weight not in data.columns:
        return np.ones(len(data))
    return numeric_column(data, weight)


class SummaryModel(MaximumLikelihoodModel):
    """A model fitted on a customer summary (one row per customer, or per pattern with a weight).

    Subclasses define ``_extract`` (check the summary and return the data columns), used for
    the fit and for predictions on new customers alike.
    """

    def _extract(self, data: pd.DataFrame) -> tuple[np.ndarray, ...]:  # pragma: no cover
        raise NotImplementedError

    def _fit_data(self, data: pd.DataFrame, weight: str | None) -> FitData:
        self._pending_time_unit = _time_unit_of(data)
        arrays = self._extract(data)
        present = weight is not None and weight in data.columns
        return FitData(
            arrays,
            weight_column(data, weight),
            data.index,
            weight_column=weight if present else None,
        )

    def _customers(self, data: pd.DataFrame | None):
        """Data arrays and index of ``data``, or of the fitted customers when None."""
        self._check_fitted()
        if data is None:
            if getattr(self, "_fitted_data", None) is None:
                raise DataError(
                    f"{self._model_name}: this model was loaded from a file without its data, "
                    "so there are no fitted customers to predict for; pass the customer summary "
                    "(data=...).",
                )
            return (*self._fitted_data, self._fitted_index)
        self.check_time_unit(data)
        return (*self._extract(data), data.index)


def _time_unit_of(data) -> str | None:
    """The ``time_unit`` a summary carries in its ``attrs`` (None when it carries none)."""
    attrs = getattr(data, "attrs", None) or {}
    unit = attrs.get("time_unit")
    return unit if isinstance(unit, str) else None


class TransactionModel(SummaryModel):
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

    def _check_data(self, data, w) -> None:
        x, _, T = data
        if not np.any(T > 0):
            raise DataError(
                f"{self._model_name}: column 'T' is 0 for every customer (all first purchases on "
                "the last day of the window), so no repeat purchase could be observed and there "
                "is nothing to fit. Move the end of the calibration window later, or check the "
                "time unit of the summary.",
                column="T",
            )
        if not np.any(x > 0):
            raise ConvergenceError(
                f"{self._model_name}: no customer has a repeat purchase (column 'frequency' is 0 "
                "everywhere), so the purchase and drop-out processes cannot be told apart: the "
                "data cannot identify the model (no_repeat_customers), and a penalizer does not "
                "help. Use a longer calibration window or more customers.",
                reason="no_repeat_customers",
                parameter=None,
            )

    def expected_purchases_new_customer(self, t, params=None):
        """Expected repeat purchases in ``(0, t]`` of a customer acquired at time 0.

        ``t`` in the model's time unit (a number or an array); with ``params`` (draws) one row
        per draw.
        """
        own = type(self).expected_purchases
        if own is not TransactionModel.expected_purchases:  # a model not renamed yet
            return own(self, t, params=params)
        raise NotImplementedError  # pragma: no cover

    def expected_purchases(self, t, params=None):
        """Deprecated: :meth:`expected_purchases_new_customer` (a customer acquired at 0).

        Renamed because pymc-marketing's ``expected_purchases`` means existing customers
        (crmlab's :meth:`conditional_expected_purchases`).
        """
        warnings.warn(
            f"{type(self).__name__}.expected_purchases(t) is deprecated: it is the expectation "
            "for a new customer, now expected_purchases_new_customer(t); for existing customers "
            "use conditional_expected_purchases(t, data).",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.expected_purchases_new_customer(t, params=params)

    def _start(self, data, w):
        x, _, T = data
        rate = max(dot(w, x) / dot(w, T), 1e-3)
        return self._start_from_rate(rate, dot(w, T) / float(w.sum()))

    def _start_from_rate(self, rate: float, mean_T: float) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError


def per_unique_row(func, *columns: np.ndarray) -> np.ndarray:
    """Evaluate ``func`` on the distinct rows of ``columns`` and expand back to every row.

    ``func`` receives the distinct columns (1-d arrays) and returns an array whose last axis
    runs over them (leading axes, e.g. parameter draws, are kept).
    """
    if len(columns[0]) == 0:
        return np.asarray(func(*columns))
    unique, inverse = distinct_rows(*(np.asarray(c, dtype=float) for c in columns))
    out = np.asarray(func(*unique))
    return out[..., inverse]
