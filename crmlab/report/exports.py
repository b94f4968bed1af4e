"""Exports of a run: every customer-level table in full, as CSV and as one workbook per notebook.

A notebook calls :func:`export` (``crmlab.report.export("clv", values)``); the call writes
``exports/<table>.csv`` (UTF-8, a named index as the first column, dates as ISO text) and
beside it the column types of the frame, into the folder the runner prepared, and does nothing
outside a run (a notebook opened in Jupyter writes no files), unless ``CRMLAB_EXPORT_DIR`` names
a folder. After each notebook the runner (:func:`collect`) renames its tables to
``exports/NN_name.<table>.csv`` and writes ``exports/NN_name.xlsx`` with crmlab's own
deterministic writer (:mod:`crmlab.report.xlsx`: a sheet per table, typed cells, bold frozen
header, fitted widths, byte-identical for identical tables); the records (path, rows, bytes,
sha256; the workbook's sheets with their rows) go into ``manifest.json`` and both views of
``index.html``.
"""

from __future__ import annotations

import csv
import json
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
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    kinds = [_kind(frame.iloc[:, i]) for i in range(frame.shape[1])]
    _kinds_path(path).write_text(json.dumps({"kinds": kinds}) + "\n", encoding="utf-8")
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
    for the workbook (``table`` ``"workbook"``, ``rows`` None, ``sheets``: ``[{"sheet",
    "table", "rows"}]``); an empty list when the notebook exported nothing.
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
        kinds = _kinds_path(path)
        if kinds.is_file():
            os.replace(kinds, _kinds_path(target))
        tables.append((path.stem, target))
        records.append(_record(run_folder, target, path.stem, _rows(target)))
    if tables:
        book = folder / f"{stem}.xlsx"
        sheets = write_workbook(book, tables)
        records.append({**_record(run_folder, book, "workbook", None), "sheets": sheets})
        for _, target in tables:
            _kinds_path(target).unlink(missing_ok=True)
    return records


def _kind(series: Any) -> str:
    """How a column is typed in the workbook: ``int``, ``float``, ``bool``, ``date`` or ``text``."""
    from pandas.api import types

    dtype = series.dtype
    if types.is_bool_dtype(dtype):
        return "bool"
    if types.is_integer_dtype(dtype):
        return "int"
    if types.is_float_dtype(dtype):
        return "float"
    if types.is_datetime64_any_dtype(dtype):
        return "date"
    inferred = types.infer_dtype(series, skipna=True)
    return {
        "integer": "int",
        "floating": "float",
        "mixed-integer-float": "float",
        "decimal": "float",
        "boolean": "bool",
        "datetime": "date",
        "datetime64": "date",
        "date": "date",
    }.get(inferred, "text")


def _kinds_path(csv_path: Path) -> Path:
    return csv_path.with_name(f".{csv_path.stem}.kinds.json")


def _read_table(csv_path: Path, kinds: list[str] | None = None) -> Any:
    """An exported CSV read back with the column types its frame had (``kinds``).

    Without ``kinds`` (a CSV crmlab's :func:`export` did not write) every column is text but
    those whose values all read as numbers or as ISO dates.
    """
    import pandas as pd

    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    if kinds is None or len(kinds) != raw.shape[1]:
        kinds = [_guess(raw.iloc[:, i]) for i in range(raw.shape[1])]
    columns = {}
    for i, kind in enumerate(kinds):
        values = raw.iloc[:, i].mask(raw.iloc[:, i] == "")
        if kind in ("int", "float"):
            number = pd.to_numeric(values, errors="coerce")
            columns[i] = number.astype("Int64") if kind == "int" and _whole(number) else number
        elif kind == "bool":
            columns[i] = values.map({"True": True, "False": False})
        elif kind == "date":
            columns[i] = pd.to_datetime(values, format="ISO8601", errors="coerce")
        else:
            columns[i] = values
    frame = pd.DataFrame(columns)
    frame.columns = list(raw.columns)
    return frame


def _whole(number: Any) -> bool:
    finite = number.dropna()
    return bool((finite == finite.round()).all())


def _guess(values: Any) -> str:
    import pandas as pd

    given = values[values != ""]
    if not len(given):
        return "text"
    if given.str.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?").all():
        return "float"
    if (
        given.str.match(_DATE.pattern).all()
        and pd.to_datetime(given, format="ISO8601", errors="coerce").notna().all()
    ):
        return "date"
    return "text"


def write_workbook(path: Path, tables: list[tuple[str, Path]]) -> list[dict[str, Any]]:
    """One ``.xlsx`` with a sheet per ``(name, csv)``, by :func:`crmlab.report.xlsx.write_xlsx`.

    Each CSV is read back with the column types of the frame :func:`export` wrote (kept beside
    it), so a customer id ``"00123"`` stays text, numbers are numbers and dates are dates; the
    same tables give the same bytes (and sha256) in every run. Returns the sheets written
    (``sheet``, ``table``, ``rows``).
    """
    from crmlab.report.xlsx import write_xlsx

    frames = []
    for name, csv_path in tables:
        kinds = None
        try:
            kinds = json.loads(_kinds_path(csv_path).read_text(encoding="utf-8"))["kinds"]
        except (OSError, ValueError, KeyError, TypeError):
            pass
        frames.append((name, _read_table(csv_path, kinds)))
    return write_xlsx(path, frames)


def finish(run_folder: Path) -> None:
    """Remove the runner's mark from ``exports/``, and the folder when nothing was exported."""
    folder = run_folder / EXPORTS_DIR
    ready = folder / READY
    if ready.is_file():
        ready.unlink()
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
