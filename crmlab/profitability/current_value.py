"""The current value of each customer relationship: revenue and margin in the last period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab.profitability._common import (
    _line_margin,
)
from crmlab.transactions import check_transactions

__all__ = ["customer_current_value"]


def customer_current_value(
    transactions: pd.DataFrame,
    period_days: int = 91,
    margin_rates: Mapping[Any, float] | None = None,
    level: str = "category",
    default_rate: float | None = None,
    cost_column: str | None = None,
) -> pd.DataFrame:
    """Each customer's revenue and margin in the last ``period_days`` of the data.

    The *current value* of the relationship portfolio (:func:`crmlab.segments.relationship_
    portfolio`). Margins as in :func:`category_profitability`; with neither rates nor a cost
    column the margin equals revenue (``attrs["basis"] = "revenue"``).

    Parameters
    ----------
    transactions : DataFrame
        The contract (plus ``level``/``department`` for rates). Not modified.
    period_days : int
        Length of the last period, ending on the last date of the data.
    margin_rates, level, default_rate, cost_column
        As in :func:`category_profitability`.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer of the log); ``revenue`` and ``margin`` in the last
        period (0 for customers who did not buy in it), ``total_revenue`` (whole log).
        ``attrs``: ``basis`` (``"margin"`` or ``"revenue"``), ``period_start``.
    """
    frame = check_transactions(transactions)
    no_rates = cost_column is None and not margin_rates and default_rate is None
    if no_rates:
        margin = frame["amount"].to_numpy(dtype=float)
    else:
        margin = _line_margin(transactions, margin_rates, level, default_rate, cost_column)
        margin = np.nan_to_num(margin, nan=0.0)
    start = frame["date"].max() - pd.Timedelta(days=int(period_days) - 1)
    last = (frame["date"] >= start).to_numpy()
    work = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "revenue": np.where(last, frame["amount"].to_numpy(dtype=float), 0.0),
            "margin": np.where(last, margin, 0.0),
            "total_revenue": frame["amount"].to_numpy(dtype=float),
        }
    )
    out = work.groupby("customer_id", sort=True).sum()
    out.attrs.update(basis="revenue" if no_rates else "margin", period_start=start)
    return out
