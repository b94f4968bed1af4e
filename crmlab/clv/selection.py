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
from crmlab.clv.bgcnbd import BGCNBD, MBGCNBD
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.correlation import ParetoNBDCorrelated
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.ggomnbd import GGomNBD
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.nbd import NBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.clv.validation import compare_models
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, ParameterError

__all__ = [
    "CDNOW_CALIBRATION_END",
    "MODELS",
    "ForecastChoice",
    "ModelFits",
    "average_clv",
    "average_probability_alive",
    "best_model",
    "choose_forecast_model",
    "diagnostic_model",
    "calibration_end_or_default",
    "default_calibration_end",
    "fit_models",
    "forecast_clv",
    "holdout_scores",
    "make_models",
    "needs_regularity",
    "model_comparison",
    "refit_best",
    "refit_models",
    "spend_summary",
    "supports_diagnostics",
    "supports_tracking",
    "trackable_models",
]

#: Transaction and spend models by the names used in notebook parameters.
MODELS: dict[str, type[BaseModel]] = {
    "BGNBD": BGNBD,
    "MBGNBD": MBGNBD,
    "ParetoNBD": ParetoNBD,
    "NBD": NBD,
    "GGomNBD": GGomNBD,
    "BGCNBD": BGCNBD,
    "MBGCNBD": MBGCNBD,
    "ParetoNBDCorrelated": ParetoNBDCorrelated,
    "BGBB": BGBB,
    "GammaGamma": GammaGamma,
}

#: The transaction models :func:`make_models` builds (those :func:`compare_models` validates).
TRANSACTION_MODELS = (
    "BGNBD",
    "MBGNBD",
    "ParetoNBD",
    "NBD",
    "GGomNBD",
    "BGCNBD",
    "MBGCNBD",
    "ParetoNBDCorrelated",
)

#: The dropout parameters of each model with dropout: when the data show no dropout, these run
#: to the no-dropout boundary (p -> 0 for BG/NBD and MBG/NBD, mu -> 0 for Pareto/NBD).
DROPOUT_PARAMETERS = {
    "BGNBD": ("a", "b"),
    "MBGNBD": ("a", "b"),
    "BGCNBD": ("a", "b"),
    "MBGCNBD": ("a", "b"),
    "ParetoNBD": ("s", "beta"),
    "ParetoNBDCorrelated": ("s", "beta"),
    "GGomNBD": ("b", "s", "beta"),
}

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
        ``"ParetoNBD"``, ``"NBD"``, ``"GGomNBD"``, ``"BGCNBD"``, ``"MBGCNBD"`` (k chosen by
        likelihood; they need ``rfm_summary(..., regularity=True)``), ``"ParetoNBDCorrelated"``
        (those :func:`crmlab.clv.compare_models` validates on a holdout).

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


def needs_regularity(names: Sequence[str]) -> bool:
    """Whether the models named need ``litt`` (``rfm_summary(..., regularity=True)``)."""
    return any(n in ("BGCNBD", "MBGCNBD") for n in ([names] if isinstance(names, str) else names))


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
    scores = holdout_scores(summary_with_holdout, fits.fitted)["log_score"]
    table.insert(table.columns.get_loc("holdout_mae"), "holdout_log_score", scores.mean())
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


# ---------------------------------------------------------------------- forecast choice
def supports_tracking(model: BaseModel) -> bool:
    """Whether ``model`` has the new-customer expectation the tracking curve needs."""
    from crmlab.clv.validation import _supports_tracking

    return _supports_tracking(model)


def trackable_models(models: Sequence[BaseModel]) -> list[BaseModel]:
    """The models of ``models`` that :func:`crmlab.clv.tracking_data` can draw."""
    return [m for m in models if supports_tracking(m)]


