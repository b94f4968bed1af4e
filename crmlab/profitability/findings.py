"""Key findings of the customer-base analysis (notebook 00), computed from its tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab import text

__all__ = ["customer_base_findings"]


def _pct(x: float) -> str:
    return text.pct(x)


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
        findings.append(
            f"The most valuable 20% of customers bring {_pct(ws['top_20_share'])} of {what} "
            f"(top 10%: {_pct(ws['top_10_share'])}, top half: {_pct(ws['top_50_share'])}); the "
            f"Gini coefficient of customer {what} is {text.number(ws['gini'], 2)}."
        )
    if ws["unprofitable_share"] > 0:
        findings.append(
            f"{_pct(ws['unprofitable_share'])} of customers lose money. Cumulative profit "
            f"peaks at {_pct(ws['peak_profit_share'])} of total profit after the best "
            f"{_pct(ws['peak_customer_share'])} of customers; the unprofitable customers destroy "
            f"{_pct(ws['loss_share'])} of total profit (the whale curve's hump)."
        )
    elif ws["unprofitable_share"] == 0:
        findings.append(
            f"No customer loses money under the assumed costs, so the whale curve has no hump "
            f"and ends at 100%: {what} is only concentrated. Customer-level costs to serve are "
            "what reveal unprofitable customers."
        )
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
                "one-category customers."
            )
    return findings
