"""Gale's customer value map: relative perceived quality against relative price."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab import io as cio
from crmlab.checks import check_alpha, check_count
from crmlab.errors import DataError, ParameterError
from crmlab.value._resample import _Design, _interval
from crmlab.value.ratings import _as_ratings

__all__ = ["customer_value_map"]


def customer_value_map(
    ratings_or_table: pd.DataFrame,
    quality_attributes: Sequence[str] | None = None,
    price_attributes: Sequence[str] | None = None,
    fair_value: str = "diagonal",
    n_bootstrap: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Relative perceived quality and price of each brand, and its position to the fair-value line.

    Gale's customer value map (Gale 1994, "Managing Customer Value", ch. 4-5): the
    market-perceived quality ratio of brand ``b`` is the importance-weighted sum over quality
    attributes of the brand's rating divided by the mean rating of its competitors,
    ``Q_b = sum_a w_a r_ba / rbar_{-b,a}`` with ``sum w_a = 1``; the relative perceived price
    ``P_b`` is the same over the price attributes (higher = dearer). A brand at (1, 1) matches its
    competitors. The fair-value line is where relative price rises one for one with relative
    quality: ``P = 1 + (Q - 1)`` (``fair_value="diagonal"``, Gale's line through the market
    average with slope 1), or the least-squares line of ``P`` on ``Q`` across the brands
    (``"fitted"``: the price the market actually charges for quality; needs 3+ brands).
    Brands below the line (less price for their quality) are in the better-value zone.

    Parameters
    ----------
    ratings_or_table : DataFrame
        Long-format ratings, or a table with index ``brand`` and columns ``benefits`` and
        ``costs`` (e.g. from :func:`perceived_value`), used as quality and price scores: then
        ``Q_b`` is the brand's score over the competitors' mean score and no intervals are given.
    quality_attributes, price_attributes : sequence of str, optional
        Attributes forming quality and price; default all benefit resp. all cost attributes
        (pass ``price_attributes=["money"]`` for the monetary price only).
    fair_value : {"diagonal", "fitted"}
        The fair-value line (see above).
    n_bootstrap, seed, alpha :
        As in :func:`perceived_value` (ratings only).

    Returns
    -------
    DataFrame
        Index ``brand``; columns ``quality`` and ``price`` (importance-weighted mean ratings),
        ``relative_quality`` and ``relative_price`` (``Q_b``, ``P_b``, with ``_lower``/``_upper``),
        ``fair_price`` (the line at the brand's ``Q_b``), ``value_advantage`` (``fair_price -
        relative_price``: how far below the line, with ``_lower``/``_upper`` for the diagonal
        line), ``distance`` (signed perpendicular distance to the line, positive below it),
        ``zone`` (``better value``, ``worse value`` or ``fair value`` when on the line). The
        line's intercept and slope are in ``attrs["fair_value_line"]``.
    """
    if fair_value not in ("diagonal", "fitted"):
        raise ParameterError(
            f"fair_value must be 'diagonal' or 'fitted', not {fair_value!r}.",
            parameter="fair_value",
        )
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    alpha = check_alpha(alpha)
    if isinstance(ratings_or_table, pd.DataFrame) and "respondent_id" not in ratings_or_table:
        cio.require_columns(ratings_or_table, ["benefits", "costs"], what="value table")
        table = ratings_or_table
        if len(table) < 2:
            raise DataError("The customer value map needs at least two brands.")
        scores = table[["benefits", "costs"]].to_numpy(dtype=float)[None]  # (1, b, 2)
        rel = _relative_to_competitors(scores)
        point = np.concatenate([scores, rel], axis=-1)[0]
        bounds = np.full((2, *point.shape), np.nan)
        brands = list(table.index)
    else:
        design = _Design(_as_ratings(ratings_or_table))
        brands = list(design.brands)
        if len(brands) < 2:
            raise DataError("The customer value map needs at least two brands.")
        q_mask = _attribute_mask(design, quality_attributes, "benefit", "quality_attributes")
        p_mask = _attribute_mask(design, price_attributes, "cost", "price_attributes")

        def statistic(means: np.ndarray, weight: np.ndarray) -> np.ndarray:
            out = []
            for mask in (q_mask, p_mask):
                w = weight * mask
                w = w / w.sum(axis=1, keepdims=True)
                score = np.einsum("dba,da->db", means, w)
                n_b = means.shape[1]
                comp = (means.sum(axis=1, keepdims=True) - means) / (n_b - 1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio = np.einsum("dba,da->db", means / comp, w)
                out.append((score, ratio))
            (qs, qr), (ps, pr) = out
            return np.stack([qs, ps, qr, pr, qr - pr], axis=-1)

        point, draws = design.apply(statistic, n_bootstrap, seed)
        bounds = _interval(draws, alpha, point.shape)
    q, p = point[:, 2], point[:, 3]
    if fair_value == "fitted":
        if len(brands) < 3:
            raise DataError("A fitted fair-value line needs at least three brands.")
        slope, intercept = np.polyfit(q, p, 1)
    else:
        slope, intercept = 1.0, 0.0
    fair = intercept + slope * q
    advantage = fair - p
    frame = pd.DataFrame(
        {
            "quality": point[:, 0],
            "price": point[:, 1],
            "relative_quality": q,
            "relative_quality_lower": bounds[0][:, 2],
            "relative_quality_upper": bounds[1][:, 2],
            "relative_price": p,
            "relative_price_lower": bounds[0][:, 3],
            "relative_price_upper": bounds[1][:, 3],
            "fair_price": fair,
            "value_advantage": advantage,
            "value_advantage_lower": bounds[0][:, 4] if fair_value == "diagonal" else np.nan,
            "value_advantage_upper": bounds[1][:, 4] if fair_value == "diagonal" else np.nan,
            "distance": advantage / np.sqrt(1 + slope**2),
            "zone": np.where(
                advantage > 0, "better value", np.where(advantage < 0, "worse value", "fair value")
            ),
        },
        index=pd.Index(brands, name="brand"),
    )
    frame.attrs["fair_value_line"] = {
        "intercept": float(intercept),
        "slope": float(slope),
        "kind": fair_value,
    }
    return frame


def _relative_to_competitors(scores: np.ndarray) -> np.ndarray:
    n_b = scores.shape[1]
    comp = (scores.sum(axis=1, keepdims=True) - scores) / (n_b - 1)
    return scores / comp


def _attribute_mask(
    design: _Design, chosen: Sequence[str] | None, kind: str, parameter: str
) -> np.ndarray:
    if chosen is None:
        mask = design.kind == kind
        if not mask.any():
            raise DataError(
                f"The ratings have no {kind} attributes for the value map.", column="kind"
            )
        return mask.astype(float)
    chosen = [chosen] if isinstance(chosen, str) else list(chosen)
    known = list(design.attributes)
    unknown = [a for a in chosen if a not in known]
    if unknown or not chosen:
        raise ParameterError(
            f"{parameter} names attributes that were not rated: {unknown!r}; rated attributes: "
            f"{', '.join(map(repr, known))}.",
            parameter=parameter,
        )
    return np.isin(design.attributes, chosen).astype(float)
