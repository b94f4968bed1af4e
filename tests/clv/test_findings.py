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
