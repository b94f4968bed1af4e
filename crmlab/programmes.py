"""Loyalty programmes and campaigns: usage, costs, campaign effects, programme effects.

- :func:`loyalty_usage` / :func:`loyalty_usage_summary`: how much of each customer's spend carries
  a loyalty discount, what the discounts cost, and spend and retention by usage tier.
- :func:`campaign_effect`: difference-in-differences of weekly spend between households that
  received a campaign and those that did not, with household and week fixed effects and errors
  clustered by household (Bertrand, Duflo & Mullainathan 2004), plus an event study.
- :func:`programme_effect`: the two-way fixed-effects estimate of a programme that customers
  join at different times, and the naive members-against-others comparison it corrects.
- :func:`coupon_redemption_rates`: redemption by campaign or by segment.

Selection is the central caveat: retailers target campaigns at chosen customers and customers
choose to join programmes, so members differ from non-members before any effect (Leenheer,
van Heerde, Bijmolt & Smidts 2007). Fixed effects remove stable differences; they do not remove
differences in trends.

References
----------
Angrist, J. D. and Pischke, J.-S. (2009). Mostly Harmless Econometrics. Princeton, ch. 5.
Bertrand, M., Duflo, E. and Mullainathan, S. (2004). How much should we trust
differences-in-differences estimates? Quarterly Journal of Economics 119(1), 249-275.
Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
periods. Journal of Econometrics 225(2), 200-230.
de Chaisemartin, C. and D'Haultfoeuille, X. (2020). Two-way fixed effects estimators with
heterogeneous treatment effects. American Economic Review 110(9), 2964-2996.
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing. Journal
of Econometrics 225(2), 254-277.
Leenheer, J., van Heerde, H. J., Bijmolt, T. H. A. and Smidts, A. (2007). Do loyalty programs
really enhance behavioral loyalty? International Journal of Research in Marketing 24, 31-47.
Wooldridge, J. M. (2010). Econometric Analysis of Cross Section and Panel Data, 2nd ed. MIT
Press.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab._deprecation import resolve_alpha
from crmlab.checks import check_choice, check_count
from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions

__all__ = [
    "PRETREND_ALPHA",
    "SELECTION_CAVEAT",
    "STAGGERED_CAVEAT",
    "CampaignEffect",
    "campaign_effect",
    "choose_campaign",
    "coupon_redemption_rates",
    "default_campaign",
    "loyalty_usage",
    "loyalty_usage_summary",
    "programme_effect",
    "resolve_campaign",
    "twfe",
    "wald_test",
]

SELECTION_CAVEAT = (
    "Households were not assigned to the campaign at random: the retailer chose them. The "
    "household fixed effects remove stable differences in spending between them and the others, "
    "and the week fixed effects remove what happened to everybody; the estimate is causal only "
    "if, without the campaign, both groups' spending would have moved in parallel. Check the "
    "pre-campaign coefficients of the event study: far from zero, the assumption is doubtful."
)

STAGGERED_CAVEAT = (
    "Customers join the programme at different times. With staggered joining, the two-way "
    "fixed-effects estimate is a weighted average of many two-group comparisons, some of which "
    "use customers who joined earlier as the controls of those who join later; when the effect "
    "grows or fades with time since joining, some weights are negative and the estimate can be "
    "far from any customer's effect, even of the wrong sign (Goodman-Bacon 2021; de Chaisemartin "
    "& D'Haultfoeuille 2020). Read it as the effect only if the effect is the same for every "
    "joining week and every week since joining; otherwise compare each joining cohort with the "
    "customers who never join (Callaway & Sant'Anna 2021)."
)

#: Significance level of the joint pre-trend test reported with a campaign's effect.
PRETREND_ALPHA = 0.05


# --------------------------------------------------------------------------------------------
# loyalty usage
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# two-way fixed effects
# --------------------------------------------------------------------------------------------


def _demean(values: np.ndarray, unit: np.ndarray, time: np.ndarray, n_iter: int = 50) -> np.ndarray:
    """Remove unit and time means (alternating projections; exact in one pass when balanced)."""
    out = values.astype(float).copy()
    n_u, n_t = unit.max() + 1, time.max() + 1
    cu = np.bincount(unit, minlength=n_u).astype(float)
    ct = np.bincount(time, minlength=n_t).astype(float)
    for _ in range(n_iter):
        before = out.copy()
        for codes, counts, k in ((unit, cu, n_u), (time, ct, n_t)):
            for j in range(out.shape[1]):
                out[:, j] -= (np.bincount(codes, out[:, j], minlength=k) / counts)[codes]
        if np.max(np.abs(out - before)) < 1e-10 * (1 + np.max(np.abs(out))):
            break
    return out


def twfe(
    panel: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    unit: str = "customer_id",
    time: str = "week",
    alpha: float = 0.05,
    *,
    level: float | None = None,
) -> pd.DataFrame:
    """Two-way fixed-effects regression with errors clustered by unit.

    Fits :math:`y_{it} = \\alpha_i + \\lambda_t + x_{it}'\\beta + \\varepsilon_{it}` by OLS on the
    within-transformed data (unit and time means removed; Angrist & Pischke 2009, section 5.1),
    with statsmodels and a cluster-robust covariance by unit (Bertrand, Duflo & Mullainathan
    2004). The fixed effects are absorbed, not estimated as thousands of dummies.

    Parameters
    ----------
    panel : DataFrame
        One row per unit and period, with ``outcome`` and ``regressors`` numeric.
    outcome : str
        Outcome column.
    regressors : sequence of str
        Columns of :math:`x_{it}` (e.g. a treatment indicator).
    unit, time : str
        Unit and period columns.
    alpha : float
        Significance level: the intervals cover ``1 - alpha`` (default 95%).
    level : float, optional
        Deprecated: the confidence level ``1 - alpha``.

    Returns
    -------
    DataFrame
        Index the regressors; ``estimate``, ``std_error``, ``p_value``, ``lower``, ``upper``.
        ``attrs``: ``n_obs``, ``n_units``, ``alpha`` and ``cov`` (the cluster-robust covariance
        of the estimates, rows and columns in index order, as nested tuples; for
        :func:`wald_test`).
    """
    import statsmodels.api as sm

    alpha = resolve_alpha(alpha, level, "twfe")

    cols = [outcome, *regressors]
    missing = [c for c in [*cols, unit, time] if c not in panel.columns]
    if missing:
        raise DataError(f"panel lacks the column(s) {missing}.", column=missing[0])
    u, _ = pd.factorize(panel[unit], sort=True)
    t, _ = pd.factorize(panel[time], sort=True)
    z = _demean(panel[cols].to_numpy(dtype=float), u, t)
    model = sm.OLS(z[:, 0], z[:, 1:]).fit(cov_type="cluster", cov_kwds={"groups": u})
    ci = model.conf_int(alpha=alpha)
    out = pd.DataFrame(
        {
            "estimate": model.params,
            "std_error": model.bse,
            "p_value": model.pvalues,
            "lower": ci[:, 0],
            "upper": ci[:, 1],
        },
        index=pd.Index(list(regressors), name="term"),
    )
    cov = np.asarray(model.cov_params())
    out.attrs.update(
        n_obs=len(panel),
        n_units=int(u.max() + 1),
        alpha=alpha,
        cov=tuple(tuple(float(x) for x in row) for row in cov),
    )
    return out


def wald_test(table: pd.DataFrame, terms: Sequence[str]) -> dict[str, float]:
    """Joint Wald test that the coefficients ``terms`` of a :func:`twfe` table are all zero.

    :math:`W = \\hat\\beta_S' \\hat V_S^{-1} \\hat\\beta_S`, with :math:`\\hat V_S` the
    cluster-robust covariance of the tested coefficients, is compared with a chi-square
    distribution with :math:`|S|` degrees of freedom (Wooldridge 2010, section 7.3; the
    pre-trend test of an event study tests the lead coefficients jointly).

    Parameters
    ----------
    table : DataFrame
        :func:`twfe` output (its ``attrs["cov"]`` holds the covariance).
    terms : sequence of str
        Coefficients tested.

    Returns
    -------
    dict
        ``chi2``, ``dof`` and ``p_value``.
    """
    from scipy import stats

    cov = table.attrs.get("cov")
    if cov is None:
        raise ParameterError("table has no covariance: pass a crmlab.programmes.twfe result.")
    names = list(terms)
    missing = [t for t in names if t not in table.index]
    if not names or missing:
        raise ParameterError(
            f"terms {missing or names} are not coefficients of the table ({list(table.index)}).",
            parameter="terms",
        )
    pos = [list(table.index).index(t) for t in names]
    b = table["estimate"].to_numpy(dtype=float)[pos]
    v = np.asarray(cov, dtype=float)[np.ix_(pos, pos)]
    chi2 = float(b @ np.linalg.pinv(v) @ b)
    dof = len(names)
    return {"chi2": chi2, "dof": float(dof), "p_value": float(stats.chi2.sf(chi2, dof))}


def programme_effect(
    panel: pd.DataFrame,
    outcome: str = "spend",
    member: str = "member",
    unit: str = "customer_id",
    time: str = "week",
    ever_member: str | None = "join_week",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Effect of a programme with staggered joining, against the naive comparison.

    Parameters
    ----------
    panel : DataFrame
        One row per customer and week: ``outcome``, ``member`` (1 from the week the customer
        joined), and ``ever_member`` (join week, NaN for customers who never join), as
        :func:`crmlab.datasets.simulate_programme` returns.
    outcome, member, unit, time, ever_member : str
        Column names.
    alpha : float
        Significance level: both intervals cover ``1 - alpha`` (default 95%).

    Returns
    -------
    DataFrame
        Index ``method``: ``"two-way fixed effects"`` (:func:`twfe` of ``outcome`` on ``member``;
        unbiased for a constant effect under parallel trends) and ``"naive"`` (mean weekly
        outcome of customers who ever join minus that of those who never join, over the whole
        panel: biased by who chooses to join, and diluted by the weeks before joining);
        columns ``estimate``, ``lower``, ``upper``. The naive row's interval is Welch's t interval
        (Welch 1947) on the customers' mean weekly outcomes: standard error
        :math:`\\sqrt{s_a^2/n_a + s_b^2/n_b}` and Student's t with the Welch-Satterthwaite
        degrees of freedom. ``attrs``: ``alpha`` and ``caveat`` (:data:`STAGGERED_CAVEAT`: with
        staggered joining and effects that change over time, the two-way fixed-effects
        estimate is not a well-defined average effect; Goodman-Bacon 2021).
    """
    from scipy import stats

    alpha = resolve_alpha(alpha, None, "programme_effect")
    fe = twfe(panel, outcome, [member], unit=unit, time=time, alpha=alpha)
    if ever_member is not None and ever_member in panel.columns:
        ever = panel[ever_member].notna()
    else:
        ever = panel.groupby(unit)[member].transform("max") > 0
    means = panel.groupby(unit).agg(y=(outcome, "mean"))
    means["ever"] = ever.groupby(panel[unit]).max()
    a = means.loc[means["ever"], "y"].to_numpy()
    b = means.loc[~means["ever"], "y"].to_numpy()
    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    q = stats.t.ppf(1 - alpha / 2, dof)
    out = pd.DataFrame(
        {
            "estimate": [float(fe["estimate"].iloc[0]), diff],
            "lower": [float(fe["lower"].iloc[0]), diff - q * se],
            "upper": [float(fe["upper"].iloc[0]), diff + q * se],
        },
        index=pd.Index(["two-way fixed effects", "naive"], name="method"),
    )
    out.attrs["alpha"] = alpha
    out.attrs["caveat"] = STAGGERED_CAVEAT
    return out


