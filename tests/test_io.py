"""Tests of crmlab.io: reading, mapping, typing and validating transactions and other tables."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.api import types as ptypes

from crmlab._paths import data_file
from crmlab.datasets import load_cdnow
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.io import (
    check_in_range,
    check_not_null,
    check_numeric,
    line_numbers,
    read_table,
    read_transactions,
    require_columns,
    row_error,
)

GERMAN = {"Kunde": "customer_id", "Datum": "date", "Umsatz": "amount"}


def write(folder: Path, name: str, text: str | bytes, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_contract(tx: pd.DataFrame) -> None:
    """The transactions contract (contract.md)."""
    assert list(tx.columns[:3]) == ["customer_id", "date", "amount"]
    ids = tx["customer_id"]
    assert ids.dtype == np.int64 or (
        ptypes.is_string_dtype(ids.dtype) and not ptypes.is_object_dtype(ids.dtype)
    )
    assert tx["date"].dtype == np.dtype("datetime64[ns]")
    assert tx["amount"].dtype == np.float64
    assert not tx[["customer_id", "date", "amount"]].isna().any().any()
    assert np.isfinite(tx["amount"]).all()
    assert isinstance(tx.index, pd.RangeIndex) and tx.index.start == 0 and len(tx) > 0
    if "quantity" in tx.columns:
        assert tx["quantity"].dtype in (np.int64, np.float64)
    codes = ids.to_numpy() if ids.dtype == np.int64 else pd.factorize(ids, sort=True)[0]
    order = np.lexsort((tx["date"].to_numpy().view("int64"), codes))
    assert (order == np.arange(len(tx))).all()


# ---------------------------------------------------------------------------------------------
# Happy paths
# ---------------------------------------------------------------------------------------------


def test_cdnow_round_trip_equals_load_cdnow():
    path = data_file("cdnow_sample.csv")
    before = digest(path)
    with pytest.warns(CrmlabWarning) as caught:
        tx = read_transactions(path)
    messages = [str(w.message) for w in caught]
    assert any("21 rows repeating an earlier row" in m for m in messages)
    assert any("Kept 8 rows with a zero amount" in m for m in messages)
    assert_contract(tx)
    expected = load_cdnow()
    expected["date"] = expected["date"].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(tx, expected)
    assert digest(path) == before


def test_mapping_semicolons_and_decimal_comma(tmp_path):
    path = write(
        tmp_path,
        "umsatz.csv",
        "Kunde;Datum;Umsatz;Filiale\n 12 ;2024-03-01;12,50;Nord\n3;2024-01-05;1.234,00;Süd\n",
    )
    tx = read_transactions(path, GERMAN, decimal=",", thousands=".")
    assert_contract(tx)
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "Filiale"]
    assert tx["customer_id"].tolist() == [3, 12]
    assert tx["amount"].tolist() == [1234.0, 12.5]
    assert tx["Filiale"].tolist() == ["Süd", "Nord"]
    assert tx.attrs["crmlab_column_names"] == {v: k for k, v in GERMAN.items()}


def test_string_ids_keep_leading_zeros_and_are_stripped(tmp_path):
    path = write(
        tmp_path, "ids.csv", "customer_id,date,amount\n007 ,2024-01-01,1\nA1,2024-01-01,2\n"
    )
    tx = read_transactions(path)
    assert ptypes.is_string_dtype(tx["customer_id"].dtype)
    assert tx["customer_id"].tolist() == ["007", "A1"]


def test_integral_float_ids_become_int64():
    frame = pd.DataFrame(
        {"customer_id": [2.0, 1.0], "date": ["2024-01-01", "2024-01-02"], "amount": [1, 2]}
    )
    tx = read_transactions(frame)
    assert tx["customer_id"].dtype == np.int64
    assert tx["customer_id"].tolist() == [1, 2]


def test_optional_columns_are_typed(tmp_path):
    path = write(
        tmp_path,
        "opt.csv",
        "customer_id,date,amount,quantity,product,channel,note\n"
        "1,2024-01-01,1.5,2, cd ,web,x\n1,2024-01-02,2,3,,store,y\n",
    )
    tx = read_transactions(path)
    assert tx.columns.tolist() == [
        "customer_id",
        "date",
        "amount",
        "quantity",
        "product",
        "channel",
        "note",
    ]
    assert tx["quantity"].dtype == np.int64
    assert tx["product"].tolist()[0] == "cd" and pd.isna(tx["product"].tolist()[1])
    assert ptypes.is_string_dtype(tx["channel"].dtype)
    with_gap = write(
        tmp_path, "gap.csv", "customer_id,date,amount,quantity\n1,2024-01-01,1,\n1,2024-01-02,1,2\n"
    )
    assert read_transactions(with_gap)["quantity"].dtype == np.float64


def test_csv_parquet_and_dataframe_give_equal_frames(tmp_path):
    frame = pd.DataFrame(
        {
            "Kunde": [5, 2, 5, 2],
            "Datum": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-15", "2024-03-01"]),
            "Umsatz": [10.0, 20.5, 30.25, 1.0],
            "category": ["a", "b", "a", "c"],
            "extra": [1, 2, 3, 4],
        }
    )
    csv_path = tmp_path / "tx.csv"
    frame.to_csv(csv_path, index=False)
    pq_path = tmp_path / "tx.parquet"
    frame.to_parquet(pq_path, index=False)
    gz_path = tmp_path / "tx.csv.gz"
    gz_path.write_bytes(gzip.compress(csv_path.read_bytes()))
    from_csv = read_transactions(csv_path, GERMAN)
    from_pq = read_transactions(pq_path, GERMAN)
    from_frame = read_transactions(frame, GERMAN)
    from_gz = read_transactions(gz_path, GERMAN)
    assert_contract(from_csv)
    for other in (from_pq, from_frame, from_gz):
        pd.testing.assert_frame_equal(from_csv, other, check_dtype=False)
        assert other.dtypes.iloc[:3].tolist() == from_csv.dtypes.iloc[:3].tolist()
    assert from_csv["customer_id"].tolist() == [2, 2, 5, 5]
    assert line_numbers(from_csv).tolist() == [3, 5, 4, 2]
    assert line_numbers(from_pq).tolist() == [2, 4, 3, 1]
    assert line_numbers(from_frame).tolist() == [1, 3, 2, 0]


def test_sort_is_stable_for_equal_keys():
    frame = pd.DataFrame(
        {
            "customer_id": ["b", "a", "b", "a"],
            "date": ["2024-01-01"] * 4,
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    tx = read_transactions(frame)
    assert tx["customer_id"].tolist() == ["a", "a", "b", "b"]
    assert tx["amount"].tolist() == [2.0, 4.0, 1.0, 3.0]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("semi.csv", "customer_id;date;amount\n1;2024-01-01;1.5\n2;2024-01-02;2\n"),
        ("tab.tsv", "customer_id\tdate\tamount\n1\t2024-01-01\t1.5\n2\t2024-01-02\t2\n"),
        ("pipe.txt", "customer_id|date|amount\n1|2024-01-01|1.5\n2|2024-01-02|2\n"),
    ],
)
def test_delimiter_is_sniffed(tmp_path, name, text):
    tx = read_transactions(write(tmp_path, name, text))
    assert tx["amount"].tolist() == [1.5, 2.0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_byte_order_mark_files(tmp_path, encoding):
    text = "\ufeffcustomer_id,date,amount\n1,2024-01-01,3\n"
    if encoding == "utf-16":
        text = text[1:]  # Python's utf-16 codec writes the byte-order mark itself
    tx = read_transactions(write(tmp_path, "bom.csv", text, encoding=encoding))
    assert tx.columns.tolist() == ["customer_id", "date", "amount"]
    assert tx["amount"].tolist() == [3.0]


def test_zip_archive_with_one_file(tmp_path):
    import zipfile

    path = tmp_path / "tx.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("tx.csv", "customer_id,date,amount\n1,2024-01-01,3\n")
    assert read_transactions(path)["amount"].tolist() == [3.0]
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("other.csv", "x\n")
    with pytest.raises(DataError, match="holds 2 files"):
        read_transactions(path)


def test_latin1_file_raises_and_reads_with_encoding(tmp_path):
    text = "customer_id,date,amount,name\n1,2024-01-01,3,Meyer\n2,2024-01-01,3,Müller\n"
    path = write(tmp_path, "latin.csv", text, encoding="latin-1")
    with pytest.raises(DataError, match="not UTF-8") as info:
        read_transactions(path)
    message = str(info.value)
    assert "line 3" in message and "encoding='cp1252'" in message and "Müller" in message
    assert info.value.rows == [3]
    tx = read_transactions(path, encoding="latin-1")
    assert tx["name"].tolist() == ["Meyer", "Müller"]


def test_dates_iso_datetimes_and_timezones():
    frame = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 1],
            "date": [
                "2024-01-01",
                "2024-01-01 10:30:00",
                "2024-01-01T23:00:00-05:00",
                "2024-01-02T08:00:00+02:00",
            ],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    tx = read_transactions(frame)
    # offsets are converted to UTC, naive stamps are taken as they are
    assert (
        tx["date"].tolist()
        == pd.to_datetime(
            ["2024-01-01", "2024-01-01 10:30", "2024-01-02 04:00", "2024-01-02 06:00"],
            format="ISO8601",
        ).tolist()
    )
    aware = pd.DataFrame(
        {
            "customer_id": [1, 2],
            "date": pd.to_datetime(["2024-01-01 12:00", "2024-06-01 12:00"]).tz_localize(
                "Europe/Berlin"
            ),
            "amount": [1.0, 2.0],
        }
    )
    tx = read_transactions(aware)
    assert tx["date"].dtype == np.dtype("datetime64[ns]")
    assert tx["date"].tolist() == pd.to_datetime(["2024-01-01 11:00", "2024-06-01 10:00"]).tolist()


def test_date_format_and_dayfirst():
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["31.01.2024", "01.02.2024"], "amount": [1.0, 2.0]}
    )
    expected = pd.to_datetime(["2024-01-31", "2024-02-01"]).tolist()
    assert read_transactions(frame, date_format="%d.%m.%Y")["date"].tolist() == expected
    assert read_transactions(frame, dayfirst=True)["date"].tolist() == expected
    numbers = pd.DataFrame({"customer_id": [1], "date": [19970131], "amount": [1.0]})
    assert read_transactions(numbers, date_format="%Y%m%d")["date"].iloc[0] == pd.Timestamp(
        "1997-01-31"
    )


def test_currency_symbol_is_accepted_when_one_symbol():
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01"] * 2, "amount": ["$12", "3.5 $"]}
    )
    assert read_transactions(frame)["amount"].tolist() == [12.0, 3.5]


def test_input_frame_not_mutated_and_file_unchanged(tmp_path):
    frame = pd.DataFrame(
        {"Kunde": ["2", "1"], "Datum": ["2024-01-02", "2024-01-01"], "Umsatz": ["1", "-2"]},
        index=[10, 11],
    )
    copy = frame.copy()
    with pytest.warns(CrmlabWarning):
        read_transactions(frame, GERMAN, returns="drop")
    pd.testing.assert_frame_equal(frame, copy)
    assert frame.attrs == {}
    path = write(tmp_path, "tx.csv", "Kunde,Datum,Umsatz\n1,2024-01-01,1\n1,2024-13-01,2\n")
    before = digest(path)
    with pytest.raises(DataError):
        read_transactions(path, GERMAN)
    read_transactions(path, GERMAN, date_format="%Y-%d-%m")
    assert digest(path) == before


# ---------------------------------------------------------------------------------------------
# Returns and duplicates
# ---------------------------------------------------------------------------------------------

RETURNS = "customer_id,date,amount\n1,2024-01-01,10\n1,2024-01-02,-4\n2,2024-01-01,5\n"


def test_returns_error_by_default(tmp_path):
    with pytest.raises(DataError, match="negative amounts") as info:
        read_transactions(write(tmp_path, "r.csv", RETURNS))
    assert info.value.column == "amount"
    assert info.value.rows == [3]
    assert "returns='keep'" in str(info.value) and "returns='drop'" in str(info.value)


def test_returns_keep_and_drop(tmp_path):
    path = write(tmp_path, "r.csv", RETURNS)
    with pytest.warns(
        CrmlabWarning, match=r"Kept 1 row with a negative amount \(returns\) \(line 3\)"
    ):
        kept = read_transactions(path, returns="keep")
    assert kept["amount"].tolist() == [10.0, -4.0, 5.0]
    with pytest.warns(CrmlabWarning, match=r"Dropped 1 row with a negative amount"):
        dropped = read_transactions(path, returns="drop")
    assert dropped["amount"].tolist() == [10.0, 5.0]
    assert line_numbers(dropped).tolist() == [2, 4]


def test_duplicates_keep_and_drop(tmp_path):
    text = "customer_id,date,amount\n1,2024-01-01,10\n1,2024-01-01,10\n1,2024-01-01,10\n2,2024-01-01,10\n"
    path = write(tmp_path, "d.csv", text)
    with pytest.warns(CrmlabWarning, match=r"Found 2 rows repeating an earlier row.*lines 3, 4"):
        kept = read_transactions(path)
    assert len(kept) == 4
    with pytest.warns(CrmlabWarning, match=r"Dropped 2 rows repeating"):
        dropped = read_transactions(path, duplicates="drop")
    assert len(dropped) == 2
    assert line_numbers(dropped).tolist() == [2, 5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_transactions(write(tmp_path, "u.csv", RETURNS.replace("-4", "4")))


def test_bad_options_raise_parameter_error(tmp_path):
    path = write(tmp_path, "r.csv", RETURNS)
    with pytest.raises(ParameterError, match="returns='maybe'"):
        read_transactions(path, returns="maybe")
    with pytest.raises(ParameterError, match="duplicates"):
        read_transactions(path, duplicates="remove")
    with pytest.raises(ParameterError, match="Did you mean 'amount'"):
        read_transactions(path, {"amount": "amout"})
    with pytest.raises(ParameterError, match="map only one"):
        read_transactions(path, {"amount": "amount", "date": "amount"})
    with pytest.raises(ParameterError, match="decimal"):
        read_transactions(path, sep=",", decimal=",")


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


def test_missing_required_column_lists_columns_and_suggests_mapping(tmp_path):
    path = write(tmp_path, "m.csv", "Kunde,Datum,Umsatz\n1,2024-01-01,3\n")
    with pytest.raises(DataError) as info:
        read_transactions(path)
    message = str(info.value)
    assert info.value.column == "customer_id"
    assert "Columns found: 'Kunde', 'Datum', 'Umsatz'" in message
    assert "columns={'Kunde': 'customer_id', 'Datum': 'date', 'Umsatz': 'amount'}" in message
    path = write(tmp_path, "m2.csv", "customer_id,order_date,amount\n1,2024-01-01,3\n")
    with pytest.raises(DataError, match=r"columns=\{'order_date': 'date'\}") as info:
        read_transactions(path)
    assert info.value.column == "date"


def test_mapping_key_not_in_file_suggests_close_match(tmp_path):
    path = write(tmp_path, "m.csv", "Kunde,Datum,Umsatz\n1,2024-01-01,3\n")
    with pytest.raises(DataError, match="Did you mean 'Umsatz'") as info:
        read_transactions(path, {"Kunde": "customer_id", "Datum": "date", "Umsaz": "amount"})
    assert info.value.column == "Umsaz"
    assert "Columns found: 'Kunde', 'Datum', 'Umsatz'" in str(info.value)


def test_unparseable_dates_name_lines_and_advice(tmp_path):
    text = "Kunde,Datum,Umsatz\n1,2024-01-01,3\n\n2,1/18/2024,4\n3,1/19/2024,5\n"
    with pytest.raises(DataError, match="dates that cannot be read in 2 rows") as info:
        read_transactions(write(tmp_path, "d.csv", text), GERMAN)
    message = str(info.value)
    assert info.value.column == "Datum" and info.value.rows == [4, 5]
    assert "Column 'Datum' (read as 'date')" in message
    assert "line 4: '1/18/2024'" in message
    assert "date_format='%m/%d/%Y'" in message and "dayfirst=True" in message


def test_more_than_five_offending_rows_are_counted(tmp_path):
    rows = "".join(f"{i},2024-01-{i:02d},x{i}\n" for i in range(1, 9))
    with pytest.raises(DataError) as info:
        read_transactions(write(tmp_path, "a.csv", "customer_id,date,amount\n" + rows))
    message = str(info.value)
    assert "amounts that are not numbers in 8 rows" in message
    assert info.value.rows == [2, 3, 4, 5, 6]
    assert "... and 3 more" in message and "line 7: 'x6'" not in message


@pytest.mark.parametrize(
    ("value", "advice"),
    [("12,50", "decimal=','"), ("1,234.50", "thousands=','"), ("twelve", "fix or remove")],
)
def test_non_numeric_amounts_say_why(tmp_path, value, advice):
    text = f'customer_id;date;amount\n1;2024-01-01;3\n2;2024-01-01;"{value}"\n'
    with pytest.raises(DataError, match="amounts that are not numbers") as info:
        read_transactions(write(tmp_path, "a.csv", text))
    assert info.value.column == "amount" and info.value.rows == [3]
    assert repr(value) in str(info.value) and advice in str(info.value)


def test_mixed_currencies_raise():
    frame = pd.DataFrame(
        {"customer_id": [1, 2, 3], "date": ["2024-01-01"] * 3, "amount": ["$1", "$2", "€3"]}
    )
    with pytest.raises(DataError, match="mixes currency symbols") as info:
        read_transactions(frame)
    assert info.value.rows == [2]


@pytest.mark.parametrize(
    ("text", "column", "problem", "rows"),
    [
        (
            "customer_id,date,amount\n1,2024-01-01,3\n ,2024-01-01,4\n",
            "customer_id",
            "missing customer ids",
            [3],
        ),
        ("customer_id,date,amount\n1,,3\n2,2024-01-01,4\n", "date", "missing dates", [2]),
        (
            "customer_id,date,amount\n1,2024-01-01,\n2,2024-01-01,4\n",
            "amount",
            "missing amounts",
            [2],
        ),
        ("customer_id,date,amount\n1,2024-01-01,inf\n", "amount", "infinite amounts", [2]),
        ("customer_id,date,amount\n1,3024-01-01,1\n", "date", "outside the years 1677-2262", [2]),
        ("customer_id,date,amount,quantity\n1,2024-01-01,1,two\n", "quantity", "quantities", [2]),
    ],
)
def test_missing_and_invalid_values(tmp_path, text, column, problem, rows):
    with pytest.raises(DataError, match=problem) as info:
        read_transactions(write(tmp_path, "v.csv", text))
    assert info.value.column == column
    assert info.value.rows == rows


def test_line_numbers_count_blank_lines_and_quoted_line_breaks(tmp_path):
    text = 'customer_id,date,amount,note\n\n1,2024-01-01,1,"two\nlines"\n\n2,2024-01-01,oops,x\n'
    with pytest.raises(DataError) as info:
        read_transactions(write(tmp_path, "q.csv", text))
    assert info.value.rows == [6]


def test_dataframe_errors_show_index_labels():
    frame = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01", "someday"], "amount": [1, 2]},
        index=["a", "b"],
    )
    with pytest.raises(DataError, match="index 'b': 'someday'") as info:
        read_transactions(frame)
    assert info.value.rows == ["b"]


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(DataError, match=r"empty \(0 bytes\)"):
        read_transactions(write(tmp_path, "e.csv", ""))
    with pytest.raises(DataError, match="has a header .* but no data rows"):
        read_transactions(write(tmp_path, "h.csv", "customer_id,date,amount\n"))
    with pytest.raises(DataError, match="no data rows"):
        read_transactions(pd.DataFrame(columns=["customer_id", "date", "amount"]))


def test_wrong_delimiter_is_named(tmp_path):
    path = write(tmp_path, "s.csv", "customer_id;date;amount\n1;2024-01-01;3\n")
    with pytest.raises(DataError, match=r"one single column.*Pass sep=';'") as info:
        read_transactions(path, sep=",")
    assert info.value.column == "customer_id;date;amount"


def test_file_not_found_unsupported_and_corrupt(tmp_path):
    write(tmp_path, "transactions.csv", "customer_id,date,amount\n1,2024-01-01,3\n")
    with pytest.raises(DataError, match="File not found.*Similar files.*'transactions.csv'"):
        read_transactions(tmp_path / "transaction.csv")
    with pytest.raises(DataError, match="unsupported file type.*read_excel"):
        read_transactions(write(tmp_path, "t.xlsx", b"PK\x03\x04"))
    with pytest.raises(DataError, match="as Parquet"):
        read_transactions(write(tmp_path, "t.parquet", b"PAR1 not really parquet"))
    with pytest.raises(DataError, match="Cannot decompress"):
        read_transactions(write(tmp_path, "t.csv.gz", b"not gzip"))
    with pytest.raises(DataError, match="a folder"):
        read_transactions(tmp_path)
    with pytest.raises(ParameterError, match="source"):
        read_transactions(42)  # type: ignore[arg-type]


def test_clashing_mapping_target(tmp_path):
    path = write(tmp_path, "c.csv", "customer_id,Kunde,date,amount\n1,2,2024-01-01,3\n")
    with pytest.raises(DataError, match="already has a column 'customer_id'"):
        read_transactions(path, {"Kunde": "customer_id"})


# ---------------------------------------------------------------------------------------------
# read_table and the check_* helpers
# ---------------------------------------------------------------------------------------------


def test_read_table_and_checks_point_at_file_lines(tmp_path):
    text = "Befragter,Zufriedenheit,Alter\n1,7,30\n2,,41\n3,12,x\n4,9,50\n"
    path = write(tmp_path, "survey.csv", text)
    survey = read_table(
        path, ["respondent_id", "sat"], {"Befragter": "respondent_id", "Zufriedenheit": "sat"}
    )
    assert survey.columns.tolist() == ["respondent_id", "sat", "Alter"]
    with pytest.raises(DataError, match="missing values") as info:
        check_not_null(survey, "sat")
    assert info.value.column == "Zufriedenheit" and info.value.rows == [3]
    with pytest.raises(DataError, match="values outside the range 0 to 10") as info:
        check_in_range(survey, "sat", 0, 10)
    assert info.value.rows == [4]
    assert "line 4: 12.0" in str(info.value)
    # line numbers survive filtering and re-ordering (attrs travel with the frame)
    subset = survey[survey["respondent_id"] > 2].iloc[::-1]
    with pytest.raises(DataError, match="not numbers") as info:
        check_numeric(subset, "Alter")
    assert info.value.rows == [4]
    assert check_numeric(survey.iloc[[0, 3]], "Alter").tolist() == [30.0, 50.0]
    assert check_numeric(survey.iloc[[0, 3]], "Alter", integer=True).dtype == np.int64
    assert check_numeric(survey, "sat", allow_null=True, integer=True).dtype == np.float64
    assert line_numbers(survey).tolist() == [2, 3, 4, 5]
    # concatenating frames that share the map keeps working
    both = pd.concat([survey.iloc[:2], survey.iloc[2:]])
    assert line_numbers(both).tolist() == [2, 3, 4, 5]
    with pytest.raises(DataError, match="has no 'weight' column"):
        require_columns(survey, ["weight"])
    with pytest.raises(DataError, match="has no 'score' column.*Columns found"):
        read_table(path, ["score"])


def test_row_error_on_plain_frame():
    frame = pd.DataFrame({"score": [3, 12, 14]}, index=[10, 20, 30])
    err = row_error(frame, frame["score"] > 10, "score", "scores above 10", "Fix them.")
    assert isinstance(err, DataError)
    assert err.rows == [20, 30] and err.column == "score"
    assert str(err) == (
        "Column 'score': scores above 10 in 2 rows:\n  index 20: 12\n  index 30: 14\nFix them."
    )


# ---------------------------------------------------------------------------------------------
# Property tests: malformed input gives a contract frame or a DataError, nothing else
# ---------------------------------------------------------------------------------------------

_COLUMNS = ["customer_id", "date", "amount", "quantity", "product", "category", "channel", "other"]
_TEXT = st.text(alphabet="0123456789-.,:/ $€aZT+", max_size=12)
_MIXED = st.one_of(
    st.none(),
    st.just(np.nan),
    st.just(""),
    _TEXT,
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC, dt.timezone(dt.timedelta(hours=-5))])),
    st.dates(),
)
_GOOD = {
    "customer_id": st.one_of(st.integers(0, 5), st.sampled_from(["a", "007", " b ", "12", 3.0])),
    "date": st.one_of(
        st.sampled_from(["2024-01-01", "2024-02-29 10:00", "1997-01-01T05:00+02:00"]),
        st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2030, 1, 1)),
    ),
    "amount": st.one_of(st.floats(-100, 100), st.sampled_from(["1.5", "-2", "$3", " 4 "])),
    "quantity": st.one_of(st.integers(-3, 5), st.sampled_from([1.5, None, "2"])),
}
_SOMETIMES_BAD = st.sampled_from([False, False, False, True])


@st.composite
def malformed_frames(draw):
    names = [c for c in _COLUMNS[:3] if draw(st.sampled_from([True] * 9 + [False]))]
    names += draw(st.lists(st.sampled_from(_COLUMNS[3:]), unique=True, max_size=5))
    n = draw(st.integers(0, 6))
    data = {}
    for name in names:
        good = _GOOD.get(name, st.one_of(_TEXT, st.none()))
        pool = _MIXED if draw(_SOMETIMES_BAD) else good
        data[name] = pd.Series(draw(st.lists(pool, min_size=n, max_size=n)), dtype=object)
    frame = pd.DataFrame(data, index=range(n))
    if draw(st.booleans()):
        frame = frame.infer_objects()
    return frame


def _read_or_data_error(source, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)
        try:
            tx = read_transactions(source, **options)
        except DataError:
            return None
    assert_contract(tx)
    return tx


_OPTIONS = st.fixed_dictionaries(
    {
        "returns": st.sampled_from(["error", "keep", "drop"]),
        "duplicates": st.sampled_from(["keep", "drop"]),
        "dayfirst": st.booleans(),
    }
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=malformed_frames(), options=_OPTIONS)
def test_property_malformed_frames(frame, options):
    before = frame.copy()
    tx = _read_or_data_error(frame, **options)
    pd.testing.assert_frame_equal(frame, before)
    if tx is not None and options["returns"] != "keep":
        assert (tx["amount"] >= 0).all()


_CSV_TEXT = st.text(alphabet=st.sampled_from(list('01239-.,;|\t\n\r" :$aT/Zé')), max_size=80)
_HEADERS = st.sampled_from(
    ["", "customer_id,date,amount\n", "customer_id;date;amount;quantity\n", "a,b\n"]
)
_GOOD_CELLS = {
    "customer_id": st.sampled_from(["1", "2", "007", "x", "1.0", " 3 "]),
    "date": st.sampled_from(["2024-01-01", "2024-01-01 10:00", "2024-01-01T10:00+01:00"]),
    "amount": st.sampled_from(["1.5", "0", "$3", "1e3", "7"]),
    "quantity": st.sampled_from(["1", "2.5", "", "3"]),
}
_BAD_CELLS = st.sampled_from(
    ["", " ", "x", "-2", "12,50", '"1,234.5"', "inf", "1/2/2024", "3024-01-01"]
)


@st.composite
def csv_texts(draw):
    """Either random text under a plausible header, or rows of plausible and broken cells."""
    if draw(st.integers(0, 3)) == 0:
        return draw(_HEADERS) + draw(_CSV_TEXT)
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    names = [c for c in _GOOD_CELLS if draw(st.sampled_from([True] * 9 + [False]))]
    names = draw(st.permutations(names))
    lines = [sep.join(names)]
    for _ in range(draw(st.integers(0, 6))):
        cells = [
            draw(_BAD_CELLS if draw(st.integers(0, 11)) == 0 else _GOOD_CELLS[n]) for n in names
        ]
        if draw(st.integers(0, 19)) == 0:
            cells = cells[:-1]  # a short row
        lines.append(sep.join(cells))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as folder:
        yield Path(folder)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    text=csv_texts(),
    encoding=st.sampled_from(["utf-8", "latin-1", "utf-16"]),
    options=_OPTIONS,
)
def test_property_random_csv_text(scratch, text, encoding, options):
    path = scratch / "random.csv"
    path.write_bytes(text.encode(encoding))
    before = digest(path)
    _read_or_data_error(path, **options)
    assert digest(path) == before


# --------------------------------------------------------------------------------------------
# Several files by a glob pattern
# --------------------------------------------------------------------------------------------
def test_glob_reads_every_matching_file_into_one_frame(tmp_path):
    from crmlab.datasets import load_cdnow

    tx = load_cdnow()
    first, second = tx.iloc[:3000], tx.iloc[3000:]
    (tmp_path / "logs").mkdir()
    first.rename(columns={"customer_id": "Kunde"}).to_csv(tmp_path / "logs/a-1997.csv", index=False)
    second.rename(columns={"customer_id": "Kunde"}).to_parquet(tmp_path / "logs/b-1998.parquet")
    (tmp_path / "logs/notes.txt").write_text("not matched", encoding="utf-8")
    with pytest.warns(CrmlabWarning, match="repeating an earlier row"):  # CDNOW's 21 duplicates
        warnings.filterwarnings("ignore", "Kept .* zero amount", CrmlabWarning)  # and 8 zeros
        both = read_transactions(str(tmp_path / "logs/*-199?.*"), {"Kunde": "customer_id"})
    with pytest.warns(CrmlabWarning, match="repeating an earlier row"):
        warnings.filterwarnings("ignore", "Kept .* zero amount", CrmlabWarning)
        expected = read_transactions(tx)
    pd.testing.assert_frame_equal(both[expected.columns], expected, check_exact=False)


def test_glob_without_match_names_the_pattern(tmp_path):
    with pytest.raises(DataError, match=r"no file matches .*\*\.parquet"):
        read_transactions(str(tmp_path / "*.parquet"))


def test_glob_with_integer_and_text_ids_gives_text_ids(tmp_path):
    pd.DataFrame({"customer_id": [1, 2], "date": ["2024-01-01"] * 2, "amount": [1.0, 2.0]}).to_csv(
        tmp_path / "x1.csv", index=False
    )
    pd.DataFrame({"customer_id": ["007"], "date": ["2024-01-02"], "amount": [3.0]}).to_csv(
        tmp_path / "x2.csv", index=False
    )
    out = read_transactions(str(tmp_path / "x*.csv"))
    assert out["customer_id"].tolist() == ["007", "1", "2"]
    assert len(out) == 3 and out["amount"].sum() == 6.0


# ---------------------------------------------------------------------------------------------
# Repeated header names and ragged rows (issue 12, classes 5 and 7)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("repeated", ["amount", "date", "customer_id", "Umsatz"])
def test_repeated_header_name_is_refused(tmp_path, repeated):
    names = ["customer_id", "date", "amount", repeated]
    rows = ["1,2020-01-01,5.0,6.0", "2,2020-01-02,7.0,8.0"]
    if repeated == "Umsatz":
        names = ["customer_id", "date", "Umsatz", "Umsatz"]
    path = write(tmp_path, "dup.csv", "\n".join([",".join(names), *rows]) + "\n")
    columns = {"Umsatz": "amount"} if repeated == "Umsatz" else None
    with pytest.raises(DataError, match=f"2 columns named '{repeated}'") as info:
        read_transactions(path, columns)
    message = str(info.value)
    assert info.value.column == repeated
    assert "Rename all but one of them" in message and "fields" in message


def test_repeated_header_name_outside_the_contract_is_kept(tmp_path):
    path = write(tmp_path, "notes.csv", "customer_id,date,amount,note,note\n1,2020-01-01,5,a,b\n")
    tx = read_transactions(path)
    assert tx.columns.tolist() == ["customer_id", "date", "amount", "note", "note.1"]
    assert tx[["note", "note.1"]].iloc[0].tolist() == ["a", "b"]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n_rows=st.integers(1, 8),
    bad_row=st.integers(0, 7),
    extra=st.lists(st.sampled_from(["x", "12", "2020-01-01", ""]), min_size=1, max_size=3).filter(
        lambda fields: any(fields)
    ),
    sep=st.sampled_from([",", ";"]),
)
def test_ragged_row_is_blamed_on_its_line(tmp_path, n_rows, bad_row, extra, sep):
    bad_row = bad_row % n_rows
    lines = [sep.join(["customer_id", "date", "amount"])]
    for i in range(n_rows):
        fields = [str(i), f"2020-01-{i + 1:02d}", "5.5"]
        if i == bad_row:
            fields += extra
        lines.append(sep.join(fields))
    path = write(tmp_path, "ragged.csv", "\n".join(lines) + "\n")
    with pytest.raises(DataError) as info:
        read_transactions(path, sep=sep)
    message = str(info.value)
    assert info.value.rows == [bad_row + 2]
    assert f"line {bad_row + 2} has {3 + len(extra)} fields but the header has 3" in message
    assert info.value.column is None  # not blamed on the date (or any) column
    assert "dates that cannot be read" not in message


def test_empty_trailing_fields_are_not_data(tmp_path):
    path = write(
        tmp_path, "trailing.csv", "customer_id,date,amount\n1,2020-01-01,5,\n2,2020-01-02,6\n"
    )
    assert read_transactions(path)["amount"].tolist() == [5.0, 6.0]


def test_short_rows_are_missing_values_not_ragged(tmp_path):
    path = write(tmp_path, "short.csv", "customer_id,date,amount\n1,2020-01-01,5\n2,2020-01-02\n")
    with pytest.raises(DataError, match="missing amounts in 1 row") as info:
        read_transactions(path)
    assert info.value.rows == [3]


def test_row_keys_hash_agrees_with_equality():
    from crmlab._validation import RowKeys

    index = pd.RangeIndex(3)
    a, b = RowKeys(index, [2, 3, 4], "line"), RowKeys(index, [2, 3, 4], "line")
    assert a == b and a is not b
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert RowKeys(index, [2, 3, 5], "line") != a


def test_map_columns_has_read_tables_messages():
    from crmlab.io import map_columns

    required = ["customer_id", "date", "amount"]
    assert map_columns(["Kunde", "date", "amount", "x"], {"Kunde": "customer_id"}, required) == {
        "customer_id": "Kunde",
        "date": "date",
        "amount": "amount",
    }
    with pytest.raises(DataError, match="The file 'x.csv' has no 'amount' column"):
        map_columns(["customer_id", "date", "Umsatz"], None, required, label="'x.csv'")
    with pytest.raises(DataError, match="2 columns named 'amount'"):
        map_columns(["customer_id", "date", "amount", "amount"], None, required)
    with pytest.raises(DataError, match=r"\(given in columns=\) is not in the Spark DataFrame"):
        map_columns(required, {"Kunde": "customer_id"}, required, label="the Spark DataFrame")
