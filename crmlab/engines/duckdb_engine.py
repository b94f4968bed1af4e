"""Customer summaries of transaction files of any size, out of core, in embedded DuckDB.

A path or glob of Parquet or CSV files is read by an in-memory DuckDB connection with a memory
limit and a temporary directory for spilling: the raw log never enters Python, only the
per-customer summary (or its histogram of distinct rows) does. Results equal
:func:`crmlab.rfm.rfm_summary` on the same data (Fader, Hardie & Lee 2005, the (x, t_x, T)
summary).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
Raasveldt, M. and Muehleisen, H. (2019). DuckDB: an Embeddable Analytical Database. SIGMOD.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from crmlab import io
from crmlab.engines import _sql
from crmlab.engines._common import check_contract, shape_summary, window
from crmlab.engines._score import check_options, detached, score_distinct
from crmlab.errors import DataError, ParameterError

__all__ = ["CustomerSummary", "connect", "rfm_summary", "score_to_parquet", "summary_histogram"]

_PARQUET = (".parquet", ".pq", ".parq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz", ".txt.gz", ".csv.zst")
_DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


def _default_memory_limit() -> str:
    """Half the machine's physical memory, at most 8 GB (as a DuckDB size string)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return "2GB"
    return f"{max(256, min(8192, total // 2**21))}MB"


