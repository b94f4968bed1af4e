"""Model choice for the CLV notebook: the model registry, unfitted models by name, the
calibration/holdout split, fitting that survives models the data cannot identify, the comparison
table and the best model of a holdout comparison."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab import text
from crmlab.clv.base import BaseModel
from crmlab.clv.bgbb import BGBB
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.nbd import NBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.clv.validation import compare_models
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, ParameterError

__all__ = [
    "CDNOW_CALIBRATION_END",
    "MODELS",
    "ModelFits",
    "best_model",
    "calibration_end_or_default",
    "default_calibration_end",
    "fit_models",
    "make_models",
    "model_comparison",
    "refit_best",
    "spend_summary",
]

#: Transaction and spend models by the names used in notebook parameters.
MODELS: dict[str, type[BaseModel]] = {
    "BGNBD": BGNBD,
    "MBGNBD": MBGNBD,
    "ParetoNBD": ParetoNBD,
    "NBD": NBD,
    "BGBB": BGBB,
    "GammaGamma": GammaGamma,
}

#: The transaction models :func:`make_models` builds (those :func:`compare_models` validates).
TRANSACTION_MODELS = ("BGNBD", "MBGNBD", "ParetoNBD", "NBD")

#: The dropout parameters of each model with dropout: when the data show no dropout, these run
#: to the no-dropout boundary (p -> 0 for BG/NBD and MBG/NBD, mu -> 0 for Pareto/NBD).
DROPOUT_PARAMETERS = {"BGNBD": ("a", "b"), "MBGNBD": ("a", "b"), "ParetoNBD": ("s", "beta")}

#: End of the calibration window of Fader, Hardie and Lee (2005a) on the bundled CDNOW sample
#: (39 weeks from 1997-01-01); used only for the bundled data.
CDNOW_CALIBRATION_END = "1997-09-30"

#: Largest standard error of a log parameter of an identified model (a factor e^10 either way).
_MAX_LOG_SE = 10.0


def make_models(names: Sequence[str]) -> list[BaseModel]:
    """Unfitted model instances from their names (notebook parameter ``models``).

    Parameters
    ----------
    names : sequence of str
        Continuous-time transaction models, each once: ``"BGNBD"``, ``"MBGNBD"``,
        ``"ParetoNBD"``, ``"NBD"`` (those :func:`crmlab.clv.compare_models` validates on a
        holdout).

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
    choices = list(TRANSACTION_MODELS)
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


def calibration_end_or_default(
    calibration_end: str, transactions: pd.DataFrame, *, bundled: bool = False
) -> pd.Timestamp:
    """The calibration end a notebook uses: the one given, else the default for these data.

    Parameters
    ----------
    calibration_end : str
        The notebook parameter; empty for the default.
    transactions : DataFrame
        The transactions contract (column ``date``).
    bundled : bool, default False
        Whether ``transactions`` are the bundled CDNOW sample: their default is
        :data:`CDNOW_CALIBRATION_END` (39 weeks, as in Fader, Hardie and Lee 2005a); any other
        data get :func:`default_calibration_end` (two thirds of their window).

    Returns
    -------
    Timestamp
    """
    if calibration_end:
        return pd.Timestamp(calibration_end)
    if bundled:
        return pd.Timestamp(CDNOW_CALIBRATION_END)
    return default_calibration_end(transactions)


@dataclass
class ModelFits:
    """The outcome of :func:`fit_models`.

    Attributes
    ----------
    fitted : list of models
        The models the data identify, fitted, in the order asked for.
    not_identified : dict
        Model name -> plain-text reason it could not be estimated (``"its dropout parameter
        s runs to the edge of the search"``).
    no_dropout : list of str
        The names in ``not_identified`` whose failure lies at the no-dropout boundary: the
        data show no evidence of dropout, so the no-dropout NBD limit fits as well.
    order : list of str
        Every model's name, in the order asked for.
    """

    fitted: list[BaseModel] = field(default_factory=list)
    not_identified: dict[str, str] = field(default_factory=dict)
    no_dropout: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)


def _bound_names(exc: Exception) -> list[str]:
    parameter = getattr(exc, "parameter", None)
    names = [parameter] if parameter else []
    match = re.search(r"parameter\(s\) \[([^\]]*)\]", str(exc))
    if match:
        names += [n.strip().strip("'\"") for n in match.group(1).split(",")]
    return list(dict.fromkeys(n for n in names if n))


