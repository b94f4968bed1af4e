"""Parameter validators shared by the library and the report runner.

Each function checks one kind of value, returns it in its plain form and raises
:class:`crmlab.errors.ParameterError` naming the parameter, the allowed range and the value given.
The runner (:mod:`crmlab.report.ranges`) applies them to notebook parameters before any kernel
starts, and the library applies the same functions to its arguments, so every range is declared
once.

Examples
--------
>>> from crmlab.checks import check_fraction, check_count
>>> check_fraction(0.3, "margin_rate", zero=False)
0.3
>>> check_count(0, "n_draws")
Traceback (most recent call last):
...
crmlab.errors.ParameterError: n_draws must be a whole number >= 1, got 0.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from crmlab.errors import ParameterError

__all__ = [
    "check_alpha",
    "check_choice",
    "check_count",
    "check_date",
    "check_delta",
    "check_fraction",
    "check_number",
    "check_period",
    "check_rate",
    "check_scale",
    "check_seed",
]

#: Seeds go to numpy and scikit-learn; the latter takes ``0 <= seed < 2**32``.
SEED_LIMIT = 2**32

#: Date words that depend on when a run happens: refused, a report must be reproducible.
_RELATIVE_DATES = {"now", "today", "tomorrow", "yesterday"}
_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)|(?<!\d)\d{8}(?!\d)")  # 1997-09-30, 19970930


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _real(value: Any, name: str, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterError(f"{name} must be {what}, got {_shown(value)}.", parameter=name)
    number = float(value)
    if not math.isfinite(number):
        raise ParameterError(f"{name} must be {what}, got {_shown(value)}.", parameter=name)
    return number


def check_number(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite number within ``[low, high]`` (ends excluded with ``low_open``/``high_open``).

    Parameters
    ----------
    value : int or float
        The value to check (``bool`` is refused).
    name : str
        The parameter's name, used in the message.
    low, high : float, optional
        Bounds; None for none.
    low_open, high_open : bool, default False
        Whether the bound itself is excluded.

    Returns
    -------
    float

    Raises
    ------
    crmlab.errors.ParameterError
        Not a finite number, or outside the range.
    """
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low:g}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high:g}")
    what = "a finite number" + (f" {' and '.join(parts)}" if parts else "")
    number = _real(value, name, what)
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if too_low or too_high:
        raise ParameterError(f"{name} must be {what}, got {_shown(value)}.", parameter=name)
    return number


def check_fraction(value: Any, name: str, *, zero: bool = True, one: bool = True) -> float:
    """A share between 0 and 1; ``zero``/``one`` say whether 0 and 1 themselves are allowed.

    ``check_fraction(x, "margin_rate", zero=False)`` accepts (0, 1];
    ``check_fraction(x, "alpha", zero=False, one=False)`` accepts (0, 1).
    """
    return check_number(value, name, low=0.0, high=1.0, low_open=not zero, high_open=not one)


def check_rate(value: Any, name: str) -> float:
    """A finite rate >= 0 (a discount rate; 0.1 is 10%)."""
    return check_number(value, name, low=0.0)


def check_delta(value: Any, name: str = "delta") -> float:
    """A continuously compounded discount rate per time unit, finite and > 0 (DERT's delta)."""
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if not ok or not (np.isfinite(value) and value > 0):
        raise ParameterError(
            f"{name} must be a finite continuously compounded discount rate > 0 per time unit "
            f"(e.g. log(1.1) * 7 / 365.25 for 10% a year in weeks), got {_shown(value)}.",
            parameter=name,
        )
    return float(value)


def check_count(value: Any, name: str, minimum: int = 1) -> int:
    """A whole number >= ``minimum`` (``bool`` and ``3.0`` are refused; numpy integers pass)."""
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(
            f"{name} must be a whole number >= {minimum}, got {_shown(value)}.", parameter=name
        )
    return int(value)


def check_seed(value: Any, name: str = "seed", *, allow_none: bool = False) -> int | None:
    """A random seed: a whole number with ``0 <= seed < 2**32``.

    ``allow_none`` lets a library function take None for fresh, unreproducible entropy;
    notebook parameters never allow it.
    """
    if value is None and allow_none:
        return None
    if isinstance(value, np.integer):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < SEED_LIMIT:
        raise ParameterError(
            f"{name} must be a whole number from 0 to {SEED_LIMIT - 1}, got {_shown(value)}.",
            parameter=name,
        )
    return int(value)


