"""How the lifetimes of a purchase log move with the assumed churn threshold.

In a purchase log churn is inferred: a customer counts as churned when no purchase follows her
last one for ``inactivity_threshold`` days (:func:`crmlab.retention.churn_durations`). A shorter
threshold calls more customers churned, earlier; a longer one censors more of them. The
lifetimes a notebook reports rest on that assumed number, so it quotes them at other thresholds
as well (a one-way sensitivity analysis), at one common horizon so the restricted means compare.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_number
from crmlab.retention.survival import churn_durations, durations_by_segment

__all__ = ["churn_threshold_sensitivity", "label_durations"]


def churn_threshold_sensitivity(
    transactions: pd.DataFrame,
    inactivity_threshold: float,
    thresholds: Sequence[float] | None = None,
    horizon: float | None = None,
    observation_end: Any = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Churned share, median and restricted mean lifetime at several churn thresholds.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract.
    inactivity_threshold : float
        The assumed threshold (days, > 0): the first row.
    thresholds : sequence of float, optional
        Other thresholds to try (days, > 0). Default: half and twice the assumed one.
    horizon : float, optional
        Horizon of the restricted means (days), the same for every threshold. Default: the
        longest duration observed at the assumed threshold (as
        :func:`~crmlab.retention.durations_by_segment` chooses it for all customers).
    observation_end : date-like, optional
        As in :func:`~crmlab.retention.churn_durations`.
    alpha : float, default 0.05
        Significance level of the intervals.

    Returns
    -------
    DataFrame
        Index ``threshold`` (days; the assumed one first); columns ``assumed`` (bool),
        ``customers``, ``churned``, ``churned_share``, ``median`` (Kaplan-Meier median lifetime,
        days; NaN when not reached), ``horizon``, ``rmst``, ``rmst_lower``, ``rmst_upper``
        (restricted mean lifetime up to the common horizon, with its interval).
    """
    base = check_number(inactivity_threshold, "inactivity_threshold", low=0.0, low_open=True)
    if thresholds is None:
        others = [base / 2, base * 2]
    else:
        others = [check_number(t, "thresholds", low=0.0, low_open=True) for t in thresholds]
    values = [base, *[t for t in others if t != base]]
    tables = []
    for threshold in values:
        durations = churn_durations(transactions, threshold, observation_end=observation_end)
        if horizon is None:
            horizon = float(durations["duration"].max())
        row = durations_by_segment(durations, None, horizon=horizon, alpha=alpha).iloc[0]
        tables.append(
            {
                "threshold": threshold,
                "assumed": threshold == base,
                "customers": int(row["customers"]),
                "churned": int(row["churned"]),
                "churned_share": float(row["churned"]) / float(row["customers"]),
                "median": float(row["median"]) if pd.notna(row["median"]) else np.nan,
                "horizon": float(row["horizon"]),
                "rmst": float(row["rmst"]),
                "rmst_lower": float(row["rmst_lower"]),
                "rmst_upper": float(row["rmst_upper"]),
            }
        )
    return pd.DataFrame(tables).set_index("threshold")


#: Columns of the lifetime tables that hold lengths of time.
_DURATION_COLUMNS = (
    "median",
    "median_lower",
    "median_upper",
    "horizon",
    "rmst",
    "rmst_se",
    "rmst_lower",
    "rmst_upper",
)


def label_durations(table: pd.DataFrame, unit: str = "days") -> pd.DataFrame:
    """A copy of a lifetime table for display, its time columns labelled with their unit.

    Parameters
    ----------
    table : DataFrame
        :func:`~crmlab.retention.durations_by_segment` or :func:`churn_threshold_sensitivity`
        output.
    unit : str, default "days"
        The unit of the durations.

    Returns
    -------
    DataFrame
        The same values; ``median`` becomes ``median (days)``, and so on for the medians'
        bounds, the horizon and the restricted means; an index named ``threshold`` becomes
        ``threshold (days)``. The original table (which the findings read) is not changed.
    """
    out = table.rename(columns={c: f"{c} ({unit})" for c in _DURATION_COLUMNS if c in table})
    if out.index.name == "threshold":
        out.index = out.index.rename(f"threshold ({unit})")
    return out