@contextlib.contextmanager
def connect(
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection set up for bounded memory, closed on exit.

    Parameters
    ----------
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (e.g. ``"2GB"``); beyond it, aggregations spill to disk.
        Default: half the physical memory, at most 8 GB.
    temp_directory : path, optional
        Where DuckDB spills. Default: a new temporary folder, deleted on exit.
    threads : int, optional
        Worker threads. Default: the number of cores.
    """
    own = temp_directory is None
    tmp = tempfile.mkdtemp(prefix="crmlab-duckdb-") if own else os.fspath(temp_directory)
    config = {
        "memory_limit": memory_limit or _default_memory_limit(),
        "temp_directory": tmp,
        "threads": int(threads or os.cpu_count() or 1),
        "preserve_insertion_order": False,
    }
    con = duckdb.connect(":memory:", config=config)
    con.execute("SET enable_progress_bar = false")  # no bar on a notebook's or script's stderr
    try:
        yield con
    finally:
        con.close()
        if own:
            shutil.rmtree(tmp, ignore_errors=True)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _reader(source: Any, file_format: str | None = None) -> tuple[str, str, str]:
    """``(format, list of paths as SQL, label)`` of ``source`` (a path, glob or list of them)."""
    paths = [source] if isinstance(source, str | os.PathLike) else list(source)
    if not paths or not all(isinstance(p, str | os.PathLike) for p in paths):
        raise ParameterError(
            "source must be a path, a glob or a list of paths of Parquet or CSV files, got "
            f"{source!r}.",
            parameter="source",
        )
    paths = [os.fspath(p) for p in paths]
    fmt = file_format
    if fmt is None:
        lowered = [p.lower() for p in paths]
        if all(p.endswith(_PARQUET) for p in lowered):
            fmt = "parquet"
        elif all(p.endswith(_CSV) for p in lowered):
            fmt = "csv"
        else:
            raise ParameterError(
                f"cannot tell the file format of {paths[:5]} from the extension: name the files "
                "*.parquet or *.csv, or pass file_format='parquet' or 'csv'.",
                parameter="file_format",
            )
    if fmt not in ("parquet", "csv"):
        raise ParameterError(
            f"file_format must be 'parquet' or 'csv', got {fmt!r}.", parameter="file_format"
        )
    listed = "[" + ", ".join(_sql_string(p) for p in paths) + "]"
    label = repr(paths[0]) if len(paths) == 1 else f"the files {paths[:3]!r}"
    return fmt, listed, label


def _relation(con: duckdb.DuckDBPyConnection, reader: str, source: Any) -> duckdb.DuckDBPyRelation:
    try:
        return con.sql(f"SELECT * FROM {reader}")
    except (duckdb.IOException, duckdb.InvalidInputException) as exc:
        raise DataError(
            f"cannot read transactions from {source!r}: {exc}. Check the path or glob (no file "
            "matches?) and that the files are Parquet or CSV with a header row."
        ) from exc


def _header(con: duckdb.DuckDBPyConnection, listed: str, source: Any) -> list[str]:
    """The CSV header as written (DuckDB renames repeated names, read_transactions refuses them)."""
    row = _relation(con, f"read_csv({listed}, header = false, all_varchar = true)", source)
    first = row.limit(1).fetchall()
    return [] if not first else [str(name).strip() for name in first[0]]


_EXPLAIN_MAX_BYTES = 256 * 2**20


def _explain_one_column(source: Any, name: str, columns: Any, label: str) -> None:
    """DuckDB's sniffer read a CSV as one column (a ragged line, or an unusual delimiter): raise
    the reason :func:`crmlab.io.read_transactions` gives for the first file (read in memory
    only here, after the failure, and only when it is small), else a plain DataError."""
    paths = [source] if isinstance(source, str | os.PathLike) else list(source)
    files = sorted(glob.glob(os.fspath(paths[0]))) if paths else []
    if files and os.path.getsize(files[0]) <= _EXPLAIN_MAX_BYTES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # only the reader's error matters here
            io.read_transactions(files[0], columns)  # raises the reader's message
    raise DataError(
        f"DuckDB reads {label} as one single column named {name!r}: some line has more fields "
        "than the header, or the delimiter is not detected. Check that every line has as many "
        "fields as the header (quote values that contain the delimiter), or read the file with "
        "crmlab.io.read_transactions(path, sep=...)."
    )


def _prepare(
    con: duckdb.DuckDBPyConnection,
    source: Any,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str,
    columns: Mapping[Any, str] | None,
    file_format: str | None,
    returns: str = "error",
):
    """Validate the source against the transactions contract of crmlab.io.read_transactions.

    Returns ``(reader, names, obs_end, cal_end)``: ``reader`` is a subquery with the columns
    ``customer_id``, ``date`` (TIMESTAMP) and ``amount`` (DOUBLE), returns dropped when
    ``returns="drop"``; ``names`` maps the contract columns to themselves.
    """
    fmt, listed, label = _reader(source, file_format)
    if fmt == "csv":  # dates as text, read as read_transactions reads them (never guessed)
        header = _header(con, listed, source)
        if len(header) == 1 and any(sep in header[0] for sep in ",;\t"):
            _explain_one_column(source, header[0], columns, label)
        names = io.map_columns(header, columns, _sql.REQUIRED, label=label)
        raw = f"read_csv({listed}, header = true, types = {{{_sql_string(names['date'])}: 'VARCHAR'}})"
    else:
        raw = f"read_parquet({listed})"
        found = list(_relation(con, raw, source).columns)
        names = io.map_columns(found, columns, _sql.REQUIRED, label=label)
    rel = _relation(con, raw, source)
    types = dict(zip(rel.columns, (str(t).upper() for t in rel.types), strict=True))
    d = _sql.DUCKDB
    date, amount = d.quote(names["date"]), d.quote(names["amount"])
    date_type, amount_type = types[names["date"]], types[names["amount"]]
    if date_type in _DATE_TYPES:
        date_expr = f"CAST({date} AS TIMESTAMP)"
    elif date_type == "VARCHAR":
        date_expr = d.parse_timestamp(date)
    else:
        raise DataError(
            f"column '{names['date']}' must hold dates or timestamps without time zone, its "
            f"type is {date_type}; store dates as Parquet timestamps/dates, write them as "
            "YYYY-MM-DD in CSV, or convert time zones to naive local dates first.",
            column=names["date"],
        )
    numeric = ("INT", "DOUBLE", "FLOAT", "DECIMAL", "REAL", "NUMERIC", "BIGINT", "HUGEINT")
    if any(t in amount_type for t in numeric):
        amount_expr = f"CAST({amount} AS DOUBLE)"
    elif amount_type == "VARCHAR":
        amount_expr = d.parse_double(amount)
    else:
        raise DataError(
            f"column '{names['amount']}' must be numeric, its type is {amount_type}; fix the "
            "file (decimal point, no currency signs).",
            column=names["amount"],
        )

    def run(sql: str) -> list:
        return con.execute(sql).fetchall()

    numeric_id = any(t in types[names["customer_id"]] for t in ("INT", "DECIMAL", "NUMERIC"))
    stored = [c for c, typed_ in (("customer_id", numeric_id), ("date", date_type != "VARCHAR"),
              ("amount", amount_type != "VARCHAR")) if typed_]  # fmt: skip
    stats: dict = {}
    typed = check_contract(
        d, run, raw, names, date_expr, amount_expr, returns, label, typed_columns=stored,
        stats=stats,
    )  # fmt: skip
    obs_end, cal_end = window(run, typed, calibration_end, observation_end, time_unit, stats)
    return typed, {c: c for c in _sql.REQUIRED}, obs_end, cal_end


def rfm_summary(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    returns: str = "error",
    file_format: str | None = None,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """:func:`crmlab.rfm.rfm_summary` of Parquet or CSV files, computed out of core in DuckDB.

    Parameters
    ----------
    source : path, glob or list of paths
        Parquet (``*.parquet``) or CSV (``*.csv``, header row) files of the transactions
        contract; other columns are ignored and never read (Parquet).
    calibration_end, observation_end, time_unit
        As in :func:`crmlab.rfm.rfm_summary`.
    columns : mapping, optional
        ``{your column name: crmlab name}`` for ``customer_id``, ``date``, ``amount``.
    returns : {"error", "keep", "drop"}
        Negative amounts (returns), as in :func:`crmlab.io.read_transactions`: refused with the
        rows listed (default), kept or dropped with a :class:`~crmlab.errors.CrmlabWarning`.
    file_format : {"parquet", "csv"}, optional
        Default: from the file extension.
    memory_limit, temp_directory, threads
        DuckDB settings, see :func:`connect`.

    Returns
    -------
    DataFrame
        Exactly what :func:`crmlab.rfm.rfm_summary` returns for the same transactions: index
        ``customer_id`` (sorted), float64 ``frequency`` (repeat purchase days), ``recency``
        (first to last purchase day), ``T`` (first purchase day to the end of the window),
        ``monetary_value`` (mean spend per repeat purchase day), with ``calibration_end`` also
        ``frequency_holdout``, ``monetary_value_holdout``, ``duration_holdout``; same ``attrs``.

    Raises
    ------
    DataError
        The contract of :func:`crmlab.io.read_transactions`, with its messages: files that
        cannot be read; missing or repeated columns (named, with the columns found); missing
        customer ids, dates or amounts, dates that are not ISO 8601 (``03/04/2011`` is refused,
        not guessed month-first), amounts that are not numbers or infinite, negative amounts
        with ``returns="error"`` (count and up to five 1-based data row numbers with values).
    ParameterError
        As :func:`crmlab.rfm.rfm_summary` (time_unit, calibration_end, observation_end).
    """
    with CustomerSummary(
        source, calibration_end, observation_end, time_unit, columns, returns=returns,
        file_format=file_format, memory_limit=memory_limit, temp_directory=temp_directory,
        threads=threads, keep_excluded=True,
    ) as summary:  # fmt: skip
        return summary.to_pandas()


def summary_histogram(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    by: Sequence[str] = ("frequency", "recency", "T"),
    returns: str = "error",
    file_format: str | None = None,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> pd.DataFrame:
    """Distinct summary rows and their number of customers, grouped inside DuckDB.

    See :func:`crmlab.engines.summary_histogram`.
    """
    by = _sql.check_by(by)
    with CustomerSummary(
        source, calibration_end, observation_end, time_unit, columns, returns=returns,
        file_format=file_format, memory_limit=memory_limit, temp_directory=temp_directory,
        threads=threads,
    ) as summary:  # fmt: skip
        return summary.histogram(by)


def score_to_parquet(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    path: str | os.PathLike,
    transaction_model,
    spend_model=None,
    *,
    horizon: float,
    discount_rate: float = 0.1,
    margin_rate: float = 1.0,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    batch_size: int = 200_000,
    returns: str = "error",
    file_format: str | None = None,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike | None = None,
    threads: int | None = None,
) -> Path:
    """Score every customer of a transaction log and write the scores to one Parquet file.

    The summary is computed in DuckDB and fetched as a stream of Arrow record batches of ``batch_size``
    customers; each batch is scored with the vectorised model methods and appended to the
    Parquet file, so memory stays bounded by one batch whatever the number of customers.

    Parameters
    ----------
    source : path, glob or list of paths
        Transaction files, as in :func:`rfm_summary`.
    path : path
        The Parquet file written (replaced if present).
    transaction_model : BGNBD, MBGNBD, ParetoNBD or BGBB, fitted
        Fitted on summaries in the same ``time_unit`` (e.g. on :func:`summary_histogram`).
    spend_model : GammaGamma, fitted, optional
        When given, a ``clv`` column is added.
    horizon : float
        Prediction horizon in ``time_unit``.
    discount_rate, margin_rate
        Annual discount rate and margin share of :func:`crmlab.clv.customer_lifetime_value`.
    calibration_end, observation_end, time_unit, columns
        As in :func:`rfm_summary`: the window whose summary is scored.
    batch_size : int
        Customers per batch.

    Returns
    -------
    Path
        ``path``. Its columns: ``customer_id``; ``p_alive`` (probability the customer is alive at
        the end of the window, e.g. Fader, Hardie & Lee 2005, eq. 12 for the BG/NBD);
        ``expected_purchases`` (conditional expected purchases in the next ``horizon``, FHL 2005
        eq. 10); with a spend model ``clv`` (discounted margin over the horizon, see
        :func:`crmlab.clv.customer_lifetime_value`). Rows in no particular order.
    """
    check_options(horizon, discount_rate, time_unit)  # before reading anything
    if int(batch_size) < 1:
        raise ParameterError(
            f"batch_size must be >= 1, got {batch_size!r}.", parameter="batch_size"
        )
    detached(transaction_model), detached(spend_model)  # fitted?
    with CustomerSummary(
        source, calibration_end, observation_end, time_unit, columns, returns=returns,
        file_format=file_format, memory_limit=memory_limit, temp_directory=temp_directory,
        threads=threads,
    ) as summary:  # fmt: skip
        return summary.score_to_parquet(
            path, transaction_model, spend_model, horizon=horizon, discount_rate=discount_rate,
            margin_rate=margin_rate, batch_size=batch_size,
        )  # fmt: skip


class CustomerSummary:
    """The customer summary of a transaction log, checked and computed once in DuckDB and kept
    there, so that a histogram to fit on and the scores of every customer need one pass over the
    log between them.

    The log is checked against the transactions contract (as :func:`rfm_summary` checks it) and
    summarised into a DuckDB table when the object is made; :meth:`histogram` and
    :meth:`score_to_parquet` then read that table, not the log. Use it as a context manager (or
    call :meth:`close`): the connection and its spill folder live until then.

    Parameters
    ----------
    source, calibration_end, observation_end, time_unit, columns, returns, file_format
        As in :func:`rfm_summary`.
    memory_limit, temp_directory, threads
        DuckDB settings, see :func:`connect`.

    Examples
    --------
    >>> from crmlab.engines.duckdb_engine import CustomerSummary  # doctest: +SKIP
    >>> with CustomerSummary("orders/*.parquet", time_unit="W") as summary:  # doctest: +SKIP
    ...     model = BGNBD().fit(summary.histogram())
    ...     summary.score_to_parquet("scores.parquet", model, horizon=52)
    """

    def __init__(
        self,
        source: str | os.PathLike | Sequence[str | os.PathLike],
        calibration_end: Any = None,
        observation_end: Any = None,
        time_unit: str = "W",
        columns: Mapping[Any, str] | None = None,
        *,
        returns: str = "error",
        file_format: str | None = None,
        memory_limit: str | None = None,
        temp_directory: str | os.PathLike | None = None,
        threads: int | None = None,
        keep_excluded: bool = False,
    ) -> None:
        self._stack = contextlib.ExitStack()
        con = self._stack.enter_context(connect(memory_limit, temp_directory, threads))
        try:
            reader, names, obs_end, cal_end = _prepare(
                con, source, calibration_end, observation_end, time_unit, columns, file_format,
                returns,
            )  # fmt: skip
            query = _sql.summary_sql(
                _sql.DUCKDB, reader, names, time_unit, obs_end, cal_end, keep_excluded
            )
            con.execute(
                f"CREATE TABLE crmlab_summary AS {query}"
            )  # in the private in-memory database
        except BaseException:
            self._stack.close()
            raise
        self._con = con
        self.time_unit, self.observation_end, self.calibration_end = time_unit, obs_end, cal_end
        self._keep_excluded = keep_excluded

    def __enter__(self) -> CustomerSummary:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the DuckDB connection and delete its spill folder."""
        self._stack.close()

    def _rows(self) -> str:
        """The summary table without the customers first seen in the holdout window."""
        if self._keep_excluded:
            return "(SELECT * FROM crmlab_summary WHERE frequency IS NOT NULL)"
        return "(SELECT * FROM crmlab_summary)"

    def to_pandas(self) -> pd.DataFrame:
        """The summary in pandas, exactly as :func:`rfm_summary` returns it."""
        frame = self._con.sql("SELECT * FROM crmlab_summary").to_arrow_table().to_pandas()
        return shape_summary(frame, self.observation_end, self.calibration_end, self.time_unit)

    def histogram(self, by: Sequence[str] = ("frequency", "recency", "T")) -> pd.DataFrame:
        """Distinct rows of ``by`` and their number of customers, as :func:`summary_histogram`.

        Grouped and sorted in DuckDB and fetched as numpy arrays (no Arrow-to-pandas copy, no
        sort in pandas). The distinct rows are kept in the connection, so that
        :meth:`score_to_parquet` scores them without grouping the summary again.
        """
        by = _sql.check_by(by)
        d = _sql.DUCKDB
        table = _distinct_table(by)
        self._con.execute(
            f"CREATE OR REPLACE TABLE {table} AS {_sql.histogram_sql(d, self._rows(), by)}"
        )
        order = ", ".join(d.quote(c) for c in by)
        arrays = self._con.sql(f"SELECT * FROM {table} ORDER BY {order}").fetchnumpy()
        out = pd.DataFrame({c: _float64(arrays[c]) for c in [*by, "weight"]})
        out.attrs = {
            "time_unit": self.time_unit,
            "calibration_end": self.calibration_end,
            "observation_end": self.observation_end,
        }
        return out

    def score_to_parquet(
        self,
        path: str | os.PathLike,
        transaction_model,
        spend_model=None,
        *,
        horizon: float,
        discount_rate: float = 0.1,
        margin_rate: float = 1.0,
        batch_size: int = 200_000,
    ) -> Path:
        """Scores of every customer written to one Parquet file, as :func:`score_to_parquet`.

        The models score the distinct (frequency, recency, T) rows (and, for the spend model,
        the distinct (frequency, monetary_value) rows), fetched from DuckDB ``batch_size`` at a
        time; DuckDB joins the scores back to the customers and writes the file, with row
        groups of about ``batch_size`` rows. ``clv`` is ``margin_rate * expected_spend * dert``
        as in :func:`crmlab.clv.customer_lifetime_value`.
        """
        check_options(horizon, discount_rate, self.time_unit)
        if int(batch_size) < 1:
            raise ParameterError(
                f"batch_size must be >= 1, got {batch_size!r}.", parameter="batch_size"
            )
        tm, sm = detached(transaction_model), detached(spend_model)
        con, rows, d = self._con, self._rows(), _sql.DUCKDB
        keys = ["frequency", "recency", "T"]
        spend_keys = ["frequency", "monetary_value"]
        self._score_distinct(
            "crmlab_scores", rows, keys, int(batch_size),
            lambda part: score_distinct(
                part, tm, None, float(horizon), discount_rate, self.time_unit, with_dert=sm is not None
            ),
        )  # fmt: skip
        on = " AND ".join(f"s.{d.quote(k)} = a.{d.quote(k)}" for k in keys)
        columns = "s.customer_id, a.p_alive, a.expected_purchases"
        joins = f"JOIN crmlab_scores a ON {on}"
        if sm is not None:
            self._score_distinct(
                "crmlab_spend", rows, spend_keys, int(batch_size),
                lambda part: score_distinct(part, None, sm, float(horizon), discount_rate,
                                            self.time_unit),
            )  # fmt: skip
            on_spend = " AND ".join(f"s.{k} = m.{k}" for k in spend_keys)
            joins += f" JOIN crmlab_spend m ON {on_spend}"
            margin = repr(float(margin_rate))
            columns += f", {margin} * m.expected_spend * a.dert AS clv"
        out_path = Path(path)
        target = _sql_string(os.fspath(out_path))
        con.execute(
            f"COPY (SELECT {columns} FROM {rows} s {joins}) TO {target} "
            f"(FORMAT parquet, ROW_GROUP_SIZE {int(batch_size)})"
        )
        for table in ("crmlab_scores", "crmlab_spend"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
        return out_path

    def _score_distinct(self, table: str, rows: str, keys: list[str], batch: int, score) -> None:
        """``table``: the distinct ``keys`` rows of the summary with ``score(rows)``'s columns
        (the distinct rows :meth:`histogram` kept when it was called with ``keys``)."""
        import pyarrow as pa

        d = _sql.DUCKDB
        cols = ", ".join(d.quote(k) for k in keys)
        known = self._con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [_distinct_table(keys)]
        ).fetchall()[0][0]
        source = f"SELECT {cols} FROM {_distinct_table(keys)}" if known else (
            f"SELECT DISTINCT {cols} FROM {rows}"
        )  # fmt: skip

        def scored(columns: dict[str, np.ndarray]) -> pa.Table:
            frame = pd.DataFrame(columns, copy=False)
            out = score(frame)
            return pa.table({**columns, **{c: out[c].to_numpy(dtype=np.float64) for c in out}})

        created = False
        with contextlib.closing(self._con.cursor()) as cursor:  # reads while ``_con`` writes
            reader = cursor.sql(source).to_arrow_reader(batch)
            for part in reader:
                part_table = scored(
                    {
                        k: _float64(part.column(i).to_numpy(zero_copy_only=False))
                        for i, k in enumerate(keys)
                    }
                )
                self._con.register("crmlab_part", part_table)
                verb = f"INSERT INTO {table}" if created else f"CREATE OR REPLACE TABLE {table} AS"
                self._con.execute(f"{verb} SELECT * FROM crmlab_part")
                created = True
                self._con.unregister("crmlab_part")
        if not created:  # no customer at all: an empty table of the same columns
            self._con.register("crmlab_part", scored({k: np.zeros(0) for k in keys}))
            self._con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM crmlab_part")
            self._con.unregister("crmlab_part")


def _distinct_table(by: Sequence[str]) -> str:
    """Name of the table of the distinct ``by`` rows that :meth:`CustomerSummary.histogram` keeps."""
    return "crmlab_distinct_" + "_".join(c.lower() for c in by)


def _float64(values: Any) -> np.ndarray:
    """A fetched column as float64, missing values (a masked array) as NaN."""
    if isinstance(values, np.ma.MaskedArray):
        return values.astype(np.float64).filled(np.nan)
    return np.asarray(values, dtype=np.float64)
