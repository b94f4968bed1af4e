"""Perceived value by brand, relative value against competitors, and attribute wins/losses."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlab import io as cio
from crmlab.checks import check_alpha, check_count
from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.value._resample import _Design, _interval
from crmlab.value.ratings import _as_ratings

__all__ = ["attribute_wins_losses", "perceived_value", "relative_value"]

_MEASURES = ("benefits", "costs", "net_value", "value_ratio")


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
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    alpha = check_alpha(alpha)
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
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    alpha = check_alpha(alpha)
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
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    alpha = check_alpha(alpha)
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
