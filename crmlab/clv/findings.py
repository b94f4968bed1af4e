"""Plain-language key findings of the CLV analysis (notebook 03), computed from its results.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab import text
from crmlab.clv.actions import _P_ALIVE_BANDS, clv_segments
from crmlab.clv.base import BaseModel
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.nbd import NBD
from crmlab.clv.selection import best_model
from crmlab.transactions import TIME_UNITS

__all__ = ["clv_findings"]

_CRITERION_WORDS = {
    "holdout_mae": "mean absolute error per customer",
    "holdout_rmse": "root mean squared error per customer",
    "tracking_mape": "tracking error (MAPE, %)",
    "aic": "AIC",
    "bic": "BIC",
}


def _pct(x: float) -> str:
    return text.pct(x)


def _rate_sentence(model: BaseModel, time_unit: str, per_year: float) -> list[str]:
    p = model.params_
    name = type(model).__name__
    unit = text.unit_word(time_unit, 1)
    out: list[str] = []
    if "r" in p and "alpha" in p and text.available(p["r"], p["alpha"]) and p["alpha"] > 0:
        rate = p["r"] / p["alpha"]
        spread = (
            "very unequal (most customers buy rarely, a few often)" if p["r"] < 1 else "fairly even"
        )
        out.append(
            f"Purchase rate ({name}): while active, the average customer buys "
            f"r/α = {text.number(rate, 3)} times a {unit} ({text.number(rate * per_year, 1)} a "
            f"year); with shape r = {text.number(p['r'], 2)} the rates are {spread}."
        )
    if "a" in p and "b" in p:
        if text.available(p["a"], p["b"]) and p["a"] + p["b"] > 0:
            drop = p["a"] / (p["a"] + p["b"])
            out.append(
                f"Drop-out ({name}): after each repeat purchase a customer leaves for good with "
                f"probability a/(a+b) = {text.number(drop, 2)} on average."
            )
    elif "s" in p and "beta" in p and text.available(p["s"], p["beta"]) and p["beta"] > 0:
        mu = p["s"] / p["beta"]
        stay = (
            f" (a customer with that rate stays {text.duration(1 / mu, time_unit)} on average)"
            if mu > 0
            else ""
        )
        out.append(
            f"Drop-out ({name}): customers leave at a mean rate s/β = {text.number(mu, 4)} per "
            f"{unit}{stay}."
        )
    return out


def clv_findings(
    comparison: pd.DataFrame,
    transaction_model: BaseModel,
    clv_table: pd.DataFrame,
    probability_alive: pd.Series,
    spend_model: GammaGamma | None = None,
    spend_check: pd.DataFrame | None = None,
    tiers: pd.Series | None = None,
    horizon: float | None = None,
    time_unit: str = "W",
    criterion: str = "holdout_mae",
    currency: str | None = None,
) -> list[str]:
    """Plain-language key findings of the CLV analysis, computed from its results.

    Parameters
    ----------
    comparison : DataFrame
        :func:`crmlab.clv.compare_models` output (holdout accuracy per model).
    transaction_model : fitted model
        The model the CLV was computed with.
    clv_table : DataFrame
        :func:`customer_lifetime_value` output (``clv``; intervals in ``attrs["total_clv"]``
        when computed with draws).
    probability_alive : Series
        P(alive) per valued customer.
    spend_model : GammaGamma, optional
        The fitted spend model (adds the mean spend per transaction).
    spend_check : DataFrame, optional
        :func:`spend_frequency_check` output.
    tiers : Series, optional
        CLV tiers (default :func:`clv_segments`).
    horizon : float, optional
        The CLV horizon in ``time_unit`` (for the wording).
    time_unit : str, default "W"
        Time unit of the models.
    criterion : str, default "holdout_mae"
        Column of ``comparison`` that ranks the models (smaller is better).
    currency : str, optional
        Currency of the spend, written after every amount (``"USD"``); without one amounts are
        shown bare, in the currency of the data.

    Returns
    -------
    list of str
        One plain-text sentence per finding (show them with :class:`crmlab.text.Findings`;
        none holds ``nan``: a number the results do not support leaves its sentence or clause
        out): the best model on the holdout and its margin, what
        the parameters mean (mean purchase rate ``r/alpha``, drop-out), the share of customers
        likely alive (P(alive) >= 0.5), total CLV with its interval, CLV concentration (share of
        the top 20%), the number of high-value customers at risk (tier high or top with
        P(alive) < 0.7, the bands of :func:`crmlab.clv.action_rules`) and the spend-frequency correlation.
    """
    findings: list[str] = []
    per_year = TIME_UNITS[time_unit].per_year if time_unit in TIME_UNITS else 1.0
    unidentified: dict[str, str] = {}
    if "status" in comparison:
        status = comparison["status"].astype(str)
        unidentified = {
            str(k): v.removeprefix("not identified: ")
            for k, v in status[status != "identified"].items()
        }
        no_dropout = set(comparison.attrs.get("no_dropout", ()))
        comparison = comparison.loc[status == "identified"]
    best = best_model(comparison, criterion)
    row = comparison.loc[best]
    holdout_total = row.get("actual_total", np.nan)
    what = _CRITERION_WORDS.get(criterion, criterion)
    if len(comparison) > 1:
        others = comparison.drop(index=best)[criterion]
        runner = str(others.idxmin())
        gain = (others.min() - row[criterion]) / others.min() if others.min() else np.nan
        margin = (
            f"{what} {text.number(row[criterion], 3)} against {text.number(others.min(), 3)} "
            f"for {runner}"
        )
        if text.available(gain):
            margin += (
                f", {_pct(gain)} lower"
                if gain >= 0.01
                else ", practically a tie (less than 1% apart)"
            )
    else:
        margin = f"{what} {text.number(row[criterion], 3)}"
    sentence = (
        f"{best} predicts the holdout best ({margin})."
        if len(comparison) > 1
        else f"{best} is the only model compared that the data identify ({margin} on the holdout)."
    )
    if text.available(row.get("predicted_total"), holdout_total):
        error = row.get("aggregate_error_pct", np.nan)
        error_text = f" ({text.number(error, 1, signed=True)}%)" if text.available(error) else ""
        sentence += (
            f" It expects {text.count(row['predicted_total'])} repeat purchases in the holdout; "
            f"{text.count(holdout_total)} happened{error_text}."
        )
    findings.append(sentence)
    for name, reason in unidentified.items():
        meaning = (
            "there is no evidence of dropout in this window, so the no-dropout NBD limit fits "
            "as well" + (" (it is in the comparison)" if "NBD" in comparison.index else "")
            if name in no_dropout
            else "it is left out of the comparison"
        )
        findings.append(
            f"{name} cannot be estimated on these data ({reason}): {meaning}. The forecast rests "
            "on the models that fitted."
        )
    findings.extend(_rate_sentence(transaction_model, time_unit, per_year))
    if isinstance(transaction_model, NBD):
        findings.append(
            "Drop-out (NBD): none by assumption. The NBD lets every customer keep buying at her "
            "own rate, so its CLV is an upper bound if some customers have in fact left."
        )
    p_alive = pd.Series(probability_alive).reindex(clv_table.index)
    if isinstance(transaction_model, NBD):
        pass  # P(alive) is 1 for everyone: said with the drop-out sentence above
    elif p_alive.notna().any():
        alive_text = (
            f"{_pct(float((p_alive >= 0.5).mean()))} of customers are probably still active "
            f"(P(alive) ≥ 0.5); the median P(alive) is {text.number(p_alive.median(), 2)}."
        )
        if type(transaction_model) is BGNBD:  # P(alive) = 1 without repeat purchases (FHL 2005a)
            x = pd.Series(transaction_model._fitted_data[0], index=transaction_model._fitted_index)
            repeat = (x.reindex(p_alive.index) > 0).to_numpy()
            if repeat.any() and not repeat.all():
                alive_text += (
                    f" BG/NBD lets customers leave only right after a purchase, so it counts the "
                    f"{_pct(float((~repeat).mean()))} without a repeat purchase as alive; among "
                    f"repeat buyers {_pct(float((p_alive[repeat] >= 0.5).mean()))} are probably "
                    "active."
                )
        findings.append(alive_text)
    clv = clv_table["clv"]
    total = clv_table.attrs.get("total_clv")
    horizon_text = (
        f" over the next {text.number(horizon, None)} {text.unit_word(time_unit)}"
        if text.available(horizon)
        else ""
    )
    mean_text = f"{text.money(clv.mean(), currency, digits=2)} per customer"
    if total and text.available(total.get("estimate")):
        bounds = (
            f" (interval {text.money(total['lower'], currency)} to "
            f"{text.money(total['upper'], currency)} from parameter uncertainty)"
            if text.available(total.get("lower"), total.get("upper"))
            else ""
        )
        findings.append(
            f"Total CLV{horizon_text}: {text.money(total['estimate'], currency)}{bounds}, "
            f"{mean_text} on average."
        )
    elif text.available(clv.sum()) and len(clv):
        findings.append(f"Total CLV{horizon_text}: {text.money(clv.sum(), currency)}, {mean_text}.")
    top20 = np.sort(clv.to_numpy())[::-1][: max(int(np.ceil(0.2 * len(clv))), 1)].sum()
    if len(clv) and clv.sum() > 0:
        findings.append(
            f"The most valuable 20% of customers hold {_pct(top20 / clv.sum())} of total CLV."
        )
    tiers = clv_segments(clv_table) if tiers is None else tiers.reindex(clv.index)
    valuable = tiers.astype(str).isin(["high", "top"]).to_numpy()
    at_risk = valuable & (p_alive.to_numpy() < _P_ALIVE_BANDS[1])
    if not isinstance(transaction_model, NBD):  # nobody is at risk when nobody can leave
        findings.append(
            f"{text.count(int(at_risk.sum()))} of the {text.count(int(valuable.sum()))} high- and "
            f"top-tier customers are at risk (P(alive) < {text.number(_P_ALIVE_BANDS[1], None)}); "
            f"they hold {text.money(clv.to_numpy()[at_risk].sum(), currency)} of CLV and are the "
            "first to contact."
        )
    if spend_model is not None:
        mean_spend = spend_model.population_mean_spend()
        if text.available(mean_spend):
            findings.append(
                f"Spend: the Gamma-Gamma model puts the mean spend per purchase at "
                f"{text.money(mean_spend, currency, digits=2)}; each customer's expectation "
                "shrinks her own average towards it, the more so the fewer purchases she made."
            )
    if spend_check is not None and "pearson" in spend_check.index:
        r = spend_check.loc["pearson", "correlation"]
        if text.available(r):
            verdict = (
                "weak, so the independence assumption of the Gamma-Gamma model is acceptable"
                if abs(r) < 0.3
                else "not weak: the Gamma-Gamma independence assumption is doubtful here"
            )
            findings.append(
                f"Spend per purchase and purchase frequency correlate at r = "
                f"{text.number(r, 2)} ({verdict})."
            )
    return findings
