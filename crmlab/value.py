"""Customer perceived value: benefits minus costs, relative to competitors.

Perceived value is the customer's comparison of all the benefits of an offer (product, service,
personnel and image) with all its costs (money, time, energy and psychological), weighed against
the offers of competitors (Zeithaml 1988; Kotler & Keller 2016, ch. 5, "customer perceived
value = total customer benefit - total customer cost"). This module measures it from survey
ratings and compares brands.

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

import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlab import io as cio
from crmlab.errors import CrmlabWarning, DataError, ParameterError

__all__ = [
    "RATING_COLUMNS",
    "attribute_wins_losses",
    "compare_to_truth",
    "customer_value_map",
    "perceived_value",
    "read_ratings",
    "relative_value",
    "value_chain",
    "value_drivers",
    "value_findings",
]

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
_MEASURES = ("benefits", "costs", "net_value", "value_ratio")
_CHUNK_CELLS = 4_000_000  # bootstrap weights per chunk (draws x respondents)


# ---------------------------------------------------------------------------------------------
# Reading and validation
# ---------------------------------------------------------------------------------------------


def read_ratings(
    source: str | os.PathLike | pd.DataFrame,
    columns: Mapping[Any, str] | None = None,
    scale: tuple[float, float] = (1, 7),
    **read_options: Any,
) -> pd.DataFrame:
    """Read benefit/cost ratings (long format) from a CSV/Parquet file or a DataFrame and check them.

    Parameters
    ----------
    source : str, path or DataFrame
        The ratings (see the module notes for the contract); a DataFrame is copied, not changed.
    columns : mapping, optional
        Your column names to crmlab's, e.g. ``{"Marke": "brand", "Note": "rating"}``.
    scale : (low, high)
        The rating scale; ratings outside it are an error.
    **read_options
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
    low, high = _check_scale(scale)
    frame = cio.read_table(
        source,
        RATING_COLUMNS,
        columns,
        optional=_OPTIONAL,
        text_columns=("respondent_id", "brand", "attribute", "kind"),
        what="ratings",
        **read_options,
    )
    frame = _validate(frame)
    cio.check_in_range(
        frame,
        "rating",
        low,
        high,
        allow_null=False,
        advice=f"Ratings must lie on the scale {low:g}-{high:g}; fix these rows or pass "
        "scale=(low, high).",
    )
    return frame


def _check_scale(scale: Any) -> tuple[float, float]:
    try:
        low, high = (float(x) for x in scale)
    except (TypeError, ValueError):
        raise ParameterError(
            f"scale must be a pair (low, high), e.g. (1, 7); got {scale!r}.", parameter="scale"
        ) from None
    if not low < high:
        raise ParameterError(
            f"scale must have low < high; got {scale!r}.", parameter="scale"
        ) from None
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


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise ParameterError(
            f"alpha must lie in (0, 1), e.g. 0.05; got {alpha!r}.", parameter="alpha"
        )
    return float(alpha)


def _check_bootstrap(n_bootstrap: int) -> int:
    if int(n_bootstrap) != n_bootstrap or n_bootstrap < 0:
        raise ParameterError(
            f"n_bootstrap must be a whole number >= 0 (0: no intervals); got {n_bootstrap!r}.",
            parameter="n_bootstrap",
        )
    return int(n_bootstrap)


# ---------------------------------------------------------------------------------------------
# The resampling engine
# ---------------------------------------------------------------------------------------------


