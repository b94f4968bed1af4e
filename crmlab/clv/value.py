"""Discounted customer lifetime value from a transaction model and a spend model.

``CLV_i = margin_rate * E[spend per transaction]_i * DERT_i`` where DERT (discounted expected
residual transactions) is ``int_0^H exp(-delta t) dE[Y_i(t)]`` (Fader, Hardie and Lee 2005, JMR,
eq. 1-2), ``delta`` being the continuously compounded discount rate per model time unit:
``delta = log(1 + annual_rate) * (length of one time unit in years)``, with D = 1/365.25,
W = 7/365.25, M = 1/12, Q = 1/4, Y = 1 year. Nothing assumes "30 days = 1 month".

How DERT is computed
--------------------
- Pareto/NBD with ``horizon=np.inf``: the closed form of FHL (2005, JMR, eq. 2).
- Continuous-time models otherwise: an exact sum over steps of the increments of the
  conditional expected purchases, ``sum_k exp(-delta t_k*) (E[Y(t_k)] - E[Y(t_{k-1})])`` with
  ``t_k*`` the middle of step k (midpoint rule, error O(step^2); the default step is one time
  unit, at most 2,000 steps).
- BG/BB (discrete periods): ``sum_k exp(-delta k) E[X(n+k-1, n+k)]`` (transactions of period k
  discounted at the period's end).

Intervals: a parametric bootstrap. Parameters are drawn from the asymptotic normal distribution
of each model's log parameters (``model.draw_params``); the predictions of BG/NBD, MBG/NBD, BG/BB
and Gamma-Gamma are evaluated for all draws at once (arrays of draws x customers); Pareto/NBD
evaluates one draw at a time (its likelihood branches on alpha >= beta).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab.checks import check_count
from crmlab.clv.base import BaseModel
from crmlab.clv.bgbb import BGBB
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.errors import ParameterError
from crmlab.estimation import check_seed
from crmlab.transactions import TIME_UNITS

__all__ = ["YEARS_PER_UNIT", "customer_lifetime_value", "discount_rate_per_unit"]

#: Length of one time unit in years (a year is 365.25 days), from crmlab.transactions.TIME_UNITS.
YEARS_PER_UNIT = {code: unit.years for code, unit in TIME_UNITS.items()}


def discount_rate_per_unit(annual_rate: float, time_unit: str) -> float:
    """Continuously compounded discount rate per time unit equivalent to ``annual_rate``.

    ``delta = log(1 + annual_rate) * years_per_unit``, so that discounting one year of time
    units gives exactly ``1 / (1 + annual_rate)``.
    """
    if time_unit not in YEARS_PER_UNIT:
        raise ParameterError(
            f"time_unit must be one of {sorted(YEARS_PER_UNIT)}, got {time_unit!r}.",
            parameter="time_unit",
        )
    if not annual_rate > -1:
        raise ParameterError(
            f"discount_rate must be > -1 (annual, e.g. 0.1 for 10%), got {annual_rate!r}.",
            parameter="discount_rate",
        )
    return float(np.log1p(annual_rate) * YEARS_PER_UNIT[time_unit])


def _number(value, name: str, what: str) -> float:
    """``value`` as a finite float, or ParameterError naming ``name`` and the range ``what``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value):
        raise ParameterError(
            f"{name} must be a finite number {what}, got {value!r}.", parameter=name
        )
    return float(value)


def _check_value_options(horizon, discount_rate, margin_rate, step, n_draws, interval, seed):
    """Range checks of every option of :func:`customer_lifetime_value`, before any work."""
    ok = isinstance(horizon, (int, float, np.integer, np.floating)) and not isinstance(
        horizon, bool
    )
    if not ok or not horizon > 0:
        raise ParameterError(
            f"horizon must be > 0 time units (np.inf for the Pareto/NBD closed form), got "
            f"{horizon!r}.",
            parameter="horizon",
        )
    rate = _number(discount_rate, "discount_rate", ">= 0 (annual, e.g. 0.1 for 10%)")
    if rate < 0:
        raise ParameterError(
            f"discount_rate must be >= 0 (annual, e.g. 0.1 for 10%), got {discount_rate!r}.",
            parameter="discount_rate",
        )
    margin = _number(margin_rate, "margin_rate", "in (0, 1] (share of spend that is margin)")
    if not 0 < margin <= 1:
        raise ParameterError(
            f"margin_rate is the share of spend that is margin and must be in (0, 1] (0.3 for "
            f"30%), got {margin_rate!r}.",
            parameter="margin_rate",
        )
    if not _number(step, "step", "> 0 (time units)") > 0:
        raise ParameterError(f"step must be > 0 time units, got {step!r}.", parameter="step")
    check_count(n_draws, "n_draws", minimum=0)
    ok = isinstance(interval, (int, float, np.integer, np.floating)) and not isinstance(
        interval, bool
    )
    if not ok or not 0 < interval < 1:
        raise ParameterError(
            f"interval must be in (0, 1) (0.9 for 90% intervals), got {interval!r}.",
            parameter="interval",
        )
    check_seed(seed)


def _dert_sum(model, summary, horizon, delta, step, params):
    """Discounted expected purchases by summing discounted increments over steps."""
    n_steps = int(min(max(np.ceil(horizon / step), 1), 2000))
    grid = np.linspace(0.0, horizon, n_steps + 1)
    fast = getattr(model, "_discounted_increments", None)
    if fast is not None:  # models whose time dependence factors out of the expensive part
        x, tx, T, _ = model._customers(summary)
        return fast(model._param_arrays(params), grid, delta, x, tx, T)
    total = 0.0
    previous = 0.0
    for k in range(1, n_steps + 1):
        current = np.asarray(model.conditional_expected_purchases(grid[k], summary, params=params))
        total = total + np.exp(-delta * 0.5 * (grid[k - 1] + grid[k])) * (current - previous)
        previous = current
    return total, previous


