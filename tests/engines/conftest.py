"""Shared fixtures of the engine tests: one local Spark session, CDNOW written to files.

Spark tests use the ``spark`` fixture; they are skipped when pyspark is not importable, unless
the environment sets ``CRMLAB_REQUIRE_SPARK=1`` (then they fail).
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

from crmlab.datasets import load_cdnow


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (``local[2]``, UTC session time zone) for the whole test run."""
    if importlib.util.find_spec("pyspark") is None:
        if os.environ.get("CRMLAB_REQUIRE_SPARK") == "1":
            pytest.fail("pyspark is not importable but CRMLAB_REQUIRE_SPARK=1")
        pytest.skip("pyspark is not installed (pip install crmlab[spark])")
    from pyspark.sql import SparkSession

    # Python workers (mapInPandas) must run this interpreter, which has pandas and crmlab
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[2]")
        .appName("crmlab-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def cdnow_tx():
    """CDNOW 1/10 sample transactions (customer_id, date, amount, quantity)."""
    return load_cdnow()


@pytest.fixture(scope="session")
def cdnow_files(cdnow_tx, tmp_path_factory):
    """CDNOW written to Parquet and CSV: dict with keys ``parquet`` and ``csv`` (paths)."""
    folder = tmp_path_factory.mktemp("cdnow")
    parquet, csv = folder / "cdnow.parquet", folder / "cdnow.csv"
    cdnow_tx.to_parquet(parquet)
    cdnow_tx.to_csv(csv, index=False)
    return {"parquet": parquet, "csv": csv}


def make_log(n_customers: int = 250, seed: int = 7, string_ids: bool = False):
    """Synthetic log with same-day purchases, times of day and month-end / leap-day dates.

    Dates run from 2019-11-28 to 2021-03-31 (2020 is a leap year); customers start on varied
    days (some on the 29th-31st) so calendar-month clipping is exercised.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2019-11-28")
    span = (pd.Timestamp("2021-03-31") - start).days
    ids, dates, amounts = [], [], []
    for k in range(n_customers):
        first = int(rng.integers(0, span))
        n = int(rng.geometric(0.25))
        offsets = np.sort(first + rng.integers(0, span - first + 1, size=n - 1))
        days = np.concatenate([[first], offsets, [first] if k % 5 == 0 else []])  # same day
        for d in days:
            ids.append(k)
            seconds = int(rng.integers(0, 86400))
            dates.append(start + pd.Timedelta(days=int(d), seconds=seconds))
            amounts.append(float(np.round(rng.gamma(2.0, 15.0), 2)))
    edge = [  # month ends, leap day, same-day pairs
        ("2020-01-31 10:00", 5.0),
        ("2020-02-29 09:00", 7.5),
        ("2020-02-29 18:00", 2.5),
        ("2020-03-31", 4.0),
        ("2021-02-28", 3.0),
    ]
    for d, a in edge:
        ids.append(n_customers)
        dates.append(pd.Timestamp(d))
        amounts.append(a)
    frame = pd.DataFrame(
        {
            "customer_id": np.asarray(ids, dtype="int64"),
            "date": pd.to_datetime(dates).astype("datetime64[ns]"),
            "amount": amounts,
        }
    )
    if string_ids:
        frame["customer_id"] = ("c" + frame["customer_id"].astype(str)).astype(
            pd.Series(["a"]).dtype
        )
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.fixture(scope="session")
def synthetic_tx():
    """A synthetic transaction log (integer customer ids)."""
    return make_log()


@pytest.fixture(scope="session")
def synthetic_files(synthetic_tx, tmp_path_factory):
    """The synthetic log split over three Parquet files (a glob) and one CSV file."""
    folder = tmp_path_factory.mktemp("synthetic")
    parts = [synthetic_tx.iloc[i::3] for i in range(3)]
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"part-{i}.parquet")
    synthetic_tx.to_csv(folder / "log.csv", index=False)
    return {"glob": str(folder / "part-*.parquet"), "csv": folder / "log.csv"}
