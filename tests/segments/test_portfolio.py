"""Tests of crmlab.segments.portfolio: relationship portfolio, key accounts and levels."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.errors import ParameterError
from crmlab.segments import (
    concentration_curve,
    key_accounts,
    portfolio_summary,
    relationship_levels,
    relationship_portfolio,
)


def test_relationship_portfolio_rules():
    current = pd.Series([1.0, 2, 10, 20], index=[1, 2, 3, 4])
    future = pd.Series([50.0, 1, 60, 2], index=[1, 2, 3, 4])
    p = relationship_portfolio(current, future, thresholds=(5, 10))
    assert list(p["strategy"]) == ["develop", "reduce cost to serve", "maintain and protect", "harvest"]
    assert p.attrs["thresholds"] == {"current": 5.0, "future": 10.0}
    med = relationship_portfolio(current, future)  # medians 6 and 25.5
    assert list(med["strategy"]) == list(p["strategy"])
    summary = portfolio_summary(p)
    assert summary["customers"].sum() == 4
    assert summary.loc["maintain and protect", "current_value_share"] == pytest.approx(10 / 33)
    q = relationship_portfolio(current, future, thresholds={"quantile": 0.75})
    assert q["high_current"].sum() == 1
    with pytest.raises(ParameterError):
        relationship_portfolio(current, future, thresholds="mean")


def test_key_accounts_and_concentration():
    values = pd.Series([50.0, 30, 10, 5, 5], index=list("abcde"))
    ka = key_accounts(values, top_share=0.4)
    assert list(ka.index) == ["a", "b"]
    assert ka.attrs["value_share"] == pytest.approx(0.8)
    assert ka.attrs["customer_share"] == pytest.approx(0.4)
    assert list(ka["rank"]) == [1, 2]
    curve = concentration_curve(values, top_shares=(0.2, 1.0))
    assert curve.loc[0.2, "value_share"] == pytest.approx(0.5)
    assert curve.loc[1.0, "value_share"] == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        key_accounts(values, top_share=0)


def test_relationship_levels_rule_table():
    value = pd.Series([1.0, 2, 3, 4, 5, 6, 7, 8, 9])
    inter = pd.Series([1.0, 5, 9, 1, 5, 9, 1, 5, 9])
    lv = relationship_levels(value, inter)
    assert list(lv["level"]) == [
        "basic", "basic", "reactive",
        "reactive", "accountable", "proactive",
        "accountable", "proactive", "partnership",
    ]  # fmt: skip
    assert list(lv["value_band"][:3]) == ["low"] * 3
