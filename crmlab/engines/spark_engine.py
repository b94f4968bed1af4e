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

from crmlab.engines import _sql
from crmlab.engines._common import null_error, resolve_window, shape_histogram, shape_summary
from crmlab.engines._score import check_options, detached, score_batch, score_columns
from crmlab.errors import DataError

__all__ = ["rfm_summary", "score", "summary_frame", "summary_histogram"]

_DATE_TYPES = (T.DateType, T.TimestampType, T.TimestampNTZType)


def _check(transactions: Any) -> DataFrame:
    from crmlab.engines import is_spark_dataframe

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
):
    """Validate the DataFrame; return (names, obs_end, cal_end)."""
    sdf = _check(sdf)
    names = _sql.source_names(list(sdf.columns), columns)
    fields = {f.name: f.dataType for f in sdf.schema.fields}
    date_type = fields[names["date"]]
    if not isinstance(date_type, _DATE_TYPES):
        raise DataError(
            f"column '{names['date']}' must hold dates or timestamps, its type is "
            f"{date_type.simpleString()}; convert it with pyspark.sql.functions.to_date.",
            column=names["date"],
        )
    if not isinstance(fields[names["amount"]], T.NumericType):
        raise DataError(
            f"column '{names['amount']}' must be numeric, its type is "
            f"{fields[names['amount']].simpleString()}; cast it to double.",
            column=names["amount"],
        )
    cid, date, amount = (F.col(_sql.SPARK.quote(names[c])) for c in _sql.REQUIRED)
    row = sdf.agg(
        F.count(F.lit(1)).alias("n"),
        F.count_if(cid.isNull()).alias("n_cid"),
        F.count_if(date.isNull()).alias("n_date"),
        F.count_if(amount.isNull()).alias("n_amount"),
        F.min(F.to_date(date)).alias("first"),
        F.max(F.to_date(date)).alias("last"),
    ).collect()[0]
    for key, count in zip(
        _sql.REQUIRED, (row["n_cid"], row["n_date"], row["n_amount"]), strict=True
    ):
        if count:
            col = F.col(_sql.SPARK.quote(names[key]))
            positions = (
                sdf.select(col.isNull().alias("v"))
                .rdd.zipWithIndex()
                .filter(lambda pair: pair[0][0])
                .map(lambda pair: pair[1])
                .take(5)
            )
            raise null_error(names[key], int(count), [int(p) for p in positions])
    obs_end, cal_end = resolve_window(
        row["first"], row["last"], row["n"], calibration_end, observation_end, time_unit
    )
    return names, obs_end, cal_end


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
) -> DataFrame:
    """The customer summary as a Spark DataFrame (for scoring where the data live).

    Same columns as :func:`crmlab.rfm.rfm_summary` plus ``customer_id`` as a column (no index,
    no order): ``frequency``, ``recency``, ``T``, ``monetary_value`` and, with
    ``calibration_end``, ``frequency_holdout``, ``monetary_value_holdout``,
    ``duration_holdout``. Customers first seen after ``calibration_end`` are left out.
    """
    names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns
    )
    out = _run(
        transactions,
        lambda view: _sql.summary_sql(_sql.SPARK, view, names, time_unit, obs_end, cal_end),
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
) -> pd.DataFrame:
    """:func:`crmlab.rfm.rfm_summary` of a PySpark DataFrame, computed in Spark.

    The transactions are aggregated in Spark; only the per-customer summary is collected to the
    driver. ``date`` may be a date, timestamp or timestamp without time zone column (days are
    taken in the session time zone, as Spark shows them).

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
    names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns
    )
    result = _run(
        transactions,
        lambda view: _sql.summary_sql(
            _sql.SPARK, view, names, time_unit, obs_end, cal_end, keep_excluded=True
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
) -> pd.DataFrame:
    """Distinct summary rows and their number of customers, grouped in Spark.

    See :func:`crmlab.engines.summary_histogram`.
    """
    by = _sql.check_by(by)
    names, obs_end, cal_end = _prepare(
        transactions, calibration_end, observation_end, time_unit, columns
    )
    result = _run(
        transactions,
        lambda view: _sql.histogram_sql(
            _sql.SPARK,
            _sql.summary_sql(_sql.SPARK, view, names, time_unit, obs_end, cal_end),
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
