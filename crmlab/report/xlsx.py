"""crmlab's own ``.xlsx`` writer: small, correct Office Open XML (SpreadsheetML), byte-identical.

The exports' workbooks (:mod:`crmlab.report.exports`) are written here with :mod:`zipfile`
and nothing else, so that identical tables give identical bytes (and one sha256 in every run's
manifest) and no spreadsheet library is a runtime dependency (tests open the result with
openpyxl, a ``dev`` extra). What a workbook holds:

- one sheet per table (a table longer than Excel's 1,048,576 rows continues on sheets
  ``name_2``, ``name_3``, ...), each with a bold header row on a grey fill, frozen, and column
  widths fitted to the header and the first rows;
- numbers as numbers (integers of 16 digits or more as text, which Excel would round), booleans
  as booleans, dates and times as date serials with a ``yyyy-mm-dd`` (``yyyy-mm-dd hh:mm:ss``)
  number format, missing values (None, NaN, NaT, infinities) as empty cells;
- every other value as an inline string, XML-escaped, with the characters XML 1.0 forbids
  removed and cut at Excel's 32,767 characters; a string that starts like a formula (``=``,
  ``+``, ``-``, ``@``, tab, carriage return) is text with Excel's quote prefix, so it is never
  evaluated, not even after an edit of the cell (formula injection);
- sheet names made legal (:func:`sheet_names`: at most 31 characters, none of ``[]:*?/\\``, no
  leading or trailing apostrophe, not ``History``, unique ignoring case).

Determinism: zip entries sorted by name, every timestamp 1980-01-01 00:00, fixed permissions and
creator system, no document properties holding dates; the bytes then depend only on the tables
(and on zlib, which is the same across runs of one installation).

References: ECMA-376 Part 1, "Office Open XML File Formats", 5th edition (2016), §18 (SpreadsheetML);
Excel's limits as documented by Microsoft ("Excel specifications and limits").
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

__all__ = ["MAX_ROWS", "SHEET_NAME_MAX", "sheet_names", "write_xlsx"]

#: Rows of one Excel sheet (header included).
MAX_ROWS = 1_048_576
#: Columns of one Excel sheet.
MAX_COLUMNS = 16_384
#: Longest sheet name Excel accepts.
SHEET_NAME_MAX = 31
#: Longest text one Excel cell holds.
MAX_CELL_TEXT = 32_767
#: Integers from this size on are written as text (Excel keeps 15 significant digits).
MAX_EXACT_INT = 10**15
#: First characters that make spreadsheet programs read a string as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_EPOCH = _dt.datetime(1899, 12, 30)  # Excel's day 0 in the 1900 date system
_FIRST_DATE = _dt.datetime(1900, 3, 1)  # before it Excel's serials are off by its 1900 leap day

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# cell styles (indexes into cellXfs below)
_HEADER, _DATE, _DATETIME, _QUOTED = 1, 2, 3, 4
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFDDE3EA"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
    'applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" '
    'quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def sheet_names(names: Iterable[Any]) -> list[str]:
    """Legal, distinct Excel sheet names for ``names``, in order.

    Characters Excel refuses (``[ ] : * ? / \\`` and control characters) become ``_``; leading
    and trailing apostrophes are dropped; an empty name becomes ``Sheet``; ``History`` (reserved
    by Excel) becomes ``History_``; names are cut to 31 characters; a name equal to an earlier
    one, ignoring case as Excel does, gets a suffix ``_2``, ``_3``, ... within the 31.
    """
    used: set[str] = set()
    out = []
    for raw in names:
        name = _FORBIDDEN_IN_SHEET_NAME.sub("_", _NOT_XML.sub("", str(raw))).strip("'")
        name = name[:SHEET_NAME_MAX] or "Sheet"
        if name.casefold() == "history":
            name += "_"
        candidate, n = name, 1
        while candidate.casefold() in used:
            n += 1
            suffix = f"_{n}"
            candidate = name[: SHEET_NAME_MAX - len(suffix)].rstrip("'") + suffix
        used.add(candidate.casefold())
        out.append(candidate)
    return out


def _column_letter(n: int) -> str:
    """Excel's column name of the 1-based column ``n`` (1 -> A, 27 -> AA)."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _xml(value: str) -> str:
    text = _NOT_XML.sub("", value)[:MAX_CELL_TEXT]
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return _xml(value).replace('"', "&quot;")


