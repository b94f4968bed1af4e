"""Figures of crmlab.plots.clv on the Agg backend."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from crmlab.clv import BGNBD, ParetoNBD
from crmlab.clv.validation import (
    frequency_recency_matrix,
    holdout_by_frequency,
    repeat_frequency_distribution,
    tracking_data,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError
from crmlab.plots import (
    plot_frequency_recency_matrix,
    plot_holdout_by_frequency,
    plot_repeat_frequency,
    plot_tracking,
)
from crmlab.rfm import rfm_summary


@pytest.fixture(scope="module")
def cdnow():
    """CDNOW 1/10 sample, 39-week calibration (FHL 2005), weekly summary with holdout."""
    return rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W")


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BGNBD().fit(cdnow)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_frequency_recency_heatmap(bgnbd):
    matrix = frequency_recency_matrix(bgnbd, 39, "probability_alive", max_frequency=5)
    ax = plot_frequency_recency_matrix(matrix, title="P(alive)")
    image = ax.get_images()[0]
    assert image.get_array().shape == (6, 20)
    assert image.get_array().mask[0, 1]  # impossible history left blank
    assert ax.get_title() == "P(alive)"


def test_holdout_plot(cdnow, bgnbd):
    table = holdout_by_frequency(cdnow, bgnbd)
    ax = plot_holdout_by_frequency(table)
    actual, predicted = ax.get_lines()
    np.testing.assert_allclose(actual.get_ydata(), table["actual"])
    np.testing.assert_allclose(predicted.get_ydata(), table["predicted"])
    assert ax.get_xticklabels()[-1].get_text() == "7+"


def test_tracking_plots(cdnow, bgnbd):
    pareto = ParetoNBD().fit(cdnow)
    track = tracking_data(load_cdnow(), "1997-09-30", "W", [bgnbd, pareto])
    ax = plot_tracking(track)
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["actual", "BGNBD", "ParetoNBD"]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), track["actual_cumulative"])
    ax2 = plot_tracking(track, cumulative=False)
    np.testing.assert_allclose(ax2.get_lines()[1].get_ydata(), track["BGNBD"])


def test_repeat_frequency_bars(cdnow, bgnbd):
    table = repeat_frequency_distribution(cdnow, bgnbd)
    fig, ax = plt.subplots()
    out = plot_repeat_frequency(table, ax=ax)
    assert out is ax
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights[: len(table)], table["actual"])
    np.testing.assert_allclose(heights[len(table) :], table["expected"])


def test_wrong_table():
    import pandas as pd

    with pytest.raises(DataError):
        plot_holdout_by_frequency(pd.DataFrame({"x": [1]}))