# --------------------------------------------------------------------------------------------
# campaigns
# --------------------------------------------------------------------------------------------


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

    def overview(self) -> pd.DataFrame:
        """The summary as a two-column table a client can read (measure, value).

        Returns
        -------
        DataFrame
            Index ``measure`` (readable labels, money per household and week); column ``value``.
        """
        s = self.summary.iloc[0]
        level = f"{1 - self.summary.attrs.get('alpha', 0.05):.0%}"
        rows = {
            "effect on weekly spend per household (difference-in-differences)": s["estimate"],
            f"lower end of the {level} interval": s["lower"],
            f"upper end of the {level} interval": s["upper"],
            "p-value of the effect": s["p_value"],
            "pre-trend test: chi-square": s["pretrend_chi2"],
            "pre-trend test: degrees of freedom": s["pretrend_dof"],
            "pre-trend test: p-value": s["pretrend_p_value"],
            "receiving households": s["n_treated"],
            "other households": s["n_control"],
            "receiving households of overlapping campaigns": s["n_overlap_treated"],
            "other households of overlapping campaigns": s["n_overlap_control"],
        }
        out = pd.DataFrame({"value": [float(v) for v in rows.values()]}, index=list(rows))
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
    before, after = (int(w) for w in window)
    if before < 2 or after < 1:
        raise ParameterError("window needs at least 2 weeks before and 1 after.", "window")
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
