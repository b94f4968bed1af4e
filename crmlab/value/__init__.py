"""Customer perceived value: benefits minus costs, relative to competitors.

Perceived value is the customer's comparison of all the benefits of an offer (product, service,
personnel and image) with all its costs (money, time, energy and psychological), weighed against
the offers of competitors (Zeithaml 1988; Kotler & Keller 2016, ch. 5, "customer perceived
value = total customer benefit - total customer cost"). This module measures it from survey
ratings and compares brands.

Modules: :mod:`~crmlab.value.ratings` (reading and checking), :mod:`~crmlab.value._resample`
(the bootstrap engine), :mod:`~crmlab.value.brands` (perceived and relative value, wins and
losses), :mod:`~crmlab.value.value_map`, :mod:`~crmlab.value.drivers` and
:mod:`~crmlab.value.findings`. The value chain lives in :mod:`crmlab.satisfaction.chain`.

Ratings contract (long format, one row per respondent x brand x attribute)
-------------------------------------------------------------------------
``respondent_id``
    Who answered (never missing).
``brand``
    The rated offer (never missing).
``attribute``
    What was rated, e.g. ``product``, ``service``, ``money``.
``kind``
    ``benefit`` (higher rating = more benefit), ``cost`` (higher rating = higher cost, i.e.
    worse) or ``overall`` (an overall perceived-value rating of the brand, one row per
    respondent and brand, used by :func:`value_drivers`; the attribute name is free, e.g.
    ``overall_value``). Case and surrounding spaces are ignored; plurals are accepted.
``rating``
    The rating on the survey scale (default 1-7).
``importance`` (optional)
    Stated importance of the attribute to the respondent (any non-negative scale); repeated on
    each brand's row or given once. Missing on overall rows.
Any other column (e.g. a ``segment``) is kept; a segment column must be constant per respondent.

Estimators
----------
Benefits and costs of brand ``b`` are importance-weighted mean ratings,
``B_b = sum_{a in benefits} w_a r_ba / sum w_a`` and likewise ``C_b`` over cost attributes,
where ``r_ba`` is the mean rating of brand ``b`` on attribute ``a`` over the respondents who rated
it and ``w_a`` the mean stated importance of ``a`` (each respondent's mean first, then the mean
over respondents; equal weights without an importance column). This is the multi-attribute
compositional model of value (Zeithaml 1988; Woodruff 1997). Net value is ``B - C`` and the
value ratio ``B / C`` (Kotler & Keller 2016, ch. 5). Intervals are percentile bootstrap
intervals from resampling respondents (Efron & Tibshirani 1993, ch. 13), computed for all brands
at once with multinomial resampling weights; resampling respondents keeps each respondent's
ratings of several brands together, so brand comparisons are paired whenever the same
respondents rated both brands.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from crmlab.errors import ParameterError
from crmlab.value.brands import *  # noqa: F403
from crmlab.value.brands import __all__ as _brands
from crmlab.value.drivers import *  # noqa: F403
from crmlab.value.drivers import __all__ as _drivers
from crmlab.value.findings import *  # noqa: F403
from crmlab.value.findings import __all__ as _findings
from crmlab.value.ratings import *  # noqa: F403
from crmlab.value.ratings import __all__ as _ratings
from crmlab.value.value_map import *  # noqa: F403
from crmlab.value.value_map import __all__ as _value_map

__all__ = sorted([*_brands, *_drivers, *_findings, *_ratings, *_value_map])

#: The bundled ECSI surveys the deprecated ``value_chain("satisfaction" | "mobi")`` loads.
_SURVEYS = {"satisfaction": "bank customer", "mobi": "mobile-phone customer"}


def _value_chain(
    survey: str | pd.DataFrame = "satisfaction",
    inner: Mapping[str, Sequence[str]] | None = None,
    outer: Mapping[str, Sequence[str]] | None = None,
    value: str | None = None,
    outcome: str | None = None,
    method: str = "pls",
    n_bootstrap: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Deprecated: use :func:`crmlab.satisfaction.value_chain` on a loaded survey.

    ``survey`` may still name a bundled survey (``"satisfaction"`` or ``"mobi"``), which is
    loaded here with its ECSI specification. ``method="means"`` was removed: the chain is
    always a PLS path model.
    """
    from crmlab import datasets, satisfaction

    if method != "pls":
        raise ParameterError(
            f"method={method!r} is no longer available; the value chain is a PLS path model "
            "(crmlab.satisfaction.value_chain).",
            parameter="method",
        )
    label = "your"
    if isinstance(survey, str):
        if survey not in _SURVEYS:
            raise ParameterError(
                f"survey must be 'satisfaction', 'mobi' or a DataFrame, not {survey!r}.",
                parameter="survey",
            )
        spec = (
            satisfaction.ECSI_SATISFACTION_MODEL
            if survey == "satisfaction"
            else satisfaction.ECSI_MOBI_MODEL
        )
        inner = inner or spec["inner"]
        outer = outer or spec["outer"]
        label = _SURVEYS[survey]
        survey = datasets.load_satisfaction() if survey == "satisfaction" else datasets.load_mobi()
    elif not isinstance(survey, pd.DataFrame):
        raise ParameterError(
            f"survey must be 'satisfaction', 'mobi' or a DataFrame, not {type(survey).__name__}.",
            parameter="survey",
        )
    return satisfaction.value_chain(
        survey,
        inner,
        outer,
        value=value,
        outcome=outcome,
        n_bootstrap=n_bootstrap,
        seed=seed,
        alpha=alpha,
        label=label,
    )


_DEPRECATED: dict[str, tuple[Callable[..., Any], str]] = {
    "value_chain": (_value_chain, "crmlab.satisfaction.value_chain"),
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        target, new = _DEPRECATED[name]
        warnings.warn(
            f"crmlab.value.{name} is deprecated; use {new} (it takes the loaded survey frame).",
            DeprecationWarning,
            stacklevel=2,
        )
        return target
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
