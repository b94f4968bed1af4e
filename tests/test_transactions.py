"""Tests of crmlab.transactions: the one contract (same messages as crmlab.io.read_transactions),
the time-unit table, calendar arithmetic and windows."""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab import transactions as tx_module
from crmlab.errors import DataError, ParameterError
from crmlab.io import read_transactions
from crmlab.transactions import (
    SUMMARY_TIME_UNITS,
    TIME_UNITS,
    check_time_unit,
    check_transactions,
    elapsed,
    labelled_transactions,
    months_between,
    resolve_window,
    to_day,
    unit_word,
    until,
    years_per_unit,
)


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 3],
            "date": pd.to_datetime(
                ["2020-01-01 10:00", "2020-01-05", "2020-01-02", "2020-02-01"], format="ISO8601"
            ),
            "amount": [10.0, 5.0, -2.0, 7.0],
        }
    )


# --------------------------------------------------------------------------------------------
# time units
# --------------------------------------------------------------------------------------------
def test_time_unit_table_is_consistent():
    assert list(TIME_UNITS) == ["D", "W", "M", "Q", "Y"]
    for code, unit in TIME_UNITS.items():
        assert unit.code == code
        assert unit.per_year * unit.years == pytest.approx(1.0, rel=1e-15)
        assert unit.plural == unit.singular + "s"
        if unit.days is not None:
            assert unit.days * unit.per_year == pytest.approx(365.25)
    assert set(SUMMARY_TIME_UNITS) <= set(TIME_UNITS)
    # the years of the CLV discounting keep their exact fractions (published numbers)
    assert years_per_unit("W") == 7 / 365.25 and years_per_unit("M") == 1 / 12


def test_time_unit_checks_and_words():
    assert check_time_unit("M") == "M"
    for bad in ("Y", "w", None, 7):
        with pytest.raises(ParameterError, match="time_unit") as info:
            check_time_unit(bad)
        assert info.value.parameter == "time_unit"
    assert check_time_unit("Q", TIME_UNITS) == "Q"
    assert unit_word("W") == "weeks" and unit_word("W", 1) == "week"
    assert unit_word("X") == "periods" and unit_word("X", 1) == "period"


def test_every_module_uses_the_one_table():
    from crmlab.clv.value import YEARS_PER_UNIT

    assert YEARS_PER_UNIT == {code: unit.years for code, unit in TIME_UNITS.items()}


# --------------------------------------------------------------------------------------------
# the contract
# --------------------------------------------------------------------------------------------
def test_check_transactions_normalises_and_keeps_returns():
    frame = _frame()
    out = check_transactions(frame)
    assert list(out.columns) == ["customer_id", "date", "amount"]
    assert (out["date"] == out["date"].dt.normalize()).all()
    assert out["amount"].tolist() == [10.0, 5.0, -2.0, 7.0]  # returns were decided by the reader
    assert frame["date"].iloc[0].hour == 10  # not modified


def _message_parts(err: DataError) -> tuple[str, str, object]:
    lines = str(err).splitlines()
    return lines[0].split(": ", 1)[1], lines[-1], err.column


@pytest.mark.parametrize(
    ("column", "value"),
    [("customer_id", None), ("date", None), ("amount", np.nan), ("amount", np.inf)],
)
def test_same_mistake_same_message_as_read_transactions(tmp_path, column, value):
    frame = _frame().assign(amount=[10.0, 5.0, 2.0, 7.0])
    frame.loc[2, column] = value  # NaT in the datetime64 column, NaN in the numbers
    with pytest.raises(DataError) as direct:
        check_transactions(frame)
    with pytest.raises(DataError) as read:
        read_transactions(frame)
    assert _message_parts(direct.value) == _message_parts(read.value)
    assert direct.value.rows == [2]
    # from a file: the rows are the file's lines, in both entry points
    path = tmp_path / "tx.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError) as from_file:
        read_transactions(path)
    assert from_file.value.rows == [4]  # header is line 1


def test_file_lines_survive_into_the_analyses(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount\n1,2020-01-01,5\n2,2020-01-02,6\n3,2020-01-03,7\n")
    tx = read_transactions(path)
    tx.loc[1, "amount"] = np.nan  # a later mistake still points at its file line
    with pytest.raises(DataError, match="missing amounts in 1 row") as info:
        check_transactions(tx)
    assert info.value.rows == [3]
    assert "line 3" in str(info.value) and str(path) in str(info.value)


def test_contract_errors():
    with pytest.raises(DataError, match="must be a pandas DataFrame"):
        check_transactions([1, 2])
    with pytest.raises(DataError, match="no 'amount' column") as info:
        check_transactions(_frame().rename(columns={"amount": "Umsatz"}))
    assert "'Umsatz': 'amount'" in str(info.value)  # the mapping to pass
    with pytest.raises(DataError, match="not datetime64"):
        check_transactions(_frame().assign(date=lambda f: f["date"].astype(str)))
    with pytest.raises(DataError, match="timezone-aware"):
        check_transactions(_frame().assign(date=lambda f: f["date"].dt.tz_localize("UTC")))
    with pytest.raises(DataError, match="not numbers"):
        check_transactions(_frame().assign(amount=["1", "2", "3", "4"]))
    # only what the caller needs is checked
    out = check_transactions(_frame().drop(columns="amount"), ("customer_id", "date"))
    assert list(out.columns) == ["customer_id", "date"]


def test_labelled_transactions():
    frame = _frame().assign(channel=["web", "shop", None, "web"])
    with pytest.raises(DataError, match="missing values") as info:
        labelled_transactions(frame, "channel", "channel", missing="no channel", fill="fill them.")
    assert info.value.rows == [2] and str(info.value).endswith("Fill them.")
    with pytest.raises(DataError, match="no channel"):
        labelled_transactions(_frame(), "channel", "channel", missing="no channel", fill="x")
    out = labelled_transactions(frame.fillna("app"), "channel", "via", missing="", fill="")
    assert out["via"].tolist() == ["web", "shop", "app", "web"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 12),
    column=st.sampled_from(["customer_id", "date", "amount"]),
    holes=st.sets(st.integers(0, 11), min_size=1, max_size=8),
)
def test_missing_values_listed_alike_by_both_entry_points(n, column, holes):
    holes = sorted(h for h in holes if h < n) or [0]
    frame = pd.DataFrame(
        {
            "customer_id": np.arange(n) % 3,
            "date": pd.date_range("2020-01-01", periods=n, freq="D"),
            "amount": np.linspace(1.0, 2.0, n),
        }
    )
    frame.loc[holes, column] = None
    with pytest.raises(DataError) as direct:
        check_transactions(frame)
    with pytest.raises(DataError) as read:
        read_transactions(frame)
    assert _message_parts(direct.value) == _message_parts(read.value)
    assert direct.value.rows == holes[:5]
    assert f"in {len(holes)} row" in str(direct.value)


