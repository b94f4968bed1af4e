"""The Complete Journey loader: counts published with the data and the tidy contract."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_complete_journey, normalise_codes, read_portfolio
from crmlab.errors import CrmlabWarning


def test_counts_match_the_published_description(journey):
    """2,469 households, 1,469,307 lines, 27 campaigns, 801 demographic records (84.51°, the
    R package ``completejourney`` documentation)."""
    tx = journey.transactions
    assert len(tx) == 1_469_307
    assert tx["customer_id"].nunique() == 2469
    assert len(journey.campaigns) == 27
    assert len(journey.demographics) == 801
    assert len(journey.campaign_receipts) == 6589
    assert len(journey.coupon_redemptions) == 2102
    assert journey.campaigns["n_households"].sum() == 6589


def test_transactions_follow_the_contract(journey):
    tx = journey.transactions
    assert tx["customer_id"].dtype == np.int64
    assert pd.api.types.is_datetime64_ns_dtype(tx["date"])
    assert tx["amount"].dtype == np.float64
    assert tx["date"].min() >= pd.Timestamp("2017-01-01")
    assert (tx.groupby("customer_id")["date"].is_monotonic_increasing).all()
    for col in ("retail_disc", "coupon_disc", "coupon_match_disc", "discount"):
        assert (tx[col] >= 0).all()
    np.testing.assert_allclose(
        tx["discount"], tx["retail_disc"] + tx["coupon_disc"] + tx["coupon_match_disc"]
    )
    assert not tx["category"].isna().any() and not tx["department"].isna().any()


def test_returns_copies_and_a_household_subset(journey):
    small = load_complete_journey(households=50)
    assert small.transactions["customer_id"].nunique() == 50
    assert set(small.campaign_receipts["customer_id"]) <= set(small.transactions["customer_id"])
    small.transactions.loc[:, "amount"] = 0.0
    again = load_complete_journey(households=50)
    assert again.transactions["amount"].sum() > 0


def test_normalise_codes_compares_numbers_and_text_alike():
    values = pd.Series([1001, "1001", 1001.0, " 1001 ", "1001.0", "0012", 12.5, None, "A-7"])
    out = normalise_codes(values)
    assert list(out[:5]) == ["1001"] * 5
    assert out[5] == "0012"  # leading zeros of a text code are kept
    assert out[6] == "12.5" and out[7] is None and out[8] == "A-7"
    floats = normalise_codes(pd.Series([1001.0, np.nan, 7.0]))  # a number column with a gap
    assert list(floats) == ["1001", None, "7"]


def test_numeric_product_codes_join_a_text_product_table(tmp_path):
    """The transactions hold product codes as numbers, the product table as text "1001.0" (a
    spreadsheet export): they match after normalisation, and unmatched lines are counted."""
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3],
            "date": ["2024-01-02", "2024-01-05", "2024-01-03", "2024-01-09", "2024-01-04"],
            "amount": [5.0, 3.0, 2.0, 4.0, 1.0],
            "product": [1001, 1002, 1001, 9999, 1002],
        }
    )
    tx.to_csv(tmp_path / "tx.csv", index=False)
    products = pd.DataFrame(
        {"product": ["1001.0", "1002.0"], "category": ["PASTA", "SAUCE"]}, dtype=str
    )
    products.to_csv(tmp_path / "p.csv", index=False)
    with pytest.warns(
        CrmlabWarning, match=r"1 of 5 transaction lines \(1 distinct product code,"
    ) as w:
        data = read_portfolio(str(tmp_path / "tx.csv"), products_path=str(tmp_path / "p.csv"))
    assert "'9999'" in str(w[0].message) and "UNKNOWN" in str(w[0].message)
    joined = data.transactions.assign(code=normalise_codes(data.transactions["product"]))
    got = joined.set_index(["customer_id", "code"])["category"]
    assert got.loc[(1, "1001")] == "PASTA" and got.loc[(1, "1002")] == "SAUCE"
    assert got.loc[(2, "9999")] == "UNKNOWN"
    products.assign(product=["1001", "1002"]).to_csv(tmp_path / "q.csv", index=False)
    tx.loc[tx["product"] != 9999].to_csv(tmp_path / "tx2.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CrmlabWarning)  # everything matches: no note
        data = read_portfolio(str(tmp_path / "tx2.csv"), products_path=str(tmp_path / "q.csv"))
    assert (data.transactions["category"] != "UNKNOWN").all()
