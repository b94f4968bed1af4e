"""Satisfaction figures on the Agg backend: inspect the artists."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
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
