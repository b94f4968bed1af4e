"""Key-findings sentences of the retention analysis, computed from its tables and models.

The sentences follow the project's rules for findings a statistician would sign: they quote the
assumptions they rest on (the inactivity threshold that defines churn in a purchase log, the
annual discount rate), word a non-significant test as "no evidence of a difference" with the
estimate and its interval, describe observational hazard ratios as associations ("is
associated with a hazard ratio of ..."), never as effects, and never print ``nan``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlab import text
from crmlab.checks import check_alpha
from crmlab.retention.sbg import ShiftedBetaGeometric
from crmlab.transactions import TIME_UNITS, discount_rate_per_period

__all__ = ["retention_findings"]


def _pct(x: float) -> str:
    return text.pct(x, digits=1)


def _rate(x: float) -> str:
    """An assumed rate as typed: 10% or 7.5%."""
    shown = round(100 * float(x), 1)
    return text.pct(x, 0 if shown.is_integer() else 1)


def _time(value: float) -> str:
    """A duration as the survival table holds it: whole numbers bare, else one decimal."""
    return text.number(value, 0 if float(value).is_integer() else 1)


def _plural(n: int, word: str) -> str:
    return f"{text.count(n)} {word if n == 1 else word + 's'}"


def _period_word(index: Any, default: str = "period") -> str:
    """The word of a PeriodIndex's calendar period ("month"), else ``default``."""
    freq = getattr(index, "freqstr", None)
    if isinstance(index, pd.PeriodIndex) and freq:
        unit = TIME_UNITS.get(str(freq)[0])
        if unit is not None:
            return unit.singular
    return default


def _rates_sentences(rates: pd.DataFrame) -> list[str]:
    out: list[str] = []
    usable = rates.iloc[1:]
    if "complete" in usable:
        usable = usable.loc[usable["complete"].astype(bool)]
    crr = usable["retention_rate"].dropna()
    if not len(crr):
        return out
    word = _period_word(rates.index)
    mean = float(crr.mean())
    sentence = (
        f"On average {_pct(mean)} of the customers active in a {word} bought again in the next "
        f"{word} (customer retention rate of a purchase log, {_plural(len(crr), word)})"
    )
    if mean >= 1:
        sentence += "; every active customer bought again in the next period."
    else:
        sentence += (
            ": this counts repeat purchases in consecutive periods, not contract renewals, so "
            "1 / (1 - CRR) is no customer lifetime"
        )
        if "reactivated" in usable:
            back = usable["reactivated"].loc[crr.index].mean()
            if text.available(back) and back > 0:
                sentence += (
                    f" (customers skip {word}s and come back: {text.count(back)} returned after "
                    f"a pause in an average {word})"
                )
        sentence += "."
    out.append(sentence)
    best, worst = crr.idxmax(), crr.idxmin()
    out.append(
        f"Retention was highest in {best} ({_pct(crr[best])}) and lowest in {worst} "
        f"({_pct(crr[worst])})."
    )
    return out


def _overdue_sentence(overdue: pd.DataFrame) -> str | None:
    counts = overdue["status"].value_counts()
    with_gap = int(counts.get("overdue", 0) + counts.get("on schedule", 0))
    if not with_gap:
        return None
    n_over = int(counts.get("overdue", 0))
    rule = "than their usual gap allows"
    if {"threshold", "median_gap"} <= set(overdue.columns):
        multiple = (overdue["threshold"] / overdue["median_gap"]).dropna()
        if len(multiple) and text.available(multiple.iloc[0]):
            rule = f"than {text.number(float(multiple.iloc[0]), None)} times their median gap"
    return (
        f"{text.count(n_over)} of {text.count(with_gap)} repeat customers ({_pct(n_over / with_gap)}) "
        f"are overdue (longer since their last purchase {rule}, an assumed rule): a win-back "
        f"list; {text.count(int(counts.get('too few purchases', 0)))} customers have too few "
        "purchases to judge."
    )


