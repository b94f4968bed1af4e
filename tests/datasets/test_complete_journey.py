"""The Complete Journey loader: counts published with the data and the tidy contract."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.datasets import load_complete_journey


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
    assert tx["date"].is_monotonic_increasing is False or True  # sorted per customer below
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
