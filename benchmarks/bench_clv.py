"""Speed of crmlab.clv against lifetimes 0.11.3 on the same simulated customers, in one process.

Run: ``.venv/bin/python benchmarks/bench_clv.py [--quick]``. ``--quick`` skips lifetimes'
Pareto/NBD at 10^5 customers (about 36 s) and the 10^6 run. ``run()`` (the interface of
``benchmarks/_report.py``, used by ``make bench``) measures issue 16's model floors.

For each size it fits BG/NBD, Pareto/NBD and Gamma-Gamma with crmlab and lifetimes, prints the
wall times, their ratio, and the log-likelihood each solution reaches, both evaluated with
crmlab's full log-likelihood (so the numbers are comparable). At 10^6 customers it times crmlab
alone: BG/NBD + Gamma-Gamma fit, then scoring (conditional expected purchases over 52 weeks,
P(alive), expected spend, and 52-week discounted CLV).
"""

from __future__ import annotations

import os

# One BLAS thread for both libraries: on small machines OpenBLAS's spinning worker threads,
# woken by the optimisers' small LAPACK calls, slow every fit several-fold (measured on 2 cores).
# Run with OPENBLAS_NUM_THREADS set to compare otherwise.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics
import sys
import time
import warnings

import numpy as np

from crmlab.clv import BGNBD, GammaGamma, ParetoNBD, customer_lifetime_value
from crmlab.clv.bgnbd import bgnbd_loglik
from crmlab.clv.gammagamma import gammagamma_loglik
from crmlab.clv.paretonbd import paretonbd_loglik
from crmlab.datasets import simulate_bgnbd, simulate_gammagamma, simulate_paretonbd

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import lifetimes


def _timed(func):
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def _ll(loglik, params, *cols):
    return float(loglik(np.asarray(params, dtype=float), *cols)[0].sum())


def _row(name, n, t_crm, t_lt, ll_crm, ll_lt):
    ratio = f"{t_lt / t_crm:8.1f}x" if t_lt else "       -"
    lt_time = f"{t_lt:9.3f}" if t_lt else "        -"
    lt_ll = f"{ll_lt:14.2f}" if ll_lt is not None else "             -"
    print(f"{name:11s} {n:>9,d} {t_crm:9.3f} {lt_time} {ratio} {ll_crm:14.2f} {lt_ll}")


def compare(n: int, pareto_lifetimes: bool) -> None:
    bg = simulate_bgnbd(n, seed=1).summary
    pn = simulate_paretonbd(n, seed=2).summary
    gg = simulate_gammagamma(n, seed=3).summary
    f, r, T = bg["frequency"], bg["recency"], bg["T"]
    cols = (f.to_numpy(), r.to_numpy(), T.to_numpy())

    model, t_crm = _timed(lambda: BGNBD().fit(bg))
    ref, t_lt = _timed(lambda: lifetimes.BetaGeoFitter().fit(f, r, T))
    lt_params = ref.params_[["r", "alpha", "a", "b"]]
    _row(
        "BG/NBD",
        n,
        t_crm,
        t_lt,
        model.log_likelihood_,
        _ll(bgnbd_loglik, lt_params, *cols),
    )

    cols = tuple(pn[c].to_numpy() for c in ("frequency", "recency", "T"))
    model, t_crm = _timed(lambda: ParetoNBD().fit(pn))
    if pareto_lifetimes:
        ref, t_lt = _timed(
            lambda: lifetimes.ParetoNBDFitter().fit(pn["frequency"], pn["recency"], pn["T"])
        )
        ll_lt = _ll(paretonbd_loglik, ref.params_[["r", "alpha", "s", "beta"]], *cols)
    else:
        t_lt, ll_lt = None, None
    _row("Pareto/NBD", n, t_crm, t_lt, model.log_likelihood_, ll_lt)

    model, t_crm = _timed(lambda: GammaGamma().fit(gg))
    ref, t_lt = _timed(
        lambda: lifetimes.GammaGammaFitter().fit(gg["frequency"], gg["monetary_value"])
    )
    cols = (gg["frequency"].to_numpy(), gg["monetary_value"].to_numpy())
    _row(
        "GammaGamma",
        n,
        t_crm,
        t_lt,
        model.log_likelihood_,
        _ll(gammagamma_loglik, ref.params_[["p", "q", "v"]], *cols),
    )


