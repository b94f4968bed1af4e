"""Survivor tables of contractual cohorts and sBG fits per cohort (Fader & Hardie 2007)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError
from crmlab.retention.sbg import ShiftedBetaGeometric, _period_codes

__all__ = ["fit_survivors", "sbg_comparison", "subscription_survivors"]


def subscription_survivors(
    subscriptions: pd.DataFrame,
    start: str = "start",
    end: str = "end",
    observation_end: Any = None,
) -> pd.DataFrame:
    """Survivors of each acquisition cohort by periods since acquisition.

    Parameters
    ----------
    subscriptions : DataFrame
        One row per customer: ``start`` (acquisition period) and ``end`` (first period without
        the subscription, NaN while active), integers or pandas Periods, as in
        :meth:`ShiftedBetaGeometric.fit_cohorts`.
    start, end : str
        Column names.
    observation_end : int or Period, optional
        Last period observed. Default: the largest period in ``start`` and ``end``.

    Returns
    -------
    DataFrame
        Index ``period`` (periods since acquisition, 0..); one column per cohort (its ``start``
        value, as text for Periods); values: customers still active at the start of the period
        (column value at 0 is the cohort size), NaN after the cohort's last observed period. The
        same shape as :func:`crmlab.datasets.load_fader_hardie_cohorts`.
    """
    for col in (start, end):
        if col not in subscriptions.columns:
            raise DataError(
                f"subscriptions lack the column '{col}'; present: {list(subscriptions.columns)}.",
                column=col,
            )
    s = _period_codes(subscriptions[start], start)
    e = _period_codes(subscriptions[end], end)
    if np.isnan(s).any():
        rows = list(subscriptions.index[np.isnan(s)][:5])
        raise DataError(
            f"column '{start}' has missing values at rows {rows}.", column=start, rows=rows
        )
    if observation_end is None:
        last = float(np.nanmax(np.concatenate([s, e])))
    elif isinstance(observation_end, pd.Period):
        last = float(observation_end.ordinal)
    else:
        last = float(observation_end)
    lifetime = np.where(np.isfinite(e), e - s, np.inf)
    cohorts = np.unique(s)
    horizon = int(last - cohorts.min())
    periods = np.arange(horizon + 1)
    alive = (lifetime[:, None] > periods[None, :]).astype(float)
    table = pd.DataFrame(alive).groupby(s).sum()
    observable = (cohorts[:, None] + periods[None, :]) <= last
    values = np.where(observable, table.to_numpy(), np.nan).T
    if isinstance(subscriptions[start].dtype, pd.PeriodDtype):
        freq = subscriptions[start].dtype.freq
        names = [str(pd.Period(ordinal=int(c), freq=freq)) for c in cohorts]
    else:
        names = [int(c) for c in cohorts]
    return pd.DataFrame(values, index=pd.Index(periods, name="period"), columns=names)


def fit_survivors(
    survivors: pd.DataFrame, fit_periods: int | None = None, penalizer: float = 0.0
) -> dict[Any, ShiftedBetaGeometric]:
    """Fit one sBG model per column of a survivor table, on periods ``0..fit_periods``.

    Parameters
    ----------
    survivors : DataFrame
        Index period (0..), one column per cohort or segment: customers active at the start of
        each period (as :func:`crmlab.datasets.load_fader_hardie_cohorts` or
        :func:`subscription_survivors`). Trailing NaN (unobserved periods) are dropped.
    fit_periods : int, optional
        Last period used for fitting (Fader & Hardie 2007 fit years 0-7 and keep 8-12 to judge
        the projection). Default: all observed periods.
    penalizer : float, default 0.0

    Returns
    -------
    dict
        Column name -> fitted :class:`ShiftedBetaGeometric`.
    """
    if not isinstance(survivors, pd.DataFrame) or survivors.empty:
        raise DataError("survivors must be a non-empty DataFrame, one column per cohort.")
    if fit_periods is not None and int(fit_periods) < 1:
        raise ParameterError(
            f"fit_periods must be at least 1, got {fit_periods!r}.", parameter="fit_periods"
        )
    models = {}
    for name in survivors.columns:
        alive = survivors[name].dropna()
        if fit_periods is not None:
            alive = alive.loc[alive.index <= int(fit_periods)]
        models[name] = ShiftedBetaGeometric(penalizer=penalizer).fit(alive)
    return models


def sbg_comparison(
    models: dict[Any, ShiftedBetaGeometric],
    survivors: pd.DataFrame,
    fit_periods: int | None = None,
    discount_rate: float = 0.1,
) -> pd.DataFrame:
    """One row per fitted cohort: parameters, projection vs actual at the last observed period,
    and discounted lifetimes.

    Returns
    -------
    DataFrame
        Index ``cohort``; columns ``alpha``, ``beta``, ``se_alpha``, ``se_beta``,
        ``log_likelihood``, ``fit_periods`` (last period fitted), ``last_period`` (last observed),
        ``projected`` and ``actual`` (survivors there), ``error_pct``
        (``100 * (projected / actual - 1)``), ``retention_next`` (``r(t)`` of the first period
        after the last observed), ``del`` (DEL of a new customer) and ``derl`` (DERL of a customer
        who has made ``last_period`` renewals, i.e. is still active in the last observed period),
        both at ``discount_rate`` (Fader & Hardie 2010).
    """
    rows = []
    for name, model in models.items():
        alive = survivors[name].dropna()
        last = int(alive.index.max())
        fitted_to = min(last, int(fit_periods)) if fit_periods is not None else last
        projected = float(alive.iloc[0]) * float(model.survival(last))
        rows.append(
            {
                "cohort": name,
                "alpha": float(model.params_["alpha"]),
                "beta": float(model.params_["beta"]),
                "se_alpha": float(model.standard_errors_["alpha"]),
                "se_beta": float(model.standard_errors_["beta"]),
                "log_likelihood": model.log_likelihood_,
                "fit_periods": fitted_to,
                "last_period": last,
                "projected": projected,
                "actual": float(alive.iloc[-1]),
                "error_pct": 100 * (projected / float(alive.iloc[-1]) - 1),
                "retention_next": float(model.retention_rate(last + 1)),
                "del": model.dexl(discount_rate),
                "derl": float(model.derl(discount_rate, last)),
            }
        )
    return pd.DataFrame(rows).set_index("cohort")
