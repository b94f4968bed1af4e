"""Association rules between pairs of categories and next-category suggestions (Agrawal,
Imielinski & Swami 1993; Blattberg, Kim & Neslin 2008, ch. 21)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_fraction
from crmlab.errors import ParameterError
from crmlab.profitability._common import (
    _level_values,
    _require,
)
from crmlab.transactions import check_transactions

__all__ = ["category_associations", "next_category_suggestions"]


def _incidence(transactions: pd.DataFrame, level: str, unit: str) -> tuple[Any, Any, Any]:
    """Sparse 0/1 matrix (units x items), the unit labels and the item labels."""
    from scipy import sparse

    items = _level_values(transactions, level)
    if unit == "basket":
        units = transactions["basket_id"]
    else:
        units = transactions["customer_id"]
    # Factorised as columns (fast on any dtype), then labels as arrays of the distinct values
    # only: the codes and labels of factorising ``units.to_numpy()`` and ``items.astype(str)``.
    u_codes, u_index = pd.factorize(units, sort=True)
    u_labels = np.asarray(u_index.to_numpy())
    raw_codes, raw_items = pd.factorize(items)
    text_codes, i_labels = pd.factorize(pd.Index(raw_items).astype(str).to_numpy(), sort=True)
    i_codes = text_codes[raw_codes]
    m = sparse.csr_matrix(
        (np.ones(len(u_codes), dtype=np.float32), (u_codes, i_codes)),
        shape=(len(u_labels), len(i_labels)),
    )
    m.data[:] = 1.0  # duplicates were summed: back to incidence
    return m, u_labels, i_labels


def category_associations(
    transactions: pd.DataFrame,
    level: str = "category",
    min_support: float = 0.01,
    min_lift: float = 0.0,
    unit: str | None = None,
) -> pd.DataFrame:
    """Association rules between pairs of categories: support, confidence and lift.

    With :math:`n` baskets and :math:`n_{AB}` those containing both A and B (Agrawal,
    Imielinski & Swami 1993):

    .. math:: s(A \\Rightarrow B) = n_{AB}/n, \\quad c(A \\Rightarrow B) = n_{AB}/n_A, \\quad
              \\text{lift} = c(A \\Rightarrow B) / (n_B/n).

    A lift above 1 means B is more likely in baskets with A than in baskets at large: a
    cross-selling opportunity. Counts come from one sparse product :math:`X^\\top X` of the
    basket-by-item incidence matrix.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``level`` and, for basket-level rules, ``basket_id``. Not modified.
    level : str
        Item column (``category``, ``department``, ``product``).
    min_support : float
        Minimum pair support :math:`s(A \\Rightarrow B)` (share of units), in (0, 1].
    min_lift : float
        Minimum lift of the rules kept.
    unit : {"basket", "customer"}, optional
        What a "basket" is: default ``basket`` when a ``basket_id`` column exists, otherwise
        ``customer`` (everything a customer ever bought).

    Returns
    -------
    DataFrame
        One row per directed rule A => B, sorted by lift (largest first): ``antecedent``,
        ``consequent``, ``n_both`` (units with both), ``support``, ``antecedent_support``,
        ``consequent_support``, ``confidence``, ``lift``. ``attrs``: ``unit``, ``n_units``.
    """
    min_support = check_fraction(min_support, "min_support")
    if unit is None:
        unit = "basket" if "basket_id" in transactions.columns else "customer"
    if unit not in ("basket", "customer"):
        raise ParameterError(f"unit must be 'basket' or 'customer', got {unit!r}.", "unit")
    if unit == "basket":
        _require(transactions, "basket_id", "use unit='customer' or add a basket_id column.")
    check_transactions(transactions)
    m, u_labels, i_labels = _incidence(transactions, level, unit)
    n = m.shape[0]
    item_count = np.asarray(m.sum(axis=0)).ravel()
    frequent = np.flatnonzero(item_count >= min_support * n)
    sub = m[:, frequent]
    both = (sub.T @ sub).toarray()
    np.fill_diagonal(both, 0)
    a, b = np.nonzero(both >= max(min_support * n, 1))
    n_ab = both[a, b]
    n_a = item_count[frequent][a]
    n_b = item_count[frequent][b]
    out = pd.DataFrame(
        {
            "antecedent": i_labels[frequent][a],
            "consequent": i_labels[frequent][b],
            "n_both": n_ab.astype("int64"),
            "support": n_ab / n,
            "antecedent_support": n_a / n,
            "consequent_support": n_b / n,
            "confidence": n_ab / n_a,
        }
    )
    out["lift"] = out["confidence"] / out["consequent_support"]
    out = out.loc[out["lift"] >= min_lift]
    out = out.sort_values(["lift", "support"], ascending=False, kind="stable")
    out = out.reset_index(drop=True)
    out.attrs.update(unit=unit, n_units=int(n), level=level)
    return out


def next_category_suggestions(
    transactions: pd.DataFrame,
    rules: pd.DataFrame,
    level: str = "category",
    n: int = 3,
    min_lift: float = 1.0,
) -> pd.DataFrame:
    """Per customer, the categories they do not buy yet that the rules most suggest.

    A candidate B gets the best confidence :math:`\\max_{A \\in \\text{bought}} c(A \\Rightarrow
    B)` over the categories A the customer already buys, using rules with lift above
    ``min_lift`` (next-product-to-buy in its simplest, rule-based form; Knott, Hayes & Neslin
    2002 model it).

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``level``. Not modified.
    rules : DataFrame
        :func:`category_associations` output.
    level : str
        Item column the rules were computed on.
    n : int
        Suggestions per customer.
    min_lift : float
        Rules with a lift at or below this are ignored.

    Returns
    -------
    DataFrame
        One row per customer and suggestion: ``customer_id``, ``rank`` (1 = best),
        ``suggestion``, ``because`` (the bought category of the best rule), ``confidence``,
        ``lift``. Customers without any applicable rule are absent.
    """
    check_transactions(transactions)
    m, customers, items = _incidence(transactions, level, "customer")
    pos = {name: i for i, name in enumerate(items)}
    r = rules.loc[rules["lift"] > min_lift]
    r = r.loc[r["antecedent"].isin(pos) & r["consequent"].isin(pos)]
    k = len(items)
    conf = np.zeros((k, k))
    lift = np.zeros((k, k))
    ai = r["antecedent"].map(pos).to_numpy(dtype=int)
    bi = r["consequent"].map(pos).to_numpy(dtype=int)
    conf[ai, bi] = r["confidence"].to_numpy()
    lift[ai, bi] = r["lift"].to_numpy()
    bought = m.toarray() > 0
    best = np.zeros(bought.shape)
    because = np.full(bought.shape, -1)
    for a in np.unique(ai):  # loop over antecedent items, vectorised over customers
        cand = np.where(bought[:, [a]], conf[a][None, :], 0.0)
        better = cand > best
        best = np.where(better, cand, best)
        because = np.where(better, a, because)
    best[bought] = 0.0
    n = int(n)
    order = np.argsort(-best, axis=1, kind="stable")[:, :n]
    rows = np.repeat(np.arange(len(customers)), order.shape[1])
    cols = order.ravel()
    score = best[rows, cols]
    keep = score > 0
    rows, cols, score = rows[keep], cols[keep], score[keep]
    ante = because[rows, cols]
    out = pd.DataFrame(
        {
            "customer_id": customers[rows],
            "rank": np.tile(np.arange(1, order.shape[1] + 1), len(customers))[keep],
            "suggestion": items[cols],
            "because": items[ante],
            "confidence": score,
            "lift": lift[ante, cols],
        }
    )
    return out
