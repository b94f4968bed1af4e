"""The byte layer of :mod:`crmlab.io`: find, decompress, decode, sniff and parse a CSV or
Parquet file, and map its rows to file lines."""

from __future__ import annotations

import bz2
import csv
import gzip
import io as _io
import lzma
import os
import re
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab import _validation as v
from crmlab.errors import DataError, ParameterError
from crmlab.io.options import pass_hint

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")


_PARQUET_SUFFIXES = (".parquet", ".pq")


_COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip")


_DELIMITERS = (",", ";", "\t", "|")


_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


_SNIFF_LINES = 50


DUPLICATES_ATTR = "crmlab_duplicate_columns"


def read_file(
    source: Any,
    as_text: Any,
    *,
    encoding: str | None,
    sep: str | None,
    decimal: str,
    thousands: str | None,
    as_date: Any = None,
    date_format: str | None = None,
) -> tuple[pd.DataFrame, v.LineMap, str]:
    """Read a file; returns (frame with RangeIndex, where its rows came from, label).

    ``as_text(name)`` says which columns to keep as text; ``as_date(name)`` which column may be
    parsed as dates by the fast reader (``date_format`` or ISO 8601); others are inferred."""
    if not isinstance(source, str | os.PathLike):
        raise ParameterError(
            f"source must be a file path or a pandas DataFrame, not {type(source).__name__}.",
            parameter="source",
        )
    path = Path(source).expanduser()
    label = repr(str(source))
    name = path.name.lower()
    _check_exists(path, label)
    compression = next((c for c in _COMPRESSIONS if name.endswith(c)), None)
    base = name[: -len(compression)] if compression else name
    if base.endswith(_CSV_SUFFIXES):
        kind = "csv"
    elif base.endswith(_PARQUET_SUFFIXES) and compression is None:
        kind = "parquet"
    else:
        hint = ""
        if base.endswith((".xlsx", ".xls", ".xlsm", ".ods")):
            hint = (
                " Save the sheet as CSV, or read it with pandas.read_excel and pass the DataFrame."
            )
        raise DataError(
            f"Cannot read {label}: unsupported file type. crmlab reads .csv, .txt, .tsv (also "
            f"compressed: .gz, .bz2, .xz, .zip) and .parquet/.pq files, or a DataFrame.{hint}"
        )
    if kind == "parquet":
        frame = _read_parquet(path, label)
        return frame, v.LineMap.known(np.arange(1, len(frame) + 1), "row"), label
    if compression is None and len(sep or ",") == 1:
        fast = _read_csv_fast(
            path, label, as_text, as_date or (lambda name: False), encoding=encoding, sep=sep,
            decimal=decimal, date_format=date_format, tsv=base.endswith(".tsv"),
        )  # fmt: skip
        if fast is not None:
            return fast
    return _read_csv(
        path,
        label,
        compression,
        as_text,
        encoding=encoding,
        sep=sep,
        decimal=decimal,
        thousands=thousands,
        tsv=base.endswith(".tsv"),
    )


def _check_exists(path: Path, label: str) -> None:
    if path.is_file():
        return
    if path.is_dir():
        raise DataError(f"{label} is a folder, not a file; pass the path of the data file.")
    folder = path.parent if str(path.parent) else Path(".")
    message = f"File not found: {label} (looked for {path.absolute()})."
    if folder.is_dir():
        try:
            nearby = [p.name for p in folder.iterdir() if p.is_file()]
        except OSError:
            nearby = []
        close = v.close_matches(path.name, nearby)
        if close:
            message += f" Similar files in {folder}: {', '.join(repr(c) for c in close)}."
    else:
        message += f" The folder {str(folder)!r} does not exist either."
    message += " Check the path (relative paths start from the current folder, " + (
        f"{Path.cwd()})."
    )
    raise DataError(message)


def _read_parquet(path: Path, label: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises many types (ArrowInvalid, OSError, ...)
        raise DataError(
            f"Cannot read {label} as Parquet ({type(err).__name__}: {err}). The file may be "
            "corrupt, truncated or not Parquet at all: export it again, or save it as CSV."
        ) from err
    return frame.reset_index(drop=True)


def _read_bytes(path: Path, label: str, compression: str | None) -> bytes:
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(f"Cannot read {label}: {err}.") from err
    if not raw:
        raise DataError(
            f"The file {label} is empty (0 bytes); export the data again with a header line."
        )
    if compression is None:
        return raw
    try:
        if compression == ".gz":
            return gzip.decompress(raw)
        if compression == ".bz2":
            return bz2.decompress(raw)
        if compression == ".xz":
            return lzma.decompress(raw)
        with zipfile.ZipFile(_io.BytesIO(raw)) as archive:
            members = [m for m in archive.namelist() if not m.endswith("/")]
            if len(members) != 1:
                raise DataError(
                    f"The zip archive {label} holds {len(members)} files; crmlab reads archives "
                    "with exactly one file. Unzip it and pass the data file."
                )
            return archive.read(members[0])
    except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, ValueError) as err:
        raise DataError(
            f"Cannot decompress {label} ({compression} expected): {err}. The file may be corrupt "
            "or not compressed: check its extension."
        ) from err