# --------------------------------------------------------------------------------------------
# days and windows
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["garbage", "", "2026-13-45", 12.5, 19970930, True, [1], None, pd.NaT, "nan"]
)
def test_to_day_refuses_non_dates(value):
    with pytest.raises(ParameterError, match="observation_end must be") as info:
        to_day(value, "observation_end")
    assert info.value.parameter == "observation_end"


def test_to_day_accepts_dates():
    assert to_day("1997-09-30 13:00", "x") == pd.Timestamp("1997-09-30")
    assert to_day(pd.Timestamp("1997-09-30"), "x") == pd.Timestamp("1997-09-30")
    assert to_day(np.datetime64("1997-09-30"), "x") == pd.Timestamp("1997-09-30")
    with pytest.raises(ParameterError, match="timezone-naive"):
        to_day(pd.Timestamp("1997-09-30", tz="UTC"), "x")


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_window_parameters_never_raise_raw_errors(text):
    frame = check_transactions(_frame())
    for name in ("observation_end", "calibration_end"):
        kwargs = {"calibration_end": None, "observation_end": None, name: text}
        try:
            resolve_window(
                frame["date"].min(), frame["date"].max(), len(frame), time_unit="D", **kwargs
            )
        except ParameterError as err:
            assert err.parameter == name


def test_until_and_windows():
    frame = check_transactions(_frame())
    kept, end = until(frame, "2020-01-04")
    assert end == pd.Timestamp("2020-01-04") and len(kept) == 2
    with pytest.raises(ParameterError, match="before every purchase") as info:
        until(frame, "2019-01-01")
    assert info.value.parameter == "observation_end"
    obs, cal = resolve_window(frame["date"].min(), frame["date"].max(), 4, "2020-01-03", None, "W")
    assert (obs, cal) == (pd.Timestamp("2020-02-01"), pd.Timestamp("2020-01-03"))
    with pytest.raises(DataError, match="empty"):
        resolve_window(None, None, 0, None, None, "D")
    with pytest.raises(ParameterError) as info:
        resolve_window(frame["date"].min(), frame["date"].max(), 4, "2020-02-01", None, "D")
    assert info.value.parameter == "calibration_end"


def test_until_keeps_the_whole_last_day_of_a_raw_frame():
    raw = _frame()  # not checked: times of day kept
    kept, end = until(raw, "2020-01-01")
    assert kept.index.tolist() == [0] and kept["date"].iloc[0].hour == 10
    for garbage in ("garbage", 3.5, ""):
        with pytest.raises(ParameterError) as info:
            until(raw, garbage)
        assert info.value.parameter == "observation_end"


def test_elapsed_in_each_unit():
    start, end = pd.Timestamp("2020-01-31"), pd.Timestamp("2020-03-13")
    assert elapsed(start, end, "D")[0] == 42.0
    assert elapsed(start, end, "W")[0] == 6.0
    assert elapsed(start, end, "M")[0] == pytest.approx(1 + 13 / 31)  # Feb 29 + 13 days of 31


def test_rfm_keeps_deprecated_aliases():
    rfm = importlib.import_module("crmlab.rfm")
    for old, new in [
        ("months_between", months_between),
        ("resolve_window", resolve_window),
        ("TIME_UNITS", SUMMARY_TIME_UNITS),
    ]:
        with pytest.warns(DeprecationWarning, match="crmlab.transactions"):
            assert getattr(rfm, old) == new
    with pytest.raises(AttributeError):
        rfm.no_such_name  # noqa: B018
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tx_module.months_between is months_between


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("1997-01-31", "1997-02-28", 1.0),
        ("1996-01-31", "1996-02-29", 1.0),
        ("1996-01-31", "1996-02-28", 28 / 29),  # Jan 31 .. Feb 29 is the 1st period
        ("1997-01-15", "1997-02-15", 1.0),
        ("1997-01-15", "1997-03-01", 1.5),
        ("1997-01-31", "1997-03-01", 1 + 1 / 31),
        ("1997-03-10", "1997-03-10", 0.0),
        ("1997-12-20", "1998-01-04", 15 / 31),
        ("1997-01-01", "1998-01-01", 12.0),
    ],
)
def test_months_between(start, end, months):
    assert months_between(start, end)[0] == pytest.approx(months)


def test_months_between_is_monotone_in_end():
    ends = pd.date_range("1996-01-31", "1998-12-31", freq="D")
    m = months_between("1996-01-31", ends)
    assert np.all(np.diff(m) > 0)
