"""Uncertainty bands, the P(alive) history and the heterogeneity plots (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from scipy import stats

from crmlab.clv import (
    BGCNBD,
    BGNBD,
    ParetoNBD,
    frequency_recency_band,
    frequency_recency_matrix,
    holdout_by_frequency,
    probability_alive_path,
    tracking_data,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.plots import (
    plot_frequency_recency_matrix,
    plot_heterogeneity,
    plot_history_alive,
    plot_holdout_by_frequency,
    plot_tracking,
)


@pytest.fixture(scope="module")
def tx():
    return load_cdnow()


@pytest.fixture(scope="module")
def bg(cdnow):
    return BGNBD().fit(cdnow)


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_tracking_band_contains_the_estimate(tx, bg):
    t = tracking_data(tx, "1997-09-30", models=[bg], n_draws=30, seed=1)
    assert (t["BGNBD_cumulative_lower"] <= t["BGNBD_cumulative"] + 1e-9).all()
    assert (t["BGNBD_cumulative"] <= t["BGNBD_cumulative_upper"] + 1e-9).all()
    assert (t["BGNBD_cumulative_upper"] - t["BGNBD_cumulative_lower"]).iloc[-1] > 0
    ax = plot_tracking(t)
    bands = _bands(ax)
    assert len(bands) == 1
    top = bands[0].get_paths()[0].vertices[:, 1].max()
    assert top == pytest.approx(t["BGNBD_cumulative_upper"].max())
    assert len(_bands(plot_tracking(t, cumulative=False))) == 1
    plt.close("all")
    plain = tracking_data(tx, "1997-09-30", models=[bg])
    assert not _bands(plot_tracking(plain))
    plt.close("all")


def test_holdout_band(cdnow, bg):
    table = holdout_by_frequency(cdnow, bg, n_draws=30)
    assert (table["predicted_lower"] <= table["predicted"] + 1e-9).all()
    assert (table["predicted"] <= table["predicted_upper"] + 1e-9).all()
    ax = plot_holdout_by_frequency(table)
    assert len(_bands(ax)) == 1
    plt.close("all")
    with pytest.raises(ParameterError):
        holdout_by_frequency(cdnow, bg, n_draws=5, interval=1.5)


def test_frequency_recency_band_and_contours(bg):
    matrix = frequency_recency_matrix(bg, 39.0, max_frequency=6, n_recency=8)
    lower, upper = frequency_recency_band(bg, 39.0, max_frequency=6, n_recency=8, n_draws=20)
    valid = matrix.notna().to_numpy()
    assert lower.shape == matrix.shape
    assert (lower.to_numpy()[valid] <= upper.to_numpy()[valid]).all()
    ax = plot_frequency_recency_matrix(matrix, band=(lower, upper))
    assert len(ax.collections) >= 1  # the contour lines
    assert any(t.get_text().endswith("%") for t in ax.texts)
    plt.close("all")


def test_probability_alive_path_matches_the_model(tx, bg, cdnow):
    path = probability_alive_path(bg, tx, 2, end="1997-09-30")
    last = path.iloc[-1]
    row = cdnow.loc[[2]]
    assert last["frequency"] == row["frequency"].iloc[0]
    assert last["recency"] == pytest.approx(row["recency"].iloc[0])
    assert last["probability_alive"] == pytest.approx(float(bg.probability_alive(row).iloc[0]))
    assert path["purchase"].sum() == row["frequency"].iloc[0]
    assert path["age"].is_monotonic_increasing
    ax = plot_history_alive(path)
    assert len(ax.lines) == 1 + int(path["purchase"].sum())
    plt.close("all")
    with pytest.raises(DataError):
        probability_alive_path(bg, tx, -5)


def test_heterogeneity_plots(cdnow, bg):
    axes = plot_heterogeneity(bg)
    x, y = axes[0].lines[0].get_data()
    r, alpha = bg.params_["r"], bg.params_["alpha"]
    np.testing.assert_allclose(y, stats.gamma(r, scale=1 / alpha).pdf(x))
    x, y = axes[1].lines[0].get_data()
    np.testing.assert_allclose(y, stats.beta(bg.params_["a"], bg.params_["b"]).pdf(x))
    pareto = ParetoNBD().fit(cdnow)
    axes = plot_heterogeneity(pareto)
    assert "rate" in axes[1].get_xlabel()
    plt.close("all")
    with pytest.raises(DataError):
        plot_heterogeneity(object())


def test_heterogeneity_of_bgcnbd_uses_purchase_rate(cdnow):
    litt = cdnow.assign(litt=0.0)
    model = BGCNBD(k=2).fit(litt)
    axes = plot_heterogeneity(model)
    x, y = axes[0].lines[0].get_data()
    # purchases are every 2nd event: the purchase rate is lambda / 2
    rate = stats.gamma(model.params_["r"], scale=1 / (2 * model.params_["alpha"]))
    np.testing.assert_allclose(y, rate.pdf(x))
    plt.close("all")


def test_draws_are_reproducible(tx, bg):
    a = tracking_data(tx, "1997-09-30", models=[bg], n_draws=10, seed=4)
    b = tracking_data(tx, "1997-09-30", models=[bg], n_draws=10, seed=4)
    pd.testing.assert_frame_equal(a, b)
