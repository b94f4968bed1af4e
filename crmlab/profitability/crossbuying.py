"""Cross-buying: distinct categories per customer, its summary, and its link with retention.

Cross-buying is associated with higher revenue and longer relationships (Kumar, George & Pancras
2008; Reinartz & Kumar 2003).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError
from crmlab.transactions import check_transactions, labelled_transactions

__all__ = [
    "cross_buying",
    "cross_buying_retention",
    "cross_buying_summary",
    "labelled_transactions",
    "purchase_days",
]


def purchase_days(frame: pd.DataFrame) -> pd.Series:
    """Distinct purchase days per customer (index ``customer_id``, int64)."""
    days = frame.drop_duplicates(["customer_id", "date"]).groupby("customer_id", sort=True)
    return days.size().astype("int64")


def cross_buying(transactions: pd.DataFrame, category_column: str = "category") -> pd.DataFrame:
    """Number of distinct categories each customer buys in, with their revenue.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract with a category column. Not modified.
    category_column : str
        The column naming each line's product category.

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``n_categories`` (distinct categories bought, the
        cross-buying measure of Kumar, George & Pancras 2008), ``revenue`` (sum of amount),
        ``n_purchases`` (distinct purchase days).

    Raises
    ------
    DataError
        Without the category column (the message says how to add one from a product table) or
        with missing categories.
    """
    frame = labelled_transactions(
        transactions,
        category_column,
        "category",
        missing=(
            f"transactions have no '{category_column}' column, so cross-buying cannot be "
            f"measured (columns: {list(transactions.columns)}). Map your category column with "
            "crmlab.io.read_transactions(path, columns={'your_name': 'category'}), or build one "
            "from a product table: tx['category'] = tx['product'].map(product_to_category)."
        ),
        fill="fill them (for example with 'unknown') or drop those rows.",
    )
    grouped = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "n_categories": grouped["category"].nunique().astype("int64"),
            "revenue": grouped["amount"].sum().astype(float),
            "n_purchases": purchase_days(frame),
        }
    )
    out.index.name = "customer_id"
    return out


def cross_buying_summary(cross: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue by number of categories bought.

    Parameters
    ----------
    cross : DataFrame
        Output of :func:`cross_buying`.

    Returns
    -------
    DataFrame
        Index ``n_categories``; columns ``customers``, ``share`` (of customers), ``mean_revenue``,
        ``relative_revenue`` (mean revenue over that of one-category customers; NaN when nobody
        buys in a single category), ``mean_purchases`` and ``revenue_share``. The association is
        descriptive: heavier buyers buy more categories *and* more of everything (Kumar, George &
        Pancras 2008 model the causal drivers).
    """
    for col in ("n_categories", "revenue"):
        if col not in cross:
            raise DataError(
                f"cross lacks '{col}'; compute it with crmlab.profitability.cross_buying.",
                column=col,
            )
    g = cross.groupby("n_categories", sort=True)
    out = pd.DataFrame({"customers": g.size(), "mean_revenue": g["revenue"].mean()})
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    base = out["mean_revenue"].get(1, np.nan)
    out["relative_revenue"] = out["mean_revenue"] / base
    if "n_purchases" in cross:
        out["mean_purchases"] = g["n_purchases"].mean()
    out["revenue_share"] = g["revenue"].sum() / cross["revenue"].sum()
    out.index.name = "n_categories"
    return out


def cross_buying_retention(
    transactions: pd.DataFrame,
    category_column: str = "category",
    split_date: Any = None,
    n_groups: int = 5,
) -> pd.DataFrame:
    """Cross-buying depth against spend and retention.

    Depth (distinct categories bought, Kumar, George & Pancras 2008) and spend are measured up
    to ``split_date``; a customer is *retained* when they buy again after it (Reinartz & Kumar
    2003 relate breadth of buying to lifetime duration).

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``category_column``. Not modified.
    category_column : str
        Category column.
    split_date : date-like, optional
        End of the measurement window (inclusive). Default: the midpoint of the data's dates.
    n_groups : int
        Customers are grouped into up to ``n_groups`` depth groups at the depth quantiles
        (customers with equal depth are always in the same group).

    Returns
    -------
    DataFrame
        Index ``depth`` (interval of categories bought, e.g. ``"12-25"``), in increasing order;
        ``customers``, ``mean_categories``, ``mean_spend`` (before the split),
        ``retention`` (share buying after the split) and ``mean_spend_after``.
    """
    frame = check_transactions(transactions)
    dates = frame["date"]
    split = (
        dates.min() + (dates.max() - dates.min()) / 2
        if split_date is None
        else pd.Timestamp(split_date)
    )
    before = (dates <= split).to_numpy()
    cross = cross_buying(transactions.loc[before], category_column)
    after = frame.loc[~before].groupby("customer_id")["amount"].sum()
    cross["retained"] = cross.index.isin(after.index)
    cross["spend_after"] = after.reindex(cross.index).fillna(0.0).to_numpy()
    depth = cross["n_categories"].to_numpy()
    edges = np.unique(np.quantile(depth, np.linspace(0, 1, int(n_groups) + 1)))
    group = np.searchsorted(edges[1:-1], depth, side="right")  # equal customers, equal group
    g = cross.groupby(group)
    lo = g["n_categories"].min()
    hi = g["n_categories"].max()
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_categories": g["n_categories"].mean(),
            "mean_spend": g["revenue"].mean(),
            "retention": g["retained"].mean(),
            "mean_spend_after": g["spend_after"].mean(),
        }
    )
    out.index = pd.Index([f"{a}-{b}" if a != b else f"{a}" for a, b in zip(lo, hi, strict=True)])
    out.index.name = "depth"
    out.attrs["split_date"] = split
    return out
