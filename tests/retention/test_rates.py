"""Tests of retention rates, cohort tables and overdue customers on hand-made purchase logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.retention import (
    cohort_counts_table,
    cohort_retention_table,
    cohort_sizes,
    customer_periods,
    overdue_customers,
    retention_rates,
)


def _log(rows: list[tuple[int, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["amount"] = 10.0
    return frame


@pytest.fixture
def small() -> pd.DataFrame:
    # Jan: 1, 2, 3 new.  Feb: 1 retained, 4 new.  Mar: 1 and 4 retained, 2 reactivated.
    # Apr (partial, data end Apr 10): 3 reactivated.
    return _log(
        [
            (1, "2020-01-05"),
            (1, "2020-01-20"),
            (2, "2020-01-10"),
            (3, "2020-01-31"),
            (1, "2020-02-02"),
            (4, "2020-02-14"),
            (1, "2020-03-01"),
            (4, "2020-03-03"),
            (2, "2020-03-30"),
            (3, "2020-04-10"),
        ]
    )


def test_retention_rates_hand_computed(small):
    out = retention_rates(small, "M")
    assert isinstance(out.index, pd.PeriodIndex) and out.index.freqstr == "M"
    assert out.index.name == "period"
    assert out["active"].tolist() == [3, 2, 3, 1]
    assert out["retained"].tolist() == [0, 1, 2, 0]
    assert out["new"].tolist() == [3, 1, 0, 0]
    assert out["reactivated"].tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(out["retention_rate"], [np.nan, 1 / 3, 2 / 2, 0 / 3])
    np.testing.assert_allclose(out["churn_rate"], [np.nan, 2 / 3, 0.0, 1.0])
    assert out["complete"].tolist() == [True, True, True, False]
    assert small["date"].iloc[0] == pd.Timestamp("2020-01-05")  # input not mutated


def test_retention_rates_other_aliases(small):
    q = retention_rates(small, "Q")
    assert q["active"].tolist() == [4, 1]
    assert q["retention_rate"].iloc[1] == pytest.approx(1 / 4)
    w = retention_rates(small, "W")
    assert w["active"].sum() == len(customer_periods(small, "W"))
    y = retention_rates(small, "Y")
    assert y["active"].tolist() == [4]
    with pytest.raises(ParameterError, match="period"):
        retention_rates(small, "fortnight")


def test_retention_rates_gap_period_gives_nan():
    log = _log([(1, "2020-01-05"), (1, "2020-03-05")])
    out = retention_rates(log, "M")
    assert out["active"].tolist() == [1, 0, 1]
    assert np.isnan(out["retention_rate"].iloc[2])
    assert out["retention_rate"].iloc[1] == 0.0


def test_cohort_tables_hand_computed(small):
    counts = cohort_counts_table(small, "M")
    assert list(counts.index.astype(str)) == ["2020-01", "2020-02"]
    assert counts.columns.name == "periods_since_acquisition"
    expected = np.array([[3, 1, 2, 1], [1, 1, 0, np.nan]])
    np.testing.assert_array_equal(counts.to_numpy(), expected)
    shares = cohort_retention_table(small, "M")
    np.testing.assert_allclose(shares[0], 1.0)
    np.testing.assert_allclose(shares.loc[pd.Period("2020-01", "M")], [1, 1 / 3, 2 / 3, 1 / 3])
    assert np.isnan(shares.iloc[1, 3])
    assert cohort_sizes(small).tolist() == [3, 1]


def test_cohort_table_on_cdnow():
    """CDNOW: three monthly cohorts (Jan-Mar 1997) of 781, 857 and 719 customers (2,357 in all,
    Fader, Hardie & Lee 2005); the Jan-1997 cohort is observable for 18 months."""
    tx = load_cdnow()
    sizes = cohort_sizes(tx, "M")
    assert sizes.tolist() == [781, 857, 719]
    table = cohort_retention_table(tx, "M")
    assert table.shape == (3, 18)
    assert table.iloc[0].notna().sum() == 18 and table.iloc[2].notna().sum() == 16
    assert ((table.fillna(0) >= 0) & (table.fillna(0) <= 1)).all().all()
    rates = retention_rates(tx, "M")
    assert rates["new"].sum() == 2357


def test_overdue_customers(small):
    log = _log(
        [
            (1, "2020-01-01"),
            (1, "2020-01-11"),
            (1, "2020-01-21"),  # usual gap 10 days, 40 days since: overdue
            (2, "2020-01-01"),
            (2, "2020-02-20"),  # one gap of 50 days, 10 days since: on schedule
            (3, "2020-02-01"),  # one purchase: no usual gap
        ]
    )
    out = overdue_customers(log, multiple=1.5, observation_end="2020-03-01")
    assert out.loc[1, "median_gap"] == 10 and out.loc[1, "time_since_last"] == 40
    assert out.loc[1, "threshold"] == 15
    assert out.loc[1, "overdue_ratio"] == pytest.approx(4.0)
    assert bool(out.loc[1, "overdue"]) is True
    assert bool(out.loc[2, "overdue"]) is False
    assert pd.isna(out.loc[3, "overdue"])
    assert out["status"].tolist() == ["overdue", "on schedule", "too few purchases"]
    strict = overdue_customers(log, min_purchases=3, observation_end="2020-03-01")
    assert strict.loc[2, "status"] == "too few purchases"
    with pytest.raises(ParameterError, match="multiple"):
        overdue_customers(log, multiple=0)


def test_bad_transactions():
    with pytest.raises(DataError, match="date"):
        retention_rates(pd.DataFrame({"customer_id": [1]}), "M")


@pytest.mark.parametrize("value", ["garbage", "2020-02-30", 7.5, [2020], ""])
def test_overdue_observation_end_garbage_names_the_parameter(small, value):
    with pytest.raises(ParameterError) as info:
        overdue_customers(small, observation_end=value)
    assert info.value.parameter == "observation_end"


def test_lone_customer_on_the_last_day_is_not_overdue():
    lone = _log([(7, "2020-05-31")])
    out = overdue_customers(lone)
    assert out["status"].tolist() == ["too few purchases"]
    assert out["overdue"].isna().all()  # unknown, never silently True or False
    rates = retention_rates(lone)
    assert rates["active"].tolist() == [1] and rates["new"].tolist() == [1]


def test_bad_transactions_messages_come_from_the_one_contract():
    frame = _log([(1, "2020-01-05"), (2, "2020-01-10")])
    frame.loc[1, "date"] = pd.NaT
    with pytest.raises(DataError, match="missing dates in 1 row") as info:
        retention_rates(frame)
    assert info.value.rows == [1]
