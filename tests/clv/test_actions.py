"""Tests of crmlab.clv.actions: CLV tiers, action rules and tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import (
    action_rules,
    action_summary,
    action_table,
    clv_segments,
)
from crmlab.errors import DataError, ParameterError


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
    rules = action_rules().set_index(["tier", "status"])["action"]
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
    for _, rules in action_rules().groupby("tier"):
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


def test_action_rules_are_a_fresh_frame_each_time():
    from crmlab import clv

    rules = clv.ACTION_RULES
    rules.loc[0, "action"] = "changed"
    assert clv.ACTION_RULES.loc[0, "action"] != "changed"
    pd.testing.assert_frame_equal(clv.ACTION_RULES, action_rules())
    assert list(action_rules().columns) == [
        "tier",
        "p_alive_min",
        "p_alive_max",
        "status",
        "action",
    ]
    assert len(action_rules()) == 12
