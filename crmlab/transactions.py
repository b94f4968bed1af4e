"""The transactions contract, the time units and the calendar arithmetic every analysis shares.

A *transactions table* has one row per purchase line with at least ``customer_id`` (never
missing), ``date`` (datetime64, timezone-naive, never missing) and ``amount`` (a finite number);
:func:`crmlab.io.read_transactions` reads one from a file, and :func:`check_transactions` checks a
DataFrame against the contract with the same messages (file line numbers when the rows came from
a file), whichever analysis or engine is called.

Time is measured between calendar days in one of the units of :data:`TIME_UNITS`: days, weeks
(days / 7), fractional calendar months (:func:`months_between`), and, for rates and horizons,
quarters and years. A customer summary is computed in days, weeks or months
(:data:`SUMMARY_TIME_UNITS`).

A *discount rate* is always annual (0.1 is 10% a year); the rate of one time unit or calendar
period is derived from the table by one rule, :func:`discount_rate_per_unit` (continuously
compounded) and :func:`discount_rate_per_period` (per period), so that discounting one year of
units gives exactly ``1 / (1 + annual)``.

``time_unit`` and ``period`` are different things that share letters: a ``time_unit`` is a
*length* (``"W"`` is 7 days, ``"M"`` a fractional calendar month) in which durations are
measured; a ``period`` is a *calendar period* (``"W"`` a calendar week, ``"M"`` a calendar
month) into which dates are grouped for rates and cohorts. For discounting both have the length
of the table: a week is 7 / 365.25 years, a month 1 / 12.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab import io
from crmlab.errors import DataError, ParameterError

__all__ = [
    "REQUIRED",
    "SUMMARY_TIME_UNITS",
    "TIME_UNITS",
    "TimeUnit",
    "add_months",
    "check_time_unit",
    "check_transactions",
    "daily",
    "discount_rate_per_period",
    "discount_rate_per_unit",
    "elapsed",
    "labelled_transactions",
    "months_between",
    "resolve_window",
    "to_day",
    "unit_word",
    "until",
    "years_per_unit",
]

#: The columns of the transactions contract.
REQUIRED: tuple[str, ...] = io.REQUIRED_TRANSACTION_COLUMNS


@dataclass(frozen=True)
class TimeUnit:
    """One unit of time: its code, its words and its length.

    Attributes
    ----------
    code : str
        ``"D"``, ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.
    singular, plural : str
        The unit's words ("week", "weeks").
    per_year : float
        Units in a year (a year is 365.25 days; 12 calendar months).
    years : float
        Years in one unit (``1 / per_year``, written as the exact fraction).
    days : float or None
        Days in one unit where that is fixed (days, weeks); None for calendar units.
    """

    code: str
    singular: str
    plural: str
    per_year: float
    years: float
    days: float | None


#: Every time unit crmlab knows, by code (the one table: words, units per year, days).
TIME_UNITS: dict[str, TimeUnit] = {
    "D": TimeUnit("D", "day", "days", 365.25, 1 / 365.25, 1.0),
    "W": TimeUnit("W", "week", "weeks", 365.25 / 7, 7 / 365.25, 7.0),
    "M": TimeUnit("M", "month", "months", 12.0, 1 / 12, None),
    "Q": TimeUnit("Q", "quarter", "quarters", 4.0, 1 / 4, None),
    "Y": TimeUnit("Y", "year", "years", 1.0, 1.0, None),
}

#: Units a customer summary can be measured in: days, weeks (days / 7) and fractional calendar
#: months (see :func:`months_between`).
SUMMARY_TIME_UNITS: tuple[str, ...] = ("D", "W", "M")


def check_time_unit(time_unit: Any, allowed: Sequence[str] = SUMMARY_TIME_UNITS) -> str:
    """Return ``time_unit`` when it is one of ``allowed``; raise :class:`ParameterError` if not.

    Examples
    --------
    >>> check_time_unit("W")
    'W'
    """
    allowed = tuple(allowed)
    if not isinstance(time_unit, str) or time_unit not in allowed:
        words = ", ".join(f"{c} ({TIME_UNITS[c].plural})" for c in allowed)
        raise ParameterError(
            f"time_unit must be one of {list(allowed)} ({words}), got {time_unit!r}.",
            parameter="time_unit",
        )
    return time_unit


def years_per_unit(time_unit: str) -> float:
    """Length of one ``time_unit`` in years (365.25-day years)."""
    return TIME_UNITS[check_time_unit(time_unit, TIME_UNITS)].years


def discount_rate_per_unit(annual_rate: float, time_unit: str) -> float:
    """Continuously compounded discount rate per time unit equivalent to ``annual_rate``.

    ``delta = log(1 + annual_rate) * years_per_unit``, so that discounting one year of time
    units gives exactly ``1 / (1 + annual_rate)``.

    Parameters
    ----------
    annual_rate : float
        Annual discount rate (> -1; 0.1 is 10% a year).
    time_unit : {"D", "W", "M", "Q", "Y"}
        A unit of :data:`TIME_UNITS`.

    Examples
    --------
    >>> round(discount_rate_per_unit(0.1, "Y"), 6)
    0.09531
    """
    if not isinstance(time_unit, str) or time_unit not in TIME_UNITS:
        raise ParameterError(
            f"time_unit must be one of {sorted(TIME_UNITS)}, got {time_unit!r}.",
            parameter="time_unit",
        )
    ok = isinstance(annual_rate, (int, float, np.integer, np.floating)) and not isinstance(
        annual_rate, bool
    )
    if not ok or not np.isfinite(annual_rate) or not annual_rate > -1:
        raise ParameterError(
            f"discount_rate must be a finite number > -1 (annual, e.g. 0.1 for 10%), got "
            f"{annual_rate!r}.",
            parameter="discount_rate",
        )
    return float(np.log1p(annual_rate) * TIME_UNITS[time_unit].years)


def discount_rate_per_period(annual_rate: float, period: str) -> float:
    """Discount rate per period equivalent to an annual rate: ``(1 + annual) ** years - 1``.

    The same rule as :func:`discount_rate_per_unit` (``exp(delta) - 1``): a monthly rate
    compounded 12 times gives the annual rate. For yearly periods the rate is the annual rate.

    Parameters
    ----------
    annual_rate : float
        Annual discount rate (> -1; 0.1 is 10% a year).
    period : {"D", "W", "M", "Q", "Y"}
        The calendar period (or time unit) of the payments: a week is 7 / 365.25 years, a month
        1 / 12, a quarter 1 / 4.

    Examples
    --------
    >>> discount_rate_per_period(0.1, "Y")
    0.1
    >>> round(discount_rate_per_period(0.1, "M"), 6)
    0.007974
    """
    if not isinstance(period, str) or period not in TIME_UNITS:
        raise ParameterError(
            f"period must be one of {sorted(TIME_UNITS)} (the calendar period of the data: "
            f"Y for yearly cohorts, M for monthly ones), got {period!r}.",
            parameter="period",
        )
    if period == "Y":
        discount_rate_per_unit(annual_rate, period)  # the same checks
        return float(annual_rate)
    return float(np.expm1(discount_rate_per_unit(annual_rate, period)))


def unit_word(time_unit: str, count: float = 2, default: str = "periods") -> str:
    """The word for ``count`` units (``"week"`` for 1, ``"weeks"`` otherwise); ``default`` for
    an unknown code (its singular drops a final "s")."""
    unit = TIME_UNITS.get(time_unit)
    if unit is None:
        return default if count != 1 else default.removesuffix("s")
    return unit.singular if count == 1 else unit.plural


# --------------------------------------------------------------------------------------------
# the contract
# --------------------------------------------------------------------------------------------
def check_transactions(
    transactions: Any, required: Sequence[str] = REQUIRED, *, what: str = "transactions"
) -> pd.DataFrame:
    """Check a DataFrame against the transactions contract; return a copy of ``required``.

    The checks are those of :func:`crmlab.io.read_transactions` on typed columns, with the same
    messages: the DataFrame must have the ``required`` columns (close matches are suggested);
    ``customer_id`` has no missing value; ``date`` is datetime64 without time zone and has no
    missing value; ``amount`` is numeric, finite and not missing. Messages show file line numbers
    when the frame came from :func:`crmlab.io.read_transactions`, index labels otherwise.
    Negative amounts are returns and are kept (the reader's ``returns`` option decided on them).

    Parameters
    ----------
    transactions : DataFrame
        Not modified.
    required : sequence of str
        The contract columns the caller needs (``customer_id`` and ``date`` at least); other
        contract columns are then not checked.
    what : str
        What the table is, for messages.

    Returns
    -------
    DataFrame
        The ``required`` columns (same index and ``attrs``), dates normalised to days
        (datetime64[ns], time of day dropped).

    Raises
    ------
    DataError
        With ``.column`` and ``.rows`` (up to five file lines or index labels).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1], "date": pd.to_datetime(["2024-01-05 10:00"]),
    ...                    "amount": [3.0]})
    >>> check_transactions(tx)["date"].iloc[0]
    Timestamp('2024-01-05 00:00:00')
    """
    if not isinstance(transactions, pd.DataFrame):
        raise DataError(
            f"{what} must be a pandas DataFrame, got {type(transactions).__name__}; "
            "read your file with crmlab.io.read_transactions."
        )
    required = tuple(required)
    io.require_columns(transactions, required, what=what)
    frame = transactions[list(required)].copy()
    frame.attrs = dict(transactions.attrs)
    if "customer_id" in required:
        io.check_customer_ids(frame)
    if "date" in required:
        dates = frame["date"]
        if not pd.api.types.is_datetime64_any_dtype(dates):
            raise io.row_error(
                frame,
                np.ones(len(frame), bool),
                "date",
                f"dates stored as {dates.dtype}, not datetime64",
                "Read the file with crmlab.io.read_transactions (or parse the column with "
                "pd.to_datetime) before the analysis.",
            )
        if getattr(dates.dt, "tz", None) is not None:
            raise DataError(
                "column 'date' is timezone-aware; convert it to naive local dates first, e.g. "
                "tx['date'] = tx['date'].dt.tz_convert('Europe/Paris').dt.tz_localize(None).",
                column="date",
            )
        io.check_dates(frame)
        frame["date"] = dates.dt.normalize().astype("datetime64[ns]")
    if "amount" in required:
        if not pd.api.types.is_numeric_dtype(frame["amount"]) or pd.api.types.is_bool_dtype(
            frame["amount"]
        ):
            raise io.row_error(
                frame,
                np.ones(len(frame), bool),
                "amount",
                f"amounts stored as {frame['amount'].dtype}, not numbers",
                "Read the file with crmlab.io.read_transactions (or convert the column with "
                "pd.to_numeric) before the analysis.",
            )
        io.check_amounts(frame)
    return frame


def labelled_transactions(
    transactions: Any, column: str, name: str, *, missing: str, fill: str
) -> pd.DataFrame:
    """The checked contract columns plus ``column`` (as ``name``), which must exist and be full.

    ``missing`` is the message when the column is absent, ``fill`` the advice for missing values
    (shown after the offending rows, as every :func:`crmlab.io.check_not_null` message).
    """
    if isinstance(transactions, pd.DataFrame) and column not in transactions.columns:
        raise DataError(missing, column=column)
    frame = check_transactions(transactions)
    io.check_not_null(transactions, column, advice=fill[:1].upper() + fill[1:])
    frame[name] = transactions[column].to_numpy()
    return frame


# --------------------------------------------------------------------------------------------
# days and windows
# --------------------------------------------------------------------------------------------
def to_day(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a timezone-naive day (time dropped); :class:`ParameterError` naming ``name``
    when it is not a date.

    Examples
    --------
    >>> to_day("1997-09-30 12:00", "calibration_end")
    Timestamp('1997-09-30 00:00:00')
    """
    if isinstance(value, bool | int | float | np.number) or (
        not isinstance(value, str) and np.ndim(value) != 0
    ):
        raise ParameterError(
            f"{name} must be one date such as '1997-09-30' (text or a date), got {value!r}.",
            parameter=name,
        )
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ParameterError(
            f"{name} must be a date such as '1997-09-30', got {value!r}.", parameter=name
        ) from exc
    if pd.isna(stamp):
        raise ParameterError(
            f"{name} must be a date such as '1997-09-30', got {value!r}.", parameter=name
        )
    if stamp.tzinfo is not None:
        raise ParameterError(f"{name} must be timezone-naive, got {value!r}.", parameter=name)
    return stamp.normalize()


