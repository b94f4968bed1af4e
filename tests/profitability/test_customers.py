"""Tests of crmlab.profitability.customers: hand-computed profits and whale curve math."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.profitability import (
    customer_profitability,
    profit_deciles,
    whale_curve,
    whale_curve_summary,
)


def test_profitability_cost_column(five):
    before = five.copy()
    p = customer_profitability(five, cost_column="cogs")
    pd.testing.assert_frame_equal(five, before)
    assert list(p.index) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(p["revenue"], [100, 50, 30, 20, 10])
    np.testing.assert_allclose(p["cost"], [40, 20, 20, 30, 20])
    np.testing.assert_allclose(p["profit"], [60, 30, 10, -10, -10])
    assert list(p["n_purchases"]) == [1, 2, 1, 1, 2]
    assert list(p["rank"]) == [1, 2, 3, 4, 5]  # the tie (4, 5) is broken by customer id
    assert list(p["decile"]) == [1, 3, 5, 7, 9]
    np.testing.assert_allclose(p["cumulative_profit_share"], [0.75, 1.125, 1.25, 1.125, 1.0])
    assert p.attrs["profit_basis"] == "cost_column"


def test_profitability_margin_and_cost_to_serve(five):
    p = customer_profitability(five, margin_rate=0.3, cost_per_purchase=2.0).sort_index()
    np.testing.assert_allclose(p["profit"], [30 - 2, 15 - 4, 9 - 2, 6 - 2, 3 - 4])
    np.testing.assert_allclose(p["cost"], p["revenue"] - p["profit"])
    assert p.attrs["profit_basis"] == "margin_rate"
    plain = customer_profitability(five)
    np.testing.assert_allclose(plain["profit"], plain["revenue"])
    assert (plain["cost"] == 0).all()
    assert plain.attrs["profit_basis"] == "revenue"


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"margin_rate": 1.5}, ParameterError, "margin_rate"),
        ({"margin_rate": "a lot"}, ParameterError, "margin_rate"),
        ({"margin_rate": 0.3, "cost_column": "cogs"}, ParameterError, "either"),
        ({"cost_column": "missing"}, DataError, "missing"),
        ({"cost_per_purchase": -1.0}, ParameterError, "cost_per_purchase"),
    ],
)
def test_profitability_errors(five, kwargs, error, match):
    with pytest.raises(error, match=match):
        customer_profitability(five, **kwargs)


def test_whale_curve_five_customers(five):
    curve = whale_curve(customer_profitability(five, cost_column="cogs"))
    assert len(curve) == 6
    assert curve.iloc[0]["customer_share"] == 0 and curve.iloc[0]["cumulative_profit_share"] == 0
    np.testing.assert_allclose(curve["customer_share"], [0, 0.2, 0.4, 0.6, 0.8, 1.0])
    np.testing.assert_allclose(curve["cumulative_profit"], [0, 60, 90, 100, 90, 80])
    np.testing.assert_allclose(curve["cumulative_profit_share"], [0, 0.75, 1.125, 1.25, 1.125, 1.0])
    assert list(curve["customer_id"].iloc[1:]) == [1, 2, 3, 4, 5]
    s = whale_curve_summary(curve).iloc[0]
    assert s["top_10_share"] == pytest.approx(0.375)  # halfway to (0.2, 0.75)
    assert s["top_20_share"] == pytest.approx(0.75)
    assert s["top_50_share"] == pytest.approx((1.125 + 1.25) / 2)
    assert s["peak_profit_share"] == pytest.approx(1.25)
    assert s["peak_customer_share"] == pytest.approx(0.6)
    assert s["unprofitable_share"] == pytest.approx(0.4)
    assert s["loss_share"] == pytest.approx(20 / 80)
    x = np.array([60, 30, 10, -10, -10], dtype=float)
    mean_abs_diff = np.abs(x[:, None] - x[None, :]).mean()
    assert s["gini"] == pytest.approx(mean_abs_diff / (2 * x.mean())) == pytest.approx(0.9)


def test_whale_curve_equal_profits_gini_zero():
    p = pd.DataFrame({"revenue": [5.0] * 4, "profit": [5.0] * 4}, index=[1, 2, 3, 4])
    s = whale_curve_summary(whale_curve(p)).iloc[0]
    assert s["gini"] == pytest.approx(0.0)
    assert s["top_20_share"] == pytest.approx(0.2)
    assert s["unprofitable_share"] == 0 and s["loss_share"] == 0


def test_whale_curve_needs_positive_total():
    p = pd.DataFrame({"revenue": [1.0, 1.0], "profit": [-1.0, 0.5]}, index=[1, 2])
    with pytest.raises(DataError, match="total profit"):
        whale_curve(p)


def test_profit_deciles_cdnow():
    tx = load_cdnow()
    p = customer_profitability(tx, margin_rate=0.3)
    d = profit_deciles(p)
    assert list(d.index) == list(range(1, 11))
    assert d["customers"].sum() == 2357
    assert d["customers"].max() - d["customers"].min() <= 1
    assert d["profit"].sum() == pytest.approx(0.3 * tx["amount"].sum())
    assert d["cumulative_profit_share"].iloc[-1] == pytest.approx(1.0)
    assert np.all(np.diff(d["mean_profit"]) <= 0)
    # without costs to serve, profit is proportional to revenue: no customer loses money
    s = whale_curve_summary(whale_curve(p)).iloc[0]
    assert s["unprofitable_share"] == 0
    assert s["peak_profit_share"] == pytest.approx(1.0)
    assert s["top_20_share"] == pytest.approx(d.loc[[1, 2], "profit_share"].sum(), abs=0.005)
