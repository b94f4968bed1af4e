"""Customer profitability: profit per customer, the whale curve, deciles and cross-buying.

Customer profitability analysis ranks customers by the profit they bring and draws the
cumulative profit against the cumulative share of customers: the *whale curve* (Cooper & Kaplan
1991; Kaplan & Cooper 1998). Once customers who cost more to serve than they bring are counted,
the curve typically climbs well above 100% of total profit (the most profitable customers earn
more than the total) and falls back to 100% (the unprofitable tail destroys the excess).
Cross-buying (buying in several categories) is associated with higher revenue and longer
relationships (Kumar, George & Pancras 2008; Reinartz & Kumar 2003).

References
----------
Cooper, R. and Kaplan, R. S. (1991). The Design of Cost Management Systems. Prentice Hall.
Kaplan, R. S. and Cooper, R. (1998). Cost & Effect: Using Integrated Cost Systems to Drive
Profitability and Performance. Harvard Business School Press, chapter 10.
Kumar, V., George, M. and Pancras, J. (2008). Cross-buying in retailing: Drivers and
consequences. Journal of Retailing 84(1), 15-27.
Reinartz, W. J. and Kumar, V. (2003). The Impact of Customer Relationship Characteristics on
Profitable Lifetime Duration. Journal of Marketing 67(1), 77-99.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError
from crmlab.rfm import _check_transactions

__all__ = [
    "cross_buying",
    "cross_buying_summary",
    "customer_base_findings",
    "customer_profitability",
    "profit_deciles",
    "whale_curve",
    "whale_curve_summary",
]


def _check_rate(value: Any, name: str, low: float = 0.0, high: float = 1.0) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a number, got {value!r}.", parameter=name) from exc
    if not low <= rate <= high or np.isnan(rate):
        raise ParameterError(
            f"{name} must be between {low:g} and {high:g}, got {value!r}.", parameter=name
        )
    return rate


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
        margin_rate = _check_rate(margin_rate, "margin_rate")
    cost_per_purchase = _check_rate(cost_per_purchase, "cost_per_purchase", 0.0, np.inf)
    frame = _check_transactions(transactions)
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
    if category_column not in transactions.columns:
        raise DataError(
            f"transactions have no '{category_column}' column, so cross-buying cannot be "
            f"measured (columns: {list(transactions.columns)}). Map your category column with "
            "crmlab.io.read_transactions(path, columns={'your_name': 'category'}), or build one "
            "from a product table: tx['category'] = tx['product'].map(product_to_category).",
            column=category_column,
        )
    frame = _check_transactions(transactions)
    category = transactions[category_column]
    bad = transactions.index[category.isna()]
    if len(bad):
        raise DataError(
            f"column '{category_column}' has {len(bad)} missing value(s), e.g. at rows "
            f"{list(bad[:5])}; fill them (for example with 'unknown') or drop those rows.",
            column=category_column,
            rows=list(bad[:5]),
        )
    frame["category"] = category.to_numpy()
    grouped = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "n_categories": grouped["category"].nunique().astype("int64"),
            "revenue": grouped["amount"].sum().astype(float),
            "n_purchases": frame.drop_duplicates(["customer_id", "date"])
            .groupby("customer_id", sort=True)
            .size()
            .astype("int64"),
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


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


_UNIT_WORD = {"D": "days", "W": "weeks", "M": "months"}


def customer_base_findings(
    summary: pd.DataFrame,
    segments_table: pd.DataFrame,
    whale_summary: pd.DataFrame,
    gap_distribution: pd.DataFrame | None = None,
    cross_summary: pd.DataFrame | None = None,
    profit_basis: str = "margin_rate",
    gap_time_unit: str = "D",
) -> list[str]:
    """Plain-language key findings of the customer-base analysis, computed from its tables.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlab.rfm.rfm_summary` output.
    segments_table : DataFrame
        :func:`crmlab.rfm.segment_summary` output.
    whale_summary : DataFrame
        :func:`whale_curve_summary` output.
    gap_distribution : DataFrame, optional
        :func:`crmlab.rfm.interpurchase_distribution` output (gaps in days or ``time_unit``).
    cross_summary : DataFrame, optional
        :func:`cross_buying_summary` output; omitted when the data have no categories.
    profit_basis : str
        ``attrs["profit_basis"]`` of the profitability table: ``"revenue"`` words the findings as
        revenue concentration.
    gap_time_unit : {"D", "W", "M"}
        Time unit of ``gap_distribution``.

    Returns
    -------
    list of str
        One sentence (Markdown) per finding.
    """
    findings: list[str] = []
    n = len(summary)
    unit = _UNIT_WORD.get(summary.attrs.get("time_unit", "W"), "periods")
    end = summary.attrs.get("calibration_end") or summary.attrs.get("observation_end")
    end_text = f" up to {pd.Timestamp(end).date()}" if end is not None else ""
    one_timers = float((summary["frequency"] == 0).mean())
    findings.append(
        f"The data hold **{n:,} customers**{end_text}; **{_pct(one_timers)}** of them bought on "
        f"a single day and never came back; the median customer has been a customer for "
        f"{summary['T'].median():.1f} {unit}."
    )
    seg = segments_table.loc[segments_table["customers"] > 0]
    largest = seg["customers"].idxmax()
    top_rev = seg["revenue_share"].idxmax()
    findings.append(
        f"The largest RFM segment is **{largest}** ({_pct(seg.loc[largest, 'share'])} of "
        f"customers); **{top_rev}** bring the most revenue: {_pct(seg.loc[top_rev, 'revenue_share'])}"
        f" of it from {_pct(seg.loc[top_rev, 'share'])} of customers."
    )
    ws = whale_summary.iloc[0]
    what = "revenue" if profit_basis == "revenue" else "profit"
    findings.append(
        f"The most valuable 20% of customers bring **{_pct(ws['top_20_share'])} of {what}** "
        f"(top 10%: {_pct(ws['top_10_share'])}, top half: {_pct(ws['top_50_share'])}); the "
        f"Gini coefficient of customer {what} is {ws['gini']:.2f}."
    )
    if ws["unprofitable_share"] > 0:
        findings.append(
            f"**{_pct(ws['unprofitable_share'])} of customers lose money.** Cumulative profit "
            f"peaks at **{_pct(ws['peak_profit_share'])} of total profit** after the best "
            f"{_pct(ws['peak_customer_share'])} of customers; the unprofitable customers destroy "
            f"{_pct(ws['loss_share'])} of total profit (the whale curve's hump)."
        )
    else:
        findings.append(
            f"No customer loses money under the assumed costs, so the whale curve has no hump "
            f"and ends at 100%: {what} is only concentrated. Customer-level costs to serve are "
            "what reveal unprofitable customers."
        )
    if gap_distribution is not None and "p50" in gap_distribution.index:
        gap_unit = _UNIT_WORD.get(gap_time_unit, "periods")
        findings.append(
            f"Half of the repeat purchases come within **{gap_distribution.loc['p50', 'gap']:.0f}"
            f" {gap_unit}** of the previous one and 90% within "
            f"{gap_distribution.loc['p90', 'gap']:.0f} {gap_unit}: a customer silent for much longer than "
            "that is probably lapsing."
        )
    if cross_summary is not None and len(cross_summary) > 1:
        multi = cross_summary.loc[cross_summary.index >= 2]
        mean_multi = float(
            (multi["mean_revenue"] * multi["customers"]).sum() / multi["customers"].sum()
        )
        base = cross_summary["mean_revenue"].get(1, np.nan)
        if np.isfinite(base) and base > 0:
            findings.append(
                f"Customers who buy in two or more categories ({_pct(multi['share'].sum())} of "
                f"customers) spend **{mean_multi / base:.1f} times** as much as one-category "
                "customers."
            )
    return findings
