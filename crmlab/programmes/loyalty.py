"""Loyalty-programme usage: the share of spend bought with a loyalty discount, its cost, and
spend and retention by usage tier (descriptive: heavy users differ in many ways)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_count
from crmlab.errors import DataError
from crmlab.transactions import check_transactions

__all__ = ["loyalty_usage", "loyalty_usage_summary"]


def loyalty_usage(
    transactions: pd.DataFrame,
    discount_column: str = "retail_disc",
    split_date: Any = None,
    n_tiers: int = 3,
) -> pd.DataFrame:
    """Share of each customer's spend bought with a loyalty discount, its cost and retention.

    Usage is measured up to ``split_date``; *retained* means buying again after it.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``discount_column`` (positive discount per line). Not modified.
    discount_column : str
        Loyalty-discount column (``retail_disc`` in The Complete Journey).
    split_date : date-like, optional
        End of the usage window (inclusive). Default: the midpoint of the data.
    n_tiers : int
        Customers with some loyalty spend are split into ``n_tiers`` equal-count tiers by their
        share; customers with none form the tier ``"none"``.

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``spend`` (before the split), ``loyalty_spend`` (spend on lines
        with a discount), ``loyalty_share`` (their ratio), ``discount`` (sum of discounts: the
        programme's cost), ``discount_rate`` (discount over shelf value ``spend + discount``),
        ``retained`` (bool), ``spend_after`` and ``tier`` (``none``, then ``low`` ... ``high``
        for three tiers, else ``tier 1`` ... ``tier n``).
    """
    n_tiers = check_count(n_tiers, "n_tiers")
    frame = check_transactions(transactions)
    if discount_column not in transactions.columns:
        raise DataError(
            f"transactions have no '{discount_column}' column; name your loyalty-discount "
            "column with discount_column=...",
            column=discount_column,
        )
    disc = np.abs(transactions[discount_column].to_numpy(dtype=float))
    dates = frame["date"]
    split = (
        dates.min() + (dates.max() - dates.min()) / 2
        if split_date is None
        else pd.Timestamp(split_date)
    )
    before = (dates <= split).to_numpy()
    amount = frame["amount"].to_numpy(dtype=float)
    work = pd.DataFrame(
        {
            "customer_id": frame["customer_id"].to_numpy()[before],
            "spend": amount[before],
            "loyalty_spend": np.where(disc[before] > 0, amount[before], 0.0),
            "discount": disc[before],
        }
    )
    out = work.groupby("customer_id", sort=True).sum()
    out.insert(2, "loyalty_share", out["loyalty_spend"] / out["spend"].where(out["spend"] > 0))
    out["discount_rate"] = out["discount"] / (out["spend"] + out["discount"])
    after = frame.loc[~before].groupby("customer_id")["amount"].sum()
    out["retained"] = out.index.isin(after.index)
    out["spend_after"] = after.reindex(out.index).fillna(0.0).to_numpy()
    names = ["low", "medium", "high"] if n_tiers == 3 else [f"tier {i + 1}" for i in range(n_tiers)]
    share = out["loyalty_share"].fillna(0.0)
    users = share > 0
    ranks = share.where(users).rank(method="first", pct=True)
    idx = np.clip(np.ceil(ranks.fillna(0).to_numpy() * n_tiers).astype(int), 1, n_tiers) - 1
    labels = np.where(users.to_numpy(), np.asarray(names)[idx], "none")
    out["tier"] = pd.Categorical(labels, categories=["none", *names])
    out.index.name = "customer_id"
    out.attrs["split_date"] = split
    return out


def loyalty_usage_summary(usage: pd.DataFrame) -> pd.DataFrame:
    """Spend, discount cost and retention by loyalty-usage tier.

    Parameters
    ----------
    usage : DataFrame
        :func:`loyalty_usage` output.

    Returns
    -------
    DataFrame
        Index ``tier`` (tiers without customers dropped); ``customers``, ``mean_share`` (loyalty
        share of spend), ``mean_spend``, ``mean_discount``, ``discount_rate`` (the tier's total
        discount over its shelf value), ``retention`` and ``mean_spend_after``. Descriptive:
        heavy users differ from others in many ways besides the programme.
    """
    g = usage.groupby("tier", observed=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_share": g["loyalty_share"].mean(),
            "mean_spend": g["spend"].mean(),
            "mean_discount": g["discount"].mean(),
            "discount_rate": g["discount"].sum() / (g["spend"].sum() + g["discount"].sum()),
            "retention": g["retained"].mean(),
            "mean_spend_after": g["spend_after"].mean(),
        }
    )
    out.index.name = "tier"
    return out
