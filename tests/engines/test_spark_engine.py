"""The Spark engine gives exactly crmlab.rfm.rfm_summary's table and scores in the executors.

Uses the session-scoped ``spark`` fixture (skipped without pyspark unless
``CRMLAB_REQUIRE_SPARK=1``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.clv import BGNBD, GammaGamma, customer_lifetime_value
from crmlab.engines import engine_of, summary_histogram
from crmlab.errors import DataError, ParameterError
from crmlab.rfm import rfm_summary
from tests.engines.conftest import make_log

# PySpark 4.x on pandas 3: its own deprecation noise, not ours
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


def assert_same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-9)
    assert got.attrs == expected.attrs


@pytest.fixture(scope="module")
def cdnow_spark(spark, cdnow_tx):
    return spark.createDataFrame(cdnow_tx).cache()


@pytest.fixture(scope="module")
def synthetic_spark(spark, synthetic_tx):
    return spark.createDataFrame(synthetic_tx).cache()


def test_cdnow_equal_pandas(cdnow_spark, cdnow_tx):
    """CDNOW, FHL (2005) window; months and observation_end are covered on synthetic data."""
    assert engine_of(cdnow_spark) == "spark"
    window = {"time_unit": "W", "calibration_end": "1997-09-30"}
    assert_same(rfm_summary(cdnow_tx, **window), rfm_summary(cdnow_spark, **window))


@pytest.mark.parametrize(
    "window",
    [
        {"time_unit": "D", "calibration_end": "2020-06-30"},
        {"time_unit": "M", "calibration_end": "2020-02-29", "observation_end": "2020-12-31"},
        {"time_unit": "M", "observation_end": "2021-01-31"},
    ],
)
def test_synthetic_equal_pandas(synthetic_spark, synthetic_tx, window):
    assert_same(rfm_summary(synthetic_tx, **window), rfm_summary(synthetic_spark, **window))


def test_string_ids_dates_and_mapping(spark):
    tx = make_log(40, seed=5, string_ids=True)
    renamed = tx.rename(columns={"customer_id": "Kunde", "amount": "Betrag"})
    renamed["date"] = renamed["date"].dt.normalize()
    sdf = spark.createDataFrame(renamed).selectExpr("Kunde", "to_date(date) AS date", "Betrag")
    mapping = {"Kunde": "customer_id", "Betrag": "amount"}
    assert_same(rfm_summary(tx, time_unit="M"), rfm_summary(sdf, time_unit="M", columns=mapping))


def test_validation(spark, cdnow_spark):
    with pytest.raises(
        DataError, match=r"The Spark DataFrame has no 'amount' column.*found: 'customer_id', 'date'"
    ):
        rfm_summary(cdnow_spark.select("customer_id", "date"))
    with pytest.raises(ParameterError, match="calibration_end"):
        rfm_summary(cdnow_spark, calibration_end="1998-12-31")
    nulls = spark.createDataFrame(
        [(1, "2020-01-01", 1.0), (2, "2020-01-02", None)],
        "customer_id long, date string, amount double",
    )
    with pytest.raises(DataError, match="dates or timestamps"):
        rfm_summary(nulls.selectExpr("customer_id", "1 AS date", "amount"))
    for dates in (nulls, nulls.selectExpr("customer_id", "to_date(date) AS date", "amount")):
        with pytest.raises(DataError, match="missing amounts in 1 row") as info:
            rfm_summary(dates)  # ISO text dates are read as read_transactions reads them
        assert info.value.rows == [2] and info.value.column == "amount"


def test_histogram_and_scores(spark, cdnow_spark, cdnow_tx):
    from crmlab.engines.spark_engine import score, summary_frame

    window = {"time_unit": "W", "calibration_end": "1997-09-30"}
    full = rfm_summary(cdnow_tx, **window)
    hist = summary_histogram(cdnow_spark, **window)
    pd.testing.assert_frame_equal(
        hist, summary_histogram(cdnow_tx, **window), check_exact=False, rtol=1e-12
    )
    model = BGNBD().fit(hist)
    np.testing.assert_allclose(model.params_, BGNBD().fit(full).params_, rtol=1e-9)
    spend = GammaGamma().fit(full)
    scored = score(
        summary_frame(cdnow_spark, **window), model, spend, horizon=39, discount_rate=0.1
    )
    assert scored.columns == ["customer_id", "p_alive", "expected_purchases", "clv"]
    got = scored.toPandas().set_index("customer_id").sort_index()
    assert got.index.equals(full.index)
    np.testing.assert_allclose(got["p_alive"], model.probability_alive(full), rtol=1e-10)
    value = customer_lifetime_value(model, spend, full, 39, 0.1, "W")
    np.testing.assert_allclose(got["expected_purchases"], value["expected_purchases"], rtol=1e-9)
    np.testing.assert_allclose(got["clv"], value["clv"], rtol=1e-9)
