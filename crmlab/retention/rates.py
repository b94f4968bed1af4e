"""Retention and churn rates of a purchase log by calendar period, and overdue customers.

A customer is *active* in a calendar period when she buys at least once in it. The customer
retention rate of period ``t`` (Gupta & Lehmann 2005, ch. 2; Blattberg, Kim & Neslin 2008,
ch. 5) is

.. math:: CRR_t = \\frac{|A_t \\cap A_{t-1}|}{|A_{t-1}|}, \\qquad churn_t = 1 - CRR_t,

with ``A_t`` the customers active in ``t``. In a non-contractual setting (a shop), "retained"
means "bought again in the next period": a customer who skips a period and comes back counts as
lost in that period and *reactivated* later.

References
----------
Blattberg, R. C., Kim, B.-D. and Neslin, S. A. (2008). Database Marketing: Analyzing and Managing
Customers. Springer, chapter 5.
Gupta, S. and Lehmann, D. R. (2005). Managing Customers as Investments. Wharton School
Publishing, chapter 2.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_count, check_number, check_period
from crmlab.rfm import interpurchase_summary
from crmlab.transactions import check_transactions, to_day

__all__ = ["customer_periods", "overdue_customers", "retention_rates"]


def customer_periods(transactions: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    """The calendar periods in which each customer bought.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``).
    period : str, default "M"
        A pandas period alias ("W", "M", "Q", "Y", ...): a *calendar* period into which dates
        are grouped ("W" is a calendar week, "M" a calendar month), not a ``time_unit`` (a
        length in which durations are measured, where "W" is 7 days).

    Returns
    -------
    DataFrame
        One row per (customer, active period), sorted: ``customer_id``, ``period`` (Period
        dtype), ``cohort`` (the customer's first period), ``age`` (whole periods since the
        cohort: 0 for the first).
    """
    period = check_period(period, "period")
    frame = check_transactions(transactions, ("customer_id", "date"))
    out = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy(),
            "period": frame["date"].dt.to_period(period),
        }
    )
    out = out.drop_duplicates().sort_values(["customer_id", "period"], kind="mergesort")
    out = out.reset_index(drop=True)
    out["cohort"] = out.groupby("customer_id", sort=False)["period"].transform("min")
    out["age"] = out["period"].array.asi8 - out["cohort"].array.asi8
    return out


def retention_rates(transactions: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    """Active, retained, new and reactivated customers and the retention rate per period.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``).
    period : str, default "M"
        A pandas period alias ("W", "M", "Q", "Y", ...): a *calendar* period into which dates
        are grouped ("W" is a calendar week, "M" a calendar month), not a ``time_unit`` (a
        length in which durations are measured, where "W" is 7 days).

    Returns
    -------
    DataFrame
        Index ``period`` (Period dtype), every period from the first to the last purchase;
        columns:

        - ``active``: customers who bought in the period
        - ``retained``: of them, customers who also bought in the previous period
        - ``new``: customers whose first purchase is in the period
        - ``reactivated``: returning customers who skipped the previous period
          (``active = retained + new + reactivated``)
        - ``retention_rate``: ``retained / active of the previous period`` (CRR; NaN in the
          first period and after a period without customers)
        - ``churn_rate``: ``1 - retention_rate``
        - ``complete``: False for a period that the data end before the period's last day (its
          counts and rates are not comparable)
    """
    cp = customer_periods(transactions, period)
    codes = cp["period"].array.asi8
    previous = cp.groupby("customer_id", sort=False)["period"].shift(1)
    prev_codes = np.where(previous.isna(), np.iinfo(np.int64).min, previous.array.asi8)
    retained = prev_codes == codes - 1
    new = cp["age"].to_numpy() == 0
    first, last = int(codes.min()), int(codes.max())
    offset = codes - first
    n = last - first + 1
    active = np.bincount(offset, minlength=n)
    n_retained = np.bincount(offset, weights=retained, minlength=n).astype("int64")
    n_new = np.bincount(offset, weights=new, minlength=n).astype("int64")
    prev_active = np.concatenate([[0], active[:-1]]).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        crr = np.where(prev_active > 0, n_retained / prev_active, np.nan)
    index = pd.PeriodIndex.from_ordinals(np.arange(first, last + 1), freq=cp["period"].dtype.freq)
    index.name = "period"
    end = pd.Timestamp(transactions["date"].max()).normalize()
    complete = (index.end_time.normalize() <= end) | (np.arange(n) < n - 1)
    return pd.DataFrame(
        {
            "active": active.astype("int64"),
            "retained": n_retained,
            "new": n_new,
            "reactivated": active.astype("int64") - n_retained - n_new,
            "retention_rate": crr,
            "churn_rate": 1.0 - crr,
            "complete": complete,
        },
        index=index,
    )


def overdue_customers(
    transactions: pd.DataFrame,
    multiple: float = 1.5,
    observation_end: Any = None,
    time_unit: str = "D",
    min_purchases: int = 2,
) -> pd.DataFrame:
    """Flag customers whose time since the last purchase exceeds their usual gap.

    A customer is *overdue* when ``time_since_last > multiple * median_gap``, her median
    interpurchase time (computed with :func:`crmlab.rfm.interpurchase_summary`). The rule is the
    managerial reading of recency relative to one's own purchase rhythm (Schmittlein, Morrison
    & Colombo 1987 make it formal in the Pareto/NBD's P(alive)).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract.
    multiple : float, default 1.5
        How many usual gaps may pass before a customer counts as overdue (> 0).
    observation_end : date-like, optional
        Day from which time since the last purchase is measured. Default: last date in the data.
    time_unit : {"D", "W", "M"}, default "D"
        Unit of the gaps and of ``time_since_last``: a *length* (days, weeks of 7 days,
        fractional calendar months), not a calendar ``period``.
    min_purchases : int, default 2
        Customers with fewer purchase days have no usual gap (one-time buyers have none at all):
        their ``overdue`` is NA (pandas' missing boolean), never silently False, and ``status``
        says why.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer); the columns of
        :func:`crmlab.rfm.interpurchase_summary` plus ``threshold`` (``multiple * median_gap``),
        ``overdue_ratio`` (``time_since_last / median_gap``), ``overdue`` (boolean, NA without a
        usual gap) and ``status``: "overdue", "on schedule" or "too few purchases".
    """
    multiple = check_number(multiple, "multiple", low=0.0, low_open=True)
    min_purchases = check_count(min_purchases, "min_purchases", minimum=2)
    if observation_end is not None:
        observation_end = to_day(observation_end, "observation_end")
    out = interpurchase_summary(transactions, observation_end=observation_end, time_unit=time_unit)
    enough = (out["n_gaps"] + 1 >= int(min_purchases)).to_numpy() & out["median_gap"].gt(
        0
    ).to_numpy()
    median = out["median_gap"].where(enough)
    out["threshold"] = float(multiple) * median
    out["overdue_ratio"] = out["time_since_last"] / median
    flag = pd.array(out["time_since_last"] > out["threshold"], dtype="boolean")
    flag[~enough] = pd.NA
    out["overdue"] = flag
    out["status"] = np.where(
        ~enough, "too few purchases", np.where(flag.fillna(False), "overdue", "on schedule")
    )
    return out
