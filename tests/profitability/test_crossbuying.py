"""Tests of crmlab.profitability.crossbuying: categories per customer, and retention."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.errors import DataError
from crmlab.profitability import (
    cross_buying,
    cross_buying_retention,
    cross_buying_summary,
)


def test_cross_buying(five):
    cross = cross_buying(five)
    assert list(cross["n_categories"]) == [2, 1, 1, 1, 2]
    np.testing.assert_allclose(cross["revenue"], [100, 50, 30, 20, 10])
    table = cross_buying_summary(cross)
    assert list(table.index) == [1, 2]
    assert list(table["customers"]) == [3, 2]
    np.testing.assert_allclose(table["mean_revenue"], [100 / 3, 55.0])
    np.testing.assert_allclose(table["relative_revenue"], [1.0, 55.0 / (100 / 3)])
    np.testing.assert_allclose(table["share"], [0.6, 0.4])
    assert table["revenue_share"].sum() == pytest.approx(1.0)


def test_cross_buying_errors(five):
    with pytest.raises(DataError, match="category") as info:
        cross_buying(five.drop(columns="category"))
    assert "product_to_category" in str(info.value)
    bad = five.copy()
    bad.loc[2, "category"] = None
    with pytest.raises(DataError, match="missing") as info:
        cross_buying(bad)
    assert info.value.rows == [2]


def test_cross_buying_retention(make_log):
    tx = make_log()
    out = cross_buying_retention(tx, split_date="2020-01-05", n_groups=2)
    # before the split: customer 1 bought 2 categories (15), customer 2 one (10); both return
    assert list(out["mean_categories"]) == [1, 2]
    assert list(out["mean_spend"]) == [10, 15]
    assert list(out["retention"]) == [1.0, 1.0]
    assert list(out.index) == ["1", "2"]
