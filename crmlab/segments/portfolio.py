"""The customer portfolio: relationship strategies, key accounts and relationship levels.

Customers placed by current and future value into four strategies (Turnbull 1990; Ryals 2005),
the most valuable customers and their share of value, and Kotler's five levels of relationship
(Kotler & Keller 2016, ch. 5).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_fraction, check_number
from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions

__all__ = [
    "RELATIONSHIP_LEVEL_RULES",
    "STRATEGIES",
    "concentration_curve",
    "key_account_criteria",
    "key_accounts",
    "portfolio_summary",
    "relationship_intensity",
    "relationship_levels",
    "relationship_portfolio",
]


#: The four strategies of the relationship portfolio, by (current value high, future value high).
STRATEGIES = pd.DataFrame(
    {
        "strategy": ["maintain and protect", "develop", "harvest", "reduce cost to serve"],
        "current_value": ["high", "low", "high", "low"],
        "future_value": ["high", "high", "low", "low"],
        "action": [
            "maintain and protect: dedicated service, partnership, retention first",
            "invest to grow: cross- and up-selling, offers that lift spend",
            "keep profitable with little investment: defend margin, do not over-serve",
            "serve at low cost: self-service and cheaper channels, no costly offers",
        ],
    }
)


def _threshold(values: np.ndarray, rule: Any, name: str) -> float:
    if isinstance(rule, str):
        if rule != "median":
            raise ParameterError(
                f"{name} threshold must be 'median', a quantile in (0, 1) given as "
                f"{{'quantile': q}}, or a number; got {rule!r}.",
                parameter="thresholds",
            )
        return float(np.median(values))
    if isinstance(rule, Mapping) and "quantile" in rule:
        q = check_fraction(rule["quantile"], "thresholds quantile", zero=False, one=False)
        return float(np.quantile(values, q))
    try:
        return float(rule)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"{name} threshold {rule!r} is not 'median', {{'quantile': q}} or a number.",
            parameter="thresholds",
        ) from exc


def relationship_portfolio(
    current_value: pd.Series,
    future_value: pd.Series,
    thresholds: tuple[Any, Any] | Any = "median",
) -> pd.DataFrame:
    """Place each customer in the relationship portfolio by current and future value.

    The rule (a two-by-two portfolio matrix; Turnbull 1990, Ryals 2005): a customer's current
    value is *high* when it is at or above the current-value threshold, and likewise for the
    future value; then

    ======================  ==============  =============
    strategy                current value   future value
    ======================  ==============  =============
    maintain and protect    high            high
    develop                 low             high
    harvest                 high            low
    reduce cost to serve    low             low
    ======================  ==============  =============

    (:data:`STRATEGIES` has the actions.) With median thresholds the high-high quadrant holds a
    large share of customers (often 40% or more, since current and future value are correlated):
    it is the core to maintain and protect, not the few *key accounts* of key-account management
    (:func:`key_accounts`).

    Parameters
    ----------
    current_value : Series
        Value now, e.g. the margin of the last period, indexed by ``customer_id``.
    future_value : Series
        Value to come, e.g. the predicted CLV (:mod:`crmlab.clv`) or the spend growth; indexed
        like ``current_value`` (customers missing from it count as 0).
    thresholds : "median", {"quantile": q}, number, or a pair of these
        Cut between low and high; a pair sets (current, future) separately. Default: the medians.

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``current_value``, ``future_value``, ``high_current``,
        ``high_future`` (bool) and ``strategy`` (categorical, in :data:`STRATEGIES` order).
        ``attrs["thresholds"]`` holds the two cut values.
    """
    current = pd.Series(current_value, dtype=float)
    future = pd.Series(future_value, dtype=float).reindex(current.index).fillna(0.0)
    if current.isna().any():
        bad = current.index[current.isna()]
        raise DataError(
            f"current_value has {len(bad)} missing value(s), e.g. for {list(bad[:5])}.",
            rows=list(bad[:5]),
        )
    if isinstance(thresholds, tuple | list) and len(thresholds) == 2:
        rule_c, rule_f = thresholds
    else:
        rule_c = rule_f = thresholds
    cut_c = _threshold(current.to_numpy(), rule_c, "current")
    cut_f = _threshold(future.to_numpy(), rule_f, "future")
    high_c = current.to_numpy() >= cut_c
    high_f = future.to_numpy() >= cut_f
    names = np.select(
        [high_c & high_f, ~high_c & high_f, high_c & ~high_f],
        ["maintain and protect", "develop", "harvest"],
        default="reduce cost to serve",
    )
    out = pd.DataFrame(
        {
            "current_value": current.to_numpy(),
            "future_value": future.to_numpy(),
            "high_current": high_c,
            "high_future": high_f,
            "strategy": pd.Categorical(names, categories=list(STRATEGIES["strategy"])),
        },
        index=current.index,
    )
    out.index.name = current.index.name or "customer_id"
    out.attrs["thresholds"] = {"current": cut_c, "future": cut_f}
    return out


def portfolio_summary(portfolio: pd.DataFrame) -> pd.DataFrame:
    """Customers and value by strategy.

    Parameters
    ----------
    portfolio : DataFrame
        :func:`relationship_portfolio` output.

    Returns
    -------
    DataFrame
        Index ``strategy``; ``customers``, ``share`` (of customers), ``current_value_share`` and
        ``future_value_share`` (of the totals), ``mean_current_value``, ``mean_future_value``,
        ``action``.
    """
    g = portfolio.groupby("strategy", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_current_value": g["current_value"].mean(),
            "mean_future_value": g["future_value"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    out.insert(
        2, "current_value_share", g["current_value"].sum() / portfolio["current_value"].sum()
    )
    out.insert(3, "future_value_share", g["future_value"].sum() / portfolio["future_value"].sum())
    out["action"] = STRATEGIES.set_index("strategy")["action"].reindex(out.index).to_numpy()
    out.index.name = "strategy"
    return out


def concentration_curve(
    values: pd.Series, top_shares: Sequence[float] = (0.01, 0.05, 0.1, 0.2, 0.5)
) -> pd.DataFrame:
    """Share of total value held by the top ``p`` of customers.

    Parameters
    ----------
    values : Series
        Value per customer (revenue, margin, CLV).
    top_shares : sequence of float
        Customer shares ``p`` in (0, 1].

    Returns
    -------
    DataFrame
        Index ``top_share``; ``customers`` (:math:`\\lceil pN \\rceil`) and ``value_share``
        (their share of the total value: the "80/20" concentration).
    """
    v = np.sort(pd.Series(values, dtype=float).to_numpy())[::-1]
    total = v.sum()
    cum = np.cumsum(v)
    rows = []
    for p in top_shares:
        p = check_fraction(p, "top_shares", zero=False)
        m = max(1, int(np.ceil(float(p) * len(v))))
        rows.append((float(p), m, cum[m - 1] / total if total != 0 else np.nan))
    out = pd.DataFrame(rows, columns=["top_share", "customers", "value_share"])
    return out.set_index("top_share")


def relationship_intensity(
    transactions: pd.DataFrame, observation_end: Any = None, category_column: str | None = None
) -> pd.DataFrame:
    """How regular and how broad each customer's relationship is: the KAM relationship criteria.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract; ``category_column`` when given. Not modified.
    observation_end : date-like, optional
        End of the observation window. Default: the last date in the data.
    category_column : str, optional
        Column of categories; adds ``n_categories`` (distinct categories bought).

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``tenure_weeks`` (whole or part 7-day weeks from the first
        purchase to ``observation_end``, at least 1), ``active_weeks`` (of those, weeks with a
        purchase), ``active_week_share`` (their ratio: 1 = buys every week), ``n_purchases``
        (distinct purchase days), and ``n_categories`` with ``category_column``.
    """
    frame = check_transactions(transactions)
    end = (
        frame["date"].max().normalize()
        if observation_end is None
        else pd.Timestamp(observation_end).normalize()
    )
    keep = (frame["date"] <= end + pd.Timedelta(days=1)).to_numpy()
    frame = frame.loc[keep]
    day = frame["date"].dt.normalize()
    first = day.groupby(frame["customer_id"]).transform("min")
    week = ((day - first).dt.days // 7).to_numpy()
    work = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(), "week": week, "day": day})
    g = work.groupby("customer_id", sort=True)
    first_day = g["day"].min()
    tenure = ((end - first_day).dt.days // 7 + 1).clip(lower=1).astype("int64")
    active = work.drop_duplicates(["customer_id", "week"]).groupby("customer_id").size()
    out = pd.DataFrame(
        {
            "tenure_weeks": tenure,
            "active_weeks": active.reindex(tenure.index).astype("int64"),
            "n_purchases": work.drop_duplicates(["customer_id", "day"])
            .groupby("customer_id")
            .size()
            .reindex(tenure.index)
            .astype("int64"),
        }
    )
    out.insert(2, "active_week_share", (out["active_weeks"] / out["tenure_weeks"]).clip(upper=1))
    if category_column is not None:
        if category_column not in transactions.columns:
            raise DataError(
                f"transactions have no '{category_column}' column; pass category_column=None "
                "or name your category column.",
                column=category_column,
            )
        cats = pd.Series(transactions[category_column].to_numpy()[keep], index=frame.index)
        out["n_categories"] = (
            cats.groupby(frame["customer_id"].to_numpy()).nunique().reindex(out.index)
        ).astype("int64")
    out.index.name = "customer_id"
    return out


def key_accounts(
    values: pd.Series,
    top_share: float = 0.05,
    relationship: pd.DataFrame | None = None,
    minimums: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The key accounts: a small top share by value that also meets relationship criteria.

    Key-account management gives a few strategically important customers dedicated management
    (a key-account manager, joint planning, tailored offers); customers qualify by their value
    *and* by the relationship that makes that management worth it (McDonald, Millman & Rogers
    1997; Homburg, Workman & Jensen 2002). The rule here, with both parts stated:

    1. *value*: the customer is among the top ``top_share`` of customers by ``values``
       (:math:`\\lceil pN \\rceil` customers; ties at the cut broken by the order of ``values``);
    2. *relationship*: for every column of ``relationship`` named in ``minimums``, the customer's
       value is at least the minimum (e.g. ``{"active_week_share": 0.5}``: bought in at least
       half of the weeks since the first purchase; see :func:`relationship_intensity`).

    Parameters
    ----------
    values : Series
        Value per customer (margin, revenue or CLV), indexed by ``customer_id``.
    top_share : float
        Share of customers, in (0, 1], considered by value (default 5%).
    relationship : DataFrame, optional
        Relationship measures per customer (index ``customer_id``), e.g.
        :func:`relationship_intensity`; customers missing from it fail every minimum.
    minimums : dict, optional
        Column of ``relationship`` -> least value; empty or None: value alone decides.

    Returns
    -------
    DataFrame
        The key accounts, best first. Index ``customer_id``; ``value``, ``rank`` (1 = best of
        all customers), ``value_share`` (share of all customers' value), ``cumulative_share``
        and the ``minimums`` columns of ``relationship``. ``attrs``: ``customer_share`` (key
        accounts over all customers), ``value_share`` (their share of value), ``n_customers``,
        ``top_share``, ``n_candidates`` (customers in the top share), ``n_failed`` (candidates
        below a relationship minimum) and ``minimums``.
    """
    top_share = check_fraction(top_share, "top_share", zero=False)
    rules = dict(minimums or {})
    if rules and relationship is None:
        raise ParameterError(
            f"minimums {sorted(rules)} need the relationship table they refer to; pass "
            "relationship=relationship_intensity(transactions).",
            parameter="minimums",
        )
    for name, minimum in rules.items():
        check_number(minimum, f"minimums[{name!r}]")
        if name not in relationship.columns:
            raise ParameterError(
                f"minimums names '{name}', which is not a column of relationship "
                f"(columns: {list(relationship.columns)}).",
                parameter="minimums",
            )
    v = pd.Series(values, dtype=float).dropna()
    n = len(v)
    if n == 0:
        raise DataError("values are empty: no customer to rank.", column="values")
    m = max(1, int(np.ceil(top_share * n)))
    ranked = v.sort_values(ascending=False, kind="stable")
    total = v.sum()
    top = ranked.iloc[:m]
    out = pd.DataFrame(
        {
            "value": top.to_numpy(),
            "rank": np.arange(1, m + 1),
            "value_share": top.to_numpy() / total if total else np.nan,
        },
        index=top.index,
    )
    ok = np.ones(m, dtype=bool)
    for name, minimum in rules.items():
        col = relationship[name].reindex(out.index)
        out[name] = col.to_numpy()
        ok &= (col >= float(minimum)).fillna(False).to_numpy(dtype=bool)
    out = out.loc[ok]
    out["cumulative_share"] = out["value_share"].cumsum()
    out = out[["value", "rank", "value_share", "cumulative_share", *rules]]
    out.index.name = v.index.name or "customer_id"
    out.attrs.update(
        customer_share=len(out) / n,
        value_share=float(out["value"].sum() / total) if total else float("nan"),
        n_customers=n,
        top_share=top_share,
        n_candidates=m,
        n_failed=int(m - len(out)),
        minimums=rules,
    )
    return out


