"""Tests of crmlab.plots.value: artists drawn on the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer

from crmlab import plots as P
from crmlab import value as V
from crmlab.datasets import load_satisfaction, simulate_brand_ratings
from crmlab.errors import DataError, ParameterError
from crmlab.satisfaction import ECSI_SATISFACTION_MODEL, value_chain


@pytest.fixture(scope="module")
def sim():
    return simulate_brand_ratings(150, seed=4)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_brand_value_map_and_bars(sim):
    table = V.perceived_value(sim.ratings, n_bootstrap=100)
    ax = P.plot_brand_value(table, truth=sim.truth.brands)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 4
    x, y = bars[0].lines[0].get_data()
    assert x[0] == pytest.approx(table["costs"].iloc[0])
    assert y[0] == pytest.approx(table["benefits"].iloc[0])
    assert {t.get_text() for t in ax.texts} == set(table.index)
    ax = P.plot_brand_value(table, kind="net_value")
    heights = [p.get_width() for p in ax.patches]
    assert heights == pytest.approx(table["net_value"].tolist())
    with pytest.raises(ParameterError):
        P.plot_brand_value(table, kind="pie")
    with pytest.raises(DataError):
        P.plot_brand_value(table.drop(columns="costs"))


def test_relative_value_plot(sim):
    rel = V.relative_value(sim.ratings, "Dune", n_bootstrap=100)
    ax = P.plot_relative_value(rel)
    bars = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert len(bars) == 3
    x, _ = bars[2].lines[0].get_data()
    assert x == pytest.approx(rel["net_value_difference"].to_numpy())
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"vs {c}" for c in rel.index]


def test_wins_losses_plot_colours_by_result(sim):
    wl = V.attribute_wins_losses(sim.ratings, "Dune", n_bootstrap=100)
    ax = P.plot_wins_losses(wl)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)][0]
    assert [p.get_width() for p in bars] == pytest.approx(wl["advantage"].tolist())
    win = wl["result"].eq("win").to_numpy()
    colours = np.array([p.get_facecolor() for p in bars])
    assert len({tuple(c) for c in colours[win]}) == 1


def test_value_map_plot_zones_and_line(sim):
    vm = V.customer_value_map(sim.ratings, n_bootstrap=100)
    ax = P.plot_value_map(vm)
    zones = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(zones) == 2
    line = [ln for ln in ax.lines if ln.get_label() == "fair-value line"][0]
    xs, ys = line.get_data()
    assert ys == pytest.approx(xs)  # diagonal
    assert {t.get_text() for t in ax.texts} == set(vm.index)


def test_drivers_and_chain_plots(sim):
    d = V.value_drivers(sim.ratings)
    ax = P.plot_value_drivers(d)
    assert len(ax.patches) == 2 * len(d)
    assert "R²" in ax.get_title()
    chain = value_chain(load_satisfaction(), **ECSI_SATISFACTION_MODEL, n_bootstrap=20)
    ax = P.plot_value_chain(chain)
    labels = {t.get_text() for t in ax.texts}
    assert {"VAL", "SAT", "QUAL", "EXPE", "LOY"} <= labels
    assert f"{chain.iloc[-1]['estimate']:.2f}" in ax.get_title()


def test_simulated_flag_in_every_value_title(sim):
    ratings = sim.ratings
    table = V.perceived_value(ratings, n_bootstrap=0)
    relative = V.relative_value(ratings, n_bootstrap=0)
    wins = V.attribute_wins_losses(ratings, n_bootstrap=0)
    value_map = V.customer_value_map(ratings, n_bootstrap=0)
    drivers = V.value_drivers(ratings)
    figures = [
        lambda s: P.plot_brand_value(table, simulated=s),
        lambda s: P.plot_brand_value(table, kind="net_value", simulated=s),
        lambda s: P.plot_relative_value(relative, simulated=s),
        lambda s: P.plot_wins_losses(wins, simulated=s),
        lambda s: P.plot_value_map(value_map, simulated=s),
        lambda s: P.plot_value_drivers(drivers, simulated=s),
    ]
    for draw in figures:
        assert draw(True).get_title().endswith("(simulated data)")
        assert "simulated" not in draw(False).get_title()
        plt.close("all")