def _reason_from_error(name: str, exc: Exception) -> tuple[str, bool]:
    """A short reason for the comparison table, and whether it is the no-dropout boundary."""
    bound = _bound_names(exc)
    dropout = DROPOUT_PARAMETERS.get(name, ())
    reason = getattr(exc, "reason", None)
    if bound and reason in (None, "parameter_at_bound", "flat_likelihood"):
        listed = ", ".join(bound)
        on_dropout = any(b in dropout for b in bound)
        kind = "dropout parameter" if on_dropout else "parameter"
        plural = "s" if len(bound) > 1 else ""
        if reason == "flat_likelihood":
            return f"its likelihood is flat in its {kind}{plural} {listed}", on_dropout
        return f"its {kind}{plural} {listed} ran to the edge of the search", on_dropout
    message = str(exc)
    if message.startswith(f"{name}:"):
        message = message[len(name) + 1 :].strip()
    first = message.split(". ")[0].rstrip(".")
    return first or type(exc).__name__, False


def _boundary_reason(name: str, model: BaseModel) -> tuple[str, bool] | None:
    """Why a fit that returned sits at the boundary of its parameter space, or None."""
    with np.errstate(invalid="ignore"):
        se_log = np.sqrt(np.diag(model.covariance_log_params_().to_numpy()))
        bad = ~np.isfinite(se_log) | (se_log <= 0) | (se_log > _MAX_LOG_SE)
    if not bad.any():
        return None
    names = [n for n, b in zip(model.params_.index, bad, strict=True) if b]
    dropout = DROPOUT_PARAMETERS.get(name, ())
    on_dropout = any(n in dropout for n in names)
    values = ", ".join(f"{n} = {float(model.params_[n]):.3g}" for n in names)
    where = "the no-dropout boundary" if on_dropout else "the edge of the parameter space"
    return f"its optimum lies at {where}: {values}, without standard errors", on_dropout


def fit_models(
    models: Sequence[str | BaseModel],
    summary: pd.DataFrame,
    *,
    warn: bool = True,
    require: bool = True,
) -> ModelFits:
    """Fit transaction models, keeping those the data identify and saying why the others fail.

    A model is not identified when its fit raises :class:`crmlab.errors.ConvergenceError` (a
    parameter runs to the bound of the search, a flat likelihood, no convergence), when its
    optimum lies on the boundary of the parameter space (a log parameter without a finite
    standard error, or one larger than e^10), or when no customer made a repeat purchase. Data
    errors (a recency above T, ...) are raised as usual.

    Parameters
    ----------
    models : sequence of str or models
        Names (see :func:`make_models`) or unfitted model instances.
    summary : DataFrame
        ``crmlab.rfm.rfm_summary`` output (calibration window).
    warn : bool, default True
        Issue one :class:`crmlab.errors.CrmlabWarning` per model not identified (a data note
        of the report).
    require : bool, default True
        Raise when no model at all can be estimated (there is nothing to go on with).

    Returns
    -------
    ModelFits

    Raises
    ------
    DataError
        ``require`` and no model can be estimated; the message gives each model's reason.
    """
    instances = make_models(models) if all(isinstance(m, str) for m in models) else list(models)
    out = ModelFits()
    repeaters = (
        int((pd.to_numeric(summary["frequency"], errors="coerce") > 0).sum())
        if isinstance(summary, pd.DataFrame) and "frequency" in summary
        else None  # the models' own checks say what is missing
    )
    for model in instances:
        name = type(model).__name__
        out.order.append(name)
        if repeaters == 0:
            reason, no_drop = "no customer made a repeat purchase in the calibration window", False
        else:
            try:
                model.fit(summary)
            except ConvergenceError as exc:
                reason, no_drop = _reason_from_error(name, exc)
            else:
                found = _boundary_reason(name, model)
                if found is None:
                    out.fitted.append(model)
                    continue
                reason, no_drop = found
        out.not_identified[name] = reason
        if no_drop:
            out.no_dropout.append(name)
        if warn:
            meaning = (
                ": there is no evidence of dropout in this window, so the no-dropout NBD limit "
                "fits as well"
                if no_drop
                else ""
            )
            warnings.warn(
                f"{name} is not identified on these data ({reason}){meaning}; the analysis "
                "goes on with the models that fitted.",
                CrmlabWarning,
                stacklevel=2,
            )
    if require and not out.fitted:
        _none_estimable(out)
    return out


def _none_estimable(fits: ModelFits) -> None:
    reasons = "; ".join(f"{k}: {v}" for k, v in fits.not_identified.items())
    raise DataError(
        f"none of the transaction models can be estimated on these data ({reasons}); check "
        "that customers make repeat purchases in the calibration window (calibration_end).",
        column="frequency",
    )


