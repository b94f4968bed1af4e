"""Seeded simulator of multi-brand benefit/cost ratings with known true perceived values.

No public data set has several brands rated on the benefits and costs of perceived value
(Kotler & Keller 2016, ch. 5: total customer benefit = product, service, personnel and image;
total customer cost = monetary, time, energy and psychological), so the value analyses are shown
and tested on :func:`simulate_brand_ratings`, whose true values are computed exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy.special import ndtr

from crmlab.errors import ParameterError

__all__ = ["BrandValueTruth", "SimulatedRatings", "simulate_brand_ratings"]

BENEFIT_ATTRIBUTES: tuple[str, ...] = ("product", "service", "personnel", "image")
COST_ATTRIBUTES: tuple[str, ...] = ("money", "time", "energy", "psychological")
_ATTRIBUTES = BENEFIT_ATTRIBUTES + COST_ATTRIBUTES
_SEGMENTS = ("price_sensitive", "quality_seeker")
_SEGMENT_SHARES = np.array([0.5, 0.5])

#: Latent mean ratings (1-7 scale) of the default brands, attributes in the order
#: product, service, personnel, image, money, time, energy, psychological.
_DEFAULT_PROFILES = {
    "Aster": [5.6, 5.3, 5.4, 5.8, 5.4, 3.0, 3.2, 2.6],  # premium: high benefits, high price
    "Birch": [4.5, 4.1, 4.0, 3.9, 2.6, 3.6, 3.8, 3.4],  # budget: modest benefits, low price
    "Cedar": [4.3, 3.9, 4.1, 4.0, 4.6, 4.3, 4.1, 3.9],  # stuck in the middle: poor value
    "Dune": [5.0, 5.8, 5.6, 4.6, 4.3, 2.6, 2.8, 3.0],  # service leader, fair price
}
#: Shift of the latent rating by segment (rows) and attribute (columns).
_SEGMENT_SHIFT = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.2],  # price-sensitive customers feel prices more
        [-0.3, 0.0, 0.0, 0.0, -0.3, 0.0, 0.0, 0.0],  # quality seekers are harder to please
    ]
)
#: Mean stated importance (1-7) by segment (rows) and attribute (columns).
_IMPORTANCE = np.array(
    [
        [4.6, 4.2, 3.8, 3.2, 6.3, 4.6, 4.2, 3.8],
        [6.2, 5.4, 4.8, 5.0, 3.6, 4.4, 3.8, 4.0],
    ]
)
#: True coefficients of the overall value rating (before rounding) on the attribute ratings.
_DRIVERS = pd.Series(
    [0.30, 0.20, 0.10, 0.15, -0.30, -0.12, -0.05, -0.10], index=list(_ATTRIBUTES), name="true"
)
_DRIVER_INTERCEPT = 2.4
_SD_RESPONDENT = 0.5  # scale use shared by all of a respondent's ratings
_SD_BRAND_LIKING = 0.5  # halo: raises a brand's benefits and lowers its costs
_SD_NOISE = 0.9
_SD_IMPORTANCE = 0.9
_SD_OVERALL = 0.6


class BrandValueTruth(NamedTuple):
    """True values behind :func:`simulate_brand_ratings`.

    Attributes
    ----------
    brands : DataFrame
        Index ``brand``; columns ``benefits``, ``costs``, ``net_value``, ``value_ratio``: the
        population values of the estimands of :func:`crmlab.value.perceived_value` (expected
        ratings weighted by the population mean stated importance).
    segments : DataFrame
        The same per segment: MultiIndex (``segment``, ``brand``), weights from the segment's
        own stated importance.
    attributes : DataFrame
        Index ``brand``, one column per attribute: expected observed rating (after rounding to
        the 1-7 scale and clipping), averaged over the segments.
    weights : Series
        Index attribute: population mean stated importance.
    drivers : Series
        Index attribute, plus ``intercept``: coefficients of the latent overall value rating on
        the observed attribute ratings.
    segment_shares : Series
        Population share of each segment.
    """

    brands: pd.DataFrame
    segments: pd.DataFrame
    attributes: pd.DataFrame
    weights: pd.Series
    drivers: pd.Series
    segment_shares: pd.Series


class SimulatedRatings(NamedTuple):
    """Simulated long-format ratings and the truth that generated them (unpacks as a pair)."""

    ratings: pd.DataFrame
    truth: BrandValueTruth


def _expected_rating(mean: np.ndarray, sd: float, low: int = 1, high: int = 7) -> np.ndarray:
    """E[clip(floor(Y + 1/2), low, high)] for Y ~ Normal(mean, sd): low + sum_k P(Y >= k + 1/2)."""
    mean = np.asarray(mean, dtype=float)
    cuts = np.arange(low, high) + 0.5
    return low + ndtr((mean[..., None] - cuts) / sd).sum(axis=-1)


def _discretise(latent: np.ndarray, low: int = 1, high: int = 7) -> np.ndarray:
    return np.clip(np.floor(latent + 0.5), low, high)


def _profiles(brands: Sequence[str] | None, seed: int) -> tuple[list[str], np.ndarray]:
    if brands is None:
        return list(_DEFAULT_PROFILES), np.array(list(_DEFAULT_PROFILES.values()))
    names = [str(b) for b in brands]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ParameterError(
            f"brands must name at least two distinct brands; got {names!r}.", parameter="brands"
        )
    defaults = list(_DEFAULT_PROFILES.values())
    rng = np.random.default_rng([seed, 7])
    extra = rng.uniform(2.8, 5.6, size=(max(0, len(names) - len(defaults)), len(_ATTRIBUTES)))
    rows = [
        defaults[i] if i < len(defaults) else extra[i - len(defaults)] for i in range(len(names))
    ]
    return names, np.array(rows, dtype=float)


def simulate_brand_ratings(
    n_respondents: int = 300,
    brands: Sequence[str] | None = None,
    seed: int = 0,
    *,
    brands_per_respondent: int | None = None,
) -> SimulatedRatings:
    """Simulate respondents rating brands on the benefits and costs of perceived value.

    Each respondent ``i`` of segment ``s`` (``price_sensitive`` or ``quality_seeker``, half each)
    rates brand ``b`` on attribute ``a`` with the latent score
    ``y* = mu[b, a] + shift[s, a] + u_i + sign_a * v_ib + e``, ``u_i ~ N(0, 0.5^2)`` (scale use),
    ``v_ib ~ N(0, 0.5^2)`` (brand liking: raises benefits, ``sign = +1``, and lowers costs,
    ``sign = -1``), ``e ~ N(0, 0.9^2)``; the recorded rating is ``y*`` rounded to the 1-7 scale
    (clipped). Cost ratings say how high the cost is (7: very high). Each respondent states the
    importance of each attribute once (1-7, mean by segment, rounded), repeated on each brand's
    row. The overall value rating (kind ``overall``, attribute ``overall_value``) is
    ``2.4 + sum_a beta_a * rating_a + N(0, 0.6^2)`` rounded to 1-7, with ``beta`` in
    ``truth.drivers`` (benefits positive, costs negative).

    Parameters
    ----------
    n_respondents : int
        Number of respondents.
    brands : sequence of str, optional
        Brand names; default four brands with documented profiles: ``Aster`` (premium),
        ``Birch`` (budget), ``Cedar`` (stuck in the middle), ``Dune`` (service leader). The first
        four names get these profiles in that order, further ones random profiles (from ``seed``).
    seed : int
        Seed of every random draw.
    brands_per_respondent : int, optional
        Each respondent rates this many randomly chosen brands; default all (a paired design).

    Returns
    -------
    SimulatedRatings
        ``ratings``: long format with columns ``respondent_id`` (int), ``brand``, ``attribute``,
        ``kind`` (``benefit``, ``cost`` or ``overall``), ``rating`` (1-7), ``importance`` (1-7;
        missing on overall rows) and ``segment``. ``truth``: a :class:`BrandValueTruth`.

    Examples
    --------
    >>> from crmlab.datasets import simulate_brand_ratings
    >>> ratings, truth = simulate_brand_ratings(50, seed=1)
    >>> sorted(ratings["kind"].unique())
    ['benefit', 'cost', 'overall']
    """
    if int(n_respondents) != n_respondents or n_respondents < 2:
        raise ParameterError(
            f"n_respondents must be a whole number of at least 2, not {n_respondents!r}.",
            parameter="n_respondents",
        )
    n = int(n_respondents)
    names, mu = _profiles(brands, seed)
    n_b, n_a = mu.shape
    k = n_b if brands_per_respondent is None else int(brands_per_respondent)
    if not 1 <= k <= n_b:
        raise ParameterError(
            f"brands_per_respondent must lie between 1 and the number of brands ({n_b}); "
            f"got {brands_per_respondent!r}.",
            parameter="brands_per_respondent",
        )
    rng = np.random.default_rng(seed)
    segment = rng.choice(len(_SEGMENTS), size=n, p=_SEGMENT_SHARES)
    sign = np.r_[np.ones(len(BENEFIT_ATTRIBUTES)), -np.ones(len(COST_ATTRIBUTES))]
    u = rng.normal(0.0, _SD_RESPONDENT, size=(n, 1, 1))
    v = rng.normal(0.0, _SD_BRAND_LIKING, size=(n, n_b, 1))
    e = rng.normal(0.0, _SD_NOISE, size=(n, n_b, n_a))
    latent = mu[None] + _SEGMENT_SHIFT[segment][:, None, :] + u + sign * v + e
    rating = _discretise(latent)
    importance = _discretise(rng.normal(_IMPORTANCE[segment], _SD_IMPORTANCE))  # (n, n_a)
    overall_latent = _DRIVER_INTERCEPT + rating @ _DRIVERS.to_numpy()
    overall = _discretise(overall_latent + rng.normal(0.0, _SD_OVERALL, size=(n, n_b)))
    # which brands each respondent rates: the k smallest of random keys
    rated = np.argsort(rng.random((n, n_b)), axis=1)[:, :k]
    chosen = np.zeros((n, n_b), bool)
    np.put_along_axis(chosen, rated, True, axis=1)

    attributes = np.array(list(_ATTRIBUTES) + ["overall_value"])
    kinds = np.array(["benefit"] * len(BENEFIT_ATTRIBUTES) + ["cost"] * len(COST_ATTRIBUTES))
    kinds = np.r_[kinds, ["overall"]]
    values = np.concatenate([rating, overall[..., None]], axis=2)  # (n, n_b, n_a + 1)
    imp = np.concatenate([importance, np.full((n, 1), np.nan)], axis=1)
    imp = np.broadcast_to(imp[:, None, :], values.shape)
    ii, bb, aa = np.nonzero(np.broadcast_to(chosen[..., None], values.shape))
    ratings = pd.DataFrame(
        {
            "respondent_id": ii + 1,
            "brand": np.array(names, dtype=object)[bb],
            "attribute": attributes[aa],
            "kind": kinds[aa],
            "rating": values[ii, bb, aa],
            "importance": imp[ii, bb, aa],
            "segment": np.array(_SEGMENTS, dtype=object)[segment[ii]],
        }
    )
    return SimulatedRatings(ratings, _truth(names, mu))


def _truth(names: list[str], mu: np.ndarray) -> BrandValueTruth:
    sd = float(np.sqrt(_SD_RESPONDENT**2 + _SD_BRAND_LIKING**2 + _SD_NOISE**2))
    n_ben = len(BENEFIT_ATTRIBUTES)
    by_segment = _expected_rating(mu[None] + _SEGMENT_SHIFT[:, None, :], sd)  # (s, b, a)
    imp_by_segment = _expected_rating(_IMPORTANCE, _SD_IMPORTANCE)  # (s, a)
    shares = _SEGMENT_SHARES

    def table(expected: np.ndarray, imp: np.ndarray) -> pd.DataFrame:
        w_b = imp[:n_ben] / imp[:n_ben].sum()
        w_c = imp[n_ben:] / imp[n_ben:].sum()
        benefits = expected[:, :n_ben] @ w_b
        costs = expected[:, n_ben:] @ w_c
        return pd.DataFrame(
            {
                "benefits": benefits,
                "costs": costs,
                "net_value": benefits - costs,
                "value_ratio": benefits / costs,
            },
            index=pd.Index(names, name="brand"),
        )

    expected = np.tensordot(shares, by_segment, axes=1)
    weights = shares @ imp_by_segment
    seg_tables = pd.concat(
        {s: table(by_segment[j], imp_by_segment[j]) for j, s in enumerate(_SEGMENTS)},
        names=["segment"],
    )
    drivers = pd.concat([pd.Series({"intercept": _DRIVER_INTERCEPT}), _DRIVERS]).rename("true")
    return BrandValueTruth(
        brands=table(expected, weights),
        segments=seg_tables,
        attributes=pd.DataFrame(
            expected, index=pd.Index(names, name="brand"), columns=list(_ATTRIBUTES)
        ),
        weights=pd.Series(weights, index=list(_ATTRIBUTES), name="importance"),
        drivers=drivers,
        segment_shares=pd.Series(shares, index=list(_SEGMENTS), name="share"),
    )
