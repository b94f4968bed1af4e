"""Reading and validating benefit/cost ratings (the ratings contract of :mod:`crmlab.value`)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from crmlab import io as cio
from crmlab.checks import check_scale
from crmlab.errors import CrmlabWarning, DataError, ParameterError

__all__ = ["RATING_COLUMNS", "read_ratings", "segment_column_or_default"]

#: Required columns of the ratings contract.
RATING_COLUMNS: tuple[str, ...] = ("respondent_id", "brand", "attribute", "kind", "rating")
_OPTIONAL = ("importance",)
_KINDS = {
    "benefit": "benefit",
    "benefits": "benefit",
    "cost": "cost",
    "costs": "cost",
    "overall": "overall",
}


def read_ratings(
    source: str | os.PathLike | pd.DataFrame,
    columns: Mapping[Any, str] | None = None,
    scale: tuple[float, float] | tuple[None, None] | None = (1, 7),
    read_options: Mapping[str, Any] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Read benefit/cost ratings (long format) from a CSV/Parquet file or a DataFrame and check them.

    Parameters
    ----------
    source : str, path or DataFrame
        The ratings (see the module notes for the contract); a DataFrame is copied, not changed.
    columns : mapping, optional
        Your column names to crmlab's, e.g. ``{"Marke": "brand", "Note": "rating"}``.
    scale : (low, high) or None
        The rating scale; ratings outside it are an error. None (or ``(None, None)``): from the
        lowest to the highest rating given, which must be whole scale points (a CrmlabWarning
        says which scale was inferred).
    read_options : dict, optional
        Reader options (:data:`crmlab.io.READ_OPTIONS`: ``encoding``, ``sep``, ``decimal``,
        ``thousands``; the transactions-only options are ignored).
    **options
        Passed to :func:`crmlab.io.read_table` (``encoding``, ``sep``, ``decimal``...).

    Returns
    -------
    DataFrame
        ``respondent_id``, ``brand``, ``attribute``, ``kind`` (``benefit``, ``cost`` or
        ``overall``), ``rating`` (float), ``importance`` (float, when present), then the other
        columns untouched.

    Raises
    ------
    DataError
        A required column missing; missing ids, brands or attributes; a ``kind`` other than
        benefit/cost/overall; ratings that are not numbers or outside ``scale``; negative
        importance; an attribute given two kinds; a respondent rating the same brand and
        attribute twice. The message names the column and shows up to five rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlab.value import read_ratings
    >>> raw = pd.DataFrame({"respondent_id": [1, 1], "brand": ["A", "A"],
    ...                     "attribute": ["product", "money"], "kind": ["Benefit", "cost"],
    ...                     "rating": [6, 3]})
    >>> read_ratings(raw)["kind"].tolist()
    ['benefit', 'cost']
    """
    infer = scale is None or (not isinstance(scale, str) and all(v is None for v in scale))
    if not infer:
        low, high = check_scale(scale)
    frame = cio.read_table(
        source,
        RATING_COLUMNS,
        columns,
        optional=_OPTIONAL,
        text_columns=("respondent_id", "brand", "attribute", "kind"),
        what="ratings",
        read_options=read_options,
        **options,
    )
    frame = _validate(frame)
    if infer:
        low, high = _infer_scale(frame["rating"])
    cio.check_in_range(
        frame,
        "rating",
        low,
        high,
        allow_null=False,
        advice=f"Ratings must lie on the scale {low:g}-{high:g}; fix these rows or pass "
        "scale=(low, high) (notebook 01: scale_min and scale_max).",
    )
    return frame


def _infer_scale(rating: pd.Series) -> tuple[float, float]:
    """Lowest to highest rating, when they are whole scale points spanning three or more."""
    values = rating.dropna()
    fractional = (values % 1 != 0).to_numpy()
    if fractional.any() or values.empty or values.max() - values.min() < 2:
        what = (
            f"ratings such as {values[fractional].iloc[0]:g} are not whole scale points"
            if fractional.any()
            else "the ratings span fewer than three scale points"
        )
        raise DataError(
            f"Cannot infer the rating scale: {what}. Pass scale=(low, high) (notebook 01: "
            "scale_min and scale_max).",
            column="rating",
        )
    low, high = float(values.min()), float(values.max())
    warnings.warn(
        f"Rating scale inferred from the ratings: {low:g}-{high:g}; pass scale=(low, high) "
        "(notebook 01: scale_min, scale_max) if the questionnaire's scale is wider.",
        CrmlabWarning,
        stacklevel=3,
    )
    return low, high


