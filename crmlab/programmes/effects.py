"""Two-way fixed effects, the joint Wald test, and programme effects with staggered joining.

References: Angrist & Pischke (2009, ch. 5); Bertrand, Duflo & Mullainathan (2004); Callaway &
Sant'Anna (2021); de Chaisemartin & D'Haultfoeuille (2020); Goodman-Bacon (2021); Wooldridge
(2010); full entries in :mod:`crmlab.programmes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlab._deprecation import resolve_alpha
from crmlab.checks import check_count
from crmlab.errors import DataError, ParameterError

__all__ = [
    "STAGGERED_CAVEAT",
    "StaggeredEffect",
    "callaway_santanna",
    "programme_effect",
    "twfe",
    "wald_test",
]

STAGGERED_CAVEAT = (
    "Customers join the programme at different times. With staggered joining, the two-way "
    "fixed-effects estimate is a weighted average of many two-group comparisons, some of which "
    "use customers who joined earlier as the controls of those who join later; when the effect "
    "grows or fades with time since joining, some weights are negative and the estimate can be "
    "far from any customer's effect, even of the wrong sign (Goodman-Bacon 2021; de Chaisemartin "
    "& D'Haultfoeuille 2020). Read it as the effect only if the effect is the same for every "
    "joining week and every week since joining; otherwise compare each joining cohort with the "
    "customers who never join (Callaway & Sant'Anna 2021; crmlab.programmes.callaway_santanna)."
)


def _demean(values: np.ndarray, unit: np.ndarray, time: np.ndarray, n_iter: int = 50) -> np.ndarray:
    """Remove unit and time means (alternating projections; exact in one pass when balanced)."""
    out = values.astype(float).copy()
    n_u, n_t = unit.max() + 1, time.max() + 1
    cu = np.bincount(unit, minlength=n_u).astype(float)
    ct = np.bincount(time, minlength=n_t).astype(float)
    for _ in range(n_iter):
        before = out.copy()
        for codes, counts, k in ((unit, cu, n_u), (time, ct, n_t)):
            for j in range(out.shape[1]):
                out[:, j] -= (np.bincount(codes, out[:, j], minlength=k) / counts)[codes]
        if np.max(np.abs(out - before)) < 1e-10 * (1 + np.max(np.abs(out))):
            break
    return out


def twfe(
    panel: pd.DataFrame,
    outcome: str,
    regressors: Sequence[str],
    unit: str = "customer_id",
    time: str = "week",
    alpha: float = 0.05,
    *,
    level: float | None = None,
) -> pd.DataFrame:
    """Two-way fixed-effects regression with errors clustered by unit.

    Fits :math:`y_{it} = \\alpha_i + \\lambda_t + x_{it}'\\beta + \\varepsilon_{it}` by OLS on the
    within-transformed data (unit and time means removed; Angrist & Pischke 2009, section 5.1),
    with statsmodels and a cluster-robust covariance by unit (Bertrand, Duflo & Mullainathan
    2004). The fixed effects are absorbed, not estimated as thousands of dummies.

    Parameters
    ----------
    panel : DataFrame
        One row per unit and period, with ``outcome`` and ``regressors`` numeric.
    outcome : str
        Outcome column.
    regressors : sequence of str
        Columns of :math:`x_{it}` (e.g. a treatment indicator).
    unit, time : str
        Unit and period columns.
    alpha : float
        Significance level: the intervals cover ``1 - alpha`` (default 95%).
    level : float, optional
        Deprecated: the confidence level ``1 - alpha``.

    Returns
    -------
    DataFrame
        Index the regressors; ``estimate``, ``std_error``, ``p_value``, ``lower``, ``upper``.
        ``attrs``: ``n_obs``, ``n_units``, ``alpha`` and ``cov`` (the cluster-robust covariance
        of the estimates, rows and columns in index order, as nested tuples; for
        :func:`wald_test`).
    """
    import statsmodels.api as sm

    alpha = resolve_alpha(alpha, level, "twfe")

    cols = [outcome, *regressors]
    missing = [c for c in [*cols, unit, time] if c not in panel.columns]
    if missing:
        raise DataError(f"panel lacks the column(s) {missing}.", column=missing[0])
    u, _ = pd.factorize(panel[unit], sort=True)
    t, _ = pd.factorize(panel[time], sort=True)
    z = _demean(panel[cols].to_numpy(dtype=float), u, t)
    model = sm.OLS(z[:, 0], z[:, 1:]).fit(cov_type="cluster", cov_kwds={"groups": u})
    ci = model.conf_int(alpha=alpha)
    out = pd.DataFrame(
        {
            "estimate": model.params,
            "std_error": model.bse,
            "p_value": model.pvalues,
            "lower": ci[:, 0],
            "upper": ci[:, 1],
        },
        index=pd.Index(list(regressors), name="term"),
    )
    cov = np.asarray(model.cov_params())
    out.attrs.update(
        n_obs=len(panel),
        n_units=int(u.max() + 1),
        alpha=alpha,
        cov=tuple(tuple(float(x) for x in row) for row in cov),
    )
    return out


def wald_test(table: pd.DataFrame, terms: Sequence[str]) -> dict[str, float]:
    """Joint Wald test that the coefficients ``terms`` of a :func:`twfe` table are all zero.

    :math:`W = \\hat\\beta_S' \\hat V_S^{-1} \\hat\\beta_S`, with :math:`\\hat V_S` the
    cluster-robust covariance of the tested coefficients, is compared with a chi-square
    distribution with :math:`|S|` degrees of freedom (Wooldridge 2010, section 7.3; the
    pre-trend test of an event study tests the lead coefficients jointly).

    Parameters
    ----------
    table : DataFrame
        :func:`twfe` output (its ``attrs["cov"]`` holds the covariance).
    terms : sequence of str
        Coefficients tested.

    Returns
    -------
    dict
        ``chi2``, ``dof`` and ``p_value``.
    """
    from scipy import stats

    cov = table.attrs.get("cov")
    if cov is None:
        raise ParameterError("table has no covariance: pass a crmlab.programmes.twfe result.")
    names = list(terms)
    missing = [t for t in names if t not in table.index]
    if not names or missing:
        raise ParameterError(
            f"terms {missing or names} are not coefficients of the table ({list(table.index)}).",
            parameter="terms",
        )
    pos = [list(table.index).index(t) for t in names]
    b = table["estimate"].to_numpy(dtype=float)[pos]
    v = np.asarray(cov, dtype=float)[np.ix_(pos, pos)]
    chi2 = float(b @ np.linalg.pinv(v) @ b)
    dof = len(names)
    return {"chi2": chi2, "dof": float(dof), "p_value": float(stats.chi2.sf(chi2, dof))}


def programme_effect(
    panel: pd.DataFrame,
    outcome: str = "spend",
    member: str = "member",
    unit: str = "customer_id",
    time: str = "week",
    ever_member: str | None = "join_week",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Effect of a programme with staggered joining, against the naive comparison.

    Parameters
    ----------
    panel : DataFrame
        One row per customer and week: ``outcome``, ``member`` (1 from the week the customer
        joined), and ``ever_member`` (join week, NaN for customers who never join), as
        :func:`crmlab.datasets.simulate_programme` returns.
    outcome, member, unit, time, ever_member : str
        Column names.
    alpha : float
        Significance level: both intervals cover ``1 - alpha`` (default 95%).

    Returns
    -------
    DataFrame
        Index ``method``: ``"two-way fixed effects"`` (:func:`twfe` of ``outcome`` on ``member``;
        unbiased for a constant effect under parallel trends) and ``"naive"`` (mean weekly
        outcome of customers who ever join minus that of those who never join, over the whole
        panel: biased by who chooses to join, and diluted by the weeks before joining);
        columns ``estimate``, ``lower``, ``upper``. The naive row's interval is Welch's t interval
        (Welch 1947) on the customers' mean weekly outcomes: standard error
        :math:`\\sqrt{s_a^2/n_a + s_b^2/n_b}` and Student's t with the Welch-Satterthwaite
        degrees of freedom. ``attrs``: ``alpha`` and ``caveat`` (:data:`STAGGERED_CAVEAT`: with
        staggered joining and effects that change over time, the two-way fixed-effects
        estimate is not a well-defined average effect; Goodman-Bacon 2021).
    """
    from scipy import stats

    alpha = resolve_alpha(alpha, None, "programme_effect")
    fe = twfe(panel, outcome, [member], unit=unit, time=time, alpha=alpha)
    if ever_member is not None and ever_member in panel.columns:
        ever = panel[ever_member].notna()
    else:
        ever = panel.groupby(unit)[member].transform("max") > 0
    means = panel.groupby(unit).agg(y=(outcome, "mean"))
    means["ever"] = ever.groupby(panel[unit]).max()
    a = means.loc[means["ever"], "y"].to_numpy()
    b = means.loc[~means["ever"], "y"].to_numpy()
    diff = a.mean() - b.mean()
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = np.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    q = stats.t.ppf(1 - alpha / 2, dof)
    out = pd.DataFrame(
        {
            "estimate": [float(fe["estimate"].iloc[0]), diff],
            "lower": [float(fe["lower"].iloc[0]), diff - q * se],
            "upper": [float(fe["upper"].iloc[0]), diff + q * se],
        },
        index=pd.Index(["two-way fixed effects", "naive"], name="method"),
    )
    out.attrs["alpha"] = alpha
    out.attrs["caveat"] = STAGGERED_CAVEAT
    return out