def holdout_scores(
    summary_with_holdout: pd.DataFrame, models: Sequence[BaseModel] | dict[str, BaseModel]
) -> pd.DataFrame:
    """Per-customer holdout scores of fitted models: log score and squared error.

    ``log_score`` is ``log P(X = x*)`` of the customer's holdout count under the model's
    conditional count distribution (:func:`crmlab.clv.predictive.holdout_log_score`; NaN for
    a model without one); ``squared_error`` is ``(E[X] - x*)^2`` of the conditional
    expectation over the customer's holdout duration.

    ``models`` may be a dict (label -> fitted model) to compare fits of one class.

    Returns
    -------
    DataFrame
        Index the customers; columns a MultiIndex (``score``, ``model``).
    """
    from crmlab.clv.predictive import holdout_log_score
    from crmlab.clv.validation import conditional_over_durations

    actual = summary_with_holdout["frequency_holdout"].to_numpy(dtype=float)
    logs, squares = {}, {}
    named = dict(models) if isinstance(models, dict) else {type(m).__name__: m for m in models}
    for name, model in named.items():
        pred = np.asarray(conditional_over_durations(model, summary_with_holdout), dtype=float)
        squares[name] = (pred - actual) ** 2
        try:
            logs[name] = holdout_log_score(model, summary_with_holdout).to_numpy()
        except ParameterError:
            logs[name] = np.full(len(actual), np.nan)
    index = summary_with_holdout.index
    return pd.concat(
        {
            "log_score": pd.DataFrame(logs, index=index),
            "squared_error": pd.DataFrame(squares, index=index),
        },
        axis=1,
        names=["score", "model"],
    )


@dataclass
class ForecastChoice:
    """The outcome of :func:`choose_forecast_model`.

    Attributes
    ----------
    criterion : str
        ``"log_score"`` (mean holdout log score per customer, larger is better) or ``"rmse"``
        (root mean squared error of the holdout purchases, smaller is better).
    table : DataFrame
        Per model: ``log_score`` (mean per customer), ``rmse``, ``rank`` on the criterion.
    best, runner_up : str or None
        The first two models on the criterion (runner-up None with one model).
    difference, lower, upper : float
        How much better the best is than the runner-up (log score: mean difference per
        customer; RMSE: runner-up minus best), and its paired-bootstrap interval.
    tie : bool
        The interval covers 0: the holdout cannot tell the two apart.
    models : list of str
        The models to forecast with: the best, or both on a tie (their CLV is averaged).
    alpha, n_bootstrap, n_customers : float, int, int
        Interval level, bootstrap resamples and customers scored.
    equivalent : list of str
        Models whose holdout scores equal the best's to 1e-6 (the same forecasts, e.g.
        BG/CNBD-k at k = 1 and BG/NBD): never counted as the runner-up.
    note : str
        Why ``models`` differs from the choice (Pareto/NBD with correlation has no parameter
        draws, so the CLV uses the next model).
    """

    criterion: str
    table: pd.DataFrame
    best: str
    runner_up: str | None
    difference: float
    lower: float
    upper: float
    tie: bool
    models: list[str]
    alpha: float
    n_bootstrap: int
    n_customers: int
    equivalent: list[str] = field(default_factory=list)
    note: str = ""

    def summary(self) -> pd.DataFrame:
        """The comparison as a report table, columns labelled with their units."""
        out = pd.DataFrame(
            {
                "mean holdout log score per customer (nats)": self.table["log_score"],
                "holdout RMSE (purchases per customer)": self.table["rmse"],
                f"rank on {'log score' if self.criterion == 'log_score' else 'RMSE'}": self.table[
                    "rank"
                ],
            }
        )
        out.index.name = "model"
        return out.sort_values(out.columns[-1])


