"""Model choice for the CLV notebook: the model registry, unfitted models by name, the default
calibration/holdout split and the best model of a holdout comparison."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.clv.base import BaseModel
from crmlab.clv.bgbb import BGBB
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.errors import DataError, ParameterError

__all__ = ["MODELS", "best_model", "default_calibration_end", "make_models"]

#: Transaction and spend models by the names used in notebook parameters.
MODELS: dict[str, type[BaseModel]] = {
    "BGNBD": BGNBD,
    "MBGNBD": MBGNBD,
    "ParetoNBD": ParetoNBD,
    "BGBB": BGBB,
    "GammaGamma": GammaGamma,
}


def make_models(names: Sequence[str]) -> list[BaseModel]:
    """Unfitted model instances from their names (notebook parameter ``models``).

    Parameters
    ----------
    names : sequence of str
        Continuous-time transaction models, each once: ``"BGNBD"``, ``"MBGNBD"``,
        ``"ParetoNBD"`` (those :func:`crmlab.clv.compare_models` validates on a holdout).

    Returns
    -------
    list of models
        New instances with default options, in the order given.

    Raises
    ------
    ParameterError
        An empty list, an unknown or a repeated name.
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ParameterError(
            "models is empty: name at least one, e.g. ['BGNBD'].", parameter="models"
        )
    choices = ["BGNBD", "MBGNBD", "ParetoNBD"]
    unknown = [n for n in names if n not in choices]
    if unknown:
        raise ParameterError(
            f"unknown transaction model(s) {unknown[:5]} in models; choose from {choices}.",
            parameter="models",
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(f"models names {repeated} more than once.", parameter="models")
    return [MODELS[n]() for n in names]


def default_calibration_end(transactions: pd.DataFrame, share: float = 2 / 3) -> pd.Timestamp:
    """Default end of the calibration window: ``share`` of the way through the data.

    ``first day + floor(share * (last day - first day))``: with the default two thirds, models
    are fitted on the first two thirds of the observation window and validated on the last
    third (CDNOW, 1997-01-01 to 1998-06-30: 1997-12-30).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (column ``date``).
    share : float, default 2/3
        Share of the window, in (0, 1), used for calibration.

    Returns
    -------
    Timestamp
        The last calibration day (midnight).
    """
    if "date" not in transactions:
        raise DataError("transactions lack the column 'date'.", column="date")
    if not 0 < share < 1:
        raise ParameterError(f"share must be in (0, 1), got {share!r}.", parameter="share")
    days = pd.to_datetime(transactions["date"]).dt.normalize()
    first, last = days.min(), days.max()
    if pd.isna(first) or first == last:
        raise DataError(
            "the transactions span a single day: no calibration/holdout split is possible.",
            column="date",
        )
    span = (last - first).days
    return first + pd.Timedelta(days=int(np.floor(share * span)))


def best_model(
    comparison: pd.DataFrame,
    criterion: str = "holdout_mae",
    models: Sequence[BaseModel] | None = None,
) -> Any:
    """The model with the smallest ``criterion`` in a :func:`compare_models` table.

    ``holdout_mae`` (mean absolute error of each customer's holdout purchases) is the default:
    it measures what the CLV uses, individual predictions out of sample. ``aic``/``bic`` rank
    in-sample fit; ``tracking_mape`` the aggregate curve.

    Parameters
    ----------
    comparison : DataFrame
        :func:`crmlab.clv.compare_models` output (index: model names).
    criterion : str
        The column to minimise (its absolute value for columns ending in ``_pct``).
    models : sequence of models, optional
        The fitted models that were compared. Given, the best of them is returned; without it,
        its name.

    Returns
    -------
    str or model
        The best model's name (class name, e.g. ``"ParetoNBD"``), or the model itself when
        ``models`` is given.

    Raises
    ------
    ParameterError
        ``criterion`` not a column of ``comparison``, or the best model not among ``models``.
    """
    if criterion not in comparison:
        raise ParameterError(
            f"criterion {criterion!r} is not a column of the comparison table; choose from "
            f"{list(comparison.columns)}.",
            parameter="criterion",
        )
    values = comparison[criterion].abs() if criterion.endswith("_pct") else comparison[criterion]
    name = str(values.idxmin())
    if models is None:
        return name
    for model in models:
        if type(model).__name__ == name:
            return model
    raise ParameterError(
        f"the best model {name!r} is not among models ({[type(m).__name__ for m in models]}); "
        "pass the fitted models that compare_models compared.",
        parameter="models",
    )