def _text_cell(ref: str, value: str, style: int = 0) -> str:
    if style == 0 and value.startswith(FORMULA_START):
        style = _QUOTED
    text = _xml(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _as_datetime(value: Any) -> _dt.datetime | None:
    """A naive datetime for date-like values (tz-aware ones at their wall time), else None."""
    if isinstance(value, _dt.datetime):  # pandas Timestamp included
        return value.replace(tzinfo=None)
    if isinstance(value, _dt.date):
        return _dt.datetime(value.year, value.month, value.day)
    if hasattr(value, "dtype") and str(getattr(value, "dtype", "")).startswith("datetime64"):
        import pandas as pd

        return pd.Timestamp(value).to_pydatetime()
    return None


def _date_cell(ref: str, when: _dt.datetime) -> str:
    if when < _FIRST_DATE:
        return _text_cell(ref, when.isoformat(sep=" "))
    delta = when - _EPOCH
    has_time = bool(delta.seconds or delta.microseconds)
    serial = delta.days + (delta.seconds + delta.microseconds / 1e6) / 86400.0
    shown = repr(serial) if has_time else str(delta.days)
    return f'<c r="{ref}" s="{_DATETIME if has_time else _DATE}"><v>{shown}</v></c>'


def _cell(ref: str, value: Any) -> str:
    """One ``<c>`` element for ``value``; empty for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return f'<c r="{ref}" t="b"><v>{int(bool(value))}</v></c>'
    if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
        number = int(value)
        if abs(number) >= MAX_EXACT_INT:
            return _text_cell(ref, str(number))
        return f'<c r="{ref}"><v>{number}</v></c>'
    if isinstance(value, float) or type(value).__name__.startswith("float"):
        number = float(value)
        if not math.isfinite(number):
            return ""
        return f'<c r="{ref}"><v>{number!r}</v></c>'
    when = _as_datetime(value)
    if when is not None:
        return _date_cell(ref, when)
    if type(value).__name__ in ("NaTType", "NAType"):
        return ""
    return _text_cell(ref, str(value))


def _shown_length(value: Any) -> int:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return 0
    when = _as_datetime(value)
    if when is not None:
        return 19 if (when.hour or when.minute or when.second) else 10
    if isinstance(value, float):
        return len(f"{value:.6g}")
    return len(str(value))


def _widths(header: Sequence[str], columns: Sequence[Sequence[Any]]) -> list[float]:
    out = []
    for name, values in zip(header, columns, strict=True):
        longest = max([len(name), *(_shown_length(v) for v in values[:200])])
        out.append(float(min(50, max(8, longest + 2))))
    return out


class _Sheet:
    """One sheet's header and columns (Python values, one list per column)."""

    def __init__(self, name: str, header: list[str], columns: list[list[Any]]) -> None:
        if len(header) > MAX_COLUMNS:
            from crmlab.errors import ParameterError

            raise ParameterError(
                f"table {name!r} has {len(header):,} columns; an Excel sheet holds at most "
                f"{MAX_COLUMNS:,}: export fewer columns",
                parameter="frame",
            )
        self.name, self.header, self.columns = name, header, columns
        self.n_rows = len(columns[0]) if columns else 0

    def xml(self) -> Iterator[str]:
        """The worksheet part, in pieces."""
        n_cols = len(self.header)
        last = f"{_column_letter(max(n_cols, 1))}{self.n_rows + 1}"
        yield (
            f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
            f'<dimension ref="A1:{last}"/>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" '
            'activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>'
        )
        if n_cols:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(_widths(self.header, self.columns), start=1)
            )
            yield f"<cols>{cols}</cols>"
        letters = [_column_letter(i) for i in range(1, n_cols + 1)]
        header = "".join(
            _text_cell(f"{c}1", str(v), _HEADER) for c, v in zip(letters, self.header, strict=True)
        )
        yield f'<sheetData><row r="1">{header}</row>'
        chunk: list[str] = []
        for r, values in enumerate(zip(*self.columns, strict=True), start=2):
            cells = "".join(_cell(f"{c}{r}", v) for c, v in zip(letters, values, strict=True))
            chunk.append(f'<row r="{r}">{cells}</row>')
            if len(chunk) >= 2000:
                yield "".join(chunk)
                chunk = []
        yield "".join(chunk)
        yield "</sheetData></worksheet>"


