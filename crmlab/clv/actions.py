"""CLV tiers and suggested actions by CLV tier and P(alive) band.

References
----------
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005b). RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
Gupta, S., Lehmann, D. R. and Stuart, J. A. (2004). Valuing Customers. Journal of Marketing
Research 41(1), 7-18.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError

__all__ = ["CLV_TIERS", "action_rules", "action_summary", "action_table", "clv_segments"]

#: Default CLV tiers: labels and the CLV quantiles that separate them. A customer whose CLV
#: rank lies below the 50% quantile is "low", 50-80% "medium", 80-95% "high", the best 5% "top".
CLV_TIERS: dict[str, Any] = {
    "labels": ("low", "medium", "high", "top"),
    "quantiles": (0.5, 0.8, 0.95),
}

_P_ALIVE_BANDS = (0.3, 0.7)  # P(alive) < 0.3 "likely lapsed", >= 0.7 "likely active"


#: The rows of :func:`action_rules`: (tier, p_alive_min, p_alive_max, status, action).
_ACTION_ROWS: tuple[tuple[str, float, float, str, str], ...] = (
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
)
_ACTION_COLUMNS = ("tier", "p_alive_min", "p_alive_max", "status", "action")


def action_rules() -> pd.DataFrame:
    """Suggested action per CLV tier and P(alive) band (first matching row wins); a new frame.

    Columns ``tier`` (a CLV tier of :func:`clv_segments`), ``p_alive_min`` and ``p_alive_max``
    (P(alive) in ``[min, max)``; the last band includes 1), ``status`` (a name for the band) and
    ``action``. The logic follows value-based resource allocation (Gupta, Lehmann and Stuart
    2004; Fader, Hardie and Lee 2005b, section 5): spend on customers in proportion to their
    expected future value, and act quickly where much value is at stake but the customer may be
    lapsing. Edit the returned frame and pass it to :func:`action_table` as ``rules``.

    Returns
    -------
    DataFrame
        Twelve rows: four tiers (top, high, medium, low) times three bands (active, at risk,
        lapsed).
    """
    return pd.DataFrame(list(_ACTION_ROWS), columns=list(_ACTION_COLUMNS))


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
        Action rules in the form of :func:`action_rules` (the default).
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
    rules = action_rules() if rules is None else rules
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


def __getattr__(name: str) -> Any:
    if name == "ACTION_RULES":  # the former module-level frame: a fresh copy on every access
        return action_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
