"""Exports of a run: every customer-level table in full, as CSV and as one workbook per notebook.

A notebook calls :func:`export` (``crmlab.report.export("clv", values)``); the call writes
``exports/<table>.csv`` into the folder the runner prepared and does nothing outside a run
(a notebook opened in Jupyter writes no files), unless ``CRMLAB_EXPORT_DIR`` names a folder.
After each notebook the runner (:func:`collect`) renames its tables to
``exports/NN_name.<table>.csv`` and writes ``exports/NN_name.xlsx`` (a sheet per table, bold
headers on a grey fill, frozen header row, column widths fitted); the records (path, rows,
bytes, sha256) go into ``manifest.json`` and ``index.html``.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path
from typing import Any

__all__ = ["ENV", "EXPORTS_DIR", "collect", "export", "export_folder", "finish", "prepare"]

#: Folder of the exports inside a run folder.
EXPORTS_DIR = "exports"
#: Environment variable naming an export folder outside a run.
ENV = "CRMLAB_EXPORT_DIR"
#: File the runner puts into ``exports/`` while notebooks run (removed at the end).
READY = ".crmlab-exports"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,60}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?$")


def export_folder() -> Path | None:
    """Where :func:`export` writes: ``$CRMLAB_EXPORT_DIR``, the run's ``exports/``, or None."""
    given = os.environ.get(ENV, "").strip()
    if given:
        return Path(given)
    here = Path.cwd() / EXPORTS_DIR
    return here if (here / READY).is_file() else None


def export(name: str, frame: Any) -> Path | None:
    """Write ``frame`` in full as ``exports/<name>.csv`` of the current run; its path or None.

    Parameters
    ----------
    name : str
        Table name: letters, digits, ``_`` and ``-`` (e.g. ``"clv_per_customer"``).
    frame : DataFrame or Series
        The table; a named index (the customer id) becomes the first column.

    Raises
    ------
    crmlab.errors.ParameterError
        ``name`` is not a plain table name.
    """
    import pandas as pd

    from crmlab.errors import ParameterError

    if not _NAME.match(str(name)):
        raise ParameterError(
            f"export name {name!r} must be letters, digits, '_' or '-' (at most 61)",
            parameter="name",
        )
    folder = export_folder()
    if folder is None:
        return None
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    keep_index = not isinstance(frame.index, pd.RangeIndex)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=keep_index, encoding="utf-8", date_format="%Y-%m-%d")
    return path


def prepare(run_folder: Path) -> Path:
    """Create ``exports/`` in a run folder, ready for the notebooks' :func:`export` calls."""
    folder = run_folder / EXPORTS_DIR
    folder.mkdir(exist_ok=True)
    (folder / READY).write_text("", encoding="utf-8")
    return folder


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as fh:
        return max(0, sum(1 for _ in csv.reader(fh)) - 1)