#: How :func:`key_account_criteria` words the relationship minimums it knows.
_CRITERIA_WORDS = {
    "active_week_share": "bought in at least {pct} of the weeks since their first purchase",
    "n_purchases": "bought on at least {n} days",
    "n_categories": "bought in at least {n} categories",
    "tenure_weeks": "have been customers for at least {n} weeks",
}


def key_account_criteria(key: pd.DataFrame, value_name: str = "value") -> str:
    """The key-account rule of a :func:`key_accounts` result in words.

    Parameters
    ----------
    key : DataFrame
        :func:`key_accounts` output.
    value_name : str
        What the value is, e.g. ``"predicted 52-week CLV"``.

    Returns
    -------
    str
        E.g. "in the top 5% of customers by predicted 52-week CLV who bought in at least 75% of
        the weeks since their first purchase".
    """
    from crmlab import text

    head = f"in the top {text.pct(key.attrs['top_share'])} of customers by {value_name}"
    parts = [
        _CRITERIA_WORDS.get(name, f"have {name} of at least {{n}}").format(
            pct=text.pct(minimum), n=text.number(minimum, None)
        )
        for name, minimum in (key.attrs.get("minimums") or {}).items()
    ]
    return head + (" who " + " and ".join(parts) if parts else "")


#: Kotler's relationship level by value tercile (rows) and interaction-intensity tercile.
RELATIONSHIP_LEVEL_RULES = pd.DataFrame(
    {
        "low": ["basic", "reactive", "accountable"],
        "medium": ["basic", "accountable", "proactive"],
        "high": ["reactive", "proactive", "partnership"],
    },
    index=pd.Index(["low", "medium", "high"], name="value"),
).rename_axis(columns="interactions")

