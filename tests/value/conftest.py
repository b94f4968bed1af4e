"""Shared fixtures of the crmlab.value tests: simulated ratings and a hand-made table."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab import value as V
from crmlab.datasets import simulate_brand_ratings


@pytest.fixture(scope="module")
def sim():
    return simulate_brand_ratings(400, seed=0)


@pytest.fixture(scope="module")
def sim_table(sim):
    return V.perceived_value(sim.ratings, n_bootstrap=400, seed=2)


def _small() -> pd.DataFrame:
    """Two respondents, two brands, two benefits and one cost; importance 3/1 for the benefits."""
    rows = []
    for r in (1, 2):
        for b, ratings in {"A": (6, 4, 3), "B": (4, 4, 5)}.items():
            for (a, k, imp), x in zip(
                [("product", "benefit", 3), ("image", "benefit", 1), ("money", "cost", 2)],
                ratings,
                strict=True,
            ):
                rows.append((r, b, a, k, x + (r - 1), imp))
    return pd.DataFrame(
        rows, columns=["respondent_id", "brand", "attribute", "kind", "rating", "importance"]
    )


@pytest.fixture
def small():
    """The builder of the hand-made ratings (call it for a fresh copy)."""
    return _small
