"""Reliability, importance-performance analysis, driver models and findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_satisfaction, simulate_servqual_survey
from crmlab.errors import DataError, ParameterError
from crmlab.satisfaction import (
    cronbach_alpha,
    dimension_gaps,
    driver_model,
    gap_scores,
    importance_performance,
    ipa_actions,
    reliability,
    satisfaction_findings,
)


@pytest.fixture(scope="module")
def sim():
    return simulate_servqual_survey(800, seed=5)


def test_cronbach_alpha_known_answer():
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 5], "c": [1, 3, 3, 4, 4]})
    k = 3
    manual = k / (k - 1) * (1 - x.var().sum() / x.sum(axis=1).var())
    table = reliability(x, {"d": ["a", "b", "c"]})
    assert table["alpha"].iloc[0] == pytest.approx(manual)
    rest = x["b"] + x["c"]
    assert table.loc[0, "item_total_correlation"] == pytest.approx(np.corrcoef(x["a"], rest)[0, 1])
    two = x[["b", "c"]]
    a2 = 2 * (1 - two.var().sum() / two.sum(axis=1).var())
    assert table.loc[0, "alpha_if_deleted"] == pytest.approx(a2)


def test_reliability_on_bank_survey_and_simulation(sim):
    data = load_satisfaction()
    blocks = {"SAT": [f"sat{i}" for i in range(1, 5)], "LOY": [f"loy{i}" for i in range(1, 5)]}
    alphas = cronbach_alpha(data, blocks).set_index("dimension")
    assert alphas.loc["SAT", "alpha"] > 0.85 and alphas.loc["SAT", "n"] == 250
    survey, _ = sim
    per_dim = cronbach_alpha(survey)
    assert len(per_dim) == 5 and (per_dim["alpha"] > 0.5).all()
    with pytest.raises(ParameterError):
        reliability(data)


def test_ipa_derived_recovers_driver_order(sim):
    survey, truth = sim
    ipa = importance_performance(survey, overall="overall_satisfaction").set_index("item")
    by_dim = ipa.groupby("dimension")["importance"].sum()
    assert by_dim.idxmax() == "reliability"
    assert by_dim["reliability"] > by_dim["tangibles"]
    assert ipa.attrs["r_squared"] > 0.5
    ci, cp = ipa.attrs["crosshair"]
    assert ci == pytest.approx(ipa["importance"].mean())
    q = ipa["quadrant"]
    hi_i, hi_p = ipa["importance"] >= ci, ipa["performance"] >= cp
    assert (q[hi_i & ~hi_p] == "concentrate here").all()
    assert (q[~hi_i & hi_p] == "possible overkill").all()


def test_ipa_stated_and_user_crosshair(sim):
    survey, _ = sim
    ipa = importance_performance(survey, method="stated", crosshair=(5.0, 5.0))
    means = survey.groupby("item")["importance"].mean()
    assert np.allclose(ipa.set_index("item")["importance"], means.reindex(ipa["item"]))
    assert ipa.attrs["crosshair"] == (5.0, 5.0)
    actions = ipa_actions(ipa)
    order = {"concentrate here": 1, "keep up the good work": 2, "possible overkill": 3,
             "low priority": 4}  # fmt: skip
    assert actions["quadrant"].map(order).is_monotonic_increasing
    assert actions["priority"].tolist() == list(range(1, len(ipa) + 1))
    with pytest.raises(ParameterError):
        importance_performance(survey, method="derived")


def test_ipa_wide_table():
    data = load_satisfaction()
    cols = [f"qual{i}" for i in range(1, 6)]
    ipa = importance_performance(data[cols + ["sat1"]], overall="sat1")
    assert ipa["item"].tolist() == cols
    with pytest.raises(DataError):
        importance_performance(data[cols], method="stated")


def test_driver_ols_hc3_and_std_beta():
    import statsmodels.api as sm

    data = load_satisfaction()
    table = driver_model(data, "sat1", ["qual1", "val1"]).set_index("term")
    ref = sm.OLS(data["sat1"], sm.add_constant(data[["qual1", "val1"]])).fit(cov_type="HC3")
    assert table.loc["val1", "estimate"] == pytest.approx(ref.params["val1"])
    assert table.loc["val1", "std_error"] == pytest.approx(ref.bse["val1"])
    num = data[["sat1", "qual1", "val1"]]
    z = (num - num.mean()) / num.std()
    zref = sm.OLS(z["sat1"], z[["qual1", "val1"]]).fit()
    assert table.loc["val1", "standardized"] == pytest.approx(zref.params["val1"])
    assert 0 < table.attrs["r_squared"] < 1


def test_driver_ordered_logit_recovers_sign():
    rng = np.random.default_rng(0)
    n = 600
    x = rng.normal(size=(n, 2))
    latent = 1.2 * x[:, 0] - 0.5 * x[:, 1] + rng.logistic(size=n)
    y = np.digitize(latent, [-1.5, 0.0, 1.5]) + 1
    data = pd.DataFrame({"y": y, "x1": x[:, 0], "x2": x[:, 1]})
    table = driver_model(data, "y", ["x1", "x2"], kind="ordered_logit").set_index("term")
    assert table.loc["x1", "lower"] < 1.2 < table.loc["x1", "upper"]
    assert table.loc["x2", "lower"] < -0.5 < table.loc["x2", "upper"]
    assert (table["kind"] == "threshold").sum() == 3
    with pytest.raises(ParameterError):
        driver_model(data, "y", ["x1"], kind="probit")


def test_findings_are_computed(sim):
    survey, _ = sim
    g, d = gap_scores(survey), dimension_gaps(survey)
    ipa = importance_performance(survey, overall="overall_satisfaction")
    sentences = satisfaction_findings(g, d, ipa)
    assert len(sentences) == 4
    # the largest shortfall, from the raw answers (not from gap_scores' table)
    item_gaps = (survey["perception"] - survey["expectation"]).groupby(survey["item"]).mean()
    worst_item, worst_gap = item_gaps.idxmin(), item_gaps.min()
    assert f"'{worst_item}'" in sentences[0] and f"{worst_gap:.2f}" in sentences[0]
    assert "reliability" in sentences[1]


def test_cronbach_alpha_matches_seminr_on_mobi():
    """Alpha of the mobi blocks as reported by seminr (R), which standardises the items first,
    fixture sem-in-r/seminr ``tests/fixtures/V_3_6_0/reliability.csv`` (column alpha)."""
    from crmlab.datasets import load_mobi

    blocks = {
        "Image": [f"IMAG{i}" for i in range(1, 6)],
        "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"],
    }
    got = cronbach_alpha(load_mobi(), blocks).set_index("dimension")["standardised_alpha"]
    ref = {"Image": 0.722834595427083, "Expectation": 0.451902555978063,
           "Value": 0.823631979352573, "Satisfaction": 0.779195021918597}  # fmt: skip
    for k, v in ref.items():
        assert got[k] == pytest.approx(v, abs=1e-9)


def test_satisfaction_drivers_recover_reliability(sim):
    from crmlab.satisfaction import satisfaction_drivers

    survey, _ = sim
    table = satisfaction_drivers(survey).set_index("term")
    coefs = table.loc[table["kind"] == "coefficient", "standardized"]
    assert coefs.idxmax() == "reliability" and coefs["reliability"] > coefs["tangibles"]
    with pytest.raises(DataError, match="overall"):
        satisfaction_drivers(survey.drop(columns="overall_satisfaction"))


def test_findings_wording_rules(sim):
    """Simulated input yields the flag; IPA names the most important *of the quadrant*; a
    non-significant comparison yields 'no evidence' with its estimate and interval."""
    survey, _ = sim
    g, d = gap_scores(survey), dimension_gaps(survey)
    ipa = importance_performance(survey, overall="overall_satisfaction")
    flagged = satisfaction_findings(g, d, ipa, simulated=True)
    assert all(s.startswith("Simulated survey: ") for s in flagged)
    assert "(adjusted p < 0.05)" in flagged[0]
    assert "(Holm adjustment over the 22 items)" in flagged[0]
    ipa_sentence = next(s for s in flagged if "concentrate here" in s)
    conc = ipa[ipa["quadrant"] == "concentrate here"].sort_values("importance", ascending=False)
    assert "most important of these" in ipa_sentence
    assert f"'{conc['item'].iloc[0]}'" in ipa_sentence
    # the top of the quadrant need not be the most important item overall
    assert "the most important are" not in " ".join(flagged)
    plain = satisfaction_findings(g, d, ipa)
    assert not any(s.startswith("Simulated") for s in plain)


def _comparison(p_value: float) -> pd.DataFrame:
    table = pd.DataFrame(
        [{"construct": "SAT", "mean_a": 70.2, "mean_b": 66.1, "difference": -4.1,
          "lower": -8.6, "upper": 0.4, "statistic": -1.8, "p_value": p_value}]
    )  # fmt: skip
    table.attrs["groups"] = ["a", "b"]
    return table


def test_index_comparison_not_significant_is_no_evidence():
    (sentence,) = satisfaction_findings(index_comparison=_comparison(0.071))
    assert "no evidence of a difference at the 5% level" in sentence
    assert "4.1 points lower" in sentence and "-8.6 to 0.4" in sentence
    assert "does not differ" not in sentence
    (significant,) = satisfaction_findings(index_comparison=_comparison(0.01))
    assert "a significant difference" in significant


def test_index_by_segment_welch_interval():
    from scipy import stats

    from crmlab.satisfaction import ECSI_SATISFACTION_MODEL, PLSPathModel, index_by_segment

    data = load_satisfaction()
    idx = PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(data).index_scores()
    table = index_by_segment(idx, data["gender"], alpha=0.1).set_index("construct")
    women, men = (
        idx.loc[data["gender"] == "female", "SAT"],
        idx.loc[data["gender"] == "male", "SAT"],
    )
    d = men.mean() - women.mean()
    v1, v2 = women.var() / len(women), men.var() / len(men)
    dof = (v1 + v2) ** 2 / (v1**2 / (len(women) - 1) + v2**2 / (len(men) - 1))
    half = stats.t.ppf(0.95, dof) * np.sqrt(v1 + v2)
    assert table.loc["SAT", "lower"] == pytest.approx(d - half)
    assert table.loc["SAT", "upper"] == pytest.approx(d + half)


def test_servperf_sentence_no_evidence_and_floor():
    from crmlab.satisfaction import servqual_vs_servperf

    survey, _ = simulate_servqual_survey(150, seed=2)
    same = survey.assign(expectation=survey.groupby("item")["expectation"].transform("first"))
    (tie,) = satisfaction_findings(servperf=servqual_vs_servperf(same, n_bootstrap=50))
    assert "no evidence of a difference at the 5% level" in tie and "SERVPERF" in tie
    (clear,) = satisfaction_findings(servperf=servqual_vs_servperf(survey, n_bootstrap=99))
    assert "perceptions alone explain more" in clear
    assert "bootstrap p ≤ 0.020, the smallest 99 resamples can show" in clear
