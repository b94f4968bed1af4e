"""``crmlab check FILE``: read and validate a transactions file without kernels, and profile it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crmlab._paths import data_file
from crmlab.cli import main
from crmlab.errors import CrmlabWarning, DataError
from crmlab.io import read_transactions
from crmlab.rfm import rfm_summary

COLUMNS = {"Kundennummer": "customer_id", "Bestelldatum": "date", "Menge": "quantity"}
COLUMNS = {**COLUMNS, "Umsatz": "amount"}


def check(capsys, path, columns=None, options=None):
    argv = ["check", str(path)]
    if columns is not None:
        argv += ["--columns", json.dumps(columns)]
    if options is not None:
        argv += ["--read-options", json.dumps(options)]
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def test_good_file_prints_its_profile(tmp_path, capsys):
    path = write(
        tmp_path,
        "tx.csv",
        "customer_id,date,amount\n1,2024-01-01,10\n2,2024-01-03,5.5\n1,2024-02-01,4.5\n",
    )
    code, out, err = check(capsys, path)
    assert code == 0 and err == ""
    assert "Rows: 3 transactions of 2 customers" in out
    assert "Dates: 2024-01-01 to 2024-02-01" in out
    assert "Total amount: 20" in out
    assert "delimiter ',' (comma)" in out and "dates ISO 8601" in out
    assert "'customer_id' -> customer_id" in out
    assert "Returns (negative amounts): 0; zero amounts: 0; duplicate rows: 0" in out
    assert f"crmlab run -p transactions_path {path}" in out


def test_unmapped_columns_get_suggestions_and_the_reader_error(tmp_path, capsys):
    path = write(tmp_path, "de.csv", "Kundennummer;Bestelldatum;Umsatz;Filiale\n1;2024-01-01;3;N\n")
    code, out, err = check(capsys, path)
    assert code == 1
    assert "'Kundennummer': not mapped (looks like customer_id" in out
    assert "'Bestelldatum': not mapped (looks like date" in out
    assert "'Filiale': kept as it is" in out
    with pytest.raises(DataError) as info:
        read_transactions(path)
    assert err == f"crmlab check: {info.value}\n"  # the notebooks' error, word for word


ERRORS = {
    "missing column": ("customer_id,date\n1,2024-01-01\n", None, "has no 'amount' column"),
    "bad dates": ("customer_id,date,amount\n1,2024-13-45,3\n", None, "dates that cannot be read"),
    "ambiguous dates": (
        "customer_id,date,amount\n1,01/02/2024,3\n2,03/04/2024,4\n",
        None,
        "ambiguous: month first",
    ),
    "decimal comma": ("customer_id;date;amount\n1;2024-01-01;3,50\n", None, "decimal comma"),
    "ragged line": (
        "customer_id,date,amount\n1,2024-01-01,3\n2,2024-01-02,3,50\n",
        None,
        "line 3 has 4 fields but the header has 3",
    ),
    "repeated header": (
        "customer_id,date,amount,amount\n1,2024-01-01,3,4\n",
        None,
        "2 columns named 'amount'",
    ),
    "negative amounts": (
        "customer_id,date,amount\n1,2024-01-01,3\n1,2024-01-02,-3\n",
        None,
        "negative amounts (returns or refunds) in 1 row",
    ),
    "zero amounts": (
        "customer_id,date,amount\n1,2024-01-01,0\n",
        {"zero_amounts": "error"},
        "zero amounts in 1 row",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_each_reader_error_exits_1_with_the_readers_message(tmp_path, capsys, case):
    text, options, fragment = ERRORS[case]
    path = write(tmp_path, "bad.csv", text)
    code, _, err = check(capsys, path, options=options)
    assert code == 1
    assert fragment in err
    with pytest.raises(DataError) as info:
        read_transactions(path, read_options=options)
    assert err == f"crmlab check: {info.value}\n"


def test_encoding_error_and_its_fix(tmp_path, capsys):
    path = write(
        tmp_path, "latin.csv", "customer_id,date,amount,name\n1,2024-01-01,3,Müller\n", "cp1252"
    )
    code, _, err = check(capsys, path)
    assert code == 1 and "is not UTF-8" in err and "line 2" in err
    assert '-p read_options \'{"encoding": "cp1252"}\'' in err
    code, out, _ = check(capsys, path, options={"encoding": "cp1252"})
    assert code == 0 and "Rows: 1 transactions of 1 customers" in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--read-options", "{date_format: 1"], "--read-options expects a JSON object"),
        (["--read-options", '{"datefmt": "%Y"}'], "unknown key 'datefmt'"),
        (["--read-options", '{"returns": "ignore"}'], "returns must be 'error', 'keep' or 'drop'"),
        (["--columns", "[1, 2]"], "--columns expects a JSON object"),
    ],
)
def test_bad_arguments_exit_2_in_one_line(tmp_path, capsys, argv, fragment):
    path = write(tmp_path, "tx.csv", "customer_id,date,amount\n1,2024-01-01,3\n")
    code = main(["check", str(path), *argv])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert fragment in err and err.count("\n") == 1


# ---------------------------------------------------------------------------------------------
# A German-style export of the bundled CDNOW (issue 13 / the consultant trial)
# ---------------------------------------------------------------------------------------------

SHIFT = pd.Timestamp("2019-01-01") - pd.Timestamp("1997-01-01")


def german_export(folder: Path, rng: np.random.Generator) -> tuple[Path, dict[str, int]]:
    """CDNOW as a German shop would export it: ``Kundennummer;Bestelldatum;Menge;Umsatz``,
    ids with leading zeros, 20190101-style dates (shifted by 22 years), decimal commas, and
    injected returns, exact duplicates and zero amounts."""
    raw = pd.read_csv(data_file("cdnow_sample.csv"))
    positive = np.flatnonzero(raw["amount"].to_numpy() > 0)
    copies = raw.iloc[rng.choice(positive, 15, replace=False)]
    returns = raw.iloc[rng.choice(positive, 12, replace=False)].assign(
        amount=lambda d: -d["amount"]
    )
    zeros = raw.iloc[rng.choice(positive, 9, replace=False)].assign(amount=0.0)
    lines = pd.concat([raw, copies, returns, zeros]).sample(frac=1.0, random_state=1)
    dates = pd.to_datetime(lines["date"]) + SHIFT
    export = pd.DataFrame(
        {
            "Kundennummer": lines["customer_id"].map("{:05d}".format),
            "Bestelldatum": dates.dt.strftime("%Y%m%d"),
            "Menge": lines["quantity"],
            "Umsatz": lines["amount"].map("{:.2f}".format).str.replace(".", ","),
        }
    )
    path = folder / "bestellungen.csv"
    export.to_csv(path, sep=";", index=False)
    return path, {"copies": len(copies), "returns": len(returns), "zeros": len(zeros)}


def test_german_export_is_checked_and_read_into_the_clean_summary(tmp_path, capsys):
    path, injected = german_export(tmp_path, np.random.default_rng(7))
    policies = {"returns": "drop", "duplicates": "drop", "zero_amounts": "drop"}
    options = {"date_format": "%Y%m%d", "decimal": ",", **policies}

    code, out, err = check(capsys, path, COLUMNS)
    assert code == 1  # first try without options: the reader says what to pass
    assert "dates %Y%m%d" in out and "decimal mark ','" in out
    assert '--read-options \'{"date_format": "%Y%m%d", "decimal": ","}\'' in out
    assert '-p read_options \'{"date_format": "%Y%m%d"}\'' in err

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CrmlabWarning)
        clean = read_transactions(data_file("cdnow_sample.csv"), read_options=policies)
    code, out, err = check(capsys, path, COLUMNS, options)
    assert code == 0, err
    counts = clean.attrs["crmlab_read_counts"]
    assert f"Returns (negative amounts): {injected['returns']} (dropped)" in out
    assert f"zero amounts: {counts['zero_amounts'] + injected['zeros']} (dropped)" in out
    assert f"duplicate rows: {counts['duplicates'] + injected['copies']} (dropped)" in out
    assert f"Rows: {len(clean):,} transactions of {clean['customer_id'].nunique():,}" in out
    first, last = clean["date"].min() + SHIFT, clean["date"].max() + SHIFT
    assert first.year == 2019 and last.year == 2020
    assert f"Dates: {first:%Y-%m-%d} to {last:%Y-%m-%d}" in out
    assert "-p read_options '" in out

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CrmlabWarning)
        german = read_transactions(path, COLUMNS, read_options=options)
    notes = " ".join(str(w.message) for w in caught)
    assert "with a negative amount" in notes and "zero amount" in notes and "repeating" in notes
    assert german["customer_id"].str.len().eq(5).all()  # leading zeros keep the ids as text
    german = german.assign(customer_id=german["customer_id"].astype("int64"))
    expected = clean.assign(date=clean["date"] + SHIFT)
    pd.testing.assert_frame_equal(
        rfm_summary(german, time_unit="W"), rfm_summary(expected, time_unit="W")
    )
    assert german["amount"].sum() == pytest.approx(expected["amount"].sum(), abs=1e-6)
