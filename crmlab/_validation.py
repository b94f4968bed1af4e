"""Private helpers of :mod:`crmlab.io`: where rows came from, error messages, value parsers.

Where a row came from
---------------------
A frame read from a file carries ``frame.attrs["crmlab_line_numbers"]``, a :class:`RowKeys`
object mapping the frame's index labels to the file's line numbers (CSV: the header is line 1, so
the first data row is line 2; blank lines and quoted line breaks are counted) or, for Parquet,
1-based row numbers. ``frame.attrs["crmlab_source"]`` holds the file's path and
``frame.attrs["crmlab_column_names"]`` maps crmlab's column names to the user's. pandas carries
``attrs`` through selections, filtering and sorting, so an error raised later by
:func:`crmlab.io.check_numeric` and friends still points at file lines. The map is keyed by index
label, so it is wrong after ``reset_index``; labels outside the map are shown as index labels.
"""

from __future__ import annotations

import difflib
import json
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from crmlab.errors import DataError

LINES_ATTR = "crmlab_line_numbers"
SOURCE_ATTR = "crmlab_source"
NAMES_ATTR = "crmlab_column_names"
MAX_SHOWN = 5

# Words users give their columns; used only to suggest a mapping, never to map silently.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer",
        "customerid",
        "customer id",
        "customer_no",
        "cust_id",
        "client",
        "client_id",
        "clientid",
        "user_id",
        "userid",
        "id",
        "kunde",
        "kundennummer",
        "kunden_id",
        "kundenid",
    ),
    "date": (
        "datum",
        "order_date",
        "orderdate",
        "purchase_date",
        "transaction_date",
        "invoicedate",
        "invoice_date",
        "bestelldatum",
        "rechnungsdatum",
        "kaufdatum",
        "timestamp",
        "time",
        "day",
        "fecha",
    ),
    "amount": (
        "umsatz",
        "betrag",
        "revenue",
        "sales",
        "spend",
        "value",
        "total",
        "price",
        "montant",
        "importe",
        "dollars",
    ),
    "quantity": ("qty", "menge", "anzahl", "units", "count", "number"),
    "product": ("sku", "item", "artikel", "produkt", "stockcode", "product_id"),
    "category": ("kategorie", "product_category", "group", "warengruppe"),
    "channel": ("kanal", "source", "medium"),
}

_CURRENCY = "$€£¥"
_CURRENCY_RE = re.compile(
    rf"^(?P<sign>[-+]?)\s*(?P<lead>[{_CURRENCY}]?)\s*(?P<num>[^{_CURRENCY}]*?)\s*(?P<trail>[{_CURRENCY}]?)$"
)
_INTEGRAL_RE = r"[+-]?(?:0|[1-9][0-9]{0,17})(?:\.0*)?"


class LineMap:
    """Where the data rows of one file came from, computed only when first asked for.

    ``resolve()`` returns ``(keys, kind)``: one key per data row in file order (file line numbers,
    Parquet row numbers, ...) and what they are. Reading a file never computes them: an error or
    a note that shows rows asks, and the answer is kept.
    """

    __slots__ = ("_resolve", "_value")

    def __init__(self, resolve: Any) -> None:
        self._resolve = resolve
        self._value: tuple[np.ndarray, str] | None = None

    @classmethod
    def known(cls, keys: Any, kind: str) -> LineMap:
        out = cls(None)
        out._value = (np.asarray(keys), kind)
        return out

    def get(self) -> tuple[np.ndarray, str]:
        if self._value is None:
            keys, kind = self._resolve()
            self._value = (np.asarray(keys), kind)
            self._resolve = None
        return self._value

    def __deepcopy__(self, memo: dict) -> LineMap:
        return self


