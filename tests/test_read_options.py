"""Reader options: one validated set for every reader, through inputs, notebooks and the runner."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlab import inputs
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.io import READ_OPTIONS, check_read_options, line_numbers, read_table, read_transactions

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------------------------------------
# The spec and its check
# ---------------------------------------------------------------------------------------------


def test_spec_lists_every_option_once_with_help():
    assert list(READ_OPTIONS) == [
        "date_format",
        "dayfirst",
        "decimal",
        "thousands",
        "encoding",
        "sep",
        "returns",
        "duplicates",
        "zero_amounts",
    ]
    for name, option in READ_OPTIONS.items():
        assert option.name == name and option.help and option.allowed
        assert option.valid(option.default), name


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"date_format": "%Y%m%d", "decimal": ",", "thousands": ".", "sep": ";"},
        {"dayfirst": True, "encoding": "cp1252", "returns": "drop", "duplicates": "drop"},
        {"zero_amounts": "error", "sep": "\t", "thousands": None, "encoding": None},
    ],
)
def test_valid_options_pass(options):
    assert check_read_options(options) == options


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"datefmt": "%Y"}, "unknown key 'datefmt' (did you mean 'date_format'?); valid keys: "),
        ({"date_format": "Y-m-d"}, "date_format='Y-m-d' is not allowed"),
        ({"dayfirst": "yes"}, "dayfirst must be true or false"),
        ({"decimal": ",,"}, "decimal must be one character"),
        ({"encoding": "klingon"}, "encoding='klingon' is not allowed"),
        ({"returns": "maybe"}, "returns must be 'error', 'keep' or 'drop'"),
        ({"duplicates": "remove"}, "duplicates must be 'keep' or 'drop'"),
        ({"zero_amounts": "ignore"}, "zero_amounts must be 'keep', 'drop' or 'error'"),
        ({"decimal": ",", "sep": ","}, "sep=',' is also the decimal mark"),
        (["date_format"], "read_options must be a dict"),
    ],
)
def test_bad_options_name_the_key_and_the_valid_values(options, fragment):
    with pytest.raises(ParameterError) as info:
        check_read_options(options)
    assert fragment in str(info.value)
    assert info.value.parameter == "read_options"
    if "unknown key" in fragment:
        assert ", ".join(READ_OPTIONS) in str(info.value)


# ---------------------------------------------------------------------------------------------
# Every reader takes them
# ---------------------------------------------------------------------------------------------

GERMAN = "Kunde;Datum;Umsatz\n7;19970101;12,50\n3;19970105;1.234,00\n3;19970105;0,00\n"
MAPPING = {"Kunde": "customer_id", "Datum": "date", "Umsatz": "amount"}


def test_read_transactions_takes_read_options(tmp_path):
    path = write(tmp_path, "de.csv", GERMAN)
    options = {"date_format": "%Y%m%d", "decimal": ",", "thousands": ".", "zero_amounts": "drop"}
    with pytest.warns(CrmlabWarning, match=r"Dropped 1 row with a zero amount \(line 4\)"):
        tx = read_transactions(path, MAPPING, read_options=options)
    assert tx["customer_id"].tolist() == [3, 7]
    assert tx["date"].tolist() == [pd.Timestamp("1997-01-05"), pd.Timestamp("1997-01-01")]
    assert tx["amount"].tolist() == [1234.0, 12.5]
    assert line_numbers(tx).tolist() == [3, 2]
    with pytest.raises(ParameterError, match="unknown key 'decimals'"):
        read_transactions(path, MAPPING, read_options={"decimals": ","})


def test_zero_amounts_policies(tmp_path):
    path = write(tmp_path, "z.csv", "customer_id,date,amount\n1,2024-01-01,0\n1,2024-01-02,5\n")
    with pytest.warns(CrmlabWarning, match=r"Kept 1 row with a zero amount \(line 2\)") as caught:
        kept = read_transactions(path)
    assert kept["amount"].tolist() == [0.0, 5.0]
    assert '-p read_options \'{"zero_amounts": "drop"}\'' in str(caught[0].message)
    with pytest.warns(CrmlabWarning, match="Dropped 1 row with a zero amount"):
        assert read_transactions(path, zero_amounts="drop")["amount"].tolist() == [5.0]
    with pytest.raises(DataError, match="zero amounts in 1 row") as info:
        read_transactions(path, read_options={"zero_amounts": "error"})
    assert info.value.rows == [2] and info.value.column == "amount"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_transactions(write(tmp_path, "p.csv", "customer_id,date,amount\n1,2024-01-01,3\n"))


def test_read_table_survey_and_ratings_take_read_options(tmp_path):
    from crmlab.satisfaction import read_survey
    from crmlab.value import read_ratings

    table = write(tmp_path, "t.csv", "id;score\n1;2,5\n2;3,5\n")
    frame = read_table(table, ["id"], read_options={"decimal": ",", "returns": "keep"})
    assert frame["score"].tolist() == [2.5, 3.5]
    survey = write(
        tmp_path,
        "s.csv",
        "respondent_id;item;dimension;expectation;perception\n1;a;x;6,0;5,0\n1;b;x;5,0;4,0\n",
    )
    out = read_survey(survey, read_options={"decimal": ",", "sep": ";"})
    assert out["perception"].tolist() == [5.0, 4.0]
    ratings = write(
        tmp_path,
        "r.csv",
        "respondent_id;brand;attribute;kind;rating\n1;A;quality;benefit;6,0\n1;A;price;cost;3,0\n",
        encoding="cp1252",
    )
    out = read_ratings(ratings, read_options={"decimal": ",", "encoding": "cp1252"})
    assert out["rating"].tolist() == [6.0, 3.0]
    for reader in (read_survey, read_ratings):
        with pytest.raises(ParameterError, match="unknown key"):
            reader(survey, read_options={"sepp": ";"})


def test_inputs_pass_read_options_and_check_them_without_a_file(tmp_path):
    path = write(tmp_path, "de.csv", GERMAN)
    with pytest.warns(CrmlabWarning, match="zero amount"):
        tx = inputs.transactions_or_default(
            str(path), MAPPING, {"date_format": "%Y%m%d", "decimal": ",", "thousands": "."}
        )
    assert tx["amount"].sum() == 1246.5
    for loader in (
        inputs.transactions_or_default,
        inputs.subscriptions_or_default,
        inputs.portfolio_or_default,
    ):
        with pytest.raises(ParameterError, match="read_options: unknown key 'x'"):
            loader("", None, read_options={"x": 1})


def test_every_notebook_reading_a_file_declares_and_passes_read_options():
    line = (
        'read_options: dict = {}  # reader options, e.g. {"date_format": "%Y%m%d", "decimal": ","}'
    )
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        parameters = "".join(cells[0]["source"])
        assert parameters.rstrip().splitlines()[-1] == line, path.name
        loading = [
            "".join(c["source"]) for c in cells if "inputs." in "".join(c["source"])
        ]  # each data-loading cell
        assert loading and all("read_options" in src for src in loading), path.name


def test_runner_refuses_bad_read_options_before_any_kernel():
    from crmlab.report.ranges import check_value

    check_value("read_options", {"date_format": "%Y%m%d"}, "03_clv_estimation")
    with pytest.raises(ParameterError) as info:
        check_value("read_options", {"decimal": ";;"}, "03_clv_estimation")
    message = str(info.value)
    assert "read_options" in message and "decimal must be one character" in message
    assert "\n" not in message


def test_messages_can_be_followed_from_crmlab_run(tmp_path):
    path = write(tmp_path, "d.csv", "customer_id,date,amount\n1,19970101,3\n")
    with pytest.raises(DataError) as info:
        read_transactions(path)
    message = str(info.value)
    assert '-p read_options \'{"date_format": "%Y%m%d"}\'' in message
    # the advice, applied as the message says, reads the file
    assert read_transactions(path, read_options={"date_format": "%Y%m%d"})["amount"].sum() == 3
    path = write(tmp_path, "c.csv", "customer_id;date;amount\n1;2024-01-01;3,5\n")
    with pytest.raises(DataError) as info:
        read_transactions(path)
    assert '-p read_options \'{"decimal": ","}\'' in str(info.value)
    path = write(tmp_path, "r.csv", "customer_id,date,amount\n1,2024-01-01,-3\n")
    with pytest.raises(DataError) as info:
        read_transactions(path)
    assert '-p read_options \'{"returns": "keep"}\'' in str(info.value)


# ---------------------------------------------------------------------------------------------
# The fast reader and the careful reader agree
# ---------------------------------------------------------------------------------------------

_CELLS = {
    "customer_id": st.sampled_from(["1", "2", "007", "x", " 3 ", "12", "-4", "NA"]),
    "date": st.sampled_from(
        ["2024-01-01", "2024-01-01 10:00", "2024-01-01T10:00+01:00", "2024-02-30", "", "x"]
    ),
    "amount": st.sampled_from(["1.5", "0", "-2", "1e3", "7", "", "$3", "12,5"]),
    "note": st.sampled_from(["a", "", "2024-01-01", "1", "NA", "b c"]),
}


@st.composite
def clean_csvs(draw):
    sep = draw(st.sampled_from([",", ";", "|"]))
    names = ["customer_id", "date", "amount"] + (["note"] if draw(st.booleans()) else [])
    rows = [sep.join(names)]
    for _ in range(draw(st.integers(1, 8))):
        rows.append(sep.join(draw(_CELLS[n]) for n in names))
    end = draw(st.sampled_from(["\n", "\r\n"]))  # Unix or Windows line breaks
    return end.join(rows) + end


def _outcome(path, careful, monkeypatch, *, stream=False, **options):
    """What reading ``path`` gives: the careful reader (``careful``), the fast pyarrow reader,
    or (``stream``) the streaming path of read_transactions, which else is switched off."""
    from crmlab.io import _files, transactions_reader

    with monkeypatch.context() as patch:
        if careful:
            patch.setattr(_files, "_read_csv_fast", lambda *a, **k: None)
        if not stream:
            patch.setattr(transactions_reader, "stream_transactions", lambda *a, **k: None)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                tx = read_transactions(path, **options)
            except DataError as err:
                return ("error", str(err), err.rows), []
        notes = sorted(str(w.message) for w in caught if issubclass(w.category, CrmlabWarning))
        return ("ok", tx, line_numbers(tx).tolist()), notes


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=clean_csvs(), returns=st.sampled_from(["keep", "drop", "error"]))
def test_fast_and_careful_readers_agree(tmp_path, monkeypatch, text, returns):
    path = tmp_path / "same.csv"
    path.write_bytes(text.encode("utf-8"))
    careful, careful_notes = _outcome(path, True, monkeypatch, returns=returns)
    for stream in (False, True):
        fast, fast_notes = _outcome(path, False, monkeypatch, stream=stream, returns=returns)
        assert fast[0] == careful[0]
        if fast[0] == "error":
            assert fast[1:] == careful[1:]
        else:
            pd.testing.assert_frame_equal(fast[1], careful[1])
            assert fast[2] == careful[2]
        assert fast_notes == careful_notes


def test_fast_reader_counts_lines_only_when_asked(tmp_path, monkeypatch):
    from crmlab.io import _files

    rows = "".join(f"{i % 7},2024-01-{i % 28 + 1:02d},{i}.5\n" for i in range(50))
    path = write(tmp_path, "f.csv", "customer_id,date,amount\n\n" + rows)
    calls = []
    original = _files._count_lines
    monkeypatch.setattr(
        _files, "_count_lines", lambda *a: calls.append(1) or original(*a), raising=True
    )
    tx = read_transactions(path)
    assert calls == []  # nothing to report: no line counted
    assert line_numbers(tx).iloc[0] == 3  # the blank line is counted, on demand
    assert calls == [1]
    assert np.array_equal(np.sort(line_numbers(tx).to_numpy()), np.arange(3, 53))


def _agree_in_small_blocks(path, monkeypatch, **options):
    """The streaming reader, parsing ``path`` in blocks of a few rows, gives what the careful
    reader gives: frame, file lines and notes, or the same error."""
    from crmlab.io import _stream

    careful, careful_notes = _outcome(path, True, monkeypatch, **options)
    with monkeypatch.context() as patch:
        patch.setattr(_stream, "_BLOCK_BYTES", 97)
        streamed, streamed_notes = _outcome(path, False, monkeypatch, stream=True, **options)
    assert streamed[0] == careful[0]
    if careful[0] == "ok":
        pd.testing.assert_frame_equal(streamed[1], careful[1])
        assert streamed[2] == careful[2]
    else:
        assert streamed[1:] == careful[1:]
    assert streamed_notes == careful_notes
    return careful


def test_streaming_reader_keeps_records_whole_across_blocks(tmp_path, monkeypatch):
    rows = []
    for i in range(120):
        note = f'"line one\nline {i}, two"' if i % 17 == 3 else f"n{i}"
        amount = "0" if i == 40 else ("-3.5" if i == 41 else f"{i % 9}.25")
        rows.append(f"{i % 13},2024-{i % 12 + 1:02d}-{i % 27 + 1:02d},{amount},{note}")
    rows.insert(60, "")  # a blank line in the middle
    rows.append(rows[10])  # one duplicate, many blocks later
    path = write(tmp_path, "q.csv", "customer_id,date,amount,note\n" + "\n".join(rows) + "\n")
    outcome = _agree_in_small_blocks(path, monkeypatch, returns="keep")
    assert outcome[0] == "ok" and len(outcome[1]) == 121
    assert _agree_in_small_blocks(path, monkeypatch)[0] == "error"  # the return at line 43


@pytest.mark.parametrize(
    "late",
    ["C7,2024-03-01,1.5", "007,2024-03-01,1.5", "7,2024-03-01 10:30,1.5", "7,,1.5", "7,x,1.5",
     "7,2024-03-01,12,5", "7,2024-03-01,$3", "7,2400-01-01,1"],
)  # fmt: skip
def test_streaming_reader_hands_late_surprises_to_the_careful_reader(tmp_path, monkeypatch, late):
    rows = [f"{i % 11 + 1},2024-01-{i % 28 + 1:02d},{i}.5" for i in range(80)]
    rows.insert(70, late)
    path = write(tmp_path, "late.csv", "customer_id,date,amount\n" + "\n".join(rows) + "\n")
    _agree_in_small_blocks(path, monkeypatch)


def test_streaming_reader_is_taken_for_clean_files(tmp_path, monkeypatch):
    from crmlab.io import _files

    rows = "".join(f"{i % 7},2024-01-{i % 28 + 1:02d},{i}.5\n" for i in range(50))
    path = write(tmp_path, "clean.csv", "customer_id,date,amount\n" + rows)
    monkeypatch.setattr(_files, "_read_csv_fast", lambda *a, **k: pytest.fail("not streamed"))
    tx = read_transactions(path)
    assert tx.dtypes.astype(str).tolist() == ["int64", "datetime64[ns]", "float64"]
    assert tx["date"].is_monotonic_increasing is False  # sorted by customer, then date
    assert line_numbers(tx).iloc[0] == 2
