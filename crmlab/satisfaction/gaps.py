"""Gap scores: perception minus expectation by item and dimension (SERVQUAL).

Satisfaction as disconfirmation: a customer compares the performance perceived with what was
expected (Oliver, 1980). The SERVQUAL gap of respondent :math:`r` on item :math:`i` is
:math:`G_{ri} = P_{ri} - E_{ri}` (Parasuraman, Zeithaml and Berry, 1988, p. 17); negative gaps are
shortfalls. Item gaps are averaged within each dimension per respondent, and the unweighted
SERVQUAL score is the mean of the dimension gaps (PZB 1988, p. 31). The weighted SERVQUAL score
weights each dimension gap with the respondent's importance share of that dimension,
:math:`\\sum_d w_{rd} G_{rd}` with :math:`w_{rd} = I_{rd}/\\sum_{d'} I_{rd'}` (Parasuraman,
Berry and Zeithaml, 1991, p. 445, where importance was a 100-point allocation; here it is the
respondent's mean stated importance of the dimension's items).

Inference is on respondent-level differences: paired t test and interval
:math:`\\bar G \\pm t_{n-1,1-\\alpha/2}\\, s_G/\\sqrt n`, Wilcoxon's signed-rank test
(Wilcoxon, 1945; zero differences dropped), and p-values adjusted across the rows of one table
(one segment) with :func:`statsmodels.stats.multitest.multipletests` (Holm, 1979, by default).
Beside the interval of each row, Bonferroni simultaneous intervals
:math:`\\bar G \\pm t_{n-1,1-\\alpha/(2m)}\\, s_G/\\sqrt n` over the :math:`m` rows of one table
cover all :math:`m` true gaps together with probability at least :math:`1-\\alpha`; one excludes
zero exactly when the Bonferroni-adjusted p-value is below :math:`\\alpha` (Holm's adjustment,
uniformly more powerful, can flag a few more rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from crmlab.checks import check_alpha
from crmlab.errors import DataError, ParameterError

__all__ = ["SERVQUAL_DIMENSIONS", "compare_gaps_to_truth", "dimension_gaps", "gap_scores"]

#: The five SERVQUAL dimensions (Parasuraman, Zeithaml and Berry, 1988, p. 23).
SERVQUAL_DIMENSIONS: tuple[str, ...] = (
    "tangibles",
    "reliability",
    "responsiveness",
    "assurance",
    "empathy",
)

_STAT_COLUMNS = [
    "n",
    "expectation_mean",
    "perception_mean",
    "gap",
    "gap_se",
    "gap_lower",
    "gap_upper",
    "t",
    "p_t",
    "wilcoxon_w",
    "p_wilcoxon",
    "p_adjusted",
    "significant",
    "simultaneous_lower",
    "simultaneous_upper",
]


def _check(survey: pd.DataFrame, alpha: float, segment: str | None) -> None:
    need = ["respondent_id", "item", "dimension", "expectation", "perception"]
    lacking = [c for c in need if c not in survey.columns]
    if lacking:
        raise DataError(
            f"The survey lacks {lacking}; build it with read_survey or survey_from_wide.",
            column=lacking[0],
        )
    check_alpha(alpha)
    if segment is not None and segment not in survey.columns:
        raise ParameterError(
            f"segment column {segment!r} is not in the survey; columns: {list(survey.columns)}.",
            parameter="segment",
        )


def _paired_stats(
    frame: pd.DataFrame, keys: list[str], alpha: float, correction: str, adjust_by: list[str]
) -> pd.DataFrame:
    """Statistics of ``perception - expectation`` per group ``keys`` (one row per respondent)."""
    d = frame.assign(_d=frame["perception"] - frame["expectation"])
    g = d.groupby(keys, sort=False, observed=True)
    out = g.agg(
        n=("_d", "size"),
        expectation_mean=("expectation", "mean"),
        perception_mean=("perception", "mean"),
        gap=("_d", "mean"),
        _sd=("_d", "std"),
    ).reset_index()
    n = out["n"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = out.pop("_sd").to_numpy() / np.sqrt(n)
        tcrit = stats.t.ppf(1 - alpha / 2, np.maximum(n - 1, 1))
        out["gap_se"] = se
        out["gap_lower"] = out["gap"] - tcrit * se
        out["gap_upper"] = out["gap"] + tcrit * se
        t = out["gap"].to_numpy() / se
        t = np.where((se == 0) & (out["gap"].to_numpy() == 0), 0.0, t)
        out["t"] = t
        out["p_t"] = np.where(n > 1, 2 * stats.t.sf(np.abs(t), np.maximum(n - 1, 1)), np.nan)
    w_stat, w_p = [], []
    for _, grp in g["_d"]:
        x = grp.to_numpy()
        if np.count_nonzero(x) == 0:
            w_stat.append(0.0)
            w_p.append(1.0)
        else:
            res = stats.wilcoxon(x, zero_method="wilcox")
            w_stat.append(float(res.statistic))
            w_p.append(float(res.pvalue))
    out["wilcoxon_w"] = w_stat
    out["p_wilcoxon"] = w_p
    adjusted = np.full(len(out), np.nan)
    family = np.ones(len(out))
    groups = (
        out.groupby(adjust_by, sort=False).indices if adjust_by else {None: np.arange(len(out))}
    )
    for idx in groups.values():
        p = out["p_t"].to_numpy()[idx]
        ok = np.isfinite(p)
        family[idx] = max(int(ok.sum()), 1)
        if ok.any():
            adj = np.full(len(p), np.nan)
            adj[ok] = multipletests(p[ok], alpha=alpha, method=correction)[1]
            adjusted[idx] = adj
    out["p_adjusted"] = adjusted
    out["significant"] = out["p_adjusted"] < alpha
    with np.errstate(divide="ignore", invalid="ignore"):
        tsim = stats.t.ppf(1 - alpha / (2 * family), np.maximum(n - 1, 1))
        out["simultaneous_lower"] = out["gap"] - tsim * se
        out["simultaneous_upper"] = out["gap"] + tsim * se
    out["n"] = out["n"].astype("int64")
    return out


def gap_scores(
    survey: pd.DataFrame,
    alpha: float = 0.05,
    correction: str = "holm",
    segment: str | None = None,
) -> pd.DataFrame:
    """Item gap scores (perception - expectation) with intervals and paired tests.

    Parameters
    ----------
    survey : DataFrame
        Long survey (:mod:`crmlab.satisfaction.survey` contract).
    alpha : float
        Significance level of the tests; the intervals cover ``1 - alpha``.
    correction : str
        Multiple-testing method of :func:`statsmodels.stats.multitest.multipletests` ("holm",
        "bonferroni", "fdr_bh", ...), applied across the items of one segment.
    segment : str, optional
        A respondent-level column; results are then computed per segment value.

    Returns
    -------
    DataFrame
        One row per item (and segment, first column when given): item, dimension, n
        (respondents with both answers), expectation_mean, perception_mean, gap (mean of
        P - E, PZB 1988), gap_se (standard error s/sqrt(n)), gap_lower/gap_upper (paired t
        interval), t and p_t (paired t test of zero gap), wilcoxon_w and p_wilcoxon (signed-rank
        test), p_adjusted (p_t adjusted by ``correction``), significant (p_adjusted < alpha),
        simultaneous_lower/simultaneous_upper (Bonferroni simultaneous interval over the items of
        one segment: all cover their true gaps together with probability >= ``1 - alpha``).

    Examples
    --------
    >>> from crmlab.datasets import simulate_servqual_survey
    >>> from crmlab.satisfaction import gap_scores
    >>> survey, truth = simulate_servqual_survey(200, seed=1)
    >>> gap_scores(survey).shape[0]
    22
    """
    _check(survey, alpha, segment)
    keys = ([segment] if segment else []) + ["item", "dimension"]
    try:
        out = _paired_stats(survey, keys, alpha, correction, [segment] if segment else [])
    except ValueError as err:
        raise ParameterError(str(err), parameter="correction") from None
    out = out[keys + _STAT_COLUMNS]
    out.attrs.update(correction=correction, alpha=alpha)
    return out


def _respondent_dimensions(survey: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    """Per respondent and dimension: mean expectation, perception and importance of its items."""
    cols = ["expectation", "perception"] + (["importance"] if "importance" in survey else [])
    keys = ["respondent_id", "dimension"]
    per = survey.groupby(keys, sort=False, observed=True)[cols].mean().reset_index()
    if segment:
        seg = survey.drop_duplicates("respondent_id").set_index("respondent_id")[segment]
        per[segment] = per["respondent_id"].map(seg)
    return per


def dimension_gaps(
    survey: pd.DataFrame,
    alpha: float = 0.05,
    correction: str = "holm",
    segment: str | None = None,
    dimensions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Dimension gap scores and the (weighted) SERVQUAL score with intervals and tests.

    Each respondent's dimension gap is the mean of his item gaps in that dimension (answered
    items only); the rows "SERVQUAL" (mean of the respondent's dimension gaps, PZB 1988) and,
    when the survey has ``importance``, "SERVQUAL (weighted)" (importance-share weighted,
    PZB 1991) summarise all dimensions. Statistics as in :func:`gap_scores`, p-values adjusted
    across the dimension rows (not the summary rows) of one segment.

    Parameters
    ----------
    survey, alpha, correction, segment
        As in :func:`gap_scores`.
    dimensions : sequence of str, optional
        Order of the dimension rows; default :data:`SERVQUAL_DIMENSIONS` when the survey uses
        exactly those, else order of appearance.

    Returns
    -------
    DataFrame
        One row per dimension (and segment): [segment], dimension, n_items, then the columns of
        :func:`gap_scores` (expectation_mean/perception_mean are means of the respondents'
        dimension means; for the SERVQUAL rows the means over dimensions).
    """
    _check(survey, alpha, segment)
    per = _respondent_dimensions(survey, segment)
    present = list(dict.fromkeys(survey["dimension"]))
    if dimensions is None:
        dimensions = (
            list(SERVQUAL_DIMENSIONS) if set(present) == set(SERVQUAL_DIMENSIONS) else present
        )
    seg_keys = [segment] if segment else []
    try:
        dim_table = _paired_stats(
            per, seg_keys + ["dimension"], alpha, correction, seg_keys
        ).set_index(seg_keys + ["dimension"])
    except ValueError as err:
        raise ParameterError(str(err), parameter="correction") from None
    summaries = []
    overall = per.groupby(seg_keys + ["respondent_id"], sort=False)[
        ["expectation", "perception"]
    ].mean()
    overall = overall.reset_index().assign(dimension="SERVQUAL")
    summaries.append(overall)
    if "importance" in per and per["importance"].notna().any():
        imp = per["importance"].to_numpy()
        share = imp / per.groupby("respondent_id")["importance"].transform("sum").to_numpy()
        weighted = (
            per.assign(
                expectation=per["expectation"] * share,
                perception=per["perception"] * share,
            )
            .groupby(seg_keys + ["respondent_id"], sort=False)[["expectation", "perception"]]
            .sum(min_count=1)
            .reset_index()
            .assign(dimension="SERVQUAL (weighted)")
        )
        summaries.append(weighted)
    summary_table = _paired_stats(
        pd.concat(summaries, ignore_index=True),
        seg_keys + ["dimension"],
        alpha,
        correction,
        seg_keys + ["dimension"],
    )
    summary_table["p_adjusted"] = summary_table["p_t"]
    summary_table["significant"] = summary_table["p_t"] < alpha
    n_items = survey.groupby("dimension", observed=True)["item"].nunique()
    order = list(dimensions) + [d for d in present if d not in dimensions]
    dim_table = dim_table.reset_index()
    dim_table["_o"] = dim_table["dimension"].map({d: i for i, d in enumerate(order)})
    dim_table = dim_table.sort_values(seg_keys + ["_o"], kind="stable").drop(columns="_o")
    out = pd.concat([dim_table, summary_table], ignore_index=True)
    if segment:
        out = out.sort_values(segment, kind="stable").reset_index(drop=True)
    out["n_items"] = out["dimension"].map(n_items)
    out.loc[out["dimension"].str.startswith("SERVQUAL"), "n_items"] = survey["item"].nunique()
    out["n_items"] = out["n_items"].astype("int64")
    out = out[seg_keys + ["dimension", "n_items", *_STAT_COLUMNS]]
    out.attrs.update(correction=correction, alpha=alpha)
    return out


