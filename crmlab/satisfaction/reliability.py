"""Internal-consistency reliability of multi-item scales: Cronbach's alpha and item statistics.

For a scale of :math:`k` items with item variances :math:`s_h^2` and total-score variance
:math:`s_T^2`, Cronbach's (1951) alpha is

.. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_h s_h^2}{s_T^2}\\right).

The corrected item-total correlation correlates an item with the sum of the *other* items of its
scale, and alpha-if-item-deleted is alpha of the scale without the item (Nunnally and Bernstein,
1994, ch. 7). PZB (1988, table 3) report both for SERVQUAL. Rows with a missing answer in a
scale are left out of that scale (listwise within the scale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError

__all__ = ["cronbach_alpha", "reliability"]


def _alpha(x: np.ndarray) -> float:
    k = x.shape[1]
    if k < 2 or x.shape[0] < 2:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    if total == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total))


def _standardised_alpha(x: np.ndarray) -> float:
    """Alpha of standardised items: k r / (1 + (k-1) r), r the mean inter-item correlation."""
    k = x.shape[1]
    if k < 2 or x.shape[0] < 3:
        return float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(x, rowvar=False)
    mean_r = (r.sum() - k) / (k * (k - 1))
    return float(k * mean_r / (1 + (k - 1) * mean_r))


def _wide(
    data: pd.DataFrame, dimension_map: Mapping[str, Sequence[str]] | None, measure: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    if {"respondent_id", "item", "dimension", measure} <= set(data.columns):
        wide = data.pivot(index="respondent_id", columns="item", values=measure)
        if dimension_map is None:
            pairs = data.drop_duplicates("item")
            dimension_map = pairs.groupby("dimension", sort=False)["item"].agg(list).to_dict()
        return wide, {str(d): list(v) for d, v in dimension_map.items()}
    if dimension_map is None:
        raise ParameterError(
            "dimension_map is required for a wide table: {dimension: [columns]}.",
            parameter="dimension_map",
        )
    cols = [c for v in dimension_map.values() for c in v]
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise DataError(
            f"dimension_map names columns absent from the data: {absent[:5]}.", column=absent[0]
        )
    return data, {str(d): list(v) for d, v in dimension_map.items()}


def reliability(
    data: pd.DataFrame,
    dimension_map: Mapping[str, Sequence[str]] | None = None,
    measure: str = "perception",
) -> pd.DataFrame:
    """Item-level reliability statistics of each dimension's scale.

    Parameters
    ----------
    data : DataFrame
        A long survey (contract of :mod:`crmlab.satisfaction.survey`; ``measure`` is then
        pivoted to one column per item) or a wide table with one column per item.
    dimension_map : mapping dimension -> item columns, optional
        Required for a wide table; for a survey defaults to its item/dimension pairs.
    measure : str
        Survey column to analyse ("perception", "expectation" or "importance").

    Returns
    -------
    DataFrame
        One row per item: dimension, item, n (complete respondents of the scale), alpha
        (Cronbach's alpha of the dimension), standardised_alpha (alpha of the standardised
        items, :math:`k\\bar r/(1+(k-1)\\bar r)` with :math:`\\bar r` the mean inter-item
        correlation, as seminr reports), item_total_correlation (corrected: with the sum of
        the other items), alpha_if_deleted.
    """
    wide, dims = _wide(data, dimension_map, measure)
    rows = []
    for dim, items in dims.items():
        block = wide[items].apply(pd.to_numeric, errors="coerce").dropna()
        x = block.to_numpy(dtype=float)
        a = _alpha(x)
        a_std = _standardised_alpha(x)
        total = x.sum(axis=1)
        for h, item in enumerate(items):
            rest = total - x[:, h]
            with np.errstate(invalid="ignore", divide="ignore"):
                r = np.corrcoef(x[:, h], rest)[0, 1] if len(items) > 1 else np.nan
            rows.append(
                {
                    "dimension": dim,
                    "item": item,
                    "n": len(x),
                    "alpha": a,
                    "standardised_alpha": a_std,
                    "item_total_correlation": r,
                    "alpha_if_deleted": _alpha(np.delete(x, h, axis=1)),
                }
            )
    return pd.DataFrame(rows)


def cronbach_alpha(
    data: pd.DataFrame,
    dimension_map: Mapping[str, Sequence[str]] | None = None,
    measure: str = "perception",
) -> pd.DataFrame:
    """Cronbach's alpha per dimension (Cronbach, 1951).

    Returns
    -------
    DataFrame
        One row per dimension: dimension, n_items, n (complete respondents), alpha,
        standardised_alpha (see :func:`reliability`), min_item_total_correlation (the weakest
        corrected item-total correlation).
    """
    items = reliability(data, dimension_map, measure)
    out = items.groupby("dimension", sort=False).agg(
        n_items=("item", "size"),
        n=("n", "first"),
        alpha=("alpha", "first"),
        standardised_alpha=("standardised_alpha", "first"),
        min_item_total_correlation=("item_total_correlation", "min"),
    )
    return out.reset_index()
