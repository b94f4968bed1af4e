"""Tests of crmlab.value.findings and crmlab.datasets.simulate_brand_ratings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab import value as V
from crmlab.datasets import load_mobi, load_satisfaction, simulate_brand_ratings
from crmlab.errors import ParameterError
from crmlab.satisfaction import ECSI_MOBI_MODEL, ECSI_SATISFACTION_MODEL, value_chain

# ------------------------------------------------------------------------------ findings + sim


def test_value_findings_are_computed(sim, sim_table):
    rel = V.relative_value(sim.ratings, "Cedar", n_bootstrap=100)
    wl = V.attribute_wins_losses(sim.ratings, "Cedar", n_bootstrap=100)
    vm = V.customer_value_map(sim.ratings, n_bootstrap=0)
    d = V.value_drivers(sim.ratings)
    chain = value_chain(load_satisfaction(), **ECSI_SATISFACTION_MODEL, n_bootstrap=20)
    out = V.value_findings(sim_table, rel, wl, vm, d, chain)
    assert len(out) == 7
    best = sim_table["net_value"].idxmax()
    assert f"{best} offers the highest" in out[0]
    assert "Cedar" in out[1]  # its net value is below zero
    assert "behind" in out[2]
    assert "worse-value zone" in out[4]


def test_simulator_shapes_and_truth():
    ratings, truth = simulate_brand_ratings(30, brands=["a", "b", "c", "d", "e"], seed=3)
    assert len(ratings) == 30 * 5 * 9
    assert ratings["rating"].between(1, 7).all()
    assert set(truth.brands.index) == set("abcde")
    t = truth.brands
    assert np.allclose(t["net_value"], t["benefits"] - t["costs"])
    with pytest.raises(ParameterError):
        simulate_brand_ratings(10, brands=["solo"])
    pd.testing.assert_frame_equal(
        simulate_brand_ratings(20, seed=9)[0], simulate_brand_ratings(20, seed=9)[0]
    )


def test_simulated_attribute_means_match_truth_in_large_samples():
    ratings, truth = simulate_brand_ratings(4000, seed=11)
    means = ratings[ratings["kind"] != "overall"].pivot_table(
        index="brand", columns="attribute", values="rating"
    )[truth.attributes.columns]
    assert np.abs(means - truth.attributes).to_numpy().max() < 0.06


def test_compare_to_truth_and_truth_sentence(sim, sim_table):
    cmp = V.compare_to_truth(sim_table, sim.truth.brands)
    true = sim.truth.brands["net_value"]
    covered = (sim_table["net_value_lower"] <= true) & (true <= sim_table["net_value_upper"])
    assert cmp["net_value_covered"].tolist() == covered.tolist()
    assert cmp["costs_error"].to_numpy() == pytest.approx(
        (sim_table["costs"] - sim.truth.brands["costs"]).to_numpy()
    )
    assert "net_value_true" not in V.compare_to_truth(sim_table, None)
    out = V.value_findings(sim_table, truth=sim.truth.brands)
    assert f"cover the true net value of {covered.sum()} of 4 brands" in out[1]
    chains = [
        value_chain(load_satisfaction(), **ECSI_SATISFACTION_MODEL, n_bootstrap=0),
        value_chain(load_mobi(), **ECSI_MOBI_MODEL, n_bootstrap=0, label="mobile-phone customer"),
    ]
    out = V.value_findings(None, chain=chains)
    assert len(out) == 2 and "mobile-phone customer survey" in out[1]
