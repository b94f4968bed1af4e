"""Which engine summarises a source: DuckDB for files, Spark for PySpark DataFrames, pandas
otherwise (checked without importing pyspark)."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["engine_of", "is_spark_dataframe"]


def is_spark_dataframe(obj: Any) -> bool:
    """True for a PySpark DataFrame (classic or Spark Connect), checked without importing it."""
    return any(
        cls.__name__ == "DataFrame" and cls.__module__.startswith("pyspark.")
        for cls in type(obj).__mro__
    )


def engine_of(source: Any) -> str:
    """``"duckdb"`` for paths/globs (str, PathLike or a list of them), ``"spark"`` for a PySpark
    DataFrame, ``"pandas"`` otherwise."""
    if isinstance(source, str | os.PathLike):
        return "duckdb"
    if (
        isinstance(source, list | tuple)
        and source
        and all(isinstance(p, str | os.PathLike) for p in source)
    ):
        return "duckdb"
    if is_spark_dataframe(source):
        return "spark"
    return "pandas"
