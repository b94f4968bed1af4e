"""Seeded simulators for the customer-portfolio analyses, with known true effects."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.checks import check_count, check_fraction, check_number, check_seed

__all__ = ["simulate_programme"]


def simulate_programme(
    n_customers: int = 1000,
    n_weeks: int = 52,
    effect: float = 5.0,
    join_share: float = 0.5,
    selection: float = 1.0,
    seed: int = 0,
    effect_growth: float = 0.0,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Weekly spend of customers who join a loyalty programme at different times.

    Customer :math:`i` has a baseline weekly spend :math:`\\mu_i = 30 \\exp(0.5 z_i)`,
    :math:`z_i \\sim N(0, 1)`. Customers join with probability
    :math:`\\text{logit}^{-1}(\\text{logit}(\\text{join\\_share}) + \\text{selection} \\cdot z_i)`
    (heavier buyers join more often: self-selection), in a week drawn uniformly from the middle
    half of the horizon (staggered joining). Weekly spend is

    .. math:: y_{it} = \\mu_i + \\lambda_t + \\tau\\, M_{it} + \\varepsilon_{it}, \\quad
              \\lambda_t = 3 \\sin(2\\pi t / 52), \\quad \\varepsilon_{it} \\sim N(0, 5^2),

    with :math:`M_{it} = 1` from the joining week on and :math:`\\tau` = ``effect``. The naive
    comparison of members and non-members mixes :math:`\\tau` with the baseline gap the
    selection creates; two-way fixed effects recover :math:`\\tau`. With ``effect_growth``
    :math:`\\delta` the effect grows with the weeks since joining,
    :math:`\\tau + \\delta (t - g_i)`: two-way fixed effects are then biased (Goodman-Bacon 2021)
    and :func:`crmlab.programmes.callaway_santanna` recovers the average effect.

    Parameters
    ----------
    n_customers, n_weeks : int
        Panel size (``n_weeks`` at least 8).
    effect : float
        True effect of membership on weekly spend, :math:`\\tau`.
    join_share : float
        Share of customers who join when ``selection`` is 0, in (0, 1).
    selection : float
        Strength of self-selection on baseline spend (0 = random joining).
    seed : int
        Seed of every draw.
    effect_growth : float
        Growth of the effect per week since joining (0: a constant effect).

    Returns
    -------
    panel : DataFrame
        One row per customer and week: ``customer_id`` (1..n), ``week`` (0..n_weeks-1),
        ``spend``, ``member`` (0/1) and ``join_week`` (NaN for customers who never join).
    truth : dict
        ``effect`` (the true :math:`\\tau`), ``att`` (the mean effect over the member weeks: what
        :func:`crmlab.programmes.callaway_santanna` estimates; :math:`\\tau` when the effect
        does not grow), ``baseline_gap`` (mean :math:`\\mu` of joiners minus
        non-joiners in the sample) and ``join_share`` (realised share of joiners).
    """
    check_count(n_weeks, "n_weeks", minimum=8)
    check_count(n_customers, "n_customers", minimum=10)
    join_share = check_fraction(join_share, "join_share", zero=False, one=False)
    check_number(effect_growth, "effect_growth")
    check_seed(seed)
    rng = np.random.default_rng(seed)
    n, w = int(n_customers), int(n_weeks)
    z = rng.standard_normal(n)
    mu = 30.0 * np.exp(0.5 * z)
    logit = np.log(join_share / (1 - join_share)) + selection * z
    joins = rng.random(n) < 1 / (1 + np.exp(-logit))
    join_week = np.where(joins, rng.integers(w // 4, 3 * w // 4, n), -1)
    weeks = np.arange(w)
    member = (join_week[:, None] >= 0) & (weeks[None, :] >= join_week[:, None])
    season = 3.0 * np.sin(2 * np.pi * weeks / 52)
    since = np.clip(weeks[None, :] - join_week[:, None], 0, None)
    lift = np.where(member, effect + effect_growth * since, 0.0)
    spend = mu[:, None] + season[None, :] + lift + rng.normal(0, 5.0, (n, w))
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(1, n + 1), w),
            "week": np.tile(weeks, n),
            "spend": spend.ravel(),
            "member": member.ravel().astype("int64"),
            "join_week": np.repeat(np.where(joins, join_week, np.nan), w),
        }
    )
    truth = {
        "effect": float(effect),
        "att": float(lift[member].mean()) if member.any() else float("nan"),
        "baseline_gap": float(mu[joins].mean() - mu[~joins].mean()),
        "join_share": float(joins.mean()),
    }
    return panel, truth
