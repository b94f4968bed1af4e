"""The streaming path of :func:`crmlab.io.read_transactions` for plain CSV files.

pyarrow parses the file block by block; each block's customer ids, dates and amounts go straight
into preallocated numpy arrays of their final types (int64, datetime64[ns], float64), so that
the file is never held as bytes, text and a frame at once. Only clean data take this path: a
block with anything the checks would report (a missing or unreadable value, text customer ids,
returns or zero amounts that raise, ...) abandons it, and the careful readers read the file
again and report the problem with file lines and column names as they always have. File line
numbers are counted only when a note or an error shows them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crmlab import _validation as v
from crmlab.io._files import _CSV_SUFFIXES, arrow_to_pandas, fast_csv_plan

#: ``attrs`` key of the file's line map (row ``i`` of the file is row ``i`` of the frame).
STREAM_LINES_ATTR = "crmlab_stream_lines"

#: Rows per parsed block are about this many bytes of the file (4 MiB: on 10^6 lines 1.2-1.4x
#: pandas.read_csv time and 1.34x its peak memory; 1 MiB was 1.4-1.5x time, 8 MiB 1.6x memory).
_BLOCK_BYTES = 1 << 22

#: pandas' nanosecond range in whole days, as ``_validation`` checks it.
_LOW = np.datetime64("1677-09-22", "D")
_HIGH = np.datetime64("2262-04-11", "D")


def stream_transactions(
    source: Any,
    mapping: Mapping[Any, str],
    *,
    text_columns: tuple[str, ...],
    options: Mapping[str, Any],
) -> pd.DataFrame | None:
    """The frame :func:`crmlab.io.read_table` would hand to the transaction checks, with the
    customer ids, dates and amounts already typed, or None to take the careful readers.

    ``options`` are the merged reader options of :func:`read_transactions`."""
    if not isinstance(source, str | os.PathLike) or options["thousands"] is not None:
        return None
    if options["dayfirst"]:  # dates that are not ISO are read day first: the careful path
        return None
    path = Path(source).expanduser()
    name = path.name.lower()
    if not name.endswith(_CSV_SUFFIXES) or not path.is_file():
        return None
    date_format = options["date_format"]
    if date_format is not None and "%" not in date_format:
        return None  # pandas' named formats ("ISO8601", "mixed")
    targets = {mapping.get(n, n) for n in text_columns}
    plan = fast_csv_plan(
        path,
        lambda n: mapping.get(n, n) in targets,
        lambda n: mapping.get(n, n) == "date",
        encoding=options["encoding"],
        sep=options["sep"],
        decimal=options["decimal"],
        date_format=date_format,
        tsv=name.endswith(".tsv"),
    )
    if plan is None or any(k not in plan.clean for k in mapping):
        return None
    ours = [mapping.get(n, n) for n in plan.clean]
    if len(set(ours)) != len(ours) or not {"customer_id", "date", "amount"} <= set(ours):
        return None
    where = {t: plan.clean[i] for i, t in enumerate(ours) if t in ("customer_id", "date", "amount")}
    import pyarrow as pa

    columns_seen: list[str] | None = None
    arrays = _Growing(path.stat().st_size)
    others: dict[str, list[Any]] = {n: [] for n in plan.clean if n not in where.values()}
    types = {where["amount"]: pa.float64()}
    try:
        for chunk in _record_chunks(path):
            table = plan.read_buffer(chunk, types, columns_seen)
            nbytes = len(chunk)
            del chunk
            if columns_seen is None:
                columns_seen = table.column_names
                if [c.strip() for c in columns_seen] != plan.clean:
                    return None
            block = arrays.block(table.num_rows, nbytes)
            position = {name.strip(): i for i, name in enumerate(table.column_names)}
            if not (
                _integer_ids(table.column(position[where["customer_id"]]), block[0])
                and _dates(table.column(position[where["date"]]), block[1])
                and _amounts(table.column(position[where["amount"]]), block[2])
            ):
                return None
            for other in others:
                others[other].append(table.column(position[other]))
            del table
    except (pa.ArrowException, OSError, ValueError):
        return None
    n = arrays.n
    ids, dates, amounts = arrays.values()
    if n == 0:
        return None
    values = amounts
    if (options["returns"] == "error" and (values < 0).any()) or (
        options["zero_amounts"] == "error" and (values == 0).any()
    ):
        return None  # the careful readers list them as written in the file
    columns: dict[str, Any] = {}
    for column in plan.clean:
        if column == where["customer_id"]:
            columns[column] = ids
        elif column == where["date"]:
            columns[column] = dates.view("datetime64[ns]")
        elif column == where["amount"]:
            columns[column] = values
        else:
            chunks = [c for part in others.pop(column) for c in part.chunks]
            kinds = {c.type for c in chunks}
            if len(kinds) > 1 or any(pa.types.is_temporal(k) for k in kinds):
                # blocks read as different types, or dates in another column (which keep their
                # text, as the careful reader keeps it): the careful readers decide
                return None
            columns[column] = arrow_to_pandas(pa.chunked_array(chunks, type=kinds.pop()))
    frame = pd.DataFrame(columns, copy=False)
    label = repr(str(source))
    lines = plan.lines(n, label, options["encoding"])
    frame.attrs = {
        v.LINES_ATTR: v.RowKeys(frame.index, np.arange(n, dtype=_positions(n)), lines=lines),
        v.SOURCE_ATTR: str(source),
        STREAM_LINES_ATTR: lines,
    }
    return frame


def _positions(n: int) -> type:
    """The integer type of row positions below ``n`` (int32 halves their memory)."""
    return np.int32 if n < 2**31 else np.int64


def _record_chunks(path: Path):
    """The file in pieces of about ``_BLOCK_BYTES`` that end after a line break outside quotes
    (an even number of ``"`` before it), so that no record is cut in two."""
    size = _BLOCK_BYTES
    with path.open("rb") as handle:
        while piece := handle.read(size):
            if len(piece) < size:  # the end of the file
                yield piece
                return
            cut = piece.rfind(b"\n") + 1
            if b'"' in piece:
                quotes = piece.count(b'"', 0, cut)
                while cut and quotes % 2:  # a line break inside a quoted value: an earlier one
                    previous = piece.rfind(b"\n", 0, cut - 1) + 1
                    quotes -= piece.count(b'"', previous, cut)
                    cut = previous
            if cut == 0:  # no record ends in this piece: read a larger one
                handle.seek(-len(piece), 1)
                size *= 2
                continue
            handle.seek(cut - len(piece), 1)
            yield memoryview(piece)[:cut]
            size = _BLOCK_BYTES


class _Growing:
    """Customer ids, dates and amounts (int64, int64 nanoseconds, float64), filled block by
    block; room for the rows a file of ``size`` bytes holds at its first block's bytes per row,
    grown by half when that was too few."""

    def __init__(self, size: int) -> None:
        self.size, self.n, self.arrays = size, 0, None

    def block(self, rows: int, nbytes: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.arrays is None:
            estimate = int(self.size / max(nbytes, 1) * rows * 1.05) + rows + 16
            self.arrays = tuple(np.empty(estimate, t) for t in ("int64", "int64", "float64"))
        capacity = len(self.arrays[0])
        if self.n + rows > capacity:
            grown = max(self.n + rows, capacity + capacity // 2)
            self.arrays = tuple(_resized(a, grown, self.n) for a in self.arrays)
        out = tuple(a[self.n : self.n + rows] for a in self.arrays)
        self.n += rows
        return out

    def values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.arrays is None:
            return tuple(np.empty(0, t) for t in ("int64", "int64", "float64"))
        capacity = len(self.arrays[0])
        if capacity > self.n * 1.1 + 1024:  # far too much room: give it back
            return tuple(a[: self.n].copy() for a in self.arrays)
        return tuple(a[: self.n] for a in self.arrays)


def _resized(array: np.ndarray, size: int, used: int) -> np.ndarray:
    out = np.empty(size, array.dtype)
    out[:used] = array[:used]
    return out


def _integer_ids(values: Any, out: np.ndarray) -> bool:
    """Write customer ids that are all integers written plainly (digits with an optional "-",
    no leading zeros, below 10**18) into ``out``; False when any is not (they are then text,
    which the careful readers sort out)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        if values.num_chunks != 1:
            values = values.combine_chunks()
        else:
            values = values.chunk(0)
    if values.null_count or not pa.types.is_string(values.type) or not len(values):
        return False
    try:
        numbers = pc.cast(values, pa.int64())
    except pa.ArrowInvalid:
        return False
    # leading zeros: the first character of each value, from pyarrow's offsets and bytes
    offsets = np.frombuffer(values.buffers()[1], np.int32)[values.offset :][: len(values) + 1]
    text = np.frombuffer(values.buffers()[2], np.uint8)
    first, lengths = text[offsets[:-1]], np.diff(offsets)
    if ((first == ord("0")) & (lengths > 1)).any():
        return False
    negative = first == ord("-")
    if negative.any():
        second = text[offsets[:-1][negative] + 1]
        if ((second == ord("0")) & (lengths[negative] > 2)).any():
            return False
    array = numbers.to_numpy()
    if max(-int(array.min()), int(array.max())) >= 10**18:
        return False
    out[:] = array
    return True


def _dates(values: Any, out: np.ndarray) -> bool:
    """Write dates parsed by pyarrow (dates, or times converted to UTC) as int64 nanoseconds
    into ``out``; False when some are missing, not dates, or outside 1677-2262."""
    import pyarrow as pa

    kind = values.type
    if values.null_count or not (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
        return False
    array = values.to_numpy(zero_copy_only=False)  # with a time zone: the UTC instants
    unit = f"M8[{np.datetime_data(array.dtype)[0]}]"
    if len(array) and (array.min() < _LOW.astype(unit) or array.max() > _HIGH.astype(unit)):
        return False
    out[:] = array.astype("M8[ns]", copy=False).view("int64")
    return True


def _amounts(values: Any, out: np.ndarray) -> bool:
    """Write finite amounts into ``out``; False when some are missing or infinite."""
    if values.null_count:
        return False
    array = values.to_numpy()
    if not np.isfinite(array).all():
        return False
    out[:] = array
    return True
