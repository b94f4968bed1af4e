"""Speed of the covariate fits against CLVTools' recorded times (issue 15), in one process.

Run: ``.venv/bin/python benchmarks/bench_frontier.py [--repeats N]``.

Fits, on the bundled CDNOW sample (calibration to 1997-09-30, weeks) with the first-purchase
covariates ``log_first_spend`` and ``multi_cd`` in both processes, the static-covariate
Pareto/NBD and GGom/NBD ``N`` times each (default 5) and prints the median wall time, the ratio
CLVTools' recorded time / crmlab's time, and that ratio against the floor of 10 (issue 15:
"at least 10x faster"). CLVTools 0.12.1 took 2.3 s (Pareto/NBD) and 11.2 s (GGom/NBD) on this
machine kind (recorded figures; R is not a dependency). lifetimes has neither model.
It then fits the time-varying-covariate Pareto/NBD (``ParetoNBDDynamic``, ``spring`` in both
processes, from the transactions and the weekly covariate table) and prints its median time; no
CLVTools time was recorded for it (PITFALLS.md notes 10-25 s for such fits on CDNOW), so no
ratio is claimed; likewise the Pareto/NBD with correlation and the static covariates.
The machine may be shared: medians, not minima, are quoted.
"""

from __future__ import annotations

import os

# One BLAS thread: OpenBLAS's spinning worker threads, woken by the optimiser's small LAPACK
# calls, slow every fit several-fold on small machines (see bench_clv.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import statistics
import time

from crmlab.clv import GGomNBD, ParetoNBD, ParetoNBDDynamic
from crmlab.datasets import cdnow_first_purchase_covariates, cdnow_spring_covariates, load_cdnow
from crmlab.rfm import rfm_summary

COVARIATES = ["log_first_spend", "multi_cd"]
#: CLVTools 0.12.1 wall times on CDNOW with these covariates (seconds), issue 15.
CLVTOOLS_SECONDS = {"ParetoNBD": 2.3, "GGomNBD": 11.2}
FLOOR = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    tx = load_cdnow()
    data = rfm_summary(tx, calibration_end="1997-09-30", time_unit="W").join(
        cdnow_first_purchase_covariates(tx)
    )
    print(f"CDNOW: {len(data)} customers, covariates {COVARIATES} in both processes")
    print(f"{'model':<10} {'median s':>9} {'LL':>11} {'CLVTools s':>11} {'ratio':>7} {'floor':>6}")
    for cls in (ParetoNBD, GGomNBD):
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            model = cls(purchase_covariates=COVARIATES, dropout_covariates=COVARIATES).fit(data)
            times.append(time.perf_counter() - start)
        median = statistics.median(times)
        ref = CLVTOOLS_SECONDS[cls.__name__]
        ratio = ref / median
        verdict = "ok" if ratio >= FLOOR else "BELOW"
        print(
            f"{cls.__name__:<10} {median:9.3f} {model.log_likelihood_:11.3f} {ref:11.1f} "
            f"{ratio:6.1f}x {FLOOR:4.0f}x {verdict}"
        )
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model = ParetoNBD(
            correlation=True, purchase_covariates=COVARIATES, dropout_covariates=COVARIATES
        ).fit(data)
        times.append(time.perf_counter() - start)
    print(
        f"{'Corr+cov':<10} {statistics.median(times):9.3f} {model.log_likelihood_:11.3f} "
        f"{'-':>11} {'-':>7} {'-':>6} (correlation with the static covariates)"
    )
    spring = cdnow_spring_covariates(tx)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        model = ParetoNBDDynamic(["spring"], ["spring"]).fit(
            tx, spring, calibration_end="1997-09-30"
        )
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"{'Dynamic':<10} {median:9.3f} {model.log_likelihood_:11.3f} {'-':>11} {'-':>7} "
        f"{'-':>6} (time-varying spring; {model.n_rows_compressed_} distinct customers)"
    )


if __name__ == "__main__":
    main()
