"""Read and validate customer data: CSV or Parquet files (or DataFrames) with the user's names.

:func:`read_transactions` returns the transactions table every analysis takes (see the data
contract: ``customer_id``, ``date``, ``amount`` and optional ``quantity``, ``product``,
``category``, ``channel``). :func:`read_table` is the generic reader other modules build on
(surveys, ratings, subscriptions), and the ``check_*`` helpers validate one column, raising a
:class:`~crmlab.errors.DataError` that names the column, shows up to five offending rows with
their file line numbers and says what to do.

Where a row came from
---------------------
A frame read from a file keeps, in ``frame.attrs["crmlab_line_numbers"]``, a map from its index
labels to the file's line numbers (CSV: the header is line 1, so the first data row is line 2;
blank lines and line breaks inside quoted values are counted) or to 1-based Parquet row numbers.
``frame.attrs["crmlab_source"]`` holds the path and ``frame.attrs["crmlab_column_names"]`` the
user's names of renamed columns. pandas carries ``attrs`` through column selection, filtering and
sorting, so the ``check_*`` helpers can point at file lines later on. The map is keyed by index
label: keep the index you were given (filter, sort and select freely; ``reset_index`` would make
the labels point at the wrong lines). When the attrs are lost, messages show index labels.
:func:`line_numbers` returns the map as a Series. For a DataFrame source, rows are identified by
the DataFrame's index labels.

File rules
----------
- Formats by extension: ``.csv``, ``.txt``, ``.tsv`` (optionally compressed: ``.gz``, ``.bz2``,
  ``.xz``, ``.zip``) and ``.parquet``/``.pq``. Anything else raises a DataError.
- A missing file raises :class:`~crmlab.errors.DataError` (not ``FileNotFoundError``), like
  every other problem with the user's input, naming the path and similar file names nearby.
- Text is decoded as UTF-8 (with or without a byte-order mark; UTF-16 with a byte-order mark is
  recognised). There is no silent fallback to Latin-1: a file that is not UTF-8 raises a
  DataError naming the line and suggesting ``encoding="cp1252"`` or ``"latin-1"``.
- With ``sep=None`` the delimiter is sniffed among ``,`` ``;`` tab and ``|``: the one that splits
  the header into several fields and the first 50 lines into equally many fields wins (comma on
  ties; tab for ``.tsv`` files without a clear winner).
- CSV header names are stripped of surrounding spaces; the file itself is never modified.
"""

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
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from crmlab import _validation as v
from crmlab.errors import CrmlabWarning, DataError, ParameterError

__all__ = [
    "OPTIONAL_TRANSACTION_COLUMNS",
    "REQUIRED_TRANSACTION_COLUMNS",
    "check_amounts",
    "check_customer_ids",
    "check_dates",
    "check_in_range",
    "check_not_null",
    "check_numeric",
    "check_returns",
    "date_advice",
    "map_columns",
    "number_advice",
    "line_numbers",
    "read_table",
    "read_transactions",
    "require_columns",
    "row_error",
    "rows_error",
]

REQUIRED_TRANSACTION_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")
OPTIONAL_TRANSACTION_COLUMNS: tuple[str, ...] = ("quantity", "product", "category", "channel")

_CSV_SUFFIXES = (".csv", ".txt", ".tsv")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip")
_DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_SNIFF_LINES = 50
DUPLICATES_ATTR = "crmlab_duplicate_columns"

Source = str | os.PathLike | pd.DataFrame


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def read_table(
    source: Source,
    required: Sequence[str] = (),
    columns: Mapping[Any, str] | None = None,
    *,
    optional: Sequence[str] = (),
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    text_columns: Sequence[str] = (),
    what: str = "table",
) -> pd.DataFrame:
    """Read a CSV/Parquet file or a DataFrame, rename the user's columns and check they are there.

    Parameters
    ----------
    source : str, path or DataFrame
        A file (see the module notes for formats) or a DataFrame, which is copied, never changed.
    required : sequence of str
        Columns (crmlab's names) that must be present after the mapping.
    columns : mapping, optional
        The user's column names to crmlab's, e.g. ``{"Kunde": "customer_id"}``. Columns already
        named like ours need no entry.
    optional : sequence of str
        Further columns of ours; they are placed, when present, after ``required``.
    encoding : str, optional
        Text encoding of a CSV file; default UTF-8 (with or without byte-order mark).
    sep : str, optional
        CSV delimiter; sniffed when None.
    decimal, thousands : str
        Decimal mark and thousands separator of numbers in a CSV file (``decimal=","`` for
        "12,50").
    text_columns : sequence of str
        Columns (crmlab's names) to read from CSV as unparsed text (keeps leading zeros of keys
        and the raw values for error messages).
    what : str
        What the table is, for messages ("transactions", "survey", ...).

    Returns
    -------
    DataFrame
        ``required`` then the present ``optional`` columns, renamed to crmlab's names, then every
        other column untouched. From a file: a fresh RangeIndex and ``attrs`` mapping rows to file
        lines (module notes); from a DataFrame: its own index.

    Raises
    ------
    DataError
        Missing file, unsupported extension, empty file, unreadable encoding or Parquet, a mapping
        key absent from the data (with close matches), a required column missing (with the columns
        found and the mapping to pass), no data rows.
    ParameterError
        Malformed ``columns`` (not a mapping, two names mapped to one column).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import read_table
    >>> raw = pd.DataFrame({"Befragter": [1, 2], "Zufriedenheit": [7, 9]})
    >>> read_table(raw, ["respondent_id", "sat"],
    ...            {"Befragter": "respondent_id", "Zufriedenheit": "sat"}).columns.tolist()
    ['respondent_id', 'sat']
    """
    mapping = _check_mapping(columns)
    _check_separators(sep, decimal, thousands)
    required, optional, text_columns = (
        (names,) if isinstance(names, str) else tuple(names)
        for names in (required, optional, text_columns)
    )
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        label = None
    else:
        targets = set(text_columns)
        frame, keys, kind, label = _read_file(
            source,
            lambda name: mapping.get(name, name) in targets,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            thousands=thousands,
        )
        frame.attrs = {
            **frame.attrs,
            v.LINES_ATTR: v.RowKeys(frame.index, keys, kind),
            v.SOURCE_ATTR: str(source),
        }
    if len(frame) == 0:
        where = f"The file {label}" if label else "The DataFrame"
        raise DataError(
            f"{where} has no data rows (columns: {v.list_columns(frame.columns)}); "
            f"there are no {what} to analyse. Check that you exported the data, not only the header."
        )
    frame = _apply_mapping(frame, mapping, required, optional, what=what, label=label)
    return frame