def _logrank_clause(logrank: pd.DataFrame | None, alpha: float) -> tuple[str, bool | None]:
    p = float(logrank["p_value"].iloc[0]) if logrank is not None else float("nan")
    if not text.available(p):
        return "", None
    if p < alpha:
        return f"the curves differ significantly (log-rank {text.pvalue(p)})", True
    return (
        f"no evidence of a difference between the curves at the {_rate(alpha)} level "
        f"(log-rank {text.pvalue(p)})",
        False,
    )


def _survival_sentences(
    table: pd.DataFrame,
    logrank: pd.DataFrame | None,
    alpha: float,
    unit: str,
    threshold: float | None,
) -> list[str]:
    out: list[str] = []
    z = float(stats.norm.ppf(1 - alpha / 2))
    level = _rate(1 - alpha)
    if threshold is not None:
        out.append(
            f"Churn is inferred, not observed: a customer counts as churned at her last purchase "
            f"when no purchase follows for {text.number(threshold, None)} {unit} (an assumed "
            "threshold; customers still within it at the end of the data are censored)."
        )
    parts = []
    for name, row in table.iterrows():
        if not text.available(row["median"]):
            median = "median not reached"
        elif float(row["median"]) == 0:
            median = f"median 0 {unit} (more than half churned after their first purchase day)"
        else:
            median = f"median {_time(row['median'])} {unit}"
            if text.available(row["median_lower"], row["median_upper"]):
                ci = text.interval(row["median_lower"], row["median_upper"], 0)
                median += f" ({level} interval {ci})"
        rmst = (
            f"restricted mean {text.number(row['rmst'], 1)} {unit} "
            f"({text.interval(row['rmst_lower'], row['rmst_upper'], 1)})"
        )
        parts.append(
            f"{name}: {median}, {rmst}, {text.count(row['at_risk_horizon'])} of "
            f"{text.count(row['customers'])} still at risk at the horizon"
        )
    if not parts:
        return out
    horizon = float(table["horizon"].iloc[0])
    sentence = (
        f"Kaplan-Meier lifetimes over the first {_time(horizon)} {unit} (" + "; ".join(parts) + ")"
    )
    clause, significant = _logrank_clause(logrank, alpha)
    if len(table) == 2:
        (a, ra), (b, rb) = table.iterrows()
        diff = float(ra["rmst"] - rb["rmst"])
        se = float(np.hypot(ra["rmst_se"], rb["rmst_se"]))
        gap = (
            f"{a} minus {b}: {text.number(diff, 1, signed=True)} {unit} of restricted mean "
            f"lifetime ({level} interval {text.interval(diff - z * se, diff + z * se, 1)})"
        )
        clause = f"{clause}; {gap}" if clause else gap
    if clause:
        sentence += f"; {clause}"
    out.append(sentence + ".")
    if significant is not None:
        out.append(
            "The segments differ in more than their first purchase: the comparison is an "
            "association, not the effect of a bigger first basket."
        )
    return out


def _threshold_sentence(table: pd.DataFrame, unit: str) -> str | None:
    """'How much rests on the threshold: at 180 days 78% ...; at 90 days ...'."""
    if table is None or len(table) < 2 or not table["assumed"].any():
        return None
    base = table.loc[table["assumed"]].iloc[0]
    horizon = _time(base["horizon"])

    def at(threshold: float, row: pd.Series) -> str:
        return (
            f"{_pct(row['churned_share'])} churned and {text.number(row['rmst'], 1)} {unit} "
            f"at {text.number(threshold, None)} {unit}"
        )

    others = [at(t, r) for t, r in table.loc[~table["assumed"]].iterrows()]
    return (
        "How much rests on the churn threshold: the share of customers counted as churned and "
        f"the restricted mean lifetime over the first {horizon} {unit} are "
        f"{at(base.name, base)} (assumed), against " + ", ".join(others) + "."
    )


