"""Execution engines: the customer summary of logs too large for pandas.

:func:`crmlab.rfm.rfm_summary` dispatches here: a pandas DataFrame is summarised in pandas
(:mod:`crmlab.engines.pandas_engine`), a path or glob of Parquet/CSV files out of core in embedded
DuckDB (:mod:`crmlab.engines.duckdb_engine`), a PySpark DataFrame in Spark
(:mod:`crmlab.engines.spark_engine`, needs the ``crmlab[spark]`` extra). All three apply the one
transactions contract (:func:`crmlab.io.read_transactions`'s checks and messages) and return the
same table. :func:`summary_histogram` moves only the distinct (frequency, recency, T) rows and
their counts to Python: the CLV models fit on it as on the full summary (identical customers
contribute identical likelihood terms). pyspark is never imported by importing crmlab.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crmlab.engines._dispatch import engine_of, is_spark_dataframe

__all__ = ["engine_of", "is_spark_dataframe", "summary_histogram"]


def summary_histogram(
    source: Any,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    by: Sequence[str] = ("frequency", "recency", "T"),
    returns: str | None = None,
) -> pd.DataFrame:
    """The customer summary compressed to its distinct rows, with their number of customers.

    The grouping runs where the data are (pandas, DuckDB or Spark), so fitting a model to 10^8
    transactions moves only the distinct rows to Python. A model fitted on the histogram
    (``BGNBD().fit(hist)``, the ``weight`` column is used by default) has the same parameters as
    one fitted on the full summary: the log-likelihood is a sum over customers in which
    identical (x, t_x, T) rows contribute identical terms (Fader, Hardie & Lee 2005, eq. 6).

    Parameters
    ----------
    source : DataFrame, path/glob of Parquet or CSV files, or PySpark DataFrame
        The transactions contract.
    calibration_end, observation_end, time_unit, columns
        As in :func:`crmlab.rfm.rfm_summary`.
    returns : {"error", "keep", "drop"}, optional
        Negative amounts, as in :func:`crmlab.rfm.rfm_summary`.
    by : sequence of str
        Summary columns to group by; ``("frequency", "monetary_value")`` gives the table a
        Gamma-Gamma spend model fits on.

    Returns
    -------
    DataFrame
        RangeIndex; the ``by`` columns (float64, in the summary's time unit) and ``weight``
        (float64, the number of customers with that row), sorted by ``by``.
    """
    from crmlab.engines import _sql

    by = _sql.check_by(by)
    engine = engine_of(source)
    if engine == "duckdb":
        from crmlab.engines.duckdb_engine import summary_histogram as hist

        return hist(
            source,
            calibration_end,
            observation_end,
            time_unit,
            columns,
            by=by,
            returns="error" if returns is None else returns,
        )
    if engine == "spark":
        from crmlab.engines.spark_engine import summary_histogram as hist

        return hist(
            source,
            calibration_end,
            observation_end,
            time_unit,
            columns,
            by=by,
            returns="error" if returns is None else returns,
        )
    from crmlab.engines._common import shape_histogram
    from crmlab.engines.pandas_engine import rfm_summary

    summary = rfm_summary(
        source, calibration_end, observation_end, time_unit, columns=columns, returns=returns
    )
    counts = summary.groupby(by, sort=True).size().rename("weight").reset_index()
    out = shape_histogram(counts, by)
    out.attrs = {
        "time_unit": time_unit,
        "calibration_end": summary.attrs["calibration_end"],
        "observation_end": summary.attrs["observation_end"],
    }
    return out
