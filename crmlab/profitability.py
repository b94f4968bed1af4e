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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions as _check_transactions
from crmlab.transactions import labelled_transactions as _labelled_transactions
from crmlab.transactions import unit_word

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
    frame = _labelled_transactions(
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


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


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
    unit = unit_word(summary.attrs.get("time_unit", "W"))
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
        gap_unit = unit_word(gap_time_unit)
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


# --------------------------------------------------------------------------------------------
# Portfolio extensions: category profitability, price tiers, associations, up-selling
# (Berry & Linoff 2004 ch. 9; Agrawal, Imielinski & Swami 1993; Blattberg, Kim & Neslin 2008
# ch. 21 and 29).
# --------------------------------------------------------------------------------------------

__all__ += [
    "PriceTiers",
    "category_associations",
    "category_profitability",
    "cross_buying_retention",
    "next_category_suggestions",
    "customer_current_value",
    "price_tiers",
    "upselling_summary",
    "upselling_trends",
]

_DISCOUNT_COLUMNS = ("retail_disc", "coupon_disc", "coupon_match_disc")


def _require(transactions: pd.DataFrame, column: str, advice: str) -> None:
    if column not in transactions.columns:
        raise DataError(
            f"transactions have no '{column}' column (columns: {list(transactions.columns)}); "
            f"{advice}",
            column=column,
        )


def _level_values(transactions: pd.DataFrame, level: str) -> pd.Series:
    _require(
        transactions,
        level,
        f"map a column to '{level}' with crmlab.io.read_transactions(path, columns={{...}}) or "
        "join a product table.",
    )
    values = transactions[level]
    bad = transactions.index[values.isna()]
    if len(bad):
        raise DataError(
            f"column '{level}' has {len(bad)} missing value(s), e.g. at rows {list(bad[:5])}; "
            "fill them (for example with 'UNKNOWN') or drop those rows.",
            column=level,
            rows=list(bad[:5]),
        )
    return values


def _line_margin(
    transactions: pd.DataFrame,
    margin_rates: Mapping[Any, float] | None,
    level: str,
    default_rate: float | None,
    cost_column: str | None,
) -> np.ndarray:
    """Margin of every line: rate of its level value (or department) x amount, or amount - cost."""
    amount = transactions["amount"].to_numpy(dtype=float)
    if cost_column is not None:
        _require(transactions, cost_column, "pass the name of your cost-of-goods column.")
        return amount - transactions[cost_column].to_numpy(dtype=float)
    rates = dict(margin_rates or {})
    for name, value in rates.items():
        _check_rate(value, f"margin_rates[{name!r}]")
    rate = np.full(len(amount), np.nan)
    if level in transactions.columns and rates:
        rate = pd.Series(transactions[level].to_numpy()).map(rates).to_numpy(dtype=float)
    if "department" in transactions.columns and level != "department" and rates:
        dept = pd.Series(transactions["department"].to_numpy()).map(rates).to_numpy(float)
        rate = np.where(np.isnan(rate), dept, rate)
    if default_rate is not None:
        rate = np.where(np.isnan(rate), _check_rate(default_rate, "default_rate"), rate)
    return amount * rate


def category_profitability(
    transactions: pd.DataFrame,
    margin_rates: Mapping[Any, float] | None = None,
    level: str = "category",
    default_rate: float | None = None,
    cost_column: str | None = None,
) -> pd.DataFrame:
    """Revenue, discounts, margin, customers and baskets per product, category or department.

    Margin is :math:`m = r_\\ell \\cdot \\text{revenue} - \\text{cost}` with :math:`r_\\ell` the
    gross-margin rate of the line's ``level`` value (or, when ``margin_rates`` is keyed by
    department and ``level`` is finer, of its department), else ``default_rate``; or revenue
    minus ``cost_column`` (Kaplan & Cooper 1998, ch. 10, product-line profitability).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract plus the ``level`` column; optional ``discount`` (or
        ``retail_disc``, ``coupon_disc``, ``coupon_match_disc``: positive discounts given, e.g.
        by a loyalty card or coupons), ``basket_id``, ``department``. Not modified.
    margin_rates : dict, optional
        Gross-margin rate in [0, 1] per value of ``level`` or per department.
    level : str
        Column to aggregate by: ``"product"``, ``"category"``, ``"department"``, ...
    default_rate : float, optional
        Rate for values ``margin_rates`` does not name. Without any rate and cost the margin
        columns are NaN.
    cost_column : str, optional
        Column of the cost of goods of each line (replaces the rates).

    Returns
    -------
    DataFrame
        Index ``level``, sorted by revenue (largest first); columns ``revenue`` (sum of positive
        amounts), ``returns`` (sum of the negative amounts, as a positive number), ``net_revenue``,
        ``discount`` (discounts given: the loyalty and coupon programmes' cost; 0 without
        discount columns), ``discount_rate`` (discount over shelf value ``net_revenue +
        discount``), ``margin``, ``margin_rate`` (margin over net revenue), ``customers``,
        ``baskets`` (distinct ``basket_id``, else distinct customer-days), ``lines``,
        ``revenue_share``, ``margin_share`` and ``revenue_per_customer``.
    """
    frame = _check_transactions(transactions)
    key = _level_values(transactions, level).to_numpy()
    amount = frame["amount"].to_numpy(dtype=float)
    if "discount" in transactions.columns:
        discount = transactions["discount"].to_numpy(dtype=float)
    else:
        present = [c for c in _DISCOUNT_COLUMNS if c in transactions.columns]
        discount = (
            np.abs(transactions[present].to_numpy(dtype=float)).sum(axis=1)
            if present
            else np.zeros(len(frame))
        )
    margin = _line_margin(transactions, margin_rates, level, default_rate, cost_column)
    if "basket_id" in transactions.columns:
        basket = transactions["basket_id"].to_numpy()
    else:
        basket = pd.MultiIndex.from_arrays([frame["customer_id"], frame["date"]]).codes
        basket = basket[0].astype("int64") * (int(basket[1].max()) + 1) + basket[1]
    work = pd.DataFrame(
        {
            "key": key,
            "revenue": np.clip(amount, 0, None),
            "returns": -np.clip(amount, None, 0),
            "net_revenue": amount,
            "discount": discount,
            "margin": margin,
            "customer_id": frame["customer_id"].to_numpy(),
            "basket": basket,
        }
    )
    g = work.groupby("key", sort=False, observed=True)
    out = g[["revenue", "returns", "net_revenue", "discount"]].sum()
    out["margin"] = g["margin"].sum(min_count=len(work) and 1)
    out.loc[g["margin"].count() < g.size(), "margin"] = np.nan
    out["discount_rate"] = out["discount"] / (out["net_revenue"] + out["discount"])
    out["margin_rate"] = out["margin"] / out["net_revenue"]
    out["customers"] = g["customer_id"].nunique()
    out["baskets"] = g["basket"].nunique()
    out["lines"] = g.size()
    out["revenue_share"] = out["net_revenue"] / out["net_revenue"].sum()
    out["margin_share"] = out["margin"] / out["margin"].sum()
    out["revenue_per_customer"] = out["net_revenue"] / out["customers"]
    cols = [
        "revenue", "returns", "net_revenue", "discount", "discount_rate", "margin",
        "margin_rate", "customers", "baskets", "lines", "revenue_share", "margin_share",
        "revenue_per_customer",
    ]  # fmt: skip
    out = out[cols].sort_values("net_revenue", ascending=False)
    out.index.name = level
    return out


@dataclass
class PriceTiers:
    """What :func:`price_tiers` returns.

    Attributes
    ----------
    shares : DataFrame
        Index ``decile`` (1 = lowest-value customers, 10 = best); columns the tiers (cheapest
        first); each row is the decile's spend split over the tiers (sums to 1).
    counts : DataFrame
        The contingency table the test uses: lines bought per decile and tier.
    test : DataFrame
        One row: ``chi2``, ``dof``, ``p_value`` (Pearson's chi-square test of independence of
        decile and tier) and ``cramers_v`` (:math:`\\sqrt{\\chi^2 / (n (\\min(r, c) - 1))}`,
        Cramér 1946: the effect size, since with a million lines any difference is significant).
    product_tiers : Series
        Tier of every product (index ``product``).
    """

    shares: pd.DataFrame
    counts: pd.DataFrame
    test: pd.DataFrame
    product_tiers: pd.Series


def price_tiers(
    transactions: pd.DataFrame,
    n_tiers: int = 3,
    n_deciles: int = 10,
    level: str = "category",
    value: pd.Series | None = None,
) -> PriceTiers:
    """Which customers buy which price tiers: tier share of spend by customer value decile.

    Each product's price is its median unit price (``amount / quantity`` over lines with a
    positive quantity); within its ``level`` (category), products are split into ``n_tiers``
    equal-count price tiers by the rank of that price (economy, standard, premium for three).
    Customers are split into ``n_deciles`` equal-count groups by value (total spend unless
    ``value`` is given). A chi-square test of independence on the lines bought per decile and
    tier asks whether the best customers prefer the premium lines.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``product`` and ``level``; ``quantity`` when present (else each line
        is one unit). Not modified.
    n_tiers : int
        Number of price tiers (2..5).
    n_deciles : int
        Number of customer value groups.
    level : str
        Column within which prices are compared.
    value : Series, optional
        Customer value (indexed by ``customer_id``) defining the deciles.

    Returns
    -------
    PriceTiers
    """
    from scipy.stats import chi2_contingency

    if not 2 <= int(n_tiers) <= 5:
        raise ParameterError(f"n_tiers must be 2..5, got {n_tiers!r}.", parameter="n_tiers")
    frame = _check_transactions(transactions)
    _require(transactions, "product", "price tiers need product ids (map a 'product' column).")
    cat = _level_values(transactions, level).to_numpy()
    if "quantity" in transactions.columns:
        qty = transactions["quantity"].to_numpy(dtype=float)
    else:
        qty = np.ones(len(frame))
    amount = frame["amount"].to_numpy(dtype=float)
    ok = (qty > 0) & (amount > 0)
    prod = transactions["product"].to_numpy()
    unit = pd.DataFrame({"product": prod[ok], "cat": cat[ok], "price": amount[ok] / qty[ok]})
    per = unit.groupby("product", sort=False).agg(price=("price", "median"), cat=("cat", "first"))
    pct = per.groupby("cat", observed=True)["price"].rank(method="average", pct=True)
    tier_idx = np.clip(np.ceil(pct.to_numpy() * n_tiers).astype(int) - 1, 0, n_tiers - 1)
    names = {
        2: ["economy", "premium"],
        3: ["economy", "standard", "premium"],
        4: ["economy", "standard", "upper", "premium"],
        5: ["economy", "lower", "standard", "upper", "premium"],
    }[int(n_tiers)]
    product_tiers = pd.Series(
        pd.Categorical(np.asarray(names)[tier_idx], categories=names), index=per.index, name="tier"
    )
    spend = frame.groupby("customer_id")["amount"].sum()
    v = spend if value is None else pd.Series(value, dtype=float).reindex(spend.index).fillna(0)
    ranks = v.rank(method="first", pct=True)
    decile = pd.Series(
        np.clip(np.ceil(ranks.to_numpy() * n_deciles).astype(int), 1, n_deciles), index=v.index
    )
    line_decile = frame["customer_id"].map(decile).to_numpy()[ok]
    line_tier = product_tiers.reindex(prod[ok]).to_numpy()
    lines = pd.DataFrame(
        {"decile": line_decile, "tier": pd.Categorical(line_tier, categories=names)}
    )
    lines["amount"] = amount[ok]
    counts = pd.crosstab(lines["decile"], lines["tier"]).reindex(columns=names, fill_value=0)
    money = lines.pivot_table(
        index="decile", columns="tier", values="amount", aggfunc="sum", observed=False
    ).reindex(columns=names, fill_value=0.0)
    shares = money.div(money.sum(axis=1), axis=0)
    shares.columns = pd.Index(names, name="tier")
    chi2, p, dof, _ = chi2_contingency(counts.to_numpy())
    n = counts.to_numpy().sum()
    cramers_v = float(np.sqrt(chi2 / (n * (min(counts.shape) - 1))))
    test = pd.DataFrame(
        {"chi2": [float(chi2)], "dof": [int(dof)], "p_value": [float(p)], "cramers_v": [cramers_v]}
    )
    return PriceTiers(shares=shares, counts=counts, test=test, product_tiers=product_tiers)


def _incidence(transactions: pd.DataFrame, level: str, unit: str) -> tuple[Any, Any, Any]:
    """Sparse 0/1 matrix (units x items), the unit labels and the item labels."""
    from scipy import sparse

    items = _level_values(transactions, level)
    if unit == "basket":
        units = transactions["basket_id"]
    else:
        units = transactions["customer_id"]
    u_codes, u_labels = pd.factorize(units.to_numpy(), sort=True)
    i_codes, i_labels = pd.factorize(items.astype(str).to_numpy(), sort=True)
    m = sparse.csr_matrix(
        (np.ones(len(u_codes), dtype=np.float32), (u_codes, i_codes)),
        shape=(len(u_labels), len(i_labels)),
    )
    m.data[:] = 1.0  # duplicates were summed: back to incidence
    return m, u_labels, i_labels


def category_associations(
    transactions: pd.DataFrame,
    level: str = "category",
    min_support: float = 0.01,
    min_lift: float = 0.0,
    unit: str | None = None,
) -> pd.DataFrame:
    """Association rules between pairs of categories: support, confidence and lift.

    With :math:`n` baskets and :math:`n_{AB}` those containing both A and B (Agrawal,
    Imielinski & Swami 1993):

    .. math:: s(A \\Rightarrow B) = n_{AB}/n, \\quad c(A \\Rightarrow B) = n_{AB}/n_A, \\quad
              \\text{lift} = c(A \\Rightarrow B) / (n_B/n).

    A lift above 1 means B is more likely in baskets with A than in baskets at large: a
    cross-selling opportunity. Counts come from one sparse product :math:`X^\\top X` of the
    basket-by-item incidence matrix.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``level`` and, for basket-level rules, ``basket_id``. Not modified.
    level : str
        Item column (``category``, ``department``, ``product``).
    min_support : float
        Minimum pair support :math:`s(A \\Rightarrow B)` (share of units), in (0, 1].
    min_lift : float
        Minimum lift of the rules kept.
    unit : {"basket", "customer"}, optional
        What a "basket" is: default ``basket`` when a ``basket_id`` column exists, otherwise
        ``customer`` (everything a customer ever bought).

    Returns
    -------
    DataFrame
        One row per directed rule A => B, sorted by lift (largest first): ``antecedent``,
        ``consequent``, ``n_both`` (units with both), ``support``, ``antecedent_support``,
        ``consequent_support``, ``confidence``, ``lift``. ``attrs``: ``unit``, ``n_units``.
    """
    min_support = _check_rate(min_support, "min_support")
    if unit is None:
        unit = "basket" if "basket_id" in transactions.columns else "customer"
    if unit not in ("basket", "customer"):
        raise ParameterError(f"unit must be 'basket' or 'customer', got {unit!r}.", "unit")
    if unit == "basket":
        _require(transactions, "basket_id", "use unit='customer' or add a basket_id column.")
    _check_transactions(transactions)
    m, u_labels, i_labels = _incidence(transactions, level, unit)
    n = m.shape[0]
    item_count = np.asarray(m.sum(axis=0)).ravel()
    frequent = np.flatnonzero(item_count >= min_support * n)
    sub = m[:, frequent]
    both = (sub.T @ sub).toarray()
    np.fill_diagonal(both, 0)
    a, b = np.nonzero(both >= max(min_support * n, 1))
    n_ab = both[a, b]
    n_a = item_count[frequent][a]
    n_b = item_count[frequent][b]
    out = pd.DataFrame(
        {
            "antecedent": i_labels[frequent][a],
            "consequent": i_labels[frequent][b],
            "n_both": n_ab.astype("int64"),
            "support": n_ab / n,
            "antecedent_support": n_a / n,
            "consequent_support": n_b / n,
            "confidence": n_ab / n_a,
        }
    )
    out["lift"] = out["confidence"] / out["consequent_support"]
    out = out.loc[out["lift"] >= min_lift]
    out = out.sort_values(["lift", "support"], ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(unit=unit, n_units=int(n), level=level)
    return out


def next_category_suggestions(
    transactions: pd.DataFrame,
    rules: pd.DataFrame,
    level: str = "category",
    n: int = 3,
    min_lift: float = 1.0,
) -> pd.DataFrame:
    """Per customer, the categories they do not buy yet that the rules most suggest.

    A candidate B gets the best confidence :math:`\\max_{A \\in \\text{bought}} c(A \\Rightarrow
    B)` over the categories A the customer already buys, using rules with lift above
    ``min_lift`` (next-product-to-buy in its simplest, rule-based form; Knott, Hayes & Neslin
    2002 model it).

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``level``. Not modified.
    rules : DataFrame
        :func:`category_associations` output.
    level : str
        Item column the rules were computed on.
    n : int
        Suggestions per customer.
    min_lift : float
        Rules with a lift at or below this are ignored.

    Returns
    -------
    DataFrame
        One row per customer and suggestion: ``customer_id``, ``rank`` (1 = best),
        ``suggestion``, ``because`` (the bought category of the best rule), ``confidence``,
        ``lift``. Customers without any applicable rule are absent.
    """
    _check_transactions(transactions)
    m, customers, items = _incidence(transactions, level, "customer")
    pos = {name: i for i, name in enumerate(items)}
    r = rules.loc[rules["lift"] > min_lift]
    r = r.loc[r["antecedent"].isin(pos) & r["consequent"].isin(pos)]
    k = len(items)
    conf = np.zeros((k, k))
    lift = np.zeros((k, k))
    ai = r["antecedent"].map(pos).to_numpy(dtype=int)
    bi = r["consequent"].map(pos).to_numpy(dtype=int)
    conf[ai, bi] = r["confidence"].to_numpy()
    lift[ai, bi] = r["lift"].to_numpy()
    bought = m.toarray() > 0
    best = np.zeros(bought.shape)
    because = np.full(bought.shape, -1)
    for a in np.unique(ai):  # loop over antecedent items, vectorised over customers
        cand = np.where(bought[:, [a]], conf[a][None, :], 0.0)
        better = cand > best
        best = np.where(better, cand, best)
        because = np.where(better, a, because)
    best[bought] = 0.0
    n = int(n)
    order = np.argsort(-best, axis=1, kind="stable")[:, :n]
    rows = np.repeat(np.arange(len(customers)), order.shape[1])
    cols = order.ravel()
    score = best[rows, cols]
    keep = score > 0
    rows, cols, score = rows[keep], cols[keep], score[keep]
    ante = because[rows, cols]
    out = pd.DataFrame(
        {
            "customer_id": customers[rows],
            "rank": np.tile(np.arange(1, order.shape[1] + 1), len(customers))[keep],
            "suggestion": items[cols],
            "because": items[ante],
            "confidence": score,
            "lift": lift[ante, cols],
        }
    )
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
    frame = _check_transactions(transactions)
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


def upselling_trends(
    transactions: pd.DataFrame,
    basket_column: str | None = "basket_id",
    min_baskets: int = 4,
    level: float = 0.95,
) -> pd.DataFrame:
    """Per-customer trend of basket value over time: who is moving up, who down.

    For each customer, the least-squares line :math:`v_j = a + b\\,t_j + e_j` through their
    basket values :math:`v_j` at times :math:`t_j` (weeks since the first date of the data):
    :math:`\\hat b = S_{tv}/S_{tt}`, standard error :math:`\\sqrt{s^2/S_{tt}}` with
    :math:`s^2 = \\sum e_j^2/(n-2)`, and the ``level`` interval from Student's t with
    :math:`n-2` degrees of freedom. Computed for all customers at once from grouped sums.

    Parameters
    ----------
    transactions : DataFrame
        The contract; baskets are ``basket_column`` when present, else customer-days.
    basket_column : str or None
        Basket id column.
    min_baskets : int
        Customers with fewer baskets get ``trend = "too few baskets"`` (at least 3).
    level : float
        Confidence level of the interval.

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``n_baskets``, ``mean_basket``, ``slope`` (change of basket
        value per week), ``slope_low``, ``slope_high``, ``relative_slope`` (slope over mean
        basket: share per week) and ``trend``: ``"up"`` (interval above 0: up-selling
        works), ``"down"`` (below 0), ``"stable"`` or ``"too few baskets"``.
    """
    from scipy.stats import t as student_t

    frame = _check_transactions(transactions)
    min_baskets = max(3, int(min_baskets))
    if basket_column is not None and basket_column in transactions.columns:
        frame["basket"] = transactions[basket_column].to_numpy()
    else:
        frame["basket"] = frame["date"]
    baskets = frame.groupby(["customer_id", "basket"], sort=False).agg(
        amount=("amount", "sum"), date=("date", "min")
    )
    baskets = baskets.reset_index()
    t = (baskets["date"] - frame["date"].min()).dt.days.to_numpy(dtype=float) / 7.0
    v = baskets["amount"].to_numpy(dtype=float)
    work = pd.DataFrame({"id": baskets["customer_id"].to_numpy(), "t": t, "v": v})
    work["tt"], work["tv"], work["vv"] = t * t, t * v, v * v
    s = work.groupby("id", sort=True).agg(
        n=("t", "size"), st=("t", "sum"), sv=("v", "sum"), stt=("tt", "sum"),
        stv=("tv", "sum"), svv=("vv", "sum"),
    )  # fmt: skip
    n = s["n"].to_numpy(dtype=float)
    sxx = s["stt"] - s["st"] ** 2 / n
    sxy = s["stv"] - s["st"] * s["sv"] / n
    syy = s["svv"] - s["sv"] ** 2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (sxy / sxx).to_numpy()
        rss = np.clip((syy - slope * sxy).to_numpy(), 0, None)
        se = np.sqrt(rss / (n - 2) / sxx.to_numpy())
        q = student_t.ppf(0.5 + level / 2, np.maximum(n - 2, 1))
    mean = (s["sv"] / n).to_numpy()
    enough = (n >= min_baskets) & (sxx.to_numpy() > 0)
    low, high = slope - q * se, slope + q * se
    trend = np.select([~enough, low > 0, high < 0], ["too few baskets", "up", "down"], "stable")
    out = pd.DataFrame(
        {
            "n_baskets": n.astype("int64"),
            "mean_basket": mean,
            "slope": np.where(enough, slope, np.nan),
            "slope_low": np.where(enough, low, np.nan),
            "slope_high": np.where(enough, high, np.nan),
            "relative_slope": np.where(enough, slope / mean, np.nan),
            "trend": pd.Categorical(trend, categories=["up", "stable", "down", "too few baskets"]),
        },
        index=s.index,
    )
    out.index.name = "customer_id"
    return out


def upselling_summary(trends: pd.DataFrame) -> pd.DataFrame:
    """Customers, mean basket and mean slope by up-selling trend.

    Parameters
    ----------
    trends : DataFrame
        :func:`upselling_trends` output.

    Returns
    -------
    DataFrame
        Index ``trend``; ``customers``, ``share``, ``mean_basket``, ``mean_slope``,
        ``mean_relative_slope``.
    """
    g = trends.groupby("trend", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_basket": g["mean_basket"].mean(),
            "mean_slope": g["slope"].mean(),
            "mean_relative_slope": g["relative_slope"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    return out


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
    frame = _check_transactions(transactions)
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