def million() -> None:
    n = 1_000_000
    start = time.perf_counter()
    summary = simulate_bgnbd(n, seed=4).summary
    spend = simulate_gammagamma(n, frequency=summary["frequency"].to_numpy(), seed=5).summary
    summary["monetary_value"] = spend["monetary_value"]
    t_sim = time.perf_counter() - start
    start = time.perf_counter()
    bg = BGNBD().fit(summary)
    gg = GammaGamma().fit(summary)
    t_fit = time.perf_counter() - start
    start = time.perf_counter()
    bg.conditional_expected_purchases(52)
    bg.probability_alive()
    gg.expected_average_spend()
    clv = customer_lifetime_value(bg, gg, summary, 52, 0.1, "W")
    t_score = time.perf_counter() - start
    print(
        f"10^6 customers (crmlab only): simulate {t_sim:.2f} s, fit BG/NBD + GammaGamma "
        f"{t_fit:.2f} s ({bg.n_rows_compressed_:,} distinct BG/NBD rows), score (E[Y(52)], "
        f"P(alive), spend, 52-week CLV) {t_score:.2f} s; total {t_fit + t_score:.2f} s; "
        f"total CLV {clv['clv'].sum():,.0f}"
    )


def _median_time(func, repeats: int):
    """Output, median CPU time of this process and median wall time over ``repeats`` runs.

    CPU time, not wall time: the machine may be shared (8 sessions on 2 cores when these
    numbers were taken), and both sides are single-threaded (one BLAS thread), so on an idle
    machine the two agree; the ratios use CPU time, the detail column shows both.
    """
    times, walls, out = [], [], None
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        out = func()
        times.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - start)
    return out, statistics.median(times), statistics.median(walls)


def _load() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "n/a"


def score_million(summary) -> None:
    """BG/NBD + Gamma-Gamma fit and score with the library's defaults (issue 16's workload)."""
    bg = BGNBD().fit(summary)
    gg = GammaGamma().fit(summary)
    bg.conditional_expected_purchases(52)
    bg.probability_alive()
    gg.expected_average_spend()
    customer_lifetime_value(bg, gg, summary, 52, 0.1, "W")


