"""Predictive distributions of the buy-till-you-die models: counts, log scores, simulated CLV.

The models' point predictions (``conditional_expected_purchases``, ``customer_lifetime_value``)
are expectations, and their intervals (``clv_lower``/``clv_upper``) cover the *parameter
uncertainty of an expected value*. This module gives the distribution of the *outcome* itself:
how many purchases a customer makes in ``(T, T + t]`` and what she is worth, with the
randomness of her own behaviour and, through parameter draws, of the estimates.

Representation
--------------
Given a customer's history ``(x, t_x, T)`` every model here says: she is alive at ``T`` with
probability P(alive); if alive, her purchase rate is ``lambda | alive ~ Gamma(r + x, alpha + T)``
(the purchase likelihood while alive is ``lambda^x e^{-lambda T}``, Fader and Hardie 2005 note
008); her remaining lifetime is independent of ``lambda`` given that she is alive:

- NBD: she never leaves;
- Pareto/NBD: ``mu | alive ~ Gamma(s, beta + T)``, so the remaining lifetime is Lomax,
  ``P(R > u) = ((beta + T) / (beta + T + u))^s``;
- GGom/NBD: ``P(R > u) = ((beta + e^{bT} - 1) / (beta + e^{b(T + u)} - 1))^s`` (Bemmaor and
  Glady 2012);
- BG/NBD and MBG/NBD: after each purchase she leaves with probability ``p | alive ~ Beta(a, b +
  x)`` (``b + x + 1`` for MBG/NBD, which also lets customers leave at time 0).

The count pmf of the lifetime models is ``P(alive) [S(t) NB(n; t) + int_0^t f(u) NB(n; u) du] +
(1 - P(alive)) 1{n = 0}`` with ``NB(n; u)`` the negative binomial of ``Poisson(lambda u)`` over
the gamma posterior and ``f = -S'`` (Gauss-Legendre quadrature, 64 nodes); the BG family uses
the exact count distribution of :mod:`crmlab.clv.bgcnbd` (also for BG/CNBD-k). Simulation draws
the latent quantities above and a Poisson process, which gives purchase times (discounting) and,
with the Gamma-Gamma posterior ``nu | x, m ~ Gamma(p x + q, gamma + x m)``, spend per purchase.

References
----------
Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and Related
Expressions. http://brucehardie.com/notes/008/
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way.
Marketing Science 24(2), 275-284.
Gneiting, T. and Raftery, A. E. (2007). Strictly Proper Scoring Rules, Prediction, and
Estimation. Journal of the American Statistical Association 102(477), 359-378.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln

from crmlab.checks import check_count, check_fraction
from crmlab.clv.bgcnbd import (
    BGCNBD,
    MBGCNBD,
    xbgcnbd_conditional_pmf,
    xbgcnbd_probability_alive,
)
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.ggomnbd import GGomNBD, ggomnbd_probability_alive
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.nbd import NBD
from crmlab.clv.paretonbd import ParetoNBD, paretonbd_probability_alive
from crmlab.errors import DataError, ParameterError
from crmlab.estimation import check_seed, unique_rows
from crmlab.transactions import discount_rate_per_unit

__all__ = [
    "PMF_MODELS",
    "SIMULATION_MODELS",
    "can_simulate",
    "clv_predictive_interval",
    "conditional_count_pmf",
    "has_count_pmf",
    "holdout_log_score",
    "holdout_predictive_check",
    "interval_coverage",
    "purchases_predictive_interval",
    "simulate_future",
]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)
_LIFETIME = (NBD, ParetoNBD, GGomNBD)
_BG = (BGNBD, MBGNBD, BGCNBD, MBGCNBD)
#: Models with an exact conditional count distribution here (exact classes: covariate and
#: correlation variants are not among them).
PMF_MODELS = ("NBD", "ParetoNBD", "GGomNBD", "BGNBD", "MBGNBD", "BGCNBD", "MBGCNBD")
#: Models whose future this module can simulate (memoryless purchasing, Erlang order 1).
SIMULATION_MODELS = ("NBD", "ParetoNBD", "GGomNBD", "BGNBD", "MBGNBD")


def _kind(model, simulate: bool = False) -> str:
    cls = type(model)
    allowed = SIMULATION_MODELS if simulate else PMF_MODELS
    if cls.__name__ in allowed and cls in (*_LIFETIME, *_BG):
        if cls in _LIFETIME:
            return "lifetime"
        if simulate and getattr(model, "_k", 1) != 1:
            raise ParameterError(
                f"{cls.__name__} with k > 1 has no simulated future here; use BGNBD or MBGNBD.",
                parameter="model",
            )
        return "bg"
    raise ParameterError(
        f"{cls.__name__} has no {'simulated future' if simulate else 'conditional count pmf'} "
        f"in crmlab.clv.predictive; available for {list(allowed)} (without covariates).",
        parameter="model",
    )


def has_count_pmf(model) -> bool:
    """Whether :func:`conditional_count_pmf` covers ``model`` (its class, exactly)."""
    try:
        _kind(model)
    except ParameterError:
        return False
    return True


def can_simulate(models) -> bool:
    """Whether :func:`simulate_future` covers ``model`` (or every model of a list)."""
    group = list(models) if isinstance(models, (list, tuple)) else [models]
    try:
        for model in group:
            _kind(model, simulate=True)
    except ParameterError:
        return False
    return bool(group)


def _draw_list(model, params) -> list[pd.Series]:
    """Parameter sets: the estimate (params None), one Series, or the rows of a draws frame."""
    if params is None:
        model._check_fitted()
        return [model.params_]
    if isinstance(params, pd.Series):
        return [params]
    return [row for _, row in params.iterrows()]


def _history(model, data):
    x, tx, T, *_, index = model._customers(data)
    return np.asarray(x, float), np.asarray(tx, float), np.asarray(T, float), index


# ---------------------------------------------------------------------- lifetime models
def _alive_and_survival(model, p: pd.Series, x, tx, T):
    """P(alive at T) and the log survival / density of the remaining lifetime (functions of u)."""
    cls = type(model)
    if cls is NBD:
        return np.ones_like(x), (lambda u: np.zeros_like(u)), None
    if cls is ParetoNBD:
        s, beta = float(p["s"]), float(p["beta"])
        alive = paretonbd_probability_alive(float(p["r"]), float(p["alpha"]), s, beta, x, tx, T)
        c = (beta + T)[:, None]

        def log_surv(u):
            return s * (np.log(c) - np.log(c + u))

        def log_dens(u):
            return np.log(s) + s * np.log(c) - (s + 1) * np.log(c + u)

        return np.asarray(alive, float), log_surv, log_dens
    b, s, beta = float(p["b"]), float(p["s"]), float(p["beta"])
    alive = ggomnbd_probability_alive(float(p["r"]), float(p["alpha"]), b, s, beta, x, tx, T)
    c = np.log(beta + np.expm1(b * T))[:, None]

    def log_g(u):
        return np.log(beta + np.expm1(b * (T[:, None] + u)))

    def log_surv(u):
        return s * (c - log_g(u))

    def log_dens(u):
        return np.log(s * b) + b * (T[:, None] + u) + s * c - (s + 1) * log_g(u)

    return np.asarray(alive, float), log_surv, log_dens


def _log_nb(n, shape, rate, u):
    """log P(N = n), N ~ Poisson(lambda u), lambda ~ Gamma(shape, rate); broadcast; u > 0."""
    return (
        gammaln(shape + n)
        - gammaln(shape)
        - gammaln(n + 1)
        + shape * (np.log(rate) - np.log(rate + u))
        + n * (np.log(u) - np.log(rate + u))
    )


def _lifetime_pmf(model, p, x, tx, T, t, n_max):
    alive, log_surv, log_dens = _alive_and_survival(model, p, x, tx, T)
    shape = (float(p["r"]) + x)[:, None, None]
    rate = (float(p["alpha"]) + T)[:, None, None]
    n = np.arange(n_max + 1, dtype=float)[None, :, None]
    end = np.exp(log_surv(np.full((len(x), 1), t)))[:, :, None]  # (rows, 1, 1)
    pmf = end[:, 0] * np.exp(_log_nb(n, shape, rate, t))[:, :, 0]
    if log_dens is not None:
        u = (0.5 * t * (_NODES + 1))[None, :]  # (1, nodes)
        dens = np.exp(log_dens(np.broadcast_to(u, (len(x), len(_NODES)))))  # (rows, nodes)
        nb = np.exp(_log_nb(n, shape, rate, u[:, None, :]))  # (rows, counts, nodes)
        pmf = pmf + np.einsum("rcn,rn,n->rc", nb, dens, 0.5 * t * _WEIGHTS)
    out = alive[:, None] * pmf
    out[:, 0] += 1.0 - alive
    return out


def _bg_pmf(model, p, x, tx, T, t, n_max):
    k, d = int(getattr(model, "_k", 1)), int(getattr(model, "_dropout_at_zero", 0))
    args = (float(p["r"]), float(p["alpha"]), float(p["a"]), float(p["b"]), k, d)
    return xbgcnbd_conditional_pmf(*args, x, tx, T, t, np.arange(n_max + 1)).T


def _default_n_max(model, x, T, t) -> int:
    """A count grid long enough for every customer's predictive tail (mean + 12 sd + 20)."""
    p = model.params_
    shape = float(p["r"]) + x
    q = t / (float(p["alpha"]) + T + t)
    mean = shape * q / (1 - q)
    sd = np.sqrt(mean / (1 - q))
    return int(min(np.ceil(np.max(mean + 12 * sd, initial=0.0)) + 20, 20_000))


