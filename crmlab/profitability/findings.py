"""Key findings of the customer-base analysis (notebook 00), computed from its tables."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmlab import text

__all__ = ["customer_base_findings"]

#: Where a notebook user sets each assumption (quoted when it is the notebook's default).
_PARAMETER = {"margin_rate": "margin_rate", "cost_per_purchase": "cost_per_purchase"}


def _pct(x: float) -> str:
    return text.pct(x)


def _money(value: float, currency: str) -> str:
    whole = float(value) == round(float(value))
    return text.money(value, currency or None, digits=0 if whole else 2)


def _assumed(
    sensitivity: pd.DataFrame, sources: Mapping[str, str], currency: str
) -> tuple[str, str]:
    """'the assumed 30% gross margin and 5 EUR cost to serve per purchase day' and where the
    values come from ('(both the notebook's defaults, ...)')."""
    base = sensitivity.iloc[0]
    basis = sensitivity.attrs.get("profit_basis")
    parts, names = [], []
    if basis == "margin_rate" and text.available(base["margin_rate"]):
        parts.append(f"{_pct(base['margin_rate'])} gross margin")
        names.append("margin_rate")
    elif basis == "cost_column":
        parts.append("cost of goods from the data")
    cost = float(base["cost_per_purchase"])
    parts.append(f"{_money(cost, currency)} cost to serve per purchase day")
    names.append("cost_per_purchase")
    phrase = "the assumed " + " and ".join(parts)
    defaults = [n for n in names if sources.get(n) == "default"]
    given = [n for n in names if sources.get(n) == "given"]
    if not sources:
        where = ""
    elif defaults and not given:
        both = "both the notebook's defaults" if len(defaults) > 1 else "the notebook's default"
        where = (
            f" ({both}, not measured figures: set "
            f"{' and '.join(_PARAMETER[n] for n in defaults)} to yours)"
        )
    elif given and not defaults:
        where = " (as given for this run)"
    else:
        where = (
            f" ({' and '.join(given)} as given for this run; "
            f"{' and '.join(defaults)} the notebook's default, not a measured figure)"
        )
    return phrase, where


def _scenario(sensitivity: pd.DataFrame, name: str, currency: str) -> str:
    row = sensitivity.loc[name]
    if row["changed"] == "margin_rate":
        return f"at a {_pct(row['margin_rate'])} margin"
    if row["changed"] == "cost_per_purchase":
        return f"at {_money(row['cost_per_purchase'], currency)} per purchase day"
    return "as assumed"


def _sensitivity_sentence(sensitivity: pd.DataFrame, currency: str) -> str | None:
    """'At a 20% margin 25% of customers would lose money (7% at 40%); ...'."""
    pieces = []
    for changed, shown in (
        ("margin_rate", lambda v: f"a {_pct(v)} margin"),
        ("cost_per_purchase", lambda v: f"{_money(v, currency)} per purchase day"),
    ):
        rows = sensitivity.loc[sensitivity["changed"] == changed]
        if len(rows) == 0:
            continue
        words = [
            f"{_pct(r['unprofitable_share'])} at {shown(r[changed])}" for _, r in rows.iterrows()
        ]
        pieces.append(", ".join(words))
    if not pieces:
        return None
    tops = sensitivity["top_20_share"].dropna()
    spread = ""
    if len(tops) > 1 and _pct(tops.min()) != _pct(tops.max()):
        low, high = tops.idxmin(), tops.idxmax()
        spread = (
            f" The most valuable 20% of customers' share of total profit ranges from "
            f"{_pct(tops[low])} ({_scenario(sensitivity, low, currency)}) to "
            f"{_pct(tops[high])} ({_scenario(sensitivity, high, currency)}) over these "
            "scenarios"
            + ("; above 100%, the other customers together lose money." if tops[high] > 1 else ".")
        )
    return (
        "How much this rests on the assumptions: the share of customers who lose money would be "
        + "; ".join(pieces)
        + " (one assumption moved at a time)."
        + spread
    )


