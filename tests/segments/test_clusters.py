"""Tests of crmlab.segments.clusters: features and clusters on known data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.errors import DataError, ParameterError
from crmlab.segments import (
    WEAK_SILHOUETTE,
    cluster_customers,
    customer_features,
)


def test_kmeans_recovers_three_separated_groups(make_blobs):
    from sklearn.metrics import adjusted_rand_score

    features, truth = make_blobs()
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


def test_gmm_chooses_three_by_bic_and_is_reproducible(make_blobs):
    features, truth = make_blobs(seed=3)
    a = cluster_customers(features, method="gmm", seed=1, k_range=range(1, 6), n_bootstrap=0)
    b = cluster_customers(features, method="gmm", seed=1, k_range=range(1, 6), n_bootstrap=0)
    assert a.k == 3 and a.selection_curve["bic"].idxmin() == 3
    pd.testing.assert_frame_equal(a.labels, b.labels)
    assert len(a.stability) == 0 and np.isnan(a.mean_stability)


def test_profiles_shares_and_crosstab(make_blobs):
    features, truth = make_blobs()
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


def test_cluster_errors(make_blobs):
    features, _ = make_blobs()
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


def test_differences_are_cluster_means_in_sds_of_all_customers(make_blobs):
    features, _ = make_blobs()
    res = cluster_customers(features, k=3, seed=0, n_bootstrap=0)
    labels = res.labels["cluster"]
    for k in range(3):
        mean = features.loc[labels == k].mean()
        expected = (mean - features.mean()) / features.std(ddof=1)
        np.testing.assert_allclose(res.differences.loc[k], expected, rtol=1e-10)
    assert list(res.differences.columns) == list(features.columns)


def test_weak_structure_is_noted_below_a_silhouette_of_a_quarter(make_blobs):
    features, _ = make_blobs()
    strong = cluster_customers(features, seed=0, n_bootstrap=0)
    assert strong.silhouette > 0.5 and not strong.weak_structure
    assert strong.structure_note() == ""
    rng = np.random.default_rng(0)
    blob = pd.DataFrame(rng.normal(size=(300, 5)), columns=list("abcde"))  # one Gaussian cloud
    weak = cluster_customers(blob, seed=0, n_bootstrap=0)
    assert weak.silhouette < WEAK_SILHOUETTE == 0.25
    note = weak.structure_note()
    assert note.startswith("Weak structure") and f"{weak.silhouette:.2f}" in note
    assert "continuum" in note and "Kaufman & Rousseeuw" in note
    gmm = cluster_customers(features, k=3, method="gmm", seed=0, n_bootstrap=0)
    assert np.isnan(gmm.silhouette) and not gmm.weak_structure