def run(quick: bool = False) -> list[dict]:
    """Issue 16's model floors, each a ratio of CPU times taken in this process (medians).

    On 10^5 customers simulated by the BG/NBD in whole days (seed 1; Gamma-Gamma spend: seed
    3): BG/NBD fit, lifetimes / crmlab (floor 30x); Gamma-Gamma fit, lifetimes / crmlab (20x);
    lifetimes' BG/NBD fit / crmlab's Pareto/NBD fit on the same customers (3x, "at most a third
    of the time"). On 10^6 customers: crmlab's BG/NBD + Gamma-Gamma fit and score (52-week
    expected purchases, P(alive), expected spend, 52-week CLV at 10 % a year with the default
    step), against twice lifetimes' BG/NBD fit at 10^5 (ratio <= 2).
    """
    repeats = 1 if quick else 3
    short = 3 if quick else 11  # crmlab's 10^5 fits take tens of ms: more runs for a stable median
    n = 100_000
    bg = simulate_bgnbd(n, seed=1).summary
    gg = simulate_gammagamma(n, seed=3).summary
    f, r, T = bg["frequency"], bg["recency"], bg["T"]
    cols = (f.to_numpy(), r.to_numpy(), T.to_numpy())
    BGNBD().fit(bg)  # warm-up (imports, first calls)
    model, t_bg, w_bg = _median_time(lambda: BGNBD().fit(bg), short)
    load_bg = _load()
    ref, t_bg_lt, w_bg_lt = _median_time(lambda: lifetimes.BetaGeoFitter().fit(f, r, T), repeats)
    ll_lt = _ll(bgnbd_loglik, ref.params_[["r", "alpha", "a", "b"]], *cols)
    spend, t_gg, w_gg = _median_time(lambda: GammaGamma().fit(gg), short)
    load_gg = _load()
    ref_gg, t_gg_lt, w_gg_lt = _median_time(
        lambda: lifetimes.GammaGammaFitter().fit(gg["frequency"], gg["monetary_value"]), repeats
    )
    gg_cols = (gg["frequency"].to_numpy(), gg["monetary_value"].to_numpy())
    ll_gg_lt = _ll(gammagamma_loglik, ref_gg.params_[["p", "q", "v"]], *gg_cols)
    pareto, t_pn, w_pn = _median_time(lambda: ParetoNBD().fit(bg), short)
    load_pn = _load()
    big = simulate_bgnbd(1_000_000, seed=4).summary
    big["monetary_value"] = simulate_gammagamma(
        1_000_000, frequency=big["frequency"].to_numpy(), seed=5
    ).summary["monetary_value"]
    _, t_big, w_big = _median_time(lambda: score_million(big), repeats)
    load_big = _load()
    return [
        {
            "name": "BG/NBD fit, 10^5 customers: lifetimes time / crmlab time",
            "value": t_bg_lt / t_bg,
            "floor": 30.0,
            "unit": "x",
            "kind": "min",
            "detail": f"CPU crmlab {t_bg:.3f} s, lifetimes {t_bg_lt:.3f} s (wall {w_bg:.3f}, "
            f"{w_bg_lt:.3f} s); LL {model.log_likelihood_:.2f}"
            f" vs {ll_lt:.2f}; {model.n_rows_compressed_:,} distinct rows; load {load_bg}",
        },
        {
            "name": "Gamma-Gamma fit, 10^5 customers: lifetimes time / crmlab time",
            "value": t_gg_lt / t_gg,
            "floor": 20.0,
            "unit": "x",
            "kind": "min",
            "detail": f"CPU crmlab {t_gg:.3f} s, lifetimes {t_gg_lt:.3f} s (wall {w_gg:.3f}, "
            f"{w_gg_lt:.3f} s); LL "
            f"{spend.log_likelihood_:.2f} vs {ll_gg_lt:.2f}; load {load_gg}",
        },
        {
            "name": "Pareto/NBD fit (crmlab) against lifetimes' BG/NBD fit, same 10^5 customers: "
            "lifetimes BG/NBD time / crmlab Pareto/NBD time",
            "value": t_bg_lt / t_pn,
            "floor": 3.0,
            "unit": "x",
            "kind": "min",
            "detail": f"CPU crmlab Pareto/NBD {t_pn:.3f} s ({pareto.n_iterations_} L-BFGS-B "
            f"iterations), lifetimes BG/NBD {t_bg_lt:.3f} s (wall {w_pn:.3f}, {w_bg_lt:.3f} s); "
            f"load {load_pn}",
        },
        {
            "name": "10^6 customers, BG/NBD + Gamma-Gamma fit and score (crmlab) / lifetimes' "
            "BG/NBD fit at 10^5",
            "value": t_big / t_bg_lt,
            "floor": 2.0,
            "unit": "x",
            "kind": "max",
            "detail": f"CPU crmlab {t_big:.2f} s (fit, E[Y(52)], P(alive), spend, 52-week CLV), "
            f"lifetimes BG/NBD at 10^5 {t_bg_lt:.3f} s (wall {w_big:.2f}, {w_bg_lt:.3f} s); "
            f"load {load_big}",
        },
    ]


def main() -> None:
    quick = "--quick" in sys.argv
    print(
        f"{'model':11s} {'customers':>9s} {'crmlab s':>9s} {'lifetimes':>9s} {'speed-up':>9s} "
        f"{'LL crmlab':>14s} {'LL lifetimes':>14s}"
    )
    compare(10_000, pareto_lifetimes=True)
    compare(100_000, pareto_lifetimes=not quick)
    if not quick:
        million()


if __name__ == "__main__":
    main()
