"""Reading benchmark: ``crmlab.io.read_transactions`` against ``pandas.read_csv(parse_dates=...)``.

Usage::

    .venv/bin/python benchmarks/bench_read.py                 # 10^6 lines, 5 repetitions
    .venv/bin/python benchmarks/bench_read.py --lines 200000 --repeat 3

The file (``customer_id,date,amount``: integer ids of 200,000 customers, ISO dates over two
years, amounts with cents) is written to a temporary folder and deleted at the end.

- Time: both readers run alternately in this one process, ``--repeat`` times each; the ratio of
  the medians is printed against the floor (issue 16: at most 1.5x).
- Memory: each reader runs in a fresh subprocess that reads a 1,000-line file of the same
  layout first (so the code both readers run is loaded), then reports its peak resident memory
  (RSS) above what the process held at that point (Linux: the peak is reset with
  ``/proc/self/clear_refs`` and read from ``VmHWM``; elsewhere ``resource.getrusage``). Both
  readers are measured the same way; pyarrow allocates outside Python's allocator, so
  ``tracemalloc`` would not see it. The median of ``--repeat`` subprocesses per reader, and
  their ratio against the same floor.

``run()`` returns the two ratios as rows (``name``, ``value``, ``floor``, ``unit``, ``kind``) for
``make bench``; run as a script, this prints them with the medians behind them.

Not a test: timings depend on the machine and its load (``uptime`` is printed with the results).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

FLOOR = 1.5

CHILD = r"""
import json, resource, sys, warnings
import pandas as pd
from crmlab.io import read_transactions
path, small, reader = sys.argv[1], sys.argv[2], sys.argv[3]

def read(file):
    if reader == "pandas":
        return pd.read_csv(file, parse_dates=["date"])
    return read_transactions(file)

def status(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(key))

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    read(small)  # load the code this reader runs: its pages are not the data's memory
try:  # Linux: reset the peak to the current size, so the imports' own peak does not count
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    before = status("VmRSS:")
    peak = lambda: status("VmHWM:")
except OSError:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    frame = read(path)
print(json.dumps({"kib": peak() - before, "rows": len(frame)}))
"""


def generate(path: str, lines: int) -> None:
    """Write ``lines`` transactions (plus a header) to ``path``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    days = rng.integers(0, 730, lines)
    frame = pd.DataFrame(
        {
            "customer_id": rng.integers(1, 200_001, lines),
            "date": (np.datetime64("2019-01-01") + days).astype("datetime64[D]").astype(str),
            "amount": np.round(rng.gamma(2.0, 20.0, lines), 2),
        }
    )
    frame.to_csv(path, index=False)


def time_readers(path: str, repeat: int) -> dict[str, list[float]]:
    import pandas as pd

    from crmlab.io import read_transactions

    times: dict[str, list[float]] = {"pandas": [], "crmlab": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        read_transactions(path)  # warm up imports and caches for both
        pd.read_csv(path, parse_dates=["date"])
        for _ in range(repeat):
            start = time.perf_counter()
            pd.read_csv(path, parse_dates=["date"])
            times["pandas"].append(time.perf_counter() - start)
            start = time.perf_counter()
            read_transactions(path)
            times["crmlab"].append(time.perf_counter() - start)
    return times


def memory_readers(path: str, small: str, repeat: int) -> dict[str, list[float]]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    peaks: dict[str, list[float]] = {"pandas": [], "crmlab": []}
    for _ in range(repeat):
        for reader in peaks:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, path, small, reader],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            peaks[reader].append(json.loads(out.stdout.strip().splitlines()[-1])["kib"] / 1024)
    return peaks


def measure(lines: int = 1_000_000, repeat: int = 5) -> dict:
    """Medians and all times of both readers on one generated file of ``lines`` lines."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "transactions.csv")
        small = os.path.join(folder, "small.csv")
        generate(path, lines)
        generate(small, 1000)
        size = os.path.getsize(path) / 2**20
        times = time_readers(path, repeat)
        peaks = memory_readers(path, small, repeat)
    return {"lines": lines, "repeat": repeat, "mib": size, "times": times, "peaks": peaks}


def rows_of(result: dict) -> list[dict]:
    times, peaks = result["times"], result["peaks"]
    t_pd, t_cl = statistics.median(times["pandas"]), statistics.median(times["crmlab"])
    m_pd, m_cl = statistics.median(peaks["pandas"]), statistics.median(peaks["crmlab"])
    n = f"{result['lines']:,}"
    return [
        {
            "name": f"read_transactions time / pandas.read_csv(parse_dates), {n} lines",
            "value": t_cl / t_pd,
            "floor": FLOOR,
            "unit": "x",
            "kind": "ratio_max",
        },
        {
            "name": f"read_transactions peak RSS / pandas.read_csv(parse_dates), {n} lines",
            "value": m_cl / m_pd,
            "floor": FLOOR,
            "unit": "x",
            "kind": "ratio_max",
        },
    ]


def run(lines: int = 1_000_000, repeat: int = 5) -> list[dict]:
    """The benchmark's rows for ``make bench`` (``benchmarks/_report.py``)."""
    return rows_of(measure(lines, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    result = measure(args.lines, args.repeat)
    times, peaks = result["times"], result["peaks"]
    load = os.getloadavg()
    print(f"file: {args.lines:,} lines, {result['mib']:.1f} MiB; load average {load[0]:.2f}")
    t_pd, t_cl = statistics.median(times["pandas"]), statistics.median(times["crmlab"])
    m_pd, m_cl = statistics.median(peaks["pandas"]), statistics.median(peaks["crmlab"])
    print(
        f"{'median of ' + str(args.repeat):<34} {'pandas':>10} {'crmlab':>10} {'ratio':>7}  floor"
    )
    for name, a, b in [("time (s)", t_pd, t_cl), ("peak RSS above warm-up (MiB)", m_pd, m_cl)]:
        ratio = b / a
        verdict = "ok" if ratio <= FLOOR else "ABOVE"
        print(f"{name:<34} {a:>10.3f} {b:>10.3f} {ratio:>7.2f}  <= {FLOOR} {verdict}")
    print("all times (s): pandas", [round(t, 3) for t in times["pandas"]])
    print("               crmlab", [round(t, 3) for t in times["crmlab"]])
    for row in rows_of(result):
        verdict = "ok" if row["value"] <= row["floor"] else "ABOVE"
        print(f"{row['name']}: {row['value']:.2f}{row['unit']} (floor {row['floor']}) {verdict}")


if __name__ == "__main__":
    main()
