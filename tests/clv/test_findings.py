"""Tests of crmlab.clv.findings: the CLV notebook's key findings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from crmlab import clv
from crmlab.clv import (
    BGNBD,
    GammaGamma,
    ParetoNBD,
    clv_findings,
    clv_segments,
    spend_frequency_check,
)


def test_clv_findings_numbers(cdnow):
    model = BGNBD().fit(cdnow)
    spend = GammaGamma().fit(cdnow)
    values = clv.customer_lifetime_value(model, spend, None, 52, 0.1, "W", 0.3)
    p_alive = model.probability_alive()
    comp = pd.DataFrame(
        {
            "holdout_mae": [0.60, 0.80],
            "predicted_total": [1650.0, 1700.0],
            "actual_total": [1882.0, 1882.0],
            "aggregate_error_pct": [-12.3, -9.7],
        },
        index=pd.Index(["BGNBD", "ParetoNBD"], name="model"),
    )
    check = spend_frequency_check(cdnow)
    lines = clv_findings(comp, model, values, p_alive, spend, check, horizon=52, time_unit="W")
    text = "\n".join(lines)
    assert lines[0].startswith("BGNBD has the smallest mean absolute error")
    assert "0.600 against 0.800 for ParetoNBD" in lines[0]
    assert "does not show that it forecasts better" in lines[0]  # no verdict without a test
    rate = model.params_["r"] / model.params_["alpha"]
    assert f"{rate:.3f} times a week" in text
    drop = model.params_["a"] / (model.params_["a"] + model.params_["b"])
    assert f"a/(a+b) = {drop:.2f}" in text
    alive = f"{100 * (p_alive >= 0.5).mean():.0f}% of customers are probably still active"
    assert alive in text
    one_timers = f"counts the {100 * (cdnow['frequency'] == 0).mean():.0f}% without a repeat"
    assert one_timers in text  # the BG/NBD caveat: P(alive) = 1 for them
    total = f"{values['clv'].sum():,.0f}"
    assert f"Total 52-week CLV: {total}" in text
    top = np.sort(values["clv"].to_numpy())[::-1][: int(np.ceil(0.2 * len(values)))].sum()
    assert f"{100 * top / values['clv'].sum():.0f}% of total CLV" in text
    tiers = clv_segments(values)
    n_risk = int((tiers.isin(["high", "top"]) & (p_alive < 0.7)).sum())
    assert re.search(rf"{n_risk} of the \d+ high- and top-tier customers are at risk", text)
    assert "acceptable" not in text
    verdict = check.attrs["verdict"]
    assert f"Gamma-Gamma model is {verdict}" in text
    assert "Pearson r = " in text and "Spearman rho = " in text and "Fisher's z" in text


def test_clv_findings_with_intervals_and_pareto(cdnow):
    model = ParetoNBD().fit(cdnow)
    values = clv.customer_lifetime_value(
        model, None, cdnow.iloc[:300], 13, 0.1, "W", n_draws=5, seed=2
    )
    p_alive = model.probability_alive(cdnow.iloc[:300])
    comp = pd.DataFrame(
        {
            "holdout_mae": [0.75],
            "predicted_total": [1666.0],
            "actual_total": [1882.0],
            "aggregate_error_pct": [-11.5],
        },
        index=pd.Index(["ParetoNBD"], name="model"),
    )
    lines = clv_findings(comp, model, values, p_alive, horizon=13, time_unit="W")
    text = "\n".join(lines)
    total = values.attrs["total_clv"]
    assert (
        f"(parameter uncertainty of this expected value: {total['lower']:,.0f} to "
        f"{total['upper']:,.0f})" in text
    )
    mu = model.params_["s"] / model.params_["beta"]
    assert f"s/β = {mu:.4f} per week" in text
    assert "Gamma-Gamma" not in text  # no spend model given
    assert "without a repeat purchase" not in text  # the caveat is BG/NBD's only
    comp2 = pd.concat([comp, comp.rename(index={"ParetoNBD": "BGNBD"}).assign(holdout_mae=0.752)])
    first = clv_findings(comp2, model, values, p_alive)[0]
    assert "0.750 against 0.752 for BGNBD" in first
    assert "tie" not in first and "best" not in first


def test_covariate_findings_recover_a_known_association():
    """Two groups simulated with purchase rates in the ratio 2 (alpha / 2 for z = 1), same
    drop-out: the purchase coefficient is near log 2 and "is associated with a higher purchase
    rate"; the drop-out coefficient, zero in truth, is worded as no evidence when its interval
    covers 0."""
    from crmlab.datasets.simulate_clv import simulate_paretonbd

    base = {"r": 0.8, "alpha": 8.0, "s": 0.6, "beta": 12.0}
    a = simulate_paretonbd(3000, base, seed=0).summary.assign(z=0.0)
    b = simulate_paretonbd(3000, {**base, "alpha": 4.0}, seed=1).summary.assign(z=1.0)
    data = pd.concat([a, b], ignore_index=True)
    model = clv.fit_with_covariates("ParetoNBD", data, data[["z"]])
    table = clv.covariate_table(model)
    coef = table.loc[("purchase", "z")]
    assert coef["lower"] < np.log(2) < coef["upper"]
    lines = clv.covariate_findings(model)
    purchase = next(line for line in lines if "purchase rate" in line)
    assert "z is associated with a higher purchase rate" in purchase
    assert f"coefficient {coef['coef']:.3f}" in purchase
    drop = table.loc[("dropout", "z")]
    dropout = next(line for line in lines if "drop-out" in line)
    if drop["lower"] < 0 < drop["upper"]:
        assert dropout.startswith("In the ParetoNBD model, no evidence of an association")
    assert not any(w in " ".join(lines) for w in ("causes", "drives", "effect of"))


def test_bgbb_findings_quote_the_published_fit():
    from crmlab.datasets import load_donations

    data = load_donations()
    model = clv.BGBB().fit(data)
    lines = clv.bgbb_findings(model, data, periods=5)
    p = model.params_
    assert f"α/(α+β) = {p['alpha'] / (p['alpha'] + p['beta']):.2f}" in lines[0]
    assert "11,104 customers observed over 6 transaction opportunities" in lines[0]
    future = model.conditional_expected_purchases(5, data).to_numpy()
    total = float(np.sum(data["weight"].to_numpy() * future))
    assert f"{total:,.0f} repeat transactions in the next 5 periods" in lines[1]


def test_choice_sentence_tie_winner_and_coverage_note():
    from crmlab.clv import ForecastChoice
    from crmlab.clv.findings import _choice_sentence

    table = pd.DataFrame(
        {"log_score": [-0.98, -0.99], "rmse": [1.6, 1.61], "rank": [1, 2]},
        index=pd.Index(["BGNBD", "ParetoNBD"], name="model"),
    )
    tie = ForecastChoice("log_score", table, "BGNBD", "ParetoNBD", 0.01, -0.002, 0.02, True,
                         ["BGNBD", "ParetoNBD"], 0.05, 2000, 2357)  # fmt: skip
    said = _choice_sentence(tie)
    assert said.startswith("BGNBD and ParetoNBD forecast the holdout equally well")
    assert "95% interval -0.0020 to 0.0200" in said and "averages both" in said
    win = ForecastChoice("rmse", table, "BGNBD", "ParetoNBD", 0.01, 0.004, 0.02, False,
                         ["BGNBD"], 0.05, 2000, 2357)  # fmt: skip
    said = _choice_sentence(win)
    assert "better than ParetoNBD" in said and "RMSE" in said and "uses BGNBD" in said
    note = clv.coverage_note({"observed": 0.97, "expected": 0.98, "se": 0.003, "level": 0.95}, "X")
    assert str(note).startswith("97% of customers' holdout purchases fell within their 95%")
    assert "no holdout predictive check" in str(clv.coverage_note(None, "ParetoNBDCorrelated"))