def _decode(raw: bytes, encoding: str | None, label: str) -> str:
    if encoding is not None:
        try:
            return raw.decode(encoding).lstrip("\ufeff")
        except LookupError as err:
            raise ParameterError(
                f"encoding={encoding!r} is not an encoding Python knows (try 'utf-8', "
                "'cp1252', 'latin-1').",
                parameter="encoding",
            ) from err
        except UnicodeDecodeError as err:
            line = raw[: err.start].count(b"\n") + 1
            raise DataError(
                f"The file {label} cannot be decoded as {encoding!r}: byte {raw[err.start]:#04x} "
                f"on line {line} is invalid. Pass the file's encoding, e.g. "
                f"{pass_hint(encoding='utf-8')}, or 'cp1252' (Excel on Windows) or 'latin-1'.",
                rows=[line],
            ) from err
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16").lstrip("\ufeff")
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, err.start) + 1
        end = raw.find(b"\n", err.start)
        text = raw[start : end if end >= 0 else len(raw)].decode("cp1252", errors="replace")
        raise DataError(
            f"The file {label} is not UTF-8: byte {raw[err.start]:#04x} on line {line} cannot "
            f"be decoded (read as cp1252 that line is {text.strip()[:80]!r}). Pass its encoding, "
            f"e.g. {pass_hint(encoding='cp1252')} (Excel on Windows, Western European) or "
            "encoding='latin-1', or save the file as UTF-8.",
            rows=[line],
        ) from err


def _sniff(text: str, default: str) -> str:
    """The delimiter that splits the first lines into equally many (several) fields."""
    sample = text[: 1 << 16]
    lines = [line for line in sample.splitlines() if line.strip()]
    if len(sample) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # possibly cut in the middle
    lines = lines[: _SNIFF_LINES + 1]
    best: tuple[float, int, int] | None = None
    choice = default
    for rank, delimiter in enumerate(_DELIMITERS):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        agreement = sum(c == counts[0] for c in counts) / len(counts)
        score = (agreement, counts[0], -rank - (delimiter != default) * 10)
        if best is None or score > best:
            best, choice = score, delimiter
    return choice


def _read_csv(
    path: Path,
    label: str,
    compression: str | None,
    as_text: Any,
    *,
    encoding: str | None,
    sep: str | None,
    decimal: str,
    thousands: str | None,
    tsv: bool,
) -> tuple[pd.DataFrame, v.LineMap, str]:
    raw = _read_bytes(path, label, compression)
    text = _decode(raw, encoding, label)
    if re.search(r"\S", text) is None:
        raise DataError(f"The file {label} holds no data, not even a header line.")
    delimiter = sep if sep is not None else _sniff(text, "\t" if tsv else ",")
    if delimiter == decimal:
        raise ParameterError(
            f"The file {label} is separated by {delimiter!r}, which is also the decimal mark "
            f"(decimal={decimal!r}); pass the delimiter explicitly, e.g. {pass_hint(sep=';')}.",
            parameter="decimal",
        )
    options: dict[str, Any] = {"sep": delimiter, "decimal": decimal}
    if len(delimiter) == 1:
        options["low_memory"] = False  # one pass: no DtypeWarning on mixed columns
    if thousands is not None:
        options["thousands"] = thousands
    try:
        header = pd.read_csv(_io.StringIO(text), nrows=0, **options).columns
        clean = [c.strip() if isinstance(c, str) else c for c in header]
        dtype = {raw_name: "str" for raw_name, c in zip(header, clean, strict=True) if as_text(c)}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a row with more fields than the header is never taken for an
            # index column (which would shift every value into the wrong column)
            frame = pd.read_csv(_io.StringIO(text), dtype=dtype or None, index_col=False, **options)
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            _check_ragged(text, delimiter, label)
    except pd.errors.EmptyDataError as err:
        raise DataError(f"The file {label} holds no data, not even a header line.") from err
    except (pd.errors.ParserError, ValueError, csv.Error) as err:
        _check_ragged(text, delimiter, label)
        raise DataError(
            f"The file {label} cannot be read as CSV with sep={delimiter!r}: {err}. Check the "
            f"delimiter (pass e.g. {pass_hint(sep=';')}), unbalanced quotes, and that every line "
            "has as many fields "
            "as the header.",
        ) from err
    raw_names = _header_fields(text, delimiter)
    if raw_names is not None and len(raw_names) == len(clean):
        clean = raw_names  # pandas renames repeated names ("amount.1"): see them as written
    frame.columns = unique_names(clean)
    repeated = {name: [i + 1 for i, c in enumerate(clean) if c == name] for name in clean}
    repeated = {name: fields for name, fields in repeated.items() if len(fields) > 1}
    if repeated:
        frame.attrs[DUPLICATES_ATTR] = repeated
    if frame.shape[1] == 1:
        _check_single_column(frame, delimiter, label)
    if len(frame) == 0:
        raise DataError(
            f"The file {label} has a header ({v.list_columns(frame.columns)}) but no data rows; "
            "export the data again."
        )
    return frame, v.LineMap.known(*_line_numbers(text, delimiter, len(frame))), label


