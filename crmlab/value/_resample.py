"""The one resampling engine of :mod:`crmlab.value`: multinomial bootstrap weights of respondents.

Every value bootstrap (perceived value, relative value, wins/losses, the value map) draws its
resamples here: ratings become dense respondent x (brand, attribute) sums, and a resample is a
vector of multinomial respondent weights, so all brands are resampled at once (Efron &
Tibshirani 1993, ch. 13).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from crmlab.errors import DataError

_CHUNK_CELLS = 4_000_000  # bootstrap weights per chunk (draws x respondents)


class _Design:
    """Ratings as dense respondent x (brand, attribute) sums, for weighted (bootstrap) means."""

    def __init__(self, frame: pd.DataFrame, kinds: Sequence[str] = ("benefit", "cost")) -> None:
        frame = frame[frame["kind"].isin(kinds)]
        if len(frame) == 0:
            raise DataError(
                f"The ratings have no rows of kind {' or '.join(kinds)}; nothing to analyse."
            )
        r_codes, self.respondents = pd.factorize(frame["respondent_id"])
        b_codes, self.brands = pd.factorize(frame["brand"])
        a_codes, self.attributes = pd.factorize(frame["attribute"])
        first = frame.groupby(a_codes, sort=True)["kind"].first()
        self.kind = first.to_numpy().astype(str)
        n_r, n_b, n_a = len(self.respondents), len(self.brands), len(self.attributes)
        self.shape = (n_b, n_a)
        cell = r_codes * (n_b * n_a) + b_codes * n_a + a_codes
        size = n_r * n_b * n_a
        ratings = frame["rating"].to_numpy(dtype=float)
        self.sums = np.bincount(cell, ratings, minlength=size).reshape(n_r, n_b * n_a)
        self.counts = np.bincount(cell, minlength=size).reshape(n_r, n_b * n_a).astype(float)
        self.rated_brand = self.counts.reshape(n_r, n_b, n_a).sum(axis=2) > 0  # (n_r, n_b)
        if "importance" in frame.columns and frame["importance"].notna().any():
            imp = frame["importance"].to_numpy(dtype=float)
            has = ~np.isnan(imp)
            where = r_codes[has] * n_a + a_codes[has]
            isum = np.bincount(where, imp[has], minlength=n_r * n_a).reshape(n_r, n_a)
            icount = np.bincount(where, minlength=n_r * n_a).reshape(n_r, n_a)
            self.imp_has = (icount > 0).astype(float)
            self.imp_mean = np.divide(isum, icount, out=np.zeros_like(isum), where=icount > 0)
            self.stated = True
        else:
            self.imp_has = np.ones((n_r, n_a))
            self.imp_mean = np.ones((n_r, n_a))
            self.stated = False
        self.n_respondents = n_r

    def cells(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean ratings (draws, brands, attributes) and attribute weights (draws, attributes)
        for respondent weights ``w`` (draws, respondents)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (w @ self.sums) / (w @ self.counts)
            weight = (w @ (self.imp_mean * self.imp_has)) / (w @ self.imp_has)
        weight = np.where(np.isnan(weight), 0.0, weight)
        return means.reshape(len(w), *self.shape), weight

    def draws(self, n_bootstrap: int, seed: int) -> Iterator[np.ndarray]:
        """Multinomial bootstrap weights of respondents, in chunks (Efron & Tibshirani 1993)."""
        rng = np.random.default_rng(seed)
        n = self.n_respondents
        chunk = max(1, _CHUNK_CELLS // max(n, 1))
        done = 0
        while done < n_bootstrap:
            size = min(chunk, n_bootstrap - done)
            yield rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
            done += size

    def apply(
        self, statistic: Callable[[np.ndarray, np.ndarray], np.ndarray], n_bootstrap: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Point estimate (from all respondents) and bootstrap draws of ``statistic(means, w)``."""
        point = statistic(*self.cells(np.ones((1, self.n_respondents))))[0]
        if n_bootstrap == 0:
            return point, None
        parts = [statistic(*self.cells(w)) for w in self.draws(n_bootstrap, seed)]
        return point, np.concatenate(parts, axis=0)

    def kind_index(self, means: np.ndarray, weight: np.ndarray, kind: str) -> np.ndarray:
        """Importance-weighted mean rating over the attributes of ``kind``: (draws, brands)."""
        mask = (self.kind == kind).astype(float)
        w = weight[:, None, :] * mask[None, None, :] * ~np.isnan(means)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nansum(w * np.nan_to_num(means), axis=2) / w.sum(axis=2)


def _interval(draws: np.ndarray | None, alpha: float, shape: tuple[int, ...]) -> np.ndarray:
    if draws is None:
        return np.full((2, *shape), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