def _km_sentence(km: pd.DataFrame, logrank: pd.DataFrame | None, alpha: float, unit: str):
    last = km.dropna(subset=["survival", "time"]).groupby("group").last()
    parts = ", ".join(
        f"{g}: {_pct(row['survival'])} after {_time(row['time'])} {unit}"
        for g, row in last.iterrows()
    )
    if not parts:
        return None
    sentence = f"Share of customers not churned at the end of each segment's curve ({parts})"
    clause, _ = _logrank_clause(logrank, alpha)
    if clause:
        sentence += f"; {clause}"
    return sentence + "."


def _cox_sentences(cox: pd.DataFrame, alpha: float) -> list[str]:
    out: list[str] = []
    level = _rate(1 - alpha)
    for name, row in cox.iterrows():
        hr, p = float(row["hazard_ratio"]), float(row["p_value"])
        if not text.available(hr, p):
            continue
        change = str(row["change"]) if "change" in cox.columns else "one unit"
        variable = str(row["variable"]) if "variable" in cox.columns else str(name)
        what = (
            f"a doubling of {variable}"
            if change == "doubling"
            else f"a one-unit increase in {variable}"
        )
        ci = text.interval(row["lower"], row["upper"])
        stats_ = f"{level} interval {ci}, {text.pvalue(p)}"
        if p < alpha:
            side = "a higher" if hr > 1 else "a lower"
            out.append(
                f"Cox model: {what} is associated with a hazard ratio of {text.number(hr, 2)} "
                f"({stats_}), {side} churn rate at any time; an association in observational "
                "data, not an effect."
            )
        else:
            out.append(
                f"Cox model: no evidence of an association between {variable} and the churn "
                f"hazard at the {_rate(alpha)} level (hazard ratio {text.number(hr, 2)} for "
                f"{what}, {stats_})."
            )
    return out


def _ph_sentence(ph: pd.DataFrame, alpha: float) -> str | None:
    rows = ph.drop(index="GLOBAL", errors="ignore")
    flagged = [
        str(n) for n, r in rows.iterrows() if text.available(r["p_value"]) and r["p_value"] < alpha
    ]
    glob = float(ph.loc["GLOBAL", "p_value"]) if "GLOBAL" in ph.index else float("nan")
    where = f"global {text.pvalue(glob)}" if text.available(glob) else "per covariate"
    if flagged:
        return (
            "Proportional-hazards check (scaled Schoenfeld residuals against time): evidence "
            f"that the hazard ratio of {', '.join(flagged)} changes over a customer's life "
            f"({where}); read it as an average over time."
        )
    if not text.available(glob) and not len(rows):
        return None
    return (
        "Proportional-hazards check (scaled Schoenfeld residuals against time): no evidence "
        f"that the hazard ratios change over time at the {_rate(alpha)} level ({where})."
    )


def _concordance_sentence(c: Any) -> str | None:
    value = c.get("c_index")
    if not text.available(value):
        return None
    quality = (
        "little better than chance"
        if value < 0.6
        else ("moderately well" if value < 0.7 else "well")
    )
    return (
        f"The Cox model ranks customers {quality}: in {_pct(value)} of the comparable pairs the "
        f"customer with the higher predicted hazard churned first (Harrell's C = "
        f"{text.number(value, 3)}; 0.5 is chance, 1 a perfect ranking; in-sample)."
    )