def _python_columns(frame: Any) -> tuple[list[str], list[list[Any]]]:
    """Header and per-column Python values of a DataFrame (a named index first)."""
    import pandas as pd

    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    header = [str(c) for c in frame.columns]
    columns = []
    for i in range(frame.shape[1]):
        series = frame.iloc[:, i]
        values = series.astype(object).where(series.notna(), None).tolist()
        columns.append(values)
    return header, columns


def _split(name: str, header: list[str], columns: list[list[Any]]) -> list[tuple[str, Any]]:
    """A table longer than one sheet holds, as ``(name, part)`` pieces of at most MAX_ROWS - 1."""
    per_sheet = MAX_ROWS - 1
    n = len(columns[0]) if columns else 0
    if n <= per_sheet:
        return [(name, (header, columns))]
    parts = []
    for k, start in enumerate(range(0, n, per_sheet), start=1):
        part = [col[start : start + per_sheet] for col in columns]
        parts.append((name if k == 1 else f"{name}_{k}", (header, part)))
    return parts


def _write_entry(zf: zipfile.ZipFile, name: str, pieces: Iterable[str]) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # the same bytes whichever system writes them
    info.external_attr = 0o100644 << 16
    with zf.open(info, "w", force_zip64=False) as fh:
        out: IO[bytes] = fh
        for piece in pieces:
            out.write(piece.encode("utf-8"))


def write_xlsx(path: str | Path, tables: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Write ``tables`` (``(name, DataFrame)`` pairs) as one ``.xlsx`` workbook at ``path``.

    Parameters
    ----------
    path : path-like
        The workbook to write (replaced if it exists).
    tables : sequence of (str, DataFrame or Series)
        One sheet per table, in order; a named (non-range) index becomes the first column.

    Returns
    -------
    list of dict
        Per sheet: ``{"sheet", "table", "rows"}`` (``rows`` without the header).

    Raises
    ------
    crmlab.errors.ParameterError
        A table with more columns than a sheet holds, or no table at all.
    """
    if not tables:
        from crmlab.errors import ParameterError

        raise ParameterError("a workbook needs at least one table", parameter="tables")
    pieces: list[tuple[str, str, Any]] = []
    for table, frame in tables:
        header, columns = _python_columns(frame)
        for part_name, part in _split(str(table), header, columns):
            pieces.append((str(table), part_name, part))
    names = sheet_names(p[1] for p in pieces)
    sheets = [
        _Sheet(name, header, columns)
        for name, (_, _, (header, columns)) in zip(names, pieces, strict=True)
    ]
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_CT}.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    parts: dict[str, Iterable[str]] = {
        "[Content_Types].xml": [
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            f"{overrides}</Types>"
        ],
        "_rels/.rels": [
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ],
        "xl/workbook.xml": [
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews><sheets>'
            + "".join(
                f'<sheet name="{_attr(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                for i, s in enumerate(sheets, start=1)
            )
            + "</sheets></workbook>"
        ],
        "xl/_rels/workbook.xml.rels": [
            f'{_HEAD}<Relationships xmlns="{_PKG}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                f'Target="worksheets/sheet{i}.xml"/>'
                for i in range(1, n + 1)
            )
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"
        ],
        "xl/styles.xml": [_STYLES],
    }
    for i, sheet in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheet.xml()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(parts):
            _write_entry(zf, name, parts[name])
    return [
        {"sheet": s.name, "table": table, "rows": s.n_rows}
        for s, (table, _, _) in zip(sheets, pieces, strict=True)
    ]
