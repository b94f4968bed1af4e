"""Key findings of the customer-portfolio notebook (05), computed from its tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from crmlab import text
from crmlab.segments.clusters import ClusterResult
from crmlab.segments.portfolio import key_account_criteria

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
    *,
    key_value_name: str = "value",
    campaign_choice: str = "",
    cross: pd.DataFrame | None = None,
    multichannel: pd.DataFrame | None = None,
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
    key_value_name : str
        What the key accounts' value is (``"predicted 52-week CLV"``), for the stated criteria.
    campaign_choice : str
        Why the campaign is the one evaluated (:func:`crmlab.programmes.choose_campaign`).
    cross : DataFrame, optional
        :func:`crmlab.profitability.cross_buying_frequency` output (its ``attrs`` hold the
        correlations).
    multichannel : DataFrame, optional
        :func:`crmlab.channels.multichannel_summary` output (the user's ``channel`` column).

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
        note = clusters.structure_note()
        if note:
            out.append(note)
    if portfolio is not None and len(portfolio):
        core = "maintain and protect"
        ka = portfolio.loc[core] if core in portfolio.index else None
        dev = portfolio.loc["develop"] if "develop" in portfolio.index else None
        if ka is not None and dev is not None:
            out.append(
                f"The maintain-and-protect quadrant (current and future value at or above the "
                f"medians) holds {_pct(ka['share'])} of customers with "
                f"{_pct(ka['current_value_share'])} of current value: the core of the base, "
                f"not its key accounts; {_pct(dev['share'])} are customers to develop (low now, "
                "high potential)."
            )
    if key is not None and "n_candidates" in key.attrs:
        failed = key.attrs.get("n_failed", 0)
        sentence = (
            f"Key accounts, by the stated criteria (customers "
            f"{key_account_criteria(key, key_value_name)}): {text.count(len(key))} "
            f"{'customer' if len(key) == 1 else 'customers'} "
            f"({text.pct(key.attrs['customer_share'], digits=1)} of all), holding "
            f"{_pct(key.attrs['value_share'])} of the {key_value_name}"
        )
        if failed:
            sentence += (
                f"; {text.count(failed)} of the {text.count(key.attrs['n_candidates'])} "
                f"customers in the top share {'falls' if failed == 1 else 'fall'} short of the "
                "relationship criteria"
            )
        out.append(sentence + ".")
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
            v = test["cramers_v"]
            strength = (
                "a negligible association: the best customers do not particularly prefer them"
                if v < 0.1
                else "a weak association between customer value and the tier bought"
                if v < 0.3
                else "the tier mix differs clearly between deciles"
            )
            unit = (
                f" on {text.count(test['n_customers'])} customers' main tier"
                if "n_customers" in test and text.available(test["n_customers"])
                else ""
            )
            out.append(
                f"The best value decile spends {_pct(shares.iloc[-1][prem])} on {prem} lines "
                f"against {_pct(shares.iloc[0][prem])} in the lowest decile (chi-square test"
                f"{unit}: {text.pvalue(test['p_value'])}, Cramér's V = "
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
    campaign = _campaign_sentence(effect, money, campaign_choice) if effect is not None else ""
    if campaign:
        out.append(campaign)
    if cross is not None and len(cross) and text.available(cross.attrs.get("partial")):
        a = cross.attrs
        out.append(
            f"Customers who buy in more {a.get('category_word', 'categories')} spend more "
            f"(Spearman correlation {text.number(a['spearman'], 2)}), but both grow with how "
            "often they buy (the frequency confound of Kumar, George & Pancras 2008). Holding "
            "the number of purchase days fixed, the partial correlation of the log number of "
            f"{a.get('category_word', 'categories')} and log revenue is "
            f"{text.number(a['partial'], 2)} ({text.pct(1 - a.get('alpha', 0.05))} interval "
            f"{text.interval(a['partial_lower'], a['partial_upper'])}): an association, not the "
            "effect of cross-selling."
        )
    if multichannel is not None and len(multichannel) and "share" in multichannel:
        multi = multichannel.loc[multichannel.index > 1]
        if len(multi) and text.available(multichannel["mean_revenue"].get(1)):
            rel = (
                (multi["mean_revenue"] * multi["customers"]).sum()
                / multi["customers"].sum()
                / multichannel["mean_revenue"].loc[1]
            )
            out.append(
                f"{_pct(multi['share'].sum())} of customers buy through more than one channel; "
                f"their mean revenue is {text.number(rel, 1)} times that of single-channel "
                "customers (an association: heavy buyers use more channels, Neslin & Shankar "
                "2009)."
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


def _campaign_sentence(effect: Any, money: Any, choice: str) -> str:
    s = effect.summary.iloc[0]
    cid = effect.summary["campaign_id"].iloc[0]
    level = text.pct(1 - effect.summary.attrs.get("alpha", 0.05))
    if not text.available(s["estimate"], s["lower"], s["upper"]):
        return ""  # no estimate: no sentence
    est = (
        f"{money(s['estimate'])} per household and week ({level} interval "
        f"{money(s['lower'])} to {money(s['upper'])})"
    )
    if s["lower"] <= 0 <= s["upper"]:
        head = (
            f"Campaign {cid}: no evidence of an effect on weekly spend; the "
            f"difference-in-differences estimate is {est}"
        )
    else:
        head = (
            f"Campaign {cid}: the difference-in-differences estimate of its effect on weekly "
            f"spend is {est}"
        )
    sentences = [head]
    n_t, n_c = s.get("n_overlap_treated", 0), s.get("n_overlap_control", 0)
    n_other = s.get("n_overlapping_campaigns", 0)
    if text.available(n_t, n_c) and n_t + n_c > 0:
        if s.get("overlapping") == "exclude":
            sentences[0] += (
                f", with the households that also received one of the {text.count(n_other)} "
                f"other campaigns running in the window left out ({text.count(n_t)} receiving "
                f"and {text.count(n_c)} other households; {text.count(s['n_treated'])} "
                f"receiving and {text.count(s['n_control'])} other households remain)"
            )
        else:
            sentences[0] += (
                f"; {text.count(n_t)} receiving and {text.count(n_c)} other households also "
                "received another campaign in the window, whose effects are mixed in"
            )
    if "pretrend_p_value" in s and text.available(s["pretrend_chi2"], s["pretrend_p_value"]):
        stat = (
            f"chi2 = {text.number(s['pretrend_chi2'], 1)} with {int(s['pretrend_dof'])} "
            f"degrees of freedom, {text.pvalue(s['pretrend_p_value'])}"
        )
        if s["pretrend_p_value"] >= 0.05:
            sentences.append(
                f"No evidence of differing pre-trends ({stat}), but the estimate still rests on "
                "parallel trends, since the retailer chose whom to target"
            )
        else:
            sentences.append(
                f"Warning: the pre-campaign coefficients differ jointly from zero ({stat}): the "
                "groups' spending already moved apart before the campaign, so the estimate "
                "cannot be read as the campaign's effect"
            )
    elif text.available(s.get("naive_difference")):
        sentences.append(
            f"The naive post-campaign gap is {money(s['naive_difference'])}; the estimate "
            "assumes parallel trends"
        )
    if choice:
        sentences.append(f"Campaign {cid} is the one evaluated because {choice}")
    return ". ".join(sentences) + "."
