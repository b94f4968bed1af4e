"""Channels: spend mix by channel and region, and multichannel customers.

A sales channel is the route through which a customer buys (store, web shop, app, phone,
sales force); a *multichannel* customer buys through more than one. A *transaction log* with a
``channel`` column gives :func:`channel_usage` and :func:`multichannel_summary`: customers by
number of channels used and the value of multichannel customers against single-channel ones
(Neslin & Shankar 2009 review the evidence that multichannel customers buy more; the
association is partly self-selection: heavy buyers use more channels, so it is an association,
not the effect of adding a channel).

A *wide* customer table with spend per category and a grouping column gives
:func:`channel_mix` and :func:`spend_features` (to cluster the clients and compare the clusters
with the groups). In the UCI wholesale customers that column (called ``Channel`` in the source)
says whether the client is a hotel, restaurant or café (Horeca) or a retailer: it is the
client's *customer type* (business type), not a sales channel, and illustrates segment mixes,
not multichannel behaviour.

References
----------
Neslin, S. A. and Shankar, V. (2009). Key Issues in Multichannel Customer Management: Current
Knowledge and Future Directions. Journal of Interactive Marketing 23(1), 70-81.
Cardoso, M. G. M. S. (2014). Wholesale customers. UCI Machine Learning Repository.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.errors import DataError
from crmlab.profitability import purchase_days
from crmlab.transactions import labelled_transactions

__all__ = [
    "WHOLESALE_CATEGORIES",
    "channel_mix",
    "channel_usage",
    "multichannel_summary",
    "spend_features",
]

#: The six spend columns of :func:`crmlab.datasets.load_wholesale`.
WHOLESALE_CATEGORIES = ["Fresh", "Milk", "Grocery", "Frozen", "Detergents_Paper", "Delicassen"]


def _categories(frame: pd.DataFrame, categories: Sequence[str] | None) -> list[str]:
    cats = list(categories) if categories is not None else WHOLESALE_CATEGORIES
    missing = [c for c in cats if c not in frame.columns]
    if missing:
        raise DataError(
            f"the table lacks the spend column(s) {missing}; pass categories=[...] naming your "
            f"spend columns (columns: {list(frame.columns)}).",
            column=missing[0],
        )
    return cats


def channel_mix(
    frame: pd.DataFrame,
    by: Sequence[str] = ("channel", "region"),
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Customers, spend and spend mix by group (channel or customer type, region) of a wide table.

    Parameters
    ----------
    frame : DataFrame
        One row per customer: spend columns and the ``by`` columns (e.g.
        :func:`crmlab.datasets.load_wholesale`). Not modified.
    by : sequence of str
        Grouping columns.
    categories : sequence of str, optional
        Spend columns; default :data:`WHOLESALE_CATEGORIES`.

    Returns
    -------
    DataFrame
        Index the ``by`` groups; ``customers``, ``total_spend`` (sum over customers and
        categories), ``mean_spend`` (per customer), ``spend_share`` (the group's share of all
        spend), then ``share_<category>``: the category's share of the group's spend (summing
        to 1 across categories).
    """
    cats = _categories(frame, categories)
    by = list(by)
    missing = [c for c in by if c not in frame.columns]
    if missing:
        raise DataError(f"the table lacks the column(s) {missing} to group by.", column=missing[0])
    g = frame.groupby(by, observed=True, sort=True)
    sums = g[cats].sum()
    total = sums.sum(axis=1)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "total_spend": total,
            "mean_spend": total / g.size(),
            "spend_share": total / total.sum(),
        }
    )
    shares = sums.div(total, axis=0)
    shares.columns = [f"share_{c}" for c in cats]
    return out.join(shares)


def spend_features(frame: pd.DataFrame, categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Clustering features of a wide spend table: log total spend and category shares.

    Parameters
    ----------
    frame : DataFrame
        One row per customer with spend columns.
    categories : sequence of str, optional
        Spend columns; default :data:`WHOLESALE_CATEGORIES`.

    Returns
    -------
    DataFrame
        Indexed like ``frame``; ``log_spend`` (:math:`\\log(1 + \\text{total})`) and
        ``share_<category>`` (share of the customer's spend; 0 for customers without spend).
    """
    cats = _categories(frame, categories)
    spend = frame[cats].astype(float).clip(lower=0)
    total = spend.sum(axis=1)
    out = pd.DataFrame({"log_spend": np.log1p(total)}, index=frame.index)
    shares = spend.div(total.where(total > 0), axis=0).fillna(0.0)
    shares.columns = [f"share_{c}" for c in cats]
    return out.join(shares)


def channel_usage(transactions: pd.DataFrame, channel_column: str = "channel") -> pd.DataFrame:
    """Channels each customer uses, with revenue and purchase days.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``channel_column``. Not modified.
    channel_column : str
        The channel of each line (store, web, app, phone, ...).

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``n_channels``, ``channels`` (the channels used, sorted, joined by
        " + "), ``main_channel`` (the channel with most revenue), ``revenue``, ``n_purchases``
        (distinct purchase days).
    """
    frame = labelled_transactions(
        transactions,
        channel_column,
        "channel",
        missing=(
            f"transactions have no '{channel_column}' column (columns: "
            f"{list(transactions.columns)}); map yours with read_transactions(columns={{...}})."
        ),
        fill="fill or drop them.",
    )
    frame["channel"] = frame["channel"].astype(str)
    by = frame.groupby(["customer_id", "channel"], sort=True)["amount"].sum().reset_index()
    g = by.groupby("customer_id", sort=True)
    main = by.loc[by.groupby("customer_id")["amount"].idxmax(), ["customer_id", "channel"]]
    out = pd.DataFrame(
        {
            "n_channels": g.size().astype("int64"),
            "channels": g["channel"].agg(" + ".join),
            "main_channel": main.set_index("customer_id")["channel"],
            "revenue": g["amount"].sum(),
            "n_purchases": purchase_days(frame),
        }
    )
    out.index.name = "customer_id"
    return out


def multichannel_summary(usage: pd.DataFrame) -> pd.DataFrame:
    """Customers and value by number of channels used.

    Parameters
    ----------
    usage : DataFrame
        :func:`channel_usage` output.

    Returns
    -------
    DataFrame
        Index ``n_channels``; ``customers``, ``share``, ``mean_revenue``, ``relative_revenue``
        (mean revenue over that of single-channel customers), ``mean_purchases`` and
        ``revenue_share``. Descriptive (see the module note on self-selection).
    """
    g = usage.groupby("n_channels", sort=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_revenue": g["revenue"].mean(),
            "mean_purchases": g["n_purchases"].mean(),
            "revenue_share": g["revenue"].sum() / usage["revenue"].sum(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    out.insert(3, "relative_revenue", out["mean_revenue"] / out["mean_revenue"].get(1, np.nan))
    out.index.name = "n_channels"
    return out
