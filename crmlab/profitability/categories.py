"""Category profitability and margins, and price tiers by customer value (Berry & Linoff 2004, ch. 9)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import CrmlabWarning, ParameterError
from crmlab.profitability._common import (
    _DISCOUNT_COLUMNS,
    _level_values,
    _line_margin,
    _require,
)
from crmlab.transactions import check_transactions

__all__ = ["PriceTiers", "category_profitability", "price_tiers"]


def category_profitability(
    transactions: pd.DataFrame,
    margin_rates: Mapping[Any, float] | None = None,
    level: str = "category",
    default_rate: float | None = None,
    cost_column: str | None = None,
) -> pd.DataFrame:
    """Revenue, discounts, margin, customers and baskets per product, category or department.

    Margin is :math:`m = r_\\ell \\cdot \\text{revenue} - \\text{cost}` with :math:`r_\\ell` the
    gross-margin rate of the line's ``level`` value (or, when ``margin_rates`` is keyed by
    department and ``level`` is finer, of its department), else ``default_rate``; or revenue
    minus ``cost_column`` (Kaplan & Cooper 1998, ch. 10, product-line profitability).

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract plus the ``level`` column; optional ``discount`` (or
        ``retail_disc``, ``coupon_disc``, ``coupon_match_disc``: positive discounts given, e.g.
        by a loyalty card or coupons), ``basket_id``, ``department``. Not modified.
    margin_rates : dict, optional
        Gross-margin rate in [0, 1] per value of ``level`` or per department.
    level : str
        Column to aggregate by: ``"product"``, ``"category"``, ``"department"``, ...
    default_rate : float, optional
        Rate for values ``margin_rates`` does not name. Without any rate and cost the margin
        columns are NaN.
    cost_column : str, optional
        Column of the cost of goods of each line (replaces the rates).

    Returns
    -------
    DataFrame
        Index ``level``, sorted by revenue (largest first); columns ``revenue`` (sum of positive
        amounts), ``returns`` (sum of the negative amounts, as a positive number), ``net_revenue``,
        ``discount`` (discounts given: the loyalty and coupon programmes' cost; 0 without
        discount columns), ``discount_rate`` (discount over shelf value ``net_revenue +
        discount``), ``margin``, ``margin_rate`` (margin over net revenue), ``customers``,
        ``baskets`` (distinct ``basket_id``, else distinct customer-days), ``lines``,
        ``revenue_share``, ``margin_share`` and ``revenue_per_customer``.
    """
    frame = check_transactions(transactions)
    # levels and customers as integer codes (levels in order of first appearance, as a
    # groupby(sort=False) on the labels): the same groups without hashing a million labels
    key, labels = pd.factorize(_level_values(transactions, level))
    labels = pd.DataFrame({"key": np.asarray(labels, dtype=object)})["key"]  # the labels' dtype
    amount = frame["amount"].to_numpy(dtype=float)
    if "discount" in transactions.columns:
        discount = transactions["discount"].to_numpy(dtype=float)
    else:
        present = [c for c in _DISCOUNT_COLUMNS if c in transactions.columns]
        discount = (
            np.abs(transactions[present].to_numpy(dtype=float)).sum(axis=1)
            if present
            else np.zeros(len(frame))
        )
    margin = _line_margin(transactions, margin_rates, level, default_rate, cost_column)
    if "basket_id" in transactions.columns:
        basket = transactions["basket_id"].to_numpy()
    else:
        basket = pd.MultiIndex.from_arrays([frame["customer_id"], frame["date"]]).codes
        basket = basket[0].astype("int64") * (int(basket[1].max()) + 1) + basket[1]
    work = pd.DataFrame(
        {
            "key": key,
            "revenue": np.clip(amount, 0, None),
            "returns": -np.clip(amount, None, 0),
            "net_revenue": amount,
            "discount": discount,
            "margin": margin,
            "customer_id": pd.factorize(frame["customer_id"])[0],
            "basket": basket,
        }
    )
    g = work.groupby("key", sort=False, observed=True)
    out = g[["revenue", "returns", "net_revenue", "discount"]].sum()
    out["margin"] = g["margin"].sum(min_count=len(work) and 1)
    out.loc[g["margin"].count() < g.size(), "margin"] = np.nan
    out["discount_rate"] = out["discount"] / (out["net_revenue"] + out["discount"])
    out["margin_rate"] = out["margin"] / out["net_revenue"]
    out["customers"] = g["customer_id"].nunique()
    out["baskets"] = g["basket"].nunique()
    out["lines"] = g.size()
    out["revenue_share"] = out["net_revenue"] / out["net_revenue"].sum()
    out["margin_share"] = out["margin"] / out["margin"].sum()
    out["revenue_per_customer"] = out["net_revenue"] / out["customers"]
    cols = [
        "revenue", "returns", "net_revenue", "discount", "discount_rate", "margin",
        "margin_rate", "customers", "baskets", "lines", "revenue_share", "margin_share",
        "revenue_per_customer",
    ]  # fmt: skip
    out.index = pd.Index(labels.iloc[out.index.to_numpy()])
    out = out[cols].sort_values("net_revenue", ascending=False)
    out.index.name = level
    return out


@dataclass
class PriceTiers:
    """What :func:`price_tiers` returns.

    Attributes
    ----------
    shares : DataFrame
        Index ``decile`` (1 = lowest-value customers, 10 = best); columns the tiers (cheapest
        first); each row is the decile's spend split over the tiers (sums to 1).
    counts : DataFrame
        Lines bought per decile and tier (descriptive: lines of one basket or household are not
        independent, so they are not what the test counts).
    test : DataFrame
        One row: ``chi2``, ``dof``, ``p_value`` (Pearson's chi-square test of independence of
        decile and tier on *customers*: each customer counted once, in the tier that holds most
        of their spend), ``cramers_v`` (:math:`\\sqrt{\\chi^2 / (n (\\min(r, c) - 1))}`, Cramér
        1946: the effect size) and ``n_customers`` (:math:`n`).
    product_tiers : Series
        Tier of every product (index ``product``).
    """

    shares: pd.DataFrame
    counts: pd.DataFrame
    test: pd.DataFrame
    product_tiers: pd.Series
    customer_counts: pd.DataFrame | None = None


def price_tiers(
    transactions: pd.DataFrame,
    n_tiers: int = 3,
    n_deciles: int = 10,
    level: str = "category",
    value: pd.Series | None = None,
) -> PriceTiers:
    """Which customers buy which price tiers: tier share of spend by customer value decile.

    Each product's price is its median unit price (``amount / quantity`` over lines with a
    positive quantity); within its ``level`` (category), products are split into ``n_tiers``
    equal-count price tiers by the rank of that price (economy, standard, premium for three).
    Customers are split into ``n_deciles`` equal-count groups by value (total spend unless
    ``value`` is given). A chi-square test of independence asks whether the best customers prefer
    the premium lines, with one observation per customer (the tier that holds most of the
    customer's spend): a million lines of a few thousand households are not a million
    independent observations, and a test on lines would call any difference significant.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``product`` and ``level``; ``quantity`` when present (else each line
        is one unit). Not modified.
    n_tiers : int
        Number of price tiers (2..5).
    n_deciles : int
        Number of customer value groups.
    level : str
        Column within which prices are compared.
    value : Series, optional
        Customer value (indexed by ``customer_id``) defining the deciles.

    Returns
    -------
    PriceTiers
    """
    from scipy.stats import chi2_contingency

    if not 2 <= int(n_tiers) <= 5:
        raise ParameterError(f"n_tiers must be 2..5, got {n_tiers!r}.", parameter="n_tiers")
    frame = check_transactions(transactions)
    _require(transactions, "product", "price tiers need product ids (map a 'product' column).")
    # Integer codes throughout (products, categories, customers, tiers): the same tables as with
    # the labels, without converting a million string labels to Python objects.
    cat_codes = pd.factorize(_level_values(transactions, level))[0]
    if "quantity" in transactions.columns:
        qty = transactions["quantity"].to_numpy(dtype=float)
    else:
        qty = np.ones(len(frame))
    amount = frame["amount"].to_numpy(dtype=float)
    ok = (qty > 0) & (amount > 0)
    # products in order of first appearance among the priced lines (as groupby(sort=False))
    prod_codes, products = pd.factorize(transactions["product"].to_numpy()[ok])
    unit = pd.DataFrame({"product": prod_codes, "price": amount[ok] / qty[ok]})
    price = unit.groupby("product", sort=True)["price"].median()
    first = np.unique(prod_codes, return_index=True)[1]
    pct = price.groupby(cat_codes[ok][first]).rank(method="average", pct=True)
    tier_idx = np.clip(np.ceil(pct.to_numpy() * n_tiers).astype(int) - 1, 0, n_tiers - 1)
    names = {
        2: ["economy", "premium"],
        3: ["economy", "standard", "premium"],
        4: ["economy", "standard", "upper", "premium"],
        5: ["economy", "lower", "standard", "upper", "premium"],
    }[int(n_tiers)]
    product_tiers = pd.Series(
        pd.Categorical.from_codes(tier_idx, categories=names),
        index=pd.Index(products, name="product"),
        name="tier",
    )
    spend = frame.groupby("customer_id")["amount"].sum()
    v = spend if value is None else pd.Series(value, dtype=float).reindex(spend.index).fillna(0)
    ranks = v.rank(method="first", pct=True)
    decile = np.clip(np.ceil(ranks.to_numpy() * n_deciles).astype(int), 1, n_deciles)
    customer = spend.index.get_indexer(frame["customer_id"])[ok]
    lines = pd.DataFrame(
        {
            "decile": decile[customer],
            "tier": pd.Categorical.from_codes(tier_idx[prod_codes], categories=names),
        }
    )
    lines["amount"] = amount[ok]
    lines["customer"] = customer
    counts = pd.crosstab(lines["decile"], lines["tier"]).reindex(columns=names, fill_value=0)
    per_customer = lines.pivot_table(
        index="customer", columns="tier", values="amount", aggfunc="sum", observed=False
    ).reindex(columns=names, fill_value=0.0)
    per_customer = per_customer.loc[per_customer.fillna(0).sum(axis=1) > 0].fillna(0.0)
    main_tier = pd.Categorical(per_customer.idxmax(axis=1), categories=names)
    customer_counts = pd.crosstab(
        decile[per_customer.index.to_numpy()], main_tier, dropna=False
    ).reindex(columns=names, fill_value=0)
    customer_counts.index.name, customer_counts.columns.name = "decile", "tier"
    money = lines.pivot_table(
        index="decile", columns="tier", values="amount", aggfunc="sum", observed=False
    ).reindex(columns=names, fill_value=0.0)
    shares = money.div(money.sum(axis=1), axis=0)
    shares.columns = pd.Index(names, name="tier")
    # A tier or decile without lines (a tiny catalogue: one product per category leaves the
    # upper tiers empty) carries no information for the test and makes scipy's expected table
    # zero: test on the observed part, and say so when nothing testable is left.
    tested = customer_counts
    observed = tested.loc[tested.sum(axis=1) > 0, tested.sum(axis=0) > 0]
    if min(observed.shape) < 2:
        empty = [str(c) for c in counts.columns if counts[c].sum() == 0]
        warnings.warn(
            "price tiers cannot be tested for independence from customer value: "
            + (
                f"no line falls in the tier(s) {empty} (too few products per category to "
                "form tiers)"
                if empty
                else "the lines fall in a single customer-value decile"
            )
            + "; the tier shares are shown without a test.",
            CrmlabWarning,
            stacklevel=2,
        )
        chi2 = p = cramers_v = float("nan")
        dof = 0
        n = int(observed.to_numpy().sum())
    else:
        chi2, p, dof, _ = chi2_contingency(observed.to_numpy())
        n = observed.to_numpy().sum()
        cramers_v = float(np.sqrt(chi2 / (n * (min(observed.shape) - 1))))
    test = pd.DataFrame(
        {
            "chi2": [float(chi2)],
            "dof": [int(dof)],
            "p_value": [float(p)],
            "cramers_v": [cramers_v],
            "n_customers": [int(n)],
        }
    )
    return PriceTiers(
        shares=shares,
        counts=counts,
        test=test,
        product_tiers=product_tiers,
        customer_counts=customer_counts,
    )
