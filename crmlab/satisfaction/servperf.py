"""SERVQUAL against SERVPERF: do expectations add to perceptions in explaining satisfaction?

Cronin and Taylor (1992) argued that perceptions alone (SERVPERF) explain overall service
judgements at least as well as the perception-minus-expectation gaps of SERVQUAL (Parasuraman,
Zeithaml and Berry, 1988). Both are regressions of overall satisfaction :math:`S_r` on the
respondents' dimension scores (means of their item answers in each dimension :math:`d`):

.. math::

    \\text{SERVQUAL:}\\; S_r = \\alpha + \\sum_d \\beta_d (P_{rd} - E_{rd}) + e_r, \\qquad
    \\text{SERVPERF:}\\; S_r = \\alpha + \\sum_d \\gamma_d P_{rd} + u_r,

fitted by OLS on the same respondents. Their explanatory power is compared with the adjusted
:math:`R^2` (the two models have the same number of predictors, so the difference of adjusted
and of plain :math:`R^2` is the same). Inference:

- a **paired bootstrap** of respondents (Efron and Tibshirani, 1993): both models are refitted
  on every resample, the percentile interval of the difference
  :math:`\\Delta = \\bar R^2_{\\text{SERVPERF}} - \\bar R^2_{\\text{SERVQUAL}}` and the two-sided
  p-value :math:`\\min(1, 2(1 + \\min(\\#\\{\\Delta^* \\le 0\\}, \\#\\{\\Delta^* \\ge 0\\}))/(B + 1))`
  over the :math:`B` resamples (Davison and Hinkley, 1997, ch. 4), never exactly 0;
- the **J test** for non-nested models (Davidson and MacKinnon, 1981): the fitted values of one
  model are added to the other; a significant coefficient says the other model explains
  something this one misses.

References
----------
Cronin, J. J. and Taylor, S. A. (1992). Measuring service quality: a reexamination and
extension. Journal of Marketing 56(3), 55-68.
Davidson, R. and MacKinnon, J. G. (1981). Several tests for model specification in the presence
of alternative hypotheses. Econometrica 49(3), 781-793.
Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application. Cambridge.
Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from crmlab import io as cio
from crmlab.checks import check_alpha, check_choice, check_count, check_seed
from crmlab.errors import DataError

__all__ = ["servqual_vs_servperf"]


def _adj_r2(x: np.ndarray, y: np.ndarray) -> float:
    n, k = x.shape
    design = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    tss = ((y - y.mean()) ** 2).sum()
    if tss == 0:
        return float("nan")
    return float(1 - (resid @ resid / (n - k - 1)) / (tss / (n - 1)))


def _fitted(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(y)), x])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    return design @ coef


def _j_test(x: np.ndarray, other: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """t and p of the other model's fitted values added to model ``x`` (classical OLS errors)."""
    design = np.column_stack([np.ones(len(y)), x, _fitted(other, y)])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    dof = len(y) - design.shape[1]
    cov = resid @ resid / dof * np.linalg.pinv(design.T @ design)
    t = coef[-1] / np.sqrt(cov[-1, -1])
    return float(t), float(2 * stats.t.sf(abs(t), dof))