def _dert_bgbb(model, summary, horizon, delta, params):
    periods = int(round(horizon))
    total = 0.0
    previous = 0.0
    for k in range(1, periods + 1):
        current = np.asarray(model.conditional_expected_purchases(k, summary, params=params))
        total = total + np.exp(-delta * k) * (current - previous)
        previous = current
    return total, previous


def _dert(model, summary, horizon, delta, step, params=None):
    if isinstance(model, BGBB):
        return _dert_bgbb(model, summary, horizon, delta, params)
    if np.isinf(horizon):
        if not isinstance(model, ParetoNBD):
            raise ParameterError(
                "horizon=inf needs a closed-form DERT (ParetoNBD); give a finite horizon for "
                f"{type(model).__name__}.",
                parameter="horizon",
            )
        if params is None:
            value = model.discounted_expected_residual_transactions(delta, summary).to_numpy()
            return value, np.full(len(value), np.nan)
        rows = [
            model.discounted_expected_residual_transactions(delta, summary, params=row).to_numpy()
            for _, row in params.iterrows()
        ]
        return np.vstack(rows), None
    return _dert_sum(model, summary, horizon, delta, step, params)


def customer_lifetime_value(
    transaction_model: BaseModel,
    spend_model: BaseModel | None,
    summary: pd.DataFrame | None,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    margin_rate: float = 1.0,
    *,
    step: float = 1.0,
    n_draws: int = 0,
    interval: float = 0.9,
    seed: int | None = None,
) -> pd.DataFrame:
    """Discounted CLV per customer over ``horizon`` time units.

    Parameters
    ----------
    transaction_model : BGNBD, MBGNBD, ParetoNBD or BGBB, fitted
        Gives the conditional expected purchases (periods for BG/BB).
    spend_model : GammaGamma, fitted, or None
        Gives the expected spend per transaction; None values each transaction at 1 (the CLV
        is then in transactions).
    summary : DataFrame or None
        Customers to value (columns of both models); None means the transaction model's fitted
        customers (the spend model must then have been fitted on the same table).
    horizon : float
        Length of the future in ``time_unit`` (periods for BG/BB); ``np.inf`` for the closed-form
        DERT of Pareto/NBD (Fader, Hardie and Lee 2005, JMR, eq. 2).
    discount_rate : float
        Annual discount rate (0.1 = 10 % a year), finite and >= 0.
    time_unit : {"D", "W", "M", "Q", "Y"}
        Time unit of the summary the models were fitted on (the period length for BG/BB).
    margin_rate : float, default 1.0
        Share of spend that is margin, in (0, 1].
    step : float, default 1.0
        Step (time units) of the discounted sum for continuous-time models.
    n_draws : int, default 0
        Parameter draws for intervals (parametric bootstrap from the asymptotic normal of each
        model's log parameters, spend and transaction models drawn independently); 0 for none,
        else a whole number >= 1.
    interval : float, default 0.9
        Central probability of the intervals.
    seed : int or None
        Seed of the draws.

    Returns
    -------
    DataFrame
        Indexed by customer:

        - ``expected_purchases``: expected (undiscounted) transactions over the horizon
          (NaN for an infinite horizon);
        - ``dert``: discounted expected transactions over the horizon;
        - ``expected_spend``: expected spend per transaction;
        - ``clv``: ``margin_rate * expected_spend * dert``;
        - with ``n_draws``: ``clv_lower``, ``clv_upper`` (per-customer interval). The total's
          point value and interval are in ``result.attrs["total_clv"]`` (dict with keys
          ``estimate``, ``lower``, ``upper``).
    """
    _check_value_options(horizon, discount_rate, margin_rate, step, n_draws, interval, seed)
    delta = discount_rate_per_unit(discount_rate, time_unit)
    transaction_model._check_fitted()
    dert, purchases = _dert(transaction_model, summary, horizon, delta, step)
    index = transaction_model._fitted_index if summary is None else summary.index
    if spend_model is None:
        spend = np.ones(len(index))
    else:
        spend = spend_model.expected_average_spend(summary).to_numpy()
    out = pd.DataFrame(
        {
            "expected_purchases": purchases,
            "dert": dert,
            "expected_spend": spend,
            "clv": margin_rate * spend * dert,
        },
        index=index,
    )
    if n_draws:
        draws_t = transaction_model.draw_params(n_draws, seed)
        dert_d, _ = _dert(transaction_model, summary, horizon, delta, step, params=draws_t)
        if spend_model is None:
            spend_d = np.ones_like(dert_d)
        else:
            seed_s = None if seed is None else seed + 1
            spend_d = spend_model.expected_average_spend(
                summary, params=spend_model.draw_params(n_draws, seed_s)
            )
        clv_d = margin_rate * spend_d * dert_d
        lo, hi = (1 - interval) / 2, (1 + interval) / 2
        out["clv_lower"] = np.quantile(clv_d, lo, axis=0)
        out["clv_upper"] = np.quantile(clv_d, hi, axis=0)
        totals = clv_d.sum(axis=1)
        out.attrs["total_clv"] = {
            "estimate": float(out["clv"].sum()),
            "lower": float(np.quantile(totals, lo)),
            "upper": float(np.quantile(totals, hi)),
        }
    return out
