"""Key findings of the customer-portfolio notebook (05), computed from its tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab import text
from crmlab.segments.clusters import ClusterResult

__all__ = ["portfolio_findings"]


def _pct(x: float) -> str:
    return text.pct(x)


def portfolio_findings(
    clusters: ClusterResult | None = None,
    portfolio: pd.DataFrame | None = None,
    key: pd.DataFrame | None = None,
    categories: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    tiers: Any = None,
    effect: Any = None,
    loyalty: pd.DataFrame | None = None,
    channel_mix: pd.DataFrame | None = None,
    currency: str | None = None,
) -> list[str]:
    """Plain-language key findings of the customer-portfolio analysis, computed from its tables.

    Parameters
    ----------
    clusters : ClusterResult, optional
        :func:`cluster_customers` output (with ``revenue_share`` in the profiles when given).
    portfolio : DataFrame, optional
        :func:`portfolio_summary` output.
    key : DataFrame, optional
        :func:`key_accounts` output.
    categories : DataFrame, optional
        :func:`crmlab.profitability.category_profitability` output.
    rules : DataFrame, optional
        :func:`crmlab.profitability.category_associations` output.
    tiers : PriceTiers, optional
        :func:`crmlab.profitability.price_tiers` output.
    effect : CampaignEffect, optional
        :func:`crmlab.programmes.campaign_effect` output.
    loyalty : DataFrame, optional
        :func:`crmlab.programmes.loyalty_usage_summary` output.
    channel_mix : DataFrame, optional
        :func:`crmlab.channels.channel_mix` output.
    currency : str, optional
        Currency of the amounts, written after each (``"USD"``); without one amounts are shown
        bare, in the currency of the data.

    Returns
    -------
    list of str
        One plain-text sentence per finding (show them with :class:`crmlab.text.Findings`); a
        number the tables do not support leaves its sentence or clause out, so none holds
        ``nan``.
    """
    out: list[str] = []

    def money(x: float) -> str:
        return text.money(x, currency, digits=2)

    if clusters is not None:
        p = clusters.profiles
        sentence = (
            f"The customers fall into {clusters.k} clusters (largest: "
            f"{_pct(p['share'].max())} of customers)"
        )
        if text.available(clusters.mean_stability):
            sentence += (
                "; refitted on bootstrap resamples the partition is reproduced with a mean "
                f"adjusted Rand index of {text.number(clusters.mean_stability, 2)}"
            )
        if "revenue_share" in p and p["revenue_share"].notna().any():
            best = p["revenue_share"].idxmax()
            sentence += (
                f"; cluster {best} brings {_pct(p.loc[best, 'revenue_share'])} of revenue from "
                f"{_pct(p.loc[best, 'share'])} of customers"
            )
        out.append(sentence + ".")
    if portfolio is not None and len(portfolio):
        ka = portfolio.loc["key account"] if "key account" in portfolio.index else None
        dev = portfolio.loc["develop"] if "develop" in portfolio.index else None
        if ka is not None and dev is not None:
            out.append(
                f"The key-account quadrant (current and future value above the thresholds) "
                f"holds {_pct(ka['share'])} of "
                f"customers with {_pct(ka['current_value_share'])} of current value; "
                f"{_pct(dev['share'])} are customers to develop (low now, high potential)."
            )
    if key is not None and len(key):
        out.append(
            f"The key-account list -- the top {_pct(key.attrs['customer_share'])} of customers "
            f"by value, {text.count(len(key))} customers -- holds "
            f"{_pct(key.attrs['value_share'])} of value."
        )
    if categories is not None and len(categories) and categories["revenue"].notna().any():
        top = categories["revenue"].idxmax()
        sentence = (
            f"{top} is the largest {categories.index.name or 'category'} "
            f"({_pct(categories.loc[top, 'revenue_share'])} of revenue)"
        )
        if "discount" in categories and categories["discount"].sum() > 0:
            ratio = categories["discount"].sum() / (
                categories["revenue"].sum() + categories["discount"].sum()
            )
            sentence += (
                f"; loyalty and coupon discounts cost {_pct(ratio)} of the shelf value "
                f"({text.money(categories['discount'].sum(), currency)})"
            )
        out.append(sentence + ".")
    if tiers is not None:
        test = tiers.test.iloc[0]
        shares = tiers.shares
        prem = shares.columns[-1]
        if text.available(test["p_value"], test["cramers_v"]):
            strength = (
                "a negligible association: the best customers do not particularly prefer them"
                if test["cramers_v"] < 0.1
                else "the tier mix differs between deciles"
            )
            out.append(
                f"The best value decile spends {_pct(shares.iloc[-1][prem])} on {prem} lines "
                f"against {_pct(shares.iloc[0][prem])} in the lowest decile (chi-square "
                f"{text.pvalue(test['p_value'])}, Cramér's V = "
                f"{text.number(test['cramers_v'], 2)}: {strength})."
            )
    if rules is not None and len(rules):
        r = rules.iloc[0]
        out.append(
            f"The strongest cross-sell association: baskets with {r['antecedent']} contain "
            f"{r['consequent']} {text.number(r['lift'], 1)} times as often as baskets at large "
            f"(confidence {_pct(r['confidence'])})."
        )
    if loyalty is not None and len(loyalty) > 1 and "retention" in loyalty:
        tiers_used = [t for t in loyalty.index if t != "none"] or list(loyalty.index)
        hi, lo = tiers_used[-1], tiers_used[0]
        if hi != lo:
            out.append(
                f"Households in the {hi} loyalty-usage tier keep buying at a rate of "
                f"{_pct(loyalty.loc[hi, 'retention'])} against "
                f"{_pct(loyalty.loc[lo, 'retention'])} in the {lo} tier; discounts cost "
                f"{_pct(loyalty.loc[hi, 'discount_rate'])} of their shelf value (an association, "
                "not an effect)."
            )
    if effect is not None:
        s = effect.summary.iloc[0]
        cid = effect.summary["campaign_id"].iloc[0]
        if text.available(s["estimate"], s["lower"], s["upper"]):
            sig = (
                "the interval includes zero"
                if s["lower"] <= 0 <= s["upper"]
                else "the interval excludes zero"
            )
            naive = (
                f", while the naive post-campaign gap is {money(s['naive_difference'])}: "
                "targeted households already spent differently, and the estimate assumes "
                "parallel trends"
                if text.available(s.get("naive_difference"))
                else "; the estimate assumes parallel trends"
            )
            level = text.pct(1 - effect.summary.attrs.get("alpha", 0.05))
            out.append(
                f"Campaign {cid}: receiving households changed their weekly spend by "
                f"{money(s['estimate'])} ({level} interval {money(s['lower'])} to "
                f"{money(s['upper'])}; {sig}) relative to the others{naive}."
            )
    if channel_mix is not None and len(channel_mix):
        share_cols = [c for c in channel_mix.columns if c.startswith("share_")]
        if share_cols and "channel" in channel_mix.index.names:
            by = channel_mix.groupby(level="channel", observed=True)[share_cols].mean()
            parts = [
                f"{ch}: {by.loc[ch].idxmax().removeprefix('share_')} ({_pct(by.loc[ch].max())})"
                for ch in by.index
                if by.loc[ch].notna().any()
            ]
            if parts:
                out.append("Largest share of spend by channel: " + "; ".join(parts) + ".")
    return out
