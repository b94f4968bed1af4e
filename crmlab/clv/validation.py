"""Holdout validation and diagnostics tables of the buy-till-you-die models.

The checks follow Fader, Hardie and Lee (2005, Marketing Science, section 4): fit on the
calibration window, then compare with the holdout window customer by customer (conditional
expectations by calibration frequency, Figure 4), in aggregate, and over time (cumulative
repeat transactions of the cohort, Figure 2), plus the fit of the calibration repeat-frequency
histogram (Figure 1).

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.clv.base import TransactionModel, check_columns
from crmlab.errors import DataError, ParameterError
from crmlab.transactions import months_between

__all__ = [
    "compare_models",
    "frequency_recency_band",
    "frequency_recency_matrix",
    "holdout_by_frequency",
    "probability_alive_path",
    "repeat_frequency_distribution",
    "tracking_data",
]

_HOLDOUT = ("frequency_holdout", "duration_holdout")


def conditional_over_durations(
    model: TransactionModel, summary: pd.DataFrame, params=None
) -> pd.Series | np.ndarray:
    """Conditional expected purchases of each customer over her own holdout duration.

    With ``params`` (draws) an array (n_draws, n_customers).
    """
    durations = summary["duration_holdout"].to_numpy(dtype=float)
    if params is not None:
        out = np.zeros((len(params), len(summary)))
        for duration in np.unique(durations):
            cols = np.flatnonzero(durations == duration)
            part = summary.iloc[cols]
            out[:, cols] = np.asarray(
                model.conditional_expected_purchases(float(duration), part, params=params)
            )
        return out
    out = pd.Series(0.0, index=summary.index)
    for duration in np.unique(durations):
        rows = summary.index[durations == duration]
        part = summary.loc[rows]
        out.loc[rows] = model.conditional_expected_purchases(float(duration), part).to_numpy()
    return out


def _band(draws: np.ndarray, interval: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``interval`` of ``draws`` over the first axis."""
    lo, hi = (1 - interval) / 2, (1 + interval) / 2
    return np.quantile(draws, lo, axis=0), np.quantile(draws, hi, axis=0)


def _check_band(n_draws, interval, seed) -> None:
    from crmlab.checks import check_count
    from crmlab.estimation import check_seed

    if n_draws:
        check_count(n_draws, "n_draws")
    ok = isinstance(interval, (int, float)) and not isinstance(interval, bool)
    if not ok or not 0 < interval < 1:
        raise ParameterError(
            f"interval must be in (0, 1) (0.9 for 90% bands), got {interval!r}.",
            parameter="interval",
        )
    check_seed(seed)


def _supports_tracking(model) -> bool:
    """Whether ``model`` gives the new-customer expectation the tracking curve needs."""
    try:
        model.expected_purchases_new_customer(np.array([1.0]))
    except (ParameterError, NotImplementedError):
        return False
    return True


def _model_name(model) -> str:
    return type(model).__name__


def _fitted(model, summary: pd.DataFrame):
    if isinstance(model, type):
        model = model()
    if not hasattr(model, "params_"):
        model.fit(summary)
    return model


