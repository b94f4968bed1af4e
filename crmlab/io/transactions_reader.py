"""Reading transactions: the types, returns and duplicates of :func:`read_transactions`, and the
one-column checks of the transactions contract that :mod:`crmlab.transactions` builds on."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from crmlab import _validation as v
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.io._stream import STREAM_LINES_ATTR, stream_transactions
from crmlab.io.options import merge_read_options, pass_hint
from crmlab.io.tables import (
    Source,
    _apply_mapping,
    _check_choice,
    _check_mapping,
    _check_separators,
    _whole,
    read_table,
    require_columns,
    writable,
)

REQUIRED_TRANSACTION_COLUMNS: tuple[str, ...] = ("customer_id", "date", "amount")

#: ``attrs`` key of what :func:`read_transactions` found: rows read, returns, zero amounts and
#: duplicate rows (before its policies dropped any).
COUNTS_ATTR = "crmlab_read_counts"


OPTIONAL_TRANSACTION_COLUMNS: tuple[str, ...] = ("quantity", "product", "category", "channel")


def read_transactions(
    source: Source,
    columns: Mapping[Any, str] | None = None,
    *,
    date_format: str | None = None,
    dayfirst: bool = False,
    returns: str = "error",
    duplicates: str = "keep",
    zero_amounts: str = "keep",
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    read_options: Mapping[str, Any] | None = None,
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
    zero_amounts : {"keep", "drop", "error"}
        Transactions with amount 0 (free items, vouchers, data errors): ``"keep"`` (default)
        keeps them and warns with the count when there are any (CDNOW's sample has 8);
        ``"drop"`` drops them with a CrmlabWarning giving the count; ``"error"`` raises a
        DataError listing them.
    encoding : str, optional
        Text encoding of a CSV file. Default: UTF-8 with or without byte-order mark (also UTF-16
        with a byte-order mark); others (``"cp1252"``, ``"latin-1"``) must be named.
    sep : str, optional
        CSV delimiter; sniffed among ``,`` ``;`` tab ``|`` when None.
    decimal, thousands : str
        Decimal mark and thousands separator of the numbers (``decimal=","`` reads ``12,50``).
        One currency symbol ($, €, £, ¥) before or after an amount is accepted when the whole
        column uses the same symbol; it is dropped (no conversion between currencies).
    read_options : dict, optional
        The options above as one dict (:data:`crmlab.io.READ_OPTIONS`), as the notebooks pass
        them (``crmlab run -p read_options '{"date_format": "%Y%m%d", "decimal": ","}'``);
        checked with :func:`crmlab.io.check_read_options` and winning over the keywords.

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
        Unknown ``returns``/``duplicates``/``zero_amounts`` choice or ``read_options`` key, a
        mapping to a name that is not a transaction
        column, ``decimal`` equal to ``sep`` or ``thousands``.

    Warns
    -----
    CrmlabWarning
        Returns kept or dropped; zero amounts kept or dropped; duplicate rows kept or dropped
        (each with the count and the first file lines).

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
    options = merge_read_options(
        read_options, date_format=date_format, dayfirst=dayfirst, returns=returns,
        duplicates=duplicates, zero_amounts=zero_amounts, encoding=encoding, sep=sep,
        decimal=decimal, thousands=thousands,
    )  # fmt: skip
    date_format, dayfirst = options["date_format"], options["dayfirst"]
    returns, duplicates, zero_amounts = (
        options["returns"], options["duplicates"], options["zero_amounts"]
    )  # fmt: skip
    decimal, thousands = options["decimal"], options["thousands"]
    _check_choice("returns", returns, ("error", "keep", "drop"))
    _check_choice("duplicates", duplicates, ("keep", "drop"))
    _check_choice("zero_amounts", zero_amounts, ("keep", "drop", "error"))
    files = _glob_files(source)
    if files is not None:
        return _concat_transactions(
            [read_transactions(f, columns, read_options=options) for f in files]
        )
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
    text_columns = ("customer_id", "product", "category", "channel")
    _check_separators(options["sep"], decimal, thousands)
    frame = stream_transactions(source, mapping, text_columns=text_columns, options=options)
    if frame is not None:
        frame = _apply_mapping(
            frame, mapping, REQUIRED_TRANSACTION_COLUMNS, OPTIONAL_TRANSACTION_COLUMNS,
            what="transactions", label=repr(str(source)),
        )  # fmt: skip
    else:
        frame = read_table(
            source,
            REQUIRED_TRANSACTION_COLUMNS,
            mapping,
            optional=OPTIONAL_TRANSACTION_COLUMNS,
            encoding=options["encoding"],
            sep=options["sep"],
            decimal=decimal,
            thousands=thousands,
            text_columns=text_columns,
            what="transactions",
            read_options={"date_format": date_format} if date_format is not None else None,
            date_columns=("date",),
        )
    rows = _row_map(frame)
    out = _typed_transactions(
        frame, date_format=date_format, dayfirst=dayfirst, decimal=decimal, thousands=thousands
    )
    amounts = out["amount"].to_numpy()
    keep = check_returns(frame, amounts < 0, returns, stacklevel=2)
    counts = {"rows_read": len(out), "returns": int((amounts < 0).sum())}
    counts["zero_amounts"] = int((keep & (amounts == 0)).sum())
    keep = check_zero_amounts(frame, amounts == 0, zero_amounts, keep=keep, stacklevel=2)
    source, names = frame.attrs.get(v.SOURCE_ATTR), dict(frame.attrs.get(v.NAMES_ATTR) or {})
    streamed_lines = frame.attrs.get(STREAM_LINES_ATTR)  # the streamed file's rows, in order
    del frame, amounts  # the raw columns are no longer needed: free them before sorting
    index_type = np.int32 if len(out) < 2**31 else np.int64  # row positions, in half the bytes
    positions = None  # 0, 1, 2, ...: made only when needed
    if not keep.all():
        positions = np.flatnonzero(keep).astype(index_type)
        out = out[keep]
        if len(out) == 0:
            raise DataError(
                "No transactions are left after dropping returns and zero amounts; check the "
                f"amounts, or pass {pass_hint(returns='keep')}."
            )
    order, codes, decoded = _sort_order(out["customer_id"], out["date"])
    del keep
    if not _is_identity(order):
        integer_ids = ptypes.is_integer_dtype(out["customer_id"].dtype)
        given = {}
        if decoded is not None:  # sorted ids and times read back from the sort key itself
            given[1] = decoded[1].view("datetime64[ns]")
            if integer_ids:
                given[0] = decoded[0].astype(out["customer_id"].dtype, copy=False)
        codes = decoded[0] if decoded is not None else codes[order]
        out = _take_rows(out, order, given)
        positions = order.astype(index_type) if positions is None else positions[order]
    del order
    if positions is None:
        positions = np.arange(len(out), dtype=index_type)
    repeated = _duplicated_sorted(out, codes)
    del codes
    if repeated.any():
        where = _where(rows, np.sort(positions[repeated]))
        if duplicates == "drop":
            out, positions = out[~repeated], positions[~repeated]
            message = (
                f"Dropped {_count(repeated)} repeating an earlier row exactly{where}; "
                "the first of each is kept."
            )
        else:
            message = (
                f"Found {_count(repeated)} repeating an earlier row exactly{where}. They are kept "
                "(several equal purchases on one day can be genuine); to drop them pass "
                f"{pass_hint(duplicates='drop')}."
            )
        warnings.warn(message, CrmlabWarning, stacklevel=2)
    counts["duplicates"] = int(repeated.sum())
    out = writable(out.reset_index(drop=True))
    out.attrs = {
        COUNTS_ATTR: counts,
        v.LINES_ATTR: (
            rows.take(out.index, positions)
            if streamed_lines is None
            else v.RowKeys(out.index, positions, lines=streamed_lines)
        ),
        v.SOURCE_ATTR: source,
        v.NAMES_ATTR: names,
    }
    return out


def _is_identity(order: np.ndarray) -> bool:
    """Whether ``order`` is 0, 1, 2, ... (the rows are already in order)."""
    return bool(len(order) < 2 or (np.diff(order) == 1).all()) and (not len(order) or order[0] == 0)


def _take_rows(frame: pd.DataFrame, order: np.ndarray, given: dict[int, Any]) -> pd.DataFrame:
    """``frame.iloc[order]`` with a fresh RangeIndex, one column at a time (``frame`` is not
    used afterwards): each column's old values are freed as soon as its new ones exist.
    ``given`` holds columns (by position) already in that order."""
    out = frame.reset_index(drop=True)
    del frame
    for i in range(out.shape[1]):
        values = given.pop(i) if i in given else out.iloc[:, i].array.take(order)
        out.isetitem(i, pd.Series(values, copy=False))
        del values
    return out


def _row_map(frame: pd.DataFrame) -> v.RowKeys:
    """Where each row of ``frame`` (by position) came from: its file map, or its index labels."""
    rows = frame.attrs.get(v.LINES_ATTR)
    if isinstance(rows, v.RowKeys) and rows.index.equals(frame.index):
        return rows  # the file's own map, in its order: nothing to look up
    if isinstance(rows, v.RowKeys):
        positions = rows.positions(frame.index)
        if positions is not None:
            return rows.take(frame.index, positions)
    return v.RowKeys(frame.index, np.asarray(frame.index, dtype=object), "index")


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
    order, _, _ = _sort_order(frame["customer_id"], frame["date"])
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
RETURNS_ADVICE = (
    f"Pass {pass_hint(returns='keep')} to keep them as returns, or returns='drop' to drop them."
)


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
    where = _where(_row_map(frame), np.flatnonzero(negative))
    if returns == "drop":
        keep &= ~negative
        message = f"Dropped {_count(negative)} with a negative amount (returns){where}."
    else:
        message = f"Kept {_count(negative)} with a negative amount (returns){where}."
    warnings.warn(message, CrmlabWarning, stacklevel=stacklevel + 1)
    return keep


#: What to do about zero amounts, as :func:`read_transactions` spells it.
ZERO_AMOUNTS_ADVICE = (
    f"Pass {pass_hint(zero_amounts='drop')} to drop them, or zero_amounts='keep' to keep them "
    "(free items then count as purchases worth 0)."
)


def check_zero_amounts(
    frame: pd.DataFrame,
    zero: Any,
    zero_amounts: str,
    *,
    keep: np.ndarray | None = None,
    stacklevel: int = 2,
) -> np.ndarray:
    """Apply the ``zero_amounts`` policy to the rows of ``frame`` where ``zero`` holds (among
    those ``keep`` keeps): ``"keep"`` and ``"drop"`` warn with the count
    (:class:`~crmlab.errors.CrmlabWarning`), ``"error"`` raises a DataError listing the rows.
    Returns the updated mask of rows to keep."""
    _check_choice("zero_amounts", zero_amounts, ("keep", "drop", "error"))
    keep = np.ones(len(frame), bool) if keep is None else np.asarray(keep, dtype=bool).copy()
    zero = np.asarray(zero, dtype=bool) & keep
    if not zero.any():
        return keep
    if zero_amounts == "error":
        raise v.row_error(frame, zero, "amount", "zero amounts", ZERO_AMOUNTS_ADVICE)
    where = _where(_row_map(frame), np.flatnonzero(zero))
    if zero_amounts == "drop":
        keep &= ~zero
        message = f"Dropped {_count(zero)} with a zero amount{where}."
    else:
        message = (
            f"Kept {_count(zero)} with a zero amount{where}: they count as purchases worth 0 "
            "(free items, vouchers, or data errors). To drop them pass "
            f"{pass_hint(zero_amounts='drop')}."
        )
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
    typed = _already_typed(frame)
    if typed is not None:  # the streaming reader's columns: nothing to parse, nothing to copy
        ids, dates, numbers = typed
    else:
        ids = check_customer_ids(frame).array
        dates = check_dates(frame, date_format=date_format, dayfirst=dayfirst).to_numpy()
        dates = dates.astype("datetime64[ns]", copy=False)
        numbers = np.asarray(check_amounts(frame, decimal=decimal, thousands=thousands), "float64")
    columns = {
        "customer_id": pd.Series(ids, index=frame.index, copy=False),
        "date": pd.Series(dates, index=frame.index, copy=False),
        "amount": pd.Series(numbers, index=frame.index, copy=False),
    }
    out = pd.DataFrame(columns, copy=False)
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


def _already_typed(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Customer ids, dates and amounts of ``frame`` when they hold int64, datetime64[ns] and
    float64 values that pass every check as they are (no missing or infinite value, no date
    outside 1677-2262), else None: then the checks parse and report them."""
    ids, dates, amounts = (frame[c] for c in REQUIRED_TRANSACTION_COLUMNS)
    if not (
        ids.dtype == np.dtype("int64")
        and dates.dtype == np.dtype("datetime64[ns]")
        and amounts.dtype == np.dtype("float64")
    ):
        return None
    id_values, date_values = ids.to_numpy(), dates.to_numpy()
    amount_values = amounts.to_numpy()
    if not len(date_values) or np.isnat(date_values).any():
        return None
    low = np.datetime64("1677-09-22", "D").astype("M8[ns]")
    high = np.datetime64("2262-04-11", "D").astype("M8[ns]")
    if date_values.min() < low or date_values.max() > high:
        return None
    if not np.isfinite(amount_values).all():
        return None
    return id_values, date_values, amount_values