class RowKeys:
    """Immutable map from a frame's index labels to where each row came from.

    Parameters
    ----------
    index : pandas.Index
        The frame's (unique) index labels.
    keys : array-like
        One key per label: a file line number, a 1-based Parquet row number or an index label of
        the user's DataFrame. With ``lines``: the 0-based data-row positions of the labels in
        the file, looked up in ``lines`` when a key is first needed.
    kind : {"line", "row", "index"}
        What the keys are; used in messages ("line 7", "row 7", "index 7").
    lines : LineMap, optional
        The file's row keys, computed lazily (file line numbers are only counted when an error
        or a note shows them).

    Notes
    -----
    ``copy.deepcopy`` returns the object itself (it is never modified), so pandas' deep copy of
    ``attrs`` on every operation costs nothing; equality is identity or equal content (and the
    hash is consistent with it: the length), so ``pd.concat`` of frames sharing one map keeps it.
    """

    __slots__ = ("_keys", "_kind", "_lines", "index")

    def __init__(
        self, index: pd.Index, keys: Any, kind: str = "line", lines: LineMap | None = None
    ) -> None:
        self.index = pd.Index(index)
        self._keys = np.asarray(keys)
        self._kind = kind
        self._lines = lines

    @property
    def keys(self) -> np.ndarray:
        if self._lines is None:
            return self._keys
        keys, _ = self._lines.get()
        return keys[self._keys]

    @property
    def kind(self) -> str:
        return self._kind if self._lines is None else self._lines.get()[1]

    def take(self, index: pd.Index, positions: Any) -> RowKeys:
        """The map of the rows at ``positions`` (of this map), under the labels ``index``."""
        return RowKeys(index, self._keys[np.asarray(positions)], self._kind, self._lines)

    def __deepcopy__(self, memo: dict) -> RowKeys:
        return self

    def __copy__(self) -> RowKeys:
        return self

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, RowKeys):
            return NotImplemented
        if self._lines is not None or other._lines is not None:
            same_source = self._lines is other._lines
        else:
            same_source = self._kind == other._kind
        return (
            same_source
            and self.index.equals(other.index)
            and len(self._keys) == len(other._keys)
            and bool(np.all(self._keys == other._keys))
        )

    def __hash__(self) -> int:
        # equal maps (see __eq__) have the same length, so they hash alike
        return hash(len(self._keys))

    def __repr__(self) -> str:
        return f"RowKeys(n={len(self._keys)})"

    def positions(self, labels: Sequence[Any] | pd.Index) -> np.ndarray | None:
        """Positions of ``labels`` in this map, or None when some label is not in it."""
        labels = pd.Index(labels)
        if labels.equals(self.index):
            return np.arange(len(self.index))
        if not self.index.is_unique:
            return None
        positions = self.index.get_indexer(labels)
        if (positions < 0).any():
            return None
        return positions

    def lookup(self, labels: Sequence[Any] | pd.Index) -> np.ndarray | None:
        """Keys of ``labels`` as an array, or None when some label is not in the map."""
        positions = self.positions(labels)
        if positions is None:
            return None
        if self._lines is None:
            return self._keys[positions]
        keys, _ = self._lines.get()
        return keys[self._keys[positions]]

    def locate(self, labels: Sequence[Any]) -> tuple[list[Any], str] | None:
        """Keys of ``labels`` as a list, or None when some label is not in the map."""
        keys = self.lookup(labels)
        if keys is None:
            return None
        return [plain(k) for k in keys], self.kind


def pass_hint(**options: Any) -> str:
    """How to pass ``options``, in Python and from ``crmlab run``.

    Examples
    --------
    >>> from crmlab.io import pass_hint
    >>> print(pass_hint(date_format="%Y%m%d"))
    date_format='%Y%m%d' (read_options={'date_format': '%Y%m%d'}; crmlab run: -p read_options '{"date_format": "%Y%m%d"}')
    """
    python = ", ".join(f"{k}={v!r}" for k, v in options.items())
    cli = json.dumps(options, ensure_ascii=False).replace("'", "'\\''")
    return f"{python} (read_options={options!r}; crmlab run: -p read_options '{cli}')"


def plain(value: Any) -> Any:
    """numpy scalars as Python scalars, so that ``rows`` compare and print nicely."""
    return value.item() if isinstance(value, np.generic) else value


def locate_rows(frame: pd.DataFrame | pd.Series, labels: Sequence[Any]) -> tuple[list[Any], str]:
    """File line numbers (or Parquet row numbers, or index labels) of the rows ``labels``."""
    keys = frame.attrs.get(LINES_ATTR)
    if isinstance(keys, RowKeys):
        found = keys.locate(labels)
        if found is not None:
            return found
    return [plain(label) for label in labels], "index"