def customer_base_findings(
    summary: pd.DataFrame,
    segments_table: pd.DataFrame,
    whale_summary: pd.DataFrame,
    gap_distribution: pd.DataFrame | None = None,
    cross_summary: pd.DataFrame | None = None,
    profit_basis: str = "margin_rate",
    gap_time_unit: str = "D",
    *,
    sensitivity: pd.DataFrame | None = None,
    sources: Mapping[str, str] | None = None,
    currency: str = "",
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
    sensitivity : DataFrame, optional
        :func:`profit_sensitivity` output: the findings then quote the assumed margin rate and
        cost to serve with their values, and add a line saying what the share of unprofitable
        customers would be at the other values tried.
    sources : mapping, optional
        :func:`assumption_sources` output (``"default"`` or ``"given"`` per assumption): a
        default is quoted as the notebook's default, not a measured figure.
    currency : str, optional
        Currency of the amounts (e.g. ``"EUR"``), written after money.

    Returns
    -------
    list of str
        One plain-text sentence per finding (show them with :class:`crmlab.text.Findings`); a
        number the tables do not support leaves its sentence out, so none holds ``nan``.
    """
    findings: list[str] = []
    n = len(summary)
    if n == 0:
        return findings
    unit = text.unit_word(summary.attrs.get("time_unit", "W"))
    end = summary.attrs.get("calibration_end") or summary.attrs.get("observation_end")
    end_text = f" up to {pd.Timestamp(end).date()}" if end is not None else ""
    one_timers = float((summary["frequency"] == 0).mean())
    tenure = float(summary["T"].median())
    tenure_text = (
        f"; the median customer has been a customer for {text.number(tenure, 1)} {unit}"
        if text.available(tenure)
        else ""
    )
    findings.append(
        f"The data hold {text.count(n)} customers{end_text}; {_pct(one_timers)} of them bought "
        f"on a single day and never came back{tenure_text}."
    )
    seg = segments_table.loc[segments_table["customers"] > 0]
    if len(seg) and seg["revenue_share"].notna().any():
        largest = seg["customers"].idxmax()
        top_rev = seg["revenue_share"].idxmax()
        findings.append(
            f"The largest RFM segment is {largest} ({_pct(seg.loc[largest, 'share'])} of "
            f"customers); {top_rev} bring the most revenue: "
            f"{_pct(seg.loc[top_rev, 'revenue_share'])} of it from "
            f"{_pct(seg.loc[top_rev, 'share'])} of customers."
        )
    ws = whale_summary.iloc[0]
    what = "revenue" if profit_basis == "revenue" else "profit"
    if text.available(ws["top_20_share"], ws["gini"]):
        at_assumed = " at the assumed margin and costs" if sensitivity is not None else ""
        findings.append(
            f"The most valuable 20% of customers bring {_pct(ws['top_20_share'])} of {what} "
            f"(top 10%: {_pct(ws['top_10_share'])}, top half: {_pct(ws['top_50_share'])})"
            f"{at_assumed}; the "
            f"Gini coefficient of customer {what} is {text.number(ws['gini'], 2)}."
        )
    if sensitivity is not None and len(sensitivity):
        phrase, where = _assumed(sensitivity, dict(sources or {}), currency)
        at = f"At {phrase}{where}, "
    elif profit_basis != "revenue":
        at = "Under the assumed margin and costs, "
    else:
        at = ""
    if ws["unprofitable_share"] > 0:
        findings.append(
            f"{at}{_pct(ws['unprofitable_share'])} of customers lose money. Cumulative profit "
            f"peaks at {_pct(ws['peak_profit_share'])} of total profit after the best "
            f"{_pct(ws['peak_customer_share'])} of customers; the unprofitable customers destroy "
            f"{_pct(ws['loss_share'])} of total profit (the whale curve's hump)."
        )
    elif ws["unprofitable_share"] == 0:
        findings.append(
            f"{at}no customer loses money, so the whale curve has no hump and ends at 100%: "
            f"{what} is only concentrated. Customer-level costs to serve are what reveal "
            "unprofitable customers."
            if at
            else "No customer loses money under the assumed costs, so the whale curve has no "
            f"hump and ends at 100%: {what} is only concentrated. Customer-level costs to serve "
            "are what reveal unprofitable customers."
        )
    if sensitivity is not None and len(sensitivity):
        line = _sensitivity_sentence(sensitivity, currency)
        if line:
            findings.append(line)
    if gap_distribution is not None and {"p50", "p90"} <= set(gap_distribution.index):
        p50, p90 = gap_distribution.loc["p50", "gap"], gap_distribution.loc["p90", "gap"]
        if text.available(p50, p90):
            findings.append(
                f"Half of the repeat purchases come within {text.duration(p50, gap_time_unit)} "
                f"of the previous one and 90% within {text.duration(p90, gap_time_unit)}: a "
                "customer silent for much longer than that is probably lapsing."
            )
    if cross_summary is not None and len(cross_summary) > 1:
        multi = cross_summary.loc[cross_summary.index >= 2]
        weight = multi["customers"].sum()
        mean_multi = (
            float((multi["mean_revenue"] * multi["customers"]).sum() / weight) if weight else np.nan
        )
        base = cross_summary["mean_revenue"].get(1, np.nan)
        if text.available(base, mean_multi) and base > 0:
            findings.append(
                f"Customers who buy in two or more categories ({_pct(multi['share'].sum())} of "
                f"customers) spend {text.number(mean_multi / base, 1)} times as much as "
                "one-category customers: an association, partly because customers who buy more "
                "often have more occasions to buy in another category (Kumar, George & Pancras "
                "2008)."
            )
    return findings
