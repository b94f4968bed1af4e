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
from crmlab.clv.selection import ForecastChoice, best_model
from crmlab.transactions import TIME_UNITS

__all__ = [
    "bgbb_findings",
    "clv_findings",
    "coverage_note",
    "covariate_findings",
    "horizon_label",
]

_CRITERION_WORDS = {
    "holdout_mae": "mean absolute error per customer",
    "holdout_rmse": "root mean squared error per customer",
    "tracking_mape": "tracking error (MAPE, %)",
    "aic": "AIC",
    "bic": "BIC",
}


def _pct(x: float) -> str:
    return text.pct(x)


def horizon_label(horizon: float, time_unit: str) -> str:
    """The horizon as a label: ``horizon_label(52, "W")`` is ``"52-week"``."""
    return f"{text.number(horizon, None)}-{text.unit_word(time_unit, 1)}"


def coverage_note(coverage: dict | None, model_name: str) -> text.Note:
    """The holdout calibration check as one displayable sentence (data values escaped)."""
    if not coverage:
        return text.note(
            "{} has no conditional count distribution here: no holdout predictive check.",
            model_name,
        )
    return text.note(
        "{} of customers' holdout purchases fell within their {} predictive interval ({}; "
        "the intervals expect {}, binomial standard error {}).",
        text.pct(coverage["observed"]),
        text.pct(coverage["level"]),
        model_name,
        text.pct(coverage["expected"]),
        text.pct(coverage["se"], 1),
    )


_CHOICE_WORDS = {
    "log_score": ("mean holdout log score per customer", "higher is better"),
    "rmse": ("holdout RMSE of purchases per customer", "lower is better"),
}


def _choice_sentence(choice: ForecastChoice) -> str:
    what, better = _CHOICE_WORDS[choice.criterion]
    col = "log_score" if choice.criterion == "log_score" else "rmse"
    value = choice.table.loc[choice.best, col]
    same = (
        f" {', '.join(choice.equivalent)} gives the same forecasts as {choice.best}."
        if choice.equivalent
        else ""
    ) + (f" {choice.note}" if getattr(choice, "note", "") else "")
    if choice.runner_up is None:
        only = "the only distinct model" if choice.equivalent else "the only model"
        return (
            f"{choice.best} is {only} compared that the data identify ({what} "
            f"{text.number(value, 3)}).{same}"
        )
    other = choice.table.loc[choice.runner_up, col]
    level = text.pct(1 - choice.alpha)
    diff = (
        f"difference {text.number(choice.difference, 4)}, {level} interval "
        f"{text.interval(choice.lower, choice.upper, 4)} from a paired bootstrap over "
        f"{text.count(choice.n_customers)} customers"
    )
    scores = f"{what} {text.number(value, 3)} against {text.number(other, 3)} ({better}), {diff}"
    if choice.tie:
        return (
            f"{choice.best} and {choice.runner_up} forecast the holdout equally well: {scores}; "
            + (
                "the CLV below averages both."
                if len(choice.models) > 1
                else f"the CLV below uses {choice.models[0]}."
            )
            + same
        )
    return (
        f"{choice.best} forecasts the holdout better than {choice.runner_up}, the next best: "
        f"{scores}; the CLV below uses {choice.models[0]}.{same}"
    )