def check_alpha(value: Any, name: str = "alpha") -> float:
    """A significance level in (0, 1): 0.05 gives 95% intervals."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        ok = False
    else:
        ok = 0 < float(value) < 1
    if not ok:
        raise ParameterError(
            f"{name} is the significance level of the intervals and must be in (0, 1) "
            f"(0.05 gives 95% intervals), got {_shown(value)}.",
            parameter=name,
        )
    return float(value)


def check_choice(value: Any, name: str, choices: Iterable[Any]) -> Any:
    """One of ``choices`` (compared exactly: ``"w"`` is not ``"W"``)."""
    options = list(choices)
    if isinstance(value, bool) or value not in options:
        listed = ", ".join(repr(c) for c in options)
        raise ParameterError(
            f"{name} must be one of {listed}, got {_shown(value)}.", parameter=name
        )
    return value


def check_date(value: Any, name: str, *, empty: bool = False) -> str:
    """A calendar date written as text, such as ``'1997-09-30'``; returned as written.

    Parameters
    ----------
    value : str or datetime.date
        The date. Words whose date depends on when the run happens (``today``, ``now``) are
        refused.
    name : str
        The parameter's name.
    empty : bool, default False
        Whether ``""`` (meaning "the default", e.g. the last date in the data) is accepted.

    Returns
    -------
    str
        The text as given (a ``datetime.date`` as ISO text).
    """
    if isinstance(value, _dt.date):
        return value.isoformat()
    advice = "a date such as '1997-09-30'" + (" or empty" if empty else "")
    if not isinstance(value, str):
        raise ParameterError(f"{name} must be {advice}, got {_shown(value)}.", parameter=name)
    text = value.strip()
    if not text:
        if empty and value == "":
            return value
        raise ParameterError(f"{name} must be {advice}, got {_shown(value)}.", parameter=name)
    import pandas as pd

    try:
        stamp = pd.Timestamp(text)
    except (TypeError, ValueError, OverflowError):
        stamp = pd.NaT
    relative = text.lower() in _RELATIVE_DATES
    if (pd.isna(stamp) and not relative) or not text[:1].isalnum():
        raise ParameterError(f"{name} must be {advice}, got {_shown(value)}.", parameter=name)
    if relative or not _YEAR.search(text):
        raise ParameterError(
            f"{name} must be a date with its year, such as '1997-09-30' (a report must give "
            f"the same numbers tomorrow), got {_shown(value)}.",
            parameter=name,
        )
    return value


def check_period(value: Any, name: str = "period") -> str:
    """A pandas calendar-period alias such as ``"W"``, ``"M"``, ``"Q"`` or ``"Y"``.

    A *period* groups dates into calendar periods (``"W"`` a calendar week, ``"M"`` a calendar
    month); it is not a ``time_unit`` (a length, where ``"W"`` is 7 days).
    """
    import pandas as pd

    ok = isinstance(value, str) and bool(value.strip())
    if ok:
        try:
            pd.Period("2000-01-01", freq=value)
        except (TypeError, ValueError, AttributeError):
            ok = False
    if not ok:
        raise ParameterError(
            f"{name} must be a pandas period alias such as 'W', 'M', 'Q' or 'Y', got "
            f"{_shown(value)}.",
            parameter=name,
        )
    return value


def check_scale(value: Any, name: str = "scale") -> tuple[float, float]:
    """An answer scale: a pair ``(low, high)`` of finite numbers with ``low < high``.

    Returns
    -------
    (float, float)
    """
    try:
        if isinstance(value, str | bytes) or any(isinstance(x, bool | str) for x in value):
            raise TypeError
        low, high = (float(x) for x in value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{name} must be a pair (low, high), e.g. (1, 7); got {_shown(value)}.",
            parameter=name,
        ) from None
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise ParameterError(
            f"{name} must be a pair (low, high) of finite numbers with low < high, e.g. (1, 7); "
            f"got {_shown(value)}.",
            parameter=name,
        )
    return low, high
