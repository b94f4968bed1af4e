"""Customer summaries and scores of transactions that live in Spark (a cluster or lakehouse).

The summary query is the one of the DuckDB engine (:mod:`crmlab.engines._sql`) in Spark SQL, so a
PySpark DataFrame gives exactly :func:`crmlab.rfm.rfm_summary`'s table. Scoring runs in the
executors with ``mapInPandas``: the fitted models, stripped of their training data, are
broadcast, and each partition of the summary is scored with the vectorised model methods.
Needs the optional ``crmlab[spark]`` extra; this module imports pyspark when it is imported.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
Zaharia, M. et al. (2016). Apache Spark: A Unified Engine for Big Data Processing.
Communications of the ACM 59(11), 56-65.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from crmlab import io
from crmlab.engines import _sql
from crmlab.engines._common import check_contract, shape_histogram, shape_summary, window
from crmlab.engines._dispatch import is_spark_dataframe
from crmlab.engines._score import check_options, detached, score_batch, score_columns
from crmlab.errors import DataError
from crmlab.transactions import elapsed

__all__ = ["rfm_summary", "score", "summary_frame", "summary_histogram"]

_DATE_TYPES = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _check(transactions: Any) -> DataFrame:
    if not is_spark_dataframe(transactions):
        raise DataError(
            f"transactions must be a PySpark DataFrame here, got {type(transactions).__name__}."
        )
    return transactions


def _prepare(
    sdf: DataFrame,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str,
    columns: Mapping[Any, str] | None,
    returns: str = "error",
):
    """Validate the DataFrame against the contract of crmlab.io.read_transactions.

    Returns ``(typed, names, obs_end, cal_end)``: ``typed`` builds, from a temporary view name,
    the subquery with the typed columns ``customer_id``, ``date`` (TIMESTAMP) and ``amount``
    (DOUBLE), returns dropped when ``returns="drop"``; ``names`` maps the contract columns to
    themselves.
    """
    sdf = _check(sdf)
    label = "the Spark DataFrame"
    names = io.map_columns(list(sdf.columns), columns, _sql.REQUIRED, label=label)
    fields = {f.name: f.dataType for f in sdf.schema.fields}
    d = _sql.SPARK
    date, amount = d.quote(names["date"]), d.quote(names["amount"])
    date_type, amount_type = fields[names["date"]], fields[names["amount"]]
    if isinstance(date_type, _DATE_TYPES):
        date_expr = f"CAST({date} AS TIMESTAMP)"
    elif isinstance(date_type, T.StringType):  # read as read_transactions reads them
        date_expr = d.parse_timestamp(date)
    else:
        raise DataError(
            f"column '{names['date']}' must hold dates or timestamps, its type is "
            f"{date_type.simpleString()}; convert it with pyspark.sql.functions.to_date.",
            column=names["date"],
        )
    if isinstance(amount_type, T.NumericType):
        amount_expr = f"CAST({amount} AS DOUBLE)"
    elif isinstance(amount_type, T.StringType):
        amount_expr = d.parse_double(amount)
    else:
        raise DataError(
            f"column '{names['amount']}' must be numeric, its type is "
            f"{amount_type.simpleString()}; cast it to double.",
            column=names["amount"],
        )
    view = f"crmlab_check_{uuid.uuid4().hex}"
    sdf.createOrReplaceTempView(view)
    try:

        def run(sql: str) -> list:
            return [tuple(row) for row in sdf.sparkSession.sql(sql).collect()]

        typed = check_contract(d, run, view, names, date_expr, amount_expr, returns, label)
        obs_end, cal_end = window(run, typed, calibration_end, observation_end, time_unit)
    finally:
        sdf.sparkSession.catalog.dropTempView(view)
    return (lambda name: typed.replace(view, name)), {c: c for c in _sql.REQUIRED}, obs_end, cal_end


def _run(sdf: DataFrame, build) -> DataFrame:
    """Run the SQL that ``build(view_name)`` returns against ``sdf`` registered as a temp view."""
    view = f"crmlab_tx_{uuid.uuid4().hex}"
    sdf.createOrReplaceTempView(view)
    try:
        return sdf.sparkSession.sql(build(view))
    finally:
        # the analysed plan keeps the data; the view name is no longer needed
        sdf.sparkSession.catalog.dropTempView(view)


def summary_frame(
    transactions: DataFrame,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    returns: str = "error",
) -> DataFrame:
    """The customer summary as a Spark DataFrame (for scoring where the data live).

    Same columns as :func:`crmlab.rfm.rfm_summary` plus ``customer_id`` as a column (no index,
    no order): ``frequency``, ``recency``, ``T``, ``monetary_value`` and, with
    ``calibration_end``, ``frequency_holdout``, ``monetary_value_holdout``,
    ``duration_holdout``. Customers first seen after ``calibration_end`` are left out.
    """
    typed, names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns, returns
    )
    out = _run(
        transactions,
        lambda view: _sql.summary_sql(_sql.SPARK, typed(view), names, time_unit, obs_end, cal_end),
    )
    if cal_end is not None:
        duration = float(elapsed(cal_end, obs_end, time_unit)[0])
        out = out.withColumn("duration_holdout", F.lit(duration).cast("double"))
    return out


def rfm_summary(
    transactions: DataFrame,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    returns: str = "error",
) -> pd.DataFrame:
    """:func:`crmlab.rfm.rfm_summary` of a PySpark DataFrame, computed in Spark.

    The transactions are aggregated in Spark; only the per-customer summary is collected to the
    driver. ``date`` may be a date, timestamp or timestamp without time zone column (days are
    taken in the session time zone, as Spark shows them), or ISO 8601 text (as
    :func:`crmlab.io.read_transactions` reads it; other text such as ``03/04/2011`` is refused).
    The contract and its messages are those of ``read_transactions``: missing ids, dates or
    amounts, unreadable dates, amounts that are not numbers and, with ``returns="error"`` (the
    default; ``"keep"``/``"drop"`` warn), negative amounts are refused with up to five 1-based
    row positions.

    Returns
    -------
    DataFrame
        Exactly what :func:`crmlab.rfm.rfm_summary` returns for the same transactions (index
        ``customer_id`` sorted, float64 ``frequency``, ``recency``, ``T``, ``monetary_value``,
        holdout columns with ``calibration_end``; same ``attrs``).

    Raises
    ------
    DataError, ParameterError
        As :func:`crmlab.rfm.rfm_summary` (missing columns are named with the columns found;
        missing values give their count and up to five 0-based row positions).
    """
    typed, names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns, returns
    )
    result = _run(
        transactions,
        lambda view: _sql.summary_sql(
            _sql.SPARK, typed(view), names, time_unit, obs_end, cal_end, keep_excluded=True
        ),
    )
    frame = _to_pandas(result)
    return shape_summary(frame, obs_end, cal_end, time_unit)


def _to_pandas(sdf: DataFrame) -> pd.DataFrame:
    """Collect a Spark DataFrame through Arrow (``toArrow``, PySpark >= 4) when available."""
    if hasattr(sdf, "toArrow"):
        return sdf.toArrow().to_pandas()
    return sdf.toPandas()  # pragma: no cover - PySpark 3.5


def summary_histogram(
    transactions: DataFrame,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    by: Sequence[str] = ("frequency", "recency", "T"),
    returns: str = "error",
) -> pd.DataFrame:
    """Distinct summary rows and their number of customers, grouped in Spark.

    See :func:`crmlab.engines.summary_histogram`.
    """
    by = _sql.check_by(by)
    typed, names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns, returns
    )
    result = _run(
        transactions,
        lambda view: _sql.histogram_sql(
            _sql.SPARK,
            _sql.summary_sql(_sql.SPARK, typed(view), names, time_unit, obs_end, cal_end),
            by,
        ),
    )
    out = shape_histogram(_to_pandas(result), by)
    out.attrs = {"time_unit": time_unit, "calibration_end": cal_end, "observation_end": obs_end}
    return out


def score(
    summary: DataFrame,
    transaction_model,
    spend_model=None,
    *,
    horizon: float,
    discount_rate: float = 0.1,
    time_unit: str = "W",
    margin_rate: float = 1.0,
) -> DataFrame:
    """Score every customer of a Spark summary in the executors (``mapInPandas``).

    Parameters
    ----------
    summary : pyspark DataFrame
        One row per customer with ``customer_id`` and the columns the models need
        (``frequency``, ``recency``, ``T``; ``monetary_value`` for a spend model), e.g.
        :func:`summary_frame`.
    transaction_model : BGNBD, MBGNBD, ParetoNBD or BGBB, fitted
        Fitted on data in the same time unit (e.g. on :func:`summary_histogram`). It is shipped
        to the executors without its training data (a broadcast variable of a few hundred
        bytes).
    spend_model : GammaGamma, fitted, optional
        When given, a ``clv`` column is added.
    horizon : float
        Prediction horizon in ``time_unit``.
    discount_rate, time_unit, margin_rate
        As in :func:`crmlab.clv.customer_lifetime_value`.

    Returns
    -------
    pyspark DataFrame
        ``customer_id`` (type as in ``summary``); ``p_alive`` (probability the customer is alive
        at the end of the window, e.g. Fader, Hardie & Lee 2005, eq. 12 for the BG/NBD);
        ``expected_purchases`` (conditional expected purchases in the next ``horizon``, FHL 2005,
        eq. 10); with a spend model ``clv`` (discounted margin over the horizon, see
        :func:`crmlab.clv.customer_lifetime_value`). Lazy: nothing runs until an action.
    """
    _check(summary)
    check_options(horizon, discount_rate, time_unit)
    if "customer_id" not in summary.columns:
        raise DataError(
            f"summary lacks the column 'customer_id'; present: {list(summary.columns)}. Use "
            "crmlab.engines.spark_engine.summary_frame.",
            column="customer_id",
        )
    models = (detached(transaction_model), detached(spend_model))
    try:
        shipped = summary.sparkSession.sparkContext.broadcast(models)

        def get_models():
            return shipped.value

    except Exception:  # Spark Connect has no SparkContext: ship the small models in the closure

        def get_models():
            return models

    options = (float(horizon), float(discount_rate), time_unit, float(margin_rate))
    cid_type = summary.schema["customer_id"].dataType
    out_fields = [T.StructField("customer_id", cid_type, False)]
    out_fields += [T.StructField(c, T.DoubleType(), True) for c in score_columns(spend_model)]
    schema = T.StructType(out_fields)

    def score_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        tm, sm = get_models()
        for batch in batches:
            frame = batch.set_index("customer_id")
            yield score_batch(frame, tm, sm, *options).reset_index()

    return summary.mapInPandas(score_partition, schema)