def _spend_check_sentence(check: pd.DataFrame) -> list[str]:
    p, s = check.loc["pearson"], check.loc["spearman"]
    if not text.available(p["correlation"], s["correlation"]):
        return []
    level = text.pct(1 - float(check.attrs.get("alpha", 0.05)))
    verdict = check.attrs.get("verdict")
    if verdict is None:
        verdict = (
            "violated"
            if ((check["lower"] > 0) | (check["upper"] < 0)).any()
            else "not clearly violated"
        )
    strength = max(abs(p["correlation"]), abs(s["correlation"]))
    size = "weak" if strength < 0.3 else "not weak"
    if verdict == "violated":
        tail = (
            f"the independence assumption of the Gamma-Gamma model is violated (at least one "
            f"interval excludes 0), though the correlation is {size}; the spend expectations, "
            "which ignore this relation, may be biased for the most and the least frequent "
            "buyers"
        )
    else:
        tail = (
            "both intervals cover 0, so the independence assumption of the Gamma-Gamma model is "
            "not clearly violated"
        )
    return [
        f"Spend per purchase and purchase frequency among "
        f"{text.count(p['n_customers'])} repeat customers: Pearson r = "
        f"{text.number(p['correlation'], 2)} ({level} interval "
        f"{text.interval(p['lower'], p['upper'])}), Spearman rho = "
        f"{text.number(s['correlation'], 2)} ({text.interval(s['lower'], s['upper'])}; "
        f"intervals by Fisher's z transform): {tail}."
    ]


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
    transaction_model: BaseModel | list[BaseModel],
    clv_table: pd.DataFrame,
    probability_alive: pd.Series,
    spend_model: GammaGamma | None = None,
    spend_check: pd.DataFrame | None = None,
    tiers: pd.Series | None = None,
    horizon: float | None = None,
    time_unit: str = "W",
    criterion: str = "holdout_mae",
    currency: str | None = None,
    *,
    choice: ForecastChoice | None = None,
    margin_rate: float | None = None,
    discount_rate: float | None = None,
    clv_predictive: pd.DataFrame | None = None,
    holdout_coverage: dict | None = None,
) -> list[str]:
    """Plain-language key findings of the CLV analysis, computed from its results.

    Parameters
    ----------
    comparison : DataFrame
        :func:`crmlab.clv.compare_models` output (holdout accuracy per model).
    transaction_model : fitted model, or a list of them
        The model the CLV was computed with (the tied models whose CLV was averaged).
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
    choice : ForecastChoice, optional
        :func:`crmlab.clv.choose_forecast_model` output: the model choice is then worded from
        its proper-score comparison and paired bootstrap (a tie is reported as a tie, the CLV
        averaging both models); without it, from ``criterion`` (the smallest value, no verdict).
    margin_rate, discount_rate : float, optional
        The assumed margin and annual discount rate, quoted with the CLV (with a margin
        sensitivity line: CLV is proportional to the margin).
    clv_predictive : DataFrame, optional
        :func:`crmlab.clv.predictive.clv_predictive_interval` output (how uncertain one
        customer's CLV is).
    holdout_coverage : dict, optional
        :func:`crmlab.clv.predictive.interval_coverage` output on the holdout counts.

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
    if choice is not None:
        best = choice.best
        findings.append(_choice_sentence(choice))
    else:
        best = best_model(comparison, criterion)
        what = _CRITERION_WORDS.get(criterion, criterion)
        value = comparison.loc[best, criterion]
        if len(comparison) > 1:
            others = comparison.drop(index=best)[criterion]
            runner = str(others.idxmin())
            findings.append(
                f"{best} has the smallest {what} on the holdout ({text.number(value, 3)} against "
                f"{text.number(others.min(), 3)} for {runner}); this difference alone does not "
                "show that it forecasts better."
            )
        else:
            findings.append(
                f"{best} is the only model compared that the data identify ({what} "
                f"{text.number(value, 3)} on the holdout)."
            )
    row = comparison.loc[best] if best in comparison.index else pd.Series(dtype=float)
    holdout_total = row.get("actual_total", np.nan)
    sentence = ""
    if text.available(row.get("predicted_total"), holdout_total):
        error = row.get("aggregate_error_pct", np.nan)
        error_text = f" ({text.number(error, 1, signed=True)}%)" if text.available(error) else ""
        sentence += (
            f"{best} expects {text.count(row['predicted_total'])} repeat purchases in the "
            f"holdout; {text.count(holdout_total)} happened{error_text}."
        )
    if holdout_coverage:
        which = holdout_coverage.get("model")
        which = f"{which}; " if which and which != best else ""
        sentence += (
            f" {text.pct(holdout_coverage['observed'])} of customers' holdout purchases fell "
            f"within their {text.pct(holdout_coverage['level'])} predictive interval ({which}the "
            f"intervals expect {text.pct(holdout_coverage['expected'])}, standard error "
            f"{text.pct(holdout_coverage['se'], 1)})."
        )
    if sentence:
        findings.append(sentence.strip())
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
    group = (
        list(transaction_model)
        if isinstance(transaction_model, (list, tuple))
        else [transaction_model]
    )
    transaction_model = group[0]
    for member in group:
        findings.extend(_rate_sentence(member, time_unit, per_year))
    if isinstance(transaction_model, NBD):
        findings.append(
            "Drop-out (NBD): none by assumption. The NBD lets every customer keep buying at her "
            "own rate, so its CLV is an upper bound if some customers have in fact left."
        )
    p_alive = pd.Series(probability_alive).reindex(clv_table.index)
    if isinstance(transaction_model, NBD):
        pass  # P(alive) is 1 for everyone: said with the drop-out sentence above
    elif p_alive.notna().any():
        over = (
            f" (averaged over {' and '.join(type(m).__name__ for m in group)})"
            if len(group) > 1
            else ""
        )
        alive_text = (
            f"{_pct(float((p_alive >= 0.5).mean()))} of customers are probably still active "
            f"(P(alive) ≥ 0.5{over}); the median P(alive) is {text.number(p_alive.median(), 2)}."
        )
        if len(group) == 1 and type(transaction_model) is BGNBD:  # P(alive) = 1 at x = 0 (FHL)
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
    label = f"{horizon_label(horizon, time_unit)} CLV" if text.available(horizon) else "CLV"
    assumed = []
    if text.available(margin_rate):
        assumed.append(f"the assumed {text.pct(margin_rate)} margin")
    if text.available(discount_rate):
        assumed.append(f"a {text.pct(discount_rate)} annual discount rate")
    at = f" at {' and '.join(assumed)}" if assumed else ""
    averaged = clv_table.attrs.get("models_averaged", 1) > 1
    source = " (the average of the tied models)" if averaged else ""
    mean_text = f"{text.money(clv.mean(), currency, digits=2)} per customer"
    if total and text.available(total.get("estimate")):
        bounds = (
            f" (parameter uncertainty of this expected value: {text.money(total['lower'], currency)}"
            f" to {text.money(total['upper'], currency)})"
            if text.available(total.get("lower"), total.get("upper"))
            else ""
        )
        amount = total["estimate"]
        findings.append(
            f"Total {label}{at}{source}: {text.money(amount, currency)}{bounds}, {mean_text} on "
            "average."
        )
    elif text.available(clv.sum()) and len(clv):
        amount = clv.sum()
        findings.append(f"Total {label}{at}{source}: {text.money(amount, currency)}, {mean_text}.")
    else:
        amount = np.nan
    if text.available(margin_rate, amount) and margin_rate > 0:
        lo_m, hi_m = max(margin_rate - 0.1, 0.05), min(margin_rate + 0.1, 1.0)
        findings.append(
            f"CLV is proportional to the margin: at {text.pct(lo_m)} it would be "
            f"{text.money(amount * lo_m / margin_rate, currency)}, at {text.pct(hi_m)} "
            f"{text.money(amount * hi_m / margin_rate, currency)}."
        )
    if clv_predictive is not None and len(clv_predictive):
        width = (
            clv_predictive["clv_predictive_upper"] - clv_predictive["clv_predictive_lower"]
        ).median()
        zero = float((clv_predictive["probability_no_purchase"] >= 0.5).mean())
        findings.append(
            f"One customer's {label} is much less certain than its expectation: the median "
            f"width of the {text.pct(1 - float(clv_predictive.attrs.get('alpha', 0.05)))} "
            f"predictive interval of the CLV a customer will yield is "
            f"{text.money(width, currency, digits=2)}, and {text.pct(zero)} of customers buy "
            "nothing in the horizon in at least half of the simulated futures."
        )
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
        findings.extend(_spend_check_sentence(spend_check))
    return findings


def bgbb_findings(model: BaseModel, data: pd.DataFrame, periods: int = 5) -> list[str]:
    """Key findings of a fitted BG/BB (discrete-time) model, computed from the fit.

    Parameters
    ----------
    model : BGBB, fitted
    data : DataFrame
        The summary it was fitted on (``frequency``, ``recency``, ``n_periods``, optional
        ``weight``: customers per row).
    periods : int, default 5
        Future transaction opportunities for the expected repeat transactions.

    Returns
    -------
    list of str
        The mean transaction probability while alive ``alpha / (alpha + beta)``, the mean
        drop-out probability per period ``gamma / (gamma + delta)``, the share of customers
        likely alive (P(alive) >= 0.5) and the expected transactions per customer in the next
        ``periods`` opportunities (Fader, Hardie and Shang 2010).
    """
    p = model.params_
    w = data["weight"].to_numpy(dtype=float) if "weight" in data else np.ones(len(data))
    n_customers = float(w.sum())
    buy = p["alpha"] / (p["alpha"] + p["beta"])
    drop = p["gamma"] / (p["gamma"] + p["delta"])
    alive = model.probability_alive(data).to_numpy()
    future = np.asarray(model.conditional_expected_purchases(periods, data), dtype=float)
    out = [
        f"BG/BB on {text.count(n_customers)} customers observed over "
        f"{text.count(data['n_periods'].max())} transaction opportunities: while alive a "
        f"customer transacts in a period with probability α/(α+β) = {text.number(buy, 2)} on "
        f"average, and leaves for good before each period with probability γ/(γ+δ) = "
        f"{text.number(drop, 2)} on average.",
        f"{text.pct(float(np.sum(w * (alive >= 0.5)) / n_customers))} of customers are probably "
        f"still alive (P(alive) ≥ 0.5); together they are expected to make "
        f"{text.count(float(np.sum(w * future)))} repeat transactions in the next "
        f"{text.count(periods)} periods, {text.number(float(np.sum(w * future) / n_customers), 2)}"
        " per customer.",
    ]
    return out


def covariate_findings(model: BaseModel, alpha: float | None = None) -> list[str]:
    """One plain-text sentence per covariate coefficient of a fitted static-covariate model.

    A coefficient whose ``1 - alpha`` interval excludes 0 "is associated with" a higher or
    lower purchase rate (all models: ``alpha_i = alpha exp(-g_p z_i)``, so the mean rate scales by
    ``exp(g_p)`` per unit) or drop-out rate (Pareto/NBD, GGom/NBD: ``beta_i = beta exp(-g_d
    z_i)``); for BG/NBD the drop-out coefficient scales ``a`` and ``b`` together, which leaves the
    mean drop-out probability ``a/(a+b)`` unchanged and changes only its spread. Otherwise "no
    evidence of an association", with the estimate and interval. Observational data:
    associations, never effects.
    """
    summary = model.summary()
    level = text.pct(1 - (alpha if alpha is not None else getattr(model, "alpha", 0.05)))
    name = type(model).__name__.replace("WithCovariates", "")
    bg = name == "BGNBD"
    out = []
    for label, row in summary.iterrows():
        label = str(label)
        if "." not in label:
            continue
        process, covariate = label.split(".", 1)
        factor = text.number(float(np.exp(row["coef"])), 2)
        est = (
            f"coefficient {text.number(row['coef'], 3)}, {level} interval "
            f"{text.interval(row['lower'], row['upper'], 3)}, {text.pvalue(row['p'])}"
        )
        if process == "purchase":
            what = "purchase rate"
        elif bg:
            what = "spread of the drop-out probability"
        else:
            what = "drop-out rate"
        if row["lower"] > 0 or row["upper"] < 0:
            if process == "dropout" and bg:
                direction = "a narrower" if row["coef"] > 0 else "a wider"
                tail = f"a and b scaled by {factor} per unit; the mean a/(a+b) is unchanged"
            else:
                direction = "a higher" if row["coef"] > 0 else "a lower"
                tail = f"a factor of {factor} per unit"
            out.append(
                f"In the {name} model, {covariate} is associated with {direction} {what} "
                f"({est}; {tail})."
            )
        else:
            out.append(
                f"In the {name} model, no evidence of an association between {covariate} and "
                f"the {what} ({est})."
            )
    return out
