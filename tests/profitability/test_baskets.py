"""Tests of crmlab.profitability.baskets: association rules and next-category suggestions."""

from __future__ import annotations

import pytest

from crmlab.profitability import (
    category_associations,
    next_category_suggestions,
)


def test_associations_support_confidence_lift(make_log):
    rules = category_associations(make_log(), min_support=0.25)
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
    high = category_associations(make_log(), min_support=0.5)
    assert set(zip(high["antecedent"], high["consequent"], strict=True)) == {
        ("bread", "butter"),
        ("butter", "bread"),
    }
    cust = category_associations(make_log().drop(columns="basket_id"), min_support=0.1)
    assert cust.attrs["unit"] == "customer" and cust.attrs["n_units"] == 2


def test_next_category_suggestions(make_log):
    tx = make_log()
    rules = category_associations(tx, min_support=0.25)
    s = next_category_suggestions(tx, rules, n=2, min_lift=1.0)
    # customer 1 buys everything: nothing to suggest; customer 2 (bread, milk): butter
    assert list(s["customer_id"]) == [2]
    row = s.iloc[0]
    assert row["suggestion"] == "butter" and row["because"] == "bread"
    assert row["confidence"] == pytest.approx(2 / 3) and row["lift"] == pytest.approx(8 / 9 * 1.5)