def read_transactions(
    source: Source,
    columns: Mapping[Any, str] | None = None,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    returns: str = "error",
    duplicates: str = "keep",
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
) -> pd.DataFrame:
    """Read transactions from a CSV/Parquet file or a DataFrame and validate them.

    Parameters
    ----------
    source : str, path or DataFrame
        ``.csv``/``.txt``/``.tsv`` (optionally ``.gz``, ``.bz2``, ``.xz``, ``.zip``) or
        ``.parquet``/``.pq`` file, or a DataFrame (copied; never changed). The file is only read.
        A glob pattern (``"orders/2026-*.parquet"``) reads every matching file, each validated
        on its own, into one frame in memory; for logs larger than memory, pass the pattern to
        :func:`crmlab.rfm.rfm_summary` instead, which summarises it out of core in DuckDB.
    columns : mapping, optional
        Your column names to ours, e.g. ``{"Kunde": "customer_id", "Datum": "date",
        "Umsatz": "amount"}``. Required: ``customer_id``, ``date``, ``amount``; optional:
        ``quantity``, ``product``, ``category``, ``channel``. Columns already named like ours are
        used as they are; other columns are kept, after ours, untouched.
    date_format : str, optional
        strftime format of the dates (passed to :func:`pandas.to_datetime`), e.g. ``"%d.%m.%Y"``
        or ``"%Y%m%d"`` (which also reads numbers such as 19970131). Default: ISO 8601, dates
        (``1997-01-31``) or dates and times (``1997-01-31 14:05:00``, ``T`` separator, offsets).
    dayfirst : bool
        Read dates that are not ISO 8601 day first (``31/01/1997``), in the format guessed from
        the first such date.
    returns : {"error", "keep", "drop"}
        Negative amounts (returns, refunds): ``"error"`` (default) raises a DataError listing
        them; ``"keep"`` keeps them with a :class:`~crmlab.errors.CrmlabWarning` giving the count;
        ``"drop"`` drops them with a CrmlabWarning giving the count.
    duplicates : {"keep", "drop"}
        Exact duplicate rows (equal in every column): ``"keep"`` (default) keeps them and warns
        with the count when there are any (CDNOW has 21: same-day purchases of equal value);
        ``"drop"`` keeps the first of each and warns with the count dropped.
    encoding : str, optional
        Text encoding of a CSV file. Default: UTF-8 with or without byte-order mark (also UTF-16
        with a byte-order mark); others (``"cp1252"``, ``"latin-1"``) must be named.
    sep : str, optional
        CSV delimiter; sniffed among ``,`` ``;`` tab ``|`` when None.
    decimal, thousands : str
        Decimal mark and thousands separator of the numbers (``decimal=","`` reads ``12,50``).
        One currency symbol ($, €, £, ¥) before or after an amount is accepted when the whole
        column uses the same symbol; it is dropped (no conversion between currencies).

    Returns
    -------
    DataFrame
        One row per transaction line, sorted by customer and date (stable: ties keep the file's
        order), with a fresh RangeIndex:

        - ``customer_id``: int64 when every key is an integer written without leading zeros
          (``"17"``, ``17.0``), otherwise the stripped text (``str`` dtype). Never null.
        - ``date`` (datetime64[ns], timezone-naive): the purchase time. Timestamps with a UTC
          offset or timezone are converted to UTC and the timezone dropped; timestamps without
          one are taken as they are. Never null.
        - ``amount`` (float64): money spent, finite; negative only with ``returns="keep"``.
        - ``quantity`` (int64 when all whole numbers and present, else float64), ``product``,
          ``category``, ``channel`` (``str``, stripped; blank is missing), when present.
        - every other column of the input, unchanged, in its order.

        ``attrs`` map each row to its file line (see the module notes).

    Raises
    ------
    DataError
        With ``.column`` (your name for it) and ``.rows`` (up to five file line numbers, Parquet
        row numbers or index labels): the file problems of :func:`read_table`; a required column
        missing; customer ids, dates or amounts missing; dates that cannot be read or fall outside
        1677-2262; amounts or quantities that are not numbers (with a hint about decimal commas,
        thousands separators or currency symbols); infinite amounts; returns with
        ``returns="error"``; a CSV read as one column because of the wrong delimiter.
    ParameterError
        Unknown ``returns``/``duplicates`` choice, a mapping to a name that is not a transaction
        column, ``decimal`` equal to ``sep`` or ``thousands``.

    Warns
    -----
    CrmlabWarning
        Returns kept or dropped; duplicate rows kept or dropped.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import read_transactions
    >>> raw = pd.DataFrame({"Kunde": ["7", "3"], "Datum": ["2024-02-01", "2024-01-05"],
    ...                     "Umsatz": ["12.5", "3"]})
    >>> tx = read_transactions(raw, {"Kunde": "customer_id", "Datum": "date", "Umsatz": "amount"})
    >>> tx.dtypes.astype(str).tolist(), tx["customer_id"].tolist()
    (['int64', 'datetime64[ns]', 'float64'], [3, 7])
    """
    _check_choice("returns", returns, ("error", "keep", "drop"))
    _check_choice("duplicates", duplicates, ("keep", "drop"))
    files = _glob_files(source)
    if files is not None:
        options = dict(
            date_format=date_format, dayfirst=dayfirst, returns=returns, duplicates=duplicates,
            encoding=encoding, sep=sep, decimal=decimal, thousands=thousands,
        )  # fmt: skip
        return _concat_transactions([read_transactions(f, columns, **options) for f in files])
    ours = REQUIRED_TRANSACTION_COLUMNS + OPTIONAL_TRANSACTION_COLUMNS
    mapping = _check_mapping(columns)
    for key, target in mapping.items():
        if target not in ours:
            close = v.close_matches(target, ours)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ParameterError(
                f"columns maps {key!r} to {target!r}, which is not a transaction column.{hint} "
                f"Transaction columns: {v.list_columns(ours)}; other columns need no mapping.",
                parameter="columns",
            )
    frame = read_table(
        source,
        REQUIRED_TRANSACTION_COLUMNS,
        mapping,
        optional=OPTIONAL_TRANSACTION_COLUMNS,
        encoding=encoding,
        sep=sep,
        decimal=decimal,
        thousands=thousands,
        text_columns=("customer_id", "product", "category", "channel"),
        what="transactions",
    )
    keys, kind = v.source_keys(frame)
    out = _typed_transactions(
        frame, date_format=date_format, dayfirst=dayfirst, decimal=decimal, thousands=thousands
    )
    keep = check_returns(frame, (out["amount"] < 0).to_numpy(), returns, stacklevel=2)

    repeated = keep & _duplicated(out, keep)
    if repeated.any():
        where = _where(keys[repeated], kind)
        if duplicates == "drop":
            keep &= ~repeated
            message = (
                f"Dropped {_count(repeated)} repeating an earlier row exactly{where}; "
                "the first of each is kept."
            )
        else:
            message = (
                f"Found {_count(repeated)} repeating an earlier row exactly{where}. They are kept "
                "(several equal purchases on one day can be genuine); pass duplicates='drop' to "
                "drop them."
            )
        warnings.warn(message, CrmlabWarning, stacklevel=2)

    if not keep.all():
        out, keys = out[keep], keys[keep]
        if len(out) == 0:
            raise DataError(
                "No transactions are left after dropping returns and duplicates; "
                "check the amounts, or pass returns='keep'."
            )
    order = _sort_order(out["customer_id"], out["date"])
    out = out.iloc[order].reset_index(drop=True)
    out.attrs = {
        v.LINES_ATTR: v.RowKeys(out.index, keys[order], kind),
        v.SOURCE_ATTR: frame.attrs.get(v.SOURCE_ATTR),
        v.NAMES_ATTR: dict(frame.attrs.get(v.NAMES_ATTR) or {}),
    }
    return out


