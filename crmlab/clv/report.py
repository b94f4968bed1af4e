"""Notebook-facing tables of the CLV analysis: tiers, actions, cross-checks and findings.

These functions turn fitted models and the per-customer CLV table of
:func:`crmlab.clv.customer_lifetime_value` into what a manager reads: CLV tiers, a table of
customers with a suggested action, CLV by RFM segment, a parameter-by-parameter comparison with
the reference implementation (lifetimes 0.11.3), and plain-language findings computed from the
results.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
Fader, P. S. and Hardie, B. G. S. (2013). The Gamma-Gamma Model of Monetary Value.
http://brucehardie.com/notes/025/
Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing Customers. Journal of Marketing
Research 41(1), 7-18.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who Are
They and What Will They Do Next? Management Science 33(1), 1-24.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.clv.base import BaseModel
from crmlab.clv.bgbb import BGBB
from crmlab.clv.bgnbd import BGNBD
from crmlab.clv.gammagamma import GammaGamma
from crmlab.clv.mbgnbd import MBGNBD
from crmlab.clv.paretonbd import ParetoNBD
from crmlab.errors import DataError, ParameterError

__all__ = [
    "ACTION_RULES",
    "CLV_TIERS",
    "MODELS",
    "action_summary",
    "action_table",
    "best_model",
    "clv_crosstab",
    "clv_findings",
    "clv_segments",
    "default_calibration_end",
    "lifetimes_crosscheck",
    "make_models",
    "parameter_table",
    "spend_frequency_check",
]

#: Transaction and spend models by the names used in notebook parameters.
MODELS: dict[str, type[BaseModel]] = {
    "BGNBD": BGNBD,
    "MBGNBD": MBGNBD,
    "ParetoNBD": ParetoNBD,
    "BGBB": BGBB,
    "GammaGamma": GammaGamma,
}

#: Default CLV tiers: labels and the CLV quantiles that separate them. A customer whose CLV
#: rank lies below the 50% quantile is "low", 50-80% "medium", 80-95% "high", the best 5% "top".
CLV_TIERS: dict[str, Any] = {
    "labels": ("low", "medium", "high", "top"),
    "quantiles": (0.5, 0.8, 0.95),
}

_P_ALIVE_BANDS = (0.3, 0.7)  # P(alive) < 0.3 "likely lapsed", >= 0.7 "likely active"

#: Suggested action per CLV tier and P(alive) band (first matching row wins). Columns ``tier``
#: (a CLV tier of :func:`clv_segments`), ``p_alive_min`` and ``p_alive_max`` (P(alive) in
#: ``[min, max)``; the last band includes 1), ``status`` (a name for the band) and ``action``.
#: The logic follows value-based resource allocation (Gupta, Lehmann and Stuart 2004;
#: Fader, Hardie and Lee 2005b, section 5): spend on customers in proportion to their expected
#: future value, and act quickly where much value is at stake but the customer may be lapsing.
ACTION_RULES = pd.DataFrame(
    [
        ("top", 0.7, 1.0, "active", "Retain and reward: personal care, early access."),
        ("top", 0.3, 0.7, "at risk", "Call now: personal contact, ask what is wrong."),
        ("top", 0.0, 0.3, "lapsed", "Personal win-back offer; stop without reply."),
        ("high", 0.7, 1.0, "active", "Up-sell, cross-sell; loyalty programme."),
        ("high", 0.3, 0.7, "at risk", "Reactivation offer based on past purchases."),
        ("high", 0.0, 0.3, "lapsed", "One win-back campaign; stop without reply."),
        ("medium", 0.7, 1.0, "active", "Grow: recommendations and bundles."),
        ("medium", 0.3, 0.7, "at risk", "E-mail reminder with a modest incentive."),
        ("medium", 0.0, 0.3, "lapsed", "Low-cost reactivation only (automated e-mail)."),
        ("low", 0.7, 1.0, "active", "Serve efficiently: automated, low-cost channels."),
        ("low", 0.3, 0.7, "at risk", "No paid contact; keep in newsletters."),
        ("low", 0.0, 0.3, "lapsed", "No spend; drop from paid campaigns."),
    ],
    columns=["tier", "p_alive_min", "p_alive_max", "status", "action"],
)

_CRITERION_WORDS = {
    "holdout_mae": "mean absolute error per customer",
    "holdout_rmse": "root mean squared error per customer",
    "tracking_mape": "tracking error (MAPE, %)",
    "aic": "AIC",
    "bic": "BIC",
}
_UNIT_WORD = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}
_PER_YEAR = {"D": 365.25, "W": 365.25 / 7, "M": 12.0, "Q": 4.0, "Y": 1.0}


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _money(x: float) -> str:
    return f"{x:,.0f}"


# --------------------------------------------------------------------------------------------
# set-up helpers
# --------------------------------------------------------------------------------------------
def make_models(names: Sequence[str]) -> list[BaseModel]:
    """Unfitted model instances from their names (notebook parameter ``models``).

    Parameters
    ----------
    names : sequence of str
        Continuous-time transaction models, each once: ``"BGNBD"``, ``"MBGNBD"``,
        ``"ParetoNBD"`` (those :func:`crmlab.clv.compare_models` validates on a holdout).

    Returns
    -------
    list of models
        New instances with default options, in the order given.

    Raises
    ------
    ParameterError
        An empty list, an unknown or a repeated name.
    """
    if isinstance(names, str):
        names = [names]
    names = list(names)
    if not names:
        raise ParameterError(
            "models is empty: name at least one, e.g. ['BGNBD'].", parameter="models"
        )
    choices = ["BGNBD", "MBGNBD", "ParetoNBD"]
    unknown = [n for n in names if n not in choices]
    if unknown:
        raise ParameterError(
            f"unknown transaction model(s) {unknown[:5]} in models; choose from {choices}.",
            parameter="models",
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ParameterError(f"models names {repeated} more than once.", parameter="models")
    return [MODELS[n]() for n in names]


def default_calibration_end(transactions: pd.DataFrame, share: float = 2 / 3) -> pd.Timestamp:
    """Default end of the calibration window: ``share`` of the way through the data.

    ``first day + floor(share * (last day - first day))``: with the default two thirds, models
    are fitted on the first two thirds of the observation window and validated on the last
    third (CDNOW, 1997-01-01 to 1998-06-30: 1997-12-30).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (column ``date``).
    share : float, default 2/3
        Share of the window, in (0, 1), used for calibration.

    Returns
    -------
    Timestamp
        The last calibration day (midnight).
    """
    if "date" not in transactions:
        raise DataError("transactions lack the column 'date'.", column="date")
    if not 0 < share < 1:
        raise ParameterError(f"share must be in (0, 1), got {share!r}.", parameter="share")
    days = pd.to_datetime(transactions["date"]).dt.normalize()
    first, last = days.min(), days.max()
    if pd.isna(first) or first == last:
        raise DataError(
            "the transactions span a single day: no calibration/holdout split is possible.",
            column="date",
        )
    span = (last - first).days
    return first + pd.Timedelta(days=int(np.floor(share * span)))


def parameter_table(models: Sequence[BaseModel]) -> pd.DataFrame:
    """Estimates of several fitted models in one long table.

    Returns
    -------
    DataFrame
        MultiIndex (``model``, ``parameter``); columns ``coef``, ``se``, ``lower``, ``upper``
        (as in each model's ``summary()``).
    """
    frames = {type(m).__name__: m.summary() for m in models}
    out = pd.concat(frames, names=["model", "parameter"])
    return out


def best_model(comparison: pd.DataFrame, criterion: str = "holdout_mae") -> str:
    """Name of the model with the smallest ``criterion`` in a :func:`compare_models` table.

    ``holdout_mae`` (mean absolute error of each customer's holdout purchases) is the default:
    it measures what the CLV uses, individual predictions out of sample. ``aic``/``bic`` rank
    in-sample fit; ``tracking_mape`` the aggregate curve.
    """
    if criterion not in comparison:
        raise ParameterError(
            f"criterion {criterion!r} is not a column of the comparison table; choose from "
            f"{list(comparison.columns)}.",
            parameter="criterion",
        )
    values = comparison[criterion].abs() if criterion.endswith("_pct") else comparison[criterion]
    return str(values.idxmin())


def spend_frequency_check(summary: pd.DataFrame) -> pd.DataFrame:
    """Correlation of spend per transaction with purchase frequency (Gamma-Gamma's assumption).

    The Gamma-Gamma model assumes that a customer's mean spend is independent of their purchase
    process (Fader, Hardie and Lee 2005b, section 4.2, report r = 0.11 on CDNOW). Computed on
    repeat customers (``frequency > 0``), whose ``monetary_value`` is defined.

    Returns
    -------
    DataFrame
        Index ``method`` (``pearson``, ``spearman``); columns ``correlation``, ``p_value`` and
        ``n_customers``.
    """
    for col in ("frequency", "monetary_value"):
        if col not in summary:
            raise DataError(
                f"summary lacks '{col}'; pass crmlab.rfm.rfm_summary output.", column=col
            )
    rep = summary.loc[summary["frequency"] > 0]
    if len(rep) < 3:
        raise DataError(
            "fewer than 3 repeat customers: the correlation is undefined.", column="frequency"
        )
    x = rep["frequency"].to_numpy(dtype=float)
    m = rep["monetary_value"].to_numpy(dtype=float)
    p = stats.pearsonr(x, m)
    s = stats.spearmanr(x, m)
    return pd.DataFrame(
        {
            "correlation": [float(p.statistic), float(s.statistic)],
            "p_value": [float(p.pvalue), float(s.pvalue)],
            "n_customers": [len(rep), len(rep)],
        },
        index=pd.Index(["pearson", "spearman"], name="method"),
    )


# --------------------------------------------------------------------------------------------
# tiers, actions, cross-tabulation
# --------------------------------------------------------------------------------------------
def _clv_series(clv_table: pd.DataFrame | pd.Series) -> pd.Series:
    if isinstance(clv_table, pd.DataFrame):
        if "clv" not in clv_table:
            raise DataError(
                "the CLV table lacks the column 'clv'; pass customer_lifetime_value output.",
                column="clv",
            )
        return clv_table["clv"]
    return clv_table


def clv_segments(
    clv_table: pd.DataFrame | pd.Series,
    labels: Sequence[str] = CLV_TIERS["labels"],
    quantiles: Sequence[float] = CLV_TIERS["quantiles"],
) -> pd.Series:
    """CLV tiers: customers grouped by the rank of their CLV.

    A customer's position is the share of customers with a strictly lower CLV; with the
    defaults she is "low" below 0.5, "medium" in [0.5, 0.8), "high" in [0.8, 0.95) and "top" from
    0.95 (the most valuable 5%). Ranks make ties land in one tier.

    Parameters
    ----------
    clv_table : DataFrame or Series
        :func:`customer_lifetime_value` output (column ``clv``) or a Series of CLV.
    labels : sequence of str
        Tier names from lowest to highest, one more than ``quantiles``.
    quantiles : sequence of float
        Increasing cut points in (0, 1).

    Returns
    -------
    Series
        Index as the input, name ``clv_tier``: ordered categorical with ``labels`` as categories.
    """
    clv = _clv_series(clv_table)
    q = np.asarray(quantiles, dtype=float)
    if len(labels) != len(q) + 1:
        raise ParameterError(
            f"labels need one more entry than quantiles: got {len(labels)} labels and "
            f"{len(q)} quantiles.",
            parameter="labels",
        )
    if not (np.all(q > 0) and np.all(q < 1) and np.all(np.diff(q) > 0)):
        raise ParameterError(
            f"quantiles must increase strictly within (0, 1), got {list(quantiles)}.",
            parameter="quantiles",
        )
    if clv.isna().any():
        rows = list(clv.index[clv.isna()][:5])
        raise DataError(f"CLV is missing at rows {rows}.", column="clv", rows=rows)
    below = (clv.rank(method="min").to_numpy() - 1) / max(len(clv), 1)
    codes = np.searchsorted(q, below, side="right")
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=list(labels), ordered=True),
        index=clv.index,
        name="clv_tier",
    )


def _status_and_action(tiers: pd.Series, p_alive: np.ndarray, rules: pd.DataFrame):
    tier = tiers.astype(str).to_numpy()
    conditions = [
        (tier == row.tier)
        & (p_alive >= row.p_alive_min)
        & ((p_alive < row.p_alive_max) | ((row.p_alive_max >= 1) & (p_alive <= 1)))
        for row in rules.itertuples(index=False)
    ]
    pick = np.select(conditions, list(range(len(rules))), default=-1)
    status = np.where(pick >= 0, rules["status"].to_numpy()[pick], "")
    action = np.where(pick >= 0, rules["action"].to_numpy()[pick], "")
    return status, action


def action_table(
    summary: pd.DataFrame,
    clv_table: pd.DataFrame,
    probability_alive: pd.Series,
    segments: pd.Series | None = None,
    top: int | None = 25,
    tiers: pd.Series | None = None,
    rules: pd.DataFrame | None = None,
    status: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Customers by CLV with their state and a suggested action.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlab.rfm.rfm_summary` output the CLV was computed on; every valued customer
        must be in it (checked, so that tables of different customer sets are not mixed).
    clv_table : DataFrame
        :func:`customer_lifetime_value` output for the same customers.
    probability_alive : Series
        P(alive) of each customer (a transaction model's ``probability_alive()``).
    segments : Series, optional
        RFM segment per customer (:func:`crmlab.rfm.rfm_segments`).
    top : int or None, default 25
        Keep the ``top`` customers with the highest CLV; None keeps all.
    tiers : Series, optional
        CLV tiers; default :func:`clv_segments` of ``clv_table``.
    rules : DataFrame, optional
        Action rules in the form of :data:`ACTION_RULES` (the default).
    status : str or sequence of str, optional
        Keep only customers in these P(alive) bands of the rules (e.g. ``"at risk"``); applied
        before ``top``.

    Returns
    -------
    DataFrame
        Index ``customer_id``, sorted by CLV (highest first). Columns ``rfm_segment`` (with
        ``segments``), ``clv_tier``, ``p_alive``, ``expected_purchases`` (over the CLV
        horizon), ``clv``, ``clv_lower`` and ``clv_upper`` (when the CLV table has intervals),
        ``status`` (P(alive) band of the rule: active, at risk, lapsed) and ``action``.
    """
    clv = _clv_series(clv_table)
    index = clv.index
    missing = index.difference(summary.index)
    if len(missing):
        raise DataError(
            f"customers {list(missing[:5])} of the CLV table are not in summary; value and "
            "summarise the same customers.",
            column="customer_id",
            rows=list(missing[:5]),
        )
    p_alive = pd.Series(probability_alive).reindex(index)
    if p_alive.isna().any():
        rows = list(index[p_alive.isna().to_numpy()][:5])
        raise DataError(
            f"probability_alive is missing for customers {rows}.", column="p_alive", rows=rows
        )
    tiers = clv_segments(clv_table) if tiers is None else tiers.reindex(index)
    rules = ACTION_RULES if rules is None else rules
    out = pd.DataFrame(index=index)
    if segments is not None:
        out["rfm_segment"] = segments.reindex(index)
    out["clv_tier"] = tiers
    out["p_alive"] = p_alive
    if isinstance(clv_table, pd.DataFrame) and "expected_purchases" in clv_table:
        out["expected_purchases"] = clv_table["expected_purchases"]
    out["clv"] = clv
    if isinstance(clv_table, pd.DataFrame) and "clv_lower" in clv_table:
        out["clv_lower"] = clv_table["clv_lower"]
        out["clv_upper"] = clv_table["clv_upper"]
    bands, actions = _status_and_action(tiers, p_alive.to_numpy(dtype=float), rules)
    out["status"] = bands
    out["action"] = actions
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        known = set(rules["status"])
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ParameterError(
                f"status {unknown} is not a band of the rules; choose from {sorted(known)}.",
                parameter="status",
            )
        out = out.loc[out["status"].isin(wanted)]
    out = out.sort_values("clv", ascending=False, kind="stable")
    return out if top is None else out.head(int(top))


def action_summary(actions: pd.DataFrame) -> pd.DataFrame:
    """Customers and CLV per CLV tier and P(alive) band, with the suggested action.

    Parameters
    ----------
    actions : DataFrame
        :func:`action_table` output with ``top=None`` (all customers).

    Returns
    -------
    DataFrame
        Index (``clv_tier``, ``status``), highest tier first; columns ``customers``,
        ``mean_p_alive``, ``clv`` (sum), ``clv_share`` (of the total CLV of ``actions``) and
        ``action``. Empty combinations are left out.
    """
    for col in ("clv_tier", "status", "p_alive", "clv", "action"):
        if col not in actions:
            raise DataError(
                f"actions lack the column '{col}'; pass action_table(..., top=None).",
                column=col,
            )
    g = actions.groupby(["clv_tier", "status"], observed=True, sort=False)
    out = g.agg(
        customers=("clv", "size"),
        mean_p_alive=("p_alive", "mean"),
        clv=("clv", "sum"),
        action=("action", "first"),
    )
    out.insert(3, "clv_share", out["clv"] / actions["clv"].sum())
    tiers = (
        list(actions["clv_tier"].cat.categories)[::-1]
        if isinstance(actions["clv_tier"].dtype, pd.CategoricalDtype)
        else sorted(set(actions["clv_tier"]))
    )
    order = {"active": 0, "at risk": 1, "lapsed": 2}
    keys = sorted(
        out.index, key=lambda k: (tiers.index(k[0]) if k[0] in tiers else 99, order.get(k[1], 9))
    )
    return out.loc[keys]


def clv_crosstab(
    clv_tiers: pd.Series, rfm_segments: pd.Series, clv: pd.Series | pd.DataFrame
) -> pd.DataFrame:
    """Customers and total CLV per RFM segment and CLV tier.

    Parameters
    ----------
    clv_tiers : Series
        :func:`clv_segments` output.
    rfm_segments : Series
        :func:`crmlab.rfm.rfm_segments` output for the same customers.
    clv : Series or DataFrame
        CLV per customer (or :func:`customer_lifetime_value` output).

    Returns
    -------
    DataFrame
        Index ``segment`` (RFM segments present, in their order, plus ``all``); columns a
        MultiIndex (``measure``, ``clv_tier``): ``customers`` and ``clv`` (sum) for each tier and
        ``all``, and (``clv_share``, ``all``): the segment's share of total CLV.
    """
    value = _clv_series(clv)
    frame = pd.DataFrame(
        {
            "segment": rfm_segments.reindex(value.index),
            "clv_tier": clv_tiers.reindex(value.index),
            "clv": value,
        }
    )
    if frame[["segment", "clv_tier"]].isna().any().any():
        bad = frame.index[frame[["segment", "clv_tier"]].isna().any(axis=1).to_numpy()]
        raise DataError(
            f"customers {list(bad[:5])} lack an RFM segment or a CLV tier; compute both for "
            "the valued customers.",
            rows=list(bad[:5]),
        )
    counts = pd.crosstab(frame["segment"], frame["clv_tier"], margins=True, margins_name="all")
    sums = pd.crosstab(
        frame["segment"],
        frame["clv_tier"],
        values=frame["clv"],
        aggfunc="sum",
        margins=True,
        margins_name="all",
    ).fillna(0.0)
    out = pd.concat({"customers": counts, "clv": sums}, axis=1, names=["measure", "clv_tier"])
    out[("clv_share", "all")] = out[("clv", "all")] / frame["clv"].sum()
    out.index.name = "segment"
    keep = (out[("customers", "all")] > 0).to_numpy()
    return out.loc[keep]


# --------------------------------------------------------------------------------------------
# cross-check against lifetimes
# --------------------------------------------------------------------------------------------
def _lifetimes_fit(name: str, summary: pd.DataFrame, seed: int):
    """Fit lifetimes' counterpart of ``name``; return (params Series, log-likelihood, seconds)."""
    import lifetimes

    x = summary["frequency"].to_numpy(dtype=float)
    if name == "GammaGamma":
        rep = summary.loc[summary["frequency"] > 0]
        xr = rep["frequency"].to_numpy(dtype=float)
        mr = rep["monetary_value"].to_numpy(dtype=float)
        start = time.perf_counter()
        fitter = lifetimes.GammaGammaFitter().fit(xr, mr)
        seconds = time.perf_counter() - start
        params = fitter.params_.rename({"v": "gamma"})
        nll = fitter._negative_log_likelihood(
            np.log(params.to_numpy()), xr, mr, np.ones(len(xr)), 0.0
        )
        return params, -nll * len(xr), seconds
    tx = summary["recency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    if name == "BGNBD":
        start = time.perf_counter()
        fitter = lifetimes.BetaGeoFitter().fit(x, tx, T)
        seconds = time.perf_counter() - start
        params = fitter.params_[["r", "alpha", "a", "b"]]
        nll = fitter._negative_log_likelihood(
            np.log(params.to_numpy()), x, tx, T, np.ones(len(x)), 0.0
        )
        return params, -nll * len(x), seconds
    if name == "ParetoNBD":
        # lifetimes draws its start from numpy's global generator; draw the same kind of
        # start (normal around 1, sd 0.05) from a seeded generator instead
        initial = np.random.default_rng(seed).normal(1.0, 0.05, size=4)
        start = time.perf_counter()
        fitter = lifetimes.ParetoNBDFitter().fit(x, tx, T, initial_params=initial)
        seconds = time.perf_counter() - start
        params = fitter.params_[["r", "alpha", "s", "beta"]]
        nll = fitter._negative_log_likelihood(params.to_numpy(), x, tx, T, np.ones(len(x)), 0.0)
        return params, -float(nll), seconds
    raise ParameterError(  # pragma: no cover - names are checked by the caller
        f"no lifetimes counterpart for {name!r}.", parameter="models"
    )


def lifetimes_crosscheck(
    summary: pd.DataFrame,
    models: Sequence[str] = ("BGNBD", "ParetoNBD", "GammaGamma"),
    seed: int = 0,
) -> pd.DataFrame:
    """Fit crmlab's and lifetimes' versions of each model on one summary and compare.

    For researchers: both implementations maximise the same likelihoods (FHL 2005a, eq. 6 for
    BG/NBD; Schmittlein, Morrison and Colombo 1987 / Fader and Hardie 2005 note 008 for
    Pareto/NBD; Fader and Hardie 2013, eq. 1a for Gamma-Gamma), so the estimates should agree to
    the optimisers' tolerance. lifetimes' log-likelihood is evaluated with its own likelihood
    function at its estimates on the unscaled data (lifetimes fits on rescaled time, which shifts
    its reported value by a constant). lifetimes is imported here only, with its import-time
    warnings silenced locally (``warnings.catch_warnings`` restores the filters afterwards);
    its Pareto/NBD, which would start from numpy's global random generator, gets the same kind
    of start (normal around 1, sd 0.05) from a generator seeded with ``seed``.

    Parameters
    ----------
    summary : DataFrame
        :func:`crmlab.rfm.rfm_summary` output (``frequency``, ``recency``, ``T``,
        ``monetary_value``).
    models : sequence of str
        Any of ``"BGNBD"``, ``"ParetoNBD"``, ``"GammaGamma"``.
    seed : int, default 0
        Seed of lifetimes' Pareto/NBD starting values.

    Returns
    -------
    DataFrame
        Columns ``model``, ``parameter``, ``crmlab``, ``lifetimes``, ``abs_diff``
        (``|crmlab - lifetimes|``) and ``rel_diff`` (``abs_diff / |lifetimes|``). Per model, the
        parameter rows are followed by ``log_likelihood`` (at each package's estimates; a higher
        crmlab value means crmlab found a better optimum) and ``fit_seconds`` (wall time of the
        fit; its ``abs_diff`` and ``rel_diff`` are NaN, see the benchmarks for timings).
    """
    allowed = ("BGNBD", "ParetoNBD", "GammaGamma")
    names = [models] if isinstance(models, str) else list(models)
    bad = [n for n in names if n not in allowed]
    if bad:
        raise ParameterError(
            f"lifetimes_crosscheck compares {list(allowed)}; got {bad[:5]}.", parameter="models"
        )
    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in names:
            start = time.perf_counter()
            ours = MODELS[name]().fit(summary)
            our_seconds = time.perf_counter() - start
            theirs, their_ll, their_seconds = _lifetimes_fit(name, summary, seed)
            for param, value in ours.params_.items():
                rows.append(
                    {
                        "model": name,
                        "parameter": param,
                        "crmlab": float(value),
                        "lifetimes": float(theirs[param]),
                    }
                )
            rows.append(
                {
                    "model": name,
                    "parameter": "log_likelihood",
                    "crmlab": float(ours.log_likelihood_),
                    "lifetimes": float(their_ll),
                }
            )
            rows.append(
                {
                    "model": name,
                    "parameter": "fit_seconds",
                    "crmlab": our_seconds,
                    "lifetimes": their_seconds,
                }
            )
    out = pd.DataFrame(rows)
    diff = (out["crmlab"] - out["lifetimes"]).abs()
    timing = out["parameter"] == "fit_seconds"
    out["abs_diff"] = diff.where(~timing)
    out["rel_diff"] = (diff / out["lifetimes"].abs()).where(~timing)
    return out


# --------------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------------
def _rate_sentence(model: BaseModel, unit: str, per_year: float) -> list[str]:
    p = model.params_
    name = type(model).__name__
    out: list[str] = []
    if "r" in p and "alpha" in p:
        rate = p["r"] / p["alpha"]
        spread = (
            "very unequal (most customers buy rarely, a few often)" if p["r"] < 1 else "fairly even"
        )
        out.append(
            f"**Purchase rate ({name}):** while active, the average customer buys "
            f"r/α = **{rate:.3f} times a {unit}** ({rate * per_year:.1f} a year); with shape "
            f"r = {p['r']:.2f} the rates are {spread}."
        )
    if "a" in p and "b" in p:
        drop = p["a"] / (p["a"] + p["b"])
        out.append(
            f"**Drop-out ({name}):** after each repeat purchase a customer leaves for good with "
            f"probability a/(a+b) = **{drop:.2f}** on average."
        )
    elif "s" in p and "beta" in p:
        mu = p["s"] / p["beta"]
        out.append(
            f"**Drop-out ({name}):** customers leave at a mean rate s/β = **{mu:.4f} per {unit}**"
            f" (a customer with that rate stays {1 / mu:.0f} {unit}s on average)."
        )
    return out


def clv_findings(
    comparison: pd.DataFrame,
    transaction_model: BaseModel,
    clv_table: pd.DataFrame,
    probability_alive: pd.Series,
    spend_model: GammaGamma | None = None,
    spend_check: pd.DataFrame | None = None,
    tiers: pd.Series | None = None,
    horizon: float | None = None,
    time_unit: str = "W",
    criterion: str = "holdout_mae",
) -> list[str]:
    """Plain-language key findings of the CLV analysis, computed from its results.

    Parameters
    ----------
    comparison : DataFrame
        :func:`crmlab.clv.compare_models` output (holdout accuracy per model).
    transaction_model : fitted model
        The model the CLV was computed with.
    clv_table : DataFrame
        :func:`customer_lifetime_value` output (``clv``; intervals in ``attrs["total_clv"]``
        when computed with draws).
    probability_alive : Series
        P(alive) per valued customer.
    spend_model : GammaGamma, optional
        The fitted spend model (adds the mean spend per transaction).
    spend_check : DataFrame, optional
        :func:`spend_frequency_check` output.
    tiers : Series, optional
        CLV tiers (default :func:`clv_segments`).
    horizon : float, optional
        The CLV horizon in ``time_unit`` (for the wording).
    time_unit : str, default "W"
        Time unit of the models.
    criterion : str, default "holdout_mae"
        Column of ``comparison`` that ranks the models (smaller is better).

    Returns
    -------
    list of str
        One Markdown sentence per finding: the best model on the holdout and its margin, what
        the parameters mean (mean purchase rate ``r/alpha``, drop-out), the share of customers
        likely alive (P(alive) >= 0.5), total CLV with its interval, CLV concentration (share of
        the top 20%), the number of high-value customers at risk (tier high or top with
        P(alive) < 0.7, the bands of :data:`ACTION_RULES`) and the spend-frequency correlation.
    """
    findings: list[str] = []
    unit = _UNIT_WORD.get(time_unit, "period")
    per_year = _PER_YEAR.get(time_unit, 1.0)
    best = best_model(comparison, criterion)
    row = comparison.loc[best]
    holdout_total = row.get("actual_total", np.nan)
    what = _CRITERION_WORDS.get(criterion, criterion)
    if len(comparison) > 1:
        others = comparison.drop(index=best)[criterion]
        runner = str(others.idxmin())
        gain = (others.min() - row[criterion]) / others.min() if others.min() else np.nan
        margin = f"{what} {row[criterion]:.3f} against {others.min():.3f} for {runner}, " + (
            f"{_pct(gain)} lower" if gain >= 0.01 else "practically a tie (less than 1% apart)"
        )
    else:
        margin = f"{what} {row[criterion]:.3f}"
    findings.append(
        f"**{best}** predicts the holdout best ({margin}). It expects "
        f"{row['predicted_total']:,.0f} repeat purchases in the holdout; "
        f"{holdout_total:,.0f} happened ({row['aggregate_error_pct']:+.1f}%)."
    )
    findings.extend(_rate_sentence(transaction_model, unit, per_year))
    p_alive = pd.Series(probability_alive).reindex(clv_table.index)
    alive_text = (
        f"**{_pct(float((p_alive >= 0.5).mean()))} of customers are probably still active** "
        f"(P(alive) ≥ 0.5); the median P(alive) is {p_alive.median():.2f}."
    )
    if type(transaction_model) is BGNBD:  # P(alive) = 1 without repeat purchases (FHL 2005a)
        x = pd.Series(transaction_model._fitted_data[0], index=transaction_model._fitted_index)
        repeat = (x.reindex(p_alive.index) > 0).to_numpy()
        if repeat.any() and not repeat.all():
            alive_text += (
                f" BG/NBD lets customers leave only right after a purchase, so it counts the "
                f"{_pct(float((~repeat).mean()))} without a repeat purchase as alive; among "
                f"repeat buyers {_pct(float((p_alive[repeat] >= 0.5).mean()))} are probably "
                "active."
            )
    findings.append(alive_text)
    clv = clv_table["clv"]
    total = clv_table.attrs.get("total_clv")
    horizon_text = f" over the next {horizon:g} {unit}s" if horizon is not None else ""
    if total:
        findings.append(
            f"**Total CLV{horizon_text}: {_money(total['estimate'])}** (interval "
            f"{_money(total['lower'])} to {_money(total['upper'])} from parameter uncertainty), "
            f"{clv.mean():,.2f} per customer on average."
        )
    else:
        findings.append(
            f"**Total CLV{horizon_text}: {_money(clv.sum())}**, {clv.mean():,.2f} per customer."
        )
    top20 = np.sort(clv.to_numpy())[::-1][: max(int(np.ceil(0.2 * len(clv))), 1)].sum()
    findings.append(
        f"The most valuable 20% of customers hold **{_pct(top20 / clv.sum())} of total CLV**."
    )
    tiers = clv_segments(clv_table) if tiers is None else tiers.reindex(clv.index)
    valuable = tiers.astype(str).isin(["high", "top"]).to_numpy()
    at_risk = valuable & (p_alive.to_numpy() < _P_ALIVE_BANDS[1])
    findings.append(
        f"**{int(at_risk.sum())} of the {int(valuable.sum())} high- and top-tier customers are "
        f"at risk** (P(alive) < {_P_ALIVE_BANDS[1]}); they hold "
        f"{_money(clv.to_numpy()[at_risk].sum())} of CLV and are the first to contact."
    )
    if spend_model is not None:
        findings.append(
            f"**Spend:** the Gamma-Gamma model puts the mean spend per purchase at "
            f"{spend_model.population_mean_spend():,.2f}; each customer's expectation shrinks "
            "her own average towards it, the more so the fewer purchases she made."
        )
    if spend_check is not None and "pearson" in spend_check.index:
        r = spend_check.loc["pearson", "correlation"]
        verdict = (
            "weak, so the independence assumption of the Gamma-Gamma model is acceptable"
            if abs(r) < 0.3
            else "not weak: the Gamma-Gamma independence assumption is doubtful here"
        )
        findings.append(
            f"Spend per purchase and purchase frequency correlate at r = {r:.2f} ({verdict})."
        )
    return findings
