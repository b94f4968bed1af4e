"""Tests of the notebook-facing CLV tables (crmlab.clv.report)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from crmlab import clv
from crmlab.clv import (
    ACTION_RULES,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    action_summary,
    action_table,
    best_model,
    clv_crosstab,
    clv_findings,
    clv_segments,
    default_calibration_end,
    lifetimes_crosscheck,
    make_models,
    parameter_table,
    spend_frequency_check,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError


# ------------------------------------------------------------------------------- set-up helpers
def test_make_models_builds_unfitted_instances_in_order():
    models = make_models(["ParetoNBD", "BGNBD", "MBGNBD"])
    assert [type(m) for m in models] == [ParetoNBD, BGNBD, MBGNBD]
    assert not any(hasattr(m, "params_") for m in models)
    assert type(make_models("BGNBD")[0]) is BGNBD


@pytest.mark.parametrize(
    "names, word", [(["BGNBD", "Pareto"], "Pareto"), (["BGNBD", "BGNBD"], "BGNBD"), ([], "empty")]
)
def test_make_models_rejects_bad_names(names, word):
    with pytest.raises(ParameterError, match=word) as info:
        make_models(names)
    assert info.value.parameter == "models"


def test_make_models_rejects_spend_model():
    with pytest.raises(ParameterError, match="GammaGamma"):
        make_models(["GammaGamma"])


def test_default_calibration_end_two_thirds():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": pd.to_datetime(["2020-01-01 10:00", "2020-01-31 00:00", "2020-01-15 00:00"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    assert default_calibration_end(tx) == pd.Timestamp("2020-01-21")  # 1 Jan + 20 of 30 days
    assert default_calibration_end(tx, share=0.5) == pd.Timestamp("2020-01-16")
    # CDNOW runs 1997-01-01 .. 1998-06-30 (545 days): 363 days in
    assert default_calibration_end(load_cdnow()) == pd.Timestamp("1997-12-30")


def test_default_calibration_end_errors():
    one_day = pd.DataFrame({"date": pd.to_datetime(["2020-01-01", "2020-01-01"])})
    with pytest.raises(DataError, match="single day"):
        default_calibration_end(one_day)
    with pytest.raises(ParameterError, match="share"):
        default_calibration_end(pd.DataFrame({"date": pd.to_datetime(["2020-01-01"])}), 1.5)
    with pytest.raises(DataError, match="date"):
        default_calibration_end(pd.DataFrame({"day": [1]}))


def test_parameter_table_stacks_summaries(cdnow):
    bg = BGNBD().fit(cdnow)
    gg = GammaGamma().fit(cdnow)
    table = parameter_table([bg, gg])
    assert table.index.names == ["model", "parameter"]
    assert list(table.index.get_level_values("model").unique()) == ["BGNBD", "GammaGamma"]
    assert table.loc[("BGNBD", "r"), "coef"] == pytest.approx(0.2426, abs=1e-4)  # FHL 2005
    assert table.loc[("GammaGamma", "q"), "se"] == pytest.approx(gg.standard_errors_["q"])
    assert list(table.columns) == ["coef", "se", "lower", "upper"]


def test_best_model_smallest_and_absolute_for_percentages():
    comp = pd.DataFrame(
        {"holdout_mae": [0.8, 0.7, 0.9], "aggregate_error_pct": [-12.0, 5.0, -3.0]},
        index=pd.Index(["BGNBD", "ParetoNBD", "MBGNBD"], name="model"),
    )
    assert best_model(comp) == "ParetoNBD"
    assert best_model(comp, "aggregate_error_pct") == "MBGNBD"  # |-3| smallest
    with pytest.raises(ParameterError, match="criterion"):
        best_model(comp, "nope")


def test_spend_frequency_check_known_correlation():
    summary = pd.DataFrame(
        {"frequency": [0, 1, 2, 3, 4, 0], "monetary_value": [0.0, 10, 20, 30, 40, 0.0]}
    )
    check = spend_frequency_check(summary)
    assert check.loc["pearson", "correlation"] == pytest.approx(1.0)
    assert check.loc["spearman", "correlation"] == pytest.approx(1.0)
    assert (check["n_customers"] == 4).all()  # one-time buyers left out
    summary["monetary_value"] = [0.0, 40, 30, 20, 10, 0.0]
    assert spend_frequency_check(summary).loc["pearson", "correlation"] == pytest.approx(-1.0)


def test_spend_frequency_check_cdnow_near_published(cdnow):
    """FHL (2005b, JMR, section 4.2) report a correlation of 0.11 on the CDNOW calibration data."""
    r = spend_frequency_check(cdnow).loc["pearson", "correlation"]
    assert 0.0 < r < 0.2


def test_spend_frequency_check_needs_columns_and_repeaters():
    with pytest.raises(DataError, match="monetary_value"):
        spend_frequency_check(pd.DataFrame({"frequency": [1, 2, 3]}))
    with pytest.raises(DataError, match="fewer than 3"):
        spend_frequency_check(pd.DataFrame({"frequency": [0, 1], "monetary_value": [0.0, 3.0]}))


# ------------------------------------------------------------------------------- tiers
def test_clv_segments_default_quantiles():
    values = pd.Series(np.arange(1.0, 101.0), index=pd.RangeIndex(100, name="customer_id"))
    tiers = clv_segments(values)
    counts = tiers.value_counts()
    assert counts.to_dict() == {"low": 50, "medium": 30, "high": 15, "top": 5}
    assert tiers.cat.ordered and list(tiers.cat.categories) == ["low", "medium", "high", "top"]
    assert tiers.loc[99] == "top" and tiers.loc[0] == "low" and tiers.loc[49] == "low"
    assert tiers.loc[50] == "medium" and tiers.loc[80] == "high"


def test_clv_segments_ties_share_a_tier_and_custom_cuts():
    values = pd.DataFrame({"clv": [0.0] * 6 + [1.0, 2.0, 3.0, 4.0]})
    tiers = clv_segments(values, labels=("none", "some"), quantiles=(0.5,))
    assert (tiers.iloc[:6] == "none").all()  # 60% tied at 0: all in the lowest tier
    assert (tiers.iloc[6:] == "some").all()


def test_clv_segments_errors():
    with pytest.raises(ParameterError, match="one more"):
        clv_segments(pd.Series([1.0, 2.0]), labels=("a", "b"), quantiles=(0.3, 0.6))
    with pytest.raises(ParameterError, match="increase"):
        clv_segments(pd.Series([1.0, 2.0]), labels=("a", "b", "c"), quantiles=(0.6, 0.3))
    with pytest.raises(DataError, match="missing"):
        clv_segments(pd.Series([1.0, np.nan]))
    with pytest.raises(DataError, match="'clv'"):
        clv_segments(pd.DataFrame({"value": [1.0]}))


# ------------------------------------------------------------------------------- actions
@pytest.fixture
def small():
    """Five hand-made customers: CLV, P(alive), RFM segment and the expected rule outcome."""
    index = pd.Index([11, 12, 13, 14, 15], name="customer_id")
    summary = pd.DataFrame(
        {"frequency": [5.0, 3, 0, 1, 2], "recency": [9.0, 2, 0, 1, 8], "T": [10.0] * 5},
        index=index,
    )
    values = pd.DataFrame(
        {
            "expected_purchases": [4.0, 1.0, 0.1, 0.5, 2.0],
            "clv": [100.0, 40.0, 1.0, 5.0, 60.0],
            "clv_lower": [90.0, 30.0, 0.5, 4.0, 50.0],
            "clv_upper": [110.0, 50.0, 1.5, 6.0, 70.0],
        },
        index=index,
    )
    p_alive = pd.Series([0.9, 0.2, 0.5, 0.95, 0.5], index=index)
    tiers = pd.Series(
        pd.Categorical(
            ["top", "medium", "low", "low", "high"],
            categories=["low", "medium", "high", "top"],
            ordered=True,
        ),
        index=index,
    )
    segments = pd.Series(["champions", "at risk", "lost", "new", "loyal"], index=index)
    return summary, values, p_alive, tiers, segments


def test_action_table_rules_and_order(small):
    summary, values, p_alive, tiers, segments = small
    table = action_table(summary, values, p_alive, segments, top=None, tiers=tiers)
    assert list(table.index) == [11, 15, 12, 14, 13]  # by CLV
    assert table["status"].to_dict() == {
        11: "active",
        15: "at risk",
        12: "lapsed",
        14: "active",
        13: "at risk",
    }
    rules = ACTION_RULES.set_index(["tier", "status"])["action"]
    assert table.loc[11, "action"] == rules[("top", "active")]
    assert table.loc[15, "action"] == rules[("high", "at risk")]
    assert table.loc[12, "action"] == rules[("medium", "lapsed")]
    assert table.loc[15, "rfm_segment"] == "loyal"
    assert table.loc[15, "clv_upper"] == 70.0
    assert list(table.columns) == [
        "rfm_segment",
        "clv_tier",
        "p_alive",
        "expected_purchases",
        "clv",
        "clv_lower",
        "clv_upper",
        "status",
        "action",
    ]
    top2 = action_table(summary, values, p_alive, segments, top=2, tiers=tiers)
    assert list(top2.index) == [11, 15]
    risky = action_table(summary, values, p_alive, top=None, tiers=tiers, status="at risk")
    assert list(risky.index) == [15, 13] and "rfm_segment" not in risky


def test_action_table_p_alive_one_is_active_and_bands_cover_all():
    index = pd.RangeIndex(4)
    summary = pd.DataFrame({"frequency": 0.0, "recency": 0.0, "T": 1.0}, index=index)
    values = pd.DataFrame({"clv": [1.0, 2.0, 3.0, 4.0]}, index=index)
    p_alive = pd.Series([1.0, 0.0, 0.3, 0.7], index=index)
    table = action_table(summary, values, p_alive, top=None)
    assert table["status"].to_dict() == {0: "active", 1: "lapsed", 2: "at risk", 3: "active"}
    assert (table["action"] != "").all()
    # every tier has three bands that tile [0, 1]
    for _, rules in ACTION_RULES.groupby("tier"):
        edges = sorted(zip(rules["p_alive_min"], rules["p_alive_max"], strict=True))
        assert edges[0][0] == 0 and edges[-1][1] == 1
        assert all(a[1] == b[0] for a, b in zip(edges, edges[1:], strict=False))


def test_action_table_errors(small):
    summary, values, p_alive, tiers, _ = small
    with pytest.raises(DataError, match="not in summary"):
        action_table(summary.iloc[1:], values, p_alive)
    with pytest.raises(DataError, match="probability_alive"):
        action_table(summary, values, p_alive.iloc[:3])
    with pytest.raises(ParameterError, match="status"):
        action_table(summary, values, p_alive, status="asleep")


def test_action_summary_counts_and_order(small):
    summary, values, p_alive, tiers, segments = small
    table = action_table(summary, values, p_alive, segments, top=None, tiers=tiers)
    out = action_summary(table)
    assert list(out.index) == [
        ("top", "active"),
        ("high", "at risk"),
        ("medium", "lapsed"),
        ("low", "active"),
        ("low", "at risk"),
    ]
    assert out["customers"].sum() == 5
    assert out.loc[("top", "active"), "clv_share"] == pytest.approx(100 / 206)
    assert out.loc[("low", "at risk"), "mean_p_alive"] == pytest.approx(0.5)
    with pytest.raises(DataError, match="action"):
        action_summary(table.drop(columns="action"))


def test_clv_crosstab_counts_and_sums(small):
    _, values, _, tiers, segments = small
    segments = pd.Series(["a", "a", "b", "b", "a"], index=values.index)
    table = clv_crosstab(tiers, segments, values)
    assert table.loc["a", ("customers", "all")] == 3
    assert table.loc["a", ("customers", "top")] == 1
    assert table.loc["b", ("customers", "low")] == 2
    assert table.loc["a", ("clv", "all")] == pytest.approx(200.0)
    assert table.loc["b", ("clv", "low")] == pytest.approx(6.0)
    assert table.loc["all", ("clv", "all")] == pytest.approx(206.0)
    assert table.loc[["a", "b"], ("clv_share", "all")].sum() == pytest.approx(1.0)
    with pytest.raises(DataError, match="lack an RFM segment"):
        clv_crosstab(tiers, segments.iloc[:3], values)


# ------------------------------------------------------------------------------- lifetimes
def test_lifetimes_crosscheck_agrees_and_leaves_global_state(cdnow):
    """lifetimes 0.11.3 on the CDNOW 39-week calibration summary gives the FHL (2005) estimates.

    Neither the warning filters nor numpy's global random state may change (lifetimes' BG/NBD
    likelihood calls ``warnings.simplefilter`` and its Pareto/NBD draws from the global RNG).
    """
    filters = list(warnings.filters)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 - checking that it is untouched
    table = lifetimes_crosscheck(cdnow, seed=1)
    assert warnings.filters == filters
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert list(table.columns) == [
        "model",
        "parameter",
        "crmlab",
        "lifetimes",
        "abs_diff",
        "rel_diff",
    ]
    assert list(table["model"].unique()) == ["BGNBD", "ParetoNBD", "GammaGamma"]
    params = table.loc[~table["parameter"].isin(["log_likelihood", "fit_seconds"])]
    assert len(params) == 11
    assert (params["rel_diff"] < 1e-3).all()
    ll = table.loc[table["parameter"] == "log_likelihood"].set_index("model")
    assert ll.loc["BGNBD", "crmlab"] == pytest.approx(-9582.4, abs=0.1)  # FHL 2005, BG/NBD LL
    assert ll.loc["ParetoNBD", "lifetimes"] == pytest.approx(-9595.0, abs=0.1)
    assert (ll["abs_diff"] < 1e-3).all()
    times = table.loc[table["parameter"] == "fit_seconds"]
    assert (times[["crmlab", "lifetimes"]] > 0).all().all() and times["abs_diff"].isna().all()


def test_lifetimes_crosscheck_rejects_unknown_model(cdnow):
    with pytest.raises(ParameterError, match="MBGNBD"):
        lifetimes_crosscheck(cdnow, models=["MBGNBD"])


# ------------------------------------------------------------------------------- findings
def test_clv_findings_numbers(cdnow):
    model = BGNBD().fit(cdnow)
    spend = GammaGamma().fit(cdnow)
    values = clv.customer_lifetime_value(model, spend, None, 52, 0.1, "W", 0.3)
    p_alive = model.probability_alive()
    comp = pd.DataFrame(
        {
            "holdout_mae": [0.60, 0.80],
            "predicted_total": [1650.0, 1700.0],
            "actual_total": [1882.0, 1882.0],
            "aggregate_error_pct": [-12.3, -9.7],
        },
        index=pd.Index(["BGNBD", "ParetoNBD"], name="model"),
    )
    check = spend_frequency_check(cdnow)
    lines = clv_findings(comp, model, values, p_alive, spend, check, horizon=52, time_unit="W")
    text = "\n".join(lines)
    assert lines[0].startswith("**BGNBD** predicts the holdout best")
    assert "0.600 against 0.800 for ParetoNBD, 25% lower" in lines[0]
    rate = model.params_["r"] / model.params_["alpha"]
    assert f"{rate:.3f} times a week" in text
    drop = model.params_["a"] / (model.params_["a"] + model.params_["b"])
    assert f"a/(a+b) = **{drop:.2f}**" in text
    alive = f"{100 * (p_alive >= 0.5).mean():.0f}% of customers are probably still active"
    assert alive in text
    one_timers = f"counts the {100 * (cdnow['frequency'] == 0).mean():.0f}% without a repeat"
    assert one_timers in text  # the BG/NBD caveat: P(alive) = 1 for them
    total = f"{values['clv'].sum():,.0f}"
    assert f"Total CLV over the next 52 weeks: {total}" in text
    top = np.sort(values["clv"].to_numpy())[::-1][: int(np.ceil(0.2 * len(values)))].sum()
    assert f"{100 * top / values['clv'].sum():.0f}% of total CLV" in text
    tiers = clv_segments(values)
    n_risk = int((tiers.isin(["high", "top"]) & (p_alive < 0.7)).sum())
    assert re.search(rf"\*\*{n_risk} of the \d+ high- and top-tier customers are at risk", text)
    assert "independence assumption of the Gamma-Gamma model is acceptable" in text


def test_clv_findings_with_intervals_and_pareto(cdnow):
    model = ParetoNBD().fit(cdnow)
    values = clv.customer_lifetime_value(
        model, None, cdnow.iloc[:300], 13, 0.1, "W", n_draws=5, seed=2
    )
    p_alive = model.probability_alive(cdnow.iloc[:300])
    comp = pd.DataFrame(
        {
            "holdout_mae": [0.75],
            "predicted_total": [1666.0],
            "actual_total": [1882.0],
            "aggregate_error_pct": [-11.5],
        },
        index=pd.Index(["ParetoNBD"], name="model"),
    )
    lines = clv_findings(comp, model, values, p_alive, horizon=13, time_unit="W")
    text = "\n".join(lines)
    total = values.attrs["total_clv"]
    assert f"(interval {total['lower']:,.0f} to {total['upper']:,.0f}" in text
    mu = model.params_["s"] / model.params_["beta"]
    assert f"s/β = **{mu:.4f} per week**" in text
    assert "Gamma-Gamma" not in text  # no spend model given
    assert "without a repeat purchase" not in text  # the caveat is BG/NBD's only
    comp2 = pd.concat([comp, comp.rename(index={"ParetoNBD": "BGNBD"}).assign(holdout_mae=0.752)])
    first = clv_findings(comp2, model, values, p_alive)[0]
    assert "0.750 against 0.752 for BGNBD, practically a tie" in first