def row_error(
    frame: pd.DataFrame,
    mask: Any,
    column: Any,
    problem: str,
    advice: str,
    *,
    values: pd.Series | None = None,
) -> DataError:
    """A DataError showing the rows of ``frame`` where ``mask`` holds (returned, not raised).

    The message reads "Column 'Umsatz' (read as 'amount') of data.csv: <problem> in 7 rows:",
    then up to five "line 12: '12,50'" lines (file line numbers when ``frame`` came from
    :func:`read_table`; index labels otherwise), the number of further rows, and ``advice``.
    ``.column`` is the user's name of the column and ``.rows`` the shown line numbers/labels.

    Parameters
    ----------
    frame : DataFrame
        The table the rows belong to.
    mask : array-like of bool
        Offending rows, aligned with ``frame``.
    column : str
        The offending column (crmlab's name).
    problem : str
        What is wrong, e.g. ``"scores outside 1-10"``.
    advice : str
        What to do.
    values : Series, optional
        Values to show instead of ``frame[column]`` (aligned with ``frame``).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import row_error
    >>> frame = pd.DataFrame({"score": [3, 12]})
    >>> err = row_error(frame, frame["score"] > 10, "score", "scores above 10", "Fix them.")
    >>> err.rows
    [1]
    """
    return v.row_error(frame, mask, column, problem, advice, values=values)


