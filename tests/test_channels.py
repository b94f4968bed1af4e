"""Channel mix on the wholesale data and multichannel customers on a hand-made log."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.channels import channel_mix, channel_usage, multichannel_summary, spend_features
from crmlab.datasets import load_wholesale
from crmlab.errors import DataError
from crmlab.segments import cluster_customers


def test_wholesale_channel_mix():
    w = load_wholesale()
    mix = channel_mix(w)
    assert mix["customers"].sum() == 440
    assert mix.loc[("Horeca", "Other"), "customers"] == 211
    shares = mix.filter(like="share_")
    assert shares.sum(axis=1).to_numpy() == pytest.approx(1)
    by_channel = channel_mix(w, by=["channel"])
    # Retail clients buy far more grocery and detergents, Horeca more fresh (Cardoso 2014)
    assert by_channel.loc["Retail", "share_Grocery"] > by_channel.loc["Horeca", "share_Grocery"]
    assert by_channel.loc["Horeca", "share_Fresh"] > by_channel.loc["Retail", "share_Fresh"]
    assert mix["spend_share"].sum() == pytest.approx(1)


def test_clusters_against_channel():
    w = load_wholesale()
    res = cluster_customers(spend_features(w), k=2, seed=0, n_bootstrap=0)
    tab = res.crosstab(w["channel"])
    # the two spend-mix clusters largely coincide with the channels
    agree = max(tab.iloc[0, 0] + tab.iloc[1, 1], tab.iloc[0, 1] + tab.iloc[1, 0])
    assert agree / 440 > 0.75


def test_channel_usage_and_multichannel_value():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3],
            "date": pd.to_datetime(
                ["2020-01-01", "2020-01-02", "2020-01-01", "2020-01-01", "2020-01-05"]
            ),
            "amount": [10.0, 50, 5, 5, 40],
            "channel": ["web", "store", "web", "web", "app"],
        }
    )
    u = channel_usage(tx)
    assert u.loc[1, "n_channels"] == 2 and u.loc[1, "channels"] == "store + web"
    assert u.loc[1, "main_channel"] == "store" and u.loc[2, "n_purchases"] == 1
    s = multichannel_summary(u)
    assert s.loc[2, "relative_revenue"] == pytest.approx(60 / 25)
    with pytest.raises(DataError, match="channel"):
        channel_usage(tx.drop(columns="channel"))
    with pytest.raises(DataError, match="Fresh"):
        channel_mix(tx)
