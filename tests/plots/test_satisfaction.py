"""Satisfaction figures on the Agg backend: inspect the artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_satisfaction, simulate_servqual_survey
from crmlab.errors import DataError, ParameterError
from crmlab.plots import (
    plot_dimension_gaps,
    plot_drivers,
    plot_gap_scores,
    plot_importance_performance,
    plot_pls_paths,
)
from crmlab.satisfaction import (
    ECSI_SATISFACTION_MODEL,
    PLSPathModel,
    dimension_gaps,
    driver_model,
    gap_scores,
    importance_performance,
)


@pytest.fixture(scope="module")
def survey():
    return simulate_servqual_survey(200, seed=2)[0]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_gap_plot_has_one_dot_per_item(survey):
    g = gap_scores(survey)
    ax = plot_gap_scores(g)
    offsets = ax.collections[-1].get_offsets()
    assert len(offsets) == 22
    assert sorted(offsets[:, 0]) == pytest.approx(sorted(g["gap"]))
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert set(labels) == set(g["item"])
    assert {"tangibles", "empathy"} <= {t.get_text() for t in ax.texts}
    with pytest.raises(DataError):
        plot_gap_scores(g.drop(columns="gap_lower"))


def test_dimension_plot_plain_and_segments(survey, tmp_path):
    d = dimension_gaps(survey)
    ax = plot_dimension_gaps(d)
    assert [t.get_text() for t in ax.get_yticklabels()] == d["dimension"].tolist()
    ax.figure.savefig(tmp_path / "dims.png")
    seg = dimension_gaps(survey, segment="segment")
    ax2 = plot_dimension_gaps(seg)
    assert {t.get_text() for t in ax2.get_legend().get_texts()} == {"private", "business"}


def test_ipa_plot_crosshair_and_quadrants(survey):
    ipa = importance_performance(survey, overall="overall_satisfaction")
    ax = plot_importance_performance(ipa)
    ci, cp = ipa.attrs["crosshair"]
    assert ax.lines[0].get_xdata()[0] == pytest.approx(cp)
    assert ax.lines[1].get_ydata()[0] == pytest.approx(ci)
    texts = {t.get_text() for t in ax.texts}
    assert {
        "Concentrate here",
        "Keep up the good work",
        "Low priority",
        "Possible overkill",
    } <= texts
    assert sum(len(c.get_offsets()) for c in ax.collections) == 22


def test_driver_plot_uses_std_betas():
    data = load_satisfaction()
    table = driver_model(data, "sat1", ["qual1", "val1", "imag1"])
    ax = plot_drivers(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == (
        table[table["kind"] == "coefficient"].sort_values("standardized")["term"].tolist()
    )
    assert "standardised" in ax.get_xlabel()


def test_pls_path_diagram():
    model = PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(load_satisfaction())
    ax = plot_pls_paths(model)
    texts = [t.get_text() for t in ax.texts]
    assert sum(t.startswith("SAT") and "R²" in t for t in texts) == 1
    assert f"{model.path_coefficients_.loc['VAL', 'SAT']:.2f}" in texts
    assert len(ax.patches) == 6
    with pytest.raises(ParameterError):
        plot_pls_paths(PLSPathModel(**ECSI_SATISFACTION_MODEL))


def _boxes(ax, texts):
    """The text's own extent (an annotation's extent would include its leader line)."""
    from matplotlib.text import Text

    renderer = ax.figure.canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def test_ipa_labels_do_not_overlap_and_stay_inside(survey):
    ipa = importance_performance(survey, overall="overall_satisfaction")
    ax = plot_importance_performance(ipa, simulated=True)
    ax.figure.canvas.draw()
    items = set(ipa["item"])
    labels = [t for t in ax.texts if t.get_text() in items]
    assert len(labels) == 22
    boxes = _boxes(ax, labels)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    frame = ax.get_window_extent(ax.figure.canvas.get_renderer())
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)
    assert "simulated data" in ax.get_title()
    assert "standardised regression coefficient" in ax.get_ylabel()


def test_gap_plot_colours_follow_the_drawn_intervals(survey):
    g = gap_scores(survey)
    for intervals, lo, hi in (("simultaneous", "simultaneous_lower", "simultaneous_upper"),
                              ("unadjusted", "gap_lower", "gap_upper")):  # fmt: skip
        ax = plot_gap_scores(g, intervals=intervals)
        segments = ax.collections[0].get_segments()  # the error bars, table order reversed
        drawn = sorted((s[0][0], s[1][0]) for s in segments)
        np.testing.assert_allclose(drawn, sorted(zip(g[lo], g[hi], strict=True)))
        colours = ax.collections[-1].get_facecolors()
        grey = [np.allclose(c[:3], 0.55) for c in colours]
        table = g.iloc[pd.factorize(g["dimension"])[0].argsort(kind="stable")]
        includes = ((table[lo] <= 0) & (table[hi] >= 0)).to_numpy()
        assert grey == list(includes)
        legend = ax.get_legend()
        assert intervals == "unadjusted" or "Bonferroni" in legend.get_title().get_text()
        plt.close("all")
    with pytest.raises(ParameterError):
        plot_gap_scores(g, intervals="holm")


def test_pls_labels_sit_on_their_own_arrows():
    from crmlab.datasets import load_mobi
    from crmlab.satisfaction import ECSI_MOBI_MODEL

    model = PLSPathModel(**ECSI_MOBI_MODEL).fit(load_mobi())
    ax = plot_pls_paths(model)
    arrows = [a for a in ax.texts if a.get_text() == "" and hasattr(a, "xyann")]
    segments = [(np.array(a.xyann), np.array(a.xy)) for a in arrows]
    labels = [t for t in ax.texts if t.get_text().replace("-", "").replace(".", "").isdigit()]
    assert len(labels) == len(segments) == int((model.path_coefficients_ != 0).sum().sum())

    def dist(p, a, b):
        t = np.clip(np.dot(p - a, b - a) / np.dot(b - a, b - a), 0, 1)
        return np.hypot(*(p - (a + t * (b - a))))

    for label, (a, b) in zip(labels, segments, strict=True):
        p = np.array(label.get_position())
        own = dist(p, a, b)
        others = [dist(p, c, d) for c, d in segments if c is not a]
        assert own < 1e-9 and min(others) > 0.02, label.get_text()
    ax.figure.canvas.draw()
    boxes = _boxes(ax, labels)
    for i, x in enumerate(boxes):
        for y in boxes[i + 1 :]:
            assert not x.overlaps(y)


def test_pls_diagram_marks_unclear_paths():
    model = PLSPathModel(**ECSI_SATISFACTION_MODEL, scaled=False).fit(load_satisfaction())
    boot = model.bootstrap(n=40, seed=1)
    ax = plot_pls_paths(model, boot=boot, title="Bank customers")
    unclear = boot[(boot["kind"] == "path") & (boot["lower"] <= 0) & (boot["upper"] >= 0)]
    assert len(unclear) >= 1
    assert sum(t.get_text().endswith("n.s.") for t in ax.texts) == len(unclear)
    assert ax.get_title() == "Bank customers"