def source_keys(frame: pd.DataFrame) -> tuple[np.ndarray, str]:
    """Where every row of ``frame`` came from, in positional order (for re-ordering frames)."""
    keys = frame.attrs.get(LINES_ATTR)
    if isinstance(keys, RowKeys):
        found = keys.lookup(frame.index)
        if found is not None:
            return np.asarray(found), keys.kind
    return np.asarray(frame.index, dtype=object), "index"


def user_name(frame: pd.DataFrame | pd.Series, column: Any) -> Any:
    """The name the user gave ``column`` (before the mapping), or ``column`` itself."""
    names = frame.attrs.get(NAMES_ATTR) or {}
    return names.get(column, column)


def describe_column(frame: pd.DataFrame | pd.Series, column: Any) -> str:
    theirs = user_name(frame, column)
    if theirs != column:
        return f"Column {theirs!r} (read as {column!r})"
    return f"Column {column!r}"


def describe_source(frame: pd.DataFrame | pd.Series) -> str:
    source = frame.attrs.get(SOURCE_ATTR)
    return f" of {source!r}" if source else ""


def _show(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "(empty)"
    if value is pd.NaT:
        return "(empty)"
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def row_error(
    frame: pd.DataFrame,
    mask: Any,
    column: Any,
    problem: str,
    advice: str,
    *,
    values: pd.Series | None = None,
) -> DataError:
    """Build (not raise) a DataError showing the rows of ``frame`` where ``mask`` is true."""
    mask = np.asarray(mask, dtype=bool)
    total = int(mask.sum())
    labels = list(frame.index[mask][:MAX_SHOWN])
    keys, kind = locate_rows(frame, labels)
    if values is None:
        values = frame[column]
    shown = list(pd.Series(values).iloc[np.flatnonzero(mask)[:MAX_SHOWN]])
    head = f"{describe_column(frame, column)}{describe_source(frame)}"
    return rows_error(head, user_name(frame, column), problem, advice, keys, kind, shown, total)


def rows_error(
    head: str,
    column: Any,
    problem: str,
    advice: str,
    keys: Sequence[Any],
    kind: str,
    shown: Sequence[Any],
    total: int,
) -> DataError:
    """The DataError of :func:`row_error` from rows already located (``keys`` of ``kind``,
    their ``shown`` values, ``total`` offending rows), for tables that are not pandas frames."""
    keys = [plain(k) for k in keys][:MAX_SHOWN]
    lines = [
        f"  {kind} {key if kind != 'index' else _show(key)}: {_show(value)}"
        for key, value in zip(keys, list(shown)[:MAX_SHOWN], strict=True)
    ]
    if total > MAX_SHOWN:
        lines.append(f"  ... and {total - MAX_SHOWN} more")
    noun = "row" if total == 1 else "rows"
    message = "\n".join([f"{head}: {problem} in {total} {noun}:", *lines, advice])
    return DataError(message, column=column, rows=keys)


def close_matches(name: Any, candidates: Iterable[Any], target: str | None = None) -> list[Any]:
    """Candidates that look like ``name`` (case-insensitive), best first, plus known synonyms."""
    candidates = list(candidates)
    folded = {str(c).strip().casefold(): c for c in candidates}
    found: list[Any] = []
    for word in difflib.get_close_matches(str(name).casefold(), list(folded), n=3, cutoff=0.6):
        found.append(folded[word])
    for synonym in SYNONYMS.get(target or str(name), ()):
        for key, original in folded.items():
            if key.replace(" ", "_") == synonym.replace(" ", "_") and original not in found:
                found.append(original)
    return found


def list_columns(columns: Iterable[Any], limit: int = 30) -> str:
    columns = list(columns)
    text = ", ".join(repr(c) for c in columns[:limit])
    if len(columns) > limit:
        text += f", ... ({len(columns)} in all)"
    return text or "(none)"


# ---------------------------------------------------------------------------------------------
# Parsers: each returns (converted values, mask of values present but unusable)
# ---------------------------------------------------------------------------------------------


def as_text(series: pd.Series) -> pd.Series:
    """Values as stripped strings (``str`` dtype); missing and blank values become NaN."""
    if ptypes.is_string_dtype(series.dtype) and not ptypes.is_object_dtype(series.dtype):
        text = series.astype("str")
    else:
        present = series.notna()
        text = pd.Series(np.nan, index=series.index, dtype="str")
        if present.any():
            text[present] = [str(v) for v in series[present]]
    text = text.str.strip()
    return text.mask(text == "")


def parse_customer_ids(series: pd.Series) -> pd.Series:
    """Customer keys: int64 when every key is an integer (written without leading zeros), else
    stripped strings (``str`` dtype). Missing keys stay NaN in the string form."""
    dtype = series.dtype
    if ptypes.is_integer_dtype(dtype) and not series.isna().any():
        if ptypes.is_unsigned_integer_dtype(dtype) and (series > np.iinfo(np.int64).max).any():
            return as_text(series)
        return series.astype("int64")
    if ptypes.is_float_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values)
        if finite.all() and (values == np.floor(values)).all() and (np.abs(values) < 2**53).all():
            return pd.Series(values.astype("int64"), index=series.index)
    if getattr(dtype, "storage", None) == "pyarrow":
        fast = _arrow_integer_ids(series)
        if fast is not None:
            return fast
    text = as_text(series)
    present = text.notna()
    if present.all() and len(text) and text.str.fullmatch(_INTEGRAL_RE).all():
        return text.str.replace(r"\.0*$", "", regex=True).astype("int64")
    return text