def compare_gaps_to_truth(gaps: pd.DataFrame, truth: pd.DataFrame | None) -> pd.DataFrame:
    """Estimated item gaps beside the true gaps of a simulated survey.

    Parameters
    ----------
    gaps : DataFrame
        :func:`gap_scores` output (without segment).
    truth : DataFrame or None
        The true gaps of :func:`crmlab.datasets.simulate_servqual_survey` (index item, column
        ``gap``); None for real data (then an empty table).

    Returns
    -------
    DataFrame
        One row per item: item, dimension, gap (estimate), gap_lower, gap_upper, true_gap,
        error (estimate - true), covered (the interval holds the true gap).
        ``attrs["coverage"]``: the share of intervals that cover (about ``1 - alpha`` expected).
    """
    columns = ["item", "dimension", "gap", "gap_lower", "gap_upper", "true_gap", "error",
               "covered"]  # fmt: skip
    if truth is None:
        return pd.DataFrame(columns=columns)
    if "segment" in gaps.columns:
        raise ParameterError("compare the gaps of all respondents (gap_scores without segment).")
    if "gap" not in truth.columns:
        raise DataError("truth needs a gap column (the true gaps of the simulation).", column="gap")
    out = gaps[["item", "dimension", "gap", "gap_lower", "gap_upper"]].copy()
    out["true_gap"] = out["item"].map(truth["gap"]).to_numpy(dtype=float)
    out["error"] = out["gap"] - out["true_gap"]
    out["covered"] = (out["gap_lower"] <= out["true_gap"]) & (out["true_gap"] <= out["gap_upper"])
    out.attrs["coverage"] = float(out["covered"].mean()) if len(out) else float("nan")
    return out.reset_index(drop=True)
