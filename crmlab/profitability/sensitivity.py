"""How the profitability headline moves with its assumptions (margin rate, cost to serve).

Customer profit :math:`\\pi_i = m R_i - c\\, n_i` rests on two numbers a client rarely knows
exactly: the gross margin rate :math:`m` and the cost to serve :math:`c` per purchase day. The
share of unprofitable customers and the concentration of profit can change a lot with them, so
a finding quotes them and says what the headline would be at other plausible values (a one-way
sensitivity analysis: one assumption moved at a time, the other kept).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlab.checks import check_fraction, check_number
from crmlab.errors import DataError

__all__ = [
    "DEFAULT_COST_PER_PURCHASE",
    "DEFAULT_MARGIN_RATE",
    "assumption_sources",
    "profit_sensitivity",
]

#: The assumptions notebook 00 runs with when the user sets none (its parameter defaults: a
#: test keeps them equal). Findings call them "the notebook's default" rather than a fact.
DEFAULT_MARGIN_RATE = 0.3
DEFAULT_COST_PER_PURCHASE = 5.0


def assumption_sources(
    margin_rate: float | None = None, cost_per_purchase: float | None = None
) -> dict[str, str]:
    """Whether each assumption is the notebook's default or a value set for this run.

    Parameters
    ----------
    margin_rate, cost_per_purchase : float, optional
        The values used; None leaves the assumption out.

    Returns
    -------
    dict
        ``{"margin_rate": "default" | "given", "cost_per_purchase": ...}``: ``"default"`` when
        the value equals :data:`DEFAULT_MARGIN_RATE` / :data:`DEFAULT_COST_PER_PURCHASE` (a
        value equal to the default is still not a measured figure), ``"given"`` otherwise.
    """
    out = {}
    for name, value, default in (
        ("margin_rate", margin_rate, DEFAULT_MARGIN_RATE),
        ("cost_per_purchase", cost_per_purchase, DEFAULT_COST_PER_PURCHASE),
    ):
        if value is not None:
            out[name] = "default" if float(value) == default else "given"
    return out


def _headline(profit: np.ndarray) -> dict[str, float]:
    """Unprofitable share, top-20% share of total profit and total profit of one scenario."""
    ordered = np.sort(profit)[::-1]
    n, total = len(ordered), float(ordered.sum())
    if total > 0:
        x = np.arange(n + 1) / n
        y = np.concatenate([[0.0], np.cumsum(ordered)]) / total
        top_20 = float(np.interp(0.2, x, y))
    else:
        top_20 = float("nan")  # shares of a total that is not positive mean nothing
    return {
        "unprofitable_share": float(np.mean(ordered < 0)),
        "top_20_share": top_20,
        "total_profit": total,
    }


def profit_sensitivity(
    profitability: pd.DataFrame,
    margin_rates: Sequence[float] | None = None,
    costs_per_purchase: Sequence[float] | None = None,
) -> pd.DataFrame:
    """The profitability headline at other margin rates and costs to serve, one at a time.

    Parameters
    ----------
    profitability : DataFrame
        Output of :func:`crmlab.profitability.customer_profitability` (columns ``revenue``,
        ``n_purchases``, ``cost``, ``profit``; ``attrs`` ``profit_basis``, ``margin_rate``,
        ``cost_per_purchase``).
    margin_rates : sequence of float, optional
        Margin rates to try, cost to serve kept. Default: the assumed rate minus and plus 10
        points (within 0-100%). Only with ``profit_basis == "margin_rate"``: with a cost column
        the cost of goods is data, not an assumption.
    costs_per_purchase : sequence of float, optional
        Costs to serve per purchase day to try, margin kept. Default: half and twice the
        assumed cost (none when the assumed cost is 0).

    Returns
    -------
    DataFrame
        Index ``scenario`` (``"assumed"`` first, then ``"margin rate 20%"``, ...,
        ``"cost to serve 2.5"``, ...); columns
        ``changed`` (the assumption moved: ``""``, ``"margin_rate"`` or
        ``"cost_per_purchase"``), ``margin_rate`` (NaN with a cost column),
        ``cost_per_purchase``, ``unprofitable_share`` (share of customers with negative
        profit), ``top_20_share`` (share of total profit earned by the most profitable 20% of
        customers, as :func:`whale_curve_summary`; NaN when total profit is not positive) and
        ``total_profit``. ``attrs["profit_basis"]`` as in the input.

    Raises
    ------
    DataError
        When the table is not a profitability table, or its basis is ``"revenue"`` (no
        assumption to move).
    """
    need = [c for c in ("revenue", "n_purchases", "cost", "profit") if c not in profitability]
    if need:
        raise DataError(
            f"profitability lacks {need}; compute it with "
            "crmlab.profitability.customer_profitability.",
            column=need[0],
        )
    if len(profitability) == 0:
        raise DataError("profitability is empty: there are no customers.")
    basis = profitability.attrs.get("profit_basis")
    if basis not in ("margin_rate", "cost_per_purchase", "cost_column"):
        raise DataError(
            f"profitability's basis is {basis!r}: profit equals revenue, no margin or cost is "
            "assumed, so there is nothing to vary. Pass margin_rate or cost_per_purchase to "
            "customer_profitability.",
        )
    revenue = profitability["revenue"].to_numpy(dtype=float)
    days = profitability["n_purchases"].to_numpy(dtype=float)
    cost0 = float(profitability.attrs.get("cost_per_purchase") or 0.0)
    margin0 = profitability.attrs.get("margin_rate")
    margin0 = float(margin0) if margin0 is not None and basis == "margin_rate" else None
    # cost of goods of each customer, whatever the basis (cost column: data, kept fixed)
    goods = profitability["cost"].to_numpy(dtype=float) - cost0 * days
    if margin_rates is None:
        margin_rates = (
            []
            if margin0 is None
            else [m for m in (margin0 - 0.1, margin0 + 0.1) if 0.0 <= round(m, 12) <= 1.0]
        )
    elif margin0 is None and len(margin_rates):
        raise DataError(
            "margin_rates can only be varied when profit comes from a margin rate "
            f"(profit_basis 'margin_rate'), not {basis!r}.",
        )
    if costs_per_purchase is None:
        costs_per_purchase = [cost0 / 2, 2 * cost0] if cost0 > 0 else []
    margins = [round(check_fraction(m, "margin_rates"), 12) for m in margin_rates]
    costs = [check_number(c, "costs_per_purchase", low=0.0) for c in costs_per_purchase]

    rows = [("assumed", "", margin0, cost0, revenue - goods - cost0 * days)]
    for m in margins:
        rows.append(
            (f"margin rate {100 * m:g}%", "margin_rate", m, cost0, m * revenue - cost0 * days)
        )
    for c in costs:
        rows.append(
            (f"cost to serve {c:g}", "cost_per_purchase", margin0, c, revenue - goods - c * days)
        )
    table = pd.DataFrame(
        [
            {
                "scenario": name,
                "changed": changed,
                "margin_rate": np.nan if m is None else m,
                "cost_per_purchase": c,
                **_headline(profit),
            }
            for name, changed, m, c, profit in rows
        ]
    ).set_index("scenario")
    table.attrs["profit_basis"] = basis
    return table
