"""Shared fixtures of the CLV tests: the CDNOW summary and lifetimes (imported quietly)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.rfm import rfm_summary


@pytest.fixture(scope="session")
def cdnow():
    """CDNOW 1/10 sample, 39-week calibration (FHL 2005), weekly summary with holdout."""
    return rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="session")
def lifetimes():
    """lifetimes 0.11.3, imported with its pandas-3 deprecation warning filtered."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes as lt
    return lt


@pytest.fixture
def small():
    """Five hand-made customers: CLV, P(alive), RFM segment and the expected rule outcome."""
    index = pd.Index([11, 12, 13, 14, 15], name="customer_id")
    summary = pd.DataFrame(
        {"frequency": [5.0, 3, 0, 1, 2], "recency": [9.0, 2, 0, 1, 8], "T": [10.0] * 5},
        index=index,
    )
    values = pd.DataFrame(
        {
            "expected_purchases": [4.0, 1.0, 0.1, 0.5, 2.0],
            "clv": [100.0, 40.0, 1.0, 5.0, 60.0],
            "clv_lower": [90.0, 30.0, 0.5, 4.0, 50.0],
            "clv_upper": [110.0, 50.0, 1.5, 6.0, 70.0],
        },
        index=index,
    )
    p_alive = pd.Series([0.9, 0.2, 0.5, 0.95, 0.5], index=index)
    tiers = pd.Series(
        pd.Categorical(
            ["top", "medium", "low", "low", "high"],
            categories=["low", "medium", "high", "top"],
            ordered=True,
        ),
        index=index,
    )
    segments = pd.Series(["champions", "at risk", "lost", "new", "loyal"], index=index)
    return summary, values, p_alive, tiers, segments
