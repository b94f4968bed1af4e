"""Category profitability, price tiers, associations, cross-buying and up-selling: known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import DataError, ParameterError
from crmlab.profitability import (
    category_associations,
    category_profitability,
    cross_buying_retention,
    customer_current_value,
    next_category_suggestions,
    price_tiers,
    upselling_summary,
    upselling_trends,
)


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


def test_category_profitability_known_totals():
    tx = _log()
    before = tx.copy()
    t = category_profitability(tx, margin_rates={"bakery": 0.5, "milk": 0.1}, default_rate=0.2)
    assert list(t.index) == ["bread", "butter", "milk"]
    assert t.loc["bread", "net_revenue"] == 30
    assert t.loc["bread", "margin"] == pytest.approx(15)  # department rate 0.5
    assert t.loc["milk", "returns"] == 2 and t.loc["milk", "revenue"] == 6
    assert t.loc["milk", "margin"] == pytest.approx(0.4)  # category rate 0.1 on net 4
    assert t.loc["butter", "margin"] == pytest.approx(2.0)  # default 0.2
    assert t.loc["bread", "discount"] == 2 and t.loc["butter", "discount"] == 0.5
    assert t.loc["bread", "discount_rate"] == pytest.approx(2 / 32)
    assert t.loc["bread", "customers"] == 2 and t.loc["bread", "baskets"] == 3
    assert t.loc["milk", "baskets"] == 2 and t.loc["milk", "lines"] == 3
    assert t["revenue_share"].sum() == pytest.approx(1)
    pd.testing.assert_frame_equal(tx, before)
    d = category_profitability(tx, level="department")
    assert d["margin"].isna().all() and d.loc["dairy", "net_revenue"] == 14
    c = category_profitability(tx.assign(cost=tx["amount"] / 2), cost_column="cost")
    assert c.loc["bread", "margin"] == 15
    with pytest.raises(ParameterError):
        category_profitability(tx, margin_rates={"bread": 1.5})
    with pytest.raises(DataError, match="brand"):
        category_profitability(tx, level="brand")


def test_associations_support_confidence_lift():
    rules = category_associations(_log(), min_support=0.25)
    r = rules.set_index(["antecedent", "consequent"])
    # bread in 3 of 4 baskets, butter 2, milk 2; bread&butter 2, butter&milk 1, bread&milk 1
    assert r.loc[("butter", "bread"), "support"] == pytest.approx(0.5)
    assert r.loc[("butter", "bread"), "confidence"] == pytest.approx(1.0)
    assert r.loc[("butter", "bread"), "lift"] == pytest.approx(1 / 0.75)
    assert r.loc[("bread", "butter"), "confidence"] == pytest.approx(2 / 3)
    assert r.loc[("milk", "butter"), "lift"] == pytest.approx(0.5 / 0.5)
    assert r.loc[("bread", "milk"), "lift"] == pytest.approx((1 / 3) / 0.5)
    assert len(rules) == 6 and rules.attrs["unit"] == "basket" and rules.attrs["n_units"] == 4
    assert rules["lift"].is_monotonic_decreasing
    high = category_associations(_log(), min_support=0.5)
    assert set(zip(high["antecedent"], high["consequent"], strict=True)) == {
        ("bread", "butter"),
        ("butter", "bread"),
    }
    cust = category_associations(_log().drop(columns="basket_id"), min_support=0.1)
    assert cust.attrs["unit"] == "customer" and cust.attrs["n_units"] == 2


def test_next_category_suggestions():
    tx = _log()
    rules = category_associations(tx, min_support=0.25)
    s = next_category_suggestions(tx, rules, n=2, min_lift=1.0)
    # customer 1 buys everything: nothing to suggest; customer 2 (bread, milk): butter
    assert list(s["customer_id"]) == [2]
    row = s.iloc[0]
    assert row["suggestion"] == "butter" and row["because"] == "bread"
    assert row["confidence"] == pytest.approx(2 / 3) and row["lift"] == pytest.approx(8 / 9 * 1.5)


def test_price_tiers_best_customers_buy_premium():
    rng = np.random.default_rng(0)
    rows = []
    for c in range(1, 101):
        premium = c > 50  # big spenders buy the expensive product
        for _ in range(5):
            prod, price = ("p_hi", 5.0) if premium else ("p_lo", 1.0)
            rows.append((c, prod, price * (3 if premium else 1), 1, "cat"))
        rows.append((c, "p_mid", 2.0 + rng.random() * 0, 1, "cat"))
    tx = pd.DataFrame(rows, columns=["customer_id", "product", "amount", "quantity", "category"])
    tx["date"] = pd.Timestamp("2020-01-01")
    res = price_tiers(tx, n_tiers=3, n_deciles=2)
    assert res.product_tiers.to_dict() == {
        "p_lo": "economy",
        "p_mid": "standard",
        "p_hi": "premium",
    }
    assert res.shares.loc[2, "premium"] == pytest.approx(75 / 77)
    assert res.shares.loc[1, "premium"] == 0
    assert res.test.loc[0, "p_value"] < 1e-10
    assert res.counts.to_numpy().sum() == 600
    assert 0.8 < res.test.loc[0, "cramers_v"] <= 1


def test_cross_buying_retention():
    tx = _log()
    out = cross_buying_retention(tx, split_date="2020-01-05", n_groups=2)
    # before the split: customer 1 bought 2 categories (15), customer 2 one (10); both return
    assert list(out["mean_categories"]) == [1, 2]
    assert list(out["mean_spend"]) == [10, 15]
    assert list(out["retention"]) == [1.0, 1.0]
    assert list(out.index) == ["1", "2"]


def test_upselling_trends_exact_lines():
    days = pd.date_range("2020-01-01", periods=6, freq="7D")
    up = pd.DataFrame({"customer_id": 1, "date": days, "amount": 10.0 + 2 * np.arange(6)})
    down = pd.DataFrame({"customer_id": 2, "date": days, "amount": 30.0 - np.arange(6)})
    noisy = pd.DataFrame({"customer_id": 3, "date": days, "amount": [10.0, 20, 10, 20, 10, 20]})
    few = pd.DataFrame({"customer_id": 4, "date": days[:2], "amount": [1.0, 2]})
    tx = pd.concat([up, down, noisy, few], ignore_index=True)
    t = upselling_trends(tx, basket_column=None, min_baskets=4)
    assert t.loc[1, "slope"] == pytest.approx(2.0) and t.loc[1, "trend"] == "up"
    assert t.loc[2, "slope"] == pytest.approx(-1.0) and t.loc[2, "trend"] == "down"
    assert t.loc[3, "trend"] == "stable" and t.loc[3, "slope_low"] < 0 < t.loc[3, "slope_high"]
    assert t.loc[4, "trend"] == "too few baskets" and np.isnan(t.loc[4, "slope"])
    assert t.loc[1, "relative_slope"] == pytest.approx(2 / 15)
    s = upselling_summary(t)
    assert s["customers"].sum() == 4 and s.loc["up", "customers"] == 1


def test_customer_current_value_last_period():
    tx = _log()
    v = customer_current_value(tx, period_days=2)  # 2020-01-08 and -09
    assert v.attrs["basis"] == "revenue"
    assert v.loc[1, "revenue"] == 17 and v.loc[2, "revenue"] == 2
    assert v.loc[1, "total_revenue"] == 32
    m = customer_current_value(tx, period_days=2, margin_rates={"dairy": 0.5}, default_rate=0.1)
    assert m.attrs["basis"] == "margin"
    assert m.loc[1, "margin"] == pytest.approx(1.0 + 3.5)  # bread 10 x 0.1 + dairy 7 x 0.5