def require_columns(frame: pd.DataFrame, required: Sequence[str], *, what: str = "table") -> None:
    """Raise a DataError when a column of ``required`` is absent from ``frame``.

    The message lists the columns found and suggests close matches with the mapping to pass.
    """
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise _missing_columns_error(frame, missing, {}, what=what, label=None)


def check_not_null(frame: pd.DataFrame, column: str, *, advice: str | None = None) -> None:
    """Raise a DataError listing the rows where ``frame[column]`` is missing (NaN, None, blank).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import check_not_null
    >>> check_not_null(pd.DataFrame({"id": [1, 2]}), "id")
    """
    require_columns(frame, [column])
    values = frame[column]
    missing = values.isna().to_numpy()
    if ptypes.is_object_dtype(values.dtype) or ptypes.is_string_dtype(values.dtype):
        missing = missing | v.as_text(values).isna().to_numpy()
    if missing.any():
        raise v.row_error(
            frame,
            missing,
            column,
            "missing values",
            advice or "Fill them in or remove these rows.",
        )


def check_numeric(
    frame: pd.DataFrame,
    column: str,
    *,
    allow_null: bool = False,
    integer: bool = False,
    decimal: str = ".",
    thousands: str | None = None,
) -> pd.Series:
    """Return ``frame[column]`` as numbers, or raise a DataError listing the values that are not.

    Text is read as in :func:`read_transactions` (strip, ``decimal``, ``thousands``, one currency
    symbol); booleans and dates are not numbers.

    Parameters
    ----------
    frame : DataFrame
    column : str
    allow_null : bool
        Whether missing values are allowed (they stay NaN); otherwise they are reported.
    integer : bool
        Require whole numbers and return int64 (float64 when ``allow_null`` and some are missing).

    Returns
    -------
    Series
        float64 (or int64 with ``integer=True``), aligned with ``frame``, named ``column``.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import check_numeric
    >>> check_numeric(pd.DataFrame({"x": ["1", " 2.5 "]}), "x").tolist()
    [1.0, 2.5]
    """
    require_columns(frame, [column])
    values, bad, notes = v.parse_numbers(frame[column], decimal=decimal, thousands=thousands)
    if bad.any():
        raise v.row_error(frame, bad, column, "values that are not numbers", v.number_advice(notes))
    numbers = values.to_numpy()
    if not np.isfinite(numbers[~np.isnan(numbers)]).all():
        raise v.row_error(
            frame, np.isinf(numbers), column, "infinite values", "Fix or remove these rows."
        )
    missing = np.isnan(numbers)
    if missing.any() and not allow_null:
        raise v.row_error(frame, missing, column, "missing values", "Fill in or remove these rows.")
    if integer:
        fractional = ~missing & (numbers != np.round(numbers))
        if fractional.any():
            raise v.row_error(
                frame, fractional, column, "values that are not whole numbers", "Fix these rows."
            )
        if _whole(numbers):
            return pd.Series(numbers.astype("int64"), index=frame.index, name=column)
    return pd.Series(numbers, index=frame.index, name=column)


def check_in_range(
    frame: pd.DataFrame,
    column: str,
    low: float | None = None,
    high: float | None = None,
    *,
    allow_null: bool = True,
    advice: str | None = None,
) -> None:
    """Raise a DataError listing the rows where ``frame[column]`` is outside ``[low, high]``.

    Values must be numbers (see :func:`check_numeric`); ``None`` bounds are open.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import check_in_range
    >>> frame = pd.DataFrame({"score": [1, 11, 5]})
    >>> try:
    ...     check_in_range(frame, "score", 1, 10)
    ... except ValueError as err:
    ...     print(err.rows)
    [1]
    """
    values = check_numeric(frame, column, allow_null=allow_null).to_numpy(dtype="float64")
    outside = np.zeros(len(values), bool)
    if low is not None:
        outside |= values < low
    if high is not None:
        outside |= values > high
    if outside.any():
        bounds = f"{'-inf' if low is None else low} to {'inf' if high is None else high}"
        raise v.row_error(
            frame,
            outside,
            column,
            f"values outside the range {bounds}",
            advice or f"Values must lie between {bounds}; fix or remove these rows.",
        )


