"""The DuckDB engine gives exactly crmlab.rfm.rfm_summary's table, from Parquet and CSV files."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from crmlab.clv import BGNBD, GammaGamma, customer_lifetime_value
from crmlab.engines import engine_of, summary_histogram
from crmlab.engines.duckdb_engine import CustomerSummary, score_to_parquet
from crmlab.errors import DataError, ParameterError
from crmlab.rfm import rfm_summary
from tests.engines.conftest import make_log

WINDOWS = [
    {"time_unit": "W", "calibration_end": "1997-09-30"},
    {"time_unit": "D"},
    {"time_unit": "M", "calibration_end": "1997-06-30"},
    {"time_unit": "W", "observation_end": "1997-12-31", "calibration_end": "1997-03-31"},
]
SYN_WINDOWS = [
    {"time_unit": "D"},
    {"time_unit": "W", "calibration_end": "2020-06-30"},
    {"time_unit": "M"},
    {"time_unit": "M", "calibration_end": "2020-02-29", "observation_end": "2020-12-31"},
    {"time_unit": "M", "observation_end": "2020-03-31"},
]


def assert_same(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """Same index (values and dtype), columns, dtypes, attrs; values to 1e-9."""
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-9)
    assert got.attrs == expected.attrs


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("window", WINDOWS)
def test_cdnow_files_equal_pandas(cdnow_tx, cdnow_files, kind, window):
    expected = rfm_summary(cdnow_tx, **window)
    assert_same(expected, rfm_summary(cdnow_files[kind], **window))


def test_cdnow_contract_numbers(cdnow_files):
    """Contract values (DESIGN): 2,357 customers, sum(frequency) = 2,457, first T = 272/7."""
    s = rfm_summary(str(cdnow_files["parquet"]), calibration_end="1997-09-30", time_unit="W")
    assert len(s) == 2357
    assert s["frequency"].sum() == 2457
    assert s["T"].iloc[0] == pytest.approx(272 / 7, abs=1e-12)


@pytest.mark.parametrize("window", SYN_WINDOWS)
@pytest.mark.parametrize("kind", ["glob", "csv"])
def test_synthetic_equal_pandas(synthetic_tx, synthetic_files, window, kind):
    expected = rfm_summary(synthetic_tx, **window)
    got = rfm_summary(synthetic_files[kind], **window)
    assert_same(expected, got)
    if "calibration_end" in window:
        assert got.attrs["n_customers_excluded"] > 0


def test_same_day_and_month_ends(synthetic_tx, synthetic_files):
    """The edge customer: days 2020-01-31, 02-29 (twice), 03-31, 2021-02-28 -> 3 repeat days."""
    s = rfm_summary(synthetic_files["glob"], time_unit="M")
    edge = s.loc[synthetic_tx["customer_id"].max()]
    assert edge["frequency"] == 3
    # Jan 31 -> Feb 28 2021: 12 whole months to Jan 31 2021, then 28 of the 28 days to Feb 28
    assert edge["recency"] == pytest.approx(13.0, abs=1e-12)
    assert edge["monetary_value"] == pytest.approx((10.0 + 4.0 + 3.0) / 3)


def test_string_ids_and_column_mapping(tmp_path):
    tx = make_log(60, seed=3, string_ids=True)
    renamed = tx.rename(columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"})
    path = tmp_path / "log.parquet"
    renamed.to_parquet(path)
    mapping = {"Kunde": "customer_id", "Datum": "date", "Betrag": "amount"}
    got = rfm_summary(path, time_unit="W", columns=mapping)
    expected = rfm_summary(tx, time_unit="W")
    assert_same(expected, got)
    assert_same(expected, rfm_summary(renamed, time_unit="W", columns=mapping))


def test_missing_columns_named(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"customer_id": [1], "when": pd.to_datetime(["2020-01-01"])}).to_parquet(path)
    with pytest.raises(
        DataError, match=r"no 'date', 'amount' columns.*Columns found: 'customer_id', 'when'"
    ) as info:
        rfm_summary(path)
    assert info.value.column == "date"


def test_bad_windows_and_units(cdnow_files):
    with pytest.raises(ParameterError, match="calibration_end"):
        rfm_summary(cdnow_files["parquet"], calibration_end="1990-01-01")
    with pytest.raises(ParameterError, match="calibration_end"):
        rfm_summary(cdnow_files["parquet"], calibration_end="not a date")
    with pytest.raises(ParameterError, match="observation_end"):
        rfm_summary(cdnow_files["parquet"], observation_end="1990-01-01")
    with pytest.raises(ParameterError, match="time_unit"):
        rfm_summary(cdnow_files["parquet"], time_unit="Y")


def test_null_values_and_types(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, None, 4, None],
            "date": pd.to_datetime(["2020-01-01"] * 5),
            "amount": [1.0] * 5,
        }
    )
    frame.to_parquet(tmp_path / "nulls.parquet")
    with pytest.raises(DataError, match="missing customer ids in 2 rows") as info:
        rfm_summary(tmp_path / "nulls.parquet")
    assert info.value.column == "customer_id" and info.value.rows == [3, 5]  # 1-based rows
    # ISO text dates are read as read_transactions reads them; other text dates are refused
    frame.assign(customer_id=1, date="2020-01-01").to_parquet(tmp_path / "text.parquet")
    pd.testing.assert_frame_equal(
        rfm_summary(tmp_path / "text.parquet"),
        rfm_summary(frame.assign(customer_id=1, date=pd.to_datetime(["2020-01-01"] * 5))),
    )
    frame.assign(customer_id=1, date="01/02/2020").to_parquet(tmp_path / "us.parquet")
    with pytest.raises(DataError, match="dates that cannot be read in 5 rows"):
        rfm_summary(tmp_path / "us.parquet")
    frame.assign(customer_id=1, date=pd.Timestamp("2020-01-01", tz="UTC")).to_parquet(
        tmp_path / "tz.parquet"
    )
    with pytest.raises(DataError, match="dates or timestamps without time zone"):
        rfm_summary(tmp_path / "tz.parquet")
    with pytest.raises(DataError, match="cannot read"):
        rfm_summary(str(tmp_path / "nothing-*.parquet"))
    with pytest.raises(ParameterError, match="file format"):
        rfm_summary(str(tmp_path / "log.xlsx"))


def test_engine_dispatch_and_lazy_pyspark():
    assert engine_of("x.parquet") == "duckdb"
    assert engine_of(["a.csv", "b.csv"]) == "duckdb"
    assert engine_of(pd.DataFrame()) == "pandas"
    code = "import sys, crmlab, crmlab.rfm, crmlab.engines; print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_histogram_fit_equals_full_fit(cdnow_tx, cdnow_files):
    window = {"time_unit": "W", "calibration_end": "1997-09-30"}
    full = rfm_summary(cdnow_tx, **window)
    hist = summary_histogram(cdnow_files["parquet"], **window)
    assert hist.columns.tolist() == ["frequency", "recency", "T", "weight"]
    assert hist["weight"].sum() == len(full)
    assert len(hist) == len(full.drop_duplicates(["frequency", "recency", "T"]))
    assert_same_hist = summary_histogram(cdnow_tx, **window)
    pd.testing.assert_frame_equal(hist, assert_same_hist, check_exact=False, rtol=1e-12)
    a, b = BGNBD().fit(full), BGNBD().fit(hist)
    np.testing.assert_allclose(b.params_, a.params_, rtol=1e-9)
    assert b.log_likelihood_ == pytest.approx(a.log_likelihood_, rel=1e-12)
    assert b.n_customers_ == len(full)
    # FHL (2005) Table: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 on this window
    np.testing.assert_allclose(b.params_, [0.243, 4.414, 0.793, 2.426], rtol=2e-3)
    spend = summary_histogram(cdnow_files["csv"], by=("frequency", "monetary_value"), **window)
    g_full, g_hist = GammaGamma().fit(full), GammaGamma().fit(spend)
    # DuckDB sums spend in parallel, in a thread-dependent order: monetary_value differs from
    # pandas in the last bits, so the optimiser stops at a point equal within its tolerance
    # (seen: 3.7e-7 relative on p and gamma); the likelihood itself is the same to 1e-11.
    assert g_hist.log_likelihood_ == pytest.approx(g_full.log_likelihood_, rel=1e-11)
    np.testing.assert_allclose(g_hist.params_, g_full.params_, rtol=1e-5)
    local = summary_histogram(cdnow_tx, by=("frequency", "monetary_value"), **window)
    np.testing.assert_allclose(GammaGamma().fit(local).params_, g_full.params_, rtol=1e-12)


def test_customer_summary_histogram_then_scores(cdnow_tx, cdnow_files, tmp_path):
    """The histogram's distinct rows, kept in DuckDB and scored again, give the local scores of
    every customer; the histogram equals the pandas engine's."""
    window = {"time_unit": "W", "calibration_end": "1997-09-30"}
    full = rfm_summary(cdnow_tx, **window)
    with CustomerSummary(cdnow_files["parquet"], **window) as summary:
        hist = summary.histogram()
        pd.testing.assert_frame_equal(hist, summary_histogram(cdnow_tx, **window))
        spend_hist = summary.histogram(("frequency", "monetary_value"))
        model = BGNBD().fit(hist)
        spend = GammaGamma().fit(full)
        out = summary.score_to_parquet(
            tmp_path / "s.parquet", model, spend, horizon=39, batch_size=300
        )
    assert len(spend_hist) < len(full)
    scores = pd.read_parquet(out).set_index("customer_id").sort_index()
    assert scores.index.equals(full.index)
    np.testing.assert_allclose(scores["p_alive"], model.probability_alive(full), rtol=1e-12)
    value = customer_lifetime_value(model, spend, full, 39, 0.1, "W")
    np.testing.assert_allclose(
        scores["expected_purchases"], value["expected_purchases"], rtol=1e-10
    )
    np.testing.assert_allclose(scores["clv"], value["clv"], rtol=1e-10)