def conditional_count_pmf(
    model,
    t: float,
    data: pd.DataFrame | None = None,
    *,
    n_max: int | None = None,
    params=None,
) -> pd.DataFrame:
    """P(X(T, T + t] = n | history) for n = 0..n_max, per customer.

    Parameters
    ----------
    model : fitted NBD, ParetoNBD, GGomNBD, BGNBD, MBGNBD, BGCNBD or MBGCNBD
        Without covariates (see :data:`PMF_MODELS`).
    t : float
        Length of the window after ``T``, in the model's time unit (> 0).
    data : DataFrame, optional
        Customer summary (``frequency``, ``recency``, ``T``); None: the fitted customers.
    n_max : int, optional
        Largest count (default: beyond every customer's mean + 12 sd).
    params : Series or DataFrame, optional
        One parameter set, or draws (``model.draw_params``): the pmf is then the mixture (mean)
        over the draws, the predictive distribution with parameter uncertainty.

    Returns
    -------
    DataFrame
        Index the customers, columns ``0..n_max``; rows sum to 1 up to the mass beyond
        ``n_max``.
    """
    kind = _kind(model)
    t = float(t)
    if not (np.isfinite(t) and t > 0):
        raise ParameterError(f"t must be a length of time > 0, got {t!r}.", parameter="t")
    x, tx, T, index = _history(model, data)
    if n_max is None:
        n_max = _default_n_max(model, x, T, t)
    n_max = check_count(n_max, "n_max", minimum=0)
    unique, inverse = unique_rows(np.column_stack([x, tx, T]))
    ux, utx, uT = (np.ascontiguousarray(unique[:, j]) for j in range(3))
    func = _lifetime_pmf if kind == "lifetime" else _bg_pmf
    sets = _draw_list(model, params)
    total = np.zeros((len(ux), n_max + 1))
    for p in sets:
        total += func(model, p, ux, utx, uT, t, n_max)
    total /= len(sets)
    return pd.DataFrame(np.clip(total[inverse], 0.0, 1.0), index=index)


