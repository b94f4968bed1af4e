"""Customer-level summaries of a transaction log: RFM statistics, scores, segments, gaps.

The summary ``rfm_summary`` returns (frequency, recency, T, monetary value) is the input of the
probability models of customer-base analysis (Schmittlein, Morrison & Colombo 1987; Fader, Hardie
& Lee 2005a, 2005b). The scores and segments are the managerial RFM grid of direct marketing
(Hughes 1994; Blattberg, Kim & Neslin 2008, ch. 12). Everything is computed per customer-day:
several purchases on the same day count as one purchase occasion whose value is their sum.
The transactions contract, the time units and the calendar arithmetic these build on live in
:mod:`crmlab.transactions`; the summary itself runs in :mod:`crmlab.engines` (pandas, DuckDB or
Spark, one contract).

References
----------
Blattberg, R. C., Kim, B.-D. and Neslin, S. A. (2008). Database Marketing: Analyzing and Managing
Customers. Springer, chapter 12 (RFM analysis).
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a). "Counting Your Customers" the Easy Way: An
Alternative to the Pareto/NBD Model. Marketing Science 24(2), 275-284.
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
Hughes, A. M. (1994). Strategic Database Marketing. Probus.
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who Are They
and What Will They Do Next? Management Science 33(1), 1-24.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CrmlabWarning, DataError, ParameterError
from crmlab.transactions import (
    check_time_unit,
    check_transactions,
    daily,
    elapsed,
    to_day,
    until,
)

__all__ = [
    "SEGMENT_RULES",
    "interpurchase_distribution",
    "interpurchase_summary",
    "interpurchase_times",
    "rfm_scores",
    "rfm_scores_all_days",
    "rfm_segments",
    "rfm_summary",
    "segment_summary",
]

_DEPRECATED = {  # public names that moved to crmlab.transactions
    "TIME_UNITS": "SUMMARY_TIME_UNITS",
    "months_between": "months_between",
    "resolve_window": "resolve_window",
}


def __getattr__(name: str) -> Any:
    if name in _DEPRECATED:
        from crmlab import transactions

        new = _DEPRECATED[name]
        warnings.warn(
            f"crmlab.rfm.{name} moved to crmlab.transactions.{new}; import it from there.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(transactions, new)
    raise AttributeError(f"module 'crmlab.rfm' has no attribute {name!r}")


# The old private spellings, so that code not yet moved to crmlab.transactions still runs
# (tests/test_import_graph.py fails on any module that imports them).
_check_transactions = check_transactions
_check_time_unit = check_time_unit
_to_day = to_day
_until = until
_elapsed = elapsed
_daily = daily


# --------------------------------------------------------------------------------------------
# rfm_summary
# --------------------------------------------------------------------------------------------
def rfm_summary(
    transactions: Any,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str = "W",
    columns: Mapping[Any, str] | None = None,
    *,
    returns: str | None = None,
    regularity: bool = False,
) -> pd.DataFrame:
    """Frequency, recency, age and monetary value of each customer (the Fader-Hardie summary).

    Transactions are first aggregated to customer-days: purchases on the same day count as one
    purchase occasion whose value is the sum of that day. Dates are normalised to days.

    Parameters
    ----------
    transactions : DataFrame, path/glob of Parquet or CSV files, or PySpark DataFrame
        The transactions contract: ``customer_id``, ``date`` (datetime64), ``amount``; other
        columns are ignored. Not modified. A path, glob or list of paths is summarised out of
        core in DuckDB (:func:`crmlab.engines.duckdb_engine.rfm_summary`), a PySpark DataFrame
        in Spark (:func:`crmlab.engines.spark_engine.rfm_summary`); the result is the same.
    calibration_end : date-like, optional
        Last day of the calibration window (inclusive). When given, the statistics describe
        purchases up to this day and the holdout window is (calibration_end, observation_end].
        Customers whose first purchase is after ``calibration_end`` are not in the result (they
        were not yet customers at the end of calibration); their number is in
        ``frame.attrs["n_customers_excluded"]``.
    observation_end : date-like, optional
        Last day of observation (inclusive); later purchases are ignored. Default: the last date
        in the data.
    time_unit : {"D", "W", "M"}
        Days, weeks (days / 7, so 272 days = 38.857 weeks) or fractional calendar months (rule in
        :func:`crmlab.transactions.months_between`).
    columns : mapping, optional
        ``{your column name: crmlab name}`` (e.g. ``{"Kunde": "customer_id"}``), applied before
        the analysis.
    returns : {"error", "keep", "drop"}, optional
        Negative amounts (returns), as in :func:`crmlab.io.read_transactions`: refused
        (``"error"``), kept or dropped with a :class:`~crmlab.errors.CrmlabWarning`. Files and
        Spark tables are read here, so for them the default is ``"error"``, the reader's; a
        pandas DataFrame was already read (by ``read_transactions``, which applied its own
        ``returns`` choice), so by default its amounts are taken as they are.
    regularity : bool, default False
        Also return ``litt``, the sum over each customer's repeat purchases of the log of the
        time since the previous purchase day (in ``time_unit``; 0 without repeats), the
        statistic of purchase regularity the (M)BG/CNBD-k models need (BTYDplus' name and
        definition; Reutterer, Platzer and Schroeder 2021). pandas input only: the DuckDB and
        Spark engines refuse it with a ParameterError.

    Returns
    -------
    DataFrame
        Index ``customer_id`` (dtype as in the input), sorted; float64 columns:

        - ``frequency``: number of repeat purchase days (distinct purchase days minus 1) in the
          calibration window (the whole window without ``calibration_end``);
        - ``recency``: time from the first to the last purchase day (0 without repeats);
        - ``T``: time from the first purchase day to the end of the window (the customer's age);
        - ``monetary_value``: mean spend per repeat purchase day (the first day is left out, as
          in Fader, Hardie & Lee 2005b, section 3); 0 when ``frequency`` is 0;
        - with ``regularity=True`` also ``litt`` (see above);
        - with ``calibration_end`` also ``frequency_holdout`` (number of purchase days in the
          holdout window), ``monetary_value_holdout`` (mean spend per holdout purchase day, 0
          when none) and ``duration_holdout`` (length of the holdout window).

        ``attrs`` holds ``time_unit``, ``calibration_end`` (or None), ``observation_end`` and
        ``n_customers_excluded`` (customers whose first purchase falls after calibration_end).

    Raises
    ------
    ParameterError
        Unknown ``time_unit``; ``observation_end`` before the first purchase; ``calibration_end``
        before the first purchase or not before ``observation_end``.
    DataError
        Missing columns or values, dates that are not datetime64.

    Notes
    -----
    This equals lifetimes' ``summary_data_from_transaction_data`` and
    ``calibration_and_holdout_data`` with ``freq="D"`` (``freq_multiplier=7`` for weeks), except
    that lifetimes averages the holdout *lines* where this function averages holdout *days* (the
    two agree when there is one line per customer-day).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005a). "Counting Your Customers" the Easy
    Way. Marketing Science 24(2), 275-284 (the (x, t_x, T) summary).

    Examples
    --------
    >>> from crmlab.datasets import load_cdnow
    >>> s = rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W")
    >>> len(s), int(s["frequency"].sum()), round(float(s["T"].iloc[0]), 3)
    (2357, 2457, 38.857)
    """
    from crmlab.engines import engine_of

    engine = engine_of(transactions)
    if not isinstance(regularity, (bool, np.bool_)):
        raise ParameterError(
            f"regularity must be True or False, got {regularity!r}.", parameter="regularity"
        )
    if regularity and engine != "pandas":
        raise ParameterError(
            f"regularity=True (the 'litt' column) is computed for pandas DataFrames only, not "
            f"by the {engine} engine; read the transactions into pandas "
            "(crmlab.io.read_transactions) or summarise without regularity=True.",
            parameter="regularity",
        )
    if engine == "duckdb":
        from crmlab.engines.duckdb_engine import rfm_summary as run
    elif engine == "spark":
        from crmlab.engines.spark_engine import rfm_summary as run
    else:
        from crmlab.engines.pandas_engine import rfm_summary as run

        return run(
            transactions,
            calibration_end,
            observation_end,
            time_unit,
            columns,
            returns=returns,
            regularity=bool(regularity),
        )
    return run(
        transactions,
        calibration_end,
        observation_end,
        time_unit,
        columns,
        returns="error" if returns is None else returns,
    )


# --------------------------------------------------------------------------------------------
# RFM scores
# --------------------------------------------------------------------------------------------
def _rank_scores(values: pd.Series, n_bins: int, higher_is_better: bool) -> np.ndarray:
    """Score 1..n_bins from the share of customers strictly worse (ties share a score)."""
    v = values if higher_is_better else -values
    strictly_worse = v.rank(method="min").to_numpy() - 1.0
    return (1 + np.floor(n_bins * strictly_worse / len(v))).astype("int64")


def _cut_scores(values: pd.Series, cuts: np.ndarray, n_bins: int, higher_is_better: bool):
    if higher_is_better:  # bins [c_k, c_{k+1}): a value equal to a cut point goes up
        return (1 + np.searchsorted(cuts, values.to_numpy(), side="right")).astype("int64")
    # R: bins (c_{k-1}, c_k] of time since last purchase, the smallest times score n_bins
    return (n_bins - np.searchsorted(cuts, values.to_numpy(), side="left")).astype("int64")


def _window_spend(summary: pd.DataFrame, transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase days and total spend of the summary's customers in the summary's window."""
    frame = check_transactions(transactions)
    end = summary.attrs.get("calibration_end") or summary.attrs.get("observation_end")
    if end is not None:
        frame = frame.loc[frame["date"] <= end]
    days = daily(frame)
    agg = days.groupby("customer_id", sort=True)["amount"].agg(["size", "sum"])
    agg = agg.reindex(summary.index)
    missing = agg.index[agg["size"].isna()]
    if len(missing):
        raise DataError(
            f"{len(missing)} customer(s) of the summary have no purchase in transactions, e.g. "
            f"{list(missing[:5])}; pass the transactions the summary was computed from.",
            column="customer_id",
            rows=list(missing[:5]),
        )
    return agg


