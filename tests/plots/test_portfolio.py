"""Portfolio figures on the Agg backend: the artists show the tables' numbers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab import plots
from crmlab.channels import channel_mix
from crmlab.datasets import load_wholesale
from crmlab.segments import concentration_curve, relationship_portfolio


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_cluster_plots():
    curve = pd.DataFrame(
        {"silhouette": [0.3, 0.5, 0.4], "chosen": [False, True, False]},
        index=pd.Index([2, 3, 4], name="k"),
    )
    ax = plots.plot_cluster_selection(curve)
    assert list(ax.lines[0].get_ydata()) == [0.3, 0.5, 0.4]
    assert ax.collections[0].get_offsets()[0].tolist() == [3, 0.5]
    profiles = pd.DataFrame(
        {"customers": [6, 4], "share": [0.6, 0.4], "a": [1.0, 3.0], "b": [2.0, 2.0]},
        index=pd.Index([0, 1], name="cluster"),
    )
    ax = plots.plot_cluster_profiles(profiles)
    texts = [t.get_text() for t in ax.texts]
    assert "3.00" in texts and "2.00" in texts
    assert ax.get_yticklabels()[0].get_text() == "0 (60%)"


def test_portfolio_map_and_concentration(tmp_path):
    p = relationship_portfolio(pd.Series([1.0, 2, 10, 20]), pd.Series([50.0, 1, 60, 2]), (5, 10))
    ax = plots.plot_portfolio_map(p)
    assert len(ax.collections) == 4
    assert ax.lines[0].get_xdata()[0] == 5 and ax.lines[1].get_ydata()[0] == 10
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "maintain and protect (25%)"
    ax.figure.savefig(tmp_path / "map.png")
    assert (tmp_path / "map.png").stat().st_size > 1000
    ax = plots.plot_concentration(concentration_curve(pd.Series([50.0, 30, 10, 5, 5]), [0.2, 0.4]))
    assert [b.get_height() for b in ax.patches] == pytest.approx([0.5, 0.8])


def test_category_tier_association_plots():
    table = pd.DataFrame(
        {"net_revenue": [100.0, 50], "margin": [30.0, 10], "discount": [5.0, 1]},
        index=pd.Index(["x", "y"], name="category"),
    )
    ax = plots.plot_category_profitability(table)
    widths = sorted(b.get_width() for b in ax.patches)
    assert widths == [-5, -1, 10, 30, 50, 100]
    shares = pd.DataFrame(
        {"economy": [0.5, 0.2], "premium": [0.5, 0.8]}, index=pd.Index([1, 2], name="decile")
    )
    ax = plots.plot_price_tiers(shares)
    assert [b.get_height() for b in ax.patches] == pytest.approx([0.5, 0.2, 0.5, 0.8])
    rules = pd.DataFrame(
        {
            "antecedent": ["a", "b", "a"],
            "consequent": ["b", "a", "c"],
            "lift": [3.0, 3.0, 1.5],
            "confidence": [0.5, 0.4, 0.2],
        }
    )
    ax = plots.plot_associations(rules)
    assert len(ax.patches) == 2  # a->b and b->a are one pair
    assert sorted(b.get_width() for b in ax.patches) == [1.5, 3.0]


def test_event_study_and_channel_mix():
    event = pd.DataFrame(
        {"estimate": [0.5, 0.0, 2.0], "lower": [-1.0, 0.0, 1.0], "upper": [2.0, 0.0, 3.0]},
        index=pd.Index([-2, -1, 0], name="week"),
    )
    ax = plots.plot_event_study(event)
    assert np.allclose(ax.lines[0].get_ydata(), [0.5, 0.0, 2.0])
    mix = channel_mix(load_wholesale(), by=["channel"])
    ax = plots.plot_channel_mix(mix)
    assert len(ax.patches) == 12
    first = [p.get_width() for p in ax.patches[:2]]
    assert first == pytest.approx(mix["share_Fresh"].tolist())


def test_cluster_profiles_are_coloured_by_standardised_differences():
    profiles = pd.DataFrame(
        {"customers": [6, 4], "share": [0.6, 0.4], "a": [0.032, 0.033], "b": [2.0, 4.0]},
        index=pd.Index([0, 1], name="cluster"),
    )
    differences = pd.DataFrame(
        {"a": [-0.01, 0.015], "b": [-0.9, 1.35]}, index=pd.Index([0, 1], name="cluster")
    )
    ax = plots.plot_cluster_profiles(profiles, differences=differences)
    image = ax.images[0]
    np.testing.assert_allclose(image.get_array(), differences.to_numpy())
    assert image.norm.vmin == -1.35 and image.norm.vmax == 1.35
    assert "SDs of all customers" in ax.figure.axes[-1].get_ylabel()
    texts = [t.get_text() for t in ax.texts]
    assert "0.03" in texts and "4.00" in texts  # the cells still show the means


def test_portfolio_map_units_and_cross_buying_bars():
    p = relationship_portfolio(pd.Series([1.0, 2, 10, 20]), pd.Series([50.0, 1, 60, 2]), (5, 10))
    ax = plots.plot_portfolio_map(p, currency="EUR", current_label="revenue in the last 91 days")
    assert ax.get_xlabel() == "revenue in the last 91 days (EUR)"
    assert ax.get_ylabel() == "future value (EUR)"
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1  # outside the points
    cross = pd.DataFrame(
        {"customers": [5, 5, 4, 6], "mean_revenue": [10.0, 20, 30, 60]},
        index=pd.MultiIndex.from_tuples(
            [("1-3 days", "narrower"), ("1-3 days", "broader"), ("4-9 days", "narrower"),
             ("4-9 days", "broader")],
            names=["frequency_band", "breadth"],
        ),
    )  # fmt: skip
    cross.attrs["category_word"] = "departments"
    ax = plots.plot_cross_buying_frequency(cross, currency="USD")
    assert [b.get_height() for b in ax.patches] == [10.0, 30.0, 20.0, 60.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1-3 days", "4-9 days"]
    assert ax.get_ylabel() == "mean revenue per customer (USD)"
    assert "departments" in ax.get_title()
