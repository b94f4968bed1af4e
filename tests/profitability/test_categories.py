"""Tests of crmlab.profitability.categories: category profitability and price tiers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.profitability import (
    category_profitability,
    price_tiers,
)


def test_category_profitability_known_totals(make_log):
    tx = make_log()
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


def test_price_tiers_on_a_tiny_catalogue_warn_instead_of_failing():
    """One product per category leaves the upper tiers empty (issue 12, class 7: scipy raised
    'expected frequencies has a zero element'); the shares are kept and the test is left out."""
    rng = np.random.default_rng(0)
    n = 400
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 80, n).astype(str),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), "D"),
            "amount": rng.gamma(2.0, 10.0, n),
            "quantity": 1,
            "product": np.where(rng.random(n) < 0.5, "P1", "P2"),
        }
    )
    tx["category"] = tx["product"].map({"P1": "C1", "P2": "C2"})
    with pytest.warns(CrmlabWarning, match="price tiers cannot be tested"):
        tiers = price_tiers(tx)
    assert tiers.test["p_value"].isna().all() and tiers.test["dof"].iloc[0] == 0
    assert np.allclose(tiers.shares.sum(axis=1), 1.0)
