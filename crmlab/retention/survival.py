"""Survival analysis of customer lifetimes from a purchase log: churn durations, Kaplan-Meier
curves, log-rank tests and Cox proportional-hazards models (statsmodels).

In a shop nobody cancels: churn is *inferred* from inactivity. :func:`churn_durations` declares
a customer churned when no purchase follows her last one for longer than
``inactivity_threshold``; the survival estimators then treat the customers who are still within
the threshold at the end of the data as right-censored (Kaplan & Meier 1958; Cox 1972; for
customer lifetimes see Helsen & Schmittlein 1993).

References
----------
Cox, D. R. (1972). Regression Models and Life-Tables. Journal of the Royal Statistical Society B
34(2), 187-220.
Helsen, K. and Schmittlein, D. C. (1993). Analyzing Duration Times in Marketing: Evidence for the
Effectiveness of Hazard Rate Models. Marketing Science 12(4), 395-414.
Kalbfleisch, J. D. and Prentice, R. L. (2002). The Statistical Analysis of Failure Time Data,
2nd ed. Wiley.
Kaplan, E. L. and Meier, P. (1958). Nonparametric Estimation from Incomplete Observations.
Journal of the American Statistical Association 53(282), 457-481.
Klein, J. P. and Moeschberger, M. L. (2003). Survival Analysis: Techniques for Censored and
Truncated Data, 2nd ed. Springer, sec. 4.5 (mean and median survival).
Royston, P. and Parmar, M. K. B. (2013). Restricted mean survival time: an alternative to the
hazard ratio for the design and analysis of randomized trials with a time-to-event outcome.
BMC Medical Research Methodology 13, 152.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight, survdiff

from crmlab.errors import ConvergenceError, DataError, ParameterError
from crmlab.transactions import check_time_unit, check_transactions, elapsed, until

__all__ = [
    "churn_durations",
    "cox_model",
    "durations_by_segment",
    "first_purchase_segment",
    "kaplan_meier",
    "logrank_test",
    "restricted_mean_survival",
]


def churn_durations(
    transactions: pd.DataFrame,
    inactivity_threshold: float,
    time_unit: str = "D",
    observation_end: Any = None,
    covariates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Customer lifetimes with churn inferred from inactivity, right-censored at the data's end.

    Definition: a customer has *churned* (``event = 1``) when the time from her last purchase to
    ``observation_end`` exceeds ``inactivity_threshold``; her lifetime then ends at the last
    purchase (``duration = last - first purchase``). Otherwise she is *censored*
    (``event = 0``) with ``duration = observation_end - first purchase``: we only know she lived
    at least that long.

    Known biases of this definition: churn is dated at the last purchase, though it can only be
    declared ``inactivity_threshold`` later; customers acquired less than
    ``inactivity_threshold`` before ``observation_end`` can never be churned; a churned customer
    who would have come back after the threshold is misclassified (the threshold trades false
    churn against late detection). Compare thresholds, and prefer the probability models of
    :mod:`crmlab.clv` (P(alive)) when purchase rhythms differ a lot between customers.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``, ``amount``; ``quantity`` used when
        present).
    inactivity_threshold : float
        Time without purchase (in ``time_unit``) after which a customer counts as churned (> 0).
    time_unit : {"D", "W", "M"}, default "D"
        Unit of ``inactivity_threshold`` and of ``duration``: a *length* ("W" is 7 days, "M" a
        fractional calendar month), not a calendar ``period`` as in
        :func:`~crmlab.retention.retention_rates`.
    observation_end : date-like, optional
        End of observation; later purchases are ignored. Default: the last date in the data.
    covariates : DataFrame, optional
        Further customer-level columns, indexed by ``customer_id``, joined to the result.

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``first_purchase``, ``last_purchase`` (dates),
        ``n_purchases`` (purchase days), ``time_since_last`` (to ``observation_end``),
        ``duration`` (float64, see above), ``event`` (int64: 1 churned, 0 censored), and the
        first-purchase covariates ``first_amount`` (spend on the first purchase day),
        ``log_first_amount`` (``log(1 + max(first_amount, 0))``) and, when ``quantity`` is
        present, ``first_quantity``; then the columns of ``covariates``.
    """
    time_unit = check_time_unit(time_unit)
    if not np.isscalar(inactivity_threshold) or not float(inactivity_threshold) > 0:
        raise ParameterError(
            f"inactivity_threshold must be a number > 0 (in {time_unit}), got "
            f"{inactivity_threshold!r}.",
            parameter="inactivity_threshold",
        )
    required = ["customer_id", "date", "amount"]
    has_quantity = "quantity" in transactions.columns
    if has_quantity:
        required.append("quantity")
    frame = check_transactions(transactions, tuple(required))
    frame, end = until(frame, observation_end)
    g = frame.groupby("customer_id", sort=True)
    first = g["date"].min()
    last = g["date"].max()
    out = pd.DataFrame(index=first.index)
    out["first_purchase"] = first
    out["last_purchase"] = last
    out["n_purchases"] = g["date"].nunique().astype("int64")
    since = elapsed(last, end, time_unit)
    out["time_since_last"] = since
    churned = since > float(inactivity_threshold)
    out["duration"] = np.where(
        churned, elapsed(first, last, time_unit), elapsed(first, end, time_unit)
    ).astype(float)
    out["event"] = churned.astype("int64")
    on_first = frame.loc[frame["date"].to_numpy() == first.reindex(frame["customer_id"]).to_numpy()]
    g1 = on_first.groupby("customer_id", sort=True)
    out["first_amount"] = g1["amount"].sum().astype(float)
    out["log_first_amount"] = np.log1p(out["first_amount"].clip(lower=0))
    if has_quantity:
        out["first_quantity"] = g1["quantity"].sum().astype(float)
    if covariates is not None:
        if not isinstance(covariates, pd.DataFrame):
            raise DataError(
                "covariates must be a DataFrame indexed by customer_id, got "
                f"{type(covariates).__name__}."
            )
        clash = [c for c in covariates.columns if c in out.columns]
        if clash:
            raise DataError(
                f"covariates repeat the column(s) {clash} that churn_durations computes; rename "
                "them.",
                column=str(clash[0]),
            )
        out = out.join(covariates, how="left")
    out.index.name = "customer_id"
    return out


