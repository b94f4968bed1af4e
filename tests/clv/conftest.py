"""Shared fixtures of the CLV tests: the CDNOW summary and lifetimes (imported quietly)."""

from __future__ import annotations

import warnings

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
