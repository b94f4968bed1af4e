"""Value checks the runner applies before any kernel starts, beyond the declared types.

A type annotation says ``n_draws: int``; it cannot say "at least 1". :func:`ranges` maps the
notebooks' parameter names to the validators of :mod:`crmlab.checks` (the same functions the
library applies to its arguments), so each range is declared once and a wrong value is refused in
one line before a kernel is started. Choice parameters (``time_unit``) take their choices from the
library, where they are declared. ``*_path`` parameters must name a regular file or a glob of
files: a folder, a device or a pipe is refused (hashing or reading one would never end), and so
is a recursive ``**`` pattern (it would search a whole disk).
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable
from functools import cache, partial
from typing import Any

from crmlab import checks
from crmlab.errors import ParameterError

__all__ = ["check_all", "check_path_value", "check_value", "ranges"]

Validator = Callable[[Any, str], Any]


@cache
def ranges() -> dict[str, Validator]:
    """Parameter name -> validator (``validator(value, name)`` raises ``ParameterError``)."""
    from crmlab.io import check_read_options
    from crmlab.transactions import SUMMARY_TIME_UNITS as TIME_UNITS

    date = partial(checks.check_date, empty=True)
    count = checks.check_count
    return {
        # dates: empty means the notebook's default rule (last date, two-thirds of the window)
        "observation_end": date,
        "calibration_end": date,
        # shares and rates
        "margin_rate": partial(checks.check_fraction, zero=False),
        "discount_rate": checks.check_rate,
        "alpha": partial(checks.check_fraction, zero=False, one=False),
        "cost_per_purchase": partial(checks.check_number, low=0.0),
        "horizon": partial(checks.check_number, low=0.0, low_open=True),
        "overdue_multiple": partial(checks.check_number, low=0.0, low_open=True),
        "key_account_share": partial(checks.check_fraction, zero=False),  # 05
        "key_account_min_active_weeks": checks.check_fraction,  # 05
        # counts
        "n_draws": count,
        "n_bootstrap": count,
        "chain_bootstrap": count,
        "pls_bootstrap": partial(count, minimum=2),
        "n_bins": count,
        "fit_periods": partial(count, minimum=0),  # 0 derives the window from the data
        "inactivity_threshold": count,
        "n_clusters": partial(count, minimum=0),  # 0 chooses by silhouette
        "seed": checks.check_seed,
        # choices
        "time_unit": partial(checks.check_choice, choices=TIME_UNITS),
        "period": partial(checks.check_choice, choices=("W", "M", "Q", "Y")),
        "subscription_period": partial(checks.check_choice, choices=("Y", "Q", "M", "W")),
        "importance_method": partial(checks.check_choice, choices=("derived", "stated")),
        # lists of choices and of column names (notebook 03)
        "models": _check_models,
        "covariates": _check_names,
        # reader options: keys and values (crmlab.io.READ_OPTIONS)
        "read_options": lambda value, name: check_read_options(value),
    }


def _check_models(value: Any, name: str) -> list[str]:
    """A non-empty list of distinct transaction-model names (``crmlab.clv.TRANSACTION_MODELS``)."""
    from crmlab.clv.selection import TRANSACTION_MODELS

    names = _check_names(value, name)
    if not names:
        raise ParameterError(
            f"{name} is empty: name at least one model, e.g. ['BGNBD']", parameter=name
        )
    for item in names:
        checks.check_choice(item, name, TRANSACTION_MODELS)
    return names


def _check_names(value: Any, name: str) -> list[str]:
    """A list of distinct, non-empty strings (column or model names)."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ParameterError(
            f"{name} must be a list of names, e.g. ['log_first_spend'], got {value!r}",
            parameter=name,
        )
    repeated = sorted({v for v in value if list(value).count(v) > 1})
    if repeated:
        raise ParameterError(f"{name} names {repeated} more than once", parameter=name)
    return list(value)


def check_value(name: str, value: Any, notebooks: str, choices: tuple[Any, ...] = ()) -> None:
    """Refuse ``value`` for parameter ``name`` when out of its range or declared choices.

    ``choices`` are the values of a ``Literal[...]`` annotation (empty when there is none).
    ``notebooks`` names the notebook(s) declaring the parameter, for the message.
    """
    try:
        if choices:
            checks.check_choice(value, name, choices)
        validator = ranges().get(name)
        if validator is not None:
            validator(value, name)
    except ParameterError as exc:
        message = str(exc).rstrip(".")
        raise ParameterError(
            f"parameter {name!r} of notebook {notebooks}: {message}; set another value with "
            f"-p {name} VALUE",
            parameter=name,
        ) from None


def check_path_value(name: str, value: Any, notebooks: str) -> None:
    """A ``*_path`` value must be empty, a regular file, missing (the notebook says so) or a glob.

    A folder, a device (``/dev/zero``) or a named pipe is refused: the notebook expects a file,
    and hashing such a path for the manifest would walk a disk or never end.
    """
    if not isinstance(value, str) or not value:
        return
    where = f"parameter {name!r} of notebook {notebooks}"
    if os.path.isdir(value):
        raise ParameterError(
            f"{where} names a folder ({value}); pass a file, or a pattern of files such as "
            f"{os.path.join(value, '*.csv')!r}",
            parameter=name,
        )
    if os.path.lexists(value) and not os.path.isfile(value):
        raise ParameterError(
            f"{where} names {value}, which is not a regular file (a device, a pipe or a broken "
            "link); pass the path of a data file",
            parameter=name,
        )
    if not os.path.lexists(value) and glob.has_magic(value):
        if "**" in value:
            raise ParameterError(
                f"{where}: the pattern {value!r} holds '**', which would search every folder "
                "below it; name the folder, e.g. 'orders/*.csv'",
                parameter=name,
            )
        for match in glob.iglob(value):
            if not os.path.isdir(match) and not os.path.isfile(match):
                raise ParameterError(
                    f"{where}: the pattern {value!r} matches {match}, which is not a regular "
                    "file; narrow the pattern to data files",
                    parameter=name,
                )


def check_all(
    name: str, value: Any, notebooks: str, *, is_path: bool, choices: tuple[Any, ...] = ()
) -> None:
    """Both checks of one parameter value (see :func:`check_value`, :func:`check_path_value`)."""
    check_value(name, value, notebooks, choices)
    if is_path:
        check_path_value(name, value, notebooks)
