"""The client deliverable without a browser: report tables, client/teaching cells, exports, PDF setup."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest

from crmlab import text
from crmlab.errors import ParameterError
from crmlab.report import exports, html, pdf

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


# ------------------------------------------------------------------------------- text.table
def _cells(frame, **kw) -> list[list[str]]:
    page = text.table(frame, **kw)._repr_html_()
    rows = re.findall(r"<tr>(.*?)</tr>", page)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row) for row in rows]


def test_table_formats_shares_pvalues_counts_and_money():
    frame = pd.DataFrame(
        {
            "segment": ["champions", "lost"],
            "n_customers": [1234.0, 56.0],
            "revenue_share": [0.175223, 0.02],
            "p_value": [0.0, 0.0712],
            "revenue": [21353.24, 12.5],
        }
    )
    head, *rows = _cells(frame, currency="EUR")
    assert head == ["Segment", "Number of customers", "Revenue share", "P value", "Revenue (EUR)"]
    assert rows[0] == ["champions", "1,234", "17.5%", "&lt; 0.001", "21,353"]
    assert rows[1][2:4] == ["2.0%", "0.071"]


def test_table_drops_range_index_and_empty_columns_and_shows_missing_as_dash():
    frame = pd.DataFrame({"a": [1.5, np.nan], "empty": [np.nan, np.nan]})
    head, *rows = _cells(frame)
    assert head == ["A"]
    assert rows[1] == ["\u2013"]
    page = text.table(frame)._repr_html_()
    assert "NaN" not in page and "nan" not in page


def test_table_keeps_a_named_index_as_first_column():
    frame = pd.DataFrame({"clv": [10.0, 20.0]}, index=pd.Index(["c1", "c2"], name="customer_id"))
    head, *rows = _cells(frame, currency="USD")
    assert head == ["Customer ID", "CLV (USD)"]
    assert rows[0][0] == "c1"


def test_series_is_a_table_not_a_printout():
    series = pd.Series([0.5, 0.25], index=["basic", "key"], name="proportion")
    page = text.table(series)._repr_html_()
    assert "dtype" not in page and "Name:" not in page
    assert "50.0%" in page and "Proportion" in page


def test_table_escapes_labels_and_values():
    frame = pd.DataFrame({"<b>x</b>": ['<img src=x onerror="alert(1)">']})
    page = text.table(frame)._repr_html_()
    assert "<img" not in page and "<b>" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page


def test_wide_table_marks_extra_columns_and_long_table_is_cut():
    frame = pd.DataFrame(np.arange(12 * 40).reshape(40, 12), columns=[f"c{i}" for i in range(12)])
    page = text.table(frame)._repr_html_()
    header = re.search(r"<thead>(.*?)</thead>", page).group(1)
    assert header.count("crmlab-extra") == 12 - text.CLIENT_COLUMNS
    assert page.count("<tr>") == 1 + text.MAX_ROWS
    assert f"First {text.MAX_ROWS} of 40 rows." in page
    assert "8 of 12 columns shown" in page


def test_transposed_summary_formats_each_row_by_its_label():
    whale = pd.DataFrame(
        {
            "n_customers": [2357.0],
            "top_20_share": [0.8162],
            "gini": [0.8213],
            "aggregate_error_pct": [-12.14],
        }
    ).T
    whale.columns = ["whale curve"]
    _, *rows = _cells(whale)
    shown = {row[0]: row[1] for row in rows}
    assert shown["top_20_share"] == "81.6%"
    assert shown["aggregate_error_pct"] == "-12.1"
    assert shown["n_customers"] == "2,357"
    assert shown["gini"] == "0.821"


def test_figure_title_is_the_suptitle_or_the_axes_title():
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    assert text.figure_title(fig) == ""
    ax.set_title("Whale curve")
    assert text.figure_title(fig) == "Whale curve"
    fig.suptitle("Overall")
    assert text.figure_title(fig) == "Overall"


def test_data_description_is_computed_from_the_data():
    rng = np.random.default_rng(5)
    ids = rng.integers(0, 40, size=300)
    dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200, size=300), "D")
    tx = pd.DataFrame({"customer_id": ids, "date": dates, "amount": 1.0})
    n = tx["customer_id"].nunique()
    ones = int((tx.groupby("customer_id")["date"].nunique() == 1).sum())
    sentence = str(
        text.data_description(tx, text.source_name("/x/y/orders.csv", "d"), currency="EUR")
    )
    assert sentence.startswith(
        f"Data: orders.csv, {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
    )
    assert f"{n:,} customers" in sentence and f"{ones:,} one-time" in sentence
    assert "amounts in EUR" in sentence
    assert text.source_name("", "the bundled CDNOW sample") == "the bundled CDNOW sample"


# ------------------------------------------------------------------------ client notebooks
def _nb(papermill_parameters=None, crmlab_meta=None):
    def md(src, *tags):
        return nbformat.v4.new_markdown_cell(src, metadata={"tags": list(tags)})

    def code(out, *tags):
        cell = nbformat.v4.new_code_cell("x", metadata={"tags": list(tags)})
        cell.outputs = [nbformat.v4.new_output("stream", text=out)] if out else []
        return cell

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md("# Title\n\n**What you will learn.** tutorial", "teaching"),
        code("", "parameters"),
        md("## 1. The data\n\nThe bundled data hold 2,357 customers.", "teaching"),
        code("head rows", "teaching"),
        md("## 2. Section\n\nexplained", "teaching"),
        code("section table"),
        md("## 3. Textbook\n\ncohorts", "textbook:subscriptions_path"),
        code("sbg table", "textbook:subscriptions_path"),
        md("## 4. Always textbook", "textbook"),
        code("ecsi table", "textbook"),
        md("## 9. Cross-check", "researcher"),
        code("cross-check", "researcher"),
        code("client line", "client-only"),
        md("## Key findings", "summary"),
        code("FINDINGS", "summary"),
        md("### References\n\n- A. (2000)", "researcher"),
    ]
    if papermill_parameters is not None:
        nb.metadata["papermill"] = {"parameters": papermill_parameters}
    if crmlab_meta is not None:
        nb.metadata["crmlab"] = crmlab_meta
    return nb


def _texts(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            out.append(cell.source)
        else:
            out.append("".join(o.get("text", "") for o in cell.outputs))
    return out


def test_client_notebook_puts_findings_first_and_drops_teaching_and_research():
    client = html.client_notebook(_nb())
    shown = _texts(client)
    assert shown[:2] == ["## Key findings", "FINDINGS"]
    assert "## 1. The data" not in shown  # a heading with nothing under it
    assert "head rows" not in shown and "cross-check" not in shown
    assert "## 2. Section" in shown and "section table" in shown
    assert not any("What you will learn" in s or "2,357" in s or "References" in s for s in shown)
    assert "client line" in shown
    boxed = [c for c in client.cells if html.ILLUSTRATION_CLASS in c.metadata.get("tags", [])]
    assert {_texts(nbformat.v4.new_notebook(cells=[c]))[0] for c in boxed} >= {
        "sbg table",
        "ecsi table",
    }


def test_client_notebook_leaves_textbook_out_on_own_data_and_keeps_given_inputs():
    params = {
        "transactions_path": {"value": "orders.csv", "given": True},
        "subscriptions_path": {"value": "subs.csv", "given": True},
    }
    shown = _texts(html.client_notebook(_nb(crmlab_meta={"parameters": params})))
    assert "ecsi table" not in shown and "## 4. Always textbook" not in shown
    assert "sbg table" in shown  # the user's own subscriptions: no longer textbook
    params["subscriptions_path"] = {"value": "", "given": False}
    shown = _texts(html.client_notebook(_nb(crmlab_meta={"parameters": params})))
    assert "sbg table" not in shown
    # without crmlab metadata, papermill's injected values count as given
    shown = _texts(html.client_notebook(_nb(papermill_parameters={"survey_path": "s.csv"})))
    assert "ecsi table" not in shown


def test_teaching_notebook_keeps_everything_but_client_only_cells():
    teaching = _texts(html.teaching_notebook(_nb()))
    assert "client line" not in teaching
    assert "cross-check" in teaching and "head rows" in teaching


def _write_reports(tmp_path, nb):
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    full, client = tmp_path / "n.html", tmp_path / "n.client.html"
    header = {"title": "T", "run_date": "2026-01-01", "version": "0", "status": "ok"}
    html.ReportWriter().write(path, full, client, header)
    return full.read_text(encoding="utf-8"), client.read_text(encoding="utf-8")


def test_assumptions_and_data_notes_boxes_come_from_metadata(tmp_path):
    meta = {
        "parameters": {
            "margin_rate": {"value": 0.3, "given": False},
            "cost_per_purchase": {"value": 5.0, "given": True},
            "client_name": {"value": "Müller & Söhne </style><script>x()</script>", "given": True},
            "currency": {"value": "EUR", "given": True},
        },
        "notes": [{"category": "duplicates", "message": "rows <b>repeated</b>", "count": 255}],
    }
    full, client = _write_reports(tmp_path, _nb(crmlab_meta=meta))
    assert '<section class="crmlab-box crmlab-assumptions">' in client
    assert '<section class="crmlab-box crmlab-notes">' in client
    assumptions = re.search(r'crmlab-assumptions">(.*?)</section>', client, re.S).group(1)
    assert "Gross margin rate</td><td>30.0%</td><td>default" in assumptions
    assert "5.00 EUR</td><td>given" in assumptions
    assert "rows &lt;b&gt;repeated&lt;/b&gt; (255)" in client
    assert "<script>x()" not in client and "Prepared for Müller &amp; Söhne" in client
    assert '<section class="crmlab-box' not in full
    _, bare = _write_reports(tmp_path, _nb())
    assert '<section class="crmlab-box' not in bare


def test_css_string_cannot_leave_the_string_or_the_style_element():
    value = html.css_string('a" } body { x: "</style><script>')
    assert value.startswith('"') and value.endswith('"')
    assert '"' not in value[1:-1] and "<" not in value and ">" not in value


# ------------------------------------------------------------------------------- exports
def test_export_does_nothing_outside_a_run(tmp_path, monkeypatch):
    monkeypatch.delenv(exports.ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert exports.export("t", pd.DataFrame({"a": [1]})) is None
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ParameterError, match="export name"):
        exports.export("../x", pd.DataFrame({"a": [1]}))


def _sheet_rows(book: Path) -> dict[str, int]:
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(book) as zf:
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        names = [s.get("name") for s in wb.find("m:sheets", ns)]
        return {
            name: len(
                ElementTree.fromstring(zf.read(f"xl/worksheets/sheet{i}.xml")).findall(
                    ".//m:row", ns
                )
            )
            - 1
            for i, name in enumerate(names, start=1)
        }


@pytest.fixture
def export_run(tmp_path, monkeypatch):
    """A run folder ready for exports, as the runner prepares it, as the current folder."""
    run = tmp_path / "run"
    run.mkdir()
    exports.prepare(run)
    monkeypatch.delenv(exports.ENV, raising=False)
    monkeypatch.chdir(run)
    return run


def test_collect_names_tables_and_writes_a_workbook(export_run):
    run = export_run
    customers = pd.DataFrame(
        {"clv": np.linspace(0, 1, 37), "when": pd.date_range("2024-01-01", periods=37)},
        index=pd.Index([f"<c{i}>" for i in range(37)], name="customer_id"),
    )
    assert exports.export("clv", customers) is not None
    exports.export("segments", customers["clv"].rename("share"))
    records = exports.collect(run, "03_x")
    by_table = {r["table"]: r for r in records}
    assert set(by_table) == {"clv", "segments", "workbook"}
    clv = run / by_table["clv"]["path"]
    assert clv.name == "03_x.clv.csv" and by_table["clv"]["rows"] == len(customers)
    assert pd.read_csv(clv)["customer_id"].tolist() == customers.index.tolist()
    assert by_table["clv"]["sha256"] == hashlib.sha256(clv.read_bytes()).hexdigest()
    book = run / by_table["workbook"]["path"]
    assert book.name == "03_x.xlsx"
    assert _sheet_rows(book) == {"clv": len(customers), "segments": len(customers)}
    first = book.read_bytes()
    exports.write_workbook(book, [("clv", clv), ("segments", run / by_table["segments"]["path"])])
    assert book.read_bytes() == first  # same tables, same bytes
    assert exports.collect(run, "04_y") == []  # nothing new
    exports.finish(run)
    assert not (run / "exports" / exports.READY).exists() and (run / "exports").is_dir()


def test_export_then_collect_keeps_the_frames_types(export_run):
    from tests.test_deliverable_xlsx import _table

    run = export_run
    exports.export("customers", _table().set_index("customer_id"))
    records = {r["table"]: r for r in exports.collect(run, "00_x")}
    book = records["workbook"]
    assert book["sheets"] == [{"sheet": "customers", "table": "customers", "rows": 3}]
    assert not list((run / "exports").glob(".*.json"))  # the type notes are gone
    ws = openpyxl.load_workbook(run / book["path"])["customers"]
    assert ws["A2"].value == "00123" and ws["B2"].value == 3 and ws["D2"].value is True
    assert ws["E2"].value == dt.datetime(1997, 1, 1)
    assert ws["F2"].value == dt.datetime(1997, 1, 1, 10, 30)  # the time is kept in the CSV too
    csv = pd.read_csv(run / records["customers"]["path"], dtype=str)
    assert csv.loc[0, "seen"] == "1997-01-01 10:30:00"
    assert book["sha256"] == hashlib.sha256((run / book["path"]).read_bytes()).hexdigest()
    json.dumps(records)


def test_workbook_opens_with_openpyxl(tmp_path):
    csv = tmp_path / "t.csv"
    pd.DataFrame({"customer_id": ["a", "b"], "clv": [1.5, 2.0]}).to_csv(csv, index=False)
    book = tmp_path / "t.xlsx"
    assert exports.write_workbook(book, [("clv", csv)]) == [
        {"sheet": "clv", "table": "clv", "rows": 2}
    ]
    ws = openpyxl.load_workbook(book)["clv"]
    assert [c.value for c in ws[1]] == ["customer_id", "clv"]
    assert ws.max_row == 3 and ws["B3"].value == 2.0 and ws["A1"].font.bold


def test_a_csv_without_its_types_is_read_by_its_values(tmp_path):
    """A CSV crmlab's export did not write: numbers and ISO dates are guessed, the rest text."""
    csv = tmp_path / "t.csv"
    csv.write_text(
        "id,n,when,label\n00123,3,2024-01-31,x\n7,-1.5e3,2024-02-01 10:00:00,\n",
        encoding="utf-8",
    )
    exports.write_workbook(tmp_path / "t.xlsx", [("t", csv)])
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["t"]
    assert [ws["A2"].value, ws["A3"].value] == ["00123", "7"]  # a leading zero: an id, text
    assert [ws["B2"].value, ws["B3"].value] == [3, -1500.0]
    assert ws["C2"].value == dt.datetime(2024, 1, 31) and ws["C3"].value.hour == 10
    assert ws["D2"].value == "x" and ws["D3"].value is None


