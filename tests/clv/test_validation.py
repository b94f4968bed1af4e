"""Holdout comparison and diagnostics tables on CDNOW."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD, MBGNBD, ParetoNBD
from crmlab.clv.validation import (
    compare_models,
    frequency_recency_matrix,
    holdout_by_frequency,
    repeat_frequency_distribution,
    tracking_data,
)
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError


@pytest.fixture(scope="module")
def bgnbd(cdnow):
    return BGNBD().fit(cdnow)


@pytest.fixture(scope="module")
def transactions():
    return load_cdnow()


def test_compare_models_table(cdnow, transactions):
    table = compare_models(
        cdnow, [BGNBD, ParetoNBD(), MBGNBD], transactions, calibration_end="1997-09-30"
    )
    assert list(table.index) == ["BGNBD", "ParetoNBD", "MBGNBD"]
    assert table.loc["BGNBD", "log_likelihood"] == pytest.approx(-9582.43, abs=0.01)
    assert table.loc["ParetoNBD", "aic"] == pytest.approx(8 + 2 * 9594.98, abs=0.01)
    assert (table["actual_total"] == cdnow["frequency_holdout"].sum()).all()
    # hand recomputation of the BG/NBD holdout errors
    pred = BGNBD().fit(cdnow).conditional_expected_purchases(39)
    err = pred - cdnow["frequency_holdout"]
    assert table.loc["BGNBD", "holdout_mae"] == pytest.approx(err.abs().mean())
    assert table.loc["BGNBD", "holdout_rmse"] == pytest.approx(np.sqrt((err**2).mean()))
    expected_pct = 100 * (pred.sum() - cdnow["frequency_holdout"].sum()) / 1882
    assert table.loc["BGNBD", "aggregate_error_pct"] == pytest.approx(expected_pct)
    # FHL (2005) Figure 2: both models track cumulative repeat sales within a few percent
    assert (table["tracking_mape"] < 5).all()


def test_tracking_data_counts_repeat_days(transactions, bgnbd):
    track = tracking_data(transactions, "1997-09-30", "W", [bgnbd])
    days = transactions.assign(day=transactions["date"].dt.normalize())[
        ["customer_id", "day"]
    ].drop_duplicates()
    n_repeat = len(days) - days["customer_id"].nunique()
    assert track["actual"].sum() == n_repeat
    assert track["actual_cumulative"].iloc[-1] == n_repeat
    assert track.index[0] == 1 and track["period_end"].iloc[0] == pd.Timestamp("1997-01-08")
    assert track["holdout"].sum() == 39
    # expected: customers acquired on day d add E[X((end - d)/7)]; check the first period
    first = days.groupby("customer_id")["day"].min()
    ages = (pd.Timestamp("1997-01-08") - first).dt.days / 7
    manual = bgnbd.expected_purchases_new_customer(ages[ages > 0].to_numpy()).sum()
    assert track["BGNBD_cumulative"].iloc[0] == pytest.approx(manual)


def test_holdout_by_frequency(cdnow, bgnbd):
    table = holdout_by_frequency(cdnow, bgnbd, max_frequency=7)
    assert table["n_customers"].sum() == 2357
    assert table.loc[0, "actual"] == pytest.approx(
        cdnow.loc[cdnow["frequency"] == 0, "frequency_holdout"].mean()
    )
    assert table["predicted"].is_monotonic_increasing


def test_repeat_frequency_distribution(cdnow, bgnbd):
    table = repeat_frequency_distribution(cdnow, bgnbd, max_frequency=7)
    assert table["actual"].sum() == 2357
    assert table["expected"].sum() == pytest.approx(2357)
    assert table.loc[0, "actual"] == 1411
    # FHL (2005) Figure 1: the BG/NBD fits the calibration histogram closely
    np.testing.assert_allclose(table["expected"], table["actual"], atol=25)


def test_frequency_recency_matrix(bgnbd):
    alive = frequency_recency_matrix(bgnbd, 39, "probability_alive", max_frequency=6)
    assert alive.shape == (7, 20)
    assert alive.iloc[0, 0] == 1.0 and np.isnan(alive.iloc[0, 1]) and np.isnan(alive.iloc[3, 0])
    # with the frequency fixed, a more recent last purchase means more likely alive
    assert (np.diff(alive.iloc[3, 1:].to_numpy()) > 0).all()
    expected = frequency_recency_matrix(bgnbd, 39, t=10, max_frequency=6)
    assert expected.iloc[6, -1] > expected.iloc[1, -1]
    with pytest.raises(ParameterError):
        frequency_recency_matrix(bgnbd, 39, "clv")


def test_compare_models_needs_holdout(cdnow):
    with pytest.raises(DataError, match="frequency_holdout"):
        compare_models(cdnow.drop(columns="frequency_holdout"), [BGNBD])