def tracking_data(
    transactions: pd.DataFrame,
    calibration_end,
    time_unit: str = "W",
    models: Sequence[TransactionModel] = (),
    end=None,
    *,
    n_draws: int = 0,
    interval: float = 0.9,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Actual and expected repeat transactions of the cohort per period (FHL 2005, Figure 2).

    Periods of one ``time_unit`` run from the day of the cohort's first purchase (calendar
    months for "M"). A repeat transaction is a purchase day of a customer after her first
    purchase day (same-day purchases count once, as in ``rfm_summary``). The expected number by
    time ``t`` is ``sum_i E[X(t - t0_i)]`` over customers acquired before ``t`` (``t0_i`` their
    first purchase; ``E[X(.)]`` each model's ``expected_purchases_new_customer``).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``; other columns ignored).
    calibration_end : date-like
        Last day of the calibration window (marked in column ``holdout``).
    time_unit : {"D", "W", "M"}, default "W"
        Period length, and the time unit the models were fitted in.
    models : sequence of fitted transaction models
        Models whose expectations to add (columns named by the model class).
    end : date-like, optional
        Last day to track (the last period ends with it); default the last transaction day.
    n_draws : int, default 0
        Parameter draws (``model.draw_params``) for uncertainty bands of each model's
        expectation; 0 for none.
    interval : float, default 0.9
        Central probability of the bands.
    seed : int or None, default 0
        Seed of the draws.

    Returns
    -------
    DataFrame
        Index ``period`` (1, 2, ...). Columns ``period_end`` (first day after the period),
        ``holdout`` (True for periods ending after ``calibration_end``), ``actual`` (repeat
        transactions in the period), ``actual_cumulative``, and per model ``<Model>`` (expected
        in the period) and ``<Model>_cumulative``; with ``n_draws`` also
        ``<Model>_cumulative_lower``/``_upper`` and ``<Model>_lower``/``_upper`` (bands from
        the parameter uncertainty).
    """
    check_columns(transactions, ("customer_id", "date"), "tracking_data")
    _check_band(n_draws, interval, seed)
    if time_unit not in ("D", "W", "M"):
        raise ParameterError(
            f"time_unit must be 'D', 'W' or 'M', got {time_unit!r}.", parameter="time_unit"
        )
    days = transactions[["customer_id"]].assign(
        day=pd.to_datetime(transactions["date"]).dt.normalize()
    )
    days = days.drop_duplicates()
    first = days.groupby("customer_id")["day"].min()
    repeat = days[days["day"] > days["customer_id"].map(first)]
    start = first.min()
    last = pd.Timestamp(end).normalize() if end is not None else days["day"].max()
    cal_end = pd.Timestamp(calibration_end).normalize()
    if time_unit == "M":
        edges = pd.date_range(start, last + pd.DateOffset(months=1), freq=pd.DateOffset(months=1))
    else:
        step = pd.Timedelta(days=7 if time_unit == "W" else 1)
        edges = pd.date_range(start, last + step, freq=step)
    edges = edges[edges <= last + pd.Timedelta(days=1)] if len(edges) > 1 else edges
    if edges[-1] <= last:
        edges = edges.append(pd.DatetimeIndex([edges[-1] + (edges[-1] - edges[-2])]))
    # the last period ends with the day ``last``: later days are not tracked
    edges = edges[:-1].append(pd.DatetimeIndex([min(edges[-1], last + pd.Timedelta(days=1))]))
    repeat = repeat[repeat["day"] <= last]
    period_end = edges[1:]
    counts = np.histogram(
        repeat["day"].to_numpy(dtype="datetime64[ns]").astype(np.int64),
        bins=edges.to_numpy(dtype="datetime64[ns]").astype(np.int64),
    )[0]
    out = pd.DataFrame(
        {
            "period_end": period_end,
            "holdout": period_end > cal_end + pd.Timedelta(days=1),
            "actual": counts.astype(float),
        },
        index=pd.RangeIndex(1, len(period_end) + 1, name="period"),
    )
    out["actual_cumulative"] = out["actual"].cumsum()
    if models:
        # distinct acquisition days and their counts; time from each to each period end
        acq = first.value_counts()
        acq_days, n_acq = acq.index, acq.to_numpy(dtype=float)
        if time_unit == "M":
            ages = np.vstack([months_between(acq_days, e) for e in period_end])
            ages = np.where(period_end.to_numpy()[:, None] > acq_days.to_numpy()[None, :], ages, 0)
        else:
            unit = 7.0 if time_unit == "W" else 1.0
            delta = period_end.to_numpy()[:, None] - acq_days.to_numpy()[None, :]
            ages = np.clip(delta / np.timedelta64(1, "D"), 0, None) / unit
        positive = ages > 0
        distinct, inverse = np.unique(ages[positive], return_inverse=True)
        for model in models:
            name = _model_name(model)
            expected = np.zeros_like(ages)
            values = np.asarray(model.expected_purchases_new_customer(distinct), dtype=float)
            expected[positive] = values[inverse.ravel()]
            cumulative = (expected * n_acq[None, :]).sum(axis=1)
            out[f"{name}_cumulative"] = cumulative
            out[name] = np.diff(cumulative, prepend=0.0)
            if n_draws:
                draws = model.draw_params(n_draws, seed)
                per = np.asarray(
                    model.expected_purchases_new_customer(distinct, params=draws), dtype=float
                ).reshape(n_draws, -1)
                cum_d = np.zeros((n_draws, len(period_end)))
                for i in range(n_draws):
                    e = np.zeros_like(ages)
                    e[positive] = per[i][inverse.ravel()]
                    cum_d[i] = (e * n_acq[None, :]).sum(axis=1)
                lower, upper = _band(cum_d, interval)
                out[f"{name}_cumulative_lower"], out[f"{name}_cumulative_upper"] = lower, upper
                lower, upper = _band(np.diff(cum_d, axis=1, prepend=0.0), interval)
                out[f"{name}_lower"], out[f"{name}_upper"] = lower, upper
    out.attrs["time_unit"] = time_unit
    return out


def compare_models(
    summary_with_holdout: pd.DataFrame,
    models: Sequence,
    transactions: pd.DataFrame | None = None,
    calibration_end=None,
    time_unit: str = "W",
) -> pd.DataFrame:
    """Fit statistics and holdout accuracy of several transaction models on one summary.

    Parameters
    ----------
    summary_with_holdout : DataFrame
        ``rfm_summary(..., calibration_end=...)`` output: ``frequency``, ``recency``, ``T``,
        ``frequency_holdout``, ``duration_holdout``.
    models : sequence
        Model classes or instances (BGNBD, MBGNBD, ParetoNBD); unfitted ones are fitted on the
        summary.
    transactions : DataFrame, optional
        With ``calibration_end``: adds the tracking error of the cohort's cumulative repeat
        transactions (see :func:`tracking_data`).
    calibration_end : date-like, optional
        Last calibration day (needed with ``transactions``).
    time_unit : str, default "W"
        Time unit of the summary.

    Returns
    -------
    DataFrame
        One row per model, index ``model``: ``n_params``, ``log_likelihood``, ``aic``, ``bic``;
        ``holdout_mae`` and ``holdout_rmse`` (per customer, conditional expected purchases over
        ``duration_holdout`` against ``frequency_holdout``); ``predicted_total`` and
        ``actual_total`` (holdout repeat transactions of all customers) and
        ``aggregate_error_pct`` (``100 * (predicted - actual) / actual``); with
        ``transactions``: ``tracking_mape`` (mean absolute percentage error of the expected
        cumulative repeat transactions over the holdout periods) and ``tracking_error_end_pct``
        (percentage error of the cumulative total at the last period), NaN for a model without
        a new-customer expectation (Pareto/NBD with correlation).
    """
    check_columns(summary_with_holdout, ("frequency", "recency", "T", *_HOLDOUT), "compare_models")
    if not models:
        raise ParameterError("give at least one model to compare.", parameter="models")
    actual = summary_with_holdout["frequency_holdout"].to_numpy(dtype=float)
    if np.isnan(actual).any():
        raise DataError(
            "column 'frequency_holdout' has missing values; build the summary with "
            "calibration_end.",
            column="frequency_holdout",
        )
    fitted = [_fitted(m, summary_with_holdout) for m in models]
    rows = []
    for model in fitted:
        pred = conditional_over_durations(model, summary_with_holdout).to_numpy()
        err = pred - actual
        rows.append(
            {
                "model": _model_name(model),
                "n_params": len(model.params_),
                "log_likelihood": model.log_likelihood_,
                "aic": model.aic_,
                "bic": model.bic_,
                "holdout_mae": float(np.mean(np.abs(err))),
                "holdout_rmse": float(np.sqrt(np.mean(err**2))),
                "predicted_total": float(pred.sum()),
                "actual_total": float(actual.sum()),
                "aggregate_error_pct": float(100 * (pred.sum() - actual.sum()) / actual.sum()),
            }
        )
    table = pd.DataFrame(rows).set_index("model")
    if transactions is not None:
        if calibration_end is None:
            raise ParameterError(
                "calibration_end is needed with transactions.", parameter="calibration_end"
            )
        trackable = [m for m in fitted if _supports_tracking(m)]
        track = tracking_data(transactions, calibration_end, time_unit, trackable)
        hold = track[track["holdout"]]
        for model in trackable:
            name = _model_name(model)
            rel = (hold[f"{name}_cumulative"] - hold["actual_cumulative"]) / hold[
                "actual_cumulative"
            ]
            table.loc[name, "tracking_mape"] = float(100 * np.mean(np.abs(rel)))
            table.loc[name, "tracking_error_end_pct"] = float(100 * rel.iloc[-1])
    return table


def holdout_by_frequency(
    summary_with_holdout: pd.DataFrame,
    model: TransactionModel,
    max_frequency: int = 7,
    *,
    n_draws: int = 0,
    interval: float = 0.9,
    seed: int | None = 0,
) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual and predicted (FHL 2005, Fig. 4).

    Returns
    -------
    DataFrame
        Index ``frequency`` (0..max_frequency; the last row pools ``>= max_frequency``), columns
        ``n_customers``, ``actual`` (mean ``frequency_holdout``) and ``predicted`` (mean
        conditional expected purchases over ``duration_holdout``); with ``n_draws`` (parameter
        draws) also ``predicted_lower`` and ``predicted_upper`` (central ``interval`` of the
        group mean over the draws).
    """
    check_columns(summary_with_holdout, ("frequency", *_HOLDOUT), "holdout_by_frequency")
    _check_band(n_draws, interval, seed)
    pred = conditional_over_durations(model, summary_with_holdout)
    group = np.minimum(summary_with_holdout["frequency"].to_numpy(), max_frequency).astype(int)
    frame = pd.DataFrame(
        {
            "frequency": group,
            "actual": summary_with_holdout["frequency_holdout"].to_numpy(dtype=float),
            "predicted": pred.to_numpy(),
        }
    )
    out = frame.groupby("frequency").agg(
        n_customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    if n_draws:
        draws = conditional_over_durations(
            model, summary_with_holdout, params=model.draw_params(n_draws, seed)
        )
        means = np.vstack(
            [pd.Series(row).groupby(group).mean().reindex(out.index).to_numpy() for row in draws]
        )
        out["predicted_lower"], out["predicted_upper"] = _band(means, interval)
    return out


def repeat_frequency_distribution(
    summary: pd.DataFrame, model: TransactionModel, max_frequency: int = 7
) -> pd.DataFrame:
    """Number of customers by repeat purchases in calibration, actual and expected (FHL Fig. 1).

    The expected number with ``k`` repeat purchases is ``sum_i P(X(T_i) = k)``; the last row
    pools ``>= max_frequency``.

    Returns
    -------
    DataFrame
        Index ``frequency`` (0..max_frequency), columns ``actual`` and ``expected``.
    """
    check_columns(summary, ("frequency", "T"), "repeat_frequency_distribution")
    k = np.arange(max_frequency)
    expected = np.zeros(max_frequency + 1)
    for T, n in summary["T"].value_counts().items():
        p = model.probability_of_purchases(k, float(T))
        expected[:-1] += n * p
        expected[-1] += n * (1 - p.sum())
    actual = np.bincount(
        np.minimum(summary["frequency"].to_numpy(), max_frequency).astype(int),
        minlength=max_frequency + 1,
    )
    return pd.DataFrame(
        {"actual": actual.astype(float), "expected": expected},
        index=pd.RangeIndex(max_frequency + 1, name="frequency"),
    )


def frequency_recency_matrix(
    model: TransactionModel,
    T: float,
    quantity: str = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    n_recency: int = 20,
) -> pd.DataFrame:
    """Expected purchases or P(alive) on a grid of frequency and recency for customers of age T.

    Parameters
    ----------
    model : fitted BGNBD, MBGNBD or ParetoNBD
    T : float
        Age of the hypothetical customers (time units).
    quantity : {"expected_purchases", "probability_alive"}
        ``expected_purchases`` is the conditional expectation over the next ``t`` time units.
    t : float, default 1.0
        Horizon of the expectation.
    max_frequency : int, optional
        Largest frequency shown; default the 99th percentile of the fitted customers' frequency.
    n_recency : int, default 20
        Number of recency values, evenly spaced on ``[0, T]``.

    Returns
    -------
    DataFrame
        Rows: frequency 0..max_frequency (index ``frequency``); columns: recency values (columns
        name ``recency``); cells: the quantity (NaN for impossible histories: frequency > 0 with
        recency 0, or frequency 0 with recency > 0).
    """
    model._check_fitted()
    if quantity not in ("expected_purchases", "probability_alive"):
        raise ParameterError(
            f"quantity must be 'expected_purchases' or 'probability_alive', got {quantity!r}.",
            parameter="quantity",
        )
    if max_frequency is None:
        max_frequency = int(np.ceil(np.quantile(model._fitted_data[0], 0.99)))
    freq = np.arange(max_frequency + 1, dtype=float)
    rec = np.linspace(0, T, n_recency)
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    valid = (ff > 0) == (rr > 0)  # no repeat purchase <=> recency 0
    grid = pd.DataFrame({"frequency": ff[valid], "recency": rr[valid], "T": T})
    grid["litt"] = 0.0  # BG/CNBD-k reads it; its P(alive) and expectations do not depend on it
    if quantity == "expected_purchases":
        values = model.conditional_expected_purchases(t, grid).to_numpy()
    else:
        values = model.probability_alive(grid).to_numpy()
    out = np.full(ff.shape, np.nan)
    out[valid] = values
    table = pd.DataFrame(
        out,
        index=pd.Index(freq.astype(int), name="frequency"),
        columns=pd.Index(np.round(rec, 3), name="recency"),
    )
    table.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return table


def frequency_recency_band(
    model: TransactionModel,
    T: float,
    quantity: str = "expected_purchases",
    t: float = 1.0,
    max_frequency: int | None = None,
    n_recency: int = 20,
    *,
    n_draws: int = 100,
    interval: float = 0.9,
    seed: int | None = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Lower and upper bounds of :func:`frequency_recency_matrix` from parameter draws.

    Each draw of ``model.draw_params`` gives a matrix; the bounds are the central
    ``interval`` of the draws cell by cell (the same grid and arguments as the matrix).

    Returns
    -------
    (DataFrame, DataFrame)
        ``lower`` and ``upper``, shaped like :func:`frequency_recency_matrix`'s result.
    """
    import copy

    from crmlab.checks import check_count

    check_count(n_draws, "n_draws")
    _check_band(n_draws, interval, seed)
    model._check_fitted()
    if max_frequency is None:
        max_frequency = int(np.ceil(np.quantile(model._fitted_data[0], 0.99)))
    mats = []
    for _, row in model.draw_params(n_draws, seed).iterrows():
        twin = copy.copy(model)
        twin.params_ = row.rename("coef")
        mats.append(
            frequency_recency_matrix(twin, T, quantity, t, max_frequency, n_recency).to_numpy()
        )
    shape = frequency_recency_matrix(model, T, quantity, t, max_frequency, n_recency)
    lower, upper = _band(np.stack(mats), interval)
    return (
        pd.DataFrame(lower, index=shape.index, columns=shape.columns),
        pd.DataFrame(upper, index=shape.index, columns=shape.columns),
    )


def probability_alive_path(
    model: TransactionModel,
    transactions: pd.DataFrame,
    customer_id,
    time_unit: str = "W",
    end=None,
    step: float = 1.0,
) -> pd.DataFrame:
    """P(alive) of one customer over her history, from her transactions (lifetimes'
    ``calculate_alive_path``).

    At each age ``s`` (time since her first purchase day, on a grid of ``step`` time units
    plus every purchase day) her summary is ``x(s)`` repeat purchase days in ``(0, s]``,
    ``t_x(s)`` the age at the last of them and ``T = s``; the model's ``probability_alive``
    of that summary is the path.

    Parameters
    ----------
    model : fitted transaction model (BGNBD, MBGNBD, ParetoNBD, BGCNBD, ...)
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``).
    customer_id
        The customer to trace.
    time_unit : {"D", "W", "M"}, default "W"
        Time unit the model was fitted in.
    end : date-like, optional
        Last day of the path; default the last transaction day of the data.
    step : float, default 1.0
        Grid step in time units.

    Returns
    -------
    DataFrame
        Columns ``age`` (time units since the first purchase), ``date``, ``frequency``,
        ``recency``, ``purchase`` (True at a repeat purchase day) and ``probability_alive``.
    """
    from crmlab.transactions import elapsed

    check_columns(transactions, ("customer_id", "date"), "probability_alive_path")
    if time_unit not in ("D", "W", "M"):
        raise ParameterError(
            f"time_unit must be 'D', 'W' or 'M', got {time_unit!r}.", parameter="time_unit"
        )
    if not (isinstance(step, (int, float)) and np.isfinite(step) and step > 0):
        raise ParameterError(f"step must be > 0 time units, got {step!r}.", parameter="step")
    days_all = pd.to_datetime(transactions["date"]).dt.normalize()
    mine = days_all[(transactions["customer_id"] == customer_id).to_numpy()]
    if mine.empty:
        raise DataError(
            f"probability_alive_path: customer {customer_id!r} has no transactions in column "
            "'customer_id'; pass one of the ids of the data.",
            column="customer_id",
        )
    purchase_days = pd.DatetimeIndex(np.sort(mine.unique()))
    first = purchase_days[0]
    last = pd.Timestamp(end).normalize() if end is not None else days_all.max()
    total = float(elapsed(first, last, time_unit)[0])
    ages_p = elapsed(np.repeat(first, len(purchase_days)), purchase_days, time_unit)
    grid = np.union1d(np.arange(0.0, total + 1e-12, step), ages_p[ages_p <= total])
    grid = np.union1d(grid, [total])
    repeat_ages = ages_p[1:]
    x = np.searchsorted(repeat_ages, grid, side="right").astype(float)
    tx = np.where(
        x > 0, repeat_ages[np.maximum(x.astype(int) - 1, 0)] if len(repeat_ages) else 0.0, 0.0
    )
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": grid})
    summary.attrs["time_unit"] = time_unit
    p = model.probability_alive(summary).to_numpy()
    if time_unit == "M":
        from crmlab.transactions import add_months

        whole = np.floor(grid).astype(int)
        dates = add_months(pd.DatetimeIndex([first] * len(grid)), whole)
    else:
        unit = 7.0 if time_unit == "W" else 1.0
        dates = first + pd.to_timedelta(np.round(grid * unit), unit="D")
    return pd.DataFrame(
        {
            "age": grid,
            "date": pd.DatetimeIndex(dates),
            "frequency": x,
            "recency": tx,
            "purchase": np.isin(grid, repeat_ages),
            "probability_alive": p,
        }
    )