def map_columns(
    found: Sequence[Any],
    columns: Mapping[Any, str] | None,
    required: Sequence[str],
    *,
    what: str = "transactions",
    label: str | None = None,
) -> dict[str, Any]:
    """Map each ``required`` column (crmlab's name) to its name among ``found``, the header of a
    table read elsewhere (DuckDB, Spark), with the checks and messages of :func:`read_table`.

    ``label`` names the source in messages (e.g. ``"'orders.csv'"``). Raises a DataError for a
    mapping key that is not found, a repeated header name crmlab needs, or a missing column
    (with the columns found and the mapping to pass); ParameterError for a malformed mapping.

    Examples
    --------
    >>> from crmlab.io import map_columns
    >>> map_columns(["Kunde", "date", "amount"], {"Kunde": "customer_id"},
    ...             ["customer_id", "date", "amount"])
    {'customer_id': 'Kunde', 'date': 'date', 'amount': 'amount'}
    """
    mapping = _check_mapping(columns)
    found = list(found)
    frame = pd.DataFrame(columns=_unique_names(found))
    repeated = {name: [i + 1 for i, c in enumerate(found) if c == name] for name in found}
    repeated = {name: fields for name, fields in repeated.items() if len(fields) > 1}
    if repeated:
        frame.attrs[DUPLICATES_ATTR] = repeated
    out = _apply_mapping(frame, mapping, required, (), what=what, label=label)
    names = out.attrs.get(v.NAMES_ATTR) or {}
    return {c: names.get(c, c) for c in required}


def rows_error(
    column: Any,
    problem: str,
    advice: str,
    *,
    keys: Sequence[Any],
    kind: str,
    shown: Sequence[Any],
    total: int,
    source: str | None = None,
) -> DataError:
    """The DataError of :func:`row_error` for rows located outside pandas (DuckDB, Spark):
    ``keys`` (up to five row or line numbers of ``kind``), their ``shown`` values and the
    ``total`` number of offending rows; ``source`` names the file(s)."""
    head = f"Column {column!r}" + (f" of {source}" if source else "")
    return v.rows_error(head, column, problem, advice, keys, kind, shown, total)


def number_advice(values: Any) -> str:
    """What to do about amounts that are not numbers (``values``: some of them, as text), as
    :func:`check_numeric` advises (decimal commas, thousands separators, currency symbols)."""
    _, _, notes = v.parse_numbers(pd.Series([str(x) for x in values], dtype=object))
    return v.number_advice(notes)


def line_numbers(frame: pd.DataFrame) -> pd.Series:
    """Where each row of ``frame`` came from: file line numbers (CSV, the header is line 1),
    Parquet row numbers (1-based) or, for frames not read from a file, the index labels.

    The Series is aligned with ``frame`` and named ``"line"``, ``"row"`` or ``"index"``.
    """
    keys, kind = v.source_keys(frame)
    return pd.Series(keys, index=frame.index, name=kind)


# ---------------------------------------------------------------------------------------------
# Transactions: types
# ---------------------------------------------------------------------------------------------


def _glob_files(source: Any) -> list[Path] | None:
    """The files a glob pattern (``*``, ``?``, ``[``) names, sorted; ``None`` for other sources."""
    if isinstance(source, pd.DataFrame) or not isinstance(source, str | os.PathLike):
        return None
    text = os.fspath(source)
    if not any(ch in text for ch in "*?[") or Path(text).exists():
        return None
    pattern = Path(text).expanduser()
    anchor = Path(pattern.anchor) if pattern.is_absolute() else Path()
    parts = pattern.parts[1:] if pattern.is_absolute() else pattern.parts
    files = sorted(p for p in anchor.glob(str(Path(*parts))) if p.is_file())
    if not files:
        raise DataError(
            f"no file matches {text!r} (looked from {Path.cwd()}): check the folder and the "
            "pattern, e.g. 'orders/2026-*.parquet'."
        )
    return files


