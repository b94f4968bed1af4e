"""Seeded simulator of a SERVQUAL survey with known true gaps.

The 22 items and 5 dimensions are those of Parasuraman, Zeithaml and Berry (1988, appendix),
in short wording. Each respondent :math:`r` answers expectation and perception of item :math:`i`
on a ``scale`` (default 1-7). Latent answers

.. math::

    E^*_{ri} = \\mu_i + a_r + \\varepsilon_{ri}, \\qquad
    P^*_{ri} = \\mu_i + g_i + \\delta_{s(r), d(i)} + a_r + b_r + \\nu_{ri}

with respondent scale-use :math:`a_r \\sim N(0, \\sigma_a^2)`, perception halo
:math:`b_r \\sim N(0, \\sigma_b^2)`, noise :math:`\\varepsilon, \\nu \\sim N(0, \\sigma^2)` and a
segment shift :math:`\\delta` per dimension, are rounded to the nearest scale point and clipped
to the scale. Because of rounding and clipping the true gap on the observed scale is not
:math:`g_i`; it is computed exactly as :math:`E[\\mathrm{obs}(P^*)] - E[\\mathrm{obs}(E^*)]` with
:math:`E[\\mathrm{obs}(Y)] = \\sum_k k\\,P(k - 1/2 < Y \\le k + 1/2)` (end points open) for the
normal marginals, mixed over the segment shares. This is what ``gap_scores`` estimates.

Stated importance is a rounded :math:`N(\\iota_{d(i)} + c_r, 0.8^2)`; overall satisfaction is a
rounded :math:`4.6 + \\sum_d \\beta_d\\, \\overline{(P^* - E[P^*])}_{r,d} + N(0, 0.6^2)`, so the
reliability dimension drives satisfaction most (true driver weights :math:`\\beta_d/|d|` per item).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.errors import ParameterError

__all__ = ["SERVQUAL_ITEMS", "simulate_servqual_survey"]

#: The 22 SERVQUAL items (short wording of PZB 1988) by dimension.
SERVQUAL_ITEMS: dict[str, tuple[str, ...]] = {
    "tangibles": (
        "modern equipment",
        "appealing facilities",
        "neat employees",
        "appealing materials",
    ),
    "reliability": (
        "keeps promises",
        "sincere problem solving",
        "right first time",
        "on-time service",
        "error-free records",
    ),
    "responsiveness": (
        "tells when service happens",
        "prompt service",
        "willing to help",
        "never too busy",
    ),
    "assurance": (
        "instils confidence",
        "safe transactions",
        "courteous employees",
        "knowledgeable employees",
    ),
    "empathy": (
        "individual attention",
        "convenient hours",
        "personal attention",
        "best interests at heart",
        "understands needs",
    ),
}

# true latent parameters per item (same order as SERVQUAL_ITEMS)
_EXPECTATION = (
    5.4,
    5.0,
    5.2,
    4.8,
    6.3,
    6.0,
    6.2,
    6.1,
    6.0,
    5.7,
    5.9,
    6.0,
    5.6,
    5.9,
    6.2,
    5.8,
    5.9,
    5.0,
    5.3,
    5.1,
    5.4,
    5.6,
)
_GAP = (
    0.2,
    0.4,
    0.1,
    0.0,
    -1.2,
    -0.8,
    -0.9,
    -1.1,
    -0.5,
    -0.6,
    -0.9,
    -0.4,
    -0.7,
    -0.3,
    -0.1,
    0.1,
    -0.2,
    -0.6,
    0.2,
    -0.5,
    -0.7,
    -0.4,
)
_IMPORTANCE = {
    "tangibles": 4.6,
    "reliability": 6.3,
    "responsiveness": 5.8,
    "assurance": 5.6,
    "empathy": 5.1,
}
_DRIVER = {
    "tangibles": 0.15,
    "reliability": 0.9,
    "responsiveness": 0.6,
    "assurance": 0.4,
    "empathy": 0.3,
}


def _expected_observed(mean: np.ndarray, sd: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Exact mean of round-and-clip(N(mean, sd^2)) on the integer scale lo..hi."""
    k = np.arange(lo, hi + 1, dtype=float)
    upper = np.append(k[:-1] + 0.5, np.inf)
    lower = np.insert(k[1:] - 0.5, 0, -np.inf)
    m, s = np.asarray(mean)[..., None], np.asarray(sd)[..., None]
    prob = stats.norm.cdf((upper - m) / s) - stats.norm.cdf((lower - m) / s)
    return (prob * k).sum(axis=-1)


