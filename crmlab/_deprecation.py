"""Deprecated keywords and names: one place that warns, so every message reads the same."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

from crmlab.checks import check_alpha
from crmlab.errors import ParameterError

__all__ = ["check_alpha", "renamed", "resolve_alpha"]


def resolve_alpha(
    alpha: float, level: float | None, function: str, keyword: str = "level"
) -> float:
    """The significance level from ``alpha``, or from the deprecated confidence ``level``.

    Parameters
    ----------
    alpha : float
        Significance level (intervals at ``1 - alpha``).
    level : float or None
        The old keyword: a confidence level such as 0.95. When given, it wins over ``alpha``
        and a :class:`DeprecationWarning` says what to write instead.
    function : str
        Name of the caller, for the message.
    keyword : str
        The old keyword's name, for the message (``level``, ``confidence_level``).

    Returns
    -------
    float
        The significance level.
    """
    if level is None:
        return check_alpha(alpha)
    level = float(level)
    if not 0 < level < 1:
        raise ParameterError(
            f"{keyword} is a confidence level in (0, 1); got {level!r}. Pass alpha= instead.",
            parameter=keyword,
        )
    warnings.warn(
        f"{function}({keyword}=...) is deprecated; pass alpha={1 - level:g} (the significance "
        "level, as statsmodels and lifelines spell it) instead.",
        DeprecationWarning,
        stacklevel=3,
    )
    return 1 - level


def renamed(module: str, names: Mapping[str, Callable[[], Any]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves old names with a :class:`DeprecationWarning`.

    Parameters
    ----------
    module : str
        The module's ``__name__``.
    names : mapping
        Old name -> a function returning the object under its new name (called on access, so
        the module may define the new names after this call).

    Examples
    --------
    ``__getattr__ = renamed(__name__, {"portfolio_map": lambda: plot_portfolio_map})``
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            target = names[name]()
            warnings.warn(
                f"{module}.{name} is deprecated; use {module}.{target.__name__}.",
                DeprecationWarning,
                stacklevel=2,
            )
            return target
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