_SAMPLE_BYTES = 1 << 16


def _read_csv_fast(
    path: Path,
    label: str,
    as_text: Any,
    as_date: Any,
    *,
    encoding: str | None,
    sep: str | None,
    decimal: str,
    date_format: str | None,
    tsv: bool,
) -> tuple[pd.DataFrame, v.LineMap, str] | None:
    """Parse a plain UTF-8 CSV with pyarrow into native dtypes, or None to take the careful path.

    Anything unusual (another encoding, a byte-order mark other than UTF-8's, repeated or blank
    header names, a line pyarrow cannot parse, ...) returns None: the careful path then reads the
    file and gives today's messages. File line numbers are not counted here: the returned
    :class:`~crmlab._validation.LineMap` counts them when an error or a note first needs them.
    """
    plan = fast_csv_plan(
        path, as_text, as_date, encoding=encoding, sep=sep, decimal=decimal,
        date_format=date_format, tsv=tsv,
    )  # fmt: skip
    if plan is None:
        return None
    import pyarrow as pa

    try:
        # streamed block by block: the parser's buffers of one block at a time, not the file's
        with plan.open() as reader:
            table = pa.Table.from_batches(list(reader), schema=reader.schema)
    except (pa.ArrowException, OSError, ValueError):
        # a later block needs a wider type than the first (int, then 1.5): the whole-file
        # reader infers each column over every block
        try:
            table = plan.read_all()
        except (pa.ArrowException, OSError, ValueError):
            return None
    if table.num_rows == 0:
        return None
    # other columns than the date must keep their text, as the careful reader keeps it
    temporal = [
        name
        for name, field in zip(plan.clean, table.schema, strict=False)
        if not as_date(name) and pa.types.is_temporal(field.type)
    ]
    if temporal or not all(
        _in_pandas_range(table.column(i)) for i, name in enumerate(plan.clean) if as_date(name)
    ):
        return None  # dates outside 1677-2262 are reported as written: the careful path
    columns = {}
    for i, name in enumerate(plan.clean):
        columns[name] = arrow_to_pandas(table.column(i))
    del table
    frame = pd.DataFrame(columns, copy=False)
    return frame, plan.lines(len(frame), label, encoding), label


