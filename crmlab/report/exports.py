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


def write_workbook(path: Path, tables: list[tuple[str, Path]]) -> Path:
    """One ``.xlsx`` with a sheet per ``(name, csv)``: formatted header, fitted widths."""
    import pandas as pd
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    used: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, csv_path in tables:
            frame = pd.read_csv(csv_path, encoding="utf-8", keep_default_na=True)
            for column in frame.columns:
                values = frame[column].dropna()
                if frame[column].dtype == object and len(values):
                    if values.astype(str).str.match(_DATE).all():
                        frame[column] = pd.to_datetime(frame[column], errors="coerce")
            sheet = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "table"
            while sheet in used:
                sheet = sheet[:28] + f"_{len(used)}"
            used.add(sheet)
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            ws.freeze_panes = "A2"
            for i, column in enumerate(frame.columns, start=1):
                cell = ws.cell(row=1, column=i)
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE3EA")
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                sample = frame[column].head(200).astype(str).map(len)
                width = max([len(str(column)), *sample.tolist()] or [8])
                ws.column_dimensions[get_column_letter(i)].width = min(40, max(8, width + 2))
    return path


def finish(run_folder: Path) -> None:
    """Remove the runner's mark from ``exports/``, and the folder when nothing was exported."""
    folder = run_folder / EXPORTS_DIR
    ready = folder / READY
    if ready.is_file():
        ready.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
