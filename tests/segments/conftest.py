"""Shared fixtures of the crmlab.segments tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _blobs(seed: int = 0, n: int = 90) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [6, 0, 3], [0, 6, -3]], dtype=float)
    truth = np.repeat([0, 1, 2], [n // 2, n // 3, n - n // 2 - n // 3])
    x = centres[truth] + rng.normal(0, 0.6, (n, 3))
    return pd.DataFrame(x, columns=["a", "b", "c"], index=pd.RangeIndex(100, 100 + n)), truth


@pytest.fixture
def make_blobs():
    """The builder of three separated groups of customers (features, true labels)."""
    return _blobs
