"""Tests of crmlab.value.brands: perceived value, relative value, wins and losses.

Known answers on hand-made ratings and recovery of the simulator's true values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import value as V
from crmlab.datasets import simulate_brand_ratings
from crmlab.errors import CrmlabWarning, DataError, ParameterError

# ------------------------------------------------------------------------------ perceived value


def test_perceived_value_known_answer(small):
    table = V.perceived_value(small(), n_bootstrap=0)
    # brand A: product mean 6.5, image 4.5 -> (3*6.5 + 1*4.5)/4 = 6.0; money 3.5
    assert table.loc["A", "benefits"] == pytest.approx(6.0)
    assert table.loc["A", "costs"] == pytest.approx(3.5)
    assert table.loc["A", "net_value"] == pytest.approx(2.5)
    assert table.loc["B", "value_ratio"] == pytest.approx(4.5 / 5.5)
    assert table["net_value_lower"].isna().all()
    assert table["n_respondents"].tolist() == [2, 2]


def test_perceived_value_equal_weights_without_importance(small):
    table = V.perceived_value(small().drop(columns="importance"), n_bootstrap=0)
    assert table.loc["A", "benefits"] == pytest.approx((6.5 + 4.5) / 2)


def test_perceived_value_recovers_true_values(sim, sim_table):
    # Each estimate lies within four bootstrap standard errors of the truth (half an interval
    # width is about 1.96 SE); a correct 95% interval fails this for one of the 16 measures with
    # probability about 1e-3, whatever the seed. Coverage itself is tested over seeds below.
    truth = sim.truth.brands
    for m in ("benefits", "costs", "net_value", "value_ratio"):
        lower, upper = sim_table[f"{m}_lower"], sim_table[f"{m}_upper"]
        se = (upper - lower) / (2 * 1.96)
        assert ((sim_table[m] - truth[m]).abs() <= 4 * se).all(), m
        assert (upper - lower).max() < 0.35
    assert list(sim_table.index) == ["Aster", "Birch", "Cedar", "Dune"]


def test_perceived_value_interval_coverage_over_seeds():
    hits = []
    for seed in range(12):
        ratings, truth = simulate_brand_ratings(200, seed=100 + seed)
        t = V.perceived_value(ratings, n_bootstrap=200, seed=seed)
        hits.append(
            (
                (t["net_value_lower"] <= truth.brands["net_value"])
                & (truth.brands["net_value"] <= t["net_value_upper"])
            ).to_numpy()
        )
    assert np.mean(hits) >= 0.85  # nominal 0.95


def test_perceived_value_is_seeded_and_validates(sim):
    a = V.perceived_value(sim.ratings, n_bootstrap=50, seed=5)
    b = V.perceived_value(sim.ratings, n_bootstrap=50, seed=5)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError):
        V.perceived_value(sim.ratings, alpha=1.5)
    with pytest.raises(ParameterError):
        V.perceived_value(sim.ratings, n_bootstrap=-1)


def test_perceived_value_by_segment_recovers_segment_truth(sim):
    table = V.perceived_value(sim.ratings, n_bootstrap=300, segment="segment")
    assert table.index.names == ["segment", "brand"]
    truth = sim.truth.segments.reindex(table.index)
    se = (table["net_value_upper"] - table["net_value_lower"]) / (2 * 1.96)
    assert (np.abs(table["net_value"] - truth["net_value"]) < 3.5 * se).all()


def test_segment_must_be_constant_per_respondent(small):
    raw = small().assign(segment=["x"] * 6 + ["y"] * 5 + ["x"])
    with pytest.raises(DataError, match="more than one segment"):
        V.perceived_value(raw, segment="segment", n_bootstrap=0)


def test_missing_cells_warn(small):
    raw = small().drop(index=[3, 9])  # brand B never rated on product
    with pytest.warns(CrmlabWarning, match="no rating on some attributes"):
        V.perceived_value(raw, n_bootstrap=0)


# ------------------------------------------------------------------------------ relative value


def test_relative_value_equals_table_differences(sim, sim_table):
    rel = V.relative_value(sim.ratings, "Dune", n_bootstrap=300, seed=2)
    assert list(rel.index) == ["Aster", "Birch", "Cedar"]
    for c in rel.index:
        assert rel.loc[c, "net_value_difference"] == pytest.approx(
            sim_table.loc["Dune", "net_value"] - sim_table.loc[c, "net_value"]
        )
        assert rel.loc[c, "value_ratio_ratio"] == pytest.approx(
            sim_table.loc["Dune", "value_ratio"] / sim_table.loc[c, "value_ratio"]
        )
    truth = sim.truth.brands
    true_diff = truth.loc["Dune", "net_value"] - truth.loc[rel.index, "net_value"]
    lower, upper = rel["net_value_difference_lower"], rel["net_value_difference_upper"]
    se = (upper - lower) / (2 * 1.96)  # within four bootstrap SEs of the truth, whatever the seed
    assert ((rel["net_value_difference"] - true_diff).abs() <= 4 * se).all()
    assert rel.loc["Cedar", "result"] == "advantage"
    assert (rel["n_common"] == 400).all()


def test_paired_intervals_are_narrower_than_independent(sim, sim_table):
    """Shared scale use cancels in paired differences of benefits (same respondents)."""
    paired = V.relative_value(sim.ratings, "Aster", n_bootstrap=400, seed=2)
    unpaired = V.relative_value(sim_table, "Aster")
    width = lambda t: t["benefits_difference_upper"] - t["benefits_difference_lower"]  # noqa: E731
    assert (width(paired) < 0.9 * width(unpaired)).all()
    assert (unpaired["n_common"] == 0).all()
    assert unpaired["net_value_difference"].to_numpy() == pytest.approx(
        paired["net_value_difference"].to_numpy()
    )


def test_relative_value_unpaired_design():
    ratings, truth = simulate_brand_ratings(600, seed=4, brands_per_respondent=2)
    rel = V.relative_value(ratings, "Birch", n_bootstrap=300)
    assert (rel["n_common"] < 300).all()
    true_diff = truth.brands.loc["Birch", "net_value"] - truth.brands.loc[rel.index, "net_value"]
    se = (rel["net_value_difference_upper"] - rel["net_value_difference_lower"]) / 3.92
    assert (np.abs(rel["net_value_difference"] - true_diff) < 3.5 * se).all()


def test_relative_value_bad_focal(sim):
    with pytest.raises(ParameterError, match="Zephyr"):
        V.relative_value(sim.ratings, "Zephyr", n_bootstrap=0)
    assert V.relative_value(sim.ratings, "", n_bootstrap=0)["focal_brand"].iloc[0] == "Aster"


# ------------------------------------------------------------------------------ wins and losses


def test_wins_losses_known_answer(small):
    out = V.attribute_wins_losses(small(), "A", n_bootstrap=0)
    row = out.set_index("attribute")
    assert row.loc["product", "difference"] == pytest.approx(2.0)
    assert row.loc["money", "difference"] == pytest.approx(-2.0)
    assert row.loc["money", "advantage"] == pytest.approx(2.0)  # cheaper is better
    assert row.loc["product", "weight"] == pytest.approx(0.75)
    assert set(out["result"]) == {"tie"}  # no intervals without resamples
    assert out["kind"].tolist() == ["benefit", "benefit", "cost"]


def test_wins_losses_recover_true_differences(sim):
    out = V.attribute_wins_losses(sim.ratings, "Dune", versus="each", n_bootstrap=300)
    assert len(out) == 3 * 8
    ta = sim.truth.attributes
    true = ta.loc["Dune"].to_numpy()[None] - ta.loc[["Aster", "Birch", "Cedar"]].to_numpy()
    true = pd.DataFrame(true, index=["Aster", "Birch", "Cedar"], columns=ta.columns)
    td = np.array(
        [true.loc[c, a] for c, a in zip(out["competitor"], out["attribute"], strict=True)]
    )
    covered = (out["difference_lower"] <= td) & (td <= out["difference_upper"])
    assert covered.mean() >= 0.85
    res = out.set_index(["competitor", "attribute"])["result"]
    assert res[("Aster", "money")] == "win" and res[("Aster", "image")] == "loss"
