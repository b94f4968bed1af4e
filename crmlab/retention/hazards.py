"""What a Cox model of churn says and whether to believe it: hazard ratios per doubling of a
logged covariate, the proportional-hazards check and the concordance index.

- :func:`cox_effects` re-expresses the hazard ratios of :func:`~crmlab.retention.cox_model`:
  for a covariate entered as a logarithm, ``x = log(1 + v)``, a doubling of ``1 + v`` adds
  ``log 2`` to ``x``, so its hazard ratio is ``exp(b log 2) = 2^b`` with the interval
  ``2^(b -+ z se)``; other covariates keep the hazard ratio of a one-unit increase.
- :func:`proportional_hazards_test` is the Grambsch & Therneau (1994) test on the scaled
  Schoenfeld residuals: if the effect of covariate ``k`` changes with time, its scaled
  residuals ``r*_k(t) ~ b_k(t)`` trend against (a transform of) time. Per covariate the
  statistic is

  .. math:: T_k = \\frac{\\left(\\sum_i (g_i - \\bar g)\\, r^*_{ik}\\right)^2}
      {d\\, V_{kk} \\sum_i (g_i - \\bar g)^2} \\sim \\chi^2_1,
      \\qquad r^*_i = d\\, V r_i + \\hat b,

  with ``r_i`` the Schoenfeld residual of the ``i``-th of ``d`` events, ``V`` the covariance of
  ``b`` and ``g_i`` the transformed event time; the global statistic is
  ``(G' R) V (R' G) d / sum (g - gbar)^2 ~ chi^2_p`` (the form of R's ``survival::cox.zph``
  before version 3).
- :func:`concordance_index` is Harrell's C: among the pairs whose order of churn is known, the
  share in which the customer with the higher risk score ``x' b`` churned first (ties in the
  score count one half). 0.5 is no better than chance, 1 a perfect ranking.

References
----------
Grambsch, P. M. and Therneau, T. M. (1994). Proportional hazards tests and diagnostics based on
weighted residuals. Biometrika 81(3), 515-526.
Harrell, F. E., Califf, R. M., Pryor, D. B., Lee, K. L. and Rosati, R. A. (1982). Evaluating
the yield of medical tests. JAMA 247(18), 2543-2546.
Therneau, T. M. and Grambsch, P. M. (2000). Modeling Survival Data: Extending the Cox Model.
Springer, ch. 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight

from crmlab.checks import check_alpha, check_choice
from crmlab.errors import DataError
from crmlab.retention.survival import _fit_cox

__all__ = [
    "concordance_index",
    "cox_effects",
    "harrell_concordance",
    "proportional_hazards_test",
]


def _is_log(name: str) -> bool:
    return str(name).startswith("log_") or str(name).startswith("log(")


def cox_effects(
    cox: pd.DataFrame,
    log_covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Hazard ratios as a reader can use them: per doubling of a logged covariate.

    Parameters
    ----------
    cox : DataFrame
        Output of :func:`~crmlab.retention.cox_model` (``coef``, ``se``).
    log_covariates : list of str, optional
        Covariates entered as ``log(v)`` or ``log(1 + v)``. Default: those whose name starts
        with ``log_`` (``log_first_amount`` of :func:`~crmlab.retention.churn_durations`).
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.

    Returns
    -------
    DataFrame
        Index ``covariate``; columns ``change`` ("doubling" or "one unit"), ``variable``
        (what changes: ``1 + first_amount`` for ``log_first_amount``, else the covariate),
        ``coef``, ``se``, ``hazard_ratio`` (of the change), ``lower``, ``upper`` (its interval),
        ``p_value`` (the same as the model's: re-scaling does not change the test).
    """
    for col in ("coef", "se"):
        if col not in cox.columns:
            raise DataError(
                f"cox lacks the column '{col}'; pass the output of crmlab.retention.cox_model.",
                column=col,
            )
    alpha = check_alpha(alpha)
    names = [str(n) for n in cox.index]
    logged = set(log_covariates) if log_covariates is not None else {n for n in names if _is_log(n)}
    unknown = sorted(logged - set(names))
    if unknown:
        raise DataError(
            f"log_covariates {unknown} are not covariates of the model ({names}).",
            column=unknown[0],
        )
    scale = np.array([np.log(2.0) if n in logged else 1.0 for n in names])
    coef = cox["coef"].to_numpy(dtype=float)
    se = cox["se"].to_numpy(dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    variable = [
        (f"1 + {n[4:]}" if n.startswith("log_") else n) if n in logged else n for n in names
    ]
    out = pd.DataFrame(
        {
            "change": ["doubling" if n in logged else "one unit" for n in names],
            "variable": variable,
            "coef": coef,
            "se": se,
            "hazard_ratio": np.exp(scale * coef),
            "lower": np.exp(scale * (coef - z * se)),
            "upper": np.exp(scale * (coef + z * se)),
            "p_value": 2 * stats.norm.sf(np.abs(coef / se)),
        },
        index=pd.Index(names, name="covariate"),
    )
    out.attrs["alpha"] = alpha
    return out


def _time_transform(time: np.ndarray, event: np.ndarray, ev_times: np.ndarray, how: str):
    if how == "identity":
        return ev_times
    if how == "log":
        return np.log(np.maximum(ev_times, np.finfo(float).tiny))
    if how == "rank":
        return stats.rankdata(ev_times)
    # "km": 1 - the left-continuous Kaplan-Meier curve at each event time
    sf = SurvfuncRight(time, event)
    times = np.asarray(sf.surv_times, dtype=float)
    surv = np.asarray(sf.surv_prob, dtype=float)
    pos = np.searchsorted(times, ev_times, side="left") - 1
    return 1.0 - np.where(pos >= 0, surv[np.maximum(pos, 0)], 1.0)


def proportional_hazards_test(
    durations: pd.DataFrame,
    covariates: str | Sequence[str] | None = None,
    transform: str = "km",
    duration_col: str = "duration",
    event_col: str = "event",
    ties: str = "efron",
) -> pd.DataFrame:
    """Test of proportional hazards from the scaled Schoenfeld residuals (Grambsch & Therneau
    1994), per covariate and globally.

    Parameters
    ----------
    durations : DataFrame
        As for :func:`~crmlab.retention.cox_model`.
    covariates : str or list of str, optional
        As for :func:`~crmlab.retention.cox_model` (the model is fitted again).
    transform : {"km", "rank", "identity", "log"}, default "km"
        Function of time the residuals are correlated with: ``1 -`` the left-continuous
        Kaplan-Meier curve (R's default), the rank of the event time, the time itself or its log.
    duration_col, event_col, ties
        As for :func:`~crmlab.retention.cox_model`. The Schoenfeld residuals are statsmodels'
        (``x_i`` minus the risk-set average at the event time).

    Returns
    -------
    DataFrame
        Index ``covariate`` plus a last row ``GLOBAL``; columns ``rho`` (correlation of the
        scaled residuals with the transformed time; NaN for the global row), ``statistic``
        (chi-square), ``df`` and ``p_value``. A small p-value is evidence that the covariate's
        hazard ratio changes over time (the model's single hazard ratio is then an average).
        ``attrs["scaled_residuals"]`` holds the scaled residuals (one row per event, column
        ``time`` and one column per covariate) for a plot against time.
    """
    check_choice(transform, "transform", ("km", "rank", "identity", "log"))
    result, names, time, event, _ = _fit_cox(durations, covariates, duration_col, event_col, ties)
    resid = np.asarray(result.schoenfeld_residuals, dtype=float)
    keep = (event == 1) & np.all(np.isfinite(resid), axis=1)
    resid = resid[keep]
    ev_times = time[keep]
    order = np.argsort(ev_times, kind="mergesort")
    resid, ev_times = resid[order], ev_times[order]
    d = len(ev_times)
    if d < 3:
        raise DataError("the proportional-hazards test needs at least 3 churned customers.")
    cov = np.atleast_2d(np.asarray(result.cov_params(), dtype=float))
    beta = np.asarray(result.params, dtype=float)
    g = np.asarray(_time_transform(time, event, ev_times, transform), dtype=float)
    gc = g - g.mean()
    sgg = float(gc @ gc)
    scaled_part = d * resid @ cov  # d V r_i
    scaled = scaled_part + beta
    numer = gc @ scaled_part
    statistic = numer**2 / (np.diag(cov) * d * sgg)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.array(
            [
                np.corrcoef(gc, scaled[:, k])[0, 1] if np.std(scaled[:, k]) > 0 else np.nan
                for k in range(len(names))
            ]
        )
    u = gc @ resid
    global_stat = float(u @ cov @ u) * d / sgg
    p = len(names)
    out = pd.DataFrame(
        {
            "rho": np.concatenate([rho, [np.nan]]),
            "statistic": np.concatenate([statistic, [global_stat]]),
            "df": np.concatenate([np.ones(p, dtype=int), [p]]),
            "p_value": np.concatenate(
                [stats.chi2.sf(statistic, 1), [stats.chi2.sf(global_stat, p)]]
            ),
        },
        index=pd.Index([*names, "GLOBAL"], name="covariate"),
    )
    out.attrs["transform"] = transform
    out.attrs["scaled_residuals"] = pd.DataFrame(scaled, columns=names).assign(time=ev_times)
    return out


class _Fenwick:
    """Counts of inserted ranks with prefix sums in O(log n)."""

    def __init__(self, n: int) -> None:
        self.tree = np.zeros(n + 1, dtype=np.int64)
        self.n = n

    def add(self, i: int) -> None:  # rank i in 0..n-1
        i += 1
        while i <= self.n:
            self.tree[i] += 1
            i += i & -i

    def below(self, i: int) -> int:  # inserted ranks < i
        total = 0
        while i > 0:
            total += int(self.tree[i])
            i -= i & -i
        return total


def harrell_concordance(time: Any, event: Any, risk: Any) -> dict[str, float]:
    """Harrell's concordance index of a risk score for right-censored durations.

    A pair ``(i, j)`` is *comparable* when ``i`` churned (``event_i = 1``) and ``j`` was
    observed longer: ``time_j > time_i``, or ``time_j = time_i`` with ``j`` censored (a censored
    time tied with an event counts as longer, as in R's ``survival``). It is *concordant* when
    ``risk_i > risk_j`` (the customer who churned first had the higher risk), *tied* when the
    risks are equal. Pairs of events at the same time are not comparable.

    Parameters
    ----------
    time, event, risk : array-like
        Durations, event indicators (1 churned, 0 censored) and risk scores (higher: expected to
        churn sooner, e.g. ``x' b`` of a Cox model).

    Returns
    -------
    dict
        ``c_index`` (``(concordant + tied / 2) / comparable``), ``comparable``, ``concordant``,
        ``discordant``, ``tied``. Computed in ``O(n log n)`` with a Fenwick tree.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float) == 1
    r = np.asarray(risk, dtype=float)
    if not (len(t) == len(e) == len(r)) or not np.all(np.isfinite(r)):
        raise DataError("time, event and risk must have the same length and finite risks.")
    ranks = np.unique(r, return_inverse=True)[1].astype(int)
    n_ranks = int(ranks.max()) + 1 if len(ranks) else 0
    tree = _Fenwick(n_ranks)
    order = np.argsort(-t, kind="mergesort")
    concordant = discordant = tied = comparable = 0
    inserted = 0
    i = 0
    while i < len(order):
        j = i
        while j < len(order) and t[order[j]] == t[order[i]]:
            j += 1
        block = order[i:j]
        for k in block[~e[block]]:  # censored at this time: longer than the events here
            tree.add(int(ranks[k]))
            inserted += 1
        for k in block[e[block]]:
            below = tree.below(int(ranks[k]))
            same = tree.below(int(ranks[k]) + 1) - below
            concordant += below
            tied += same
            discordant += inserted - below - same
            comparable += inserted
        for k in block[e[block]]:
            tree.add(int(ranks[k]))
            inserted += 1
        i = j
    c = (concordant + tied / 2) / comparable if comparable else np.nan
    return {
        "c_index": float(c),
        "comparable": float(comparable),
        "concordant": float(concordant),
        "discordant": float(discordant),
        "tied": float(tied),
    }


def concordance_index(
    durations: pd.DataFrame,
    covariates: str | Sequence[str] | None = None,
    duration_col: str = "duration",
    event_col: str = "event",
    ties: str = "efron",
) -> pd.Series:
    """Harrell's C of a Cox model's risk score ``x' b`` on the customers it was fitted to.

    Parameters as :func:`~crmlab.retention.cox_model`. Returns the values of
    :func:`harrell_concordance` as a Series named ``concordance`` (``c_index``,
    ``comparable``, ``concordant``, ``discordant``, ``tied``). An in-sample C is optimistic;
    0.5 means the covariates rank customers no better than chance.
    """
    result, _, time, event, exog = _fit_cox(durations, covariates, duration_col, event_col, ties)
    risk = exog @ np.asarray(result.params, dtype=float)
    return pd.Series(harrell_concordance(time, event, risk), name="concordance")
