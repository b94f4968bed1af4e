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
  unit, at most 2,000 steps). BG/NBD and MBG/NBD form it on the distinct (frequency, T) pairs
  (their 2F1 factor does not depend on recency) times each customer's P(alive); Pareto/NBD
  computes P(alive) once per distinct row; NBD in closed form.
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

from crmlab._deprecation import resolve_alpha
from crmlab.checks import check_count
from crmlab.clv.base import BaseModel
from crmlab.clv.bgbb import BGBB
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.errors import ParameterError
from crmlab.estimation import check_seed
from crmlab.transactions import TIME_UNITS, discount_rate_per_unit

__all__ = [
    "YEARS_PER_UNIT",
    "customer_lifetime_value",
    "discount_rate_per_unit",
    "new_customer_value",
]

#: Length of one time unit in years (a year is 365.25 days), from crmlab.transactions.TIME_UNITS.
YEARS_PER_UNIT = {code: unit.years for code, unit in TIME_UNITS.items()}


def _number(value, name: str, what: str) -> float:
    """``value`` as a finite float, or ParameterError naming ``name`` and the range ``what``."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not ok or not np.isfinite(value):
        raise ParameterError(
            f"{name} must be a finite number {what}, got {value!r}.", parameter=name
        )
    return float(value)


def _check_value_options(horizon, discount_rate, margin_rate, step, n_draws, seed):
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


def _check_model_unit(model, time_unit: str) -> None:
    """ParameterError when ``time_unit`` is not the unit the model was fitted in."""
    fitted = getattr(model, "time_unit_", None)
    if fitted is not None and time_unit != fitted:
        raise ParameterError(
            f"time_unit={time_unit!r} but {type(model).__name__} was fitted on a summary in "
            f"{fitted!r}: the discount rate per unit and the horizon would be in the wrong unit."
            f" Pass time_unit={fitted!r}.",
            parameter="time_unit",
        )


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
    alpha: float = 0.05,
    seed: int = 0,
    interval: float | None = None,
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
    alpha : float, default 0.05
        Significance level: the intervals cover ``1 - alpha`` of the parameter draws (parameter
        uncertainty of the expected value, not a predictive interval for the outcome).
    seed : int, default 0
        Seed of the draws (None: fresh, unreproducible entropy).
    interval : float, optional
        Deprecated: the central probability (``interval=0.9`` is ``alpha=0.1``).

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
    _check_value_options(horizon, discount_rate, margin_rate, step, n_draws, seed)
    alpha = resolve_alpha(alpha, interval, "customer_lifetime_value", keyword="interval")
    delta = discount_rate_per_unit(discount_rate, time_unit)
    transaction_model._check_fitted()
    _check_model_unit(transaction_model, time_unit)
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
        lo, hi = alpha / 2, 1 - alpha / 2
        out["clv_lower"] = np.quantile(clv_d, lo, axis=0)
        out["clv_upper"] = np.quantile(clv_d, hi, axis=0)
        totals = clv_d.sum(axis=1)
        out.attrs["total_clv"] = {
            "estimate": float(out["clv"].sum()),
            "lower": float(np.quantile(totals, lo)),
            "upper": float(np.quantile(totals, hi)),
        }
    return out


def new_customer_value(
    transaction_model: BaseModel,
    spend_model: BaseModel | None,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    margin_rate: float = 1.0,
    *,
    step: float = 1.0,
    covariates=None,
) -> pd.Series:
    """Expected purchases, spend and discounted CLV of a customer acquired today.

    The counterpart of CLVTools' ``newcustomer()`` and ``newcustomer.spending()``: a customer
    without history, who made her first purchase at time 0. ``DERT = sum_k exp(-delta t_k*)
    (E[X(t_k)] - E[X(t_{k-1})])`` over steps of ``step`` with ``E[X(t)]`` the model's
    :meth:`expected_purchases_new_customer` (repeat purchases, the first one not included);
    the spend per transaction is the spend model's population mean ``p gamma / (q - 1)``.

    Parameters
    ----------
    transaction_model : BGNBD, MBGNBD, ParetoNBD, BGCNBD or MBGCNBD, fitted
    spend_model : GammaGamma (or GammaGammaIndividual), fitted, or None (each transaction 1)
    horizon, discount_rate, time_unit, margin_rate, step
        As in :func:`customer_lifetime_value` (finite horizon).
    covariates : mapping or one-row DataFrame, optional
        The new customer's covariates, required by a model with static covariates (a
        ParameterError names the missing ones).

    Returns
    -------
    Series
        ``expected_purchases`` (undiscounted, over the horizon), ``dert``, ``expected_spend``
        and ``clv`` (``margin_rate * expected_spend * dert``).
    """
    _check_value_options(horizon, discount_rate, margin_rate, step, 0, None)
    if not np.isfinite(horizon):
        raise ParameterError(
            "new_customer_value needs a finite horizon (in the model's time unit).",
            parameter="horizon",
        )
    if not hasattr(transaction_model, "expected_purchases_new_customer"):
        raise ParameterError(
            f"{type(transaction_model).__name__} has no new-customer expectation; use a "
            "continuous-time model (BGNBD, MBGNBD, ParetoNBD, BGCNBD, MBGCNBD).",
            parameter="transaction_model",
        )
    delta = discount_rate_per_unit(discount_rate, time_unit)
    _check_model_unit(transaction_model, time_unit)
    n_steps = int(min(max(np.ceil(horizon / step), 1), 2000))
    grid = np.linspace(0.0, horizon, n_steps + 1)
    extra = {} if covariates is None else {"covariates": covariates}
    expected = np.asarray(
        transaction_model.expected_purchases_new_customer(grid, **extra), dtype=float
    )
    mid = 0.5 * (grid[1:] + grid[:-1])
    dert = float(np.sum(np.exp(-delta * mid) * np.diff(expected)))
    spend = 1.0 if spend_model is None else float(spend_model.population_mean_spend())
    return pd.Series(
        {
            "expected_purchases": float(expected[-1]),
            "dert": dert,
            "expected_spend": spend,
            "clv": margin_rate * spend * dert,
        },
        name="new_customer",
    )
