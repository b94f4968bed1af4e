"""The one interface of crmlab's benchmarks, and the table ``make bench`` prints.

Interface: a benchmark module ``benchmarks/bench_*.py`` takes part in the table by defining

    def run(quick: bool = False) -> list[dict]   (or run() without the quick option)

that measures in its own process (ratios of timings taken in that one process; CPU time of the
process where the work is single-threaded, as the machine may be shared) and returns one
dict per floor-checked number, with the keys

- ``name`` (str): what was measured, e.g. ``"BG/NBD fit, 10^5 customers: lifetimes / crmlab"``;
- ``value`` (float): the measured number;
- ``floor`` (float): the floor it must meet (issue 16), or None for a number shown without one;
- ``unit`` (str): ``"x"`` for a ratio, ``"s"``, ``"MB"``...;
- ``kind`` (str): ``"min"`` when the value must be at least the floor, ``"max"`` when at most
  (a kind ending in ``max``, such as ``"seconds_max"``, is a maximum);
- ``detail`` (str, optional): the raw numbers behind it, with the load average when measured.

Run: ``python benchmarks/_report.py [--quick] [--out benchmarks/results.md] [bench_x ...]``.
Every ``bench_*.py`` (or those named) is imported; those with ``run()`` give rows of one table
(name, value, floor, pass/fail, detail) printed with the machine (CPU model, cores, Python,
numpy and the other versions, load average) and written as Markdown to ``--out``. Modules
without ``run()`` are executed as scripts and their output is printed after the table. The exit
status is 1 when a floor is missed (the table is still written).
"""

from __future__ import annotations

import os

# One BLAS thread for every benchmark (see bench_clv.py), before numpy is imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib
import inspect
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages as text ("n/a" where the OS has none)."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except (AttributeError, OSError):
        return "n/a"


def machine() -> dict[str, str]:
    """CPU model, cores, OS, Python and the versions of the libraries the benchmarks time."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info = {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }
    for lib in ("numpy", "scipy", "pandas", "lifetimes", "duckdb", "crmlab"):
        try:
            with _quiet():
                info[lib] = importlib.import_module(lib).__version__
        except Exception:  # a missing library is reported, not fatal
            info[lib] = "not installed"
    info["OPENBLAS_NUM_THREADS"] = os.environ.get("OPENBLAS_NUM_THREADS", "")
    return info


class _quiet:
    """Silence warnings (lifetimes' import warns on pandas 3)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def _at_least(row: dict) -> bool:
    """Whether the row's floor is a minimum: kind "min" (or "ratio_min"...); "max",
    "ratio_max", "seconds_max", "bytes_max" are maxima."""
    return not str(row.get("kind", "min")).endswith("max")


def verdict(row: dict) -> str:
    """The verdict of one result row: "pass", "FAIL" or "-" (no floor)."""
    floor = row.get("floor")
    if floor is None:
        return "-"
    ok = row["value"] >= floor if _at_least(row) else row["value"] <= floor
    return "pass" if ok else "FAIL"


def _number(value: float, unit: str) -> str:
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text}{unit}" if unit == "x" else f"{text} {unit}"


def table(rows: list[dict]) -> str:
    """The results as a Markdown table: benchmark, value, floor, pass/fail, detail."""
    lines = ["| benchmark | value | floor | result | detail |", "| --- | --- | --- | --- | --- |"]
    for row in rows:
        unit = row.get("unit", "")
        floor = row.get("floor")
        bound = "-" if floor is None else ("≥ " if _at_least(row) else "≤ ")
        bound = bound if floor is None else bound + _number(floor, unit)
        lines.append(
            f"| {row['name']} | {_number(row['value'], unit)} | {bound} | {verdict(row)} | "
            f"{row.get('detail', '')} |"
        )
    return "\n".join(lines)