def choose_forecast_model(
    summary_with_holdout: pd.DataFrame,
    models: Sequence[BaseModel] | ModelFits,
    *,
    criterion: str | None = None,
    n_bootstrap: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> ForecastChoice:
    """Choose the forecasting model on a proper holdout criterion, with a paired bootstrap.

    Each customer's holdout purchases are scored under every model: by the log of the
    predicted probability of the count she made (a strictly proper score of the whole count
    distribution, Gneiting and Raftery 2007) when every model has a conditional count
    distribution, otherwise by the squared error of the conditional expectation (RMSE). The
    best and the runner-up are compared on the same customers: the difference is bootstrapped
    over customers (``n_bootstrap`` resamples, paired, percentile interval). When the
    ``1 - alpha`` interval covers 0 the two are tied and both are used (their CLV averaged);
    a lead of 1% MAE is never a winner by itself.

    Parameters
    ----------
    summary_with_holdout : DataFrame
        ``rfm_summary(..., calibration_end=...)`` output.
    models : sequence of fitted models, ModelFits, or dict
        The identified models (``fits.fitted``), or label -> fitted model.
    criterion : {"log_score", "rmse"}, optional
        Default ``"log_score"`` when every model has a count pmf, else ``"rmse"``.
    n_bootstrap : int, default 2000
    alpha : float, default 0.05
        Significance level of the interval of the difference.
    seed : int, default 0

    Returns
    -------
    ForecastChoice
    """
    from crmlab.checks import check_count, check_fraction
    from crmlab.estimation import check_seed

    if isinstance(models, ModelFits):
        fitted = list(models.fitted)
    elif isinstance(models, dict):
        fitted = dict(models)
    else:
        fitted = list(models)
    if not fitted:
        raise ParameterError("give at least one fitted model.", parameter="models")
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap")
    alpha = check_fraction(alpha, "alpha", zero=False, one=False)
    seed = check_seed(seed)
    scores = holdout_scores(summary_with_holdout, fitted)
    logs, squares = scores["log_score"], scores["squared_error"]
    if criterion is None:
        criterion = "log_score" if logs.notna().all().all() else "rmse"
    if criterion not in ("log_score", "rmse"):
        raise ParameterError(
            f"criterion must be 'log_score' or 'rmse', got {criterion!r}.", parameter="criterion"
        )
    if criterion == "log_score" and logs.isna().any().any():
        missing = [str(c) for c in logs.columns[logs.isna().any().to_numpy()]]
        raise ParameterError(
            f"{missing} have no conditional count distribution: use criterion='rmse'.",
            parameter="criterion",
        )
    table = pd.DataFrame({"log_score": logs.mean(), "rmse": np.sqrt(squares.mean())})
    table.index.name = "model"
    key = -table["log_score"] if criterion == "log_score" else table["rmse"]
    order = [str(n) for n in key.sort_values(kind="stable").index]
    table["rank"] = pd.Series(range(1, len(order) + 1), index=order).reindex(table.index)
    best = order[0]
    n = len(summary_with_holdout)
    score = logs if criterion == "log_score" else squares
    # models whose every holdout score equals the best's (BG/CNBD-k with k = 1 is the BG/NBD)
    same = [
        m for m in order[1:]
        if np.allclose(score[m].to_numpy(), score[best].to_numpy(), rtol=1e-6, atol=1e-9)
    ]  # fmt: skip
    rest = [m for m in order[1:] if m not in same]
    if not rest:
        use, note = _forecastable([best], order)
        return ForecastChoice(
            criterion, table, best, None, np.nan, np.nan, np.nan, False, use, alpha,
            n_bootstrap, n, same, note,
        )  # fmt: skip
    runner = rest[0]
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_bootstrap, n))
    if criterion == "log_score":
        diff = logs[best].to_numpy() - logs[runner].to_numpy()
        point = float(diff.mean())
        boot = diff[idx].mean(axis=1)
    else:
        sb, sr = squares[best].to_numpy(), squares[runner].to_numpy()
        point = float(np.sqrt(sr.mean()) - np.sqrt(sb.mean()))
        boot = np.sqrt(sr[idx].mean(axis=1)) - np.sqrt(sb[idx].mean(axis=1))
    lower, upper = (float(v) for v in np.quantile(boot, [alpha / 2, 1 - alpha / 2]))
    tie = bool(lower <= 0 <= upper)
    use, note = _forecastable([best, runner] if tie else [best], order)
    return ForecastChoice(
        criterion, table, best, runner, point, lower, upper, tie, use, alpha, n_bootstrap, n,
        same, note,
    )  # fmt: skip


#: Models the CLV forecast cannot use: no parameter draws for its intervals.
_NO_FORECAST = ("ParetoNBDCorrelated",)


def _forecastable(names: list[str], order: list[str]) -> tuple[list[str], str]:
    """The chosen names the CLV can use, else the best-ranked one that can; and a note."""
    use = [m for m in names if m not in _NO_FORECAST]
    if len(use) == len(names):
        return use, ""
    if not use:
        use = [next((m for m in order if m not in _NO_FORECAST), names[0])]
    left = [m for m in names if m not in use]
    return use, (
        f"{', '.join(left)} has no parameter draws for CLV intervals, so the CLV uses "
        f"{' and '.join(use)}."
    )