def test_score_to_parquet_matches_local_scores(cdnow_tx, cdnow_files, tmp_path):
    window = {"time_unit": "W", "calibration_end": "1997-09-30"}
    full = rfm_summary(cdnow_tx, **window)
    model = BGNBD().fit(full)
    spend = GammaGamma().fit(full)
    out = score_to_parquet(
        cdnow_files["parquet"],
        tmp_path / "scores.parquet",
        model,
        spend,
        horizon=39,
        discount_rate=0.1,
        batch_size=500,  # several batches
        **window,
    )
    assert pq.ParquetFile(out).metadata.num_row_groups >= 2  # DuckDB rounds up to 2048 rows
    scores = pd.read_parquet(out).set_index("customer_id").sort_index()
    assert scores.columns.tolist() == ["p_alive", "expected_purchases", "clv"]
    assert scores.index.equals(full.index)
    np.testing.assert_allclose(scores["p_alive"], model.probability_alive(full), rtol=1e-12)
    np.testing.assert_allclose(
        scores["expected_purchases"], model.conditional_expected_purchases(39, full), rtol=1e-10
    )
    value = customer_lifetime_value(model, spend, full, 39, 0.1, "W")
    np.testing.assert_allclose(scores["clv"], value["clv"], rtol=1e-10)
    plain = score_to_parquet(
        cdnow_files["csv"], tmp_path / "p.parquet", model, horizon=10, **window
    )
    assert pd.read_parquet(plain).columns.tolist() == [
        "customer_id",
        "p_alive",
        "expected_purchases",
    ]
    with pytest.raises(ParameterError, match="horizon"):
        score_to_parquet(cdnow_files["csv"], tmp_path / "x.parquet", model, horizon=-1)
