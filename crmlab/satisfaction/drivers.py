"""Driver models of satisfaction: which attributes move overall satisfaction (statsmodels).

``kind="ols"``: linear regression of the outcome on the predictors with heteroskedasticity-
consistent HC3 standard errors (MacKinnon and White, 1985) and standardised coefficients
:math:`\\beta^{std}_j = \\beta_j s_{x_j}/s_y`. ``kind="ordered_logit"``: the proportional-odds
model :math:`P(Y \\le k) = \\Lambda(\\tau_k - x'\\beta)` (McCullagh, 1980) fitted with
:class:`statsmodels.miscmodels.ordinal_model.OrderedModel`, which respects that a rating scale
is ordinal; its coefficients are log odds ratios of a higher rating.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

from crmlab._deprecation import check_alpha
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, ParameterError
from crmlab.io import check_numeric, row_error

__all__ = ["driver_model", "satisfaction_drivers"]


def driver_model(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    kind: str = "ols",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Fit a driver model of ``outcome`` on ``predictors`` and return a tidy coefficient table.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; numeric outcome and predictors. Rows with a missing value in any
        of them are dropped (with a CrmlabWarning).
    outcome : str
        Overall satisfaction (or loyalty) column.
    predictors : sequence of str
        Attribute ratings (e.g. perceptions, or PLS construct scores).
    kind : {"ols", "ordered_logit"}
        Linear model with HC3 errors, or proportional-odds ordered logit.
    alpha : float
        Significance level: the intervals cover ``1 - alpha`` (default 0.05, 95% intervals).

    Returns
    -------
    DataFrame
        One row per term: term, estimate (the coefficient), std_error (HC3 for OLS), statistic
        (t for OLS, z for the ordered logit), p_value, lower, upper (the ``1 - alpha``
        interval), standardized (OLS only: standardised coefficient; NaN for the intercept and
        thresholds), kind ("coefficient", "intercept" or "threshold").
        ``attrs`` holds n, r_squared (OLS) or pseudo_r_squared (McFadden, ordered logit), kind
        and outcome.
    """
    alpha = check_alpha(alpha)
    if kind not in ("ols", "ordered_logit"):
        raise ParameterError(
            f"kind must be 'ols' or 'ordered_logit', got {kind!r}.", parameter="kind"
        )
    predictors = list(predictors)
    if not predictors:
        raise ParameterError("predictors must name at least one column.", parameter="predictors")
    cols = [outcome, *predictors]
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise DataError(
            f"Columns {absent[:5]} are not in the data; columns found: {list(data.columns)[:30]}.",
            column=absent[0],
        )
    for c in cols:
        check_numeric(data, c, allow_null=True)
    frame = data[cols].apply(pd.to_numeric)
    incomplete = frame.isna().any(axis=1)
    if incomplete.all():
        raise row_error(data, incomplete, outcome, "no complete rows", "Provide complete answers.")
    if incomplete.any():
        warnings.warn(
            f"driver_model dropped {int(incomplete.sum())} rows with missing values.",
            CrmlabWarning,
            stacklevel=2,
        )
        frame = frame.loc[~incomplete]
    y = frame[outcome].astype(float)
    x = frame[predictors].astype(float)
    if len(frame) <= len(predictors) + 1:
        raise DataError(f"{len(frame)} complete rows are too few for {len(predictors)} predictors.")
    if kind == "ols":
        res = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit(cov_type="HC3")
        ci = res.conf_int(alpha)
        sd_y = y.std(ddof=1)
        table = pd.DataFrame(
            {
                "term": res.params.index,
                "estimate": res.params.to_numpy(),
                "std_error": res.bse.to_numpy(),
                "statistic": res.tvalues.to_numpy(),
                "p_value": res.pvalues.to_numpy(),
                "lower": ci.iloc[:, 0].to_numpy(),
                "upper": ci.iloc[:, 1].to_numpy(),
            }
        )
        sd_x = x.std(ddof=1).reindex(table["term"]).to_numpy()
        table["standardized"] = table["estimate"].to_numpy() * sd_x / sd_y
        table["kind"] = np.where(table["term"] == "const", "intercept", "coefficient")
        table.attrs.update(
            n=int(res.nobs), r_squared=float(res.rsquared), kind=kind, outcome=outcome
        )
        return table
    levels = np.sort(y.unique())
    if len(levels) < 3:
        raise DataError(
            f"Outcome {outcome!r} has {len(levels)} distinct values; an ordered logit needs "
            "at least three (use kind='ols' or a logit).",
            column=outcome,
        )
    yc = pd.Series(pd.Categorical(y, categories=levels, ordered=True), index=y.index)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = OrderedModel(yc, x, distr="logit").fit(method="bfgs", disp=False, maxiter=2000)
    if not res.mle_retvals.get("converged", True):
        raise ConvergenceError(
            "The ordered logit did not converge; merge sparse outcome categories or use kind='ols'."
        )
    ci = res.conf_int(alpha)
    k = len(predictors)
    table = pd.DataFrame(
        {
            "term": res.params.index,
            "estimate": res.params.to_numpy(),
            "std_error": res.bse.to_numpy(),
            "statistic": res.tvalues.to_numpy(),
            "p_value": res.pvalues.to_numpy(),
            "lower": ci.iloc[:, 0].to_numpy(),
            "upper": ci.iloc[:, 1].to_numpy(),
            "standardized": np.nan,
            "kind": ["coefficient"] * k + ["threshold"] * (len(res.params) - k),
        }
    )
    table.attrs.update(
        n=int(res.nobs), pseudo_r_squared=float(res.prsquared), kind=kind, outcome=outcome
    )
    return table


def satisfaction_drivers(
    survey: pd.DataFrame,
    overall: str = "overall_satisfaction",
    kind: str = "ols",
    by: str = "dimension",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Driver model of overall satisfaction on the respondents' mean perception per dimension.

    Builds one row per respondent with :func:`crmlab.satisfaction.respondent_table` (mean
    perception of the answered items of each dimension, or each item with ``by="item"``) and
    fits :func:`driver_model` with ``overall`` as the outcome.

    Parameters
    ----------
    survey : DataFrame
        Long survey with a respondent-level ``overall`` column.
    overall, kind, alpha
        Outcome column, model kind and significance level (see :func:`driver_model`).
    by : {"dimension", "item"}
        Predictors: dimension means or single items.

    Returns
    -------
    DataFrame
        As :func:`driver_model`; terms are the dimension (or item) names.
    """
    from crmlab.satisfaction.survey import respondent_table

    if overall not in survey.columns:
        raise DataError(
            f"The survey has no overall satisfaction column {overall!r}; add one (one value per "
            "respondent) or skip the driver analysis.",
            column=overall,
        )
    table = respondent_table(survey, by=by, keep=[overall])
    predictors = [c for c in table.columns if c != overall]
    return driver_model(table, overall, predictors, kind=kind, alpha=alpha)