def model_comparison(
    summary_with_holdout: pd.DataFrame,
    fits: ModelFits,
    transactions: pd.DataFrame | None = None,
    calibration_end=None,
    time_unit: str = "W",
) -> pd.DataFrame:
    """:func:`crmlab.clv.compare_models` of the identified models, plus a row for each other.

    Returns
    -------
    DataFrame
        The :func:`compare_models` table with a first column ``status``: ``"identified"``, or
        ``"not identified: <reason>"`` for a model :func:`fit_models` could not estimate (its
        other columns are NaN, so :func:`best_model` passes it over). ``attrs["no_dropout"]``
        lists the models whose failure lies at the no-dropout boundary.

    Raises
    ------
    DataError
        No model could be estimated; the message gives each model's reason.
    """
    if not fits.fitted:
        _none_estimable(fits)
    table = compare_models(
        summary_with_holdout, fits.fitted, transactions, calibration_end, time_unit
    )
    table.insert(0, "status", "identified")
    for name, reason in fits.not_identified.items():
        table.loc[name] = np.nan
        table.loc[name, "status"] = f"not identified: {reason}"
    order = [n for n in fits.order if n in table.index]
    table = table.loc[order + [n for n in table.index if n not in order]]
    table.attrs["no_dropout"] = list(fits.no_dropout)
    return table


def refit_best(
    comparison: pd.DataFrame, summary: pd.DataFrame, criterion: str = "holdout_mae"
) -> BaseModel:
    """The best identified model of ``comparison`` refitted on ``summary`` (the whole window).

    When the best cannot be identified on the whole window, the next best is used, with a
    :class:`crmlab.errors.CrmlabWarning` saying so.

    Raises
    ------
    DataError
        No model of the comparison can be estimated on ``summary``.
    """
    if criterion not in comparison:
        best_model(comparison, criterion)  # raises the ParameterError naming the columns
    values = comparison[criterion].abs() if criterion.endswith("_pct") else comparison[criterion]
    ranked = [str(n) for n in values.dropna().sort_values(kind="stable").index]
    reasons: dict[str, str] = {}
    for name in ranked:
        fits = fit_models([MODELS[name]()], summary, warn=False, require=False)
        if fits.fitted:
            if reasons:
                skipped = "; ".join(f"{k}: {v}" for k, v in reasons.items())
                warnings.warn(
                    f"the best model(s) on the holdout could not be refitted on the whole "
                    f"window ({skipped}); the forecast uses {name}, the next best.",
                    CrmlabWarning,
                    stacklevel=2,
                )
            return fits.fitted[0]
        reasons.update(fits.not_identified)
    raise DataError(
        "no model of the comparison can be estimated on the whole window ("
        + "; ".join(f"{k}: {v}" for k, v in reasons.items())
        + ").",
        column="frequency",
    )


def spend_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary for the Gamma-Gamma spend model: repeat spend of 0 or less left out.

    Gamma-Gamma needs a positive mean spend for every customer with repeat purchases. A
    customer whose repeat purchases add up to 0 or less (zero-amount lines, returns netted
    out) has no usable spend: in the returned copy her ``frequency`` is 0, so the spend model
    ignores her in the fit and expects the population mean for her. A
    :class:`crmlab.errors.CrmlabWarning` (a data note) says how many customers that concerns.
    The transaction models keep using ``summary`` itself.

    Returns
    -------
    DataFrame
        ``frequency`` and ``monetary_value`` (and ``weight`` when present), same index.
    """
    for col in ("frequency", "monetary_value"):
        if col not in summary:
            raise DataError(
                f"summary lacks '{col}'; pass crmlab.rfm.rfm_summary output.", column=col
            )
    keep = [c for c in ("frequency", "monetary_value", "weight") if c in summary]
    out = summary[keep].copy()
    x = pd.to_numeric(out["frequency"], errors="coerce")
    m = pd.to_numeric(out["monetary_value"], errors="coerce")
    unusable = (x > 0) & ~(m > 0)
    n = int(unusable.sum())
    if n:
        out["frequency"] = out["frequency"].where(~unusable, 0)
        out["monetary_value"] = out["monetary_value"].where(~unusable, 0.0)
        warnings.warn(
            f"{text.count(n)} of {text.count(int((x > 0).sum()))} customers with repeat "
            "purchases spent 0 or less on them in total (zero amounts or netted returns); the "
            "spend model (Gamma-Gamma) leaves them out and expects the population mean spend "
            "for them.",
            CrmlabWarning,
            stacklevel=2,
        )
    return out