def holdout_log_score(model, summary_with_holdout: pd.DataFrame) -> pd.Series:
    """Log predictive probability of each customer's holdout count (a proper score).

    ``log P(X(T, T + t*_i) = x*_i | x_i, t_x_i, T_i)`` with ``x*`` = ``frequency_holdout`` and
    ``t*`` = ``duration_holdout`` (larger is better; Gneiting and Raftery 2007). Probabilities
    below 1e-300 count as 1e-300.

    Returns
    -------
    Series
        Per customer, named ``log_score``.
    """
    for col in ("frequency_holdout", "duration_holdout"):
        if col not in summary_with_holdout:
            raise DataError(
                f"column '{col}' is missing; build the summary with rfm_summary(..., "
                "calibration_end=...).",
                column=col,
            )
    _kind(model)
    out = pd.Series(np.nan, index=summary_with_holdout.index, name="log_score")
    actual = summary_with_holdout["frequency_holdout"].to_numpy(dtype=float)
    durations = summary_with_holdout["duration_holdout"].to_numpy(dtype=float)
    for duration in np.unique(durations):
        rows = np.flatnonzero(durations == duration)
        if duration <= 0:
            out.iloc[rows] = np.where(actual[rows] == 0, 0.0, np.log(1e-300))
            continue
        part = summary_with_holdout.iloc[rows]
        n_max = int(actual[rows].max())
        pmf = conditional_count_pmf(model, float(duration), part, n_max=n_max).to_numpy()
        chosen = pmf[np.arange(len(rows)), actual[rows].astype(int)]
        out.iloc[rows] = np.log(np.maximum(chosen, 1e-300))
    return out