def simulate_servqual_survey(
    n_respondents: int = 400,
    seed: int = 0,
    *,
    scale: tuple[int, int] = (1, 7),
    segments: Mapping[str, float] | None = None,
    segment_shift: Mapping[str, Mapping[str, float]] | None = None,
    respondent_sd: float = 0.5,
    halo_sd: float = 0.5,
    noise_sd: float = 0.8,
    missing_rate: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a SERVQUAL survey (22 items, 5 dimensions) with known true gaps.

    Parameters
    ----------
    n_respondents : int
        Number of respondents.
    seed : int
        Seed of the random generator (same seed, same survey).
    scale : (int, int)
        Answer scale (1-7 as PZB 1988).
    segments : mapping segment -> share, optional
        Default ``{"private": 0.6, "business": 0.4}``.
    segment_shift : mapping segment -> {dimension: shift}, optional
        Latent perception shift per segment and dimension; default business customers perceive
        responsiveness 0.5 and empathy 0.3 points lower.
    respondent_sd, halo_sd, noise_sd : float
        Standard deviations of :math:`a_r`, :math:`b_r` and the item noise.
    missing_rate : float
        Share of perception answers set missing at random (to exercise ``missing=``).

    Returns
    -------
    survey : DataFrame
        Long survey (contract of :mod:`crmlab.satisfaction.survey`): respondent_id (1..n), item,
        dimension, expectation, perception, importance (float64), segment (respondent's
        segment) and overall_satisfaction (respondent's overall satisfaction on ``scale``).
    true_gaps : DataFrame
        Index item; columns dimension, expectation (true mean of the observed expectation),
        perception (true mean of the observed perception), gap (true observed-scale gap, mixed
        over segments), ``gap_<segment>`` (true gap in each segment), latent_gap (:math:`g_i`)
        and driver_weight (true weight of the item in overall satisfaction).

    Examples
    --------
    >>> from crmlab.datasets import simulate_servqual_survey
    >>> survey, truth = simulate_servqual_survey(100, seed=3)
    >>> survey.shape, truth.shape[0]
    ((2200, 8), 22)
    """
    if int(n_respondents) < 2:
        raise ParameterError("n_respondents must be at least 2.", parameter="n_respondents")
    if not 0 <= missing_rate < 1:
        raise ParameterError("missing_rate must be in [0, 1).", parameter="missing_rate")
    lo, hi = int(scale[0]), int(scale[1])
    if hi - lo < 2:
        raise ParameterError("scale must span at least three points.", parameter="scale")
    segments = dict(segments or {"private": 0.6, "business": 0.4})
    shares = np.array(list(segments.values()), dtype=float)
    if np.any(shares < 0) or shares.sum() <= 0:
        raise ParameterError("segment shares must be non-negative.", parameter="segments")
    shares = shares / shares.sum()
    if segment_shift is None:
        segment_shift = {"business": {"responsiveness": -0.5, "empathy": -0.3}}
    rng = np.random.default_rng(seed)
    n = int(n_respondents)
    dims = [d for d, items in SERVQUAL_ITEMS.items() for _ in items]
    items = [i for its in SERVQUAL_ITEMS.values() for i in its]
    k = len(items)
    centre = (lo + hi) / 2
    mu = np.array(_EXPECTATION) - 4.0 + centre
    g = np.array(_GAP)
    seg_names = list(segments)
    shift = np.array(
        [[segment_shift.get(s, {}).get(d, 0.0) for d in dims] for s in seg_names]
    )  # (segments, items)
    seg = rng.choice(len(seg_names), size=n, p=shares)
    a = rng.normal(0, respondent_sd, n)
    b = rng.normal(0, halo_sd, n)
    c = rng.normal(0, 0.5, n)
    e_lat = mu + a[:, None] + rng.normal(0, noise_sd, (n, k))
    p_mean = mu + g + shift[seg]
    p_lat = p_mean + (a + b)[:, None] + rng.normal(0, noise_sd, (n, k))
    imp_mu = np.array([_IMPORTANCE[d] for d in dims]) - 4.0 + centre
    imp = imp_mu + c[:, None] + rng.normal(0, 0.8, (n, k))
    dev = p_lat - p_mean
    dim_codes = pd.factorize(pd.Series(dims))[0]
    n_per_dim = np.bincount(dim_codes)
    beta_item = np.array([_DRIVER[d] for d in dims]) / n_per_dim[dim_codes]
    overall = centre + 0.6 + dev @ beta_item + rng.normal(0, 0.6, n)

    def obs(x: np.ndarray) -> np.ndarray:
        return np.clip(np.rint(x), lo, hi)

    perception = obs(p_lat)
    if missing_rate > 0:
        perception[rng.random((n, k)) < missing_rate] = np.nan
    survey = pd.DataFrame(
        {
            "respondent_id": np.repeat(np.arange(1, n + 1), k),
            "item": np.tile(items, n),
            "dimension": np.tile(dims, n),
            "expectation": obs(e_lat).ravel(),
            "perception": perception.ravel(),
            "importance": obs(imp).ravel(),
            "segment": np.repeat(np.array(seg_names, dtype=object)[seg], k),
            "overall_satisfaction": np.repeat(obs(overall), k),
        }
    )
    sd_e = np.sqrt(respondent_sd**2 + noise_sd**2)
    sd_p = np.sqrt(respondent_sd**2 + halo_sd**2 + noise_sd**2)
    exp_e = _expected_observed(mu, np.full(k, sd_e), lo, hi)
    exp_p_seg = _expected_observed(mu + g + shift, np.full(shift.shape, sd_p), lo, hi)
    exp_p = shares @ exp_p_seg
    truth = pd.DataFrame(
        {
            "dimension": dims,
            "expectation": exp_e,
            "perception": exp_p,
            "gap": exp_p - exp_e,
        },
        index=pd.Index(items, name="item"),
    )
    for j, s in enumerate(seg_names):
        truth[f"gap_{s}"] = exp_p_seg[j] - exp_e
    truth["latent_gap"] = g
    truth["driver_weight"] = beta_item
    return survey, truth
