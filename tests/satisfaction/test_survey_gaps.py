"""Survey contract, gap scores, dimension gaps and the SERVQUAL simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from crmlab.datasets import simulate_servqual_survey
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.satisfaction import (
    SERVQUAL_DIMENSIONS,
    dimension_gaps,
    gap_scores,
    read_survey,
    survey_from_wide,
    validate_survey,
)


@pytest.fixture(scope="module")
def sim():
    return simulate_servqual_survey(600, seed=11)


def _tiny() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": [1, 1, 2, 2, 3, 3],
            "item": ["a", "b"] * 3,
            "dimension": ["x", "y"] * 3,
            "expectation": [6, 5, 7, 4, 5, 6],
            "perception": [5, 5, 5, 6, 4, 6],
        }
    )


def test_gap_scores_known_answer():
    g = gap_scores(_tiny()).set_index("item")
    d = np.array([-1, -2, -1])
    assert g.loc["a", "gap"] == pytest.approx(d.mean())
    assert g.loc["a", "gap_se"] == pytest.approx(d.std(ddof=1) / np.sqrt(3))
    t = stats.ttest_rel([5, 5, 4], [6, 7, 5])
    assert g.loc["a", "t"] == pytest.approx(t.statistic)
    assert g.loc["a", "p_t"] == pytest.approx(t.pvalue)
    half = stats.t.ppf(0.975, 2) * g.loc["a", "gap_se"]
    assert g.loc["a", "gap_upper"] == pytest.approx(d.mean() + half)
    assert g.loc["b", "gap"] == pytest.approx(2 / 3)
    holm = sorted(g["p_t"])
    assert g["p_adjusted"].min() == pytest.approx(min(1, 2 * holm[0]))


def test_simulated_gaps_recovered(sim):
    """True observed-scale gaps (exact, see the simulator) inside the 95% intervals."""
    survey, truth = sim
    g = gap_scores(survey).set_index("item")
    true = truth["gap"].reindex(g.index)
    inside = (g["gap_lower"] <= true) & (true <= g["gap_upper"])
    assert inside.sum() >= 19  # 22 items, ~95% coverage
    assert np.abs(g["gap"] - true).max() < 0.2
    assert (g.loc[truth.index[truth["gap"] < -0.5], "significant"]).all()


def test_simulated_coverage_rate_over_seeds():
    hits, total = 0, 0
    for seed in range(12):
        survey, truth = simulate_servqual_survey(200, seed=100 + seed)
        g = gap_scores(survey).set_index("item")
        true = truth["gap"].reindex(g.index)
        hits += int(((g["gap_lower"] <= true) & (true <= g["gap_upper"])).sum())
        total += len(g)
    assert 0.89 <= hits / total <= 0.99


def test_segment_gaps_recover_segment_truth(sim):
    survey, truth = sim
    g = gap_scores(survey, segment="segment")
    assert set(g["segment"]) == {"private", "business"} and len(g) == 44
    d = dimension_gaps(survey, segment="segment").set_index(["segment", "dimension"])
    resp = d["gap"].xs("responsiveness", level="dimension")
    assert resp["business"] < resp["private"] - 0.25  # true shift -0.5 (latent)
    biz = g[g["segment"] == "business"].set_index("item")
    true = truth["gap_business"].reindex(biz.index)
    assert ((biz["gap_lower"] <= true) & (true <= biz["gap_upper"])).sum() >= 19


def test_dimension_gaps_servqual(sim):
    survey, truth = sim
    d = dimension_gaps(survey).set_index("dimension")
    assert list(d.index[:5]) == list(SERVQUAL_DIMENSIONS)
    assert {"SERVQUAL", "SERVQUAL (weighted)"} <= set(d.index)
    assert d.loc["reliability", "n_items"] == 5
    true_dim = truth.groupby("dimension")["gap"].mean()
    for dim in SERVQUAL_DIMENSIONS:
        assert d.loc[dim, "gap_lower"] - 0.03 <= true_dim[dim] <= d.loc[dim, "gap_upper"] + 0.03
    assert d.loc["SERVQUAL", "gap"] == pytest.approx(d.loc[list(SERVQUAL_DIMENSIONS), "gap"].mean())
    # weighted: more weight on reliability (most important, biggest gap) -> more negative
    assert d.loc["SERVQUAL (weighted)", "gap"] < d.loc["SERVQUAL", "gap"]


def test_weighted_servqual_known_answer():
    s = _tiny().assign(importance=[1, 3, 1, 3, 1, 3])
    d = dimension_gaps(s).set_index("dimension")
    # weights 0.25 (x) / 0.75 (y): respondent gaps .25*-1+.75*0, .25*-2+.75*2, .25*-1+.75*0
    assert d.loc["SERVQUAL (weighted)", "gap"] == pytest.approx(np.mean([-0.25, 1.0, -0.25]))


def test_survey_from_wide_and_read_survey(tmp_path):
    wide = pd.DataFrame(
        {
            "id": [10, 11, 12],
            "e_a": [6, 7, 5],
            "p_a": [5, 5, 4],
            "i_a": [7, 6, 7],
            "e_b": [5, 4, 6],
            "p_b": [5, 6, np.nan],
            "region": ["n", "s", "n"],
        }
    )
    item_map = {
        "a": {"dimension": "x", "expectation": "e_a", "perception": "p_a", "importance": "i_a"},
        "b": {"dimension": "y", "expectation": "e_b", "perception": "p_b"},
    }
    with pytest.warns(CrmlabWarning, match="Dropped 1"):
        long = survey_from_wide(wide, item_map, respondent_column="id")
    assert len(long) == 5 and list(long.columns[:6]) == [
        "respondent_id",
        "item",
        "dimension",
        "expectation",
        "perception",
        "importance",
    ]
    assert long["region"].tolist() == ["n", "n", "s", "s", "n"]
    with pytest.raises(DataError) as err:
        survey_from_wide(wide, item_map, respondent_column="id", missing="error")
    assert err.value.column == "perception"
    bad = wide.assign(p_a=[5, 9, 4])
    with pytest.raises(DataError) as err:
        survey_from_wide(bad, item_map, respondent_column="id")
    assert err.value.column == "p_a" and err.value.rows == [1]
    path = tmp_path / "survey.csv"
    _tiny().rename(columns={"respondent_id": "Kunde"}).to_csv(path, index=False)
    read = read_survey(path, columns={"Kunde": "respondent_id"})
    assert len(read) == 6 and read["perception"].dtype == "float64"


def test_validation_errors():
    s = _tiny()
    with pytest.raises(DataError) as err:
        validate_survey(s.assign(perception=[5, 5, 5, 8, 4, 6]))
    assert err.value.column == "perception" and err.value.rows == [3]
    with pytest.raises(DataError) as err:
        validate_survey(s.assign(dimension=["x", None, "x", "y", "x", "y"]))
    assert err.value.column == "dimension" and err.value.rows == [1]
    with pytest.raises(DataError) as err:
        validate_survey(s.assign(respondent_id=[1, 1, None, 2, 3, 3]))
    assert err.value.column == "respondent_id"
    with pytest.raises(DataError, match="repeated"):
        validate_survey(s.assign(item=["a", "a", "a", "b", "a", "b"]))
    with pytest.raises(ParameterError):
        validate_survey(s, missing="impute")
    with pytest.raises(DataError, match="lacks"):
        validate_survey(s.drop(columns="dimension"))
    with pytest.raises(DataError):
        survey_from_wide(
            pd.DataFrame({"e": [1], "p": [2]}),
            {"a": {"dimension": None, "expectation": "e", "perception": "p"}},
        )


def test_simulator_reproducible_and_missing():
    a, ta = simulate_servqual_survey(50, seed=4)
    b, tb = simulate_servqual_survey(50, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert a["item"].nunique() == 22 and set(a["dimension"]) == set(SERVQUAL_DIMENSIONS)
    assert a[["expectation", "perception", "importance"]].stack().between(1, 7).all()
    m, _ = simulate_servqual_survey(50, seed=4, missing_rate=0.1)
    assert m["perception"].isna().any()
    with pytest.warns(CrmlabWarning):
        g = gap_scores(validate_survey(m))
    assert (g["n"] < 50).any()


def test_scale_inferred_from_the_answers_when_not_given(tmp_path):
    import warnings as _w

    from crmlab import inputs
    from crmlab.checks import check_scale
    from crmlab.errors import CrmlabWarning
    from crmlab.satisfaction import infer_scale, read_survey

    survey, _ = simulate_servqual_survey(60, seed=1, scale=(0, 10))
    survey.loc[0, "expectation"], survey.loc[1, "perception"] = 0.0, 10.0  # both ends answered
    path = tmp_path / "survey.csv"
    survey.to_csv(path, index=False)
    with pytest.warns(CrmlabWarning, match="inferred from the answers: 0-10"):
        got = read_survey(path, scale=None)
    assert got.attrs["scale"] == infer_scale(survey) == (0.0, 10.0)
    with _w.catch_warnings():
        _w.simplefilter("error", CrmlabWarning)
        assert read_survey(path, scale=(0, 10)).attrs["scale"] == (0.0, 10.0)
    # the notebook's empty scale: (None, None); the simulation keeps its 1-7
    sim, _, truth = inputs.survey_or_default("", scale=(None, None), return_truth=True)
    assert sim["perception"].between(1, 7).all() and len(truth) == 22
    with pytest.warns(CrmlabWarning, match="0-10"):
        _, _, none = inputs.survey_or_default(str(path), scale=(None, None), return_truth=True)
    assert none is None
    fractional = survey.assign(perception=survey["perception"] + 0.5)
    with pytest.raises(DataError, match="not whole scale points"):
        infer_scale(fractional)
    with pytest.raises(DataError, match="only span"):
        infer_scale(survey.assign(expectation=3.0, perception=4.0, importance=4.0))
    with pytest.raises(ParameterError, match="both ends or neither"):
        read_survey(path, scale=(1, None))
    assert check_scale((1, 7)) == (1.0, 7.0)
    for bad in ((7, 1), "17", (1, float("inf")), None):
        with pytest.raises(ParameterError, match="scale must be a pair"):
            check_scale(bad)


def test_respondent_columns_default_only_on_the_simulation():
    import warnings as _w

    from crmlab.satisfaction import overall_column_or_default, segment_column_or_default

    survey, _ = simulate_servqual_survey(40, seed=3)
    assert overall_column_or_default(survey, "", simulated=True) == "overall_satisfaction"
    assert segment_column_or_default(survey, "", simulated=True) == "segment"
    # a client's file: inferred from the names, said in a data note
    own = survey.rename(columns={"overall_satisfaction": "Overall CSAT", "segment": "region"})
    with pytest.warns(CrmlabWarning, match="'Overall CSAT'"):
        assert overall_column_or_default(own) == "Overall CSAT"
    with pytest.warns(CrmlabWarning, match="region"):
        assert segment_column_or_default(own) is None
    with _w.catch_warnings():
        _w.simplefilter("error", CrmlabWarning)
        assert segment_column_or_default(own, "region") == "region"
    two = own.assign(satisfaction_2024=own["Overall CSAT"])
    with pytest.raises(DataError, match="Several columns"):
        overall_column_or_default(two)
    none = own.drop(columns="Overall CSAT")
    with pytest.raises(DataError, match="No overall satisfaction column"):
        overall_column_or_default(none)
    assert overall_column_or_default(none, required=False) is None
    with pytest.raises(DataError, match="not a column"):
        overall_column_or_default(own, "overall_satisfaction")
    with pytest.raises(DataError, match="must be a number"):
        overall_column_or_default(own, "region")
    with pytest.raises(DataError, match="several values for one respondent"):
        segment_column_or_default(own, "item")
