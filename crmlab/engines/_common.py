"""Engine-independent steps: the contract and window checks, the shaping of a summary table."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab import io
from crmlab.engines import _sql
from crmlab.engines._sql import HOLDOUT_COLUMNS, SUMMARY_COLUMNS
from crmlab.errors import CrmlabWarning, DataError
from crmlab.transactions import elapsed, resolve_window

MAX_SHOWN = 5

__all__ = [
    "check_contract",
    "resolve_window",
    "shape_summary",
    "string_dtype",
    "window",
]  # resolve_window: from crmlab.transactions


def check_contract(
    d: _sql.Dialect,
    run: Callable[[str], list],
    raw: str,
    names: Mapping[str, str],
    date_expr: str,
    amount_expr: str,
    returns: str,
    label: str,
    *,
    typed_columns: Sequence[str] = (),
    stats: dict | None = None,
) -> str:
    """Check the source ``raw`` (a table expression of dialect ``d``) against the contract of
    :func:`crmlab.io.read_transactions`, with its messages, and return the typed source.

    ``run(sql)`` executes a query and returns its rows. Offending rows are shown by their
    1-based position in the source. Negative amounts follow ``returns`` (``"error"`` refuses
    them; ``"keep"``/``"drop"`` warn with the count; ``"drop"`` filters them out of the typed
    source). The typed source has the columns ``customer_id``, ``date`` and ``amount``.
    ``typed_columns``: contract columns not stored as text (see :func:`_sql.contract_checks`).
    A ``stats`` dict is filled with what :func:`window` needs of the typed source (``n``,
    ``first``, ``last``), counted in the same pass as the checks.
    """
    io.check_returns(pd.DataFrame(), np.zeros(0, bool), returns)  # the option, before reading
    checks = _sql.contract_checks(d, names, date_expr, amount_expr, typed_columns)
    amount = d.quote(names["amount"])
    negative = f"({amount_expr} < 0)"
    conditions = [c[2] for c in checks] + [negative]
    extra = ""
    if stats is not None:  # the window of the rows the typed source keeps
        kept = f"NOT coalesce({negative}, FALSE)" if returns == "drop" else "TRUE"
        day = f"CAST({date_expr} AS DATE)"
        extra = (
            f", count_if({kept}) AS n_kept, min(CASE WHEN {kept} THEN {day} END) AS first_day, "
            f"max(CASE WHEN {kept} THEN {day} END) AS last_day"
        )
    row = run(
        "SELECT count(*) AS n, "
        + ", ".join(f"count_if({c}) AS n{i}" for i, c in enumerate(conditions))
        + extra
        + f" FROM {raw}"
    )[0]
    if stats is not None:
        stats.update(n=int(row[-3]), first=row[-2], last=row[-1])
        row = row[:-3]
    n_rows, *counts = [int(c) for c in row]

    def offending(value: str, condition: str) -> tuple[list[int], list]:
        rows = run(
            f"SELECT rn, v FROM (SELECT {d.row_number()} AS rn, {value} AS v, {condition} AS bad "
            f"FROM {raw}) t WHERE bad ORDER BY rn LIMIT {MAX_SHOWN}"
        )
        return [int(r[0]) for r in rows], [r[1] for r in rows]

    for (key, value, condition, problem, advice), count in zip(checks, counts, strict=False):
        if count:
            rows, values = offending(value, condition)
            if advice is None:
                advice = io.date_advice(values) if key == "date" else io.number_advice(values)
            raise io.rows_error(
                names[key], problem, advice, keys=rows, kind="row", shown=values, total=count,
                source=label,
            )  # fmt: skip
    typed = _sql.typed_source(d, raw, names, date_expr, amount_expr)
    n_negative = counts[-1]
    if n_negative:
        rows, values = offending(amount, negative)
        if returns == "error":
            raise io.rows_error(
                names["amount"], "negative amounts (returns or refunds)", io.RETURNS_ADVICE,
                keys=rows, kind="row", shown=values, total=n_negative, source=label,
            )  # fmt: skip
        more = ", ..." if n_negative > len(rows) else ""
        where = f" (row{'s' if n_negative > 1 else ''} {', '.join(map(str, rows))}{more})"
        noun = "row" if n_negative == 1 else "rows"
        verb = "Dropped" if returns == "drop" else "Kept"
        warnings.warn(
            f"{verb} {n_negative} {noun} with a negative amount (returns){where}.",
            CrmlabWarning,
            stacklevel=4,
        )
        if returns == "drop":
            if n_negative == n_rows:
                raise DataError(
                    "No transactions are left after dropping returns; check the amounts, or "
                    "pass returns='keep'."
                )
            typed = f"(SELECT * FROM {typed} t WHERE amount >= 0)"
    return typed


def window(
    run: Callable[[str], list],
    typed: str,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str,
    stats: dict | None = None,
) -> tuple[pd.Timestamp, pd.Timestamp | None]:
    """The checked ``(observation_end, calibration_end)`` of the typed source (from ``stats``
    of :func:`check_contract` when given, else counted here)."""
    if stats:
        n, first, last = stats["n"], stats["first"], stats["last"]
    else:
        n, first, last = run(
            f"SELECT count(*), min(CAST(date AS DATE)), max(CAST(date AS DATE)) FROM {typed} t"
        )[0]
    return resolve_window(first, last, n, calibration_end, observation_end, time_unit)


def string_dtype() -> Any:
    """pandas' default string dtype (``str`` on pandas 3, ``object`` before)."""
    return pd.Series(["a"]).dtype


def shape_summary(
    frame: pd.DataFrame,
    obs_end: pd.Timestamp,
    cal_end: pd.Timestamp | None,
    time_unit: str,
) -> pd.DataFrame:
    """Index, order, dtypes and attrs of an engine's summary, as in crmlab.rfm.rfm_summary.

    ``frame`` holds ``customer_id`` and the summary columns; with ``cal_end`` rows whose summary
    columns are null are the customers first seen in the holdout window: counted, then dropped.
    """
    n_excluded = 0
    if cal_end is not None:
        excluded = frame["frequency"].isna().to_numpy()
        n_excluded = int(excluded.sum())
        frame = frame.loc[~excluded]
    index = pd.Index(frame["customer_id"].to_numpy(), name="customer_id")
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        index = index.astype(string_dtype())
    elif pd.api.types.is_integer_dtype(index.dtype) and index.dtype != np.int64:
        index = index.astype(np.int64)  # as crmlab.io.read_transactions types integer keys
    columns = list(SUMMARY_COLUMNS) + (list(HOLDOUT_COLUMNS[:2]) if cal_end is not None else [])
    out = pd.DataFrame(
        {c: frame[c].to_numpy(dtype=np.float64) for c in columns}, index=index
    ).sort_index(kind="mergesort")
    if cal_end is not None:
        out["duration_holdout"] = float(elapsed(cal_end, obs_end, time_unit)[0])
    out.attrs = {
        "time_unit": time_unit,
        "calibration_end": cal_end,
        "observation_end": obs_end,
        "n_customers_excluded": n_excluded,
    }
    return out


def shape_histogram(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Histogram rows sorted by ``by`` with float64 columns and a fresh RangeIndex."""
    out = pd.DataFrame({c: frame[c].to_numpy(dtype=np.float64) for c in [*by, "weight"]})
    return out.sort_values(by, kind="mergesort").reset_index(drop=True)
