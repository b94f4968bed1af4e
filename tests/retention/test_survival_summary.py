"""Median survival and restricted mean survival time (crmlab.retention.survival): against the
uncensored identity, a brute-force area and Greenwood sum, and the exponential closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    churn_durations,
    durations_by_segment,
    first_purchase_segment,
    kaplan_meier,
    restricted_mean_survival,
)


def _brute_force_rmst(time, event, tau):
    """Kaplan-Meier product by hand on a fine grid of distinct times, area by rectangles,
    variance by the textbook Greenwood-type sum (Klein & Moeschberger 2003, eq. 4.5.2)."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    s, area, last_t, curve = 1.0, 0.0, 0.0, []
    for t in np.unique(time[event == 1]):
        if t >= tau:
            break
        area += s * (t - last_t)
        n = np.sum(time >= t)
        d = np.sum((time == t) & (event == 1))
        s *= 1 - d / n
        curve.append((t, n, d))
        last_t = t
    area += s * (tau - last_t)
    var = 0.0
    for t, n, d in curve:
        # area from t to tau under the step curve, recomputed from scratch
        knots = [t] + [tt for tt, _, _ in curve if t < tt < tau] + [tau]
        a = 0.0
        for lo, hi in zip(knots[:-1], knots[1:], strict=True):
            a += np.prod([1 - dd / nn for tt, nn, dd in curve if tt <= lo]) * (hi - lo)
        if n > d:
            var += a**2 * d / (n * (n - d))
    return area, np.sqrt(var)


def test_rmst_without_censoring_is_the_mean_of_truncated_times():
    """No censoring: the KM curve is the empirical survival function, so the RMST is the mean
    of min(T, tau) and the Greenwood-type variance its plug-in variance / n (ties too)."""
    rng = np.random.default_rng(5)
    for time in (rng.exponential(5, 300), np.round(rng.exponential(5, 300))):
        for tau in (2.0, 6.0, 50.0):
            rmst, se = restricted_mean_survival(time, np.ones_like(time), tau)
            truncated = np.minimum(time, tau)
            assert rmst == pytest.approx(truncated.mean(), rel=1e-12)
            assert se == pytest.approx(np.sqrt(truncated.var() / len(time)), rel=1e-10)


def test_rmst_matches_brute_force_with_censoring_and_ties():
    rng = np.random.default_rng(8)
    time = np.round(rng.exponential(8, 120))
    event = rng.binomial(1, 0.6, 120)
    for tau in (3.5, 10.0, float(time.max())):
        rmst, se = restricted_mean_survival(time, event, tau)
        area, brute_se = _brute_force_rmst(time, event, tau)
        assert rmst == pytest.approx(area, rel=1e-12)
        assert se == pytest.approx(brute_se, rel=1e-10)


def test_rmst_of_exponential_lifetimes_against_the_closed_form():
    """S(t) = exp(-lambda t): RMST(tau) = (1 - exp(-lambda tau)) / lambda. With 20,000
    censored exponential lifetimes the estimate lies within 4 standard errors, and the standard
    error is close to the spread of the estimate over replications."""
    lam, tau = 0.2, 6.0
    truth = (1 - np.exp(-lam * tau)) / lam
    rng = np.random.default_rng(0)
    estimates, ses = [], []
    for _ in range(30):
        t = rng.exponential(1 / lam, 2000)
        c = rng.uniform(0, 15, 2000)
        rmst, se = restricted_mean_survival(np.minimum(t, c), (t <= c).astype(int), tau)
        estimates.append(rmst)
        ses.append(se)
    estimates = np.array(estimates)
    assert abs(estimates.mean() - truth) < 4 * np.mean(ses) / np.sqrt(len(ses))
    assert np.std(estimates, ddof=1) == pytest.approx(np.mean(ses), rel=0.35)


def test_rmst_event_at_time_zero_counts_from_the_start():
    """One-time buyers churn with duration 0: the curve starts below 1."""
    rmst, _ = restricted_mean_survival([0, 0, 4, 10], [1, 1, 1, 0], 8.0)
    # S = 0.5 on [0, 4), 0.25 on [4, 8)
    assert rmst == pytest.approx(0.5 * 4 + 0.25 * 4)
    with pytest.raises(ParameterError):
        restricted_mean_survival([1, 2], [1, 0], 0)


def test_durations_by_segment_on_cdnow():
    durations = churn_durations(load_cdnow(), 180)
    segment = first_purchase_segment(durations)
    table = durations_by_segment(durations, segment)
    assert list(table.index) == ["high", "low"]
    assert table["customers"].sum() == len(durations)
    assert (table["churned"] + table["censored"] == table["customers"]).all()
    horizon = min(durations.loc[segment == g, "duration"].max() for g in ("high", "low"))
    assert (table["horizon"] == horizon).all()
    km = kaplan_meier(durations, segment)
    for name, row in table.iterrows():
        piece = km.loc[km["group"] == name]
        first_below = piece.loc[piece["survival"] <= 0.5, "time"].iloc[0]
        assert row["median"] == first_below
        mask = (segment == name).to_numpy()
        rmst, se = restricted_mean_survival(
            durations["duration"][mask], durations["event"][mask], horizon
        )
        assert row["rmst"] == pytest.approx(rmst) and row["rmst_se"] == pytest.approx(se)
        assert row["rmst_lower"] < row["rmst"] < row["rmst_upper"]
        assert row["at_risk_horizon"] == int((durations["duration"][mask] >= horizon).sum())
        # the RMST is not the mean of censored durations
        assert row["rmst"] != pytest.approx(durations["duration"][mask].mean())
    assert table.loc["high", "rmst"] > table.loc["low", "rmst"]


def test_durations_by_segment_median_not_reached_and_options():
    durations = pd.DataFrame({"duration": [1, 2, 3, 4, 5, 6], "event": [1, 0, 0, 0, 0, 0]})
    table = durations_by_segment(durations, horizon=4)
    assert list(table.index) == ["all"]
    assert np.isnan(table.loc["all", "median"])  # survival never reaches 50%
    assert table.loc["all", "rmst"] == pytest.approx(1 + 5 / 6 * 3)
    with pytest.raises(ParameterError):
        durations_by_segment(durations, horizon=-1)
    with pytest.raises(ParameterError):
        durations_by_segment(durations, alpha=2)
    with pytest.raises(DataError):
        durations_by_segment(durations, "nope")