def servqual_vs_servperf(
    survey: pd.DataFrame,
    overall: str = "overall_satisfaction",
    by: str = "dimension",
    n_bootstrap: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """How well the P-E gaps (SERVQUAL) and the perceptions alone (SERVPERF) explain satisfaction.

    Parameters
    ----------
    survey : DataFrame
        Long survey (:mod:`crmlab.satisfaction.survey` contract) with a respondent-level
        ``overall`` column.
    overall : str
        Overall satisfaction column (one value per respondent).
    by : {"dimension", "item"}
        Predictors: the respondents' mean answers per dimension (default) or every item.
    n_bootstrap : int
        Paired bootstrap resamples of respondents (at least 2).
    seed : int
        Seed of the resampling.
    alpha : float
        Intervals cover ``1 - alpha``.

    Returns
    -------
    DataFrame
        Three rows, ``model`` = "SERVQUAL (P - E)", "SERVPERF (P)" and "difference (SERVPERF -
        SERVQUAL)"; columns n (respondents), n_predictors, r_squared, adj_r_squared (for the
        difference row: the difference), lower, upper (percentile bootstrap interval of the
        adjusted R^2 or of the difference), p_value (difference row: bootstrap test of no
        difference; model rows NaN), j_statistic, p_value_j (model rows: J test of adding the
        other model's fitted values). ``attrs``: n_bootstrap, alpha, by, overall.

    Examples
    --------
    >>> from crmlab.datasets import simulate_servqual_survey
    >>> survey, _ = simulate_servqual_survey(200, seed=1)
    >>> table = servqual_vs_servperf(survey, n_bootstrap=50)
    >>> list(table["model"])[:2]
    ['SERVQUAL (P - E)', 'SERVPERF (P)']
    """
    alpha = check_alpha(alpha)
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=2)
    seed = check_seed(seed)
    check_choice(by, "by", ("dimension", "item"))
    cio.require_columns(survey, ["respondent_id", by, "expectation", "perception", overall],
                        what="survey")  # fmt: skip
    answers = survey.dropna(subset=["expectation", "perception"])
    keys = ["respondent_id", by]
    means = answers.groupby(keys, sort=False, observed=True)[["expectation", "perception"]].mean()
    perception = means["perception"].unstack(by)
    gap = (means["perception"] - means["expectation"]).unstack(by)
    y = pd.to_numeric(
        survey.drop_duplicates("respondent_id").set_index("respondent_id")[overall],
        errors="coerce",
    )
    frame = pd.concat({"p": perception, "g": gap}, axis=1).join(y.rename(("y", "")))
    frame = frame.dropna()
    k = perception.shape[1]
    if len(frame) <= k + 2:
        raise DataError(
            f"Only {len(frame)} respondents have the overall rating and every {by}: too few for "
            f"regressions on {k} predictors; check the {overall!r} column.",
            column=overall,
        )
    yv = frame[("y", "")].to_numpy(dtype=float)
    xq = frame["g"].to_numpy(dtype=float)
    xp = frame["p"].to_numpy(dtype=float)
    n = len(yv)
    point_q, point_p = _adj_r2(xq, yv), _adj_r2(xp, yv)
    r2 = {m: 1 - (1 - a) * (n - k - 1) / (n - 1) for m, a in (("q", point_q), ("p", point_p))}
    rng = np.random.default_rng(seed)
    draws = np.empty((n_bootstrap, 2))
    for b in range(n_bootstrap):
        rows = rng.integers(0, n, n)
        draws[b] = _adj_r2(xq[rows], yv[rows]), _adj_r2(xp[rows], yv[rows])
    draws = draws[np.isfinite(draws).all(axis=1)]
    diff = draws[:, 1] - draws[:, 0]
    a = alpha / 2
    b_used = len(diff)
    p_boot = (
        min(1.0, 2 * (1 + min((diff <= 0).sum(), (diff >= 0).sum())) / (b_used + 1))
        if b_used
        else np.nan
    )
    jq, jq_p = _j_test(xq, xp, yv)
    jp, jp_p = _j_test(xp, xq, yv)
    rows_out = [
        ("SERVQUAL (P - E)", r2["q"], point_q, draws[:, 0], np.nan, jq, jq_p),
        ("SERVPERF (P)", r2["p"], point_p, draws[:, 1], np.nan, jp, jp_p),
        ("difference (SERVPERF - SERVQUAL)", r2["p"] - r2["q"], point_p - point_q, diff, p_boot,
         np.nan, np.nan),
    ]  # fmt: skip
    out = pd.DataFrame(
        [
            {
                "model": m,
                "n": n,
                "n_predictors": k,
                "r_squared": r,
                "adj_r_squared": adj,
                "lower": np.quantile(d, a) if len(d) else np.nan,
                "upper": np.quantile(d, 1 - a) if len(d) else np.nan,
                "p_value": p,
                "j_statistic": jt,
                "p_value_j": jpv,
            }
            for m, r, adj, d, p, jt, jpv in rows_out
        ]
    )
    out.attrs.update(n_bootstrap=len(draws), alpha=alpha, by=by, overall=overall)
    return out
