"""The customer summary in pandas, for transactions that fit in memory.

The reference implementation the DuckDB and Spark engines reproduce (same contract, same table):
transactions are checked (:func:`crmlab.transactions.check_transactions`), cut to the
observation window and aggregated to customer-days, then to customers (Fader, Hardie & Lee 2005,
the (x, t_x, T) summary).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from crmlab import io
from crmlab.transactions import (
    REQUIRED,
    check_time_unit,
    check_transactions,
    daily,
    elapsed,
    resolve_window,
)

__all__ = ["rfm_summary"]


def rfm_summary(
    transactions: pd.DataFrame,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    returns: str | None = None,
    regularity: bool = False,
) -> pd.DataFrame:
    """:func:`crmlab.rfm.rfm_summary` of a pandas DataFrame (see there for the parameters and
    the returned table). ``returns=None`` takes the amounts as they are (the frame was read)."""
    if columns is not None and isinstance(transactions, pd.DataFrame):
        io.map_columns(list(transactions.columns), columns, REQUIRED)  # the checks of files
        transactions = transactions.rename(columns=dict(columns))
    time_unit = check_time_unit(time_unit)
    frame = check_transactions(transactions)
    if returns is not None:
        frame = frame.loc[
            io.check_returns(frame, (frame["amount"] < 0).to_numpy(), returns, stacklevel=4)
        ]
    obs_end, cal_end = resolve_window(
        frame["date"].min() if len(frame) else None,
        frame["date"].max() if len(frame) else None,
        len(frame),
        calibration_end,
        observation_end,
        time_unit,
    )
    window_end = obs_end if cal_end is None else cal_end

    days = daily(frame.loc[frame["date"] <= obs_end])
    in_window = days["date"] <= window_end
    cal = days.loc[in_window]
    grouped = cal.groupby("customer_id", sort=True)
    stats = grouped.agg(
        first=("date", "min"),
        last=("date", "max"),
        days=("date", "size"),
        total=("amount", "sum"),
        first_amount=("amount", "first"),
    )
    frequency = (stats["days"] - 1).astype(float)
    repeat_total = stats["total"] - stats["first_amount"]
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_total / frequency.where(frequency > 0, 1), 0.0)
    out = pd.DataFrame(
        {
            "frequency": frequency.to_numpy(),
            "recency": elapsed(stats["first"], stats["last"], time_unit),
            "T": elapsed(stats["first"], window_end, time_unit),
            "monetary_value": np.asarray(monetary, dtype=float),
        },
        index=stats.index,
    )
    if regularity:
        out["litt"] = _litt(cal, time_unit).reindex(out.index).fillna(0.0).to_numpy(dtype=float)
    n_excluded = 0
    if cal_end is not None:
        hold = days.loc[~in_window]
        hstats = hold.groupby("customer_id", sort=True)["amount"].agg(["size", "mean"])
        n_excluded = int((~hstats.index.isin(out.index)).sum())
        hstats = hstats.reindex(out.index)
        out["frequency_holdout"] = hstats["size"].fillna(0).to_numpy(dtype=float)
        out["monetary_value_holdout"] = hstats["mean"].fillna(0).to_numpy(dtype=float)
        out["duration_holdout"] = float(elapsed(cal_end, obs_end, time_unit)[0])
    out.index.name = "customer_id"
    out.attrs = {
        "time_unit": time_unit,
        "calibration_end": cal_end,
        "observation_end": obs_end,
        "n_customers_excluded": n_excluded,
    }
    return out


def _litt(days: pd.DataFrame, time_unit: str) -> pd.Series:
    """Sum of the logs of each customer's inter-purchase times (BTYDplus' ``litt``).

    ``days`` holds one row per customer-day, sorted by customer and date; the times between
    consecutive purchase days are measured in ``time_unit`` (0 for a customer without repeats).
    """
    ordered = days.sort_values(["customer_id", "date"])
    previous = ordered.groupby("customer_id", sort=False)["date"].shift()
    has_previous = previous.notna().to_numpy()
    gaps = elapsed(
        pd.DatetimeIndex(previous[has_previous]),
        pd.DatetimeIndex(ordered["date"][has_previous]),
        time_unit,
    )
    ids = ordered["customer_id"].to_numpy()[has_previous]
    return pd.Series(np.log(gaps), index=ids).groupby(level=0, sort=True).sum()