def until(frame: pd.DataFrame, observation_end: Any) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The purchases up to the day ``observation_end`` (inclusive, whatever their time of day;
    default: the last date) and that day.

    Raises :class:`ParameterError` naming ``observation_end`` when it is not a date or when no
    purchase is left, so a notebook parameter such as ``observation_end = "garbage"`` gives one
    clear line.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"date": pd.to_datetime(["2024-01-05 18:00", "2024-02-01 09:00"])})
    >>> kept, end = until(tx, "2024-01-05")
    >>> len(kept), end
    (1, Timestamp('2024-01-05 00:00:00'))
    """
    days = frame["date"].dt.normalize()
    end = days.max() if observation_end is None else to_day(observation_end, "observation_end")
    kept = frame.loc[(days <= end).to_numpy()]
    if kept.empty:
        first = days.min()
        span = f" (the data start on {first.date()})" if len(frame) else ""
        raise ParameterError(
            f"observation_end {end.date()} is before every purchase in the data{span}; choose a "
            "later date or leave it empty for the last date in the data.",
            parameter="observation_end",
        )
    return kept, end


def add_months(dates: pd.DatetimeIndex, months: np.ndarray) -> pd.DatetimeIndex:
    """Add whole calendar months, clipping the day to the target month's length (Jan 31 + 1 =
    Feb 28 or 29)."""
    total = dates.year.to_numpy() * 12 + dates.month.to_numpy() - 1 + np.asarray(months)
    year, month = total // 12, total % 12 + 1
    first = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    day = np.minimum(dates.day.to_numpy(), first.dt.days_in_month.to_numpy())
    return pd.DatetimeIndex(first + pd.to_timedelta(day - 1, unit="D"))


def months_between(start: Any, end: Any) -> np.ndarray:
    """Fractional calendar months from ``start`` to ``end`` (element-wise, ``end >= start``).

    The rule: count the whole months ``m`` such that the ``m``-th monthly anniversary of
    ``start`` is on or before ``end`` (an anniversary falling on a day the month lacks is clipped
    to the month's last day, so Jan 31 + 1 month = Feb 28), then add the remaining days divided by
    the number of days between that anniversary and the next one:

    .. math:: \\text{months}(d_1, d_2) = m + \\frac{d_2 - a_m}{a_{m+1} - a_m},\\quad
              a_m = d_1 \\oplus m \\text{ months}.

    So Jan 15 to Feb 15 is exactly 1, Jan 31 to Feb 28 (1997) is exactly 1, and Jan 15 to
    Mar 1 1997 is 1 + 14/28 = 1.5. Real month lengths are used; leap years count.

    Parameters
    ----------
    start, end : date-like or array-like of dates
        Broadcast against each other. Times of day are dropped.

    Returns
    -------
    ndarray of float64

    Examples
    --------
    >>> float(months_between("1997-01-15", "1997-03-01")[0])
    1.5
    """
    s = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(start))).normalize()
    e = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(end))).normalize()
    if len(s) == 1 and len(e) > 1:
        s = s.repeat(len(e))
    if len(e) == 1 and len(s) > 1:
        e = e.repeat(len(s))
    if len(s) == 0:
        return np.zeros(0)
    m = (e.year.to_numpy() - s.year.to_numpy()) * 12 + (e.month.to_numpy() - s.month.to_numpy())
    m = m - (add_months(s, m) > e).astype(int)
    anniversary = add_months(s, m)
    following = add_months(s, m + 1)
    frac = (e - anniversary).days.to_numpy() / (following - anniversary).days.to_numpy()
    return (m + frac).astype(float)


def elapsed(start: Any, end: Any, time_unit: str) -> np.ndarray:
    """Time from ``start`` to ``end`` (day-normalised dates) in ``time_unit`` ("D", "W", "M")."""
    if time_unit == "M":
        return months_between(start, end)
    s = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(start))).to_numpy(dtype="datetime64[ns]")
    e = pd.DatetimeIndex(np.atleast_1d(pd.to_datetime(end))).to_numpy(dtype="datetime64[ns]")
    days = (e - s) / np.timedelta64(1, "D")
    return days / 7.0 if time_unit == "W" else days


def daily(frame: pd.DataFrame) -> pd.DataFrame:
    """Customer-day totals, sorted by customer and date (columns customer_id, date, amount)."""
    return frame.groupby(["customer_id", "date"], sort=True, as_index=False)["amount"].sum()


def resolve_window(
    first_date: Any,
    last_date: Any,
    n_rows: int,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str,
) -> tuple[pd.Timestamp, pd.Timestamp | None]:
    """``(observation_end, calibration_end)`` of a summary, checked; shared by every engine.

    ``first_date``/``last_date`` are the data's first and last purchase dates, ``n_rows`` its size.
    """
    check_time_unit(time_unit)
    if n_rows == 0 or first_date is None or pd.isna(first_date):
        raise DataError("transactions is empty: there is nothing to summarise.")
    first_date, last_date = pd.Timestamp(first_date), pd.Timestamp(last_date)
    obs_end = last_date if observation_end is None else to_day(observation_end, "observation_end")
    if obs_end < first_date:
        raise ParameterError(
            f"observation_end {obs_end.date()} is before the first purchase in the data "
            f"({first_date.date()}); choose a date between {first_date.date()} and "
            f"{last_date.date()}.",
            parameter="observation_end",
        )
    cal_end = None
    if calibration_end is not None:
        cal_end = to_day(calibration_end, "calibration_end")
        if cal_end < first_date or cal_end >= obs_end:
            raise ParameterError(
                f"calibration_end {cal_end.date()} must be on or after the first purchase "
                f"({first_date.date()}) and before observation_end ({obs_end.date()}), so that "
                "both the calibration and the holdout windows are non-empty.",
                parameter="calibration_end",
            )
    return obs_end, cal_end