def first_purchase_segment(
    durations: pd.DataFrame,
    column: str = "first_amount",
    quantile: float = 0.5,
    labels: tuple[str, str] = ("low", "high"),
) -> pd.Series:
    """Split customers into two segments by a first-purchase covariate.

    Parameters
    ----------
    durations : DataFrame
        Output of :func:`churn_durations` (or any customer table with ``column``).
    column : str, default "first_amount"
    quantile : float, default 0.5
        Customers above this quantile of ``column`` get the second label (the median split by
        default: ``value > median`` is "high").
    labels : (str, str)

    Returns
    -------
    Series
        Same index, name ``segment``, values ``labels[0]`` or ``labels[1]``; ``attrs["cut"]``
        holds the cut-off value.
    """
    if column not in durations.columns:
        raise DataError(
            f"durations lack the column '{column}'; present: {list(durations.columns)}.",
            column=column,
        )
    if not 0 < quantile < 1:
        raise ParameterError(f"quantile must be in (0, 1), got {quantile!r}.", parameter="quantile")
    values = pd.to_numeric(durations[column], errors="coerce")
    cut = float(values.quantile(quantile))
    segment = pd.Series(
        np.where(values > cut, labels[1], labels[0]), index=durations.index, name="segment"
    )
    segment.attrs["cut"] = cut
    return segment


