"""Key findings of the value analyses (notebook 01) and the comparison with simulated truth."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crmlab import io as cio
from crmlab import text

__all__ = ["compare_to_truth", "value_findings"]


def _fmt(x: float, digits: int = 2) -> str:
    return text.number(x, digits)


def _names(values: Any) -> str:
    return ", ".join(map(str, values))


def value_findings(
    table: pd.DataFrame | None,
    relative: pd.DataFrame | None = None,
    wins_losses: pd.DataFrame | None = None,
    value_map: pd.DataFrame | None = None,
    drivers: pd.DataFrame | None = None,
    chain: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    truth: pd.DataFrame | None = None,
    alpha: float = 0.05,
    simulated: bool | None = None,
) -> list[str]:
    """Key-finding sentences computed from the value analyses' tables.

    Parameters
    ----------
    table : DataFrame or None
        From :func:`perceived_value` (one row per brand).
    relative, wins_losses, value_map, drivers : DataFrame, optional
        From :func:`relative_value`, :func:`attribute_wins_losses`, :func:`customer_value_map`
        and :func:`value_drivers`.
    chain : DataFrame or list of DataFrames, optional
        From :func:`crmlab.satisfaction.value_chain` (one sentence each).
    truth : DataFrame, optional
        True brand values of simulated ratings (``truth.brands``): adds how many intervals cover
        the true net value.
    alpha : float
        The intervals' level (for the wording "95% interval").
    simulated : bool, optional
        Whether the ratings are simulated; default: when ``truth`` is given. Every sentence
        about the ratings then starts with "Simulated example:" (the value-chain sentences are
        about the real ECSI surveys and are not flagged).

    Returns
    -------
    list of str
        One plain-text sentence per finding (show them with :class:`crmlab.text.Findings`); a
        number the tables do not support leaves its sentence or clause out, so none holds
        ``nan``.
    """
    level = text.pct(1 - alpha)
    out: list[str] = []
    flag = truth is not None if simulated is None else bool(simulated)
    if table is not None and table.index.nlevels == 1 and len(table):
        ranked = table.dropna(subset=["net_value"]).sort_values("net_value", ascending=False)
        if len(ranked):
            best, worst = ranked.index[0], ranked.index[-1]
            b, w = ranked.iloc[0], ranked.iloc[-1]
            ratio = (
                f", value ratio {_fmt(w['value_ratio'])}"
                if text.available(w.get("value_ratio"))
                else ""
            )
            out.append(
                f"{best} offers the highest perceived net value: benefits "
                f"{_fmt(b['benefits'])} minus costs {_fmt(b['costs'])} = "
                f"{_fmt(b['net_value'])} ({level} interval "
                f"{text.interval(b['net_value_lower'], b['net_value_upper'])}); {worst} the "
                f"lowest ({_fmt(w['net_value'])}{ratio})."
            )
        if truth is not None:
            cmp = compare_to_truth(table, truth, ("net_value",))
            error = cmp["net_value_error"].abs().max()
            error_text = (
                f" (largest error {_fmt(error)} rating points)" if text.available(error) else ""
            )
            out.append(
                f"The {level} intervals cover the true net value of "
                f"{text.count(int(cmp['net_value_covered'].sum()))} of {text.count(len(cmp))} "
                f"brands{error_text}; one sample says little about calibration (coverage over "
                "many simulated samples is checked in crmlab's tests)."
            )
        below = list(table.index[table["net_value_upper"] < 0])
        if below:
            out.append(
                f"Customers see costs exceeding benefits for {_names(below)} "
                "(net value interval below zero)."
            )
    if relative is not None and len(relative):
        focal = relative["focal_brand"].iloc[0]
        parts = []
        for name, result in (
            ("ahead of", "advantage"),
            ("behind", "disadvantage"),
            ("level with", "parity"),
        ):
            sel = relative[relative["result"] == result]
            if len(sel):
                items = ", ".join(
                    f"{c} ({text.number(d, 2, signed=True)})"
                    for c, d in sel["net_value_difference"].items()
                )
                parts.append(f"{name} {items}")
        if parts:
            out.append(
                f"In net value, {focal} is " + "; ".join(parts) + " (difference in net value, "
                f"{level} bootstrap intervals decide)."
            )
    if wins_losses is not None and len(wins_losses):
        focal = wins_losses["focal_brand"].iloc[0]
        wl = wins_losses[wins_losses["competitor"] == wins_losses["competitor"].iloc[0]]
        vs = wl["competitor"].iloc[0]
        vs = "the competitors' average" if vs == "market" else str(vs)
        wins = wl.loc[wl["result"] == "win", "attribute"].tolist()
        losses = wl.loc[wl["result"] == "loss", "attribute"].tolist()
        out.append(
            f"Against {vs}, {focal} wins on {_names(wins) if wins else 'no attribute'} "
            f"and loses on {_names(losses) if losses else 'no attribute'}."
        )
    if value_map is not None and len(value_map) and value_map["value_advantage"].notna().any():
        better = value_map.index[value_map["zone"] == "better value"].tolist()
        worse = value_map.index[value_map["zone"] == "worse value"].tolist()
        top = value_map["value_advantage"].idxmax()
        out.append(
            "On the customer value map, "
            f"{_names(better) or 'no brand'} sit in the better-value zone and "
            f"{_names(worse) or 'no brand'} in the worse-value zone; {top} is "
            f"furthest below the fair-value line (relative price "
            f"{_fmt(value_map.loc[top, 'relative_price'])} for relative quality "
            f"{_fmt(value_map.loc[top, 'relative_quality'])})."
        )
    if drivers is not None and len(drivers) and drivers["derived_share"].notna().any():
        top_d = drivers["derived_share"].idxmax()
        r2 = drivers.attrs.get("r_squared")
        r2_text = f", R² = {_fmt(r2)}" if text.available(r2) else ""
        sentence = (
            f"Of the attributes, {top_d} is the strongest predictor of the overall value rating "
            f"({text.pct(drivers.loc[top_d, 'derived_share'])} of the explained variance by "
            f"relative weights{r2_text}; an association in cross-sectional ratings)"
        )
        if drivers["stated_share"].notna().any():
            top_s = drivers["stated_share"].idxmax()
            same = "the same attribute" if top_s == top_d else str(top_s)
            sentence += f"; respondents state {same} as most important"
        out.append(sentence + ".")
    if flag:
        out = [f"Simulated example: {s[0].lower() + s[1:] if s.startswith(_LEAD) else s}"
               for s in out]  # fmt: skip
    chains = [chain] if isinstance(chain, pd.DataFrame) else list(chain or [])
    for chain in chains:
        totals = chain[chain["effect"] == "total"]
        if not len(totals):
            continue
        total = totals.iloc[0]
        cons = chain[chain["role"] == "consequence"]
        sat = cons.loc[cons["to"].astype(str).str.lower().str.startswith(("sat", "cusa"))]
        method = "PLS path model" if chain.attrs.get("method") == "pls" else "construct means + OLS"
        sentence = f"In the {chain.attrs.get('survey', '')} survey ({method}), "
        if len(sat) and text.available(sat["estimate"].iloc[0]):
            s = sat.iloc[0]
            sentence += (
                f"the path from perceived value ({s['from']}) to satisfaction ({s['to']}) is "
                f"{_fmt(s['estimate'])} (standardised, {level} interval "
                f"{text.interval(s['lower'], s['upper'])}) and "
            )
        bounds = (
            f" ({text.interval(total['lower'], total['upper'])})"
            if text.available(total.get("lower"), total.get("upper"))
            else ""
        )
        sentence += (
            f"the total effect of value on loyalty ({total['to']}) along all paths is "
            f"{_fmt(total['estimate'])}{bounds}; paths of a cross-sectional survey describe "
            "associations under the model's assumed structure, not proven causes."
        )
        out.append(sentence)
    return out


#: The words this module starts its sentences with (lower-cased after "Simulated example:"; a
#: sentence that starts with a brand keeps it as written).
_LEAD = ("The ", "In ", "Against ", "On ", "Customers ", "Of ")


def compare_to_truth(
    table: pd.DataFrame,
    truth: pd.DataFrame | None,
    measures: Sequence[str] = ("benefits", "costs", "net_value"),
) -> pd.DataFrame:
    """Estimates beside the true values of simulated ratings, and whether the intervals cover them.

    Parameters
    ----------
    table : DataFrame
        From :func:`perceived_value`.
    truth : DataFrame or None
        True values with the same index and measure columns (``truth.brands`` of
        :func:`crmlab.datasets.simulate_brand_ratings`); None for real data (then only the
        estimates and intervals are returned).
    measures : sequence of str
        Measures to compare.

    Returns
    -------
    DataFrame
        Index as ``table``; per measure ``<m>`` (estimate), ``<m>_lower``, ``<m>_upper`` and,
        with a truth, ``<m>_true``, ``<m>_error`` (estimate - true) and ``<m>_covered`` (the
        interval contains the true value).
    """
    columns: dict[str, Any] = {}
    for m in measures:
        cio.require_columns(table, [m, f"{m}_lower", f"{m}_upper"], what="perceived-value table")
        columns[m] = table[m]
        columns[f"{m}_lower"] = table[f"{m}_lower"]
        columns[f"{m}_upper"] = table[f"{m}_upper"]
        if truth is not None:
            true = truth[m].reindex(table.index)
            columns[f"{m}_true"] = true
            columns[f"{m}_error"] = table[m] - true
            columns[f"{m}_covered"] = (table[f"{m}_lower"] <= true) & (true <= table[f"{m}_upper"])
    return pd.DataFrame(columns, index=table.index)