def machine_lines(info: dict[str, str], load_start: str, load_end: str) -> str:
    versions = ", ".join(
        f"{k} {v}" for k, v in info.items() if k not in ("CPU", "cores", "OS", "Python")
    )
    return (
        f"Machine: {info['CPU']}, {info['cores']} cores, {info['OS']}; Python {info['Python']}; "
        f"{versions}. Load average (1, 5, 15 min) {load_start} at the start, {load_end} at the "
        "end (the machine may be shared: every ratio is taken in one process, both sides under "
        "the same load)."
    )


def _frontier(module, quick: bool = False) -> list[dict]:
    """``run()`` for ``bench_frontier`` until it has its own: its fits, timed as it times them.

    Median CPU time of 5 fits (3 with ``quick``) of each covariate model on CDNOW, against the
    CLVTools times the module records (floor: ``module.FLOOR`` times faster). CPU time: the
    recorded times are wall times of an otherwise idle R session, and this machine may be
    shared.
    """
    import statistics

    tx = module.load_cdnow()
    data = module.rfm_summary(tx, calibration_end="1997-09-30", time_unit="W").join(
        module.cdnow_first_purchase_covariates(tx)
    )
    covs = module.COVARIATES
    rows = []
    for cls in (module.ParetoNBD, module.GGomNBD):
        times, walls = [], []
        for _ in range(3 if quick else 5):
            start, cpu = time.perf_counter(), time.process_time()
            model = cls(purchase_covariates=covs, dropout_covariates=covs).fit(data)
            times.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - start)
        median = statistics.median(times)
        ref = module.CLVTOOLS_SECONDS[cls.__name__]
        rows.append(
            {
                "name": f"{cls.__name__} with static covariates, CDNOW: CLVTools' recorded time / "
                "crmlab time",
                "value": ref / median,
                "floor": float(module.FLOOR),
                "unit": "x",
                "kind": "min",
                "detail": f"crmlab {median:.3f} s CPU ({statistics.median(walls):.3f} s wall, "
                f"medians), CLVTools {ref:g} s (recorded); LL "
                f"{model.log_likelihood_:.3f}; load {load_average().split()[0]}",
            }
        )
    return rows


#: ``run()`` for benchmark modules that do not define one yet.
ADAPTERS = {"bench_frontier": _frontier}


def _modules(names: list[str]) -> list[str]:
    found = sorted(p.stem for p in HERE.glob("bench_*.py"))
    return [n for n in found if not names or n in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="bench_* modules to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller runs where offered")
    parser.add_argument("--out", default=str(HERE / "results.md"), help="Markdown output file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE))
    load_start = load_average()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    rows: list[dict] = []
    scripts: list[str] = []
    for name in _modules(args.modules):
        module = importlib.import_module(name)
        run = getattr(module, "run", None)
        if run is None and name in ADAPTERS:
            run = lambda quick, m=module, f=ADAPTERS[name]: f(m, quick)  # noqa: E731
        if run is None:
            scripts.append(name)
            continue
        print(f"--- {name}.run()", flush=True)
        takes_quick = "quick" in inspect.signature(run).parameters
        for row in run(quick=args.quick) if takes_quick else run():
            rows.append({"module": name, **row})
            print(
                f"    {row['name']}: {_number(row['value'], row.get('unit', ''))} "
                f"[{verdict(row)}] {row.get('detail', '')}",
                flush=True,
            )
    load_end = load_average()
    text = (
        f"# Benchmark results\n\nWritten by `make bench` (`benchmarks/_report.py`) on {started}."
        f"\n\n{table(rows)}\n\n{machine_lines(machine(), load_start, load_end)}\n"
    )
    Path(args.out).write_text(text, encoding="utf-8")
    print()
    print(text)
    for name in scripts:  # benchmarks without run(): executed, printed, not in the table
        print(f"--- {name}.py (no run(): not in the table)", flush=True)
        extra = ["--quick"] if args.quick and name == "bench_clv" else []
        subprocess.run([sys.executable, str(HERE / f"{name}.py"), *extra], check=False)
    return 1 if any(verdict(r) == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
