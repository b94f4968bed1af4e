"""Key-findings sentences of the retention analysis, computed from its tables and models."""

from __future__ import annotations

import pandas as pd

from crmlab import text
from crmlab.retention.sbg import ShiftedBetaGeometric

__all__ = ["retention_findings"]


def _pct(x: float) -> str:
    return text.pct(x, digits=1)


def _time(value: float) -> str:
    """A duration as the survival table holds it: whole numbers bare, else one decimal."""
    return text.number(value, 0 if float(value).is_integer() else 1)


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
    level: float = 0.05,
    duration_unit: str = "days",
) -> list[str]:
    """Plain-language findings from the retention tables; every number is computed.

    Parameters
    ----------
    rates : DataFrame, optional
        :func:`~crmlab.retention.retention_rates` output.
    cohort_table : DataFrame, optional
        :func:`~crmlab.retention.cohort_retention_table` output.
    overdue : DataFrame, optional
        :func:`~crmlab.retention.overdue_customers` output.
    km : DataFrame, optional
        :func:`~crmlab.retention.kaplan_meier` output (by group).
    logrank : DataFrame, optional
        :func:`~crmlab.retention.logrank_test` output.
    cox : DataFrame, optional
        :func:`~crmlab.retention.cox_model` output.
    sbg : ShiftedBetaGeometric, optional
        A fitted model.
    actual : Series, optional
        Observed survivors of the cohort the sBG was fitted to (index = period), to compare the
        projection beyond the fit window.
    fit_periods : int, optional
        Last period used in the fit (for the holdout comparison).
    discount_rate : float, default 0.1
        Per-period rate of the DERL and DEL sentences.
    level : float, default 0.05
        Significance level of the test sentences.
    duration_unit : str, default "days"
        Word (or time-unit code, ``"D"``) for the time unit of ``km``'s ``time``.

    Returns
    -------
    list of str
        One plain-text sentence per finding, in the order of the arguments (show them with
        :class:`crmlab.text.Findings`). A number the tables do not support (missing, or an
        undefined ratio) leaves its sentence out or words it as not available; no sentence
        holds ``nan``.
    """
    out: list[str] = []
    if rates is not None and len(rates) > 1:
        usable = rates.iloc[1:]
        if "complete" in usable:
            usable = usable.loc[usable["complete"].astype(bool)]
        crr = usable["retention_rate"].dropna()
        if len(crr):
            mean = float(crr.mean())
            if mean < 1:
                life = (
                    f"at a constant rate this means an expected active life of "
                    f"{text.number(1 / (1 - mean), 1)} periods, 1 / (1 - CRR)"
                )
            else:
                life = "no active customer was lost, so no finite active life can be estimated"
            out.append(
                f"On average {_pct(mean)} of the customers active in a period bought again in "
                f"the next one (customer retention rate, {text.count(len(crr))} periods); "
                f"{life}."
            )
            best, worst = crr.idxmax(), crr.idxmin()
            out.append(
                f"Retention was highest in {best} ({_pct(crr[best])}) and lowest in {worst} "
                f"({_pct(crr[worst])})."
            )
    if cohort_table is not None and cohort_table.shape[1] > 1:
        first = cohort_table[1].dropna()
        if len(first):
            out.append(
                f"Across {text.count(len(first))} acquisition cohort(s), "
                f"{_pct(float(first.mean()))} of new customers were active again in the period "
                "after their first purchase."
            )
    if overdue is not None and "status" in overdue:
        counts = overdue["status"].value_counts()
        with_gap = int(counts.get("overdue", 0) + counts.get("on schedule", 0))
        if with_gap:
            n_over = int(counts.get("overdue", 0))
            out.append(
                f"{text.count(n_over)} of {text.count(with_gap)} repeat customers "
                f"({_pct(n_over / with_gap)}) are overdue (longer since their last purchase "
                "than their usual gap allows): a win-back list; "
                f"{text.count(int(counts.get('too few purchases', 0)))} customers have too few "
                "purchases to judge."
            )
    if km is not None and km["group"].nunique() > 1:
        last = km.dropna(subset=["survival", "time"]).groupby("group").last()
        unit = text.unit_word(duration_unit)
        parts = ", ".join(
            f"{g}: {_pct(row['survival'])} after {_time(row['time'])} {unit}"
            for g, row in last.iterrows()
        )
        if parts:
            sentence = (
                f"Share of customers not churned at the end of each segment's curve ({parts})"
            )
            p = float(logrank["p_value"].iloc[0]) if logrank is not None else float("nan")
            if text.available(p):
                verdict = "differ significantly" if p < level else "do not differ significantly"
                sentence += f"; the curves {verdict} (log-rank {text.pvalue(p)})"
            out.append(sentence + ".")
    if cox is not None:
        for name, row in cox.iterrows():
            hr, p = float(row["hazard_ratio"]), float(row["p_value"])
            if not text.available(hr, p):
                continue
            direction = "raises" if hr > 1 else "lowers"
            sig = "significant" if p < level else "not significant"
            ci = text.interval(row["lower"], row["upper"])
            out.append(
                f"Cox model: a one-unit increase in {name} {direction} the churn hazard by "
                f"{_pct(abs(hr - 1))} (hazard ratio {text.number(hr, 2)}, "
                f"{text.pct(1 - level)} interval {ci}; {sig}, {text.pvalue(p)})."
            )
    if sbg is not None:
        a, b = float(sbg.params_["alpha"]), float(sbg.params_["beta"])
        r1, r5 = sbg.retention_rate([1, 5])
        out.append(
            f"The shifted-beta-geometric model (alpha = {text.number(a, 3)}, beta = "
            f"{text.number(b, 3)}) implies retention rising from {_pct(r1)} in period 1 to "
            f"{_pct(r5)} in period 5: the customers most likely to leave leave first, so "
            "aggregate retention rises even though no individual becomes more loyal."
        )
        if actual is not None and fit_periods is not None and len(actual):
            horizon = int(actual.index.max())
            if horizon > fit_periods:
                size = float(actual.iloc[0])
                projected = float(sbg.project(horizon, cohort_size=size)["expected"].iloc[-1])
                observed = float(actual.iloc[-1])
                change = (
                    f" ({text.pct(projected / observed - 1, 1, signed=True)})"
                    if observed > 0
                    else ""
                )
                out.append(
                    f"Fitted on periods 0-{fit_periods}, it projects {text.count(projected)} "
                    f"survivors in period {horizon} against {text.count(observed)} "
                    f"observed{change}."
                )
        derl = sbg.derl(discount_rate, [0, 4])
        out.append(
            f"At a {_pct(discount_rate)} discount rate a new customer is worth "
            f"{text.number(sbg.dexl(discount_rate), 2)} periods of margin (DEL); a customer "
            "about to renew for the first time is expected to pay "
            f"{text.number(derl[0], 2)} more discounted periods, one with 4 renewals behind "
            f"her {text.number(derl[1], 2)} (DERL): tenure raises a customer's value."
        )
    return out