def _concat_transactions(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Transactions of several files as one frame in the contract's order.

    Each file was validated on its own (errors name the file and its lines); customer ids that
    are integers in one file and text in another become text throughout. Duplicates are checked
    within each file, not across files.
    """
    if len({str(p["customer_id"].dtype) for p in parts}) > 1:
        parts = [p.assign(customer_id=p["customer_id"].astype(str)) for p in parts]
    frame = pd.concat(parts, ignore_index=True)
    frame.attrs = {}
    order = _sort_order(frame["customer_id"], frame["date"])
    return frame.iloc[order].reset_index(drop=True)


def check_customer_ids(frame: pd.DataFrame) -> pd.Series:
    """Customer keys of ``frame``: int64 when every key is an integer written without leading
    zeros, else stripped text; raise a DataError listing the rows without one.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import check_customer_ids
    >>> check_customer_ids(pd.DataFrame({"customer_id": [" 7", "3"]})).tolist()
    [7, 3]
    """
    require_columns(frame, ["customer_id"])
    ids = v.parse_customer_ids(frame["customer_id"])
    missing = ids.isna().to_numpy()
    if missing.any():
        raise v.row_error(
            frame,
            missing,
            "customer_id",
            "missing customer ids",
            "Every transaction needs a customer id: fill them in or remove these rows.",
        )
    if not ptypes.is_integer_dtype(ids.dtype):
        ids = ids.astype("str")
    return ids


def check_dates(
    frame: pd.DataFrame, *, date_format: str | None = None, dayfirst: bool = False
) -> pd.Series:
    """Purchase times of ``frame["date"]`` as timezone-naive datetime64[ns]; raise a DataError
    listing dates that cannot be read (ISO 8601 unless ``date_format``/``dayfirst``, as in
    :func:`read_transactions`), fall outside 1677-2262 or are missing.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.io import check_dates
    >>> try:
    ...     check_dates(pd.DataFrame({"date": ["2011-03-04", "03/04/2011"]}))
    ... except ValueError as err:
    ...     print(err.rows)
    [1]
    """
    require_columns(frame, ["date"])
    dates, unreadable, outside = v.parse_dates(
        frame["date"], date_format=date_format, dayfirst=dayfirst
    )
    if unreadable.any():
        raise v.row_error(
            frame,
            unreadable,
            "date",
            "dates that cannot be read",
            date_advice(frame["date"][unreadable], date_format, dayfirst),
        )
    if outside.any():
        raise v.row_error(
            frame,
            outside,
            "date",
            "dates outside the years 1677-2262",
            "Fix these dates (a typo in the year?) or remove these rows.",
        )
    missing = dates.isna().to_numpy()
    if missing.any():
        raise v.row_error(
            frame,
            missing,
            "date",
            "missing dates",
            "Every transaction needs a date: fill them in or remove these rows.",
        )
    return dates


def check_amounts(
    frame: pd.DataFrame, *, decimal: str = ".", thousands: str | None = None
) -> np.ndarray:
    """Amounts of ``frame["amount"]`` as float64; raise a DataError listing amounts that are not
    numbers (with a hint about decimal commas, thousands separators or currency symbols), are
    missing or are infinite. Negative amounts (returns) are not checked here: see
    :func:`check_returns`.
    """
    require_columns(frame, ["amount"])
    amounts, bad, notes = v.parse_numbers(frame["amount"], decimal=decimal, thousands=thousands)
    if bad.any():
        raise v.row_error(
            frame, bad, "amount", "amounts that are not numbers", v.number_advice(notes)
        )
    numbers = amounts.to_numpy()
    missing = np.isnan(numbers)
    if missing.any():
        raise v.row_error(
            frame,
            missing,
            "amount",
            "missing amounts",
            "Every transaction needs an amount: fill them in (0 for free items) or remove "
            "these rows.",
        )
    infinite = ~np.isfinite(numbers)
    if infinite.any():
        raise v.row_error(frame, infinite, "amount", "infinite amounts", "Fix these rows.")
    return numbers


#: What to do about negative amounts (returns), as :func:`read_transactions` spells it.
RETURNS_ADVICE = "Pass returns='keep' to keep them as returns, or returns='drop' to drop them."


def check_returns(
    frame: pd.DataFrame, negative: Any, returns: str, *, stacklevel: int = 2
) -> np.ndarray:
    """Apply the ``returns`` policy to the rows of ``frame`` where ``negative`` holds.

    ``"error"`` raises the DataError of :func:`read_transactions` (listing the rows),
    ``"keep"`` and ``"drop"`` warn with the count (:class:`~crmlab.errors.CrmlabWarning`).
    Returns the mask of rows to keep.
    """
    _check_choice("returns", returns, ("error", "keep", "drop"))
    negative = np.asarray(negative, dtype=bool)
    keep = np.ones(len(negative), bool)
    if not negative.any():
        return keep
    if returns == "error":
        raise v.row_error(
            frame, negative, "amount", "negative amounts (returns or refunds)", RETURNS_ADVICE
        )
    keys, kind = v.source_keys(frame)
    where = _where(keys[negative], kind)
    if returns == "drop":
        keep &= ~negative
        message = f"Dropped {_count(negative)} with a negative amount (returns){where}."
    else:
        message = f"Kept {_count(negative)} with a negative amount (returns){where}."
    warnings.warn(message, CrmlabWarning, stacklevel=stacklevel + 1)
    return keep


def _typed_transactions(
    frame: pd.DataFrame,
    *,
    date_format: str | None,
    dayfirst: bool,
    decimal: str,
    thousands: str | None,
) -> pd.DataFrame:
    ids = check_customer_ids(frame)
    dates = check_dates(frame, date_format=date_format, dayfirst=dayfirst)
    numbers = check_amounts(frame, decimal=decimal, thousands=thousands)
    out = pd.DataFrame(
        {"customer_id": ids.to_numpy(), "date": dates.to_numpy(), "amount": numbers},
        index=frame.index,
    )
    out["customer_id"] = out["customer_id"].astype(ids.dtype)
    out["date"] = out["date"].astype("datetime64[ns]")
    out["amount"] = out["amount"].astype("float64")
    if "quantity" in frame.columns:
        quantity, bad, notes = v.parse_numbers(
            frame["quantity"], decimal=decimal, thousands=thousands
        )
        values = quantity.to_numpy()
        bad = bad | np.isinf(values)
        if bad.any():
            raise v.row_error(
                frame, bad, "quantity", "quantities that are not numbers", v.number_advice(notes)
            )
        if _whole(values):
            out["quantity"] = values.astype("int64")
        else:
            out["quantity"] = values
    for name in ("product", "category", "channel"):
        if name in frame.columns:
            out[name] = v.as_text(frame[name]).to_numpy()
            out[name] = out[name].astype("str")
    for name in frame.columns:
        if name not in out.columns:
            out[name] = frame[name]
    return out


def date_advice(bad: Any, date_format: str | None = None, dayfirst: bool = False) -> str:
    """What to do about dates that cannot be read (``bad``: some of them), as
    :func:`read_transactions` advises."""
    examples = [str(x).strip() for x in pd.Series(list(bad), dtype=object).dropna().head(20)]
    formats = set()
    for example in examples:
        formats.add(v.guess_format(example, dayfirst=dayfirst))
    if date_format is not None:
        tip = f"They do not match date_format={date_format!r}."
    else:
        tip = "Dates are read as ISO 8601 (1997-01-31 or 1997-01-31 14:05:00) by default."
    if len(formats) == 1 and None not in formats:
        (fmt,) = formats
        tip += f" These look like date_format={fmt!r}; pass that"
        tip += " (or dayfirst=True for day-first dates)." if not dayfirst else "."
    else:
        tip += (
            " Pass date_format (e.g. '%d.%m.%Y', '%m/%d/%Y', '%Y%m%d') or dayfirst=True, "
            "or fix these rows."
        )
    if any(re.fullmatch(r"\d+(\.0+)?", e) for e in examples) and date_format is None:
        tip += (
            " Plain numbers are not dates; for numbers such as 19970131 pass date_format='%Y%m%d'."
        )
    return tip


def _duplicated(out: pd.DataFrame, keep: np.ndarray) -> np.ndarray:
    """Rows equal in every column to an earlier kept row."""
    subset = out[keep]
    try:
        flags = subset.duplicated(keep="first").to_numpy()
    except TypeError:  # unhashable values (lists, dicts) in some other column
        flags = subset.astype({c: "str" for c in subset.columns[3:]}).duplicated().to_numpy()
    result = np.zeros(len(out), bool)
    result[np.flatnonzero(keep)] = flags
    return result


def _sort_order(ids: pd.Series, dates: pd.Series) -> np.ndarray:
    if ptypes.is_integer_dtype(ids.dtype):
        codes = ids.to_numpy()
    else:
        codes = pd.factorize(ids, sort=True)[0]
    return np.lexsort((dates.to_numpy().view("int64"), codes))


def _whole(values: np.ndarray) -> bool:
    """Whether every value is a whole number that int64 holds exactly (|x| < 2**53)."""
    return bool(
        len(values)
        and np.isfinite(values).all()
        and (values == np.round(values)).all()
        and (np.abs(values) < 2**53).all()
    )


def _count(mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{n} row" if n == 1 else f"{n} rows"


def _where(keys: np.ndarray, kind: str) -> str:
    shown = ", ".join(str(v.plain(k)) for k in keys[: v.MAX_SHOWN])
    more = ", ..." if len(keys) > v.MAX_SHOWN else ""
    plural = "s" if len(keys) > 1 else ""
    return f" ({kind}{plural} {shown}{more})"


# ---------------------------------------------------------------------------------------------
# Options and column mapping
# ---------------------------------------------------------------------------------------------


def _check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ParameterError(
            f"{name}={value!r} is not one of {', '.join(repr(c) for c in choices)}.",
            parameter=name,
        )


def _check_separators(sep: str | None, decimal: str, thousands: str | None) -> None:
    if not isinstance(decimal, str) or len(decimal) != 1:
        raise ParameterError(f"decimal={decimal!r} must be one character.", parameter="decimal")
    if thousands is not None and thousands == decimal:
        raise ParameterError(
            f"thousands={thousands!r} is also the decimal mark; pass different characters.",
            parameter="thousands",
        )
    if sep is not None and sep == decimal:
        raise ParameterError(
            f"sep={sep!r} is also the decimal mark (decimal={decimal!r}); files with decimal "
            "commas are usually separated by ';' (sep=';').",
            parameter="sep",
        )


def _check_mapping(columns: Mapping[Any, str] | None) -> dict[Any, str]:
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ParameterError(
            f"columns must be a mapping from your column names to crmlab's, e.g. "
            f"{{'Kunde': 'customer_id'}}; got {type(columns).__name__}.",
            parameter="columns",
        )
    mapping = dict(columns)
    seen: dict[str, Any] = {}
    for key, target in mapping.items():
        if not isinstance(target, str):
            raise ParameterError(
                f"columns maps {key!r} to {target!r}; crmlab's column names are strings.",
                parameter="columns",
            )
        if target in seen:
            raise ParameterError(
                f"columns maps both {seen[target]!r} and {key!r} to {target!r}; map only one.",
                parameter="columns",
            )
        seen[target] = key
    return mapping


def _where_from(label: str | None) -> str:
    """ "the file 'x.csv'" for a file label; a label that is already a phrase ("the Spark
    DataFrame", "the files [...]") as it is; "the DataFrame" without a label."""
    if not label:
        return "the DataFrame"
    return label if label.startswith("the ") else f"the file {label}"


def _apply_mapping(
    frame: pd.DataFrame,
    mapping: dict[Any, str],
    required: Sequence[str],
    optional: Sequence[str],
    *,
    what: str,
    label: str | None,
) -> pd.DataFrame:
    found = list(frame.columns)
    where = _where_from(label)
    for key in mapping:
        if key not in found:
            close = v.close_matches(key, found)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise DataError(
                f"Column {key!r} (given in columns=) is not in {where}.{hint} "
                f"Columns found: {v.list_columns(found)}.",
                column=key,
            )
    for key, target in mapping.items():
        if target != key and target in found and target not in mapping:
            raise DataError(
                f"Column {key!r} is mapped to {target!r}, but {where} already has a column "
                f"{target!r}. Map only one of them (e.g. rename the other with "
                f"columns={{{target!r}: ...}}) or drop it.",
                column=target,
            )
    ours = [*required, *[c for c in optional if c not in required]]
    repeated = frame.attrs.get(DUPLICATES_ATTR) or {}
    for name, fields in repeated.items():
        target = mapping.get(name, name)
        if name in mapping or target in ours:
            listed = ", ".join(str(f) for f in fields[:-1]) + f" and {fields[-1]}"
            raise DataError(
                f"{where[0].upper()}{where[1:]} has {len(fields)} columns named {name!r} (fields "
                f"{listed} of the header), so crmlab cannot tell which one holds the {target}. "
                f"Rename all but one of them in a copy of the file (e.g. {name!r} and "
                f"{f'{name}_2'!r}), or map another column with columns={{'your name': "
                f"{target!r}}}.",
                column=name,
            )
    renamed = {key: target for key, target in mapping.items() if key != target}
    if renamed:
        frame = frame.rename(columns=renamed)
    for name in ours:
        count = int((frame.columns == name).sum()) if name in frame.columns else 0
        if count > 1:
            raise DataError(
                f"{where[0].upper()}{where[1:]} has {count} columns named {name!r}; keep one.",
                column=name,
            )
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise _missing_columns_error(frame, missing, mapping, what=what, label=label)
    present = [c for c in ours if c in frame.columns]
    others = list(dict.fromkeys(c for c in frame.columns if c not in present))
    frame = frame[present + others]
    names = dict(frame.attrs.get(v.NAMES_ATTR) or {})
    names.update({target: key for key, target in renamed.items()})
    frame.attrs[v.NAMES_ATTR] = names
    return frame


def _missing_columns_error(
    frame: pd.DataFrame,
    missing: Sequence[str],
    mapping: Mapping[Any, str],
    *,
    what: str,
    label: str | None,
) -> DataError:
    where = _where_from(label)
    where = where[0].upper() + where[1:]
    free = [c for c in frame.columns if c not in mapping.values()]
    suggestion: dict[Any, str] = {}
    for name in missing:
        for candidate in v.close_matches(name, free, target=name):
            if candidate not in suggestion:
                suggestion[candidate] = name
                break
    names = ", ".join(repr(m) for m in missing)
    noun = "column" if len(missing) == 1 else "columns"
    message = (
        f"{where} has no {names} {noun}, needed for the {what}. "
        f"Columns found: {v.list_columns(frame.columns)}. "
    )
    if suggestion:
        pairs = ", ".join(f"{k!r}: {t!r}" for k, t in {**mapping, **suggestion}.items())
        message += f"Map yours to ours, e.g. columns={{{pairs}}}."
    else:
        message += f"Map yours to ours with columns={{'your name': {missing[0]!r}, ...}}."
    return DataError(message, column=missing[0])


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _read_file(
    source: Any,
    as_text: Any,
    *,
    encoding: str | None,
    sep: str | None,
    decimal: str,
    thousands: str | None,
) -> tuple[pd.DataFrame, np.ndarray, str, str]:
    """Read a file; returns (frame with RangeIndex, keys per row, kind of keys, label)."""
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
        return frame, np.arange(1, len(frame) + 1), "row", label
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
                f"on line {line} is invalid. Pass the file's encoding, e.g. encoding='utf-8', "
                "'cp1252' (Excel on Windows) or 'latin-1'.",
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
            "e.g. encoding='cp1252' (Excel on Windows, Western European) or encoding='latin-1', "
            "or save the file as UTF-8.",
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
) -> tuple[pd.DataFrame, np.ndarray, str, str]:
    raw = _read_bytes(path, label, compression)
    text = _decode(raw, encoding, label)
    if re.search(r"\S", text) is None:
        raise DataError(f"The file {label} holds no data, not even a header line.")
    delimiter = sep if sep is not None else _sniff(text, "\t" if tsv else ",")
    if delimiter == decimal:
        raise ParameterError(
            f"The file {label} is separated by {delimiter!r}, which is also the decimal mark "
            f"(decimal={decimal!r}); pass sep= explicitly, e.g. sep=';'.",
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
            "delimiter (pass sep=...), unbalanced quotes, and that every line has as many fields "
            "as the header.",
        ) from err
    raw_names = _header_fields(text, delimiter)
    if raw_names is not None and len(raw_names) == len(clean):
        clean = raw_names  # pandas renames repeated names ("amount.1"): see them as written
    frame.columns = _unique_names(clean)
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
    keys, kind = _line_numbers(text, delimiter, len(frame))
    return frame, keys, kind, label


def _unique_names(names: list[Any]) -> list[Any]:
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
                f"Pass sep={other!r}.",
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
