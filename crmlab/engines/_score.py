"""Scoring a batch of customer summaries with fitted models (shared by the engines)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

from crmlab.clv.base import check_horizon
from crmlab.clv.value import customer_lifetime_value
from crmlab.errors import NotFittedError, ParameterError
from crmlab.transactions import TIME_UNITS

__all__ = ["detached", "score_batch", "score_columns", "score_distinct"]

# Training data a fitted model keeps for ``data=None`` predictions. The models do not yet offer
# a public copy without it (the accessor the engines need: ``model.without_data()``); until they
# do, the copy drops these instance attributes by name.
_FITTED_DATA = ("_fitted_data", "_fitted_index")


def detached(model):
    """A shallow copy of a fitted model without its training data (small to pickle and ship).

    Predictions with ``data=`` given only read the parameters, so the copy scores new tables
    exactly as the original.
    """
    if model is None:
        return None
    if not hasattr(model, "params_"):
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet: call fit(summary) before scoring."
        )
    without = getattr(model, "without_data", None)
    if callable(without):
        return without()
    light = copy.copy(model)
    for name in _FITTED_DATA:
        light.__dict__.pop(name, None)
    return light


def score_columns(spend_model) -> list[str]:
    """Names of the score columns (after ``customer_id``)."""
    cols = ["p_alive", "expected_purchases"]
    return [*cols, "clv"] if spend_model is not None else cols


def check_options(horizon, discount_rate, time_unit) -> None:
    check_horizon(horizon, "horizon")
    if not np.isfinite(float(horizon)) or not float(horizon) > 0:
        raise ParameterError(
            f"horizon must be finite and > 0, got {horizon!r}.", parameter="horizon"
        )
    if time_unit not in TIME_UNITS:
        raise ParameterError(
            f"time_unit must be one of {', '.join(TIME_UNITS)} (that of the summary), got "
            f"{time_unit!r}.",
            parameter="time_unit",
        )
    if not np.isfinite(float(discount_rate)) or float(discount_rate) < 0:
        raise ParameterError(
            f"discount_rate must be >= 0 (annual), got {discount_rate!r}.",
            parameter="discount_rate",
        )


def score_batch(
    summary: pd.DataFrame,
    transaction_model,
    spend_model,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    margin_rate: float,
) -> pd.DataFrame:
    """Scores of the customers of ``summary`` (index customer_id) as columns.

    ``p_alive`` is the model's ``probability_alive``, ``expected_purchases`` its
    ``conditional_expected_purchases(horizon)`` and ``clv`` (with a spend model)
    :func:`crmlab.clv.customer_lifetime_value`'s ``clv``.
    """
    out = pd.DataFrame(index=summary.index)
    if len(summary) == 0:
        for col in score_columns(spend_model):
            out[col] = np.zeros(0)
        return out
    out["p_alive"] = transaction_model.probability_alive(summary).to_numpy(dtype=float)
    if spend_model is None:
        purchases = transaction_model.conditional_expected_purchases(horizon, summary)
        out["expected_purchases"] = np.asarray(purchases, dtype=float)
    else:
        value = customer_lifetime_value(
            transaction_model,
            spend_model,
            summary,
            horizon,
            discount_rate,
            time_unit,
            margin_rate,
        )
        out["expected_purchases"] = value["expected_purchases"].to_numpy(dtype=float)
        out["clv"] = value["clv"].to_numpy(dtype=float)
    return out


def score_distinct(
    rows: pd.DataFrame,
    transaction_model,
    spend_model,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    *,
    with_dert: bool = False,
) -> pd.DataFrame:
    """Scores of distinct summary rows (a RangeIndex; one model at a time), as columns.

    With ``transaction_model``: ``p_alive`` and ``expected_purchases`` (its
    ``probability_alive`` and ``conditional_expected_purchases(horizon)``) and, with
    ``with_dert``, ``expected_purchases`` and ``dert`` from
    :func:`crmlab.clv.customer_lifetime_value` (discounted expected transactions). With
    ``spend_model``: ``expected_spend`` (its ``expected_average_spend``). The engines join these
    back to the customers; ``clv`` is then ``margin_rate * expected_spend * dert``, as
    :func:`~crmlab.clv.customer_lifetime_value` computes it.
    """
    out = pd.DataFrame(index=rows.index)
    if spend_model is not None:
        if len(rows):
            spend = spend_model.expected_average_spend(rows).to_numpy(dtype=float)
        else:
            spend = np.zeros(0)
        out["expected_spend"] = spend
        return out
    if len(rows) == 0:
        for col in ["p_alive", "expected_purchases"] + (["dert"] if with_dert else []):
            out[col] = np.zeros(0)
        return out
    out["p_alive"] = transaction_model.probability_alive(rows).to_numpy(dtype=float)
    if with_dert:
        value = customer_lifetime_value(
            transaction_model, None, rows, horizon, discount_rate, time_unit, 1.0
        )
        out["expected_purchases"] = value["expected_purchases"].to_numpy(dtype=float)
        out["dert"] = value["dert"].to_numpy(dtype=float)
    else:
        purchases = transaction_model.conditional_expected_purchases(horizon, rows)
        out["expected_purchases"] = np.asarray(purchases, dtype=float)
    return out