def _sbg_sentences(
    sbg: ShiftedBetaGeometric,
    actual: pd.Series | None,
    fit_periods: int | None,
    discount_rate: float,
    period: str,
) -> list[str]:
    out: list[str] = []
    a, b = float(sbg.params_["alpha"]), float(sbg.params_["beta"])
    r1, r5 = sbg.retention_rate([1, 5])
    out.append(
        f"The shifted-beta-geometric model (alpha = {text.number(a, 3)}, beta = "
        f"{text.number(b, 3)}) implies retention rising from {_pct(r1)} in period 1 to "
        f"{_pct(r5)} in period 5: subscribers with a high churn probability leave early, so "
        "those who remain are the loyal ones and aggregate retention rises although no "
        "individual becomes more loyal."
    )
    if actual is not None and fit_periods is not None and len(actual):
        horizon = int(actual.index.max())
        if horizon > fit_periods:
            size = float(actual.iloc[0])
            projected = float(sbg.project(horizon, cohort_size=size)["expected"].iloc[-1])
            observed = float(actual.iloc[-1])
            change = (
                f" ({text.pct(projected / observed - 1, 1, signed=True)})" if observed > 0 else ""
            )
            out.append(
                f"Fitted on periods 0-{fit_periods}, it projects {text.count(projected)} "
                f"survivors in period {horizon} against {text.count(observed)} "
                f"observed{change}."
            )
    unit = TIME_UNITS[period]
    per = discount_rate_per_period(discount_rate, period)
    rate = f"the assumed discount rate of {_rate(discount_rate)} a year"
    if period != "Y":
        rate += f" ({text.pct(per, 2)} a {unit.singular})"
    derl = sbg.derl(discount_rate, [0, 4], period)
    out.append(
        f"At {rate}, a new subscriber is worth {text.number(sbg.dexl(discount_rate, period), 2)} "
        f"{unit.plural} of margin (DEL); one about to renew for the first time is expected to "
        f"pay {text.number(derl[0], 2)} more discounted {unit.plural} of margin, one with 4 "
        f"renewals behind her {text.number(derl[1], 2)} (DERL): tenure raises a subscriber's "
        "value."
    )
    return out


def _value_sentences(table: pd.DataFrame, discount_rate: float, period: str) -> list[str]:
    out: list[str] = []
    unit = TIME_UNITS[period]
    for name, row in table.iterrows():
        if not text.available(row["clv_constant"], row["del_sbg"], row["retention_rate"]):
            continue
        out.append(
            f"{name}: with one constant retention rate of {_pct(row['retention_rate'])} the "
            f"retention-based CLV of a new subscriber, m (1 + d) / (1 + d - r) at the assumed "
            f"{_rate(discount_rate)} a year, is {text.number(row['clv_constant'], 2)} "
            f"{unit.plural} of margin against {text.number(row['del_sbg'], 2)} from the sBG, "
            f"which lets retention rise with tenure ({text.pct(row['difference_pct'] / 100, 1, signed=True)} "
            "when heterogeneity is ignored); in the model, a 1% rise in every retention rate would "
            "raise the value "
            f"by {text.number(row['elasticity_sbg'], 2)}% in the sBG against "
            f"{text.number(row['elasticity_constant'], 2)}% with one rate (retention "
            "elasticity, Fader & Hardie 2010)."
        )
    return out


