"""Reading benchmark: ``crmlab.io.read_transactions`` against ``pandas.read_csv(parse_dates=...)``.

Usage::

    .venv/bin/python benchmarks/bench_read.py                 # 10^6 lines, 5 repetitions
    .venv/bin/python benchmarks/bench_read.py --lines 200000 --repeat 3

The file (``customer_id,date,amount``: integer ids of 200,000 customers, ISO dates over two
years, amounts with cents) is written to a temporary folder and deleted at the end.

- Time: both readers run alternately in this one process, ``--repeat`` times each; the ratio of
  the medians is printed against the floor (issue 16: at most 1.5x).
- Memory: each reader runs in a fresh subprocess that reports its peak resident memory above
  what the process held after its imports (Linux: the peak is reset with ``/proc/self/clear_refs``
  and read from ``VmHWM``; elsewhere ``resource.getrusage``); pyarrow allocates outside Python's
  allocator, so ``tracemalloc`` would not see it. The median of ``--repeat`` subprocesses per
  reader, and their ratio against the same floor.

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
path, reader = sys.argv[1], sys.argv[2]

def status(key):
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith(key))

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
    if reader == "pandas":
        frame = pd.read_csv(path, parse_dates=["date"])
    else:
        frame = read_transactions(path)
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


def memory_readers(path: str, repeat: int) -> dict[str, list[float]]:
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
    peaks: dict[str, list[float]] = {"pandas": [], "crmlab": []}
    for _ in range(repeat):
        for reader in peaks:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, path, reader],
                check=True,
                capture_output=True,
                text=True,
                env=env,
            )
            peaks[reader].append(json.loads(out.stdout.strip().splitlines()[-1])["kib"] / 1024)
    return peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "transactions.csv")
        generate(path, args.lines)
        size = os.path.getsize(path) / 2**20
        times = time_readers(path, args.repeat)
        peaks = memory_readers(path, args.repeat)
    load = os.getloadavg()
    print(f"file: {args.lines:,} lines, {size:.1f} MiB; load average {load[0]:.2f}")
    t_pd, t_cl = statistics.median(times["pandas"]), statistics.median(times["crmlab"])
    m_pd, m_cl = statistics.median(peaks["pandas"]), statistics.median(peaks["crmlab"])
    rows = [
        ("time (s)", t_pd, t_cl),
        ("peak memory above imports (MiB)", m_pd, m_cl),
    ]
    print(
        f"{'median of ' + str(args.repeat):<34} {'pandas':>10} {'crmlab':>10} {'ratio':>7}  floor"
    )
    for name, a, b in rows:
        ratio = b / a
        verdict = "ok" if ratio <= FLOOR else "ABOVE"
        print(f"{name:<34} {a:>10.3f} {b:>10.3f} {ratio:>7.2f}  <= {FLOOR} {verdict}")
    print("all times (s): pandas", [round(t, 3) for t in times["pandas"]])
    print("               crmlab", [round(t, 3) for t in times["crmlab"]])


if __name__ == "__main__":
    main()
