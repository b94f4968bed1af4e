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
    assert ax.get_xlabel() == "periods since acquisition (months)"


def _overlaps(labels) -> int:
    """Pairs of neighbouring visible tick labels whose drawn boxes overlap."""
    boxes = [t.get_window_extent() for t in labels if t.get_text() and t.get_visible()]
    return sum(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False))


@pytest.mark.parametrize("period", ["W", "M"])
def test_cohort_heatmap_labels_do_not_collide(tx, period):
    """Weekly CDNOW cohorts: 13 x 79 cells. Tick labels are thinned to at most 20 / 25 and
    never overlap; annotations are written only when a legible size fits the cells, and never
    wider than their cell."""
    table = cohort_retention_table(tx, period)
    ax = plot_cohort_heatmap(table)
    ax.figure.canvas.draw()
    xlabels = [t for t in ax.get_xticklabels() if t.get_text()]
    assert len(xlabels) <= 21 and _overlaps(xlabels) == 0
    assert _overlaps(ax.get_yticklabels()) == 0
    cell = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    notes = [t for t in ax.texts if t.get_text()]
    for note in notes:
        assert note.get_fontsize() >= 5
        assert note.get_window_extent().width <= cell
    if period == "W":
        assert not notes  # 79 columns: no room for a legible percentage
        assert ax.get_yticklabels()[0].get_text() == "1996-12-30"  # a week by its first day
        assert "weeks" in ax.get_xlabel()
    else:
        assert len(notes) == table.notna().to_numpy().sum()


def test_axis_labels_carry_units(tx, durations):
    ax = plot_retention_rates(retention_rates(tx, "Q"))
    assert "(quarter)" in ax.get_xlabel() and "(%)" in ax.get_ylabel()
    ax = plot_overdue(overdue_customers(tx))
    assert ax.get_xlabel().endswith("(days)") and ax.get_ylabel().endswith("(days)")
    ax = plot_overdue(overdue_customers(tx, time_unit="W"), unit="W")
    assert ax.get_xlabel().endswith("(weeks)")
    km = kaplan_meier(durations, first_purchase_segment(durations))
    assert plot_survival_curves(km, unit="days").get_xlabel().endswith("(days)")


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
