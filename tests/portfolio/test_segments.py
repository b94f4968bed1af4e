"""Clusters, relationship portfolio, key accounts and relationship levels on known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import DataError, ParameterError
from crmlab.segments import (
    cluster_customers,
    concentration_curve,
    customer_features,
    key_accounts,
    portfolio_findings,
    portfolio_summary,
    relationship_levels,
    relationship_portfolio,
)


def _blobs(seed: int = 0, n: int = 90) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0, 0], [6, 0, 3], [0, 6, -3]], dtype=float)
    truth = np.repeat([0, 1, 2], [n // 2, n // 3, n - n // 2 - n // 3])
    x = centres[truth] + rng.normal(0, 0.6, (n, 3))
    return pd.DataFrame(x, columns=["a", "b", "c"], index=pd.RangeIndex(100, 100 + n)), truth


def test_kmeans_recovers_three_separated_groups():
    from sklearn.metrics import adjusted_rand_score

    features, truth = _blobs()
    res = cluster_customers(features, seed=0, n_bootstrap=5)
    assert res.k == 3
    assert res.selection_curve.loc[3, "chosen"]
    assert res.selection_curve["silhouette"].idxmax() == 3
    assert adjusted_rand_score(truth, res.labels["cluster"]) == pytest.approx(1.0)
    assert res.mean_stability > 0.95
    # cluster 0 is the largest
    assert res.profiles["customers"].iloc[0] == res.profiles["customers"].max()
    assert res.profiles["share"].sum() == pytest.approx(1.0)
    assert list(res.labels.index) == list(features.index)


def test_gmm_chooses_three_by_bic_and_is_reproducible():
    features, truth = _blobs(seed=3)
    a = cluster_customers(features, method="gmm", seed=1, k_range=range(1, 6), n_bootstrap=0)
    b = cluster_customers(features, method="gmm", seed=1, k_range=range(1, 6), n_bootstrap=0)
    assert a.k == 3 and a.selection_curve["bic"].idxmin() == 3
    pd.testing.assert_frame_equal(a.labels, b.labels)
    assert len(a.stability) == 0 and np.isnan(a.mean_stability)


def test_profiles_shares_and_crosstab():
    features, truth = _blobs()
    revenue = pd.Series(np.where(truth == 1, 10.0, 1.0), index=features.index)
    res = cluster_customers(features, k=3, seed=0, n_bootstrap=0, revenue=revenue, profit=revenue)
    assert res.profiles["revenue_share"].sum() == pytest.approx(1.0)
    rich = res.labels.loc[features.index[truth == 1], "cluster"].iloc[0]
    assert res.profiles.loc[rich, "revenue_share"] == pytest.approx(300 / (300 + 60))
    seg = pd.Series(np.array(["x", "y", "z"])[truth], index=features.index, name="segment")
    tab = res.crosstab(seg)
    assert (tab.to_numpy() > 0).sum() == 3  # a perfect match: one segment per cluster
    assert tab.columns.name == "segment"
    assert res.crosstab(seg, normalize="index").sum(axis=1).to_numpy() == pytest.approx(1)


def test_cluster_errors():
    features, _ = _blobs()
    with pytest.raises(ParameterError, match="method"):
        cluster_customers(features, method="dbscan")
    bad = features.copy()
    bad.iloc[2, 0] = np.nan
    with pytest.raises(DataError, match="missing"):
        cluster_customers(bad)
    with pytest.raises(DataError, match="numeric"):
        cluster_customers(features.assign(name="x"))


def test_customer_features_known_values():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2],
            "date": pd.to_datetime(["2020-01-01", "2020-01-01", "2020-01-05", "2020-01-03"]),
            "amount": [10.0, 30.0, 20.0, 5.0],
            "category": ["a", "b", "a", "b"],
        }
    )
    f = customer_features(tx, clv=pd.Series({1: np.e - 1}), top_categories=1)
    assert f.loc[1, "log_recency"] == pytest.approx(0.0)
    assert f.loc[2, "log_recency"] == pytest.approx(np.log(3))
    assert f.loc[1, "log_frequency"] == pytest.approx(np.log(2))
    assert f.loc[1, "log_monetary"] == pytest.approx(np.log1p(30.0))  # (40 + 20) / 2 days
    assert f.loc[1, "share_b"] == pytest.approx(0.5)  # b (35) outsells a (30)
    assert f.loc[1, "share_other"] == pytest.approx(0.5)
    assert f.loc[2, "share_b"] == pytest.approx(1.0)
    assert f.loc[1, "log_clv"] == pytest.approx(1.0) and f.loc[2, "log_clv"] == 0.0
    assert list(tx.columns) == ["customer_id", "date", "amount", "category"]


def test_relationship_portfolio_rules():
    current = pd.Series([1.0, 2, 10, 20], index=[1, 2, 3, 4])
    future = pd.Series([50.0, 1, 60, 2], index=[1, 2, 3, 4])
    p = relationship_portfolio(current, future, thresholds=(5, 10))
    assert list(p["strategy"]) == ["develop", "reduce cost to serve", "key account", "harvest"]
    assert p.attrs["thresholds"] == {"current": 5.0, "future": 10.0}
    med = relationship_portfolio(current, future)  # medians 6 and 25.5
    assert list(med["strategy"]) == list(p["strategy"])
    summary = portfolio_summary(p)
    assert summary["customers"].sum() == 4
    assert summary.loc["key account", "current_value_share"] == pytest.approx(10 / 33)
    q = relationship_portfolio(current, future, thresholds={"quantile": 0.75})
    assert q["high_current"].sum() == 1
    with pytest.raises(ParameterError):
        relationship_portfolio(current, future, thresholds="mean")


def test_key_accounts_and_concentration():
    values = pd.Series([50.0, 30, 10, 5, 5], index=list("abcde"))
    ka = key_accounts(values, top_share=0.4)
    assert list(ka.index) == ["a", "b"]
    assert ka.attrs["value_share"] == pytest.approx(0.8)
    assert ka.attrs["customer_share"] == pytest.approx(0.4)
    assert list(ka["rank"]) == [1, 2]
    curve = concentration_curve(values, top_shares=(0.2, 1.0))
    assert curve.loc[0.2, "value_share"] == pytest.approx(0.5)
    assert curve.loc[1.0, "value_share"] == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        key_accounts(values, top_share=0)


def test_relationship_levels_rule_table():
    value = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9])
    inter = pd.Series([1.0, 5, 9, 1, 5, 9, 1, 5, 9])
    lv = relationship_levels(value, inter)
    assert list(lv["level"]) == [
        "basic", "basic", "reactive",
        "reactive", "accountable", "proactive",
        "accountable", "proactive", "partnership",
    ]  # fmt: skip
    assert list(lv["value_band"][:3]) == ["low"] * 3


def test_findings_sentences():
    features, truth = _blobs()
    res = cluster_customers(features, k=3, seed=0, n_bootstrap=2, revenue=features["a"] + 10)
    p = portfolio_summary(
        relationship_portfolio(pd.Series([1.0, 2, 3, 4]), pd.Series([4.0, 3, 2, 1]))
    )
    ka = key_accounts(pd.Series([5.0, 1, 1, 1]), 0.25)
    text = " ".join(portfolio_findings(clusters=res, portfolio=p, key=ka))
    assert "3 clusters" in text and "key-account" in text and "62%" in text


def test_findings_from_every_table():
    from types import SimpleNamespace

    categories = pd.DataFrame(
        {"revenue": [80.0, 20], "revenue_share": [0.8, 0.2], "discount": [10.0, 10]},
        index=pd.Index(["GROCERY", "FUEL"], name="department"),
    )
    rules = pd.DataFrame(
        {"antecedent": ["pasta"], "consequent": ["sauce"], "lift": [10.9], "confidence": [0.45]}
    )
    tiers = SimpleNamespace(
        shares=pd.DataFrame({"economy": [0.6, 0.5], "premium": [0.4, 0.5]}, index=[1, 10]),
        test=pd.DataFrame({"p_value": [1e-9], "cramers_v": [0.04]}),
    )
    effect = SimpleNamespace(
        summary=pd.DataFrame(
            {
                "campaign_id": [8],
                "estimate": [-2.04],
                "low": [-4.01],
                "high": [-0.06],
                "naive_difference": [35.78],
            }
        )
    )
    loyalty = pd.DataFrame(
        {"retention": [0.8, 0.9, 0.97], "discount_rate": [0.0, 0.1, 0.18]},
        index=pd.Index(["none", "low", "high"], name="tier"),
    )
    text = "\n".join(
        portfolio_findings(
            categories=categories, rules=rules, tiers=tiers, effect=effect, loyalty=loyalty
        )
    )
    assert "**GROCERY** is the largest department (80% of revenue)" in text
    assert "17% of the shelf value ($20)" in text  # 20 / (100 + 20)
    assert "p < 0.001" in text and "negligible" in text
    assert "**pasta**" in text and "10.9 times" in text
    assert "Campaign 8:" in text and "**-$2.04**" in text and "excludes zero" in text
    assert "high loyalty-usage tier" in text and "in the low tier" in text
