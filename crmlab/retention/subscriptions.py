"""Survivor tables of contractual cohorts, sBG fits per cohort (Fader & Hardie 2007), their
projections, and the value of a retained customer with and without heterogeneity (Fader &
Hardie 2010).

Every ``discount_rate`` is annual; ``period`` is the calendar period of the cohort data (one
renewal per period: ``"Y"`` for the yearly Fader-Hardie cohorts, ``"M"`` for monthly
subscriptions), from which the per-period rate ``(1 + annual) ** (years per period) - 1`` is
derived (:func:`crmlab.transactions.discount_rate_per_period`). A ``period`` is a calendar
period, not a ``time_unit`` (a length such as 7 days).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_count
from crmlab.errors import DataError
from crmlab.retention.sbg import ShiftedBetaGeometric, _period_codes
from crmlab.transactions import discount_rate_per_period

__all__ = [
    "FADER_HARDIE_FIT_PERIODS",
    "fit_periods_or_default",
    "fit_survivors",
    "observed_retention_rate",
    "retention_value_table",
    "sbg_comparison",
    "sbg_projection_table",
    "sbg_projections",
    "subscription_survivors",
]


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


#: The fit window of Fader & Hardie (2007) on their bundled cohorts: years 0-7 fitted, 8-12 kept
#: to judge the projection.
FADER_HARDIE_FIT_PERIODS = 7


def fit_periods_or_default(
    fit_periods: int, survivors: pd.DataFrame, *, bundled: bool = False
) -> int:
    """The sBG fit window a notebook uses: the one given, else the default for these data.

    Parameters
    ----------
    fit_periods : int
        The notebook parameter: the last period since acquisition used for fitting; 0 for the
        default.
    survivors : DataFrame
        The survivor table (index periods since acquisition 0.., one column per cohort, NaN
        after a cohort's last observed period), as :func:`subscription_survivors`.
    bundled : bool, default False
        Whether ``survivors`` are the bundled Fader-Hardie cohorts: their default is
        :data:`FADER_HARDIE_FIT_PERIODS` (7, as in the paper). Any other data get two thirds of
        the periods observed for their longest-observed cohort, rounded down, so that the rest
        checks the projection.

    Returns
    -------
    int
        The last period fitted (>= 1).

    Raises
    ------
    ParameterError
        ``fit_periods`` is not a whole number >= 0.
    DataError
        The default cannot be derived: the longest-observed cohort has fewer than 3 periods
        after acquisition (two to fit the sBG's two parameters, one to check them). Give
        ``fit_periods`` yourself then.
    """
    fit_periods = check_count(fit_periods, "fit_periods", minimum=0)
    if fit_periods:
        return fit_periods
    if bundled:
        return FADER_HARDIE_FIT_PERIODS
    if not isinstance(survivors, pd.DataFrame) or survivors.empty:
        raise DataError("survivors must be a non-empty DataFrame, one column per cohort.")
    observed = [survivors[c].dropna() for c in survivors.columns]
    last = max((int(a.index.max()) for a in observed if len(a)), default=0)
    if last < 3:
        raise DataError(
            f"the subscription data follow their longest-observed cohort for {last} period(s) "
            "after acquisition; an automatic sBG fit window needs at least 3 (two to fit its "
            "two parameters, one to check the projection). Set fit_periods yourself (e.g. -p "
            f"fit_periods {max(last, 2)}) to fit on what there is, without a check.",
            column="period",
        )
    return max(2, (2 * last) // 3)


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
    if fit_periods is not None:
        fit_periods = check_count(fit_periods, "fit_periods")
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
    period: str = "Y",
) -> pd.DataFrame:
    """One row per fitted cohort: parameters, projection vs actual at the last observed period,
    and discounted lifetimes.

    Parameters
    ----------
    models : dict
        Output of :func:`fit_survivors`.
    survivors : DataFrame
        The survivor table the models were fitted to.
    fit_periods : int, optional
        Last period fitted.
    discount_rate : float, default 0.1
        Annual discount rate of DEL and DERL.
    period : {"Y", "Q", "M", "W", "D"}, default "Y"
        Calendar period of the cohort data; the per-period rate is derived from it.

    Returns
    -------
    DataFrame
        Index ``cohort``; columns ``alpha``, ``beta``, ``se_alpha``, ``se_beta``,
        ``log_likelihood``, ``fit_periods`` (last period fitted), ``last_period`` (last observed),
        ``projected`` and ``actual`` (survivors there), ``error_pct``
        (``100 * (projected / actual - 1)``), ``retention_next`` (``r(t)`` of the first period
        after the last observed), ``del`` (DEL of a new customer) and ``derl`` (DERL of a customer
        who has made ``last_period`` renewals, i.e. is still active in the last observed period),
        both at the per-period rate of the annual ``discount_rate`` (Fader & Hardie 2010).
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
                "del": model.dexl(discount_rate, period),
                "derl": float(model.derl(discount_rate, last, period)),
            }
        )
    return pd.DataFrame(rows).set_index("cohort")


def _observed(survivors: pd.DataFrame, name: Any) -> pd.Series:
    if name not in survivors.columns:
        raise DataError(
            f"survivors have no column {name!r}; present: {list(survivors.columns)}.",
            column=str(name),
        )
    return survivors[name].dropna()