def _duration_arrays(
    durations: pd.DataFrame, duration_col: str, event_col: str
) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(durations, pd.DataFrame):
        raise DataError(
            f"durations must be a DataFrame (see churn_durations), got {type(durations).__name__}."
        )
    for col in (duration_col, event_col):
        if col not in durations.columns:
            raise DataError(
                f"durations lack the column '{col}'; present: {list(durations.columns)}. "
                "Build them with crmlab.retention.churn_durations.",
                column=col,
            )
    time = pd.to_numeric(durations[duration_col], errors="coerce").to_numpy(dtype=float)
    event = pd.to_numeric(durations[event_col], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(time) | (time < 0)
    if bad.any():
        rows = list(durations.index[bad][:5])
        raise DataError(
            f"column '{duration_col}' has missing or negative durations at rows {rows}.",
            column=duration_col,
            rows=rows,
        )
    bad = ~np.isin(event, [0.0, 1.0])
    if bad.any():
        rows = list(durations.index[bad][:5])
        raise DataError(
            f"column '{event_col}' must be 1 (churned) or 0 (censored); other values at rows "
            f"{rows}.",
            column=event_col,
            rows=rows,
        )
    return time, event


def _groups(durations: pd.DataFrame, group: str | pd.Series | None) -> pd.Series | None:
    if group is None:
        return None
    if isinstance(group, pd.Series):
        values = group.reindex(durations.index)
    elif group in durations.columns:
        values = durations[group]
    else:
        raise DataError(
            f"group {group!r} is neither a column of durations nor a Series; present: "
            f"{list(durations.columns)}.",
            column=str(group),
        )
    if values.isna().any():
        rows = list(durations.index[values.isna().to_numpy()][:5])
        raise DataError(
            f"the group has missing values at rows {rows}; fill or drop them.", rows=rows
        )
    return values


def kaplan_meier(
    durations: pd.DataFrame,
    group: str | pd.Series | None = None,
    alpha: float = 0.05,
    duration_col: str = "duration",
    event_col: str = "event",
) -> pd.DataFrame:
    """Kaplan-Meier survival curves (statsmodels ``SurvfuncRight``), overall or per group.

    Parameters
    ----------
    durations : DataFrame
        One row per customer with ``duration`` and ``event`` (see :func:`churn_durations`).
    group : str or Series, optional
        Column of ``durations`` (or a Series on its index) whose values define the curves.
    alpha : float, default 0.05
        Pointwise intervals at level ``1 - alpha``.
    duration_col, event_col : str

    Returns
    -------
    DataFrame
        One row per group and distinct event time, preceded by a row at time 0 with survival 1:
        ``group`` ("all" without grouping), ``time``, ``survival`` (Kaplan & Meier 1958
        product-limit estimate just after ``time``), ``lower``, ``upper`` (pointwise interval from
        Greenwood's variance on the log(-log S) scale, Kalbfleisch & Prentice 2002, sec. 1.3),
        ``at_risk`` (customers with duration >= time), ``events`` (churns at time).
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}.", parameter="alpha")
    time, event = _duration_arrays(durations, duration_col, event_col)
    groups = _groups(durations, group)
    z = stats.norm.ppf(1 - alpha / 2)
    pieces = []
    keys = ["all"] if groups is None else sorted(pd.unique(groups), key=str)
    for key in keys:
        mask = np.ones(len(time), bool) if groups is None else (groups == key).to_numpy()
        sf = SurvfuncRight(time[mask], event[mask])
        surv = np.asarray(sf.surv_prob, dtype=float)
        se = np.asarray(sf.surv_prob_se, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_s = np.log(surv)
            width = z * se / (surv * np.abs(log_s))
            lower = np.where(surv >= 1, 1.0, surv ** np.exp(width))
            upper = np.where(surv >= 1, 1.0, surv ** np.exp(-width))
        lower = np.where(surv <= 0, 0.0, lower)
        upper = np.where(surv <= 0, 0.0, upper)
        piece = pd.DataFrame(
            {
                "group": key,
                "time": np.asarray(sf.surv_times, dtype=float),
                "survival": surv,
                "lower": lower,
                "upper": upper,
                "at_risk": np.asarray(sf.n_risk, dtype="int64"),
                "events": np.asarray(sf.n_events, dtype="int64"),
            }
        )
        if len(piece) == 0 or piece["time"].iloc[0] > 0:
            start = pd.DataFrame(
                {
                    "group": [key],
                    "time": [0.0],
                    "survival": [1.0],
                    "lower": [1.0],
                    "upper": [1.0],
                    "at_risk": [int(mask.sum())],
                    "events": [0],
                }
            )
            piece = pd.concat([start, piece], ignore_index=True)
        pieces.append(piece)
    out = pd.concat(pieces, ignore_index=True)
    out["group"] = out["group"].astype(str)
    return out


def logrank_test(
    durations: pd.DataFrame,
    group: str | pd.Series,
    duration_col: str = "duration",
    event_col: str = "event",
) -> pd.DataFrame:
    """Log-rank test that the survival curves of the groups are equal (statsmodels
    ``survdiff``; Mantel 1966).

    Returns
    -------
    DataFrame
        One row: ``statistic`` (chi-square), ``df`` (groups - 1), ``p_value``, ``n_groups``.
    """
    time, event = _duration_arrays(durations, duration_col, event_col)
    groups = _groups(durations, group)
    if groups is None or groups.nunique() < 2:
        raise DataError("the log-rank test needs a group with at least two values.")
    chisq, pvalue = survdiff(time, event, groups.astype(str).to_numpy())
    k = int(groups.nunique())
    return pd.DataFrame(
        {"statistic": [float(chisq)], "df": [k - 1], "p_value": [float(pvalue)], "n_groups": [k]}
    )


def _fit_cox(
    durations: pd.DataFrame,
    covariates: str | Sequence[str] | None,
    duration_col: str,
    event_col: str,
    ties: str,
) -> tuple[Any, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Fit statsmodels' PHReg; return (result, covariate names, time, event, design matrix)."""
    if ties not in ("efron", "breslow"):
        raise ParameterError(f"ties must be 'efron' or 'breslow', got {ties!r}.", parameter="ties")
    time, event = _duration_arrays(durations, duration_col, event_col)
    if covariates is None:
        covariates = [c for c in ("log_first_amount", "first_quantity") if c in durations]
        if not covariates:
            raise DataError(
                "no covariates given and durations lack the first-purchase covariates; pass "
                "covariates=[...] or build durations with churn_durations.",
                column="log_first_amount",
            )
    if event.sum() == 0:
        raise DataError("no customer churned (event = 1): the Cox model cannot be fitted.")
    data = durations.copy()
    data["_time"] = time
    data["_event"] = event
    if isinstance(covariates, str):
        model = PHReg.from_formula(
            f"_time ~ {covariates}",
            data,
            status=data["_event"].to_numpy(),
            ties=ties,
        )
        names = list(model.exog_names)
    else:
        names = list(covariates)
        missing = [c for c in names if c not in data.columns]
        if missing:
            raise DataError(
                f"durations lack the covariate column(s) {missing}; present: "
                f"{list(durations.columns)}.",
                column=missing[0],
            )
        exog = data[names].apply(pd.to_numeric, errors="coerce")
        bad = exog.isna().any(axis=1).to_numpy()
        if bad.any():
            rows = list(data.index[bad][:5])
            raise DataError(
                f"covariates have missing or non-numeric values at rows {rows}; fill or drop them.",
                rows=rows,
            )
        model = PHReg(time, exog.to_numpy(dtype=float), status=event, ties=ties)
    result = model.fit()
    params = np.asarray(result.params, dtype=float)
    se = np.asarray(result.bse, dtype=float)
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(se))):
        raise ConvergenceError(
            "cox_model: the fit gave non-finite coefficients or standard errors; a covariate may "
            "be constant or perfectly separate churned from censored customers. Drop it."
        )
    return result, names, time, event, np.asarray(model.exog, dtype=float)


