"""Figures of crmlab.plots.retention on the Agg backend (artists inspected)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.patches import Rectangle

from crmlab.datasets import load_cdnow, load_fader_hardie_cohorts
from crmlab.errors import DataError
from crmlab.plots import (
    plot_cohort_heatmap,
    plot_hazard_ratios,
    plot_overdue,
    plot_retention_rates,
    plot_sbg_projection,
    plot_survival_curves,
)
from crmlab.retention import (
    ShiftedBetaGeometric,
    churn_durations,
    cohort_retention_table,
    cox_model,
    first_purchase_segment,
    kaplan_meier,
    overdue_customers,
    retention_rates,
)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture(scope="module")
def durations(tx) -> pd.DataFrame:
    return churn_durations(tx, 180)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_plot_retention_rates(tx):
    rates = retention_rates(tx, "M")
    ax = plot_retention_rates(rates)
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_ydata(), rates["retention_rate"], equal_nan=True)
    assert ax.get_title() == "Customer retention rate"
    assert len(ax.get_xticklabels()) > 0
    with pytest.raises(DataError):
        plot_retention_rates(pd.DataFrame({"x": [1]}))


def test_plot_cohort_heatmap(tx):
    table = cohort_retention_table(tx, "M")
    ax = plot_cohort_heatmap(table, max_periods=6)
    mesh = ax.collections[0]
    assert mesh.get_array().size == 3 * 7
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1997-01", "1997-02", "1997-03"]
    assert "100%" in [t.get_text() for t in ax.texts]


def test_plot_survival_curves(durations):
    km = kaplan_meier(durations, first_purchase_segment(durations))
    ax = plot_survival_curves(km)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["high", "low"]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    high = km.loc[km["group"] == "high"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), high["survival"])
    ax2 = plot_survival_curves(km, bands=False)
    assert not [c for c in ax2.collections if isinstance(c, PolyCollection)]


def test_plot_hazard_ratios(durations):
    cox = cox_model(durations, ["log_first_amount", "first_quantity"])
    ax = plot_hazard_ratios(cox)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["log_first_amount", "first_quantity"]
    point_line = ax.get_lines()[0]
    np.testing.assert_allclose(sorted(point_line.get_xdata()), sorted(cox["hazard_ratio"]))
    assert any(np.allclose(line.get_xdata(), 1.0) for line in ax.get_lines()[1:])


def test_plot_sbg_projection():
    alive = load_fader_hardie_cohorts()["regular"]
    model = ShiftedBetaGeometric().fit(alive.loc[:7])
    projection = model.project(12)
    ax = plot_sbg_projection(projection, alive, fit_periods=7)
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_allclose(lines["sBG projection"].get_ydata(), projection["expected"])
    np.testing.assert_allclose(lines["actual"].get_ydata(), alive.to_numpy())
    spans = [p for p in ax.patches if isinstance(p, Rectangle) or p.get_label() == "fit window"]
    assert spans, "fit window not shaded"
    labels = ax.get_legend_handles_labels()[1]
    assert "fit window" in labels


def test_plot_overdue(tx):
    overdue = overdue_customers(tx)
    ax = plot_overdue(overdue)
    sizes = [len(c.get_offsets()) for c in ax.collections]
    judged = overdue["overdue"].notna().sum()
    assert sum(sizes) == judged
    assert sizes[1] == int(overdue["overdue"].fillna(False).astype(bool).sum())


def test_plot_hazard_ratios_per_doubling(durations):
    from crmlab.retention import cox_effects

    effects = cox_effects(cox_model(durations))
    ax = plot_hazard_ratios(effects)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1 + first_amount (per doubling)", "first_quantity"]
    assert ax.get_xlabel().endswith("95% interval")
    assert (
        plot_hazard_ratios(cox_effects(cox_model(durations), alpha=0.1))
        .get_xlabel()
        .endswith("90% interval")
    )
    np.testing.assert_allclose(
        sorted(ax.get_lines()[0].get_xdata()), sorted(effects["hazard_ratio"])
    )
    assert "Drivers" not in ax.get_title() and "associations" in ax.get_title()


def test_plot_sbg_projection_labels_its_band():
    alive = load_fader_hardie_cohorts()["regular"]
    model = ShiftedBetaGeometric().fit(alive.loc[:7])
    ax = plot_sbg_projection(model.project(12, alpha=0.1), alive, fit_periods=7)
    labels = ax.get_legend_handles_labels()[1]
    assert "90% interval (parameter uncertainty)" in labels
    assert ax.get_xlabel() == "periods since acquisition"


def test_plot_sbg_projections_one_panel_per_cohort():
    from crmlab.plots import plot_sbg_projections
    from crmlab.retention import fit_survivors, sbg_projections

    cohorts = load_fader_hardie_cohorts()
    projections = sbg_projections(fit_survivors(cohorts, 7), cohorts)
    fig = plot_sbg_projections(projections, fit_periods=7)
    assert [ax.get_title() for ax in fig.axes] == [
        "regular: projected vs actual survivors",
        "high_end: projected vs actual survivors",
    ]
    for ax, name in zip(fig.axes, ["regular", "high_end"], strict=True):
        lines = {line.get_label(): line for line in ax.get_lines()}
        np.testing.assert_allclose(lines["actual"].get_ydata(), cohorts[name].to_numpy())
    with pytest.raises(DataError):
        plot_sbg_projections({})
