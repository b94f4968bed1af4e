"""Campaigns: which one to evaluate, its difference-in-differences effect with an event study
and a joint pre-trend test, and coupon redemption (Bertrand, Duflo & Mullainathan 2004)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab._deprecation import resolve_alpha
from crmlab.checks import check_choice, check_count
from crmlab.errors import DataError, ParameterError
from crmlab.programmes.effects import twfe, wald_test
from crmlab.transactions import check_transactions

__all__ = [
    "PRETREND_ALPHA",
    "SELECTION_CAVEAT",
    "CampaignEffect",
    "campaign_effect",
    "choose_campaign",
    "coupon_redemption_rates",
    "default_campaign",
    "resolve_campaign",
]

SELECTION_CAVEAT = (
    "Households were not assigned to the campaign at random: the retailer chose them. The "
    "household fixed effects remove stable differences in spending between them and the others, "
    "and the week fixed effects remove what happened to everybody; the estimate is causal only "
    "if, without the campaign, both groups' spending would have moved in parallel. Check the "
    "pre-campaign coefficients of the event study: far from zero, the assumption is doubtful."
)


#: Significance level of the joint pre-trend test reported with a campaign's effect.
PRETREND_ALPHA = 0.05


@dataclass
@dataclass
class CampaignEffect:
    """What :func:`campaign_effect` returns.

    Attributes
    ----------
    summary : DataFrame
        One row: ``campaign_id``, ``estimate`` (difference-in-differences effect on weekly
        spend per household, money), ``std_error``, ``p_value``, ``lower``, ``upper``,
        ``relative_effect`` (estimate over the treated households' mean weekly spend before),
        ``baseline`` (that mean), ``naive_difference`` (treated minus control mean weekly spend
        after the start: what a naive comparison reports), ``n_treated``, ``n_control``,
        ``weeks_before``, ``weeks_after``, ``pretrend_chi2``, ``pretrend_dof`` and
        ``pretrend_p_value`` (joint Wald test that every pre-campaign coefficient of the event
        study is zero: a small p-value says the groups' spending already moved differently
        before the campaign), ``n_overlap_treated`` and ``n_overlap_control`` (households that
        received another campaign running in the window: excluded with
        ``overlapping="exclude"``, counted but kept with ``"keep"``), ``overlapping`` (the
        policy) and ``n_overlapping_campaigns`` (other campaigns running in the window).
    event_study : DataFrame
        Index ``week`` (weeks relative to the campaign start; -1 is the reference, fixed at 0);
        ``estimate``, ``lower``, ``upper``: the treated-minus-control difference in each week
        relative to week -1.
    weekly : DataFrame
        Index ``week``; mean weekly spend of the ``treated`` and ``control`` households.
    caveat : str
        The selection caveat (:data:`SELECTION_CAVEAT`).
    overlapping_campaigns : list
        Ids of the other campaigns whose run overlaps the panel's weeks.
    """

    summary: pd.DataFrame
    event_study: pd.DataFrame
    weekly: pd.DataFrame
    caveat: str
    overlapping_campaigns: list = None  # type: ignore[assignment]

    def overview(self, currency: str | None = None) -> pd.DataFrame:
        """The summary as a two-column table a client can read (measure, value as text).

        Parameters
        ----------
        currency : str, optional
            Currency written after the money values.

        Returns
        -------
        DataFrame
            Index ``measure`` (readable labels; money per household and week); column ``value``:
            each number formatted for its kind (money, p-value, count) by :mod:`crmlab.text`.
        """
        from crmlab import text

        s = self.summary.iloc[0]
        level = text.pct(1 - self.summary.attrs.get("alpha", 0.05))

        def money(x: float) -> str:
            return text.money(x, currency, digits=2)

        def p(x: float) -> str:
            return text.pvalue(x).removeprefix("p = ").removeprefix("p ")

        rows = {
            "effect on weekly spend per household (difference-in-differences)": money(
                s["estimate"]
            ),
            f"{level} interval": f"{money(s['lower'])} to {money(s['upper'])}",
            "p-value of the effect": p(s["p_value"]),
            "pre-trend test (joint, pre-campaign weeks): chi-square": text.number(
                s["pretrend_chi2"], 2
            ),
            "pre-trend test: degrees of freedom": text.count(s["pretrend_dof"]),
            "pre-trend test: p-value": p(s["pretrend_p_value"]),
            "receiving households": text.count(s["n_treated"]),
            "other households": text.count(s["n_control"]),
            "receiving households of overlapping campaigns"
            + (" (left out)" if s.get("overlapping") == "exclude" else ""): text.count(
                s["n_overlap_treated"]
            ),
            "other households of overlapping campaigns"
            + (" (left out)" if s.get("overlapping") == "exclude" else ""): text.count(
                s["n_overlap_control"]
            ),
        }
        out = pd.DataFrame({"value": list(rows.values())}, index=list(rows))
        out.index.name = "measure"
        return out

    @property
    def parallel_pretrends(self) -> bool:
        """Whether the joint pre-trend test gives no evidence of differing pre-trends (5%)."""
        p = float(self.summary["pretrend_p_value"].iloc[0])
        return bool(np.isfinite(p) and p >= PRETREND_ALPHA)


def default_campaign(
    campaigns: pd.DataFrame,
    transactions: pd.DataFrame,
    min_households: int = 500,
    weeks_before: int = 8,
) -> Any:
    """The first campaign (by start date) with enough households and enough weeks before it.

    Parameters
    ----------
    campaigns : DataFrame
        Index ``campaign_id``; ``start_date`` and ``n_households``.
    transactions : DataFrame
        The log (its first date limits the weeks before).
    min_households : int
        Least number of receiving households.
    weeks_before : int
        Least number of weeks of data before the start.

    Returns
    -------
    campaign id
        On The Complete Journey: campaign 8 (Type A, 1,076 households, from 2017-05-08).
    """
    first = transactions["date"].min()
    ok = campaigns.loc[
        (campaigns["n_households"] >= min_households)
        & (campaigns["start_date"] >= first + pd.Timedelta(weeks=weeks_before))
    ]
    if ok.empty:
        raise DataError(
            f"no campaign has at least {min_households} households and {weeks_before} weeks of "
            "data before its start; choose one with campaign_id=...",
            column="campaign_id",
        )
    return ok.sort_values("start_date", kind="stable").index[0]


def choose_campaign(
    campaigns: pd.DataFrame,
    transactions: pd.DataFrame,
    campaign_id: Any = "",
    min_households: int = 500,
    weeks_before: int = 8,
) -> tuple[Any, str]:
    """The campaign to evaluate and the reason, in words, why it is that one.

    Parameters
    ----------
    campaigns : DataFrame
        Index ``campaign_id``; ``start_date``, ``n_households``.
    transactions : DataFrame
        The log.
    campaign_id : str or id
        A campaign id chosen by the analyst (``"8"`` matches the integer id 8); empty: the rule
        of :func:`default_campaign`.
    min_households, weeks_before : int
        The rule's thresholds (see :func:`default_campaign`).

    Returns
    -------
    (campaign id or None, str)
        The id (None without campaign data) and the reason, as a clause that follows "because"
        ("it is the first campaign (by start date) that reached at least 500 households ...").
    """
    min_households = check_count(min_households, "min_households")
    weeks_before = check_count(weeks_before, "weeks_before", minimum=2)
    if len(campaigns) == 0:
        return None, ""
    if campaign_id is None or str(campaign_id) == "":
        chosen = default_campaign(campaigns, transactions, min_households, weeks_before)
        return chosen, (
            "it is the first campaign (by start date) that reached at least "
            f"{min_households:,} households and has at least {weeks_before} weeks of data before "
            "its start: enough households for a precise estimate, and enough weeks to check the "
            "pre-campaign trends"
        )
    chosen = resolve_campaign(campaigns, transactions, campaign_id)
    return chosen, "the analyst chose it (parameter campaign_id)"


def resolve_campaign(
    campaigns: pd.DataFrame, transactions: pd.DataFrame, campaign_id: Any = ""
) -> Any:
    """The campaign to evaluate: ``campaign_id`` matched as text, or :func:`default_campaign`.

    Parameters
    ----------
    campaigns : DataFrame
        Index ``campaign_id``; ``start_date``, ``n_households``.
    transactions : DataFrame
        The log.
    campaign_id : str or id
        A campaign id (``"8"`` matches the integer id 8); empty for the default.

    Returns
    -------
    campaign id or None
        None when ``campaigns`` is empty (no campaign data).
    """
    if len(campaigns) == 0:
        return None
    if campaign_id is None or str(campaign_id) == "":
        return default_campaign(campaigns, transactions)
    matches = [c for c in campaigns.index if str(c) == str(campaign_id)]
    if not matches:
        raise ParameterError(
            f"campaign_id {campaign_id!r} is not a campaign; choose one of "
            f"{[str(c) for c in campaigns.index[:30]]}.",
            parameter="campaign_id",
        )
    return matches[0]


def campaign_effect(
    transactions: pd.DataFrame,
    campaigns: pd.DataFrame,
    receipts: pd.DataFrame,
    campaign_id: Any,
    window: tuple[int, int] = (8, 8),
    alpha: float = 0.05,
    *,
    overlapping: str = "exclude",
    level: float | None = None,
) -> CampaignEffect:
    """Difference-in-differences effect of a campaign on weekly spend, with an event study.

    Weeks are 7-day periods counted from the campaign's ``start_date`` (week 0 starts on it).
    Every household that bought anything in the log is in the panel, with 0 spend in weeks
    without a purchase. With :math:`D_i = 1` for households that received the campaign and
    :math:`P_t = 1` for weeks 0 and later,

    .. math:: y_{it} = \\alpha_i + \\lambda_t + \\beta\\, D_i P_t + \\varepsilon_{it},

    estimated by :func:`twfe` (household and week fixed effects absorbed, errors clustered by
    household; Bertrand, Duflo & Mullainathan 2004). The event study replaces
    :math:`\\beta D_i P_t` by :math:`\\sum_{k \\ne -1} \\beta_k D_i 1[t = k]`.

    Parameters
    ----------
    transactions : DataFrame
        The contract. Not modified.
    campaigns : DataFrame
        Index ``campaign_id``; ``start_date``.
    receipts : DataFrame
        ``customer_id``, ``campaign_id``: who received which campaign.
    campaign_id : campaign id
        The campaign to evaluate.
    window : (int, int)
        Weeks before and after the start in the panel.
    alpha : float
        Significance level: the intervals cover ``1 - alpha`` (default 95%).
    overlapping : {"exclude", "keep"}
        Households exposed to another campaign in the window: left out (default) or kept.
    level : float, optional
        Deprecated: the confidence level ``1 - alpha``.

    Returns
    -------
    CampaignEffect
        Summary, event study, weekly means, the selection caveat and the overlapping campaigns.
    """
    alpha = resolve_alpha(alpha, level, "campaign_effect")
    check_choice(overlapping, "overlapping", ("exclude", "keep"))
    if campaign_id not in campaigns.index:
        raise ParameterError(
            f"campaign_id {campaign_id!r} is not in campaigns (e.g. {list(campaigns.index[:5])}).",
            parameter="campaign_id",
        )
    before, after = window
    before = check_count(before, "window (weeks before the start)", minimum=2)
    after = check_count(after, "window (weeks from the start on)", minimum=1)
    frame = check_transactions(transactions)
    start = pd.Timestamp(campaigns.loc[campaign_id, "start_date"]).normalize()
    week = np.floor((frame["date"] - start).dt.days.to_numpy() / 7).astype(int)
    inside = (week >= -before) & (week < after)
    households = np.sort(frame["customer_id"].unique())
    u_codes = np.searchsorted(households, frame["customer_id"].to_numpy()[inside])
    n_u, n_w = len(households), before + after
    spend = np.zeros((n_u, n_w))
    np.add.at(spend, (u_codes, week[inside] + before), frame["amount"].to_numpy()[inside])
    treated_ids = receipts.loc[receipts["campaign_id"] == campaign_id, "customer_id"].unique()
    treated = np.isin(households, treated_ids)
    window_start = start - pd.Timedelta(weeks=before)
    window_end = start + pd.Timedelta(weeks=after)
    ends = campaigns["end_date"] if "end_date" in campaigns else campaigns["start_date"]
    others = campaigns.index[
        (campaigns.index != campaign_id)
        & (pd.to_datetime(campaigns["start_date"]) < window_end).to_numpy()
        & (pd.to_datetime(ends) >= window_start).to_numpy()
    ]
    exposed_ids = receipts.loc[receipts["campaign_id"].isin(others), "customer_id"].unique()
    exposed = np.isin(households, exposed_ids)
    n_overlap_treated = int((exposed & treated).sum())
    n_overlap_control = int((exposed & ~treated).sum())
    if overlapping == "exclude" and exposed.any():
        households, spend, treated = households[~exposed], spend[~exposed], treated[~exposed]
        n_u = len(households)
    if treated.sum() < 2 or (~treated).sum() < 2:
        raise DataError(
            f"campaign {campaign_id!r} has {int(treated.sum())} receiving and "
            f"{int((~treated).sum())} other households in the log"
            + (
                " once households exposed to overlapping campaigns are left out (pass "
                "overlapping='keep' to keep them)"
                if overlapping == "exclude" and exposed.any()
                else ""
            )
            + "; both need at least 2.",
            column="campaign_id",
        )
    weeks = np.arange(-before, after)
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(households, n_w),
            "week": np.tile(weeks, n_u),
            "spend": spend.ravel(),
        }
    )
    d = np.repeat(treated, n_w).astype(float)
    post = (panel["week"].to_numpy() >= 0).astype(float)
    panel["did"] = d * post
    est = twfe(panel, "spend", ["did"], alpha=alpha).iloc[0]
    event_terms = []
    for k in weeks:
        if k == -1:
            continue
        name = f"w{k}"
        panel[name] = d * (panel["week"].to_numpy() == k)
        event_terms.append(name)
    ev = twfe(panel, "spend", event_terms, alpha=alpha)
    leads = [f"w{k}" for k in weeks if k < -1]
    pre = wald_test(ev, leads)
    event = pd.DataFrame(
        {
            "estimate": ev["estimate"].to_numpy(),
            "lower": ev["lower"].to_numpy(),
            "upper": ev["upper"].to_numpy(),
        },
        index=pd.Index([k for k in weeks if k != -1], name="week"),
    )
    event.loc[-1] = [0.0, 0.0, 0.0]
    event = event.sort_index()
    weekly = pd.DataFrame(
        {"treated": spend[treated].mean(axis=0), "control": spend[~treated].mean(axis=0)},
        index=pd.Index(weeks, name="week"),
    )
    baseline = float(spend[treated, :before].mean())
    naive = float(spend[treated, before:].mean() - spend[~treated, before:].mean())
    summary = pd.DataFrame(
        {
            "campaign_id": [campaign_id],
            "estimate": [float(est["estimate"])],
            "std_error": [float(est["std_error"])],
            "p_value": [float(est["p_value"])],
            "lower": [float(est["lower"])],
            "upper": [float(est["upper"])],
            "relative_effect": [float(est["estimate"]) / baseline if baseline else np.nan],
            "baseline": [baseline],
            "naive_difference": [naive],
            "n_treated": [int(treated.sum())],
            "n_control": [int((~treated).sum())],
            "weeks_before": [before],
            "weeks_after": [after],
            "pretrend_chi2": [pre["chi2"]],
            "pretrend_dof": [int(pre["dof"])],
            "pretrend_p_value": [pre["p_value"]],
            "n_overlap_treated": [n_overlap_treated],
            "n_overlap_control": [n_overlap_control],
            "overlapping": [overlapping],
            "n_overlapping_campaigns": [len(others)],
        }
    )
    summary.attrs["alpha"] = event.attrs["alpha"] = alpha
    return CampaignEffect(
        summary=summary,
        event_study=event,
        weekly=weekly,
        caveat=SELECTION_CAVEAT,
        overlapping_campaigns=list(others),
    )


def coupon_redemption_rates(
    receipts: pd.DataFrame,
    redemptions: pd.DataFrame,
    segments: pd.Series | None = None,
    campaigns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Share of the households that received a campaign who redeemed one of its coupons.

    Parameters
    ----------
    receipts : DataFrame
        ``customer_id``, ``campaign_id``: who received which campaign.
    redemptions : DataFrame
        ``customer_id``, ``campaign_id``: coupon redemptions (one row per coupon).
    segments : Series, optional
        A segment per customer (cluster, RFM segment, strategy): the rates are then pooled over
        campaigns by segment.
    campaigns : DataFrame, optional
        Campaign table (index ``campaign_id``); its ``campaign_type`` is added.

    Returns
    -------
    DataFrame
        Index ``campaign_id`` (or the segment); ``received`` (household-campaign pairs),
        ``redeemed`` (pairs with at least one redemption), ``rate`` and ``coupons`` (coupons
        redeemed); with ``campaigns`` also ``campaign_type``.
    """
    for name, table in (("receipts", receipts), ("redemptions", redemptions)):
        for col in ("customer_id", "campaign_id"):
            if col not in table.columns:
                raise DataError(f"{name} lacks the column '{col}'.", column=col)
    pairs = receipts[["customer_id", "campaign_id"]].drop_duplicates()
    used = redemptions.groupby(["customer_id", "campaign_id"]).size().rename("coupons")
    pairs = pairs.join(used, on=["customer_id", "campaign_id"])
    pairs["coupons"] = pairs["coupons"].fillna(0).astype("int64")
    pairs["redeemed"] = pairs["coupons"] > 0
    if segments is not None:
        seg = pd.Series(segments)
        key = pairs["customer_id"].map(seg)
        name = seg.name or "segment"
    else:
        key = pairs["campaign_id"]
        name = "campaign_id"
    g = pairs.groupby(key.to_numpy(), observed=True, sort=True)
    out = pd.DataFrame(
        {"received": g.size(), "redeemed": g["redeemed"].sum(), "coupons": g["coupons"].sum()}
    )
    out.insert(2, "rate", out["redeemed"] / out["received"])
    out.index.name = name
    if campaigns is not None and segments is None and "campaign_type" in campaigns:
        out["campaign_type"] = campaigns["campaign_type"].reindex(out.index).to_numpy()
    return out