def _arrow_integer_ids(series: pd.Series) -> pd.Series | None:
    """pyarrow-backed text that is all integers written plainly, as int64 (else None)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.chunked_array(series.array.__arrow_array__())
    if values.null_count or not len(values):
        return None
    try:
        numbers = pc.cast(values, pa.int64())  # plain digits only: no spaces, "+" or "."
    except pa.ArrowInvalid:
        return None
    length = pc.utf8_length(values)
    padded = pc.or_(
        pc.and_(pc.starts_with(values, "0"), pc.greater(length, 1)),
        pc.and_(pc.starts_with(values, "-0"), pc.greater(length, 2)),
    )
    if pc.any(padded).as_py():
        return None  # leading zeros: the keys are text
    out = numbers.to_numpy()
    if len(out) and np.abs(out).max() >= 10**18:
        return None
    return pd.Series(out, index=series.index)


def parse_numbers(
    series: pd.Series, *, decimal: str = ".", thousands: str | None = None
) -> tuple[pd.Series, np.ndarray, dict[str, Any]]:
    """Numbers as float64; returns (values, bad mask, notes for the error message).

    Numeric dtypes are taken as they are. Text is stripped; ``thousands`` separators are removed
    and the ``decimal`` mark is read as the decimal point; one currency symbol ($, €, £, ¥) before
    or after the number is accepted when the whole column uses the same symbol. Blank text is
    missing (NaN, not bad); booleans, dates and anything else are bad.
    """
    notes: dict[str, Any] = {}
    dtype = series.dtype
    if ptypes.is_bool_dtype(dtype) or ptypes.is_datetime64_any_dtype(dtype):
        bad = np.array(series.notna(), dtype=bool)
        return pd.Series(np.nan, index=series.index), bad, notes
    if ptypes.is_numeric_dtype(dtype) and not ptypes.is_complex_dtype(dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return pd.Series(values, index=series.index), np.zeros(len(series), bool), notes
    if ptypes.is_object_dtype(dtype):
        kinds = series.map(lambda v: isinstance(v, bool | np.bool_) or hasattr(v, "year"))
        kinds = kinds.to_numpy(dtype=bool)
    else:
        kinds = np.zeros(len(series), bool)
    text = as_text(series)
    present = text.notna().to_numpy()
    cleaned = text
    if thousands:
        cleaned = cleaned.str.replace(thousands, "", regex=False)
    if decimal != ".":
        cleaned = cleaned.str.replace(".", "\x00", regex=False).str.replace(
            decimal, ".", regex=False
        )
    values = _to_float(cleaned)
    failed = present & np.isnan(values)
    mixed = np.zeros(len(series), bool)
    if failed.any():
        # Second chance for the failures only: one currency symbol before or after the number.
        parts = text[failed].str.extract(_CURRENCY_RE)
        lead, trail = parts["lead"].fillna(""), parts["trail"].fillna("")
        symbol = lead + trail
        usable = ((symbol != "") & ((lead == "") | (trail == ""))).to_numpy()
        symbols = pd.unique(symbol[usable])
        if len(symbols):
            number = (parts["sign"].fillna("") + parts["num"].fillna(""))[usable]
            if thousands:
                number = number.str.replace(thousands, "", regex=False)
            if decimal != ".":
                number = number.str.replace(".", "\x00", regex=False).str.replace(
                    decimal, ".", regex=False
                )
            positions = np.flatnonzero(failed)[usable]
            values[positions] = _to_float(number)
            if len(symbols) > 1:
                counts = symbol[usable].value_counts()
                mixed[positions] = (symbol[usable] != counts.index[0]).to_numpy()
                notes["mixed_currency"] = list(counts.index)
            else:
                notes["currency"] = symbols[0]
    bad = present & (np.isnan(values) | kinds | mixed)
    if bad.any():
        raw = text[bad]
        if decimal == "." and raw.str.fullmatch(r"[-+]?[$€£¥]?\s*[\d.]*\d,\d+\s*[$€£¥]?").any():
            notes["decimal_comma"] = True
        if thousands is None:
            mark = "." if decimal == "," else ","
            if raw.str.contains(rf"\d{re.escape(mark)}\d{{3}}(?:\D|$)", regex=True).any():
                notes["thousands"] = mark
    values = np.where(bad, np.nan, values)
    return pd.Series(values, index=series.index), bad, notes


def _to_float(text: pd.Series) -> np.ndarray:
    try:
        values = pd.to_numeric(text, errors="coerce")
        return np.array(values, dtype="float64")
    except (TypeError, ValueError, OverflowError):
        out = np.full(len(text), np.nan)
        for i, value in enumerate(text):
            try:
                out[i] = float(value)
            except (TypeError, ValueError, OverflowError):
                pass
        return out


def number_advice(notes: dict[str, Any]) -> str:
    """What to do about the values :func:`parse_numbers` could not read."""
    tips = []
    if notes.get("decimal_comma"):
        tips.append(
            f"They look like numbers with a decimal comma (12,50): pass {pass_hint(decimal=',')} "
            "(and thousands '.' as well if dots group the thousands: "
            f"{pass_hint(decimal=',', thousands='.')})."
        )
    if notes.get("thousands"):
        mark = notes["thousands"]
        tips.append(
            f"They look like numbers with thousands separators: pass {pass_hint(thousands=mark)}."
        )
    if notes.get("mixed_currency"):
        symbols = ", ".join(repr(s) for s in notes["mixed_currency"])
        tips.append(
            f"The column mixes currency symbols ({symbols}): convert them to one currency "
            "before reading."
        )
    tips.append(
        "Numbers must be plain (e.g. 12.5; one currency symbol such as $ is accepted); "
        "fix or remove these rows."
    )
    return " ".join(tips)


def parse_dates(
    series: pd.Series, *, date_format: str | None = None, dayfirst: bool = False
) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Timestamps as timezone-naive datetime64[ns].

    Returns (values, unreadable mask, out-of-range mask). Values with a UTC offset or timezone
    are converted to UTC and the timezone is dropped; values without one are taken as they are.
    Text is read as ISO 8601 (date or date and time) unless ``date_format`` is given; with
    ``dayfirst=True`` text that is not ISO is read in the day-first format guessed from its first
    value. Numbers are dates only with a ``date_format`` (e.g. ``"%Y%m%d"`` for 19970131).
    """
    index = series.index
    n = len(series)
    result = pd.Series(pd.NaT, index=index, dtype="datetime64[us, UTC]")
    bad = np.zeros(n, bool)
    dtype = series.dtype
    if ptypes.is_datetime64_any_dtype(dtype) and getattr(dtype, "tz", None) is None:
        return _finish_dates(series, bad)
    if ptypes.is_datetime64_any_dtype(dtype):
        values = series
        if getattr(dtype, "tz", None) is None:
            values = values.dt.tz_localize("UTC")
        parsed = values.dt.tz_convert("UTC")
        return _finish_dates(parsed, bad)
    if ptypes.is_bool_dtype(dtype) or (
        ptypes.is_numeric_dtype(dtype) and not ptypes.is_object_dtype(dtype)
    ):
        if date_format is None:
            return _finish_dates(result, np.array(series.notna(), dtype=bool))
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        integral = np.isfinite(values) & (values == np.round(values))
        text = pd.Series(np.nan, index=index, dtype="str")
        text[integral] = [str(int(v)) for v in values[integral]]
        bad |= series.notna().to_numpy() & ~integral
        parsed, unreadable = _parse_date_text(text, date_format, dayfirst)
        return _finish_dates(parsed, bad | unreadable)
    if ptypes.is_object_dtype(dtype):
        is_date = series.map(
            lambda v: hasattr(v, "year") and hasattr(v, "month") and not isinstance(v, str)
        ).to_numpy(dtype=bool)
        if is_date.any():
            try:
                converted = pd.to_datetime(
                    pd.Series(list(series[is_date]), dtype=object), utc=True, errors="coerce"
                )
                result[is_date] = converted.to_numpy()
                bad[is_date] = converted.isna().to_numpy()
            except (TypeError, ValueError, OverflowError):
                bad[is_date] = True
        is_number = (
            series.map(
                lambda v: isinstance(v, int | float | np.number) and not isinstance(v, bool)
            ).to_numpy(dtype=bool)
            & series.notna().to_numpy()
        )
        if date_format is None:
            bad |= is_number
            rest = ~is_date & ~is_number
        else:
            rest = ~is_date
        text = as_text(series.where(rest))
        if date_format is not None:
            text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
        bad |= series.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
    else:
        rest = np.ones(n, bool)
        text = as_text(series)
    parsed, unreadable = _parse_date_text(text, date_format, dayfirst)
    result[rest] = parsed[rest]
    return _finish_dates(result, bad | (unreadable & rest))