def _validate(frame: pd.DataFrame) -> pd.DataFrame:
    """Type and check the contract columns of a ratings frame (not the scale)."""
    cio.require_columns(frame, RATING_COLUMNS, what="ratings")
    for column in ("respondent_id", "brand", "attribute"):
        cio.check_not_null(
            frame, column, advice=f"Every rating needs a {column}; fill it in or drop these rows."
        )
    cio.check_not_null(frame, "kind", advice="Every row needs a kind: benefit, cost or overall.")
    kind = frame["kind"].astype(str).str.strip().str.lower()
    mapped = kind.map(_KINDS)
    bad = mapped.isna().to_numpy()
    if bad.any():
        raise cio.row_error(
            frame,
            bad,
            "kind",
            "unknown kinds",
            "kind must be 'benefit' (higher rating is better), 'cost' (higher rating is a higher "
            "cost) or 'overall' (an overall value rating).",
        )
    out = frame.copy()
    out["kind"] = mapped.astype(object)
    out["rating"] = cio.check_numeric(out, "rating")
    if "importance" in out.columns:
        out["importance"] = cio.check_numeric(out, "importance", allow_null=True)
        negative = (out["importance"] < 0).to_numpy()
        if negative.any():
            raise cio.row_error(
                out, negative, "importance", "negative importance", "Importance must be >= 0."
            )
    kinds_per_attribute = out.groupby("attribute", sort=False)["kind"].nunique()
    mixed = kinds_per_attribute.index[kinds_per_attribute > 1]
    if len(mixed):
        rows = out["attribute"].isin(mixed).to_numpy()
        raise cio.row_error(
            out,
            rows,
            "kind",
            f"attribute {mixed[0]!r} given more than one kind",
            "Each attribute is either a benefit, a cost or the overall rating; fix its kind.",
        )
    duplicated = out.duplicated(["respondent_id", "brand", "attribute"], keep="first").to_numpy()
    if duplicated.any():
        raise cio.row_error(
            out,
            duplicated,
            "attribute",
            "repeated ratings of the same respondent, brand and attribute",
            "Keep one rating per respondent, brand and attribute (e.g. drop duplicates).",
        )
    return out


def _as_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(ratings, pd.DataFrame):
        raise ParameterError(
            "ratings must be a pandas DataFrame (read a file with crmlab.value.read_ratings); "
            f"got {type(ratings).__name__}.",
            parameter="ratings",
        )
    if len(ratings) == 0:
        raise DataError("The ratings table has no rows; there is nothing to analyse.")
    return _validate(ratings)


#: The segment column of :func:`crmlab.datasets.simulate_brand_ratings`.
_SIMULATED_SEGMENT = "segment"


def _respondent_level(frame: pd.DataFrame, exclude: set[str]) -> list[str]:
    """Columns other than ``exclude`` with one value per respondent and 2 to 10 values."""
    out = []
    for c in frame.columns:
        if c in exclude:
            continue
        per = frame.groupby("respondent_id", sort=False)[c].nunique(dropna=False)
        if (per <= 1).all() and 2 <= frame[c].nunique() <= 10:
            out.append(str(c))
    return out


def segment_column_or_default(
    ratings: pd.DataFrame, segment_column: str = "", simulated: bool = False
) -> str | None:
    """The segment column the analysis uses: the one named, or the default of the data.

    Parameters
    ----------
    ratings : DataFrame
        The checked ratings.
    segment_column : str
        A column constant per respondent; empty: the simulated ratings' ``segment`` when
        ``simulated``, otherwise no segments (a CrmlabWarning names the columns that could
        serve, so the consultant can pass one).
    simulated : bool
        The ratings come from :func:`crmlab.datasets.simulate_brand_ratings`.

    Returns
    -------
    str or None
        None: no segment analysis.

    Raises
    ------
    DataError
        A named column that is not in the ratings.
    """
    if segment_column:
        if segment_column not in ratings.columns:
            raise DataError(
                f"segment_column {segment_column!r} is not a column of the ratings (columns: "
                f"{list(ratings.columns)}); pass one of them, or an empty segment_column for "
                "no segments.",
                column=segment_column,
            )
        return segment_column
    if simulated:
        return _SIMULATED_SEGMENT if _SIMULATED_SEGMENT in ratings.columns else None
    candidates = _respondent_level(ratings, set(RATING_COLUMNS) | {"importance"})
    if candidates:
        warnings.warn(
            f"No segment_column given: no segment comparison. Columns constant per respondent "
            f"that could serve: {candidates[:5]}; pass one as segment_column.",
            CrmlabWarning,
            stacklevel=2,
        )
    return None