def _record(run_folder: Path, path: Path, table: str, rows: int | None) -> dict[str, Any]:
    from crmlab.report.manifest import sha256_file

    return {
        "table": table,
        "path": path.relative_to(run_folder).as_posix(),
        "rows": rows,
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def collect(run_folder: Path, stem: str) -> list[dict[str, Any]]:
    """Name the tables one notebook exported after it and write its workbook.

    Returns one record per CSV (``table``, ``path``, ``rows``, ``bytes``, ``sha256``) and one
    for the workbook (``rows`` None); an empty list when the notebook exported nothing.
    """
    folder = run_folder / EXPORTS_DIR
    if not folder.is_dir():
        return []
    written = sorted(p for p in folder.glob("*.csv") if "." not in p.stem)
    records = []
    tables: list[tuple[str, Path]] = []
    for path in written:
        target = folder / f"{stem}.{path.stem}.csv"
        os.replace(path, target)
        tables.append((path.stem, target))
        records.append(_record(run_folder, target, path.stem, _rows(target)))
    if tables:
        book = folder / f"{stem}.xlsx"
        write_workbook(book, tables)
        records.append(_record(run_folder, book, "workbook", None))
    return records


def _read_table(csv_path: Path) -> Any:
    import pandas as pd

    frame = pd.read_csv(csv_path, encoding="utf-8", keep_default_na=True)
    for column in frame.columns:
        values = frame[column].dropna()
        if frame[column].dtype == object and len(values):
            if all(_DATE.match(str(v)) for v in values.tolist()):
                frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


def _sheet_names(names: list[str]) -> list[str]:
    used: list[str] = []
    for name in names:
        sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
        while sheet in used:
            sheet = sheet[:27] + f"_{len(used)}"
        used.append(sheet)
    return used


def _width(frame: Any, column: Any) -> float:
    sample = [len(str(v)) for v in frame[column].head(200).tolist()]
    return float(min(40, max(8, max([len(str(column)), *sample]) + 2)))


def write_workbook(path: Path, tables: list[tuple[str, Path]]) -> Path:
    """One ``.xlsx`` with a sheet per ``(name, csv)``: bold header on a fill, frozen, fitted.

    Written by crmlab's own small writer (inline strings, numbers, dates as ``YYYY-MM-DD``
    text), with fixed zip timestamps, so the same tables give the same bytes (and sha256) in
    every run; Excel, LibreOffice and openpyxl open it.
    """
    frames = [_read_table(csv_path) for _, csv_path in tables]
    sheets = _sheet_names([name for name, _ in tables])
    return _write_minimal_xlsx(path, list(zip(sheets, frames, strict=True)))


def _column_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(value: Any) -> str:
    from xml.sax.saxutils import escape

    return escape(_XML_BAD.sub("", str(value)))


def _sheet_xml(frame: Any) -> str:
    import math

    import pandas as pd

    rows = []
    header = "".join(
        f'<c r="{_column_letter(i)}1" t="inlineStr" s="1"><is><t>{_xml_text(c)}</t></is></c>'
        for i, c in enumerate(frame.columns, start=1)
    )
    rows.append(f'<row r="1">{header}</row>')
    for r, record in enumerate(frame.itertuples(index=False, name=None), start=2):
        cells = []
        for i, value in enumerate(record, start=1):
            ref = f"{_column_letter(i)}{r}"
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            if isinstance(value, pd.Timestamp):
                if pd.isna(value):
                    continue
                value = value.strftime("%Y-%m-%d")
            if isinstance(value, bool) or not isinstance(value, int | float):
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(value)}</t></is></c>')
            elif math.isfinite(float(value)):
                cells.append(f'<c r="{ref}"><v>{float(value)!r}</v></c>')
        rows.append(f'<row r="{r}">{"".join(cells)}</row>')
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{_width(frame, c)}" customWidth="1"/>'
        for i, c in enumerate(frame.columns, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"{'<cols>' + cols + '</cols>' if cols else ''}"
        f"<sheetData>{''.join(rows)}</sheetData></worksheet>"
    )


def _write_minimal_xlsx(path: Path, sheets: list[tuple[str, Any]]) -> Path:
    import zipfile

    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{ct}.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    content_types = (
        f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{ct}.styles+xml"/>{overrides}</Types>'
    )
    root_rels = (
        f'{head}<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
        f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_list = "".join(
        f'<sheet name="{_xml_text(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, start=1)
    )
    workbook = (
        f'{head}<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>{sheet_list}</sheets></workbook>'
    )
    wb_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    n = len(sheets) + 1
    wb_rels = (
        f'{head}<Relationships xmlns="{pkg}">{wb_rels}<Relationship Id="rId{n}" '
        f'Type="{rel}/styles" Target="styles.xml"/></Relationships>'
    )
    styles = (
        f'{head}<styleSheet xmlns="{main}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="3"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill>'
        '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE3EA"/></patternFill></fill>'
        '</fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf/>'
        '<xf fontId="1" fillId="2" applyFont="1" applyFill="1" applyAlignment="1">'
        '<alignment wrapText="1" vertical="top"/></xf></cellXfs></styleSheet>'
    )
    parts = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", wb_rels),
        ("xl/styles.xml", styles),
    ]
    parts += [
        (f"xl/worksheets/sheet{i}.xml", _sheet_xml(frame))
        for i, (_, frame) in enumerate(sheets, start=1)
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data.encode("utf-8"))
    return path


def finish(run_folder: Path) -> None:
    """Remove the runner's mark from ``exports/``, and the folder when nothing was exported."""
    folder = run_folder / EXPORTS_DIR
    ready = folder / READY
    if ready.is_file():
        ready.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