def sbg_projection_table(
    model: ShiftedBetaGeometric,
    survivors: pd.DataFrame | pd.Series,
    extra_periods: int = 0,
    discount_rate: float | None = None,
    period: str = "Y",
    alpha: float | None = None,
) -> pd.DataFrame:
    """A fitted sBG's projection beside the observed survivors, with DERL by tenure.

    Parameters
    ----------
    model : ShiftedBetaGeometric
        A fitted model.
    survivors : Series or DataFrame
        The cohort's observed survivors by period (a one-column frame, or a Series).
    extra_periods : int, default 0
        Periods projected after the last observed one.
    discount_rate : float, optional
        Annual discount rate: adds ``derl``, the DERL of a customer who has made ``period``
        renewals (is still active in that period).
    period : {"Y", "Q", "M", "W", "D"}, default "Y"
        Calendar period of the cohort data.
    alpha : float, optional
        Significance level of the projection interval (the model's by default).

    Returns
    -------
    DataFrame
        The columns of :meth:`ShiftedBetaGeometric.project` (``survival``, ``retention_rate``,
        ``expected``, ``lower``, ``upper``; the cohort size is the observed one) plus ``actual``
        (observed survivors, NaN after the data), ``observed_retention``
        (``actual[t] / actual[t - 1]``) and, with a discount rate, ``derl``.
    """
    alive = survivors.iloc[:, 0] if isinstance(survivors, pd.DataFrame) else survivors
    alive = pd.Series(alive, dtype=float).dropna()
    if alive.empty:
        raise DataError("survivors are empty: give the cohort's survivors by period.")
    extra_periods = check_count(extra_periods, "extra_periods", minimum=0)
    last = int(alive.index.max()) + int(extra_periods)
    out = model.project(last, cohort_size=float(alive.iloc[0]), alpha=alpha)
    out["actual"] = alive.reindex(out.index)
    out["observed_retention"] = out["actual"] / out["actual"].shift(1)
    if discount_rate is not None:
        out["derl"] = model.derl(discount_rate, out.index.to_numpy(), period)
    out.attrs["period"] = period
    return out


def sbg_projections(
    models: dict[Any, ShiftedBetaGeometric],
    survivors: pd.DataFrame,
    extra_periods: int = 0,
    discount_rate: float | None = None,
    period: str = "Y",
) -> dict[Any, pd.DataFrame]:
    """:func:`sbg_projection_table` of every fitted cohort (cohort name -> table), for
    :func:`crmlab.plots.plot_sbg_projections`."""
    return {
        name: sbg_projection_table(
            model, _observed(survivors, name), extra_periods, discount_rate, period
        )
        for name, model in models.items()
    }


def observed_retention_rate(alive: pd.Series, fit_periods: int | None = None) -> float:
    """The constant retention rate a cohort's survivors imply, pooled over periods:
    ``sum_t alive[t] / sum_t alive[t - 1]`` for ``t = 1..fit_periods`` (the maximum-likelihood
    estimate of a geometric model with one retention rate for everybody)."""
    values = pd.Series(alive, dtype=float).dropna()
    if fit_periods is not None:
        values = values.loc[values.index <= int(fit_periods)]
    if len(values) < 2 or float(values.iloc[:-1].sum()) <= 0:
        raise DataError("alive needs the survivors of at least two periods.")
    return float(values.iloc[1:].sum() / values.iloc[:-1].sum())


def retention_value_table(
    models: dict[Any, ShiftedBetaGeometric],
    survivors: pd.DataFrame,
    fit_periods: int | None = None,
    discount_rate: float = 0.1,
    period: str = "Y",
) -> pd.DataFrame:
    """Value of a new customer (in periods of margin) and its retention elasticity, with one
    constant retention rate and with the sBG's heterogeneity (Fader & Hardie 2010).

    With one retention rate ``r`` for everybody and margin paid at the start of each period,
    the value of a new customer is the retention-based CLV (Gupta & Lehmann 2005)

    .. math:: CLV = m \\sum_{t \\ge 0} \\frac{r^t}{(1+d)^t} = m\\, \\frac{1+d}{1+d-r},
        \\qquad \\eta = \\frac{\\partial \\log CLV}{\\partial \\log r} = \\frac{r}{1+d-r};

    the sBG's counterparts are DEL and its elasticity
    (:meth:`ShiftedBetaGeometric.retention_elasticity`). Ignoring heterogeneity understates
    both, since retention rises with tenure.

    Parameters
    ----------
    models : dict
        Output of :func:`fit_survivors`.
    survivors : DataFrame
        The survivor table (one column per cohort).
    fit_periods : int, optional
        Periods pooled for the constant retention rate (those the models were fitted on).
    discount_rate : float, default 0.1
        Annual discount rate.
    period : {"Y", "Q", "M", "W", "D"}, default "Y"
        Calendar period of the cohort data; ``d`` is the per-period rate of the annual one.

    Returns
    -------
    DataFrame
        Index ``cohort``; columns ``retention_rate`` (:func:`observed_retention_rate`),
        ``discount_per_period`` (``d``), ``clv_constant`` (``(1 + d) / (1 + d - r)``, periods
        of margin), ``del_sbg`` (DEL), ``difference_pct`` (``100 * (clv_constant / del_sbg -
        1)``), ``elasticity_constant`` (``r / (1 + d - r)``) and ``elasticity_sbg``.
    """
    d = discount_rate_per_period(discount_rate, period)
    rows = []
    for name, model in models.items():
        r = observed_retention_rate(_observed(survivors, name), fit_periods)
        clv = (1 + d) / (1 + d - r)
        dexl = model.dexl(discount_rate, period)
        rows.append(
            {
                "cohort": name,
                "retention_rate": r,
                "discount_per_period": d,
                "clv_constant": clv,
                "del_sbg": dexl,
                "difference_pct": 100 * (clv / dexl - 1),
                "elasticity_constant": r / (1 + d - r),
                "elasticity_sbg": model.retention_elasticity(discount_rate, None, period),
            }
        )
    return pd.DataFrame(rows).set_index("cohort")
