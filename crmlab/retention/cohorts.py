"""Acquisition-cohort tables: how many of each cohort buy again 0, 1, 2, ... periods later.

Customers are grouped by the calendar period of their first purchase (their acquisition
cohort); cell ``(c, k)`` counts (or shares) the cohort's customers who bought in period
``c + k``. Reading down a column compares cohorts at the same age; reading along a row is the
cohort's activity curve (Blattberg, Kim & Neslin 2008, ch. 5; Gupta & Lehmann 2005, ch. 2).

References
----------
Blattberg, R. C., Kim, B.-D. and Neslin, S. A. (2008). Database Marketing: Analyzing and Managing
Customers. Springer, chapter 5.
Gupta, S. and Lehmann, D. R. (2005). Managing Customers as Investments. Wharton School
Publishing, chapter 2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.retention.rates import customer_periods

__all__ = ["cohort_counts_table", "cohort_retention_table", "cohort_sizes"]


def cohort_counts_table(transactions: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    """Active customers of each acquisition cohort by periods since acquisition.

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
        Index ``cohort`` (Period dtype: period of the first purchase); columns ``0, 1, 2, ...``
        (name ``periods_since_acquisition``); values: number of the cohort's customers who bought
        in that period (float64; column 0 is the cohort size; NaN where the period lies after the
        last period in the data, i.e. is not yet observable).
    """
    cp = customer_periods(transactions, period)
    cohort_codes = cp["cohort"].array.asi8
    first = int(cohort_codes.min())
    last = int(cp["period"].array.asi8.max())
    n = last - first + 1
    cells = np.zeros((n, n))
    np.add.at(cells, (cohort_codes - first, cp["age"].to_numpy()), 1.0)
    rows = np.arange(n)[:, None]
    cols = np.arange(n)[None, :]
    cells[rows + cols > n - 1] = np.nan
    present = np.unique(cohort_codes - first)
    index = pd.PeriodIndex.from_ordinals(first + present, freq=cp["period"].dtype.freq)
    index.name = "cohort"
    table = pd.DataFrame(cells[present], index=index)
    table.columns = pd.RangeIndex(n, name="periods_since_acquisition")
    return table


def cohort_sizes(transactions: pd.DataFrame, period: str = "M") -> pd.Series:
    """Customers acquired in each period (first purchase), as an int64 Series indexed by
    ``cohort`` (Period dtype), named ``customers``."""
    cp = customer_periods(transactions, period)
    sizes = cp.loc[cp["age"] == 0].groupby("cohort", sort=True).size()
    return sizes.rename("customers").astype("int64")


def cohort_retention_table(transactions: pd.DataFrame, period: str = "M") -> pd.DataFrame:
    """Share of each acquisition cohort active 0, 1, 2, ... periods after acquisition.

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
        :func:`cohort_counts_table` divided by the cohort sizes: index ``cohort``, columns
        ``0, 1, 2, ...``; column 0 is 1.0, NaN where not yet observable. Cohort sizes are in
        :func:`cohort_sizes` (and in column 0 of :func:`cohort_counts_table`). In a
        non-contractual setting the shares need not fall with age: a customer may skip periods.
    """
    counts = cohort_counts_table(transactions, period)
    return counts.div(counts[0], axis=0)