LEVELS = ["basic", "reactive", "accountable", "proactive", "partnership"]


def relationship_levels(
    value: pd.Series,
    interactions: pd.Series,
    rules: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """A relationship level per customer from value and interaction intensity.

    Kotler's five levels of relationship (Kotler & Keller 2016, ch. 5): *basic* (sells, no
    follow-up), *reactive* (sells and invites the customer to call), *accountable* (calls back
    to check satisfaction), *proactive* (contacts the customer with suggestions) and
    *partnership* (works continuously with the customer). Kotler recommends deeper levels where
    margins are high and customers few. Here both value and interaction intensity (visits,
    baskets, contacts per period) are split into terciles (low below the 1/3 quantile, high at
    or above the 2/3 quantile) and the level read from :data:`RELATIONSHIP_LEVEL_RULES`:

    ============  ===========  ===========  ============
    value         low inter.   medium       high inter.
    ============  ===========  ===========  ============
    low           basic        basic        reactive
    medium        reactive     accountable  proactive
    high          accountable  proactive    partnership
    ============  ===========  ===========  ============

    Parameters
    ----------
    value : Series
        Value per customer (margin, revenue, CLV).
    interactions : Series
        Interaction intensity per customer, indexed like ``value`` (missing = 0).
    rules : DataFrame, optional
        A 3 x 3 table like :data:`RELATIONSHIP_LEVEL_RULES` (index value band, columns
        interaction band, cells level names).

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``value``, ``interactions``, ``value_band`` and
        ``interaction_band`` (low/medium/high) and ``level`` (categorical, basic..partnership).
    """
    table = RELATIONSHIP_LEVEL_RULES if rules is None else rules
    bands = ["low", "medium", "high"]
    if list(table.index) != bands or list(table.columns) != bands:
        raise ParameterError(
            "rules must have index and columns ['low', 'medium', 'high'].", parameter="rules"
        )
    v = pd.Series(value, dtype=float)
    inter = pd.Series(interactions, dtype=float).reindex(v.index).fillna(0.0)

    def band(x: np.ndarray) -> np.ndarray:
        lo, hi = np.quantile(x, [1 / 3, 2 / 3])
        return np.where(x >= hi, 2, np.where(x >= lo, 1, 0))

    vb = band(v.to_numpy())
    ib = band(inter.to_numpy())
    cells = table.to_numpy()[vb, ib]
    levels = [lvl for lvl in LEVELS if lvl in set(cells)] + sorted(set(cells) - set(LEVELS))
    out = pd.DataFrame(
        {
            "value": v.to_numpy(),
            "interactions": inter.to_numpy(),
            "value_band": np.asarray(bands)[vb],
            "interaction_band": np.asarray(bands)[ib],
            "level": pd.Categorical(cells, categories=levels),
        },
        index=v.index,
    )
    out.index.name = v.index.name or "customer_id"
    return out