_MEASURE_WORDS = {
    "R": "time since the last purchase",
    "F": "number of purchase days",
    "M": "spend per purchase day",
}


def rfm_scores(
    summary: pd.DataFrame,
    n_bins: int = 5,
    cut_points: Mapping[str, Sequence[float]] | None = None,
    transactions: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1..``n_bins`` (``n_bins`` best) per customer,
    from the summary alone.

    The three measures (Hughes 1994; Blattberg, Kim & Neslin 2008, section 12.2):

    - R from the time since the last purchase, :math:`T - t_x` (smaller is better);
    - F from the number of purchase days, :math:`x + 1`;
    - M from the summary's ``monetary_value``: the mean spend per **repeat** purchase day, so
      one-time buyers (no repeat day, ``monetary_value`` 0) get the lowest M. For M over all
      purchase days (first purchase included, as usual for segmentation) use
      :func:`rfm_scores_all_days`.

    Scores are quantile bins computed from ranks so that equal values always get equal scores:
    a customer scores :math:`k` when the share of customers strictly worse than them lies in
    :math:`[(k-1)/n, k/n)`, i.e. :math:`\\text{score} = 1 + \\lfloor n \\cdot
    \\#\\{\\text{strictly worse}\\} / N \\rfloor`. The worst value always scores 1; a large tie (say
    60% one-time buyers) gets one score and the bins above it are narrower, instead of splitting
    identical customers arbitrarily as ``qcut`` on row order would. A measure on which every
    customer is equal (always so for a single customer) cannot be ranked: its score is the
    middle one, :math:`\\lfloor (n + 1)/2 \\rfloor`, with a :class:`~crmlab.errors.CrmlabWarning`.

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`rfm_summary` (columns ``frequency``, ``recency``, ``T``,
        ``monetary_value``).
    n_bins : int
        Number of score levels, 2..9 (a cell code such as "545" needs one digit per score).
    cut_points : dict, optional
        User cut points that replace the quantiles, per measure: ``{"R": [...], "F": [...],
        "M": [...]}`` (any subset), each ``n_bins - 1`` increasing values in the measure's own
        units: R in time since last purchase (``T`` units; times up to the first cut point score
        ``n_bins``), F in purchase days, M in money per purchase day (a value equal to a cut point
        gets the higher score).
    transactions : DataFrame, optional
        Deprecated: it changed what M measures. ``rfm_scores(summary, transactions=tx)`` warns
        and returns :func:`rfm_scores_all_days` ``(summary, tx)`` with its old column
        ``spend_per_day`` (a copy of ``spend_per_purchase_day``).

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``R``, ``F``, ``M`` (int64 scores), ``rfm_cell`` (string
        such as "545"), ``rfm_score`` (R + F + M), and the measures scored:
        ``time_since_last`` (T - recency), ``purchase_days`` (frequency + 1),
        ``monetary_value`` (mean spend per repeat purchase day, the M measure) and
        ``repeat_revenue`` (monetary_value x frequency). ``attrs``: ``n_bins``,
        ``monetary_basis`` (``"repeat purchase days"``), ``monetary_column``
        (``"monetary_value"``), ``revenue_column`` (``"repeat_revenue"``).

    References
    ----------
    Hughes, A. M. (1994). Strategic Database Marketing. Probus.
    Blattberg, R. C., Kim, B.-D. and Neslin, S. A. (2008). Database Marketing. Springer, ch. 12.
    """
    if transactions is not None:
        warnings.warn(
            "rfm_scores(summary, transactions=...) is deprecated: the keyword changed what M "
            "measures. Call rfm_scores_all_days(summary, transactions) for M over all purchase "
            "days (column spend_per_purchase_day), or rfm_scores(summary) for M over repeat "
            "purchase days (column monetary_value).",
            DeprecationWarning,
            stacklevel=2,
        )
        out = rfm_scores_all_days(summary, transactions, n_bins=n_bins, cut_points=cut_points)
        out["spend_per_day"] = out["spend_per_purchase_day"]
        return out
    _check_summary(summary, n_bins)
    per_day = summary["monetary_value"].astype(float)
    revenue = (summary["monetary_value"] * summary["frequency"]).astype(float)
    return _scores(
        summary,
        n_bins,
        cut_points,
        per_day,
        {"monetary_value": per_day, "repeat_revenue": revenue},
        "repeat purchase days",
    )


def rfm_scores_all_days(
    summary: pd.DataFrame,
    transactions: pd.DataFrame,
    n_bins: int = 5,
    cut_points: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """RFM scores with M over **all** purchase days, the first one included.

    R and F as in :func:`rfm_scores`; M from the mean spend per purchase day over every purchase
    day of the summary's window (up to its ``calibration_end`` or ``observation_end``), first
    purchase included, so a one-time buyer is scored on what she spent that day (the usual M of
    segmentation: Blattberg, Kim & Neslin 2008, section 12.2).

    Parameters
    ----------
    summary : DataFrame
        Output of :func:`rfm_summary`.
    transactions : DataFrame
        The transactions the summary came from (the transactions contract).
    n_bins, cut_points
        As in :func:`rfm_scores` (M cut points in money per purchase day).

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``R``, ``F``, ``M``, ``rfm_cell``, ``rfm_score``,
        ``time_since_last``, ``purchase_days``, ``spend_per_purchase_day`` (the M measure:
        total spend in the window over purchase days) and ``revenue`` (total spend in the
        window). ``attrs``: ``n_bins``, ``monetary_basis`` (``"all purchase days"``),
        ``monetary_column`` (``"spend_per_purchase_day"``), ``revenue_column``
        (``"revenue"``).
    """
    _check_summary(summary, n_bins)
    spend = _window_spend(summary, transactions)
    per_day = (spend["sum"] / spend["size"]).astype(float)
    revenue = spend["sum"].astype(float)
    return _scores(
        summary,
        n_bins,
        cut_points,
        per_day,
        {"spend_per_purchase_day": per_day, "revenue": revenue},
        "all purchase days",
    )


def _check_summary(summary: pd.DataFrame, n_bins: Any) -> None:
    if not isinstance(n_bins, int | np.integer) or isinstance(n_bins, bool) or not 2 <= n_bins <= 9:
        raise ParameterError(f"n_bins must be an integer 2..9, got {n_bins!r}.", parameter="n_bins")
    missing = [c for c in ("frequency", "recency", "T", "monetary_value") if c not in summary]
    if missing:
        raise DataError(
            f"summary lacks the column(s) {missing}; compute it with crmlab.rfm.rfm_summary.",
            column=missing[0],
        )
    if len(summary) == 0:
        raise DataError("summary is empty: there are no customers to score.")


def _scores(
    summary: pd.DataFrame,
    n_bins: int,
    cut_points: Mapping[str, Sequence[float]] | None,
    per_day: pd.Series,
    measures_out: Mapping[str, pd.Series],
    basis: str,
) -> pd.DataFrame:
    """The scores of both functions: R, F and M from ``per_day``, then the measure columns."""
    since = (summary["T"] - summary["recency"]).astype(float)
    days = (summary["frequency"] + 1).astype(float)
    measures = {"R": (since, False), "F": (days, True), "M": (per_day, True)}
    cut_points = dict(cut_points or {})
    unknown = set(cut_points) - set(measures)
    if unknown:
        raise ParameterError(
            f"cut_points keys must be among 'R', 'F', 'M', got {sorted(unknown)}.",
            parameter="cut_points",
        )
    out = pd.DataFrame(index=summary.index)
    flat: list[str] = []
    for key, (values, higher) in measures.items():
        if key in cut_points:
            cuts = np.asarray(cut_points[key], dtype=float)
            if cuts.shape != (n_bins - 1,) or np.any(np.diff(cuts) <= 0):
                raise ParameterError(
                    f"cut_points['{key}'] must be {n_bins - 1} strictly increasing numbers for "
                    f"n_bins={n_bins}, got {list(cuts)}.",
                    parameter="cut_points",
                )
            out[key] = _cut_scores(values, cuts, n_bins, higher)
        elif len(values) > 1 and values.nunique(dropna=False) > 1:
            out[key] = _rank_scores(values, n_bins, higher)
        else:
            out[key] = np.full(len(values), (n_bins + 1) // 2, dtype="int64")
            flat.append(key)
    if flat:
        who = "the only customer has" if len(summary) == 1 else f"all {len(summary)} customers have"
        warnings.warn(
            f"{who} the same {', '.join(_MEASURE_WORDS[k] for k in flat)}, so the quantile "
            f"scores cannot rank them: {'/'.join(flat)} is the middle score "
            f"{(n_bins + 1) // 2} for everyone (neither best nor worst; a lone customer who "
            "bought on the last day is not 'lost'). Pass cut_points={'R': [...], ...} to score "
            "on absolute values.",
            CrmlabWarning,
            stacklevel=3,
        )
    out["rfm_cell"] = (out["R"].astype(str) + out["F"].astype(str) + out["M"].astype(str)).astype(
        "string"
    )
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    out["time_since_last"] = since.to_numpy()
    out["purchase_days"] = days.to_numpy()
    for name, values in measures_out.items():
        out[name] = values.to_numpy()
    monetary, revenue = measures_out
    out.attrs = {
        "n_bins": int(n_bins),
        "monetary_basis": basis,
        "monetary_column": monetary,
        "revenue_column": revenue,
    }
    return out


# --------------------------------------------------------------------------------------------
# segments
# --------------------------------------------------------------------------------------------
_RULE_ROWS = [
    (
        "champions",
        5,
        5,
        4,
        5,
        "Bought recently, buy often.",
        "Reward; ask for reviews and referrals; early access.",
    ),
    (
        "loyal customers",
        3,
        4,
        4,
        5,
        "Buy often, fairly recently.",
        "Up-sell higher-value products; loyalty programme.",
    ),
    (
        "potential loyalists",
        4,
        5,
        2,
        3,
        "Recent customers with a few purchases.",
        "Membership or loyalty offer; recommend related products.",
    ),
    (
        "new customers",
        5,
        5,
        1,
        1,
        "Bought for the first time very recently.",
        "Onboarding; make the second purchase easy.",
    ),
    (
        "promising",
        4,
        4,
        1,
        1,
        "Recent one-time buyers.",
        "Build awareness; a free trial or sample.",
    ),
    (
        "need attention",
        3,
        3,
        3,
        3,
        "Average recency and frequency.",
        "Limited-time offer based on past purchases; reactivate.",
    ),
    (
        "about to sleep",
        3,
        3,
        1,
        2,
        "Below-average recency and frequency.",
        "Share popular products; a discount to renew interest.",
    ),
    (
        "cannot lose them",
        1,
        2,
        5,
        5,
        "Were the most frequent buyers, not seen for long.",
        "Win them back with a personal contact; ask what went wrong.",
    ),
    (
        "at risk",
        1,
        2,
        3,
        4,
        "Bought often, but long ago.",
        "Personalised reactivation e-mails; helpful resources.",
    ),
    (
        "lost",
        1,
        1,
        1,
        1,
        "One purchase, the longest time ago.",
        "Ignore or one cheap reactivation attempt.",
    ),
    (
        "hibernating",
        1,
        2,
        1,
        2,
        "Few purchases, long ago.",
        "Offer other relevant products and special discounts.",
    ),
]

#: The default segment table on the 5-level R x F grid (first matching rule wins; the 25 R x F
#: cells, hence all 125 R x F x M cells, are covered). Adapted from the grid popularised in
#: direct-marketing practice (Hughes 1994; Blattberg, Kim & Neslin 2008, ch. 12): columns
#: ``segment``, ``r_min``, ``r_max``, ``f_min``, ``f_max`` (inclusive score ranges),
#: ``description`` and ``action`` (a suggested treatment).
SEGMENT_RULES = pd.DataFrame(
    _RULE_ROWS, columns=["segment", "r_min", "r_max", "f_min", "f_max", "description", "action"]
)


def _to_five(scores: pd.Series, n_bins: int) -> np.ndarray:
    """Map scores 1..n_bins onto 1..5 (rounding half up) so the default rules apply."""
    if n_bins == 5:
        return scores.to_numpy()
    return np.floor(1 + (scores.to_numpy() - 1) * 4 / (n_bins - 1) + 0.5).astype("int64")


def rfm_segments(scores: pd.DataFrame, rules: pd.DataFrame | Sequence[Mapping] | None = None):
    """Name each customer's segment from their R and F scores with a rule table.

    Each rule gives inclusive R and F score ranges; a customer gets the first rule (in table
    order) whose ranges contain their (R, F) cell. With the default :data:`SEGMENT_RULES`, scores
    of ``n_bins`` other than 5 are first mapped onto 1..5 by
    :math:`\\lfloor 1 + 4 (s - 1)/(n - 1) + 1/2 \\rfloor`.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`rfm_scores` (columns ``R`` and ``F``).
    rules : DataFrame or list of dicts, optional
        Columns/keys ``segment``, ``r_min``, ``r_max``, ``f_min``, ``f_max`` (and optionally
        ``description``, ``action``), on the scores' own scale. Default :data:`SEGMENT_RULES`.

    Returns
    -------
    Series
        Index ``customer_id``, name ``segment``: categorical with the rules' segments as
        categories, in rule order.

    Raises
    ------
    ParameterError
        Rules with missing keys, or rules that leave some (R, F) cell of the scores uncovered
        (the message lists up to five such cells).
    """
    for col in ("R", "F"):
        if col not in scores:
            raise DataError(
                f"scores lack the column '{col}'; compute them with crmlab.rfm.rfm_scores.",
                column=col,
            )
    n_bins = int(scores.attrs.get("n_bins", 5))
    if rules is None:
        table = SEGMENT_RULES
        r = _to_five(scores["R"], n_bins)
        f = _to_five(scores["F"], n_bins)
    else:
        table = pd.DataFrame(list(rules) if not isinstance(rules, pd.DataFrame) else rules)
        r, f = scores["R"].to_numpy(), scores["F"].to_numpy()
    need = ["segment", "r_min", "r_max", "f_min", "f_max"]
    lacking = [c for c in need if c not in table.columns]
    if lacking:
        raise ParameterError(
            f"rules lack {lacking}; each rule needs {need} (inclusive score ranges).",
            parameter="rules",
        )
    conditions = [
        (r >= row.r_min) & (r <= row.r_max) & (f >= row.f_min) & (f <= row.f_max)
        for row in table.itertuples(index=False)
    ]
    choice = np.select(conditions, list(range(len(table))), default=-1)
    if np.any(choice < 0):
        cells = sorted(
            {(int(a), int(b)) for a, b in zip(r[choice < 0], f[choice < 0], strict=True)}
        )
        raise ParameterError(
            f"the rules leave {len(cells)} (R, F) cell(s) uncovered, e.g. {cells[:5]}; add a "
            "catch-all last rule.",
            parameter="rules",
        )
    categories = list(dict.fromkeys(table["segment"]))
    labels = table["segment"].to_numpy()[choice]
    return pd.Series(
        pd.Categorical(labels, categories=categories), index=scores.index, name="segment"
    )


def segment_summary(
    summary: pd.DataFrame, scores: pd.DataFrame, segments: pd.Series
) -> pd.DataFrame:
    """Size, mean scores and revenue of each segment.

    Parameters
    ----------
    summary, scores, segments
        Outputs of :func:`rfm_summary`, :func:`rfm_scores` and :func:`rfm_segments` for the same
        customers.

    Returns
    -------
    DataFrame
        Index ``segment`` (rule order, empty segments kept with 0 customers); columns
        ``customers``, ``share`` (of customers), ``mean_R``, ``mean_F``, ``mean_M`` (mean scores),
        ``mean_time_since_last``, ``mean_purchase_days``, ``mean_T`` (mean customer age),
        ``revenue`` (sum of the scores' revenue column: ``revenue`` of
        :func:`rfm_scores_all_days`, ``repeat_revenue`` of :func:`rfm_scores`, named in
        ``attrs["revenue_column"]``), ``revenue_share``, and ``action`` (the default rule table's
        suggestion, when the segment is one of it). ``attrs["revenue_basis"]`` is the scores'
        ``monetary_basis`` ("all purchase days" or "repeat purchase days").
    """
    revenue_column = scores.attrs.get("revenue_column") or (
        "revenue" if "revenue" in scores else "repeat_revenue"
    )
    if revenue_column not in scores:
        raise DataError(
            f"scores lack the column '{revenue_column}'; compute them with "
            "crmlab.rfm.rfm_scores_all_days or crmlab.rfm.rfm_scores.",
            column=revenue_column,
        )
    frame = scores.join(summary[["T"]], how="left")
    frame["segment"] = segments.reindex(frame.index)
    if frame["segment"].isna().any():
        bad = frame.index[frame["segment"].isna()]
        raise DataError(
            f"{len(bad)} customer(s) of the scores have no segment, e.g. {list(bad[:5])}; pass "
            "the segments computed from these scores.",
            rows=list(bad[:5]),
        )
    grouped = frame.groupby("segment", observed=False, sort=True)
    out = pd.DataFrame(
        {
            "customers": grouped.size(),
            "mean_R": grouped["R"].mean(),
            "mean_F": grouped["F"].mean(),
            "mean_M": grouped["M"].mean(),
            "mean_time_since_last": grouped["time_since_last"].mean(),
            "mean_purchase_days": grouped["purchase_days"].mean(),
            "mean_T": grouped["T"].mean(),
            "revenue": grouped[revenue_column].sum(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total != 0 else np.nan
    actions = SEGMENT_RULES.drop_duplicates("segment").set_index("segment")["action"]
    out["action"] = [actions.get(str(s), "") for s in out.index]
    out.index = pd.Index([str(s) for s in out.index], name="segment")
    out.attrs = {
        "revenue_column": revenue_column,
        "revenue_basis": scores.attrs.get("monetary_basis", ""),
    }
    return out


# --------------------------------------------------------------------------------------------
# interpurchase times
# --------------------------------------------------------------------------------------------
def interpurchase_times(
    transactions: pd.DataFrame, time_unit: str = "D", observation_end: Any = None
) -> pd.DataFrame:
    """Gaps between consecutive purchase days of each customer.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``; ``amount`` not needed).
    time_unit : {"D", "W", "M"}
    observation_end : date-like, optional
        Purchases after this day are ignored. Default: keep all.

    Returns
    -------
    DataFrame
        One row per repeat purchase day, sorted by customer and date: ``customer_id``, ``date``
        (the purchase day), ``previous_date`` (the customer's preceding purchase day), ``gap``
        (time between them, > 0, float64). A customer with k purchase days has k - 1 rows.
    """
    time_unit = check_time_unit(time_unit)
    frame = check_transactions(transactions, ("customer_id", "date"))
    if observation_end is not None:
        frame = frame.loc[frame["date"] <= to_day(observation_end, "observation_end")]
    days = frame.drop_duplicates().sort_values(["customer_id", "date"], kind="mergesort")
    days = days.reset_index(drop=True)
    previous = days.groupby("customer_id", sort=False)["date"].shift(1)
    keep = previous.notna().to_numpy()
    out = days.loc[keep, ["customer_id", "date"]].reset_index(drop=True)
    out["previous_date"] = previous[keep].to_numpy()
    out["gap"] = elapsed(out["previous_date"], out["date"], time_unit) if len(out) else []
    out["gap"] = out["gap"].astype(float)
    return out


def interpurchase_summary(
    transactions: pd.DataFrame, observation_end: Any = None, time_unit: str = "D"
) -> pd.DataFrame:
    """Per-customer interpurchase statistics and time since the last purchase.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract.
    observation_end : date-like, optional
        Day from which ``time_since_last`` is measured (later purchases are ignored). Default:
        the last date in the data.
    time_unit : {"D", "W", "M"}

    Returns
    -------
    DataFrame
        Index ``customer_id`` (every customer, one-time buyers included); columns ``n_gaps``
        (purchase days - 1), ``mean_gap``, ``median_gap``, ``std_gap`` (sample standard
        deviation; NaN with fewer than 2 gaps; gap statistics are NaN without gaps),
        ``last_purchase`` (date), ``time_since_last`` (from the last purchase day to
        ``observation_end``). A customer whose ``time_since_last`` is far above their usual gap
        may be lapsing (the intuition behind recency in the Pareto/NBD, Schmittlein et al. 1987).
    """
    time_unit = check_time_unit(time_unit)
    frame = check_transactions(transactions, ("customer_id", "date"))
    frame, end = until(frame, observation_end)
    gaps = interpurchase_times(frame, time_unit)
    last = frame.groupby("customer_id", sort=True)["date"].max()
    g = gaps.groupby("customer_id", sort=True)["gap"]
    out = pd.DataFrame(index=last.index)
    out["n_gaps"] = g.size().reindex(last.index, fill_value=0).astype("int64")
    out["mean_gap"] = g.mean().reindex(last.index)
    out["median_gap"] = g.median().reindex(last.index)
    out["std_gap"] = g.std(ddof=1).reindex(last.index)
    out["last_purchase"] = last
    out["time_since_last"] = elapsed(last, end, time_unit)
    out.index.name = "customer_id"
    return out


def interpurchase_distribution(
    gaps: pd.DataFrame, quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9)
) -> pd.DataFrame:
    """Distribution of the gaps of :func:`interpurchase_times` over all repeat purchases.

    Returns
    -------
    DataFrame
        Index ``statistic``: ``n_gaps``, ``mean``, ``std`` and one ``p<q>`` row per quantile
        (``p50`` is the median gap); one column ``gap``. Only defined statistics are rows:
        without gaps the table holds only ``n_gaps`` (with a
        :class:`~crmlab.errors.CrmlabWarning`), with one gap it has no ``std``.
    """
    if "gap" not in gaps:
        raise DataError(
            "gaps lack the column 'gap'; compute them with crmlab.rfm.interpurchase_times.",
            column="gap",
        )
    q = np.asarray(quantiles, dtype=float)
    if np.any((q < 0) | (q > 1)):
        raise ParameterError(f"quantiles must be in [0, 1], got {list(q)}.", parameter="quantiles")
    values = gaps["gap"].astype(float)
    rows = {"n_gaps": float(len(values))}
    if len(values) == 0:
        warnings.warn(
            "No customer bought on two different days, so there is no interpurchase time: the "
            "gap distribution holds only n_gaps = 0 (no mean, spread or quantiles).",
            CrmlabWarning,
            stacklevel=2,
        )
        return pd.DataFrame({"gap": pd.Series(rows)}).rename_axis("statistic")
    rows["mean"] = values.mean()
    if len(values) > 1:
        rows["std"] = values.std(ddof=1)
    for p, value in zip(q, values.quantile(q).to_numpy(), strict=True):
        rows[f"p{round(100 * p):d}"] = float(value)
    return pd.DataFrame({"gap": pd.Series(rows)}).rename_axis("statistic")
