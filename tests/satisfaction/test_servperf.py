"""SERVQUAL vs SERVPERF (Cronin & Taylor 1992), simultaneous gap intervals, gaps against truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.multitest import multipletests

from crmlab.datasets import simulate_servqual_survey
from crmlab.errors import DataError, ParameterError
from crmlab.satisfaction import (
    compare_gaps_to_truth,
    gap_scores,
    respondent_table,
    servqual_vs_servperf,
)


@pytest.fixture(scope="module")
def simulated():
    return simulate_servqual_survey(300, seed=4)


def _wide(survey: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    p = respondent_table(survey, measure="perception")
    e = respondent_table(survey, measure="expectation")
    y = survey.drop_duplicates("respondent_id").set_index("respondent_id")["overall_satisfaction"]
    return p, e, y.reindex(p.index)


def test_adjusted_r2_and_j_test_match_statsmodels(simulated):
    survey, _ = simulated
    table = servqual_vs_servperf(survey, n_bootstrap=20).set_index("model")
    p, e, y = _wide(survey)
    quality = sm.OLS(y, sm.add_constant(p - e)).fit()
    perf = sm.OLS(y, sm.add_constant(p)).fit()
    q, s, d = table.index
    assert table.loc[q, "adj_r_squared"] == pytest.approx(quality.rsquared_adj)
    assert table.loc[s, "adj_r_squared"] == pytest.approx(perf.rsquared_adj)
    assert table.loc[q, "r_squared"] == pytest.approx(quality.rsquared)
    assert table.loc[d, "adj_r_squared"] == pytest.approx(perf.rsquared_adj - quality.rsquared_adj)
    # J test (Davidson & MacKinnon 1981): SERVPERF's fitted values added to SERVQUAL
    j = sm.OLS(y, sm.add_constant((p - e).assign(other=perf.fittedvalues))).fit()
    assert table.loc[q, "j_statistic"] == pytest.approx(j.tvalues["other"])
    assert table.loc[q, "p_value_j"] == pytest.approx(j.pvalues["other"])
    assert (table["n"] == 300).all() and (table["n_predictors"] == 5).all()


def test_bootstrap_interval_and_p_value_from_the_paired_resamples(simulated):
    survey, _ = simulated
    a = servqual_vs_servperf(survey, n_bootstrap=200, seed=3, alpha=0.1)
    b = servqual_vs_servperf(survey, n_bootstrap=200, seed=3, alpha=0.1)
    pd.testing.assert_frame_equal(a, b)
    diff = a.iloc[2]
    assert diff["lower"] < diff["adj_r_squared"] < diff["upper"]
    # simulated satisfaction follows the perceptions (halo and scale use included): SERVPERF
    # explains more, every resample agrees, so p is the smallest the 200 resamples allow
    assert diff["lower"] > 0
    assert diff["p_value"] == pytest.approx(2 / 201)


def test_identical_models_give_no_difference():
    """With every expectation the same for all respondents, P - E is P shifted by a constant
    per dimension: both regressions span the same space, so the difference is exactly zero."""
    survey, _ = simulate_servqual_survey(150, seed=2)
    survey = survey.assign(expectation=survey.groupby("item")["expectation"].transform("first"))
    table = servqual_vs_servperf(survey, n_bootstrap=50)
    diff = table.iloc[2]
    assert diff["adj_r_squared"] == pytest.approx(0, abs=1e-10)
    assert abs(diff["lower"]) < 1e-10 and abs(diff["upper"]) < 1e-10
    assert diff["p_value"] == 1.0


def test_satisfaction_built_from_gaps_favours_servqual():
    survey, _ = simulate_servqual_survey(300, seed=5)
    p, e, _ = _wide(survey)
    rng = np.random.default_rng(0)
    y = 4 + (p - e).sum(axis=1) + rng.normal(0, 0.3, len(p))
    survey = survey.assign(overall_satisfaction=survey["respondent_id"].map(y))
    diff = servqual_vs_servperf(survey, n_bootstrap=100).iloc[2]
    assert diff["upper"] < 0 and diff["p_value"] < 0.05


def test_errors(simulated):
    survey, _ = simulated
    with pytest.raises(DataError, match="overall"):
        servqual_vs_servperf(survey.drop(columns="overall_satisfaction"))
    with pytest.raises(ParameterError, match="by"):
        servqual_vs_servperf(survey, by="segment")
    with pytest.raises(ParameterError, match="n_bootstrap"):
        servqual_vs_servperf(survey, n_bootstrap=1)
    few = survey[survey["respondent_id"] <= 5]
    with pytest.raises(DataError, match="too few"):
        servqual_vs_servperf(few, n_bootstrap=10)


def test_simultaneous_intervals_agree_with_bonferroni(simulated):
    survey, _ = simulated
    gaps = gap_scores(survey, alpha=0.05)
    excludes = (gaps["simultaneous_lower"] > 0) | (gaps["simultaneous_upper"] < 0)
    bonferroni = multipletests(gaps["p_t"], alpha=0.05, method="bonferroni")[0]
    assert (excludes.to_numpy() == bonferroni).all()
    assert ((gaps["simultaneous_upper"] - gaps["simultaneous_lower"])
            > (gaps["gap_upper"] - gaps["gap_lower"])).all()  # fmt: skip
    by_seg = gap_scores(survey, segment="segment")
    one = by_seg[by_seg["segment"] == "business"]
    own = gap_scores(survey[survey["segment"] == "business"])
    np.testing.assert_allclose(one["simultaneous_lower"], own["simultaneous_lower"])


def test_gaps_against_truth(simulated):
    survey, truth = simulated
    table = compare_gaps_to_truth(gap_scores(survey), truth)
    assert len(table) == 22
    row = table.set_index("item").loc["keeps promises"]
    assert row["true_gap"] == pytest.approx(truth.loc["keeps promises", "gap"])
    assert row["error"] == pytest.approx(row["gap"] - row["true_gap"])
    assert table.attrs["coverage"] == pytest.approx(table["covered"].mean())
    assert compare_gaps_to_truth(gap_scores(survey), None).empty
