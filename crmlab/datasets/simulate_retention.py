"""Seeded simulators for the retention analyses: subscription tables with known sBG parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.errors import ParameterError

__all__ = ["simulate_subscriptions"]


def simulate_subscriptions(
    n_customers: int,
    alpha: float,
    beta: float,
    n_periods: int,
    n_cohorts: int = 1,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Subscribers following the shifted-beta-geometric model (Fader & Hardie 2007).

    Cohort ``c`` (``c = 0 .. n_cohorts - 1``) of ``n_customers`` customers starts in period
    ``c``. Each customer draws a churn probability ``theta ~ Beta(alpha, beta)`` and churns in
    period ``T ~ Geometric(theta)`` (``T = 1, 2, ...``: she is active in periods
    ``c .. c + T - 1``). Periods ``0 .. n_periods`` are observed: a customer still active in
    ``n_periods`` is right-censored (``end`` is NaN).

    Parameters
    ----------
    n_customers : int
        Customers per cohort.
    alpha, beta : float
        True sBG parameters (> 0).
    n_periods : int
        Last period observed (>= n_cohorts).
    n_cohorts : int, default 1
        Number of cohorts.
    seed : int or None, default 0
        Random seed (the same seed gives the same customers; None draws a fresh one).

    Returns
    -------
    DataFrame
        One row per customer: ``customer_id`` (0..), ``cohort`` and ``start`` (int64: the
        acquisition period), ``end`` (float64: first period without the subscription, NaN
        while active at ``n_periods``). ``attrs`` holds ``alpha``, ``beta`` and
        ``observation_end`` (``n_periods``); fit with
        ``ShiftedBetaGeometric().fit_cohorts(table, observation_end=n_periods)``.
    """
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not np.isscalar(value) or not float(value) > 0:
            raise ParameterError(f"{name} must be a number > 0, got {value!r}.", parameter=name)
    n_customers, n_periods, n_cohorts = int(n_customers), int(n_periods), int(n_cohorts)
    if n_customers < 1 or n_cohorts < 1:
        raise ParameterError(
            "n_customers and n_cohorts must be at least 1.", parameter="n_customers"
        )
    if n_periods < n_cohorts:
        raise ParameterError(
            f"n_periods ({n_periods}) must be >= n_cohorts ({n_cohorts}) so that every cohort is "
            "observed for at least one renewal.",
            parameter="n_periods",
        )
    rng = np.random.default_rng(seed)
    n = n_customers * n_cohorts
    start = np.repeat(np.arange(n_cohorts), n_customers)
    theta = rng.beta(alpha, beta, size=n)
    lifetime = rng.geometric(np.clip(theta, 1e-12, 1.0))
    end = (start + lifetime).astype(float)
    end[end > n_periods] = np.nan
    table = pd.DataFrame(
        {
            "customer_id": np.arange(n, dtype="int64"),
            "cohort": start.astype("int64"),
            "start": start.astype("int64"),
            "end": end,
        }
    )
    table.attrs.update({"alpha": float(alpha), "beta": float(beta), "observation_end": n_periods})
    return table