class _Design:
    """Ratings as dense respondent x (brand, attribute) sums, for weighted (bootstrap) means."""

    def __init__(self, frame: pd.DataFrame, kinds: Sequence[str] = ("benefit", "cost")) -> None:
        frame = frame[frame["kind"].isin(kinds)]
        if len(frame) == 0:
            raise DataError(
                f"The ratings have no rows of kind {' or '.join(kinds)}; nothing to analyse."
            )
        r_codes, self.respondents = pd.factorize(frame["respondent_id"])
        b_codes, self.brands = pd.factorize(frame["brand"])
        a_codes, self.attributes = pd.factorize(frame["attribute"])
        first = frame.groupby(a_codes, sort=True)["kind"].first()
        self.kind = first.to_numpy().astype(str)
        n_r, n_b, n_a = len(self.respondents), len(self.brands), len(self.attributes)
        self.shape = (n_b, n_a)
        cell = r_codes * (n_b * n_a) + b_codes * n_a + a_codes
        size = n_r * n_b * n_a
        ratings = frame["rating"].to_numpy(dtype=float)
        self.sums = np.bincount(cell, ratings, minlength=size).reshape(n_r, n_b * n_a)
        self.counts = np.bincount(cell, minlength=size).reshape(n_r, n_b * n_a).astype(float)
        self.rated_brand = self.counts.reshape(n_r, n_b, n_a).sum(axis=2) > 0  # (n_r, n_b)
        if "importance" in frame.columns and frame["importance"].notna().any():
            imp = frame["importance"].to_numpy(dtype=float)
            has = ~np.isnan(imp)
            where = r_codes[has] * n_a + a_codes[has]
            isum = np.bincount(where, imp[has], minlength=n_r * n_a).reshape(n_r, n_a)
            icount = np.bincount(where, minlength=n_r * n_a).reshape(n_r, n_a)
            self.imp_has = (icount > 0).astype(float)
            self.imp_mean = np.divide(isum, icount, out=np.zeros_like(isum), where=icount > 0)
            self.stated = True
        else:
            self.imp_has = np.ones((n_r, n_a))
            self.imp_mean = np.ones((n_r, n_a))
            self.stated = False
        self.n_respondents = n_r

    def cells(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean ratings (draws, brands, attributes) and attribute weights (draws, attributes)
        for respondent weights ``w`` (draws, respondents)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            means = (w @ self.sums) / (w @ self.counts)
            weight = (w @ (self.imp_mean * self.imp_has)) / (w @ self.imp_has)
        weight = np.where(np.isnan(weight), 0.0, weight)
        return means.reshape(len(w), *self.shape), weight

    def draws(self, n_bootstrap: int, seed: int) -> Iterator[np.ndarray]:
        """Multinomial bootstrap weights of respondents, in chunks (Efron & Tibshirani 1993)."""
        rng = np.random.default_rng(seed)
        n = self.n_respondents
        chunk = max(1, _CHUNK_CELLS // max(n, 1))
        done = 0
        while done < n_bootstrap:
            size = min(chunk, n_bootstrap - done)
            yield rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
            done += size

    def apply(
        self, statistic: Callable[[np.ndarray, np.ndarray], np.ndarray], n_bootstrap: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Point estimate (from all respondents) and bootstrap draws of ``statistic(means, w)``."""
        point = statistic(*self.cells(np.ones((1, self.n_respondents))))[0]
        if n_bootstrap == 0:
            return point, None
        parts = [statistic(*self.cells(w)) for w in self.draws(n_bootstrap, seed)]
        return point, np.concatenate(parts, axis=0)

    def kind_index(self, means: np.ndarray, weight: np.ndarray, kind: str) -> np.ndarray:
        """Importance-weighted mean rating over the attributes of ``kind``: (draws, brands)."""
        mask = (self.kind == kind).astype(float)
        w = weight[:, None, :] * mask[None, None, :] * ~np.isnan(means)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.nansum(w * np.nan_to_num(means), axis=2) / w.sum(axis=2)


def _interval(draws: np.ndarray | None, alpha: float, shape: tuple[int, ...]) -> np.ndarray:
    if draws is None:
        return np.full((2, *shape), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanquantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)


def _value_measures(design: _Design) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    def statistic(means: np.ndarray, weight: np.ndarray) -> np.ndarray:
        benefits = design.kind_index(means, weight, "benefit")
        costs = design.kind_index(means, weight, "cost")
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = benefits / costs
        return np.stack([benefits, costs, benefits - costs, ratio], axis=-1)  # (draws, b, 4)

    return statistic


def _check_kinds_present(design: _Design, needed: Sequence[str]) -> None:
    for kind in needed:
        if kind not in design.kind:
            raise DataError(
                f"The ratings have no attribute of kind {kind!r}; perceived value needs benefit "
                "and cost attributes (check the kind column).",
                column="kind",
            )
    counts = design.counts.reshape(design.n_respondents, *design.shape).sum(axis=0)
    missing = counts == 0
    if missing.any():
        b, a = np.nonzero(missing)
        pairs = ", ".join(
            f"{design.brands[i]!r}/{design.attributes[j]!r}"
            for i, j in zip(b[:5], a[:5], strict=True)
        )
        warnings.warn(
            f"Some brands have no rating on some attributes ({pairs}); their benefits and costs "
            "average over the attributes they were rated on, so they are less comparable.",
            CrmlabWarning,
            stacklevel=3,
        )


# ---------------------------------------------------------------------------------------------
# Perceived value by brand
# ---------------------------------------------------------------------------------------------


def perceived_value(
    ratings: pd.DataFrame,
    n_bootstrap: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    segment: str | None = None,
) -> pd.DataFrame:
    """Benefits, costs, net value and value ratio of each brand, with bootstrap intervals.

    Parameters
    ----------
    ratings : DataFrame
        Long-format ratings (module notes; :func:`read_ratings` reads and checks a file).
    n_bootstrap : int
        Bootstrap resamples of respondents (0: no intervals, the interval columns are NaN).
    seed : int
        Seed of the resampling.
    alpha : float
        The intervals cover ``1 - alpha``.
    segment : str, optional
        A column constant per respondent (e.g. ``"segment"``): the table is computed within each
        segment, with that segment's own stated importance and resampling within the segment.

    Returns
    -------
    DataFrame
        Index ``brand`` (or (``segment``, ``brand``)), brands in order of first appearance.
        Columns:

        - ``benefits``: importance-weighted mean rating of the benefit attributes,
          ``B_b = sum_a w_a r_ba / sum_a w_a`` (Zeithaml 1988; Kotler & Keller 2016, ch. 5);
        - ``costs``: the same over the cost attributes (higher = costlier);
        - ``net_value``: ``B_b - C_b``, the customer-delivered value;
        - ``value_ratio``: ``B_b / C_b`` (above 1: benefits exceed costs);
        - ``<measure>_lower``, ``<measure>_upper``: percentile bootstrap interval (resampling
          respondents, Efron & Tibshirani 1993, ch. 13);
        - ``n_respondents``: respondents who rated the brand.

    Examples
    --------
    >>> from crmlab.datasets import simulate_brand_ratings
    >>> from crmlab.value import perceived_value
    >>> ratings, truth = simulate_brand_ratings(200, seed=3)
    >>> table = perceived_value(ratings, n_bootstrap=200)
    >>> list(table.index)
    ['Aster', 'Birch', 'Cedar', 'Dune']
    """
    n_bootstrap = _check_bootstrap(n_bootstrap)
    alpha = _check_alpha(alpha)
    frame = _as_ratings(ratings)
    if segment is None:
        return _value_table(frame, n_bootstrap, seed, alpha)
    groups = _segments(frame, segment)
    parts = {name: _value_table(part, n_bootstrap, seed, alpha) for name, part in groups.items()}
    return pd.concat(parts, names=[segment])


def _segments(frame: pd.DataFrame, segment: str) -> dict[Any, pd.DataFrame]:
    if segment not in frame.columns:
        raise ParameterError(
            f"segment={segment!r} is not a column of the ratings (columns: "
            f"{', '.join(map(str, frame.columns))}).",
            parameter="segment",
        )
    cio.check_not_null(
        frame, segment, advice="Every respondent needs a segment; fill it in or drop these rows."
    )
    per_respondent = frame.groupby("respondent_id", sort=False)[segment].nunique()
    changing = per_respondent.index[per_respondent > 1]
    if len(changing):
        raise cio.row_error(
            frame,
            frame["respondent_id"].isin(changing).to_numpy(),
            segment,
            "respondents in more than one segment",
            "A segment describes the respondent: give each respondent one segment value.",
        )
    return {name: part for name, part in frame.groupby(segment, sort=False)}


def _value_table(frame: pd.DataFrame, n_bootstrap: int, seed: int, alpha: float) -> pd.DataFrame:
    design = _Design(frame)
    _check_kinds_present(design, ("benefit", "cost"))
    point, draws = design.apply(_value_measures(design), n_bootstrap, seed)
    bounds = _interval(draws, alpha, point.shape)
    columns: dict[str, Any] = {}
    for j, name in enumerate(_MEASURES):
        columns[name] = point[:, j]
        columns[f"{name}_lower"] = bounds[0][:, j]
        columns[f"{name}_upper"] = bounds[1][:, j]
    columns["n_respondents"] = design.rated_brand.sum(axis=0).astype(int)
    return pd.DataFrame(columns, index=pd.Index(design.brands, name="brand"))


# ---------------------------------------------------------------------------------------------
# Relative value
# ---------------------------------------------------------------------------------------------


def _focal(brands: Sequence[Any], focal_brand: Any) -> Any:
    brands = list(brands)
    if focal_brand is None or (isinstance(focal_brand, str) and focal_brand == ""):
        return brands[0]
    if focal_brand not in brands:
        text = {str(b): b for b in brands}
        if str(focal_brand) in text:
            return text[str(focal_brand)]
        raise ParameterError(
            f"focal_brand={focal_brand!r} is not among the rated brands "
            f"({', '.join(repr(b) for b in brands)}).",
            parameter="focal_brand",
        )
    return focal_brand


def relative_value(
    table_or_ratings: pd.DataFrame,
    focal_brand: Any = None,
    competitors: Sequence[Any] | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The focal brand's perceived value relative to each competitor, with intervals.

    Value is relative: customers buy the offer with the highest perceived value among the
    alternatives they know (Zeithaml 1988; Gale 1994, ch. 2), so each competitor's benefits,
    costs and value are subtracted from the focal brand's.

    Parameters
    ----------
    table_or_ratings : DataFrame
        Long-format ratings (paired bootstrap over respondents), or a table from
        :func:`perceived_value` (index ``brand``): then the intervals are a normal approximation
        that treats the brands' estimates as independent, ``se = (upper - lower) / (2 z)``,
        ``se_diff = sqrt(se_f^2 + se_c^2)`` (the ratio of ratios on the log scale), which is
        conservative when the same respondents rated both brands.
    focal_brand : optional
        The brand to evaluate; default the first brand.
    competitors : sequence, optional
        Brands to compare with; default all others.
    n_bootstrap, seed, alpha :
        As in :func:`perceived_value`.

    Returns
    -------
    DataFrame
        Index ``competitor``; columns (focal minus competitor unless said otherwise):

        - ``focal_brand``: the focal brand;
        - ``benefits_difference``, ``costs_difference``, ``net_value_difference`` (each with
          ``_lower``, ``_upper``): a positive cost difference means the focal brand is costlier;
        - ``value_ratio_ratio`` (with ``_lower``, ``_upper``): focal value ratio / competitor's;
        - ``n_common``: respondents who rated both brands (0 from a table or unpaired samples);
        - ``result``: ``advantage`` (net value interval above 0), ``disadvantage`` (below 0)
          or ``parity``.

    Examples
    --------
    >>> from crmlab.datasets import simulate_brand_ratings
    >>> from crmlab.value import relative_value
    >>> ratings, _ = simulate_brand_ratings(200, seed=3)
    >>> relative_value(ratings, "Dune", n_bootstrap=200).loc["Cedar", "result"]
    'advantage'
    """
    n_bootstrap = _check_bootstrap(n_bootstrap)
    alpha = _check_alpha(alpha)
    if isinstance(table_or_ratings, pd.DataFrame) and "respondent_id" not in table_or_ratings:
        return _relative_from_table(table_or_ratings, focal_brand, competitors, alpha)
    frame = _as_ratings(table_or_ratings)
    design = _Design(frame)
    _check_kinds_present(design, ("benefit", "cost"))
    brands = list(design.brands)
    focal = _focal(brands, focal_brand)
    others = _competitors(brands, focal, competitors)
    f = brands.index(focal)
    idx = np.array([brands.index(c) for c in others])
    measures = _value_measures(design)

    def statistic(means: np.ndarray, weight: np.ndarray) -> np.ndarray:
        m = measures(means, weight)  # (draws, b, 4)
        diff = m[:, [f], :3] - m[:, idx, :3]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = m[:, [f], 3:] / m[:, idx, 3:]
        return np.concatenate([diff, ratio], axis=-1)  # (draws, competitors, 4)

    point, draws = design.apply(statistic, n_bootstrap, seed)
    bounds = _interval(draws, alpha, point.shape)
    common = (design.rated_brand[:, [f]] & design.rated_brand[:, idx]).sum(axis=0)
    return _relative_frame(focal, others, point, bounds[0], bounds[1], common)


def _competitors(brands: list[Any], focal: Any, competitors: Sequence[Any] | None) -> list[Any]:
    if competitors is None:
        others = [b for b in brands if b != focal]
    else:
        others = [_focal(brands, c) for c in competitors]
        others = [b for b in others if b != focal]
    if not others:
        raise ParameterError(
            "There is no competitor to compare the focal brand with; rate at least two brands.",
            parameter="competitors",
        )
    return others


def _relative_frame(
    focal: Any,
    others: list[Any],
    point: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    common: np.ndarray,
) -> pd.DataFrame:
    names = ["benefits_difference", "costs_difference", "net_value_difference", "value_ratio_ratio"]
    columns: dict[str, Any] = {"focal_brand": [focal] * len(others)}
    for j, name in enumerate(names):
        columns[name] = point[:, j]
        columns[f"{name}_lower"] = lower[:, j]
        columns[f"{name}_upper"] = upper[:, j]
    columns["n_common"] = np.asarray(common, dtype=int)
    lo, hi = lower[:, 2], upper[:, 2]
    columns["result"] = np.where(lo > 0, "advantage", np.where(hi < 0, "disadvantage", "parity"))
    return pd.DataFrame(columns, index=pd.Index(others, name="competitor"))


def _relative_from_table(
    table: pd.DataFrame, focal_brand: Any, competitors: Sequence[Any] | None, alpha: float
) -> pd.DataFrame:
    needed = [f"{m}{s}" for m in _MEASURES for s in ("", "_lower", "_upper")]
    cio.require_columns(table, needed, what="perceived-value table")
    if table.index.nlevels != 1:
        raise ParameterError(
            "relative_value takes a table with one row per brand; select one segment first "
            "(e.g. table.loc['segment name']).",
            parameter="table_or_ratings",
        )
    brands = list(table.index)
    focal = _focal(brands, focal_brand)
    others = _competitors(brands, focal, competitors)
    z = stats.norm.ppf(1 - alpha / 2)
    t = table.astype({c: float for c in needed})
    point = np.empty((len(others), 4))
    lower = np.empty_like(point)
    upper = np.empty_like(point)
    for j, name in enumerate(_MEASURES):
        est = t[name].to_numpy()
        se = (t[f"{name}_upper"] - t[f"{name}_lower"]).to_numpy() / (2 * z)
        f = brands.index(focal)
        idx = [brands.index(c) for c in others]
        if name == "value_ratio":
            diff = np.log(est[f]) - np.log(est[idx])
            se_d = np.sqrt((se[f] / est[f]) ** 2 + (se[idx] / est[idx]) ** 2)
            point[:, j] = np.exp(diff)
            lower[:, j], upper[:, j] = np.exp(diff - z * se_d), np.exp(diff + z * se_d)
        else:
            diff = est[f] - est[idx]
            se_d = np.sqrt(se[f] ** 2 + se[idx] ** 2)
            point[:, j], lower[:, j], upper[:, j] = diff, diff - z * se_d, diff + z * se_d
    return _relative_frame(focal, others, point, lower, upper, np.zeros(len(others)))


def attribute_wins_losses(
    ratings: pd.DataFrame,
    focal_brand: Any = None,
    versus: str = "market",
    n_bootstrap: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per attribute, where the focal brand beats or trails its competitors.

    The head-to-head attribute comparison of Gale (1994, ch. 2-3, "head-to-head area
    comparison"): the focal brand's mean rating minus the competitors' mean rating on each
    attribute; for benefits higher is better, for costs lower is better.

    Parameters
    ----------
    ratings : DataFrame
        Long-format ratings.
    focal_brand : optional
        Default the first brand.
    versus : {"market", "each"}
        ``market``: against the unweighted mean of the competitors' brand means; ``each``:
        against each competitor separately.
    n_bootstrap, seed, alpha :
        As in :func:`perceived_value`.

    Returns
    -------
    DataFrame
        One row per attribute (and competitor), benefits first then costs, best advantage
        first. Columns: ``attribute``, ``kind``, ``competitor`` (``"market"`` or a brand),
        ``focal_rating``, ``competitor_rating``, ``difference`` (focal minus competitor) with
        ``difference_lower``/``difference_upper`` (bootstrap), ``advantage`` (the difference for
        benefits, minus it for costs: positive is good for the focal brand), ``weight`` (mean
        stated importance share within the kind), ``result`` (``win`` when the interval of the
        advantage lies above 0, ``loss`` below 0, ``tie`` otherwise).
    """
    if versus not in ("market", "each"):
        raise ParameterError(
            f"versus must be 'market' or 'each', not {versus!r}.", parameter="versus"
        )
    n_bootstrap = _check_bootstrap(n_bootstrap)
    alpha = _check_alpha(alpha)
    design = _Design(_as_ratings(ratings))
    brands = list(design.brands)
    focal = _focal(brands, focal_brand)
    others = _competitors(brands, focal, None)
    f = brands.index(focal)
    idx = np.array([brands.index(c) for c in others])

    def statistic(means: np.ndarray, weight: np.ndarray) -> np.ndarray:
        comp = means[:, idx, :]
        if versus == "market":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                comp = np.nanmean(comp, axis=1, keepdims=True)
        focal_r = np.broadcast_to(means[:, [f], :], comp.shape)
        return np.stack([focal_r, comp, focal_r - comp], axis=-1)  # (draws, c, a, 3)

    point, draws = design.apply(statistic, n_bootstrap, seed)
    bounds = _interval(draws[..., 2] if draws is not None else None, alpha, point.shape[:2])
    names = ["market"] if versus == "market" else others
    _, weight = design.cells(np.ones((1, design.n_respondents)))
    share = np.zeros_like(weight[0])
    for kind in ("benefit", "cost"):
        mask = design.kind == kind
        if mask.any() and weight[0, mask].sum() > 0:
            share[mask] = weight[0, mask] / weight[0, mask].sum()
    keep = np.isin(design.kind, ["benefit", "cost"])
    rows = []
    for c, name in enumerate(names):
        sign = np.where(design.kind == "cost", -1.0, 1.0)
        rows.append(
            pd.DataFrame(
                {
                    "attribute": design.attributes,
                    "kind": design.kind,
                    "competitor": name,
                    "focal_rating": point[c, :, 0],
                    "competitor_rating": point[c, :, 1],
                    "difference": point[c, :, 2],
                    "difference_lower": bounds[0][c],
                    "difference_upper": bounds[1][c],
                    "advantage": sign * point[c, :, 2],
                    "weight": share,
                }
            )[keep]
        )
    out = pd.concat(rows, ignore_index=True)
    lo = np.where(out["kind"] == "cost", -out["difference_upper"], out["difference_lower"])
    hi = np.where(out["kind"] == "cost", -out["difference_lower"], out["difference_upper"])
    out["result"] = np.where(lo > 0, "win", np.where(hi < 0, "loss", "tie"))
    out["focal_brand"] = focal
    order = out["kind"].map({"benefit": 0, "cost": 1})
    out = (
        out.assign(_o=order, _c=out["competitor"].map({n: i for i, n in enumerate(names)}))
        .sort_values(["_c", "_o", "advantage"], ascending=[True, True, False])
        .drop(columns=["_o", "_c"])
        .reset_index(drop=True)
    )
    return out


# ---------------------------------------------------------------------------------------------
# Customer value map (Gale 1994)
# ---------------------------------------------------------------------------------------------


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
    n_bootstrap = _check_bootstrap(n_bootstrap)
    alpha = _check_alpha(alpha)
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


# ---------------------------------------------------------------------------------------------
# Drivers of overall value
# ---------------------------------------------------------------------------------------------


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
        Confidence level of the coefficient intervals is ``1 - alpha``.

    Returns
    -------
    DataFrame
        Index ``attribute`` (benefits then costs); columns ``kind``, ``coefficient`` (change in
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
    alpha = _check_alpha(alpha)
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
            "coefficient": coef,
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


# ---------------------------------------------------------------------------------------------
# The value-satisfaction-loyalty chain on the ECSI surveys
# ---------------------------------------------------------------------------------------------

#: Where the ECSI specifications of the bundled surveys live (crmlab.satisfaction.pls).
_SURVEY_SPECS = {"satisfaction": "ECSI_SATISFACTION_MODEL", "mobi": "ECSI_MOBI_MODEL"}


def value_chain(
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
    """Drivers and consequences of perceived value in the ECSI model, and value's total effect.

    In the European Customer Satisfaction Index model (Tenenhaus, Esposito Vinzi, Chatelin &
    Lauro 2005, CSDA 48, fig. 2; Fornell et al. 1996 for the ACSI) perceived value is driven by
    expectations and perceived quality and drives satisfaction, which drives loyalty. The total
    effect of value on loyalty sums the effects along all paths, ``T = (I - B)^{-1} - I`` for
    the matrix ``B`` of direct path coefficients (Bollen 1987, Sociological Methodology 17,
    37-69), i.e. here ``VAL -> SAT -> LOY`` (plus ``VAL -> SAT -> COMP -> LOY`` in mobi).

    Parameters
    ----------
    survey : {"satisfaction", "mobi"} or DataFrame
        A bundled ECSI survey (:func:`crmlab.datasets.load_satisfaction`, bank customers, or
        :func:`crmlab.datasets.load_mobi`, mobile-phone customers) with the specifications
        ``crmlab.satisfaction.ECSI_SATISFACTION_MODEL`` / ``ECSI_MOBI_MODEL``, or your own
        respondent-level survey (then give ``inner`` and ``outer``).
    inner, outer : mapping, optional
        Inner model (construct -> predecessors) and outer model (construct -> indicator
        columns); default the ECSI specification of the bundled survey.
    value, outcome : str, optional
        The perceived-value construct and the final outcome; default the constructs named like
        ``VAL``/``value`` and ``LOY``/``loyalty``.
    method : {"pls", "means"}
        ``pls``: :class:`crmlab.satisfaction.PLSPathModel` (centroid scheme, standardised
        indicators, as R's plspm); ``means``: each construct scored by the mean of its
        standardised indicators and each path by OLS of a construct on its predecessors (a
        simple stand-in for PLS, vectorised over bootstrap resamples).
    n_bootstrap, seed, alpha :
        Bootstrap resamples of respondents (each refits the model), seed, interval level.

    Returns
    -------
    DataFrame
        One row per direct path into or out of ``value`` and a last row with the total effect
        of ``value`` on ``outcome``. Columns ``from``, ``to``, ``role`` (``driver`` of value,
        ``consequence`` of value, ``total effect``), ``effect`` (``direct`` or ``total``),
        ``estimate`` (standardised coefficient), ``lower``, ``upper`` (percentile bootstrap).
        ``attrs``: ``method``, ``survey``, ``value``, ``outcome``, ``r_squared`` (dict construct
        -> R^2), ``n_respondents``, ``n_bootstrap`` (resamples used), ``paths`` (every direct
        path, same columns).

    Examples
    --------
    >>> from crmlab.value import value_chain
    >>> chain = value_chain("satisfaction", n_bootstrap=0)
    >>> chain.iloc[-1]["role"]
    'total effect'
    """
    n_bootstrap = _check_bootstrap(n_bootstrap)
    alpha = _check_alpha(alpha)
    if method not in ("pls", "means"):
        raise ParameterError(
            f"method must be 'pls' or 'means', not {method!r}.", parameter="method"
        )
    data, inner, outer, label = _chain_inputs(survey, inner, outer)
    constructs = list(outer)
    value = _construct(constructs, value, ("val", "perv"), "value")
    outcome = _construct(constructs, outcome, ("loy", "cusl"), "outcome")
    keys = [(src, dst) for dst, preds in inner.items() for src in preds]
    if method == "pls":
        from crmlab.satisfaction import PLSPathModel

        def fit(frame: pd.DataFrame) -> tuple[np.ndarray, dict[str, float]]:
            model = PLSPathModel(inner, outer).fit(frame)
            paths = model.path_coefficients_
            coefs = np.array([paths.loc[s, d] for s, d in keys], dtype=float)
            return coefs, {str(k): float(v) for k, v in model.r_squared_.items()}

        point, r2 = fit(data)
        draws = None
        if n_bootstrap:
            from crmlab.errors import ConvergenceError

            rng = np.random.default_rng(seed)
            values = data.to_numpy()
            rows = []
            for _ in range(n_bootstrap):  # one model refit per resample
                sample = pd.DataFrame(
                    values[rng.integers(0, len(values), len(values))], columns=data.columns
                )
                try:
                    rows.append(fit(sample)[0])
                except (ConvergenceError, DataError):
                    continue
            draws = np.array(rows) if rows else None
    else:
        values = data.to_numpy(dtype=float)
        coefs, r2s = _means_paths(values, list(data.columns), outer, inner, np.ones((1, len(data))))
        point = coefs[0]
        endogenous = [c for c, p in inner.items() if p]
        r2 = {c: float(r2s[0, j]) for j, c in enumerate(endogenous)}
        draws = None
        if n_bootstrap:
            rng = np.random.default_rng(seed)
            n = len(values)
            chunk = max(1, _CHUNK_CELLS // (n * values.shape[1]))
            parts, done = [], 0
            while done < n_bootstrap:
                size = min(chunk, n_bootstrap - done)
                w = rng.multinomial(n, np.full(n, 1.0 / n), size=size).astype(float)
                parts.append(_means_paths(values, list(data.columns), outer, inner, w)[0])
                done += size
            draws = np.concatenate(parts, axis=0)
    out = _chain_table(keys, point, draws, constructs, value, outcome, alpha)
    out.attrs.update(
        method=method,
        survey=label,
        value=value,
        outcome=outcome,
        r_squared=r2,
        n_respondents=len(data),
        n_bootstrap=0 if draws is None else len(draws),
    )
    return out


def _construct(constructs: list[str], name: str | None, stems: tuple[str, ...], what: str) -> str:
    if name is not None:
        if name not in constructs:
            raise ParameterError(
                f"{what}={name!r} is not a construct of the model ({', '.join(constructs)}).",
                parameter=what,
            )
        return name
    found = [c for c in constructs if c.lower().startswith(stems)]
    if len(found) != 1:
        raise ParameterError(
            f"Cannot tell which construct is the {what} ({', '.join(constructs)}); pass {what}=.",
            parameter=what,
        )
    return found[0]


def _chain_inputs(
    survey: str | pd.DataFrame,
    inner: Mapping[str, Sequence[str]] | None,
    outer: Mapping[str, Sequence[str]] | None,
) -> tuple[pd.DataFrame, dict[str, list[str]], dict[str, list[str]], str]:
    from crmlab import datasets

    if isinstance(survey, str):
        if survey not in _SURVEY_SPECS:
            raise ParameterError(
                f"survey must be 'satisfaction', 'mobi' or a DataFrame, not {survey!r}.",
                parameter="survey",
            )
        data = datasets.load_satisfaction() if survey == "satisfaction" else datasets.load_mobi()
        if inner is None or outer is None:
            from crmlab import satisfaction

            spec = getattr(satisfaction, _SURVEY_SPECS[survey])
            inner = inner or spec["inner"]
            outer = outer or spec["outer"]
        label = {"satisfaction": "bank customer", "mobi": "mobile-phone customer"}[survey]
    elif isinstance(survey, pd.DataFrame):
        if inner is None or outer is None:
            raise ParameterError(
                "With your own survey DataFrame, give inner= (construct -> predecessors) and "
                "outer= (construct -> indicator columns).",
                parameter="inner",
            )
        data, label = survey, "your"
    else:
        raise ParameterError(
            f"survey must be 'satisfaction', 'mobi' or a DataFrame, not {type(survey).__name__}.",
            parameter="survey",
        )
    inner = {str(k): [str(p) for p in v] for k, v in inner.items()}
    outer = {str(k): [str(c) for c in v] for k, v in outer.items()}
    needed = list(dict.fromkeys(c for cols in outer.values() for c in cols))
    cio.require_columns(data, needed, what="survey")
    numbers = pd.DataFrame({c: cio.check_numeric(data, c) for c in needed}, index=data.index)
    return numbers, inner, outer, label


def _means_paths(
    values: np.ndarray,
    columns: list[str],
    outer: dict[str, list[str]],
    inner: dict[str, list[str]],
    weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Construct-mean path coefficients for respondent weights (draws, n): (draws, paths), R^2.

    Each construct's score is the mean of its indicators standardised with the (weighted)
    sample, then standardised itself; each endogenous construct is regressed on its
    predecessors by weighted least squares (standardised coefficients).
    """
    total = weights.sum(axis=1, keepdims=True)

    def standardise(x: np.ndarray) -> np.ndarray:  # x (n, k) or (draws, n, k)
        spec = "dn,nk->dk" if x.ndim == 2 else "dn,dnk->dk"
        mean = np.einsum(spec, weights, x) / total
        centred = x - mean[:, None, :]
        var = np.einsum("dn,dnk->dk", weights, centred**2) / total
        return centred / np.sqrt(var)[:, None, :]

    index = {c: i for i, c in enumerate(columns)}
    scores = {}
    for construct, items in outer.items():
        z = standardise(values[:, [index[c] for c in items]])
        scores[construct] = standardise(z.mean(axis=2, keepdims=True))[..., 0]  # (draws, n)
    coefs, r2 = [], []
    for dst, preds in inner.items():
        if not preds:
            continue
        X = np.stack([scores[p] for p in preds], axis=-1)  # (draws, n, p)
        y = scores[dst]
        xtx = np.einsum("dn,dnp,dnq->dpq", weights, X, X)
        xty = np.einsum("dn,dnp,dn->dp", weights, X, y)
        beta = np.linalg.solve(xtx, xty[..., None])[..., 0]
        resid = y - np.einsum("dnp,dp->dn", X, beta)
        ss_res = np.einsum("dn,dn->d", weights, resid**2)
        ss_tot = np.einsum("dn,dn->d", weights, y**2)  # y has weighted mean 0
        coefs.append(beta)
        r2.append(1 - ss_res / ss_tot)
    return np.concatenate(coefs, axis=1), np.stack(r2, axis=1)


def _total_effects(keys: list[tuple[str, str]], coefs: np.ndarray, names: list[str]) -> np.ndarray:
    """Total effects (I - B)^-1 - I for path coefficients ``coefs`` (draws, paths) (Bollen 1987)."""
    index = {c: i for i, c in enumerate(names)}
    k = len(names)
    b = np.zeros((len(coefs), k, k))
    for j, (src, dst) in enumerate(keys):
        b[:, index[src], index[dst]] = coefs[:, j]
    return np.linalg.inv(np.eye(k) - b) - np.eye(k)


def _chain_table(
    keys: list[tuple[str, str]],
    point: np.ndarray,
    draws: np.ndarray | None,
    constructs: list[str],
    value: str,
    outcome: str,
    alpha: float,
) -> pd.DataFrame:
    names = list(dict.fromkeys([*constructs, *[c for k in keys for c in k]]))
    v, o = names.index(value), names.index(outcome)
    total = _total_effects(keys, point[None], names)[0, v, o]
    if draws is not None:
        lo, hi = np.nanquantile(draws, [alpha / 2, 1 - alpha / 2], axis=0)
        t_draws = _total_effects(keys, draws, names)[:, v, o]
        t_lo, t_hi = np.nanquantile(t_draws, [alpha / 2, 1 - alpha / 2])
    else:
        lo = hi = np.full(len(point), np.nan)
        t_lo = t_hi = np.nan
    paths = pd.DataFrame(
        {
            "from": [k[0] for k in keys],
            "to": [k[1] for k in keys],
            "estimate": point,
            "lower": lo,
            "upper": hi,
        }
    )
    mine = paths[(paths["from"] == value) | (paths["to"] == value)].copy()
    mine.insert(2, "role", np.where(mine["to"] == value, "driver", "consequence"))
    mine.insert(3, "effect", "direct")
    last = pd.DataFrame(
        [
            {
                "from": value,
                "to": outcome,
                "role": "total effect",
                "effect": "total",
                "estimate": total,
                "lower": t_lo,
                "upper": t_hi,
            }
        ]
    )
    out = pd.concat([mine, last], ignore_index=True)
    out.attrs["paths"] = paths
    return out


# ---------------------------------------------------------------------------------------------
# Key findings
# ---------------------------------------------------------------------------------------------


def _fmt(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}"


def value_findings(
    table: pd.DataFrame | None,
    relative: pd.DataFrame | None = None,
    wins_losses: pd.DataFrame | None = None,
    value_map: pd.DataFrame | None = None,
    drivers: pd.DataFrame | None = None,
    chain: pd.DataFrame | Sequence[pd.DataFrame] | None = None,
    truth: pd.DataFrame | None = None,
    alpha: float = 0.05,
) -> list[str]:
    """Key-finding sentences computed from the value analyses' tables.

    Parameters
    ----------
    table : DataFrame or None
        From :func:`perceived_value` (one row per brand).
    relative, wins_losses, value_map, drivers : DataFrame, optional
        From :func:`relative_value`, :func:`attribute_wins_losses`, :func:`customer_value_map`
        and :func:`value_drivers`.
    chain : DataFrame or list of DataFrames, optional
        From :func:`value_chain` (one sentence each).
    truth : DataFrame, optional
        True brand values of simulated ratings (``truth.brands``): adds how many intervals cover
        the true net value.
    alpha : float
        The intervals' level (for the wording "95% interval").

    Returns
    -------
    list of str
        One sentence (Markdown) per finding.
    """
    level = f"{100 * (1 - alpha):.0f}%"
    out: list[str] = []
    if table is not None and table.index.nlevels == 1 and len(table):
        ranked = table.sort_values("net_value", ascending=False)
        best, worst = ranked.index[0], ranked.index[-1]
        b, w = ranked.iloc[0], ranked.iloc[-1]
        out.append(
            f"**{best}** offers the highest perceived net value: benefits {_fmt(b['benefits'])} "
            f"minus costs {_fmt(b['costs'])} = {_fmt(b['net_value'])} "
            f"({level} interval {_fmt(b['net_value_lower'])} to {_fmt(b['net_value_upper'])}); "
            f"**{worst}** the lowest ({_fmt(w['net_value'])}, value ratio "
            f"{_fmt(w['value_ratio'])})."
        )
        if truth is not None:
            cmp = compare_to_truth(table, truth, ("net_value",))
            out.append(
                f"The data are simulated: the {level} intervals cover the true net value of "
                f"{int(cmp['net_value_covered'].sum())} of {len(cmp)} brands (largest error "
                f"{cmp['net_value_error'].abs().max():.2f} rating points)."
            )
        below = list(table.index[table["net_value_upper"] < 0])
        if below:
            out.append(
                f"Customers see costs exceeding benefits for {', '.join(map(str, below))} "
                "(net value interval below zero)."
            )
    if relative is not None and len(relative):
        focal = relative["focal_brand"].iloc[0]
        parts = []
        for name, result in (
            ("ahead of", "advantage"),
            ("behind", "disadvantage"),
            ("level with", "parity"),
        ):
            sel = relative[relative["result"] == result]
            if len(sel):
                items = ", ".join(
                    f"{c} ({float(d):+.2f})" for c, d in sel["net_value_difference"].items()
                )
                parts.append(f"{name} {items}")
        out.append(
            f"In net value, **{focal}** is " + "; ".join(parts) + " (difference in net value, "
            f"{level} bootstrap intervals decide)."
        )
    if wins_losses is not None and len(wins_losses):
        focal = wins_losses["focal_brand"].iloc[0]
        wl = wins_losses[wins_losses["competitor"] == wins_losses["competitor"].iloc[0]]
        vs = wl["competitor"].iloc[0]
        vs = "the competitors' average" if vs == "market" else str(vs)
        wins = wl.loc[wl["result"] == "win", "attribute"].tolist()
        losses = wl.loc[wl["result"] == "loss", "attribute"].tolist()
        out.append(
            f"Against {vs}, **{focal}** wins on {', '.join(wins) if wins else 'no attribute'} "
            f"and loses on {', '.join(losses) if losses else 'no attribute'}."
        )
    if value_map is not None and len(value_map):
        better = value_map.index[value_map["zone"] == "better value"].tolist()
        worse = value_map.index[value_map["zone"] == "worse value"].tolist()
        top = value_map["value_advantage"].idxmax()
        out.append(
            "On the customer value map, "
            f"{', '.join(map(str, better)) or 'no brand'} sit in the better-value zone and "
            f"{', '.join(map(str, worse)) or 'no brand'} in the worse-value zone; **{top}** is "
            f"furthest below the fair-value line (relative price "
            f"{_fmt(value_map.loc[top, 'relative_price'])} for relative quality "
            f"{_fmt(value_map.loc[top, 'relative_quality'])})."
        )
    if drivers is not None and len(drivers):
        top_d = drivers["derived_share"].idxmax()
        text = (
            f"The strongest derived driver of overall value is **{top_d}** "
            f"({100 * drivers.loc[top_d, 'derived_share']:.0f}% of the explained variance, "
            f"R² = {_fmt(drivers.attrs.get('r_squared', np.nan))})"
        )
        if drivers["stated_share"].notna().any():
            top_s = drivers["stated_share"].idxmax()
            same = "the same attribute" if top_s == top_d else f"**{top_s}**"
            text += f"; respondents state {same} as most important"
        out.append(text + ".")
    chains = [chain] if isinstance(chain, pd.DataFrame) else list(chain or [])
    for chain in chains:
        total = chain[chain["effect"] == "total"].iloc[0]
        cons = chain[chain["role"] == "consequence"]
        sat = cons.loc[cons["to"].str.lower().str.startswith(("sat", "cusa"))]
        method = "PLS path model" if chain.attrs.get("method") == "pls" else "construct means + OLS"
        text = f"In the {chain.attrs.get('survey', '')} survey ({method}), "
        if len(sat):
            s = sat.iloc[0]
            text += (
                f"perceived value ({s['from']}) drives satisfaction ({s['to']}; standardised path "
                f"{_fmt(s['estimate'])}, {level} interval {_fmt(s['lower'])} to "
                f"{_fmt(s['upper'])}) and "
            )
        text += (
            f"its total effect on loyalty ({total['to']}) is {_fmt(total['estimate'])} "
            f"({_fmt(total['lower'])} to {_fmt(total['upper'])})."
        )
        out.append(text)
    return out


def compare_to_truth(
    table: pd.DataFrame,
    truth: pd.DataFrame | None,
    measures: Sequence[str] = ("benefits", "costs", "net_value"),
) -> pd.DataFrame:
    """Estimates beside the true values of simulated ratings, and whether the intervals cover them.

    Parameters
    ----------
    table : DataFrame
        From :func:`perceived_value`.
    truth : DataFrame or None
        True values with the same index and measure columns (``truth.brands`` of
        :func:`crmlab.datasets.simulate_brand_ratings`); None for real data (then only the
        estimates and intervals are returned).
    measures : sequence of str
        Measures to compare.

    Returns
    -------
    DataFrame
        Index as ``table``; per measure ``<m>`` (estimate), ``<m>_lower``, ``<m>_upper`` and,
        with a truth, ``<m>_true``, ``<m>_error`` (estimate - true) and ``<m>_covered`` (the
        interval contains the true value).
    """
    columns: dict[str, Any] = {}
    for m in measures:
        cio.require_columns(table, [m, f"{m}_lower", f"{m}_upper"], what="perceived-value table")
        columns[m] = table[m]
        columns[f"{m}_lower"] = table[f"{m}_lower"]
        columns[f"{m}_upper"] = table[f"{m}_upper"]
        if truth is not None:
            true = truth[m].reindex(table.index)
            columns[f"{m}_true"] = true
            columns[f"{m}_error"] = table[m] - true
            columns[f"{m}_covered"] = (table[f"{m}_lower"] <= true) & (true <= table[f"{m}_upper"])
    return pd.DataFrame(columns, index=table.index)