@dataclass
class StaggeredEffect:
    """What :func:`callaway_santanna` returns.

    Attributes
    ----------
    overall : DataFrame
        One row: ``estimate`` (the average effect over every cohort and every week from its
        joining week on, cohorts weighted by size), ``std_error`` (bootstrap over units),
        ``lower``, ``upper`` (normal interval at ``alpha``), ``n_units``, ``n_never``
        (never-joining units: the comparison group), ``n_dropped`` (units that joined in the
        first period, which have no week before joining).
    by_event_time : DataFrame
        Index ``event_time`` (weeks since joining, 0 = the joining week); ``estimate``,
        ``std_error``, ``lower``, ``upper``, ``cohorts`` (cohorts observed that long).
    group_time : DataFrame
        Index (``cohort``, ``time``); ``att`` (the cohort's effect in that period) and ``units``.
    """

    overall: pd.DataFrame
    by_event_time: pd.DataFrame
    group_time: pd.DataFrame


def _cohort_means(y: np.ndarray, onehot: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean path of every cohort (rows of ``onehot.T``) over the periods of ``y``."""
    w = onehot * weights[:, None]
    sizes = w.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (w.T @ y) / sizes[:, None]


def _att_cells(means: np.ndarray, starts: np.ndarray) -> list[np.ndarray]:
    """ATT(g, t) for t >= g of every treated cohort (the last row of ``means`` is never)."""
    never = means[-1]
    out = []
    for c, p in enumerate(starts):
        own = means[c, p:] - means[c, p - 1]
        comparison = never[p:] - never[p - 1]
        out.append(own - comparison)
    return out


def callaway_santanna(
    panel: pd.DataFrame,
    outcome: str = "spend",
    unit: str = "customer_id",
    time: str = "week",
    cohort: str = "join_week",
    n_bootstrap: int = 199,
    alpha: float = 0.05,
    seed: int = 0,
) -> StaggeredEffect:
    """Effect of a programme with staggered joining, cohort by cohort (Callaway & Sant'Anna 2021).

    For every cohort :math:`g` (units that join in period :math:`g`) and every period
    :math:`t \\ge g`, the group-time effect compares the cohort's change since the period
    before joining with that of the units that never join,

    .. math:: ATT(g, t) = E[Y_t - Y_{g-1} \\mid G = g] - E[Y_t - Y_{g-1} \\mid \\text{never}],

    (Callaway & Sant'Anna 2021, eq. 2.6 with the never-treated as comparison group and no
    covariates). Already-joined units never serve as controls, so the negative weights of the
    two-way fixed-effects estimate with effects that change over time (Goodman-Bacon 2021) do not
    arise. The overall effect averages :math:`ATT(g, t)` over all cells :math:`t \\ge g`, each
    weighted by its cohort's size (their "simple" aggregation); the event-time effect
    :math:`\\theta(e)` averages the cells with :math:`t - g = e`, cohorts weighted by size.
    Standard errors come from a bootstrap of units (every unit's whole history resampled) and
    the intervals are normal at ``alpha``; the estimate assumes parallel trends of the cohorts
    and the never-joiners, and no anticipation.

    Parameters
    ----------
    panel : DataFrame
        A balanced panel: one row per unit and period with ``outcome`` and ``cohort`` (the
        period the unit joins, NaN for units that never join), as
        :func:`crmlab.datasets.simulate_programme` returns.
    outcome, unit, time, cohort : str
        Column names.
    n_bootstrap : int
        Bootstrap resamples of units (0: no standard errors).
    alpha : float
        Significance level of the intervals.
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    StaggeredEffect
        The overall effect, the effects by time since joining and the group-time cells.
    """
    from crmlab.checks import check_alpha, check_seed

    alpha = check_alpha(alpha)
    seed = check_seed(seed)
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    missing = [c for c in (outcome, unit, time, cohort) if c not in panel.columns]
    if missing:
        raise DataError(f"panel lacks the column(s) {missing}.", column=missing[0])
    wide = panel.pivot_table(index=unit, columns=time, values=outcome, aggfunc="mean")
    if wide.isna().to_numpy().any() or panel.duplicated([unit, time]).any():
        raise DataError(
            "callaway_santanna needs a balanced panel: one row per unit and period, no gaps.",
            column=time,
        )
    times = wide.columns.to_numpy()
    y = wide.to_numpy(dtype=float)
    joins = panel.groupby(unit)[cohort].first().reindex(wide.index)
    position = {t: i for i, t in enumerate(times)}
    pos = np.array([position.get(v, -1) if pd.notna(v) else -2 for v in joins])
    if (pos == -1).any():
        bad = list(joins.index[pos == -1][:5])
        raise DataError(
            f"{cohort} of units {bad} is not a period of the panel.", column=cohort, rows=bad
        )
    dropped = int((pos == 0).sum())  # joined in the first period: no period before joining
    starts = np.array(sorted({int(p) for p in pos if p > 0}))
    never = pos == -2
    if never.sum() < 2 or len(starts) == 0:
        raise DataError(
            f"callaway_santanna needs at least 2 never-joining units and one cohort that joins "
            f"after the first period (found {int(never.sum())} and {len(starts)}).",
            column=cohort,
        )
    keep = never | (pos > 0)
    y, pos = y[keep], pos[keep]
    labels = np.where(pos == -2, len(starts), np.searchsorted(starts, np.clip(pos, 0, None)))
    onehot = np.zeros((len(pos), len(starts) + 1))
    onehot[np.arange(len(pos)), labels] = 1.0
    n_t = len(times)

    def estimate(weights: np.ndarray) -> tuple[float, np.ndarray]:
        means = _cohort_means(y, onehot, weights)
        sizes = (onehot * weights[:, None]).sum(axis=0)[:-1]
        cells = _att_cells(means, starts)
        num = sum(sizes[c] * cells[c].sum() for c in range(len(starts)))
        den = sum(sizes[c] * len(cells[c]) for c in range(len(starts)))
        by_e = np.full(n_t, np.nan)
        for e in range(n_t):
            rows = [c for c in range(len(starts)) if e < len(cells[c])]
            if rows:
                total = sum(sizes[c] for c in rows)
                by_e[e] = sum(sizes[c] * cells[c][e] for c in rows) / total
        return float(num / den), by_e

    ones = np.ones(len(pos))
    overall, by_e = estimate(ones)
    rng = np.random.default_rng(seed)
    draws, draws_e = [], []
    for _ in range(n_bootstrap):
        w = np.bincount(rng.integers(0, len(pos), len(pos)), minlength=len(pos)).astype(float)
        if (w[never] > 0).sum() < 1:
            continue
        o, e = estimate(w)
        draws.append(o)
        draws_e.append(e)
    from scipy import stats

    z = stats.norm.ppf(1 - alpha / 2)
    se = float(np.nanstd(draws, ddof=1)) if len(draws) > 1 else float("nan")
    se_e = np.full(n_t, np.nan)
    if len(draws_e) > 1:
        observed = ~np.isnan(by_e)  # event times some cohort reaches
        se_e[observed] = np.nanstd(np.vstack(draws_e)[:, observed], axis=0, ddof=1)
    means = _cohort_means(y, onehot, ones)
    cells = _att_cells(means, starts)
    sizes = onehot.sum(axis=0)[:-1]
    group_time = pd.DataFrame(
        [
            (times[p], times[p + j], float(att), int(sizes[c]))
            for c, p in enumerate(starts)
            for j, att in enumerate(cells[c])
        ],
        columns=["cohort", "time", "att", "units"],
    ).set_index(["cohort", "time"])
    valid = ~np.isnan(by_e)
    cohorts = np.array(
        [sum(1 for c in range(len(starts)) if e < len(cells[c])) for e in range(n_t)]
    )
    by_event = pd.DataFrame(
        {
            "estimate": by_e[valid],
            "std_error": se_e[valid],
            "lower": by_e[valid] - z * se_e[valid],
            "upper": by_e[valid] + z * se_e[valid],
            "cohorts": cohorts[valid],
        },
        index=pd.Index(np.arange(n_t)[valid], name="event_time"),
    )
    summary = pd.DataFrame(
        {
            "estimate": [overall],
            "std_error": [se],
            "lower": [overall - z * se],
            "upper": [overall + z * se],
            "n_units": [int(keep.sum())],
            "n_never": [int(never.sum())],
            "n_dropped": [dropped],
        }
    )
    summary.attrs["alpha"] = alpha
    return StaggeredEffect(overall=summary, by_event_time=by_event, group_time=group_time)
