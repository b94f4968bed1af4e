"""Customer covariates derived from bundled transactions (for the covariate models)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from crmlab.datasets.bundled import load_cdnow
from crmlab.errors import ParameterError

__all__ = ["calendar_covariates", "cdnow_first_purchase_covariates", "cdnow_spring_covariates"]


def cdnow_first_purchase_covariates(transactions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Covariates of each CDNOW customer's first purchase day.

    The covariates of the reference numbers of the static-covariate models (computed with
    CLVTools 0.12.1 on the bundled sample): ``log_first_spend = log(1 + total amount on the
    first purchase day)`` and ``multi_cd = 1`` when more than one CD was bought that day, else 0.

    Parameters
    ----------
    transactions : DataFrame, optional
        CDNOW transactions (``customer_id``, ``date``, ``amount``, ``quantity``);
        default :func:`crmlab.datasets.load_cdnow`.

    Returns
    -------
    DataFrame
        Indexed by ``customer_id``; columns ``log_first_spend`` (float) and ``multi_cd``
        (0.0 or 1.0).

    Examples
    --------
    >>> from crmlab.datasets import cdnow_first_purchase_covariates
    >>> cdnow_first_purchase_covariates().columns.tolist()
    ['log_first_spend', 'multi_cd']
    """
    tx = load_cdnow() if transactions is None else transactions
    day = tx["date"].dt.normalize()
    first = day.groupby(tx["customer_id"]).transform("min")
    on_first = tx[day == first]
    grouped = on_first.groupby("customer_id")
    out = pd.DataFrame(
        {
            "log_first_spend": np.log1p(grouped["amount"].sum()),
            "multi_cd": (grouped["quantity"].sum() > 1).astype(float),
        }
    )
    out.index.name = "customer_id"
    return out


_PERIOD_DAYS = {"D": 1, "W": 7}


def calendar_covariates(
    customer_ids: Iterable,
    start,
    end,
    rules: dict[str, Callable[[pd.DatetimeIndex], Iterable]],
    time_unit: str = "W",
) -> pd.DataFrame:
    """A covariate table per customer and period from calendar rules (time-varying covariates).

    Every customer gets the same periods, of one ``time_unit`` each, from ``start`` while the
    period starts on or before ``end``; each rule maps the period starts to the covariate's
    values (e.g. ``{"spring": lambda s: s.month.isin([4, 5, 6])}``). The table is the
    ``covariates`` argument of :class:`crmlab.clv.ParetoNBDDynamic`.

    Parameters
    ----------
    customer_ids : iterable
        The customers.
    start, end : date-like
        First period's first day, and the last day a period may start on.
    rules : dict of str to callable
        Covariate name to a function of a DatetimeIndex (the period starts) returning one
        number (or bool) per period.
    time_unit : {"W", "D"}, default "W"

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``period_start`` and one float column per rule; one row per
        customer and period, sorted.

    Examples
    --------
    >>> cov = calendar_covariates([1, 2], "1996-12-29", "1997-01-12",
    ...                           {"january": lambda s: s.month == 1})
    >>> cov["january"].tolist()
    [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]
    """
    if time_unit not in _PERIOD_DAYS:
        raise ParameterError(
            f"time_unit must be 'W' or 'D', got {time_unit!r}.", parameter="time_unit"
        )
    if not isinstance(rules, dict) or not rules:
        raise ParameterError(
            "rules must be a dict of covariate name to a function of the period starts, e.g. "
            "{'spring': lambda s: s.month.isin([4, 5, 6])}.",
            parameter="rules",
        )
    starts = pd.date_range(
        pd.Timestamp(start), pd.Timestamp(end), freq=f"{_PERIOD_DAYS[time_unit]}D"
    )
    ids = pd.Index(list(customer_ids))
    columns = {}
    for name, rule in rules.items():
        values = np.asarray(rule(starts), dtype=float)
        if values.shape != (len(starts),):
            raise ParameterError(
                f"rule {name!r} must return one value per period start ({len(starts)}), got "
                f"shape {values.shape}.",
                parameter="rules",
            )
        columns[name] = np.tile(values, len(ids))
    return pd.DataFrame(
        {
            "customer_id": np.repeat(ids.to_numpy(), len(starts)),
            "period_start": np.tile(starts.to_numpy(), len(ids)),
            **columns,
        }
    )


def cdnow_spring_covariates(transactions: pd.DataFrame | None = None, end="1998-06-30"):
    """The ``spring`` covariate of the time-varying reference (issue 15), per customer and week.

    ``spring = 1`` for the weeks (Sunday to Saturday, from 1996-12-29) starting in April, May
    or June, else 0, for every CDNOW customer, up to the week starting on or before ``end``
    (default the end of the data, 1998-06-30).

    Returns
    -------
    DataFrame
        ``customer_id``, ``period_start``, ``spring`` (see :func:`calendar_covariates`).
    """
    tx = load_cdnow() if transactions is None else transactions
    return calendar_covariates(
        np.sort(tx["customer_id"].unique()),
        "1996-12-29",
        end,
        {"spring": lambda s: s.month.isin([4, 5, 6])},
    )
