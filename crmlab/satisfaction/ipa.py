"""Importance-performance analysis (Martilla and James, 1977).

Each attribute is placed by its importance (vertical) and performance (horizontal); a crosshair
(by default at the means over attributes, or at values the user gives) splits the plane into four
quadrants (Martilla and James, 1977, fig. 1):

=====================  ==================  =========================================
importance             performance         quadrant
=====================  ==================  =========================================
high                   low                 "concentrate here"
high                   high                "keep up the good work"
low                    low                 "low priority"
low                    high                "possible overkill"
=====================  ==================  =========================================

Performance is the mean perception. Importance is either *stated* (mean stated importance) or
*derived*: the standardised OLS coefficient of overall satisfaction on all attribute
perceptions, :math:`\\beta^{std}_j = \\beta_j s_{x_j}/s_y` (statsmodels; derived importance as
reviewed by Oh, 2001). Correlated attributes can give derived importances near zero or negative:
read them as "no unique effect", not "unimportant to customers".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm

from crmlab.checks import check_choice
from crmlab.errors import DataError, ParameterError

__all__ = ["QUADRANTS", "importance_performance", "ipa_actions"]

#: Quadrant labels (Martilla and James, 1977) and the action each suggests.
QUADRANTS: dict[str, str] = {
    "concentrate here": "improve: important to customers and performing below the crosshair",
    "keep up the good work": "maintain: important and performing well",
    "low priority": "monitor: neither important nor performing well",
    "possible overkill": "consider shifting resources: performing well on a less important "
    "attribute",
}
_PRIORITY = {"concentrate here": 1, "keep up the good work": 2, "possible overkill": 3,
             "low priority": 4}  # fmt: skip


def _is_survey(data: pd.DataFrame) -> bool:
    return {"respondent_id", "item", "perception"} <= set(data.columns)


def importance_performance(
    data: pd.DataFrame,
    method: str = "derived",
    overall: str | pd.Series | None = None,
    items: Sequence[str] | None = None,
    crosshair: str | tuple[float, float] = "mean",
) -> pd.DataFrame:
    """Importance and performance per attribute with the IPA quadrant.

    Parameters
    ----------
    data : DataFrame
        A long survey (contract of :mod:`crmlab.satisfaction.survey`) or a wide table with one
        perception column per attribute (one row per respondent).
    method : {"derived", "stated"}
        Importance from a regression on overall satisfaction, or the survey's ``importance``.
    overall : str or Series, optional
        Needed for ``method="derived"`` (ignored for "stated"): a respondent-level column of
        ``data`` (e.g.
        ``"overall_satisfaction"``) or a Series indexed by respondent id (survey) / row label
        (wide table).
    items : sequence of str, optional
        Attributes (wide: columns) to analyse; default all items (wide: numeric columns other
        than ``overall``).
    crosshair : "mean", "median" or (importance, performance)
        Where the quadrant lines cross.

    Returns
    -------
    DataFrame
        One row per attribute: item, dimension (survey only), performance (mean perception),
        importance (stated mean, or standardised coefficient), importance_se (standard error of
        the derived coefficient; NaN for stated), quadrant, action. ``attrs["crosshair"]`` holds
        (importance, performance) of the crosshair, ``attrs["method"]`` the method and, when
        derived, ``attrs["r_squared"]``.
    """
    check_choice(method, "method", ("derived", "stated"))
    dims = None
    if _is_survey(data):
        wide = data.pivot(index="respondent_id", columns="item", values="perception")
        order = list(dict.fromkeys(data["item"]))
        wide = wide[order]
        dims = data.drop_duplicates("item").set_index("item")["dimension"]
        if isinstance(overall, str) and method == "derived":
            if overall not in data.columns:
                raise DataError(
                    f"overall column {overall!r} is not in the survey: derived importance needs "
                    "overall satisfaction; use method='stated' if importance was asked.",
                    column=overall,
                )
            overall = data.drop_duplicates("respondent_id").set_index("respondent_id")[overall]
    else:
        wide = data
        if isinstance(overall, str):
            if overall not in data.columns:
                raise DataError(f"overall column {overall!r} is not in the data.", column=overall)
            overall = data[overall]
            wide = data.drop(columns=overall.name)
        if items is None:
            items = [c for c in wide.columns if pd.api.types.is_numeric_dtype(wide[c])]
    if items is not None:
        absent = [i for i in items if i not in wide.columns]
        if absent:
            raise DataError(f"Items {absent[:5]} are not in the data.", column=absent[0])
        wide = wide[list(items)]
    performance = wide.mean()
    out = pd.DataFrame({"item": wide.columns})
    if dims is not None:
        out["dimension"] = out["item"].map(dims).to_numpy()
    out["performance"] = performance.to_numpy()
    attrs: dict = {"method": method}
    if method == "stated":
        if not _is_survey(data) or "importance" not in data.columns:
            raise DataError(
                "method='stated' needs a survey with an importance column; use "
                "method='derived' with overall=...",
                column="importance",
            )
        imp = data.groupby("item")["importance"].mean()
        out["importance"] = out["item"].map(imp).to_numpy()
        out["importance_se"] = np.nan
    else:
        if overall is None:
            raise ParameterError(
                "method='derived' needs overall= (overall satisfaction column or Series).",
                parameter="overall",
            )
        y = pd.Series(overall).reindex(wide.index)
        frame = wide.assign(_y=y.to_numpy()).dropna()
        if len(frame) <= wide.shape[1] + 1:
            raise DataError(
                f"Only {len(frame)} complete respondents for {wide.shape[1]} attributes: too "
                "few to derive importance; use method='stated'."
            )
        z = (frame - frame.mean()) / frame.std(ddof=1)
        res = sm.OLS(z["_y"], sm.add_constant(z.drop(columns="_y"))).fit()
        out["importance"] = res.params.reindex(out["item"]).to_numpy()
        out["importance_se"] = res.bse.reindex(out["item"]).to_numpy()
        attrs["r_squared"] = float(res.rsquared)
    if isinstance(crosshair, str):
        if crosshair not in ("mean", "median"):
            raise ParameterError(
                "crosshair must be 'mean', 'median' or (importance, performance).",
                parameter="crosshair",
            )
        ci = getattr(out["importance"], crosshair)()
        cp = getattr(out["performance"], crosshair)()
    else:
        ci, cp = (float(v) for v in crosshair)
    high_i = out["importance"] >= ci
    high_p = out["performance"] >= cp
    out["quadrant"] = np.select(
        [high_i & ~high_p, high_i & high_p, ~high_i & ~high_p],
        ["concentrate here", "keep up the good work", "low priority"],
        "possible overkill",
    )
    out["action"] = out["quadrant"].map(QUADRANTS)
    attrs["crosshair"] = (float(ci), float(cp))
    out.attrs.update(attrs)
    return out


def ipa_actions(ipa: pd.DataFrame) -> pd.DataFrame:
    """The IPA table as an action list: "concentrate here" first, most important first.

    Returns
    -------
    DataFrame
        Rows of ``ipa`` ordered by quadrant priority (concentrate here, keep up the good work,
        possible overkill, low priority), then by importance (descending) within a quadrant, with
        a 1-based ``priority`` column in front.
    """
    order = ipa["quadrant"].map(_PRIORITY)
    out = ipa.assign(_o=order).sort_values(["_o", "importance"], ascending=[True, False])
    out = out.drop(columns="_o").reset_index(drop=True)
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    return out
