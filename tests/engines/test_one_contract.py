"""One transactions contract whatever the engine (issue 12, class 6).

The same bad file goes through pandas (``crmlab.io.read_transactions``), DuckDB
(``rfm_summary(path)``) and Spark (``rfm_summary`` of the file read by Spark): each refuses it
with the same problem, the same advice and the same column. Rows are file lines for pandas
(the header is line 1) and 1-based data rows for the engines, which do not see line breaks.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from crmlab.errors import CrmlabWarning, DataError
from crmlab.io import read_transactions
from crmlab.rfm import rfm_summary

GOOD = ["1,2011-03-01,5.0", "1,2011-03-09,7.5", "2,2011-03-02,3.0", "3,2011-03-05,4.0"]

# name: (header, data lines, problem, column, 1-based data row of the offending line)
BAD = {
    "negative amount": (
        "customer_id,date,amount",
        [*GOOD[:2], "2,2011-03-02,-3.0", *GOOD[3:]],
        "negative amounts (returns or refunds) in 1 row",
        "amount",
        3,
    ),
    "day/month date": (
        "customer_id,date,amount",
        [*GOOD[:1], "1,03/04/2011,7.5", *GOOD[2:]],
        "dates that cannot be read in 1 row",
        "date",
        2,
    ),
    "missing customer id": (
        "customer_id,date,amount",
        [*GOOD[:3], ",2011-03-05,4.0"],
        "missing customer ids in 1 row",
        "customer_id",
        4,
    ),
    "missing amount": (
        "customer_id,date,amount",
        [*GOOD[:1], "1,2011-03-09,", *GOOD[2:]],
        "missing amounts in 1 row",
        "amount",
        2,
    ),
    "decimal comma": (
        "customer_id,date,amount",
        [*GOOD[:3], '3,2011-03-05,"4,50"'],
        "amounts that are not numbers in 1 row",
        "amount",
        4,
    ),
}


def _write(tmp_path, name, header, lines):
    path = tmp_path / f"{name.replace(' ', '_').replace('/', '_')}.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _parts(err: DataError) -> tuple[str, str]:
    """(problem with its count, advice) of a crmlab row error."""
    lines = str(err).splitlines()
    return lines[0].split(": ", 1)[1].rstrip(":"), lines[-1]


@pytest.mark.parametrize("case", sorted(BAD))
def test_pandas_and_duckdb_refuse_alike(tmp_path, case):
    header, lines, problem, column, row = BAD[case]
    path = _write(tmp_path, case, header, lines)
    with pytest.raises(DataError) as pandas_err:
        read_transactions(path)
    with pytest.raises(DataError) as duck_err:
        rfm_summary(path)
    assert _parts(pandas_err.value) == _parts(duck_err.value)
    assert _parts(pandas_err.value)[0] == problem
    assert pandas_err.value.column == duck_err.value.column == column
    assert pandas_err.value.rows == [row + 1]  # file line (header is line 1)
    assert duck_err.value.rows == [row]  # data row
    assert str(path) in str(duck_err.value)


@pytest.mark.parametrize("case", sorted(BAD))
def test_spark_refuses_alike(spark, tmp_path, case):
    header, lines, problem, column, row = BAD[case]
    path = _write(tmp_path, case, header, lines)
    with pytest.raises(DataError) as pandas_err:
        read_transactions(path)
    sdf = spark.read.csv(str(path), header=True, inferSchema=True).coalesce(1)
    with pytest.raises(DataError) as spark_err:
        rfm_summary(sdf)
    assert _parts(spark_err.value) == _parts(pandas_err.value)
    assert spark_err.value.column == column and spark_err.value.rows == [row]


@pytest.mark.parametrize("returns", ["keep", "drop"])
def test_one_returns_policy(spark, tmp_path, returns):
    header, lines, *_ = BAD["negative amount"]
    path = _write(tmp_path, "returns", header, lines)
    with pytest.warns(CrmlabWarning, match="negative amount"):
        tx = read_transactions(path, returns=returns)
    expected = rfm_summary(tx, time_unit="D")
    with pytest.warns(CrmlabWarning, match=f"{'Dropped' if returns == 'drop' else 'Kept'} 1 row"):
        duck = rfm_summary(path, time_unit="D", returns=returns)
    sdf = spark.read.csv(str(path), header=True, inferSchema=True)
    with pytest.warns(CrmlabWarning, match="negative amount"):
        in_spark = rfm_summary(sdf, time_unit="D", returns=returns)
    pd.testing.assert_frame_equal(duck, expected)
    pd.testing.assert_frame_equal(in_spark, expected)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the pandas DataFrame was read already: its returns are taken as they are by default
        pd.testing.assert_frame_equal(rfm_summary(tx, time_unit="D"), expected)


def test_repeated_header_is_refused_everywhere(spark, tmp_path):
    path = _write(
        tmp_path, "repeated", "customer_id,date,amount,amount", [g + ",1.0" for g in GOOD]
    )
    for run in (read_transactions, rfm_summary):
        with pytest.raises(DataError, match=r"2 columns named 'amount' \(fields 3 and 4") as info:
            run(path)
        assert info.value.column == "amount"
        assert "Rename all but one" in str(info.value)
    # Spark renames repeated header names itself (amount2, amount3): refused as a missing column
    sdf = spark.read.csv(str(path), header=True, inferSchema=True)
    with pytest.raises(DataError, match="no 'amount' column") as info:
        rfm_summary(sdf)
    assert info.value.column == "amount"


@pytest.mark.parametrize("bad_line", [0, 2])
def test_ragged_line_is_blamed_alike_by_pandas_and_duckdb(tmp_path, bad_line):
    lines = list(GOOD)
    lines[bad_line] += ",extra"
    path = _write(tmp_path, f"ragged{bad_line}", "customer_id,date,amount", lines)
    with pytest.raises(DataError) as pandas_err:
        read_transactions(path)
    with pytest.raises(DataError) as duck_err:
        rfm_summary(path)
    assert str(duck_err.value) == str(pandas_err.value)
    assert f"line {bad_line + 2} has 4 fields but the header has 3" in str(duck_err.value)
    assert duck_err.value.rows == [bad_line + 2] and duck_err.value.column is None


def test_same_summary_from_every_engine_on_a_good_file(spark, tmp_path):
    path = _write(tmp_path, "good", "customer_id,date,amount", GOOD)
    expected = rfm_summary(read_transactions(path), time_unit="D")
    pd.testing.assert_frame_equal(rfm_summary(path, time_unit="D"), expected)
    sdf = spark.read.csv(str(path), header=True, inferSchema=True)
    pd.testing.assert_frame_equal(rfm_summary(sdf, time_unit="D"), expected)