def date_advice(bad: Any, date_format: str | None = None, dayfirst: bool = False) -> str:
    """What to do about dates that cannot be read (``bad``: some of them), as
    :func:`read_transactions` advises."""
    examples = [str(x).strip() for x in pd.Series(list(bad), dtype=object).dropna().head(20)]
    examples = [re.sub(r"^(\d{8})\.0+$", r"\1", e) for e in examples]
    month_first = {v.guess_format(e, dayfirst=False) for e in examples}
    day_first = {v.guess_format(e, dayfirst=True) for e in examples}
    formats = day_first if dayfirst else month_first
    if date_format is not None:
        tip = f"They do not match date_format={date_format!r}."
    else:
        tip = "Dates are read as ISO 8601 (1997-01-31 or 1997-01-31 14:05:00) by default."
    numbers = any(re.fullmatch(r"\d+(\.0+)?", e) for e in examples)
    if numbers and date_format is None and all(re.fullmatch(r"\d{8}", e) for e in examples):
        fmt = "%Y%m%d"
        tip += f" These look like date_format={fmt!r}; pass {pass_hint(date_format=fmt)}."
        return tip
    if (
        not dayfirst
        and len(month_first) == 1
        and len(day_first) == 1
        and None not in month_first | day_first
        and month_first != day_first
    ):
        (m_fmt,), (d_fmt,) = month_first, day_first
        tip += (
            f" These dates are ambiguous: month first (date_format={m_fmt!r}) or day first "
            f"(date_format={d_fmt!r}, or dayfirst=True). Say which: pass "
            f"{pass_hint(date_format=m_fmt)} or {pass_hint(date_format=d_fmt)}."
        )
    elif len(formats) == 1 and None not in formats:
        (fmt,) = formats
        tip += f" These look like date_format={fmt!r}; pass {pass_hint(date_format=fmt)}"
        tip += " (or dayfirst=True for day-first dates)." if not dayfirst else "."
    else:
        tip += (
            " Pass date_format (e.g. '%d.%m.%Y', '%m/%d/%Y', '%Y%m%d') or dayfirst=True as "
            'read_options (crmlab run: -p read_options \'{"date_format": "%d.%m.%Y"}\'), '
            "or fix these rows."
        )
    if numbers and date_format is None:
        tip += (
            " Plain numbers are not dates; for numbers such as 19970131 pass "
            f"{pass_hint(date_format='%Y%m%d')}."
        )
    return tip


