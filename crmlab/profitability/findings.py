"""Key findings of the customer-base analysis (notebook 00), computed from its tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["customer_base_findings"]


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
