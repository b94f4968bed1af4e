"""crmlab's own .xlsx writer (crmlab.report.xlsx): typed cells, legal sheet names, hostile text,
byte-identical output; each workbook is opened with openpyxl (a dev dependency) to check it."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from xml.etree import ElementTree

import numpy as np
import openpyxl
import pandas as pd
import pytest

from crmlab.errors import ParameterError
from crmlab.report import xlsx


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["00123", "<b>x</b>", '=HYPERLINK("http://e")'],
            "orders": np.array([3, 0, 12], dtype="int64"),
            "clv": [21353.25, np.nan, -0.125],
            "active": [True, False, True],
            "first": pd.to_datetime(["1997-01-01", "1997-03-15", None]),
            "seen": pd.to_datetime(
                ["1997-01-01 10:30:00", "1997-03-15 00:00:00", "1998-06-30 23:59:59"]
            ),
            "note": ["a\x00b\x1fc & d", "  padded  ", None],
        }
    )


def test_cells_are_typed_numbers_dates_booleans_and_text(tmp_path):
    path = tmp_path / "t.xlsx"
    sheets = xlsx.write_xlsx(path, [("clv", _table())])
    assert sheets == [{"sheet": "clv", "table": "clv", "rows": 3}]
    ws = openpyxl.load_workbook(path)["clv"]
    assert [c.value for c in ws[1]] == list(_table().columns)
    assert all(c.font.bold for c in ws[1]) and ws.freeze_panes == "A2"
    assert ws["A2"].value == "00123" and ws["A2"].data_type == "s"  # an id stays text
    assert ws["B2"].value == 3 and isinstance(ws["B2"].value, int)
    assert ws["C2"].value == 21353.25 and ws["C3"].value is None and ws["C4"].value == -0.125
    assert ws["D2"].value is True and ws["D3"].value is False
    assert ws["E2"].value == dt.datetime(1997, 1, 1) and ws["E2"].number_format == "yyyy-mm-dd"
    assert ws["E4"].value is None
    assert ws["F2"].value == dt.datetime(1997, 1, 1, 10, 30)
    assert ws["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert ws["F4"].value == dt.datetime(1998, 6, 30, 23, 59, 59)
    assert ws["G2"].value == "abc & d" and ws["G3"].value == "  padded  "
    assert ws.column_dimensions["A"].width >= len('=HYPERLINK("http://e")')
    assert ws.max_row == 4 and ws.max_column == 7


def test_formula_like_text_is_never_a_formula(tmp_path):
    hostile = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "ok"]
    path = tmp_path / "t.xlsx"
    xlsx.write_xlsx(path, [("t", pd.DataFrame({"v": hostile}))])
    with zipfile.ZipFile(path) as zf:
        sheet = zf.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet and "<f " not in sheet
    ws = openpyxl.load_workbook(path)["t"]
    values = [ws.cell(row=r, column=1) for r in range(2, 2 + len(hostile))]
    assert [c.value for c in values] == hostile
    assert all(c.data_type == "s" for c in values)
    assert [c.quotePrefix for c in values] == [True] * 5 + [False]


def test_every_part_is_well_formed_xml_whatever_the_text(tmp_path):
    nasty = pd.DataFrame(
        {'a"<&>\x01': ["</t></is></c><c>", "\ud800 lone surrogate", "\ufffe"]}, dtype=object
    )
    path = tmp_path / "t.xlsx"
    xlsx.write_xlsx(path, [("x]y", nasty)])
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            ElementTree.fromstring(zf.read(name))  # raises if not well formed
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["A1"].value == 'a"<&>' and ws["A2"].value == "</t></is></c><c>"
    assert ws["A3"].value == " lone surrogate"


def test_sheet_names_follow_excels_rules():
    names = xlsx.sheet_names(
        ["a[b]:c*d?e/f\\g", "x" * 40, "x" * 40, "CLV", "clv", "History", "'quoted'", ""]
    )
    assert names[0] == "a_b__c_d_e_f_g"
    assert names[1] == "x" * 31 and names[2] == "x" * 29 + "_2"
    assert names[3:5] == ["CLV", "clv_2"]  # Excel compares sheet names ignoring case
    assert names[5] == "History_" and names[6] == "quoted" and names[7] == "Sheet"
    assert all(len(n) <= xlsx.SHEET_NAME_MAX for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_identical_tables_give_identical_bytes(tmp_path):
    tables = [("clv", _table()), ("second", _table().iloc[:1])]
    digests = []
    for name in ("a.xlsx", "b.xlsx"):
        xlsx.write_xlsx(tmp_path / name, tables)
        digests.append(hashlib.sha256((tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    changed = _table()
    changed.loc[0, "clv"] = 1.0
    xlsx.write_xlsx(tmp_path / "c.xlsx", [("clv", changed), ("second", _table().iloc[:1])])
    assert hashlib.sha256((tmp_path / "c.xlsx").read_bytes()).hexdigest() != digests[0]


def test_big_integers_are_text_and_non_finite_numbers_empty(tmp_path):
    frame = pd.DataFrame({"id": [10**15, 42], "x": [np.inf, -np.inf]})
    path = tmp_path / "t.xlsx"
    xlsx.write_xlsx(path, [("t", frame)])
    ws = openpyxl.load_workbook(path)["t"]
    assert ws["A2"].value == "1000000000000000" and ws["A3"].value == 42
    assert ws["B2"].value is None and ws["B3"].value is None


def test_a_table_longer_than_a_sheet_continues_on_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)  # 3 data rows a sheet
    frame = pd.DataFrame({"n": range(8)})
    sheets = xlsx.write_xlsx(tmp_path / "t.xlsx", [("t", frame)])
    assert [(s["sheet"], s["rows"]) for s in sheets] == [("t", 3), ("t_2", 3), ("t_3", 2)]
    book = openpyxl.load_workbook(tmp_path / "t.xlsx")
    got = [c.value for ws in book.worksheets for c in ws["A"][1:]]
    assert got == list(range(8)) and all(ws["A1"].value == "n" for ws in book.worksheets)


def test_named_index_is_the_first_column_and_no_table_is_refused(tmp_path):
    frame = pd.DataFrame({"v": [1.5]}, index=pd.Index(["c1"], name="customer_id"))
    xlsx.write_xlsx(tmp_path / "t.xlsx", [("t", frame)])
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert [c.value for c in ws[1]] == ["customer_id", "v"] and ws["A2"].value == "c1"
    with pytest.raises(ParameterError, match="at least one table"):
        xlsx.write_xlsx(tmp_path / "u.xlsx", [])
