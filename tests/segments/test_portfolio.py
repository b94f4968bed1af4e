"""Tests of crmlab.segments.portfolio: relationship portfolio, key accounts and levels."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.errors import ParameterError
from crmlab.segments import (
    concentration_curve,
    key_account_criteria,
    key_accounts,
    portfolio_summary,
    relationship_intensity,
    relationship_levels,
    relationship_portfolio,
)


def test_relationship_portfolio_rules():
    current = pd.Series([1.0, 2, 10, 20], index=[1, 2, 3, 4])
    future = pd.Series([50.0, 1, 60, 2], index=[1, 2, 3, 4])
    p = relationship_portfolio(current, future, thresholds=(5, 10))
    assert list(p["strategy"]) == [
        "develop",
        "reduce cost to serve",
        "maintain and protect",
        "harvest",
    ]
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
    ka = key_accounts(values, top_share=0.4)  # value alone
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


def test_key_accounts_need_value_and_the_relationship_criteria():
    values = pd.Series([90.0, 80, 70, 60, 10, 5, 5, 5, 3, 2], index=list("abcdefghij"))
    relationship = pd.DataFrame(
        {"active_week_share": [0.9, 0.4, 0.8, 1.0, 1, 1, 1, 1, 1, 1]}, index=list("abcdefghij")
    )
    key = key_accounts(
        values, top_share=0.3, relationship=relationship, minimums={"active_week_share": 0.75}
    )
    assert list(key.index) == ["a", "c"]  # b is in the top 30% by value but buys irregularly
    assert list(key["rank"]) == [1, 3]  # ranks among all customers
    assert key.attrs["n_candidates"] == 3 and key.attrs["n_failed"] == 1
    assert key.attrs["customer_share"] == pytest.approx(0.2)
    assert key.attrs["value_share"] == pytest.approx(160 / 330)
    assert list(key["cumulative_share"]) == pytest.approx([90 / 330, 160 / 330])
    assert key_account_criteria(key, "predicted 52-week CLV") == (
        "in the top 30% of customers by predicted 52-week CLV who bought in at least 75% of the "
        "weeks since their first purchase"
    )
    plain = key_accounts(values)  # default: the top 5%, value alone
    assert len(plain) == 1 and key_account_criteria(plain) == "in the top 5% of customers by value"
    with pytest.raises(ParameterError, match="relationship"):
        key_accounts(values, minimums={"active_week_share": 0.5})
    with pytest.raises(ParameterError, match="not a column"):
        key_accounts(values, relationship=relationship, minimums={"tenure": 3})


def test_relationship_intensity_counts_weeks_since_the_first_purchase():
    days = ["2024-01-01", "2024-01-02", "2024-01-15", "2024-01-29", "2024-01-08", "2024-01-28"]
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1, 2, 2],
            "date": pd.to_datetime(days),
            "amount": 1.0,
            "category": ["a", "b", "a", "a", "c", "c"],
        }
    )
    out = relationship_intensity(tx, category_column="category")
    # customer 1: 2024-01-01 to the end 2024-01-29 is weeks 0..4 (5 weeks), bought in weeks 0, 2, 4
    assert out.loc[1].to_dict() == {
        "tenure_weeks": 5,
        "active_weeks": 3,
        "active_week_share": pytest.approx(0.6),
        "n_purchases": 4,
        "n_categories": 2,
    }
    # customer 2: from 2024-01-08, weeks 0..3 (4 weeks), bought in weeks 0 and 2
    assert out.loc[2, "tenure_weeks"] == 4 and out.loc[2, "active_week_share"] == 0.5
