"""Forward simulation of whole purchase histories with a holdout window, for the tests.

Written independently of crmlab.clv.predictive (which simulates from the posterior given a
history): here each customer's latent rates and lifetime are drawn from the prior, purchases
over calibration and holdout from a Poisson process, and the summary is read off the events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_with_holdout(kind: str, params: dict, n: int, holdout: float, seed: int = 0):
    """Customers aged 30-50 time units at the calibration end, observed ``holdout`` more.

    ``kind``: "paretonbd" (lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta), exponential
    lifetime), "ggomnbd" (eta ~ Gamma(s, beta), Gompertz lifetime with scale b), "bgnbd"
    (drop-out after each purchase with p ~ Beta(a, b)) or "nbd" (no drop-out).
    """
    rng = np.random.default_rng(seed)
    T = rng.uniform(30.0, 50.0, n)
    end = T + holdout
    lam = rng.gamma(params["r"], 1.0 / params["alpha"], n)
    freq, rec, hold = np.zeros(n), np.zeros(n), np.zeros(n)
    if kind == "paretonbd":
        life = rng.exponential(1.0 / rng.gamma(params["s"], 1.0 / params["beta"], n))
    elif kind == "ggomnbd":
        eta = rng.gamma(params["s"], 1.0 / params["beta"], n)
        life = np.log1p(-np.log(rng.random(n)) / eta) / params["b"]
    else:
        life = np.full(n, np.inf)
    p = rng.beta(params["a"], params["b"], n) if kind == "bgnbd" else None
    for i in range(n):
        times = []
        t = 0.0
        while True:
            t += rng.exponential(1.0 / lam[i])
            if t > min(life[i], end[i]):
                break
            times.append(t)
            if p is not None and rng.random() < p[i]:
                break  # BG/NBD: leaves right after this purchase
        times = np.array(times)
        cal = times[times <= T[i]]
        freq[i] = len(cal)
        rec[i] = cal[-1] if len(cal) else 0.0
        hold[i] = np.sum(times > T[i])
    return pd.DataFrame(
        {
            "frequency": freq,
            "recency": rec,
            "T": T,
            "frequency_holdout": hold,
            "duration_holdout": holdout,
        },
        index=pd.RangeIndex(n, name="customer_id"),
    )
