"""Shared fixtures of the crmlab.profitability tests: five hand-made customers and a basket log."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def five() -> pd.DataFrame:
    """Five customers; revenue 100, 50, 30, 20, 10 and cost 40, 20, 20, 30, 20 -> profit 60, 30,
    10, -10, -10 (total 80). Customer 1 buys twice on one day (one purchase day)."""
    rows = [
        (1, "2020-01-01", 70.0, 25.0, "books"),
        (1, "2020-01-01", 30.0, 15.0, "music"),
        (2, "2020-01-02", 20.0, 5.0, "books"),
        (2, "2020-01-09", 30.0, 15.0, "books"),
        (3, "2020-01-03", 30.0, 20.0, "music"),
        (4, "2020-01-04", 20.0, 30.0, "books"),
        (5, "2020-01-05", 4.0, 10.0, "books"),
        (5, "2020-01-06", 6.0, 10.0, "video"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount", "cogs", "category"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _log() -> pd.DataFrame:
    # four baskets: {bread, butter}, {bread, butter, milk}, {bread}, {milk}
    rows = [
        (1, "2020-01-01", 10, "bread", "bakery", 1),
        (1, "2020-01-01", 5, "butter", "dairy", 1),
        (1, "2020-01-08", 10, "bread", "bakery", 2),
        (1, "2020-01-08", 5, "butter", "dairy", 2),
        (1, "2020-01-08", 2, "milk", "dairy", 2),
        (2, "2020-01-02", 10, "bread", "bakery", 3),
        (2, "2020-01-09", -2, "milk", "dairy", 4),
        (2, "2020-01-09", 4, "milk", "dairy", 4),
    ]
    tx = pd.DataFrame(
        rows, columns=["customer_id", "date", "amount", "category", "department", "basket_id"]
    )
    tx["date"] = pd.to_datetime(tx["date"])
    tx["amount"] = tx["amount"].astype(float)
    tx["retail_disc"] = [1.0, 0, 1, 0, 0, 0, 0, 0.5]
    tx["coupon_disc"] = [0.0, 0.5, 0, 0, 0, 0, 0, 0]
    return tx


@pytest.fixture
def make_log():
    """The builder of a four-basket log with categories, departments and discounts."""
    return _log
