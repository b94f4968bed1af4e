"""Tests of crmlab.profitability.current_value: revenue and margin in the last period."""

from __future__ import annotations

import pytest

from crmlab.profitability import (
    customer_current_value,
)


def test_customer_current_value_last_period(make_log):
    tx = make_log()
    v = customer_current_value(tx, period_days=2)  # 2020-01-08 and -09
    assert v.attrs["basis"] == "revenue"
    assert v.loc[1, "revenue"] == 17 and v.loc[2, "revenue"] == 2
    assert v.loc[1, "total_revenue"] == 32
    m = customer_current_value(tx, period_days=2, margin_rates={"dairy": 0.5}, default_rate=0.1)
    assert m.attrs["basis"] == "margin"
    assert m.loc[1, "margin"] == pytest.approx(1.0 + 3.5)  # bread 10 x 0.1 + dairy 7 x 0.5