def _in_pandas_range(values: Any) -> bool:
    """Whether a column pyarrow read holds no date or time outside pandas' 1677-2262."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = values.type
    if not (pa.types.is_date(kind) or pa.types.is_timestamp(kind)) or values.null_count == len(
        values
    ):
        return True
    low, high = (pc.min_max(values)[k].as_py() for k in ("min", "max"))
    return low.year >= 1678 and high.year <= 2261


def arrow_to_pandas(values: Any) -> Any:
    """One column read by pyarrow as the fast reader hands it on: text as pyarrow-backed
    ``str``, numbers and times as numpy, a column of nothing but missing values as float NaN."""
    import pyarrow as pa

    out = values.to_pandas(
        types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get,
        date_as_object=False,
    )
    if out.dtype == object and out.isna().all():
        return pd.Series(np.full(len(out), np.nan))
    return out


class FastPlan:
    """How the fast reader parses one file: delimiter, header and pyarrow's options."""

    def __init__(self, path: Path, delimiter: str, header: list[str], options: dict) -> None:
        self.path, self.delimiter, self.header = path, delimiter, header
        self.clean = [name.strip() for name in header]
        self.options = options

    def open(self, column_types: dict[str, Any] | None = None, block_size: int = 1 << 20) -> Any:
        """A pyarrow streaming CSV reader; ``column_types`` (by clean name) override."""
        from pyarrow import csv as pacsv

        types = dict(self.options["convert"]["column_types"])
        raw_of = dict(zip(self.clean, self.header, strict=True))
        for name, kind in (column_types or {}).items():
            types[raw_of[name]] = kind
        convert = pacsv.ConvertOptions(**{**self.options["convert"], "column_types": types})
        return pacsv.open_csv(
            self.path,
            read_options=pacsv.ReadOptions(
                use_threads=False, encoding="utf8", block_size=block_size
            ),
            parse_options=self.options["parse"],
            convert_options=convert,
        )

    def read_buffer(
        self, data: bytes, column_types: dict[str, Any], names: list[str] | None
    ) -> Any:
        """One piece of the file (whole records) as a pyarrow table; ``names``: the header's
        names as pyarrow read them from the first piece (None for the first piece itself)."""
        import pyarrow as pa
        from pyarrow import csv as pacsv

        types = dict(self.options["convert"]["column_types"])
        raw_of = dict(zip(self.clean, self.header, strict=True))
        types.update({raw_of[name]: kind for name, kind in column_types.items()})
        read = {"use_threads": False, "encoding": "utf8"}
        if names is not None:
            read["column_names"] = names
        return pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(**read),
            parse_options=self.options["parse"],
            convert_options=pacsv.ConvertOptions(
                **{**self.options["convert"], "column_types": types}
            ),
        )

    def read_all(self) -> Any:
        """The whole file as one pyarrow table (types inferred over every block)."""
        from pyarrow import csv as pacsv

        return pacsv.read_csv(
            self.path,
            read_options=pacsv.ReadOptions(use_threads=False, encoding="utf8"),
            parse_options=self.options["parse"],
            convert_options=pacsv.ConvertOptions(**self.options["convert"]),
        )

    def lines(self, n_rows: int, label: str, encoding: str | None = None) -> v.LineMap:
        """File line of each data row, counted when first asked for."""
        path, delimiter = self.path, self.delimiter
        return v.LineMap(lambda: _count_lines(path, label, encoding, delimiter, n_rows))


def fast_csv_plan(
    path: Path,
    as_text: Any,
    as_date: Any,
    *,
    encoding: str | None,
    sep: str | None,
    decimal: str,
    date_format: str | None,
    tsv: bool,
) -> FastPlan | None:
    """The fast reader's plan for ``path`` from its first 64 KiB, or None when the file is not
    plain enough (another encoding, a byte-order mark other than UTF-8's, repeated or blank
    header names, fewer than two columns, the delimiter equal to the decimal mark)."""
    if encoding is not None and codecs_name(encoding) not in ("utf-8", "utf-8-sig"):
        return None
    try:
        import pyarrow as pa
        from pyarrow import csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    try:
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES)
    except OSError:
        return None
    if not head.strip() or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    cut = len(head) == _SAMPLE_BYTES
    try:
        sample = head.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if not cut or err.start < len(head) - 4:
            return None
        sample = head[: err.start].decode("utf-8-sig")
    delimiter = sep if sep is not None else _sniff(sample, "\t" if tsv else ",")
    if delimiter == decimal or delimiter == '"':
        return None
    header = _raw_header(sample, delimiter)
    if header is None:
        return None
    clean = [name.strip() for name in header]
    if len(set(clean)) != len(clean) or not all(clean) or len(clean) < 2:
        return None
    types: dict[str, Any] = {}
    for raw_name, name in zip(header, clean, strict=True):
        if as_text(name):
            types[raw_name] = pa.string()
        elif as_date(name) and date_format is not None and "%" in date_format:
            types[raw_name] = pa.timestamp("s")
    convert = {
        "null_values": sorted(_NA_VALUES),
        "strings_can_be_null": True,
        "decimal_point": decimal,
        "timestamp_parsers": [date_format] if date_format and "%" in date_format else None,
        "column_types": types,
    }
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values='"' in sample)
    return FastPlan(path, delimiter, header, {"convert": convert, "parse": parse})


_NA_VALUES = {
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
}  # fmt: skip
# pandas' default missing-value strings (pandas.read_csv's na_values)


