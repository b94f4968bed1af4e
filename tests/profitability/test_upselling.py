"""Tests of crmlab.profitability.upselling: basket-value trends per customer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.profitability import (
    upselling_summary,
    upselling_trends,
)


def test_upselling_trends_exact_lines():
    days = pd.date_range("2020-01-01", periods=6, freq="7D")
    up = pd.DataFrame({"customer_id": 1, "date": days, "amount": 10.0 + 2 * np.arange(6)})
    down = pd.DataFrame({"customer_id": 2, "date": days, "amount": 30.0 - np.arange(6)})
    noisy = pd.DataFrame({"customer_id": 3, "date": days, "amount": [10.0, 20, 10, 20, 10, 20]})
    few = pd.DataFrame({"customer_id": 4, "date": days[:2], "amount": [1.0, 2]})
    tx = pd.concat([up, down, noisy, few], ignore_index=True)
    t = upselling_trends(tx, basket_column=None, min_baskets=4)
    assert t.loc[1, "slope"] == pytest.approx(2.0) and t.loc[1, "trend"] == "up"
    assert t.loc[2, "slope"] == pytest.approx(-1.0) and t.loc[2, "trend"] == "down"
    assert t.loc[3, "trend"] == "stable" and t.loc[3, "slope_lower"] < 0 < t.loc[3, "slope_upper"]
    assert t.loc[4, "trend"] == "too few baskets" and np.isnan(t.loc[4, "slope"])
    assert t.loc[1, "relative_slope"] == pytest.approx(2 / 15)
    s = upselling_summary(t)
    assert s["customers"].sum() == 4 and s.loc["up", "customers"] == 1


def test_upselling_interval_at_alpha_and_deprecated_level():
    from scipy import stats

    days = pd.date_range("2020-01-01", periods=6, freq="7D")
    amounts = np.array([10.0, 14, 11, 17, 15, 19])
    tx = pd.DataFrame({"customer_id": 1, "date": days, "amount": amounts})
    fit = stats.linregress(np.arange(6.0), amounts)  # weeks since the first date
    for alpha in (0.05, 0.3):
        t = upselling_trends(tx, basket_column=None, alpha=alpha).loc[1]
        half = stats.t.ppf(1 - alpha / 2, 4) * fit.stderr
        assert t["slope"] == pytest.approx(fit.slope)
        assert (t["slope_lower"], t["slope_upper"]) == pytest.approx(
            (fit.slope - half, fit.slope + half)
        )
    with pytest.warns(DeprecationWarning, match="upselling_trends"):
        old = upselling_trends(tx, basket_column=None, level=0.7)
    pd.testing.assert_frame_equal(old, upselling_trends(tx, basket_column=None, alpha=0.3))