def retention_findings(
    rates: pd.DataFrame | None = None,
    cohort_table: pd.DataFrame | None = None,
    overdue: pd.DataFrame | None = None,
    km: pd.DataFrame | None = None,
    logrank: pd.DataFrame | None = None,
    cox: pd.DataFrame | None = None,
    sbg: ShiftedBetaGeometric | None = None,
    actual: pd.Series | None = None,
    fit_periods: int | None = None,
    discount_rate: float = 0.1,
    level: float | None = None,
    duration_unit: str = "days",
    *,
    alpha: float = 0.05,
    survival: pd.DataFrame | None = None,
    ph_test: pd.DataFrame | None = None,
    concordance: pd.Series | dict[str, float] | None = None,
    retention_value: pd.DataFrame | None = None,
    inactivity_threshold: float | None = None,
    period: str = "Y",
    threshold_sensitivity: pd.DataFrame | None = None,
) -> list[str]:
    """Plain-language findings from the retention tables; every number is computed.

    Parameters
    ----------
    rates : DataFrame, optional
        :func:`~crmlab.retention.retention_rates` output (its index's calendar period names
        the period in the sentence).
    cohort_table : DataFrame, optional
        :func:`~crmlab.retention.cohort_retention_table` output.
    overdue : DataFrame, optional
        :func:`~crmlab.retention.overdue_customers` output.
    km : DataFrame, optional
        :func:`~crmlab.retention.kaplan_meier` output (by group); used when ``survival`` is
        not given.
    logrank : DataFrame, optional
        :func:`~crmlab.retention.logrank_test` output.
    cox : DataFrame, optional
        :func:`~crmlab.retention.cox_effects` output (hazard ratios per doubling of logged
        covariates), or :func:`~crmlab.retention.cox_model` output (per unit).
    sbg : ShiftedBetaGeometric, optional
        A fitted model.
    actual : Series, optional
        Observed survivors of the cohort the sBG was fitted to (index = period), to compare the
        projection beyond the fit window.
    fit_periods : int, optional
        Last period used in the fit (for the holdout comparison).
    discount_rate : float, default 0.1
        Annual discount rate of the DEL, DERL and CLV sentences (quoted in them).
    level : float, optional
        Deprecated: the significance level, now ``alpha``.
    duration_unit : str, default "days"
        Word (or time-unit code, ``"D"``) for the unit of the durations.
    alpha : float, default 0.05
        Significance level of the tests; intervals are at ``1 - alpha``.
    survival : DataFrame, optional
        :func:`~crmlab.retention.durations_by_segment` output: medians and restricted means
        with intervals and numbers at risk.
    ph_test : DataFrame, optional
        :func:`~crmlab.retention.proportional_hazards_test` output.
    concordance : dict, optional
        :func:`~crmlab.retention.concordance_index` output.
    retention_value : DataFrame, optional
        :func:`~crmlab.retention.retention_value_table` output.
    inactivity_threshold : float, optional
        The churn threshold of the durations (in ``duration_unit``), quoted as an assumption.
    period : {"Y", "Q", "M", "W", "D"}, default "Y"
        Calendar period of the subscription data (the per-period discount rate is derived
        from the annual one).
    threshold_sensitivity : DataFrame, optional
        :func:`~crmlab.retention.churn_threshold_sensitivity` output: a line saying what the
        churned share and the restricted mean lifetime would be at other churn thresholds.

    Returns
    -------
    list of str
        One plain-text sentence per finding, in the order of the arguments (show them with
        :class:`crmlab.text.Findings`). A number the tables do not support (missing, or an
        undefined ratio) leaves its sentence out or words it as not available; no sentence
        holds ``nan``.
    """
    if level is not None:
        warnings.warn(
            "retention_findings(level=...) is deprecated: pass alpha=... (the significance level).",
            DeprecationWarning,
            stacklevel=2,
        )
        alpha = level
    alpha = check_alpha(alpha)
    unit = text.unit_word(duration_unit)
    out: list[str] = []
    if rates is not None and len(rates) > 1:
        out.extend(_rates_sentences(rates))
    if cohort_table is not None and cohort_table.shape[1] > 1:
        first = cohort_table[1].dropna()
        if len(first):
            out.append(
                f"Across {_plural(len(first), 'acquisition cohort')}, "
                f"{_pct(float(first.mean()))} of new customers were active again in the period "
                "after their first purchase."
            )
    if overdue is not None and "status" in overdue:
        sentence = _overdue_sentence(overdue)
        if sentence:
            out.append(sentence)
    if survival is not None and len(survival):
        out.extend(_survival_sentences(survival, logrank, alpha, unit, inactivity_threshold))
        sentence = _threshold_sentence(threshold_sensitivity, unit)
        if sentence:
            out.append(sentence)
    elif km is not None and km["group"].nunique() > 1:
        sentence = _km_sentence(km, logrank, alpha, unit)
        if sentence:
            out.append(sentence)
    if cox is not None:
        out.extend(_cox_sentences(cox, alpha))
    if ph_test is not None and len(ph_test):
        sentence = _ph_sentence(ph_test, alpha)
        if sentence:
            out.append(sentence)
    if concordance is not None:
        sentence = _concordance_sentence(concordance)
        if sentence:
            out.append(sentence)
    if sbg is not None:
        out.extend(_sbg_sentences(sbg, actual, fit_periods, discount_rate, period))
    if retention_value is not None and len(retention_value):
        out.extend(_value_sentences(retention_value, discount_rate, period))
    return out
