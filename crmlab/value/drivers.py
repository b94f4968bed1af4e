"""Drivers of overall perceived value: OLS, Johnson's relative weights and stated importance."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from crmlab import io as cio
from crmlab.checks import check_alpha
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.value.ratings import _as_ratings

__all__ = ["value_drivers"]


def value_drivers(
    ratings: pd.DataFrame,
    overall: pd.DataFrame | None = None,
    cov_type: str = "cluster",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Derived importance of each attribute for overall perceived value, beside stated importance.

    Regresses the overall value rating of each respondent x brand on the attribute ratings by
    OLS (statsmodels) with robust standard errors, then reports standardised coefficients and
    Johnson's relative weights (Johnson 2000, Multivariate Behavioral Research 35(1), 1-19: the
    share of R^2 due to each predictor, from the symmetric square root of the predictors'
    correlation matrix), next to the stated importance (Gustafsson & Johnson 2004, J. Service
    Research 7(2), on stated vs derived importance).

    Overall value contract: rows of kind ``overall`` in ``ratings`` (one per respondent and
    brand; attribute name free, e.g. ``overall_value``), or a separate frame ``overall`` with
    columns ``respondent_id``, ``brand``, ``rating``.

    Parameters
    ----------
    ratings : DataFrame
        Long-format ratings.
    overall : DataFrame, optional
        Overall value ratings, if not in ``ratings``.
    cov_type : {"cluster", "HC3", "HC1", "nonrobust"}
        ``cluster``: standard errors clustered by respondent (a respondent rates several brands);
        ``HC3``/``HC1``: heteroskedasticity-robust (MacKinnon & White 1985).
    alpha : float
        Significance level: the coefficient intervals cover ``1 - alpha`` (default 95%).

    Returns
    -------
    DataFrame
        Index ``attribute`` (benefits then costs); columns ``kind``, ``estimate`` (change in
        overall value per rating point), ``std_error``, ``p_value``, ``lower``, ``upper``,
        ``standardized`` (``b_j sd(x_j) / sd(y)``), ``relative_weight`` (Johnson's epsilon_j;
        they sum to R^2), ``derived_share`` (relative weight / R^2), ``stated_importance``
        (mean stated importance; NaN without an importance column), ``stated_share`` (its share
        of the sum over attributes), ``derived_rank`` and ``stated_rank`` (1 = most important).
        ``attrs``: ``r_squared``, ``n_observations``, ``intercept``, ``cov_type``.
    """
    import statsmodels.api as sm

    if cov_type not in ("cluster", "HC3", "HC1", "nonrobust"):
        raise ParameterError(
            f"cov_type must be 'cluster', 'HC3', 'HC1' or 'nonrobust', not {cov_type!r}.",
            parameter="cov_type",
        )
    alpha = check_alpha(alpha)
    frame = _as_ratings(ratings)
    if overall is not None:
        cio.require_columns(overall, ["respondent_id", "brand", "rating"], what="overall ratings")
        y_frame = overall[["respondent_id", "brand"]].assign(
            rating=cio.check_numeric(overall, "rating")
        )
    else:
        y_frame = frame.loc[frame["kind"] == "overall", ["respondent_id", "brand", "rating"]]
        if len(y_frame) == 0:
            raise DataError(
                "value_drivers needs an overall value rating: rows of kind 'overall' (e.g. "
                "attribute 'overall_value') in the ratings, or pass overall= with respondent_id, "
                "brand and rating columns.",
                column="kind",
            )
    y_frame = y_frame.groupby(["respondent_id", "brand"], sort=False)["rating"].mean()
    attrs_frame = frame[frame["kind"].isin(["benefit", "cost"])]
    wide = attrs_frame.pivot_table(
        index=["respondent_id", "brand"], columns="attribute", values="rating", sort=False
    )
    kinds = attrs_frame.groupby("attribute", sort=False)["kind"].first()
    order = list(kinds.index[kinds == "benefit"]) + list(kinds.index[kinds == "cost"])
    data = wide[order].join(y_frame.rename("__overall__"), how="inner")
    complete = data.dropna()
    if len(complete) < len(data):
        warnings.warn(
            f"{len(data) - len(complete)} of {len(data)} respondent-brand pairs lack a rating on "
            "some attribute and are left out of the driver regression.",
            CrmlabWarning,
            stacklevel=2,
        )
    if len(complete) <= len(order) + 1:
        raise DataError(
            f"Only {len(complete)} complete respondent-brand pairs for {len(order)} attributes; "
            "the driver regression needs more observations than attributes."
        )
    x = complete[order].to_numpy(dtype=float)
    y = complete["__overall__"].to_numpy(dtype=float)
    X = sm.add_constant(x, has_constant="add")
    kwargs: dict[str, Any] = {}
    if cov_type == "cluster":
        groups = pd.factorize(complete.index.get_level_values("respondent_id"))[0]
        kwargs = {"cov_kwds": {"groups": groups}}
    result = sm.OLS(y, X).fit(cov_type=cov_type, **kwargs)
    ci = np.asarray(result.conf_int(alpha))
    sd_x = x.std(axis=0, ddof=1)
    sd_y = y.std(ddof=1)
    coef = np.asarray(result.params)[1:]
    weights = _relative_weights(x, y)
    r2 = float(result.rsquared)
    stated = _stated_importance(attrs_frame).reindex(order)
    out = pd.DataFrame(
        {
            "kind": kinds.reindex(order).to_numpy(),
            "estimate": coef,
            "std_error": np.asarray(result.bse)[1:],
            "p_value": np.asarray(result.pvalues)[1:],
            "lower": ci[1:, 0],
            "upper": ci[1:, 1],
            "standardized": coef * sd_x / sd_y,
            "relative_weight": weights,
            "derived_share": weights / weights.sum(),
            "stated_importance": stated.to_numpy(),
            "stated_share": (stated / stated.sum()).to_numpy(),
        },
        index=pd.Index(order, name="attribute"),
    )
    out["derived_rank"] = out["derived_share"].rank(ascending=False, method="min").astype(int)
    out["stated_rank"] = out["stated_share"].rank(ascending=False, method="min")
    out.attrs.update(
        r_squared=r2,
        n_observations=int(len(y)),
        intercept=float(np.asarray(result.params)[0]),
        cov_type=cov_type,
    )
    return out


def _stated_importance(frame: pd.DataFrame) -> pd.Series:
    if "importance" not in frame.columns or frame["importance"].isna().all():
        return pd.Series(np.nan, index=pd.unique(frame["attribute"]))
    per_respondent = frame.groupby(["attribute", "respondent_id"], sort=False)["importance"].mean()
    return per_respondent.groupby(level="attribute", sort=False).mean()


def _relative_weights(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights: eps_j = sum_k lambda_jk^2 beta_k^2, sum = R^2."""
    data = np.column_stack([x, y])
    corr = np.corrcoef(data, rowvar=False)
    rxx, rxy = corr[:-1, :-1], corr[:-1, -1]
    values, vectors = np.linalg.eigh(rxx)
    values = np.clip(values, 0.0, None)
    lam = vectors @ np.diag(np.sqrt(values)) @ vectors.T  # symmetric square root of R_xx
    beta = np.linalg.lstsq(lam, rxy, rcond=None)[0]
    return (lam**2) @ (beta**2)
