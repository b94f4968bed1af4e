"""Cox hazard ratios per doubling, the proportional-hazards test and Harrell's C
(crmlab.retention.hazards)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    churn_durations,
    concordance_index,
    cox_effects,
    cox_model,
    harrell_concordance,
    proportional_hazards_test,
)


def _exponential(n, beta, seed, changing=False):
    """Exponential lifetimes with hazard 0.1 exp(beta x); with ``changing`` the effect of x
    flips sign after time 5 (non-proportional hazards)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    if changing:
        # hazard 0.1 exp(beta x) before t = 5, 0.1 exp(-beta x) after: inverse transform
        h1, h2 = 0.1 * np.exp(beta * x), 0.1 * np.exp(-beta * x)
        e = rng.exponential(size=n)
        time = np.where(e < 5 * h1, e / h1, 5 + (e - 5 * h1) / h2)
    else:
        time = rng.exponential(1 / (0.1 * np.exp(beta * x)))
    censor = rng.uniform(0, 30, n)
    return pd.DataFrame(
        {"duration": np.minimum(time, censor), "event": (time <= censor).astype(int), "x": x}
    )


def _brute_force_c(time, event, risk):
    conc = tied = comp = 0
    for i in range(len(time)):
        if not event[i]:
            continue
        for j in range(len(time)):
            if time[j] > time[i] or (time[j] == time[i] and not event[j]):
                comp += 1
                conc += risk[i] > risk[j]
                tied += risk[i] == risk[j]
    return (conc + tied / 2) / comp, comp, conc, tied


def test_harrell_concordance_matches_a_brute_force_pair_count():
    rng = np.random.default_rng(4)
    n = 250
    time = np.round(rng.exponential(5, n))  # many tied times
    event = rng.binomial(1, 0.6, n)
    risk = np.round(rng.normal(size=n), 1)  # many tied risks
    c = harrell_concordance(time, event, risk)
    brute, comp, conc, tied = _brute_force_c(time, event, risk)
    assert c["c_index"] == pytest.approx(brute, rel=1e-12)
    assert (c["comparable"], c["concordant"], c["tied"]) == (comp, conc, tied)
    assert c["concordant"] + c["discordant"] + c["tied"] == c["comparable"]
    # a perfect ranking and its reverse
    t = np.arange(1.0, 11.0)
    assert harrell_concordance(t, np.ones(10), -t)["c_index"] == 1.0
    assert harrell_concordance(t, np.ones(10), t)["c_index"] == 0.0
    with pytest.raises(DataError):
        harrell_concordance(t, np.ones(10), np.full(10, np.nan))


def test_concordance_index_of_a_cox_model():
    data = _exponential(800, 0.8, seed=2)
    c = concordance_index(data, ["x"])
    coef = cox_model(data, ["x"])["coef"].iloc[0]
    direct = _brute_force_c(
        data["duration"].to_numpy(), data["event"].to_numpy(), coef * data["x"].to_numpy()
    )
    assert c["c_index"] == pytest.approx(direct[0], rel=1e-12)
    assert c["c_index"] > 0.6  # a strong covariate ranks customers well


def test_cox_effects_per_doubling():
    durations = churn_durations(load_cdnow(), 180)
    cox = cox_model(durations)
    effects = cox_effects(cox)
    row = effects.loc["log_first_amount"]
    assert row["change"] == "doubling" and row["variable"] == "1 + first_amount"
    b, se = cox.loc["log_first_amount", ["coef", "se"]]
    z = stats.norm.ppf(0.975)
    assert row["hazard_ratio"] == pytest.approx(2**b)
    assert row["lower"] == pytest.approx(2 ** (b - z * se))
    assert row["upper"] == pytest.approx(2 ** (b + z * se))
    assert row["p_value"] == pytest.approx(cox.loc["log_first_amount", "p_value"])
    unit = effects.loc["first_quantity"]
    assert unit["change"] == "one unit"
    assert unit["hazard_ratio"] == pytest.approx(cox.loc["first_quantity", "hazard_ratio"])
    explicit = cox_effects(cox, log_covariates=[])
    assert (explicit["change"] == "one unit").all()
    with pytest.raises(DataError):
        cox_effects(cox, log_covariates=["nope"])
    with pytest.raises(ParameterError):
        cox_effects(cox, alpha=0)


def _schoenfeld_by_hand(data, beta):
    """Breslow-form Schoenfeld residuals: x_i minus the risk-weighted mean of the risk set."""
    t, e, x = (data[c].to_numpy() for c in ("duration", "event", "x"))
    rows = []
    for i in np.flatnonzero(e == 1):
        at_risk = t >= t[i]
        w = np.exp(beta * x[at_risk])
        rows.append((t[i], x[i] - np.sum(w * x[at_risk]) / np.sum(w)))
    rows.sort()
    return np.array([r for _, r in rows]), np.array([tt for tt, _ in rows])


def test_proportional_hazards_test_against_a_hand_computation():
    """Continuous times (no ties): the residuals by hand, the statistic of Grambsch &
    Therneau (1994) with g(t) = t, and the scaled residuals averaging exactly beta."""
    data = _exponential(400, 0.5, seed=7)
    table = proportional_hazards_test(data, ["x"], transform="identity", ties="breslow")
    cox = cox_model(data, ["x"], ties="breslow")
    beta, var = cox["coef"].iloc[0], cox["se"].iloc[0] ** 2
    resid, times = _schoenfeld_by_hand(data, beta)
    d = len(resid)
    g = times - times.mean()
    statistic = (np.sum(g * d * var * resid)) ** 2 / (var * d * np.sum(g**2))
    assert table.loc["x", "statistic"] == pytest.approx(statistic, rel=1e-6)
    assert table.loc["x", "p_value"] == pytest.approx(stats.chi2.sf(statistic, 1), rel=1e-6)
    assert table.loc["x", "rho"] == pytest.approx(np.corrcoef(g, resid)[0, 1], rel=1e-6)
    scaled = table.attrs["scaled_residuals"]
    assert scaled["x"].mean() == pytest.approx(beta, abs=1e-6)  # the score is 0 at the MLE
    assert list(table.index) == ["x", "GLOBAL"] and table.loc["GLOBAL", "df"] == 1
    # one covariate: the global test is the covariate's test
    assert table.loc["GLOBAL", "statistic"] == pytest.approx(statistic, rel=1e-6)


def test_proportional_hazards_test_detects_a_changing_effect():
    """The effect of x reverses at t = 5: every transform rejects proportional hazards."""
    data = _exponential(3000, 0.8, seed=1, changing=True)
    for transform in ("km", "rank", "identity", "log"):
        table = proportional_hazards_test(data, ["x"], transform=transform)
        assert table.loc["x", "p_value"] < 1e-6 and table.loc["x", "rho"] < 0
    with pytest.raises(ParameterError):
        proportional_hazards_test(data, ["x"], transform="square")


def test_proportional_hazards_test_global_with_two_covariates():
    durations = churn_durations(load_cdnow(), 180)
    table = proportional_hazards_test(durations)
    assert list(table.index) == ["log_first_amount", "first_quantity", "GLOBAL"]
    assert table.loc["GLOBAL", "df"] == 2
    assert table["p_value"].between(0, 1).all()
    assert table["statistic"].ge(0).all()
