"""Reading any table (surveys, ratings, subscriptions, transactions) and checking its columns,
with messages that name the column, the file lines and the fix."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from crmlab import _validation as v
from crmlab.errors import DataError, ParameterError
from crmlab.io._files import DUPLICATES_ATTR, read_file, unique_names
from crmlab.io.options import merge_read_options

Source = str | os.PathLike | pd.DataFrame


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
    read_options: Mapping[str, Any] | None = None,
    date_columns: Sequence[str] = (),
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
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`), checked with
        :func:`crmlab.io.check_read_options`; they win over the keywords above. This reader uses
        ``encoding``, ``sep``, ``decimal`` and ``thousands`` and ignores the others (so one dict
        serves every file a notebook reads).
    date_columns : sequence of str
        Columns (crmlab's names) the fast CSV reader may parse as dates (ISO 8601, or
        ``read_options["date_format"]``); other columns are never turned into dates.

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
    options = merge_read_options(
        read_options, encoding=encoding, sep=sep, decimal=decimal, thousands=thousands
    )
    encoding, sep = options["encoding"], options["sep"]
    decimal, thousands = options["decimal"], options["thousands"]
    _check_separators(sep, decimal, thousands)
    required, optional, text_columns, date_columns = (
        (names,) if isinstance(names, str) else tuple(names)
        for names in (required, optional, text_columns, date_columns)
    )
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        label = None
    else:
        targets, dates = set(text_columns), set(date_columns)
        frame, lines, label = read_file(
            source,
            lambda name: mapping.get(name, name) in targets,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            thousands=thousands,
            as_date=lambda name: mapping.get(name, name) in dates,
            date_format=options["date_format"],
        )
        frame.attrs = {
            **frame.attrs,
            v.LINES_ATTR: v.RowKeys(frame.index, np.arange(len(frame)), lines=lines),
            v.SOURCE_ATTR: str(source),
        }
    if len(frame) == 0:
        where = f"The file {label}" if label else "The DataFrame"
        raise DataError(
            f"{where} has no data rows (columns: {v.list_columns(frame.columns)}); "
            f"there are no {what} to analyse. Check that you exported the data, not only the header."
        )
    frame = _apply_mapping(frame, mapping, required, optional, what=what, label=label)
    if what != "transactions":  # read_transactions makes its own columns writable
        frame = writable(frame)
    return frame


def writable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every numpy column writable (pyarrow's zero-copy columns are read-only)."""
    for i in range(frame.shape[1]):
        values = frame.iloc[:, i].array
        data = getattr(values, "_ndarray", None)
        if isinstance(data, np.ndarray) and not data.flags.writeable:
            frame.isetitem(i, frame.iloc[:, i].copy(deep=True))
    return frame


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
    frame = pd.DataFrame(columns=unique_names(found))
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


def _whole(values: np.ndarray) -> bool:
    """Whether every value is a whole number that int64 holds exactly (|x| < 2**53)."""
    return bool(
        len(values)
        and np.isfinite(values).all()
        and (values == np.round(values)).all()
        and (np.abs(values) < 2**53).all()
    )


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
