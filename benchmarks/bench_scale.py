"""Scale benchmark: customer summary + BG/NBD fit + scoring of synthetic transaction logs.

Usage::

    .venv/bin/python benchmarks/bench_scale.py            # 10^6 and 10^7 transactions
    .venv/bin/python benchmarks/bench_scale.py --big      # also 10^8 (about 2 GB of Parquet)
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000000 --engines duckdb

Each (engine, size) case runs in a fresh subprocess that reports its wall time per step and its
peak resident memory (``resource.getrusage``: the process itself and its waited-for children,
e.g. Spark's JVM). The logs are written by DuckDB itself (``COPY (SELECT ... FROM range(n))``)
into a temporary folder that is deleted at the end. Not a test: timings depend on the machine and
its load (``uptime`` is printed with the results). DuckDB runs with ``memory_limit`` from the
environment variable ``CRMLAB_BENCH_MEMORY_LIMIT`` (default ``1GB``: with Python's own memory,
the process stays under issue 16's 1 GB floor of peak RSS). The DuckDB case checks and
summarises the log once (``CustomerSummary``), fits on the histogram of distinct rows and scores
every customer from the distinct rows; ``cpu_s`` is the CPU time of all its threads.

``run()`` returns the DuckDB rows at 10^7 transactions for ``make bench`` (``name``, ``value``,
``floor``, ``unit``, ``kind``: issue 16's floors, 5 s and 1 GB peak RSS); ``--big`` here runs
10^8 as well (no floor but finishing within the memory limit).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

HORIZON = 52.0  # weeks


def generate(path: str, n: int, n_customers: int) -> None:
    """Write about ``n`` transactions of up to ``n_customers`` customers to Parquet.

    Customers differ in purchase rate (ids drawn as ``n_customers * u^2``, so low ids buy
    often), start in the first year, and stay active for a random share of the remaining time
    (a crude buy-till-you-die log, enough for the BG/NBD to be identified).
    """
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(
        f"""
        COPY (
          WITH t AS (
            SELECT i, CAST(floor({n_customers} * pow((hash(i) % 1000000007) / 1000000007.0, 2))
                          AS BIGINT) AS customer_id
            FROM range({n}) r(i)
          ), c AS (
            SELECT i, customer_id, CAST(hash(7 * customer_id + 1) % 365 AS INTEGER) AS start_day,
                   pow((hash(11 * customer_id + 3) % 1001) / 1000.0, 2) AS active_share
            FROM t
          )
          SELECT customer_id,
                 TIMESTAMP '2020-01-01'
                   + to_days(start_day + CAST(floor((hash(3 * i + 5) % 1000003) / 1000003.0
                                                    * active_share * (730 - start_day))
                                              AS INTEGER))
                   + to_seconds(CAST(hash(5 * i + 2) % 86400 AS BIGINT)) AS date,
                 CAST(hash(13 * i + 7) % 10000 AS DOUBLE) / 100.0 + 1.0 AS amount
          FROM c
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
        """
    )
    con.close()


def rss_mb() -> dict[str, float]:
    """Peak RSS (MB) of this process and of its largest waited-for child (Linux: KB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mb": round(own, 1), "peak_rss_children_mb": round(children, 1)}


def run_pandas(path: str, out: str) -> dict[str, float]:
    import pandas as pd

    from crmlab.clv import BGNBD
    from crmlab.rfm import rfm_summary

    t = {}
    t0 = time.perf_counter()
    tx = pd.read_parquet(path)
    t["read_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    summary = rfm_summary(tx, time_unit="W")
    t["summary_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    model = BGNBD().fit(summary)
    t["fit_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    scores = pd.DataFrame(
        {
            "p_alive": model.probability_alive(summary),
            "expected_purchases": model.conditional_expected_purchases(HORIZON, summary),
        }
    )
    scores.reset_index().to_parquet(out)
    t["score_s"] = time.perf_counter() - t0
    t["customers"] = len(summary)
    return t


def run_duckdb(path: str, out: str) -> dict[str, float]:
    """The log checked and summarised once in DuckDB (``CustomerSummary``), its histogram of
    distinct rows fitted, every customer scored from distinct rows and written by DuckDB.

    Each step reports its wall time (``*_s``) and the CPU time of all threads (``*_cpu_s``):
    on a shared machine the CPU times are the steadier profile."""
    t: dict[str, float] = {}
    clock = [time.perf_counter(), time.process_time()]

    def lap(name: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        t[f"{name}_s"], t[f"{name}_cpu_s"] = now[0] - clock[0], now[1] - clock[1]
        clock[:] = now

    from crmlab.clv import BGNBD
    from crmlab.engines.duckdb_engine import CustomerSummary

    lap("import")
    limit = os.environ.get("CRMLAB_BENCH_MEMORY_LIMIT", "1GB")
    with CustomerSummary(path, time_unit="W", memory_limit=limit) as summary:
        lap("summary")
        hist = summary.histogram()
        lap("histogram")
        t["distinct_rows"] = len(hist)
        t["customers"] = float(hist["weight"].sum())
        model = BGNBD().fit(hist)
        lap("fit")
        summary.score_to_parquet(out, model, horizon=HORIZON)
        lap("score")
    return t


def run_spark(path: str, out: str) -> dict[str, float]:
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from crmlab.clv import BGNBD
    from crmlab.engines import summary_histogram
    from crmlab.engines.spark_engine import score, summary_frame

    t = {}
    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", "3g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    t["startup_s"] = time.perf_counter() - t0
    tx = spark.read.parquet(path)
    t0 = time.perf_counter()
    hist = summary_histogram(tx, time_unit="W")
    t["histogram_s"] = time.perf_counter() - t0
    t["distinct_rows"] = len(hist)
    t["customers"] = float(hist["weight"].sum())
    t0 = time.perf_counter()
    model = BGNBD().fit(hist)
    t["fit_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    score(summary_frame(tx, time_unit="W"), model, horizon=HORIZON).write.mode("overwrite").parquet(
        out
    )
    t["score_s"] = time.perf_counter() - t0
    t["peak_rss_jvm_mb"] = jvm_peak_rss_mb(spark)
    spark.stop()
    return t


def run_lifetimes_comparison(path: str) -> dict[str, float]:
    """crmlab's pandas summary vs lifetimes' summary_data_from_transaction_data (daily)."""
    import pandas as pd

    from crmlab.rfm import rfm_summary

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from lifetimes.utils import summary_data_from_transaction_data
    tx = pd.read_parquet(path)
    t0 = time.perf_counter()
    ours = rfm_summary(tx, time_unit="D")
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = summary_data_from_transaction_data(
            tx, "customer_id", "date", monetary_value_col="amount", freq="D"
        )
    t_theirs = time.perf_counter() - t0
    same = bool(
        (ours["frequency"].to_numpy() == theirs["frequency"].to_numpy()).all()
        and (abs(ours["T"].to_numpy() - theirs["T"].to_numpy()) < 1e-9).all()
    )
    return {
        "crmlab_pandas_s": t_ours,
        "lifetimes_s": t_theirs,
        "speedup": t_theirs / t_ours,
        "same_frequency_T": same,
    }


def jvm_peak_rss_mb(spark) -> float:
    """Peak RSS (VmHWM) of the local Spark JVM, read from /proc before it stops (Linux)."""
    try:
        pid = spark.sparkContext._gateway.proc.pid
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except (AttributeError, OSError):
        pass
    return float("nan")


CASES = {"pandas": run_pandas, "duckdb": run_duckdb, "spark": run_spark}


def child(engine: str, path: str, out: str) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    if engine == "lifetimes":
        result = run_lifetimes_comparison(path)
    else:
        result = CASES[engine](path, out)
    result["total_s"] = time.perf_counter() - t0
    result["cpu_s"] = time.process_time() - c0  # every thread of this process
    result.update(rss_mb())
    print(json.dumps({k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()}))


def measure(n: int, engine: str, folder: str) -> dict:
    """One (size, engine) case in a fresh subprocess: its JSON result, or ``{"failed": ...}``."""
    path = os.path.join(folder, f"tx_{n}.parquet")
    if not os.path.exists(path):
        generate(path, n, max(n // 10, 1))
    out = os.path.join(folder, f"scores_{engine}_{n}.parquet")
    proc = subprocess.run(
        [sys.executable, __file__, "--child", engine, path, out], capture_output=True, text=True
    )
    line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    if os.path.isdir(out):  # Spark writes a folder
        shutil.rmtree(out, ignore_errors=True)
    elif os.path.exists(out):
        os.remove(out)
    if proc.returncode != 0 or not line.startswith("{"):
        return {"failed": f"rc={proc.returncode}: {proc.stderr.strip()[-500:]}"}
    return json.loads(line)


#: Issue 16's floors for the DuckDB engine at 10^7 transactions.
FLOOR_SECONDS, FLOOR_BYTES = 5.0, 10**9


def run(sizes: tuple[int, ...] = (10**7,)) -> list[dict]:
    """The DuckDB rows for ``make bench``: end-to-end seconds and peak RSS per size (10^8 with
    ``sizes=(10**8,)``: no floor on its time, the floor is that it finishes)."""
    rows = []
    folder = tempfile.mkdtemp(prefix="crmlab-bench-")
    try:
        for n in sizes:
            result = measure(n, "duckdb", folder)
            label = f"DuckDB, 10^{len(str(n)) - 1} transactions: summary, fit, scores"
            if "failed" in result:
                rows.append(
                    {"name": f"{label} FAILED {result['failed'][:200]}", "value": float("inf"),
                     "floor": FLOOR_SECONDS, "unit": "s", "kind": "seconds_max"}
                )  # fmt: skip
                continue
            seconds_floor = FLOOR_SECONDS if n <= 10**7 else float("inf")
            rows.append(
                {"name": f"{label} (wall; {result['cpu_s']:.1f} s CPU)",
                 "value": result["total_s"], "floor": seconds_floor, "unit": "s",
                 "kind": "seconds_max"}
            )  # fmt: skip
            rows.append(
                {"name": f"{label}, peak RSS", "value": result["peak_rss_mb"] * 2**20,
                 "floor": FLOOR_BYTES if n <= 10**7 else float("inf"), "unit": "bytes",
                 "kind": "bytes_max"}
            )  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", action="store_true", help="also run 10^8 transactions")
    parser.add_argument("--sizes", type=int, nargs="*", default=None)
    parser.add_argument("--engines", nargs="*", default=["pandas", "duckdb", "spark"])
    parser.add_argument(
        "--child", nargs=3, metavar=("ENGINE", "PATH", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    sizes = args.sizes or ([10**6, 10**7] + ([10**8] if args.big else []))
    folder = tempfile.mkdtemp(prefix="crmlab-bench-")
    try:
        for n in sizes:
            path = os.path.join(folder, f"tx_{n}.parquet")
            t0 = time.perf_counter()
            generate(path, n, max(n // 10, 1))
            size_mb = os.path.getsize(path) / 2**20
            print(f"# n={n:.0e}: generated {size_mb:.0f} MB in {time.perf_counter() - t0:.1f} s")
            engines = list(args.engines)
            if n > 10**6:
                engines = [e for e in engines if e != "pandas"]  # pandas only at 10^6
            elif "pandas" in engines:
                engines.append("lifetimes")
            for engine in engines:
                out = os.path.join(folder, f"scores_{engine}_{n}.parquet")
                load = os.getloadavg()
                proc = subprocess.run(
                    [sys.executable, __file__, "--child", engine, path, out],
                    capture_output=True,
                    text=True,
                )
                line = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
                if proc.returncode != 0 or not line.startswith("{"):
                    line = f"FAILED rc={proc.returncode}: {proc.stderr.strip()[-500:]}"
                print(f"n={n:.0e} {engine:9s} load={load[0]:.1f} {line}", flush=True)
                if os.path.isdir(out):  # Spark writes a folder
                    shutil.rmtree(out, ignore_errors=True)
                elif os.path.exists(out):
                    os.remove(out)
            os.remove(path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("# uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