def cox_model(
    durations: pd.DataFrame,
    covariates: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    duration_col: str = "duration",
    event_col: str = "event",
    ties: str = "efron",
) -> pd.DataFrame:
    """Cox proportional-hazards model of churn (statsmodels ``PHReg``; Cox 1972).

    The hazard of churning at time ``t`` is ``h_0(t) exp(x' b)``: ``exp(b_j)`` is the hazard
    ratio of a unit increase in covariate ``j`` (above 1: churns sooner).

    Parameters
    ----------
    durations : DataFrame
        One row per customer with ``duration``, ``event`` and the covariates.
    covariates : str or list of str, optional
        Either a formula right-hand side (``"log_first_amount + first_quantity"``) or column
        names. Default: the first-purchase covariates of :func:`churn_durations` present in
        ``durations`` (``log_first_amount``, ``first_quantity``).
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.
    ties : {"efron", "breslow"}, default "efron"

    Returns
    -------
    DataFrame
        Index ``covariate``; columns ``coef`` (log hazard ratio), ``se``, ``hazard_ratio``,
        ``lower``, ``upper`` (interval of the hazard ratio), ``z``, ``p_value``.
        ``attrs`` holds ``log_likelihood``, ``n``, ``n_events``, ``covariates`` and ``alpha``.
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}.", parameter="alpha")
    result, names, time, event, _ = _fit_cox(durations, covariates, duration_col, event_col, ties)
    params = np.asarray(result.params, dtype=float)
    se = np.asarray(result.bse, dtype=float)
    z = stats.norm.ppf(1 - alpha / 2)
    out = pd.DataFrame(
        {
            "coef": params,
            "se": se,
            "hazard_ratio": np.exp(params),
            "lower": np.exp(params - z * se),
            "upper": np.exp(params + z * se),
            "z": params / se,
            "p_value": 2 * stats.norm.sf(np.abs(params / se)),
        },
        index=pd.Index(names, name="covariate"),
    )
    out.attrs["log_likelihood"] = float(result.llf)
    out.attrs["n"] = int(len(time))
    out.attrs["n_events"] = int(event.sum())
    out.attrs["covariates"] = list(names)
    out.attrs["alpha"] = float(alpha)
    return out


# ------------------------------------------------------------------ median and restricted mean
def restricted_mean_survival(time: Any, event: Any, horizon: float) -> tuple[float, float]:
    """Restricted mean survival time (RMST) to ``horizon`` and its standard error.

    The RMST is the area under the Kaplan-Meier curve from 0 to ``horizon``,
    ``RMST(tau) = int_0^tau S(u) du``: the expected lifetime counted up to ``tau`` (a customer
    still alive at ``tau`` counts ``tau``). Unlike a mean of censored durations it is a valid
    summary under right-censoring. Its variance is the Greenwood-type estimate (Klein &
    Moeschberger 2003, sec. 4.5)

    .. math:: \\widehat{Var} = \\sum_{t_j \\le \\tau} \\frac{A_j^2\\, d_j}{n_j (n_j - d_j)},
        \\qquad A_j = \\int_{t_j}^{\\tau} \\hat S(u)\\, du,

    with ``d_j`` events among ``n_j`` at risk at event time ``t_j`` (a term with
    ``n_j = d_j`` has ``A_j = 0`` and adds nothing). Without censoring the RMST is the mean of
    ``min(T, tau)`` and the variance its plug-in variance over ``n``.

    Parameters
    ----------
    time, event : array-like
        Durations (>= 0) and event indicators (1 churned, 0 censored).
    horizon : float
        The restriction time ``tau`` (> 0), in the unit of ``time``.

    Returns
    -------
    (float, float)
        The RMST and its standard error.
    """
    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    tau = float(horizon)
    if not np.isfinite(tau) or tau <= 0:
        raise ParameterError(f"horizon must be a number > 0, got {horizon!r}.", parameter="horizon")
    sf = SurvfuncRight(t, e)
    times = np.asarray(sf.surv_times, dtype=float)
    surv = np.asarray(sf.surv_prob, dtype=float)
    n_risk = np.asarray(sf.n_risk, dtype=float)
    n_events = np.asarray(sf.n_events, dtype=float)
    inside = times < tau
    knots = np.unique(np.concatenate([[0.0], times[inside], [tau]]))
    pos = np.searchsorted(times, knots[:-1], side="right") - 1
    level = np.where(pos >= 0, surv[np.maximum(pos, 0)], 1.0)
    pieces = level * np.diff(knots)
    total = float(pieces.sum())
    # area from each event time t_j < tau to tau
    cum = np.concatenate([[0.0], np.cumsum(pieces)])
    at = np.searchsorted(knots, times[inside])
    remaining = total - cum[at]
    d, n = n_events[inside], n_risk[inside]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n > d, remaining**2 * d / (n * (n - d)), 0.0)
    return total, float(np.sqrt(terms.sum()))


def durations_by_segment(
    durations: pd.DataFrame,
    segment: str | pd.Series | None = None,
    horizon: float | None = None,
    alpha: float = 0.05,
    duration_col: str = "duration",
    event_col: str = "event",
) -> pd.DataFrame:
    """Median survival and restricted mean survival time per segment, with intervals.

    A mean of right-censored durations is no summary of a lifetime (a censored customer's true
    lifetime is longer than recorded); the Kaplan-Meier median and the RMST are.

    Parameters
    ----------
    durations : DataFrame
        One row per customer with ``duration`` and ``event`` (see :func:`churn_durations`).
    segment : str or Series, optional
        Column of ``durations`` (or a Series on its index) defining the segments; one row
        "all" without it.
    horizon : float, optional
        The RMST's restriction time ``tau`` (in the unit of ``duration``). Default: the
        smallest of the segments' longest observed durations, so that every segment's curve is
        observed up to it.
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.
    duration_col, event_col : str

    Returns
    -------
    DataFrame
        Index ``segment``; columns ``customers``, ``churned`` (events), ``censored``,
        ``median`` (Kaplan-Meier median survival: the first time the curve is at or below 50%;
        NaN when it never falls that far, "not reached"), ``median_lower``, ``median_upper``
        (Brookmeyer-Crowley interval on the log(-log) scale; NaN where not reached),
        ``horizon``, ``rmst`` (:func:`restricted_mean_survival`), ``rmst_se``,
        ``rmst_lower``, ``rmst_upper`` (normal interval, clipped to ``[0, horizon]``),
        ``at_risk_horizon`` (customers with ``duration >= horizon``) and
        ``survival_horizon`` (Kaplan-Meier survival at the horizon).
    """
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}.", parameter="alpha")
    time, event = _duration_arrays(durations, duration_col, event_col)
    groups = _groups(durations, segment)
    keys = ["all"] if groups is None else sorted(pd.unique(groups), key=str)
    masks = [
        np.ones(len(time), bool) if groups is None else (groups == key).to_numpy() for key in keys
    ]
    if horizon is None:
        horizon = float(min(time[m].max() for m in masks))
        if horizon <= 0:
            raise DataError(
                "a segment has only durations of 0: pass horizon=... for the RMST.",
                column=duration_col,
            )
    elif not np.isfinite(float(horizon)) or float(horizon) <= 0:
        raise ParameterError(f"horizon must be a number > 0, got {horizon!r}.", parameter="horizon")
    tau = float(horizon)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for key, mask in zip(keys, masks, strict=True):
        t, e = time[mask], event[mask]
        sf = SurvfuncRight(t, e)
        with np.errstate(divide="ignore", invalid="ignore"):
            median = float(sf.quantile(0.5)) if len(sf.surv_times) else np.nan
            low, high = sf.quantile_ci(0.5, alpha=alpha) if len(sf.surv_times) else (np.nan,) * 2
        rmst, se = restricted_mean_survival(t, e, tau)
        times = np.asarray(sf.surv_times, dtype=float)
        pos = np.searchsorted(times, tau, side="right") - 1
        s_tau = float(np.asarray(sf.surv_prob)[pos]) if pos >= 0 else 1.0
        rows.append(
            {
                "segment": str(key),
                "customers": int(mask.sum()),
                "churned": int(e.sum()),
                "censored": int(mask.sum() - e.sum()),
                "median": median,
                "median_lower": float(low) if np.isfinite(low) else np.nan,
                "median_upper": float(high) if np.isfinite(high) else np.nan,
                "horizon": tau,
                "rmst": rmst,
                "rmst_se": se,
                "rmst_lower": max(rmst - z * se, 0.0),
                "rmst_upper": min(rmst + z * se, tau),
                "at_risk_horizon": int((t >= tau).sum()),
                "survival_horizon": s_tau,
            }
        )
    return pd.DataFrame(rows).set_index("segment")