def codecs_name(encoding: str) -> str:
    import codecs

    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def _raw_header(sample: str, delimiter: str) -> list[str] | None:
    """The first non-blank line's fields as written, or None when the csv module cannot tell."""
    try:
        for row in csv.reader(_io.StringIO(sample, newline=""), delimiter=delimiter):
            if row and not (len(row) == 1 and not row[0].strip()):
                return row
    except csv.Error:
        return None
    return None


def _count_lines(
    path: Path, label: str, encoding: str | None, delimiter: str, n_rows: int
) -> tuple[np.ndarray, str]:
    """File line of each data row of a file read by the fast reader (counted on demand)."""
    try:
        raw = _read_bytes(path, label, None)
    except DataError:
        return np.arange(1, n_rows + 1), "row"
    if b'"' not in raw and b"\r" not in raw and re.search(rb"(^|\n)[ \t\f\v]*\n", raw) is None:
        breaks = raw.count(b"\n") + (not raw.endswith(b"\n"))
        if breaks == n_rows + 1:
            return np.arange(2, n_rows + 2), "line"
    try:
        text = _decode(raw, encoding, label)
    except (DataError, ParameterError):
        return np.arange(1, n_rows + 1), "row"
    del raw
    return _line_numbers(text, delimiter, n_rows)


def unique_names(names: list[Any]) -> list[Any]:
    """Header names with repeats made unique as pandas does ("amount", "amount.1", ...)."""
    seen: dict[Any, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}.{count}")
    return out


def _header_fields(text: str, delimiter: str) -> list[str] | None:
    """The header's names as written (stripped), or None when the csv module cannot tell."""
    if len(delimiter) != 1:
        return None
    try:
        for row in csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter):
            if row and not (len(row) == 1 and not row[0].strip()):
                return [name.strip() for name in row]
    except csv.Error:
        return None
    return None


def _check_ragged(text: str, delimiter: str, label: str) -> None:
    """Raise a DataError naming the first line with more fields than the header, if any."""
    if len(delimiter) != 1:
        return
    try:
        reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
        header: list[str] | None = None
        start = 1
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                start = reader.line_num + 1
                continue
            if header is None:
                header = row
            elif len(row) > len(header) and any(x.strip() for x in row[len(header) :]):
                extra = row[len(header) :]
                shown = ", ".join(repr(x) for x in extra[: v.MAX_SHOWN])
                names = ", ".join(repr(h.strip()) for h in header)
                raise DataError(
                    f"The file {label}: line {start} has {len(row)} fields but the header has "
                    f"{len(header)} ({names}); the extra field {shown} follows "
                    f"{header[-1].strip()!r}. A {_DELIMITER_NAMES.get(delimiter, repr(delimiter))} "
                    "inside an unquoted value (e.g. a decimal comma or a name) splits it in two: "
                    "quote such values, fix the line, or add the missing header name.",
                    rows=[start],
                )
            start = reader.line_num + 1
    except csv.Error:
        return


def _check_single_column(frame: pd.DataFrame, delimiter: str, label: str) -> None:
    name = str(frame.columns[0])
    for other in _DELIMITERS:
        if other != delimiter and other in name:
            raise DataError(
                f"The file {label} was read as one single column named {name!r}: it seems to be "
                f"separated by {_DELIMITER_NAMES[other]}s ({other!r}), not by {delimiter!r}. "
                f"Pass {pass_hint(sep=other)}.",
                column=name,
            )


def _line_numbers(text: str, delimiter: str, n_rows: int) -> tuple[np.ndarray, str]:
    """File line of each data row (header = line 1): blank lines are skipped by the reader,
    quoted values may span lines. Falls back to 1-based row numbers if the count disagrees."""
    if '"' not in text and "\r" not in text and re.search(r"(^|\n)[ \t\f\v]*\n", text) is None:
        # No quotes and no blank line (but perhaps a last line without a line break).
        breaks = text.count("\n") + (not text.endswith("\n"))
        if breaks == n_rows + 1:
            return np.arange(2, n_rows + 2), "line"
    if '"' not in text:
        lines = re.split(r"\r\n|\r|\n", text)
        numbers = np.array([i + 1 for i, line in enumerate(lines) if line.strip()][1:])
        if len(numbers) == n_rows:
            return numbers, "line"
    if len(delimiter) == 1:
        try:
            numbers_list = []
            reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
            previous = 0
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):
                    numbers_list.append(previous + 1)
                previous = reader.line_num
            if len(numbers_list) == n_rows + 1:
                return np.array(numbers_list[1:]), "line"
        except csv.Error:
            pass
    return np.arange(1, n_rows + 1), "row"
