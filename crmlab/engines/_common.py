"""Engine-independent steps: the window checks and the final shaping of a summary table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.engines._sql import HOLDOUT_COLUMNS, SUMMARY_COLUMNS
from crmlab.errors import DataError
from crmlab.transactions import elapsed, resolve_window

__all__ = [
    "null_error",
    "resolve_window",
    "shape_summary",
    "string_dtype",
]  # resolve_window: from crmlab.transactions


def null_error(column: str, count: int, rows: list) -> DataError:
    """The DataError for missing values (rows: 0-based positions in the source)."""
    return DataError(
        f"column '{column}' has {count} missing value(s), e.g. at rows {rows} (0-based positions "
        "in the source); drop or fill those rows before the analysis.",
        column=column,
        rows=rows,
    )


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
