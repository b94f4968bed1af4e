"""Tests of crmlab.value.value_map: Gale's customer value map."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import value as V
from crmlab.errors import ParameterError

# ------------------------------------------------------------------------------ value map


def test_value_map_known_answer(small):
    vm = V.customer_value_map(small(), n_bootstrap=0)
    # A: product 6.5 vs 4.5, image 4.5 vs 4.5; weights 3/4, 1/4 -> Q = .75*6.5/4.5 + .25
    assert vm.loc["A", "relative_quality"] == pytest.approx(0.75 * 6.5 / 4.5 + 0.25)
    assert vm.loc["A", "relative_price"] == pytest.approx(3.5 / 5.5)
    assert vm.loc["A", "zone"] == "better value" and vm.loc["B", "zone"] == "worse value"
    assert vm.loc["A", "distance"] == pytest.approx(vm.loc["A", "value_advantage"] / np.sqrt(2))
    assert vm.attrs["fair_value_line"]["slope"] == 1.0


def test_value_map_from_table_and_fitted_line(sim, sim_table):
    vm = V.customer_value_map(sim_table, fair_value="fitted")
    line = vm.attrs["fair_value_line"]
    slope, intercept = np.polyfit(vm["relative_quality"], vm["relative_price"], 1)
    assert line["slope"] == pytest.approx(slope) and line["intercept"] == pytest.approx(intercept)
    assert vm["value_advantage"].sum() == pytest.approx(0.0, abs=1e-12)  # OLS residuals
    money = V.customer_value_map(sim.ratings, price_attributes=["money"], n_bootstrap=100)
    assert money.loc["Birch", "relative_price"] < 0.75  # the budget brand
    with pytest.raises(ParameterError, match="price_attributes"):
        V.customer_value_map(sim.ratings, price_attributes=["fee"], n_bootstrap=0)


def test_value_map_zones_on_simulation(sim):
    vm = V.customer_value_map(sim.ratings, n_bootstrap=200)
    assert vm.loc["Cedar", "zone"] == "worse value"
    assert vm.loc["Dune", "zone"] == "better value"
    assert (vm["relative_quality_lower"] <= vm["relative_quality"]).all()