def _parse_date_text(
    text: pd.Series, date_format: str | None, dayfirst: bool
) -> tuple[pd.Series, np.ndarray]:
    present = text.notna().to_numpy()
    fmt = date_format if date_format is not None else "ISO8601"
    parsed = _to_datetime(text, fmt)
    unreadable = present & parsed.isna().to_numpy()
    if dayfirst and date_format is None and unreadable.any():
        guessed = guess_format(str(text[unreadable].iloc[0]), dayfirst=True)
        if guessed:
            again = _to_datetime(text[unreadable], guessed)
            parsed[unreadable] = again.to_numpy()
            unreadable = present & parsed.isna().to_numpy()
    return parsed, unreadable


def guess_format(text: str, *, dayfirst: bool) -> str | None:
    """pandas' guess of the strftime format of ``text`` (None when it has none), quietly."""
    from pandas.tseries.api import guess_datetime_format

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return guess_datetime_format(text, dayfirst=dayfirst)
        except (TypeError, ValueError, OverflowError):
            return None


def _to_datetime(text: pd.Series, fmt: str) -> pd.Series:
    """Text -> datetime64[us, UTC] (NaT where unreadable)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parsed = pd.to_datetime(text, format=fmt, utc=True, errors="coerce")
        return pd.Series(parsed, index=text.index).astype("datetime64[us, UTC]")
    except (TypeError, ValueError, OverflowError):
        pass
    # One value broke the vectorised parser: read them one by one.
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    for label, value in text.dropna().items():
        try:
            out[label] = pd.to_datetime(value, format=fmt, utc=True)
        except (TypeError, ValueError, OverflowError):
            pass
    return out


def _finish_dates(parsed: pd.Series, bad: np.ndarray) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """UTC timestamps -> naive datetime64[ns]; values outside pandas' ns range are flagged."""
    parsed = pd.Series(parsed)
    if getattr(parsed.dtype, "tz", None) is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    parsed = parsed.astype(f"datetime64[{np.datetime_data(parsed.dtype)[0]}]")
    values = parsed.to_numpy()
    present = ~np.isnat(values)
    outside = np.zeros(len(values), bool)
    if present.any():
        unit = f"M8[{np.datetime_data(values.dtype)[0]}]"
        # pandas' nanosecond range is 1677-09-21 00:12:43 to 2262-04-11 23:47:16; whole days:
        low = np.datetime64("1677-09-22", "D").astype(unit)
        high = np.datetime64("2262-04-11", "D").astype(unit)
        outside = present & ((values < low) | (values > high))
    if outside.any() or bad.any():
        values = np.where(outside | bad, np.datetime64("NaT"), values)
    out = pd.Series(values.astype("datetime64[ns]", copy=False), index=parsed.index)
    return out, bad & ~outside, outside
