"""Tests of crmlab.plots.customer_base: artists drawn on the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import QuadMesh

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.plots import (
    plot_cross_buying,
    plot_interpurchase_histogram,
    plot_profit_deciles,
    plot_rfm_heatmap,
    plot_segments,
    plot_whale_curve,
)
from crmlab.profitability import (
    cross_buying,
    cross_buying_summary,
    customer_profitability,
    profit_deciles,
    whale_curve,
)
from crmlab.rfm import (
    interpurchase_times,
    rfm_scores,
    rfm_scores_all_days,
    rfm_segments,
    rfm_summary,
    segment_summary,
)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return load_cdnow()


@pytest.fixture(scope="module")
def scores(tx):
    return rfm_scores_all_days(rfm_summary(tx), tx)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("value", ["count", "monetary"])
def test_rfm_heatmap(scores, value):
    ax = plot_rfm_heatmap(scores, value=value)
    assert any(isinstance(c, QuadMesh) for c in ax.collections)
    cell_texts = [t for t in ax.texts if t.get_text()]
    filled = 25 if value == "count" else scores.groupby(["R", "F"]).ngroups
    assert len(cell_texts) == filled
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]
    assert "F score" in ax.get_xlabel()
    if value == "count":
        assert sum(int(t.get_text()) for t in cell_texts) == len(scores)
    with pytest.raises(ParameterError):
        plot_rfm_heatmap(scores, value="mean")


def test_segments_bars(tx, scores):
    summary = rfm_summary(tx)
    table = segment_summary(summary, scores, rfm_segments(scores))
    fig, ax = plt.subplots()
    out = plot_segments(table, ax=ax)
    assert out is ax
    n = int((table["customers"] > 0).sum())
    assert len(ax.patches) == 2 * n
    assert {t.get_text() for t in ax.get_yticklabels()} == set(table.index[table["customers"] > 0])
    widths = sorted(p.get_width() for p in ax.patches)
    assert widths[-1] == pytest.approx(max(table["share"].max(), table["revenue_share"].max()))


def test_interpurchase_histogram(tx):
    gaps = interpurchase_times(tx)
    ax = plot_interpurchase_histogram(gaps, bins=30)
    assert len(ax.patches) == 30
    assert sum(p.get_height() for p in ax.patches) == len(gaps)
    median_line = ax.lines[0]
    assert median_line.get_xdata()[0] == pytest.approx(gaps["gap"].median())
    assert "days" in ax.get_xlabel()


def test_whale_curve_plot():
    p = pd.DataFrame(
        {"revenue": [100.0, 50, 30, 20, 10], "profit": [60.0, 30, 10, -10, -10]},
        index=[1, 2, 3, 4, 5],
    )
    ax = plot_whale_curve(whale_curve(p))
    curve_line, hundred, peak = ax.lines
    np.testing.assert_allclose(curve_line.get_ydata(), [0, 0.75, 1.125, 1.25, 1.125, 1.0])
    assert list(hundred.get_ydata()) == [1.0, 1.0]
    assert peak.get_xdata()[0] == pytest.approx(0.6) and peak.get_ydata()[0] == pytest.approx(1.25)
    assert "125%" in ax.texts[0].get_text()
    assert ax.get_ylim()[1] >= 1.25
    with pytest.raises(DataError):
        plot_whale_curve(pd.DataFrame({"x": [1]}))


def test_profit_deciles_plot(tx):
    d = profit_deciles(customer_profitability(tx, margin_rate=0.3, cost_per_purchase=5.0))
    ax = plot_profit_deciles(d)
    assert len(ax.patches) == 10
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, d["profit_share"])
    negative = [p for p in ax.patches if p.get_height() < 0]
    assert negative and all(p.get_facecolor() != ax.patches[0].get_facecolor() for p in negative)


def test_cross_buying_plot():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3, 3, 3],
            "date": pd.to_datetime(["2020-01-01"] * 6),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "category": ["a", "b", "a", "a", "b", "c"],
        }
    )
    table = cross_buying_summary(cross_buying(frame))
    ax = plot_cross_buying(table)
    assert len(ax.patches) == 3
    np.testing.assert_allclose([p.get_height() for p in ax.patches], [3.0, 3.0, 15.0])
    assert [t.get_text() for t in ax.texts] == ["n=1", "n=1", "n=1"]
    assert (
        plot_cross_buying(table, currency="EUR").get_ylabel() == "mean revenue per customer (EUR)"
    )


def test_money_axes_carry_the_currency(tx, scores):
    ax = plot_rfm_heatmap(scores, value="monetary", currency="EUR")
    colorbar = ax.collections[0].colorbar
    assert colorbar.ax.get_ylabel() == "mean spend per purchase day (EUR)"
    assert "1-5" in ax.get_xlabel() and "5 = most recent" in ax.get_ylabel()
    plt.close("all")
    # M over repeat days is named so, not as spend per purchase day
    repeat = rfm_scores(rfm_summary(tx))
    ax = plot_rfm_heatmap(repeat, value="monetary")
    assert ax.collections[0].colorbar.ax.get_ylabel() == "mean spend per repeat purchase day"
    assert plot_interpurchase_histogram(interpurchase_times(tx)).get_ylabel().endswith("(count)")
    assert "(%)" in plot_whale_curve(whale_curve(customer_profitability(tx, 0.3))).get_ylabel()