def _quantiles(cdf: np.ndarray, levels) -> list[np.ndarray]:
    return [np.argmax(cdf >= q - 1e-12, axis=1).astype(float) for q in levels]


def purchases_predictive_interval(
    model,
    t: float,
    data: pd.DataFrame | None = None,
    *,
    alpha: float = 0.05,
    n_draws: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """Predictive interval of each customer's purchases in ``(T, T + t]``.

    The predictive distribution is the count pmf averaged over ``n_draws`` parameter draws from
    the asymptotic normal of the estimates (``model.draw_params``): it covers the customer's own
    randomness and the parameter uncertainty. Counts are whole numbers, so the interval
    ``[lower, upper]`` (the ``alpha/2`` and ``1 - alpha/2`` quantiles) covers at least
    ``1 - alpha``; ``coverage`` gives its exact predictive probability.

    Returns
    -------
    DataFrame
        Per customer: ``expected`` (predictive mean), ``lower``, ``upper``, ``coverage``.
        ``attrs["covers"]`` says what the interval covers.
    """
    alpha = check_fraction(alpha, "alpha", zero=False, one=False)
    n_draws = check_count(n_draws, "n_draws", minimum=0)
    check_seed(seed)
    draws = model.draw_params(n_draws, seed) if n_draws else None
    pmf = conditional_count_pmf(model, t, data, params=draws)
    values = pmf.to_numpy()
    cdf = np.cumsum(values, axis=1)
    lower, upper = _quantiles(cdf, (alpha / 2, 1 - alpha / 2))
    li, ui = lower.astype(int), upper.astype(int)
    below = np.where(li > 0, cdf[np.arange(len(li)), np.maximum(li - 1, 0)], 0.0)
    coverage = cdf[np.arange(len(ui)), ui] - below
    out = pd.DataFrame(
        {
            "expected": values @ np.arange(values.shape[1]),
            "lower": lower,
            "upper": upper,
            "coverage": coverage,
        },
        index=pmf.index,
    )
    out.attrs["level"] = 1 - alpha
    out.attrs["covers"] = (
        f"{100 * (1 - alpha):g}% predictive interval of the purchases themselves (the "
        "customer's own randomness and parameter uncertainty)"
    )
    return out


# ---------------------------------------------------------------------- simulation
def _latent(model, p: pd.Series, x, tx, T, rng, size):
    """Draws (size x customers) of alive-at-T, lambda and the remaining-life sampler."""
    cls = type(model)
    r, alpha = float(p["r"]), float(p["alpha"])
    if cls in _LIFETIME:
        alive_p, _, _ = _alive_and_survival(model, p, x, tx, T)
    else:
        k, d = int(getattr(model, "_k", 1)), int(getattr(model, "_dropout_at_zero", 0))
        alive_p = xbgcnbd_probability_alive(r, alpha, float(p["a"]), float(p["b"]), k, d, x, tx, T)
    alive = rng.random((size, len(x))) < alive_p
    lam = rng.gamma(r + x, 1.0 / (alpha + T), (size, len(x)))
    return alive, lam


def _remaining_life(model, p, T, rng, shape):
    cls = type(model)
    if cls is NBD or cls in _BG:
        return np.full(shape, np.inf)
    u = rng.random(shape)
    s, beta = float(p["s"]), float(p["beta"])
    with np.errstate(over="ignore", divide="ignore"):
        if cls is ParetoNBD:
            return (beta + T) * np.expm1(-np.log(u) / s)
        b = float(p["b"])
        log_c = np.log(beta + np.expm1(b * T))
        log_target = log_c - np.log(u) / s  # log(beta + e^{b(T+R)} - 1)
        e_bt = np.exp(log_target) - beta + 1  # e^{b(T+R)}
        return np.maximum(np.log(e_bt) / b - T, 0.0)


def simulate_future(
    model,
    horizon: float,
    data: pd.DataFrame | None = None,
    *,
    discount: float = 0.0,
    spend_model: GammaGamma | None = None,
    spend_data: pd.DataFrame | None = None,
    n_draws: int = 200,
    n_sims: int = 10,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Simulated futures of each customer over ``(T, T + horizon]``.

    For each of ``n_draws`` parameter draws (0: the estimates only) ``n_sims`` futures per
    customer are drawn from the representation in the module docstring: alive at ``T`` or not,
    ``lambda``, the remaining lifetime (or the drop-out after each purchase), the Poisson
    purchases and, with ``spend_model``, the spend of each purchase
    (``z ~ Gamma(p, nu)``, ``nu | x, m ~ Gamma(p x + q, gamma + x m)``, Fader and Hardie 2013).

    Parameters
    ----------
    model : fitted NBD, ParetoNBD, GGomNBD, BGNBD or MBGNBD (:data:`SIMULATION_MODELS`)
    horizon : float
        Length of the future in the model's time unit.
    data : DataFrame, optional
        Customer summary; None: the fitted customers.
    discount : float, default 0
        Continuously compounded discount rate per time unit (``discount_rate_per_unit``).
    spend_model : GammaGamma, optional
        With ``spend_data`` (its summary for the same customers; None: its fitted customers).
    n_draws, n_sims : int
        Parameter draws and futures per draw and customer.
    seed : int, default 0

    Returns
    -------
    dict
        ``purchases`` (simulations x customers), ``discounted_purchases`` (sum of
        ``exp(-discount u)`` over purchase times ``u``) and, with ``spend_model``,
        ``discounted_spend`` (sum of ``z exp(-discount u)``); ``index`` the customers.
    """
    _kind(model, simulate=True)
    horizon = float(horizon)
    if not (np.isfinite(horizon) and horizon > 0):
        raise ParameterError(
            f"horizon must be a finite length of time > 0, got {horizon!r}.", parameter="horizon"
        )
    n_draws = check_count(n_draws, "n_draws", minimum=0)
    n_sims = check_count(n_sims, "n_sims")
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    x, tx, T, index = _history(model, data)
    n = len(x)
    sets = _draw_list(model, model.draw_params(n_draws, seed) if n_draws else None)
    if spend_model is not None:
        sx, sm, sindex = spend_model._customers(spend_data)
        if not pd.Index(sindex).equals(pd.Index(index)):
            raise DataError(
                "the spend model's customers differ from the transaction model's; pass "
                "spend_data for the same customers in the same order."
            )
        spend_sets = _draw_list(
            spend_model, spend_model.draw_params(n_draws, seed + 1) if n_draws else None
        )
    counts, disc, spend = [], [], []
    for j, p in enumerate(sets):
        alive, lam = _latent(model, p, x, tx, T, rng, n_sims)
        life = np.minimum(_remaining_life(model, p, T, rng, (n_sims, n)), horizon)
        active = np.where(alive, life, 0.0)
        events = rng.poisson(lam * active)
        if type(model) in _BG:
            d = int(getattr(model, "_dropout_at_zero", 0))
            drop = rng.beta(float(p["a"]), float(p["b"]) + x + d, (n_sims, n))
            last = rng.geometric(np.clip(drop, 1e-12, 1.0))
            kept = np.minimum(events, last)
        else:
            kept = events
        flat_events = events.ravel()
        group = np.repeat(np.arange(flat_events.size), flat_events)
        times = rng.random(group.size) * np.repeat(active.ravel(), flat_events)
        order = np.lexsort((times, group))
        times, group = times[order], group[order]
        starts = np.concatenate([[0], np.cumsum(flat_events)[:-1]])
        rank = np.arange(group.size) - starts[group]
        keep = rank < kept.ravel()[group]
        times, group = times[keep], group[keep]
        weight = np.exp(-discount * times)
        counts.append(kept)
        disc.append(np.bincount(group, weights=weight, minlength=n_sims * n).reshape(n_sims, n))
        if spend_model is not None:
            q = spend_sets[j]
            pp, qq, gg = float(q["p"]), float(q["q"]), float(q["gamma"])
            nu = rng.gamma(pp * sx + qq, 1.0 / (gg + sx * sm), (n_sims, n))
            z = rng.gamma(pp, 1.0 / nu.ravel()[group])
            spend.append(
                np.bincount(group, weights=z * weight, minlength=n_sims * n).reshape(n_sims, n)
            )
    out = {"purchases": np.vstack(counts), "discounted_purchases": np.vstack(disc)}
    if spend_model is not None:
        out["discounted_spend"] = np.vstack(spend)
    out["index"] = pd.Index(index)
    return out


def clv_predictive_interval(
    model,
    spend_model: GammaGamma | None,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    margin_rate: float = 1.0,
    data: pd.DataFrame | None = None,
    spend_data: pd.DataFrame | None = None,
    *,
    alpha: float = 0.05,
    n_draws: int = 200,
    n_sims: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """Predictive interval of each customer's discounted CLV over ``horizon`` time units.

    The CLV an individual customer will actually yield, ``margin_rate * sum_j z_j
    exp(-delta u_j)`` over her future purchases (times ``u_j``, spend ``z_j``), simulated by
    :func:`simulate_future` with parameter draws: unlike ``clv_lower``/``clv_upper`` of
    :func:`crmlab.clv.customer_lifetime_value` (parameter uncertainty of the expected value)
    it covers what the customer herself may do, so it is much wider and often starts at 0.

    ``model`` may be a list of models (a tie): their simulated futures are pooled, an
    equal-weight mixture.

    Returns
    -------
    DataFrame
        Per customer: ``clv_simulated_mean`` (close to the expected CLV), ``clv_predictive_lower``,
        ``clv_predictive_upper`` and ``probability_no_purchase`` (share of futures without a
        purchase); ``attrs["covers"]`` says what the interval covers.
    """
    alpha = check_fraction(alpha, "alpha", zero=False, one=False)
    margin_rate = check_fraction(margin_rate, "margin_rate", zero=False)
    delta = discount_rate_per_unit(discount_rate, time_unit)
    group = list(model) if isinstance(model, (list, tuple)) else [model]
    runs = [
        simulate_future(
            m,
            horizon,
            data,
            discount=delta,
            spend_model=spend_model,
            spend_data=spend_data,
            n_draws=n_draws,
            n_sims=n_sims,
            seed=seed + j,
        )
        for j, m in enumerate(group)
    ]  # several models (a tie): an equal-weight mixture of their futures
    key = "discounted_spend" if spend_model is not None else "discounted_purchases"
    sims = {
        "purchases": np.vstack([r["purchases"] for r in runs]),
        "index": runs[0]["index"],
    }
    value = margin_rate * np.vstack([r[key] for r in runs])
    out = pd.DataFrame(
        {
            "clv_simulated_mean": value.mean(axis=0),
            "clv_predictive_lower": np.quantile(value, alpha / 2, axis=0),
            "clv_predictive_upper": np.quantile(value, 1 - alpha / 2, axis=0),
            "probability_no_purchase": (sims["purchases"] == 0).mean(axis=0),
        },
        index=sims["index"],
    )
    out.attrs["alpha"] = alpha
    out.attrs["covers"] = (
        f"{100 * (1 - alpha):g}% predictive interval of the CLV each customer will yield (her "
        "own purchases and spend, and parameter uncertainty), from "
        f"{value.shape[0]:,} simulated futures"
    )
    return out


def interval_coverage(interval: pd.DataFrame, actual) -> dict:
    """Share of outcomes inside their predictive intervals, against the share expected.

    Parameters
    ----------
    interval : DataFrame
        :func:`purchases_predictive_interval` output (``lower``, ``upper``, ``coverage``).
    actual : Series or array
        The outcomes (e.g. ``frequency_holdout``), aligned with ``interval``.

    Returns
    -------
    dict
        ``observed`` (share inside), ``expected`` (mean predictive coverage), ``se`` (binomial
        standard error of the observed share, ``sqrt(sum c (1 - c)) / n``), ``n`` and ``level``
        (the nominal ``1 - alpha``).
    """
    y = np.asarray(pd.Series(actual).reindex(interval.index) if isinstance(actual, pd.Series)
                   else actual, dtype=float)  # fmt: skip
    inside = (y >= interval["lower"].to_numpy()) & (y <= interval["upper"].to_numpy())
    c = interval["coverage"].to_numpy()
    n = len(y)
    return {
        "observed": float(inside.mean()),
        "expected": float(c.mean()),
        "se": float(np.sqrt(np.sum(c * (1 - c))) / n),
        "n": n,
        "level": float(interval.attrs.get("level", np.nan)),
    }


def holdout_predictive_check(
    model,
    summary_with_holdout: pd.DataFrame,
    *,
    alpha: float = 0.05,
    n_draws: int = 200,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict]:
    """Predictive intervals of the holdout purchases and how often the actual counts fall in.

    :func:`purchases_predictive_interval` over each customer's own ``duration_holdout``, and
    :func:`interval_coverage` against ``frequency_holdout``: a calibration check of the model's
    whole count distribution out of sample.

    Returns
    -------
    (DataFrame, dict) or (None, None)
        The intervals (with ``actual``) and the coverage summary (with ``model``, the class
        name); ``(None, None)`` for a model
        without a conditional count distribution here (see :data:`PMF_MODELS`).
    """
    if not has_count_pmf(model):
        return None, None
    durations = summary_with_holdout["duration_holdout"].to_numpy(dtype=float)
    parts = []
    for duration in np.unique(durations):
        rows = summary_with_holdout.loc[durations == duration]
        if duration <= 0:
            part = pd.DataFrame(
                {"expected": 0.0, "lower": 0.0, "upper": 0.0, "coverage": 1.0}, index=rows.index
            )
        else:
            part = purchases_predictive_interval(
                model, float(duration), rows, alpha=alpha, n_draws=n_draws, seed=seed
            )
        parts.append(part)
    out = pd.concat(parts).reindex(summary_with_holdout.index)
    out["actual"] = summary_with_holdout["frequency_holdout"].to_numpy(dtype=float)
    out.attrs["level"] = 1 - alpha
    out.attrs["covers"] = parts[0].attrs.get("covers", "") if parts else ""
    coverage = interval_coverage(out, out["actual"])
    coverage["model"] = type(model).__name__
    return out, coverage
