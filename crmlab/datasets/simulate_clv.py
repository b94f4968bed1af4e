"""Seeded simulators of customer bases that follow the buy-till-you-die models exactly.

Each returns a :class:`SimulatedCustomers` with the customer summary (the columns
``crmlab.rfm.rfm_summary`` gives: ``frequency``, ``recency``, ``T``, and ``monetary_value``
for the spend model) and the true parameters, so that fits can be checked against the truth.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

__all__ = ["SimulatedCustomers", "simulate_bgnbd", "simulate_gammagamma", "simulate_paretonbd"]


class SimulatedCustomers(NamedTuple):
    """A simulated customer summary and the parameters that generated it.

    Attributes
    ----------
    summary : DataFrame
        Index ``customer_id`` (0..n-1); columns as described by each simulator.
    params : Series
        The true parameters, named as in the model's ``params_``.
    """

    summary: pd.DataFrame
    params: pd.Series


def _ages(rng: np.random.Generator, n: int, T, resolution: float | None) -> np.ndarray:
    if T is None:
        # acquired uniformly over 12 weeks, observed for 39 weeks after the last acquisition
        T = 39.0 + rng.uniform(0.0, 12.0, n)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    if resolution:
        T = np.maximum(np.round(T / resolution), 1) * resolution
    return T


def _last_purchase(rng, x, active_length, resolution):
    """Time of the x-th of x purchases spread as uniform order statistics over the active time."""
    xs = np.maximum(x, 1)
    recency = np.where(x > 0, active_length * rng.beta(xs, 1.0), 0.0)
    if resolution:
        # whole days (time units of ``resolution``), at least one after the first purchase
        recency = np.where(x > 0, np.maximum(np.round(recency / resolution), 1) * resolution, 0.0)
    return recency


def _frame(x, recency, T) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"frequency": x.astype(float), "recency": np.minimum(recency, T), "T": T},
        index=pd.RangeIndex(len(x), name="customer_id"),
    )
    return frame


def simulate_bgnbd(
    n_customers: int,
    params: dict[str, float] | None = None,
    T: float | np.ndarray | None = None,
    seed: int | None = 0,
    resolution: float | None = 1 / 7,
) -> SimulatedCustomers:
    """Customers following the BG/NBD model (Fader, Hardie and Lee 2005).

    Each customer gets ``lambda ~ Gamma(r, rate alpha)`` and ``p ~ Beta(a, b)``; she drops out
    after her ``J``-th repeat purchase, ``J ~ Geometric(p)``; purchases while alive form a
    Poisson process. With ``N ~ Poisson(lambda T)`` purchases in ``(0, T]``, the frequency is
    ``x = min(N, J)`` and the recency is the ``x``-th of ``N`` uniform order statistics.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    params : dict, optional
        ``r, alpha, a, b``; default the CDNOW estimates (0.243, 4.414, 0.793, 2.426).
    T : float or array, optional
        Age of each customer at the end of the window (time units); default 39 to 51 weeks.
    seed : int or None, default 0
        Random seed (the same seed gives the same customers; None draws a fresh one).
    resolution : float or None, default 1/7
        Round times to multiples of this (1/7 week = one day, as transaction dates are);
        None keeps continuous times.

    Returns
    -------
    SimulatedCustomers
        ``summary`` with ``frequency``, ``recency``, ``T``; ``params``.
    """
    p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, **(params or {})}
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    T_ = _ages(rng, n, T, resolution)
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n)
    n_events = rng.poisson(lam * T_)
    j = rng.geometric(np.clip(drop, 1e-12, 1.0))
    x = np.minimum(n_events, j)
    # x-th order statistic of N uniforms on (0, T): T * Beta(x, N - x + 1)
    xs = np.maximum(x, 1)
    recency = np.where(x > 0, T_ * rng.beta(xs, np.maximum(n_events - x + 1, 1)), 0.0)
    if resolution:
        recency = np.where(x > 0, np.maximum(np.round(recency / resolution), 1) * resolution, 0.0)
    return SimulatedCustomers(
        _frame(x, recency, T_), pd.Series(p, name="true").loc[["r", "alpha", "a", "b"]]
    )


def simulate_paretonbd(
    n_customers: int,
    params: dict[str, float] | None = None,
    T: float | np.ndarray | None = None,
    seed: int | None = 0,
    resolution: float | None = 1 / 7,
) -> SimulatedCustomers:
    """Customers following the Pareto/NBD model (Schmittlein, Morrison and Colombo 1987).

    ``lambda ~ Gamma(r, rate alpha)``, ``mu ~ Gamma(s, rate beta)``, lifetime
    ``tau ~ Exponential(mu)``; purchases form a Poisson process on ``(0, min(tau, T))``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    params : dict, optional
        ``r, alpha, s, beta``; default the CDNOW estimates (0.553, 10.578, 0.606, 11.669).
    T, seed, resolution
        As in :func:`simulate_bgnbd`.

    Returns
    -------
    SimulatedCustomers
        ``summary`` with ``frequency``, ``recency``, ``T``; ``params``.
    """
    p = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669, **(params or {})}
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    T_ = _ages(rng, n, T, resolution)
    lam = rng.gamma(p["r"], 1.0 / p["alpha"], n)
    mu = rng.gamma(p["s"], 1.0 / p["beta"], n)
    tau = rng.exponential(1.0 / np.maximum(mu, 1e-300))
    active = np.minimum(tau, T_)
    x = rng.poisson(lam * active)
    recency = _last_purchase(rng, x, active, resolution)
    return SimulatedCustomers(
        _frame(x, recency, T_), pd.Series(p, name="true").loc[["r", "alpha", "s", "beta"]]
    )


def simulate_gammagamma(
    n_customers: int,
    params: dict[str, float] | None = None,
    frequency: np.ndarray | None = None,
    seed: int | None = 0,
) -> SimulatedCustomers:
    """Mean spend per repeat transaction following the Gamma-Gamma model (Fader and Hardie 2013).

    Each customer gets ``nu ~ Gamma(q, rate gamma)``; each transaction is ``Gamma(p, rate nu)``,
    so the mean of ``x`` transactions is ``Gamma(p x, rate nu x)``.

    Parameters
    ----------
    n_customers : int
        Number of customers.
    params : dict, optional
        ``p, q, gamma``; default the CDNOW estimates (6.25, 3.74, 15.44).
    frequency : array of int, optional
        Repeat purchases of each customer; default ``1 + Poisson(2)``. Customers with 0 get
        ``monetary_value`` 0.
    seed : int or None, default 0
        Random seed (the same seed gives the same customers; None draws a fresh one).

    Returns
    -------
    SimulatedCustomers
        ``summary`` with ``frequency`` and ``monetary_value``; ``params``.
    """
    par = {"p": 6.25, "q": 3.74, "gamma": 15.44, **(params or {})}
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    x = 1 + rng.poisson(2.0, n) if frequency is None else np.asarray(frequency, dtype=float)
    nu = rng.gamma(par["q"], 1.0 / par["gamma"], n)
    xs = np.maximum(x, 1)
    mean_spend = rng.gamma(par["p"] * xs, 1.0 / (nu * xs))
    frame = pd.DataFrame(
        {"frequency": x.astype(float), "monetary_value": np.where(x > 0, mean_spend, 0.0)},
        index=pd.RangeIndex(n, name="customer_id"),
    )
    return SimulatedCustomers(frame, pd.Series(par, name="true").loc[["p", "q", "gamma"]])