def refit_models(names: Sequence[str], summary: pd.DataFrame) -> list[BaseModel]:
    """The named models refitted on ``summary`` (the whole window); those not identified
    there are left out with a :class:`crmlab.errors.CrmlabWarning`.

    Raises
    ------
    DataError
        None of them can be estimated on ``summary``.
    """
    fits = fit_models([MODELS[n]() for n in names], summary, warn=True, require=True)
    return fits.fitted


def average_clv(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The equal-weight average of several models' :func:`customer_lifetime_value` tables.

    ``clv``, ``dert``, ``expected_purchases``, ``expected_spend`` are averaged; the
    parameter-uncertainty bounds ``clv_lower``/``clv_upper`` become the lowest lower and the
    highest upper bound of the models (an envelope, conservative); the total likewise. One
    table is returned unchanged.
    """
    tables = list(tables)
    if not tables:
        raise ParameterError("give at least one CLV table.", parameter="tables")
    if len(tables) == 1:
        return tables[0]
    first = tables[0]
    out = first.copy()
    for col in ("expected_purchases", "dert", "expected_spend", "clv"):
        if col in first:
            out[col] = np.mean([t[col].reindex(first.index).to_numpy() for t in tables], axis=0)
    if "clv_lower" in first and all("clv_lower" in t for t in tables):
        out["clv_lower"] = np.min([t["clv_lower"].reindex(first.index) for t in tables], axis=0)
        out["clv_upper"] = np.max([t["clv_upper"].reindex(first.index) for t in tables], axis=0)
    totals = [t.attrs.get("total_clv") for t in tables]
    if all(totals):
        out.attrs["total_clv"] = {
            "estimate": float(out["clv"].sum()),
            "lower": float(min(t["lower"] for t in totals)),
            "upper": float(max(t["upper"] for t in totals)),
        }
    out.attrs["models_averaged"] = len(tables)
    return out


def forecast_clv(
    models: Sequence[BaseModel],
    spend_model: BaseModel | None,
    summary: pd.DataFrame | None,
    horizon: float,
    discount_rate: float,
    time_unit: str,
    margin_rate: float = 1.0,
    **options: Any,
) -> pd.DataFrame:
    """:func:`crmlab.clv.customer_lifetime_value` of each model, averaged (:func:`average_clv`).

    One model gives its own table; two (a tie in :func:`choose_forecast_model`) the
    equal-weight average. ``options`` pass on (``n_draws``, ``seed``, ``step``, ``alpha``).
    """
    from crmlab.clv.value import customer_lifetime_value

    tables = [
        customer_lifetime_value(
            m, spend_model, summary, horizon, discount_rate, time_unit, margin_rate, **options
        )
        for m in models
    ]
    return average_clv(tables)


def average_probability_alive(
    models: Sequence[BaseModel], data: pd.DataFrame | None = None
) -> pd.Series:
    """P(alive) averaged over models (one model: its own), named ``probability_alive``."""
    values = [m.probability_alive(data) for m in models]
    out = sum(v.to_numpy() for v in values) / len(values)
    return pd.Series(out, index=values[0].index, name="probability_alive")


def supports_diagnostics(model: BaseModel) -> bool:
    """Whether ``model`` has the new-customer predictions of the diagnostic plots (tracking,
    repeat-purchase histogram: ``expected_purchases_new_customer``, ``probability_of_purchases``)."""
    try:
        model.expected_purchases_new_customer(np.array([1.0]))
        model.probability_of_purchases(np.arange(2), 1.0)
    except (ParameterError, NotImplementedError, AttributeError, TypeError, ValueError):
        return False
    return True


def diagnostic_model(choice: ForecastChoice, models: Sequence[BaseModel]) -> BaseModel:
    """The best model of ``choice`` that the diagnostics can draw.

    The chosen model itself when it has the new-customer predictions (:func:`supports_diagnostics`),
    else the next one in the ranking, with a :class:`crmlab.errors.CrmlabWarning` saying so.
    """
    by_name = {type(m).__name__: m for m in models}
    ranked = [str(n) for n in choice.table["rank"].sort_values(kind="stable").index]
    for name in ranked:
        model = by_name.get(name)
        if model is not None and supports_diagnostics(model):
            if name != choice.best:
                warnings.warn(
                    f"{choice.best} has no new-customer predictions for the diagnostic plots; "
                    f"they show {name}, the next model on the holdout.",
                    CrmlabWarning,
                    stacklevel=2,
                )
            return model
    return by_name[choice.best]
