"""Customer profitability: profit per customer, the whale curve, its summary and profit deciles.

The whale curve draws the cumulative profit against the cumulative share of customers ranked by
profit (Cooper & Kaplan 1991; Kaplan & Cooper 1998, ch. 10).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.checks import check_fraction, check_number
from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions

__all__ = ["customer_profitability", "profit_deciles", "whale_curve", "whale_curve_summary"]


def customer_profitability(
    transactions: pd.DataFrame,
    margin_rate: float | None = None,
    cost_column: str | None = None,
    cost_per_purchase: float = 0.0,
) -> pd.DataFrame:
    """Revenue, cost and profit of each customer, ranked.

    Profit of customer :math:`i` is :math:`\\pi_i = R_i - C_i` with revenue :math:`R_i` (sum of
    ``amount``) and cost :math:`C_i`: the cost of goods, :math:`(1 - m) R_i` for a gross margin
    rate :math:`m` or the sum of a cost column, plus an activity-based cost to serve of
    ``cost_per_purchase`` per purchase day (Kaplan & Cooper 1998, ch. 10: order handling,
    shipping, service).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``, ``amount``). Not modified.
    margin_rate : float in [0, 1], optional
        Gross margin as a share of revenue.
    cost_column : str, optional
        Column of ``transactions`` with the cost of goods of each line (same currency as
        ``amount``). Give either this or ``margin_rate``.
    cost_per_purchase : float, default 0
        Cost to serve one purchase day (>= 0).

    Returns
    -------
    DataFrame
        Index ``customer_id``, sorted from most to least profitable; columns ``revenue``,
        ``n_purchases`` (distinct purchase days), ``cost`` (cost of goods + cost to serve),
        ``profit`` (revenue - cost), ``rank`` (1 = most profitable; ties broken by customer id),
        ``decile`` (1 = the most profitable 10% of customers, by rank), ``cumulative_profit_share``
        (profit of this and all better-ranked customers over total profit).

        With neither ``margin_rate`` nor ``cost_column`` (and no cost to serve), no cost is known:
        ``cost`` is 0 and ``profit`` equals revenue, and ``attrs["profit_basis"]`` says
        ``"revenue"`` (otherwise ``"margin_rate"`` or ``"cost_column"``), so the analyses built on
        this table are then revenue concentration analyses. ``attrs`` also holds
        ``margin_rate`` and ``cost_per_purchase``.
    """
    if margin_rate is not None and cost_column is not None:
        raise ParameterError(
            "give either margin_rate or cost_column, not both.", parameter="margin_rate"
        )
    if margin_rate is not None:
        margin_rate = check_fraction(margin_rate, "margin_rate")
    cost_per_purchase = check_number(cost_per_purchase, "cost_per_purchase", low=0.0)
    frame = check_transactions(transactions)
    if frame.empty:
        raise DataError("transactions is empty: there are no customers.")
    if cost_column is not None:
        if cost_column not in transactions.columns:
            raise DataError(
                f"cost_column '{cost_column}' is not a column of transactions "
                f"({list(transactions.columns)}); pass margin_rate instead or add the column.",
                column=cost_column,
            )
        cost_values = pd.to_numeric(transactions[cost_column], errors="coerce")
        bad = transactions.index[cost_values.isna()]
        if len(bad):
            raise DataError(
                f"cost column '{cost_column}' has {len(bad)} missing or non-numeric value(s), "
                f"e.g. at rows {list(bad[:5])}; fill them before the analysis.",
                column=cost_column,
                rows=list(bad[:5]),
            )
        frame["line_cost"] = cost_values.to_numpy(dtype=float)
    grouped = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "revenue": grouped["amount"].sum().astype(float),
            "n_purchases": frame.drop_duplicates(["customer_id", "date"])
            .groupby("customer_id", sort=True)
            .size()
            .astype("int64"),
        }
    )
    if cost_column is not None:
        goods = grouped["line_cost"].sum().astype(float)
        basis = "cost_column"
    elif margin_rate is not None:
        goods = out["revenue"] * (1.0 - margin_rate)
        basis = "margin_rate"
    else:
        goods = pd.Series(0.0, index=out.index)
        basis = "revenue" if cost_per_purchase == 0 else "cost_per_purchase"
    out["cost"] = goods + cost_per_purchase * out["n_purchases"]
    out["profit"] = out["revenue"] - out["cost"]
    # stable sort: ties keep customer-id order
    out = out.sort_values("profit", ascending=False, kind="mergesort")
    n = len(out)
    out["rank"] = np.arange(1, n + 1, dtype="int64")
    out["decile"] = (1 + np.floor(10 * (out["rank"] - 1) / n)).astype("int64")
    total = out["profit"].sum()
    out["cumulative_profit_share"] = out["profit"].cumsum() / total if total != 0 else np.nan
    out.index.name = "customer_id"
    out.attrs = {
        "profit_basis": basis,
        "margin_rate": margin_rate,
        "cost_per_purchase": cost_per_purchase,
    }
    return out


def _check_profitability(profitability: pd.DataFrame) -> pd.DataFrame:
    if "profit" not in profitability or "revenue" not in profitability:
        raise DataError(
            "profitability lacks 'profit' or 'revenue'; compute it with "
            "crmlab.profitability.customer_profitability.",
            column="profit",
        )
    if len(profitability) == 0:
        raise DataError("profitability is empty: there are no customers.")
    return profitability


def whale_curve(profitability: pd.DataFrame) -> pd.DataFrame:
    """Cumulative share of total profit against the cumulative share of customers.

    Customers are ranked by profit, most profitable first. After :math:`k` of :math:`n`
    customers the curve is at :math:`(k/n,\\ \\sum_{j \\le k} \\pi_{(j)} / \\sum_j \\pi_j)`
    (Kaplan & Cooper 1998, ch. 10, Figure 10-4). It starts at (0, 0) and ends at (1, 1); where
    some customers lose money it rises above 1 (that hump is the "whale") and comes back down.

    Parameters
    ----------
    profitability : DataFrame
        Output of :func:`customer_profitability` (column ``profit``).

    Returns
    -------
    DataFrame
        Index ``rank`` 0..n (0 is the origin); columns ``customer_id`` (missing at the origin),
        ``customer_share`` (k / n), ``profit`` (of the k-th customer; 0 at the origin),
        ``cumulative_profit`` and ``cumulative_profit_share`` (over total profit; may exceed 1).

    Raises
    ------
    DataError
        When total profit is not positive (shares of total profit are then meaningless).
    """
    profitability = _check_profitability(profitability)
    ordered = profitability.sort_values("profit", ascending=False, kind="mergesort")
    profit = ordered["profit"].to_numpy(dtype=float)
    total = profit.sum()
    if not total > 0:
        raise DataError(
            f"total profit is {total:.2f}: the whale curve expresses cumulative profit as a share "
            "of a positive total. Check margin_rate / costs (the whole base loses money).",
            column="profit",
        )
    n = len(profit)
    cumulative = np.concatenate([[0.0], np.cumsum(profit)])
    ids = pd.concat(
        [pd.Series([pd.NA], dtype=object), pd.Series(ordered.index.to_numpy(), dtype=object)],
        ignore_index=True,
    )
    out = pd.DataFrame(
        {
            "customer_id": ids,
            "customer_share": np.arange(n + 1) / n,
            "profit": np.concatenate([[0.0], profit]),
            "cumulative_profit": cumulative,
            "cumulative_profit_share": cumulative / total,
        }
    )
    out.index.name = "rank"
    out.attrs = dict(profitability.attrs)
    return out


def _gini(values: np.ndarray) -> float:
    """Gini coefficient, mean absolute difference over twice the mean (Gini 1912)."""
    x = np.sort(np.asarray(values, dtype=float))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return float("nan")
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * total))


def whale_curve_summary(curve: pd.DataFrame) -> pd.DataFrame:
    """Key numbers of a whale curve.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`whale_curve`.

    Returns
    -------
    DataFrame
        One row; columns ``n_customers``, ``total_profit``, ``top_10_share``, ``top_20_share``,
        ``top_50_share`` (share of total profit earned by the most profitable 10/20/50% of
        customers, linearly interpolated between customers), ``peak_profit_share`` (the curve's
        maximum, >= 1), ``peak_customer_share`` (the share of customers where it is reached),
        ``unprofitable_share`` (share of customers with negative profit), ``loss_share`` (total
        loss of the unprofitable customers over total profit: how much of the peak they destroy)
        and ``gini`` (Gini coefficient of customer profit; exceeds 1 when some profits are
        negative, see Raffinetti, Siletti & Vernizzi 2015, Statistical Methods & Applications
        24, 323-337).
    """
    for col in ("customer_share", "cumulative_profit_share", "profit"):
        if col not in curve:
            raise DataError(
                f"curve lacks '{col}'; compute it with crmlab.profitability.whale_curve.",
                column=col,
            )
    x = curve["customer_share"].to_numpy(dtype=float)
    y = curve["cumulative_profit_share"].to_numpy(dtype=float)
    profit = curve["profit"].to_numpy(dtype=float)[1:]
    total = float(profit.sum())
    peak = int(np.argmax(y))
    row = {
        "n_customers": len(profit),
        "total_profit": total,
        "top_10_share": float(np.interp(0.1, x, y)),
        "top_20_share": float(np.interp(0.2, x, y)),
        "top_50_share": float(np.interp(0.5, x, y)),
        "peak_profit_share": float(y[peak]),
        "peak_customer_share": float(x[peak]),
        "unprofitable_share": float(np.mean(profit < 0)),
        "loss_share": float(-profit[profit < 0].sum() / total) + 0.0,  # no -0.0
        "gini": _gini(profit),
    }
    return pd.DataFrame([row], index=pd.Index(["whale_curve"], name="curve"))


def profit_deciles(profitability: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and profit of each profit decile.

    Parameters
    ----------
    profitability : DataFrame
        Output of :func:`customer_profitability` (columns ``decile``, ``revenue``, ``profit``).

    Returns
    -------
    DataFrame
        Index ``decile`` 1..10 (1 = most profitable tenth of customers); columns ``customers``,
        ``revenue``, ``profit``, ``mean_profit`` (per customer), ``revenue_share``,
        ``profit_share`` (of total profit; negative for a loss-making decile) and
        ``cumulative_profit_share``.
    """
    profitability = _check_profitability(profitability)
    if "decile" not in profitability:
        raise DataError(
            "profitability lacks 'decile'; compute it with customer_profitability.",
            column="decile",
        )
    g = profitability.groupby("decile", sort=True)
    out = pd.DataFrame(
        {"customers": g.size(), "revenue": g["revenue"].sum(), "profit": g["profit"].sum()}
    )
    out["mean_profit"] = out["profit"] / out["customers"]
    out["revenue_share"] = out["revenue"] / out["revenue"].sum()
    total = out["profit"].sum()
    out["profit_share"] = out["profit"] / total if total != 0 else np.nan
    out["cumulative_profit_share"] = out["profit_share"].cumsum()
    out.index.name = "decile"
    return out