def _duplicated_sorted(out: pd.DataFrame, codes: np.ndarray) -> np.ndarray:
    """Rows equal in every column to an earlier row, for ``out`` sorted stably by customer and
    date (``codes``: the customers' sort codes): equal rows share customer and date, so only rows
    next to one with the same customer and date are compared, in their file order."""
    n = len(out)
    result = np.zeros(n, bool)
    if n < 2:
        return result
    dates = out["date"].to_numpy().view("int64")
    same = (codes[1:] == codes[:-1]) & (dates[1:] == dates[:-1])
    candidate = np.zeros(n, bool)
    candidate[1:] |= same
    candidate[:-1] |= same
    if not candidate.any():
        return result
    subset = out.iloc[np.flatnonzero(candidate)]
    try:
        flags = subset.duplicated(keep="first").to_numpy()
    except TypeError:  # unhashable values (lists, dicts) in some other column
        flags = subset.astype({c: "str" for c in subset.columns[3:]}).duplicated().to_numpy()
    result[np.flatnonzero(candidate)] = flags
    return result


def _sort_order(
    ids: pd.Series, dates: pd.Series
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """Stable order by customer and date, the customers' sort codes, and (when the sort could
    use one int64 key) the sorted codes and times (int64) read back from that key."""
    if ptypes.is_integer_dtype(ids.dtype):
        codes = ids.to_numpy()
    else:
        codes = pd.factorize(ids, sort=True)[0]
    times = dates.to_numpy().view("int64")
    n = len(codes)
    if n < 2:
        return np.arange(n), codes, None
    step = np.diff(codes)
    if (step >= 0).all() and ((np.diff(times) >= 0) | (step > 0)).all():
        return np.arange(n), codes, None  # already in order
    order, decoded = _stable_order(codes, times)
    return order, codes, decoded


def _stable_order(
    codes: np.ndarray, times: np.ndarray
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """``np.lexsort((times, codes))``, faster: one key (customer, time, position) when it fits
    in int64, sorted without the cost of a stable sort; then the sorted codes and times are
    read back from the key (no gather) and returned too."""
    n = len(codes)
    low_c, high_c = int(codes.min()), int(codes.max())
    low_t, high_t = int(times.min()), int(times.max())
    offsets = times - low_t
    for unit in (86_400 * 10**9, 10**9, 1):  # whole days, whole seconds, or nanoseconds
        steps, rest = np.divmod(offsets, unit) if unit > 1 else (offsets, None)
        if rest is None or not rest.any():
            break
    del offsets, rest
    span_bits = int((high_t - low_t) // unit).bit_length()
    position_bits = int(n - 1).bit_length()
    if (high_c - low_c).bit_length() + span_bits + position_bits < 63:
        # key = customer, then time, then position: bit fields, so that reading them back
        # takes shifts and masks, not divisions
        key = codes - low_c
        key <<= span_bits
        key |= steps
        del steps
        key <<= position_bits
        key |= np.arange(n, dtype=np.int32 if n < 2**31 else np.int64)  # cast in buffers
        key.sort()
        order = key & ((1 << position_bits) - 1)
        key >>= position_bits
        sorted_times = key & ((1 << span_bits) - 1)
        sorted_times *= unit
        sorted_times += low_t
        key >>= span_bits
        key += low_c
        return order, (key, sorted_times)
    return np.lexsort((times, codes)), None


def _count(mask: np.ndarray) -> str:
    n = int(mask.sum())
    return f"{n} row" if n == 1 else f"{n} rows"


def _where(rows: v.RowKeys, positions: np.ndarray) -> str:
    """ " (lines 3, 4, ...)": where the rows at ``positions`` (in file order) came from."""
    first = rows.take(pd.RangeIndex(min(len(positions), v.MAX_SHOWN)), positions[: v.MAX_SHOWN])
    shown = ", ".join(str(v.plain(k)) for k in first.keys)
    more = ", ..." if len(positions) > v.MAX_SHOWN else ""
    plural = "s" if len(positions) > 1 else ""
    return f" ({first.kind}{plural} {shown}{more})"