def test_finish_removes_an_empty_exports_folder(tmp_path):
    exports.prepare(tmp_path)
    exports.finish(tmp_path)
    assert not (tmp_path / "exports").exists()


# ----------------------------------------------------------------------------------- PDF
def test_no_browser_is_one_line_saying_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(pdf.ENV, raising=False)
    with pytest.raises(ParameterError) as info:
        pdf.find_browser()
    message = str(info.value)
    assert "\n" not in message and "install" in message and "chromium" in message
    monkeypatch.setenv(pdf.ENV, str(tmp_path / "no-such-browser"))
    with pytest.raises(ParameterError, match=pdf.ENV):
        pdf.find_browser()


def test_run_with_pdf_and_no_browser_fails_before_any_kernel(tmp_path, monkeypatch):
    from crmlab.report import run_notebooks

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(pdf.ENV, raising=False)
    out = tmp_path / "run"
    with pytest.raises(ParameterError, match="--pdf needs headless Chromium"):
        run_notebooks(["00"], out=out, notebooks_dir=FIXTURES, progress=False, pdf=True)
    assert not out.exists() and not (tmp_path / ".failed").exists()


def test_cli_pdf_without_browser_prints_one_line(tmp_path, monkeypatch, capsys):
    from crmlab.cli import main

    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv(pdf.ENV, raising=False)
    monkeypatch.setenv("CRMLAB_NOTEBOOKS_DIR", str(FIXTURES))
    code = main(["run", "00", "--pdf", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and "install" in err
    assert not (tmp_path / "run").exists()


def _index_records():
    clv_hash, book_hash = "a" * 64, "b" * 64
    exported = [
        {
            "table": "clv",
            "path": "exports/03_x.clv.csv",
            "rows": 2357,
            "bytes": 1,
            "sha256": clv_hash,
        },
        {
            "table": "workbook",
            "path": "exports/03_x.xlsx",
            "rows": None,
            "bytes": 2048,
            "sha256": book_hash,
            "sheets": [{"sheet": "clv", "table": "clv", "rows": 2357}],
        },
    ]
    outputs = ["03_x.ipynb", "03_x.html", "03_x.client.html", "03_x.client.pdf"]
    good = {
        "notebook": "03_x",
        "title": "CLV <i>estimation</i>",
        "status": "ok",
        "outputs": outputs,
        "exports": exported,
        "parameters": {"client_name": "Müller & Söhne <GmbH>", "margin_rate": 0.3},
        "overrides": ["client_name"],
        "notes": [{"category": "c", "message": "255 duplicates kept", "count": 1}],
    }
    failed = {
        "notebook": "04_y",
        "title": "Retention",
        "status": "failed",
        "outputs": ["04_y.ipynb", "04_y.html", "04_y.client.html"],
        "error": {"message": "Traceback secret"},
    }
    return [good, failed], clv_hash, book_hash


def test_index_lists_exports_with_rows_and_sha256_in_both_views(tmp_path):
    from crmlab.report import index

    notebooks, clv_hash, book_hash = _index_records()
    html.write_index(
        tmp_path / "index.html",
        {"run_id": "r", "started_at": "2026-03-04T05:06:07Z", "crmlab_version": "9.9"},
        notebooks,
    )
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    client = (tmp_path / index.CLIENT_INDEX).read_text(encoding="utf-8")
    for shown in (page, client):
        assert 'href="exports/03_x.clv.csv"' in shown and "2,357 rows" in shown
        assert clv_hash in shown and book_hash in shown and "2.0 KB" in shown
        assert 'href="exports/03_x.xlsx"' in shown and "sheet clv: 2,357 rows" in shown
        assert 'href="03_x.client.html"' in shown and 'href="03_x.client.pdf"' in shown
        assert "CLV &lt;i&gt;estimation&lt;/i&gt;" in shown and "<i>" not in shown
    assert f'href="{index.CLIENT_INDEX}"' in page
    assert 'href="03_x.html"' in page and 'href="03_x.ipynb"' in page
    # the client view: only the client's pack
    assert "Reports for Müller &amp; Söhne &lt;GmbH&gt;" in client
    hrefs = re.findall(r'href="([^"]+)"', client)
    assert set(hrefs) == set(index.client_files(notebooks))
    assert set(hrefs) == {
        "03_x.client.html",
        "03_x.client.pdf",
        "exports/03_x.clv.csv",
        "exports/03_x.xlsx",
    }
    for absent in ("04_y", "Retention", "Traceback", "margin_rate", "9.9", "manifest", "notebook"):
        assert absent not in client, absent
    assert "duplicates" not in client  # the data notes are in the client report itself
    json.dumps(notebooks)  # manifest-ready


def test_no_client_index_without_a_good_report(tmp_path):
    from crmlab.report import index

    notebooks, _, _ = _index_records()
    html.write_index(tmp_path / "index.html", {"run_id": "r"}, notebooks[1:])
    assert not (tmp_path / index.CLIENT_INDEX).exists()
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert index.CLIENT_INDEX not in page  # nothing to send
