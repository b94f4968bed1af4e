"""Reports benchmark: ``crmlab run`` of every notebook on the bundled data, as ``make reports``.

Usage::

    .venv/bin/python benchmarks/bench_reports.py              # one run, all notebooks
    .venv/bin/python benchmarks/bench_reports.py --cells 15   # and the 15 slowest cells
    .venv/bin/python benchmarks/bench_reports.py --jobs 1     # notebooks one after the other

The whole ``python -m crmlab run --out DIR`` process is timed (interpreter start, parameter checks,
kernels, HTML, exports, manifest), into a temporary folder deleted at the end. The manifest gives
each notebook's wall time; each executed notebook's cells carry papermill's per-cell durations,
which ``--cells`` ranks (where the time goes, by notebook and cell). Not a test: timings depend on
the machine and its load (the load average is printed with the results).

``run()`` returns the rows for ``make bench`` (``name``, ``value``, ``floor``, ``unit``,
``kind``): the run's wall time against issue 16's floor of 45 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR_SECONDS = 45.0


def measure(jobs: int | None = None) -> dict:
    """One ``crmlab run`` of every notebook: wall time, manifest, slowest cells."""
    import nbformat

    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)  # PITFALLS.md: it would strip the figures
    if jobs is not None:
        env["CRMLAB_JOBS"] = str(jobs)
    folder = Path(tempfile.mkdtemp(prefix="crmlab-bench-reports-"))
    try:
        out = folder / "run"
        start = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "crmlab", "run", "--out", str(out)],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
        )
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            return {"failed": proc.stderr.strip()[-500:], "seconds": seconds}
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        cells = []
        for record in manifest["notebooks"]:
            nb = nbformat.read(out / f"{record['notebook']}.ipynb", as_version=4)
            number = 0
            for cell in nb.cells:
                if cell.cell_type != "code":
                    continue
                number += 1
                duration = (cell.metadata.get("papermill") or {}).get("duration") or 0.0
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                cells.append((float(duration), record["notebook"], number, first[:70]))
        return {
            "seconds": seconds,
            "notebooks": {r["notebook"]: r["duration_s"] for r in manifest["notebooks"]},
            "cells": sorted(cells, reverse=True),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rows_of(result: dict) -> list[dict]:
    name = "crmlab run, every notebook on the bundled data (make reports)"
    if "failed" in result:
        name += f" FAILED: {result['failed'][:200]}"
    return [
        {
            "name": name,
            "value": result["seconds"] if "failed" not in result else float("inf"),
            "floor": FLOOR_SECONDS,
            "unit": "s",
            "kind": "seconds_max",
        }
    ]


def run(jobs: int | None = None) -> list[dict]:
    """The benchmark's rows for ``make bench`` (``benchmarks/_report.py``)."""
    return rows_of(measure(jobs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="notebooks side by side")
    parser.add_argument("--cells", type=int, default=0, help="show the N slowest cells")
    args = parser.parse_args()
    result = measure(args.jobs)
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores")
    if "failed" not in result:
        kernels = sum(result["notebooks"].values())
        for stem, seconds in result["notebooks"].items():
            print(f"  {stem:<28} {seconds:6.1f} s")
        print(f"  {'sum of notebooks':<28} {kernels:6.1f} s (they run side by side)")
        total = sum(c[0] for c in result["cells"])
        for duration, stem, number, first in result["cells"][: args.cells]:
            share = duration / total if total else 0.0
            print(f"    {duration:6.2f} s {share:5.1%}  {stem} code cell {number}: {first}")
    for row in rows_of(result):
        verdict = "ok" if row["value"] <= row["floor"] else "ABOVE"
        print(f"{row['name']}: {row['value']:.1f} {row['unit']} (floor {row['floor']}) {verdict}")


if __name__ == "__main__":
    main()
