"""Cross-buying: distinct categories per customer, its summary, and its link with retention.

Cross-buying is associated with higher revenue and longer relationships (Kumar, George & Pancras
2008; Reinartz & Kumar 2003). Part of that association is mechanical: a customer who buys more
often touches more categories *and* spends more, so breadth and revenue both grow with purchase
frequency. Kumar, George & Pancras (2008) therefore model cross-buying with frequency as a
control; :func:`cross_buying_frequency` shows the association within purchase-frequency bands and
as a partial correlation given frequency.

References
----------
Fisher, R. A. (1924). The distribution of the partial correlation coefficient. Metron 3, 329-332.
Kumar, V., George, M. and Pancras, J. (2008). Cross-buying in retailing: Drivers and
consequences. Journal of Retailing 84(1), 15-27.
Reinartz, W. J. and Kumar, V. (2003). The Impact of Customer Relationship Characteristics on
Profitable Lifetime Duration. Journal of Marketing 67(1), 77-99.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_alpha, check_count
from crmlab.errors import DataError
from crmlab.transactions import check_transactions, labelled_transactions

__all__ = [
    "cross_buying",
    "cross_buying_frequency",
    "cross_buying_retention",
    "partial_correlation",
    "cross_buying_summary",
    "labelled_transactions",
    "purchase_days",
]


def purchase_days(frame: pd.DataFrame) -> pd.Series:
    """Distinct purchase days per customer (index ``customer_id``, int64)."""
    days = frame.drop_duplicates(["customer_id", "date"]).groupby("customer_id", sort=True)
    return days.size().astype("int64")


def cross_buying(transactions: pd.DataFrame, category_column: str = "category") -> pd.DataFrame:
    """Number of distinct categories each customer buys in, with their revenue.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract with a category column. Not modified.
    category_column : str
        The column naming each line's product category.

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``n_categories`` (distinct categories bought, the
        cross-buying measure of Kumar, George & Pancras 2008), ``revenue`` (sum of amount),
        ``n_purchases`` (distinct purchase days).

    Raises
    ------
    DataError
        Without the category column (the message says how to add one from a product table) or
        with missing categories.
    """
    frame = labelled_transactions(
        transactions,
        category_column,
        "category",
        missing=(
            f"transactions have no '{category_column}' column, so cross-buying cannot be "
            f"measured (columns: {list(transactions.columns)}). Map your category column with "
            "crmlab.io.read_transactions(path, columns={'your_name': 'category'}), or build one "
            "from a product table: tx['category'] = tx['product'].map(product_to_category)."
        ),
        fill="fill them (for example with 'unknown') or drop those rows.",
    )
    grouped = frame.groupby("customer_id", sort=True)
    out = pd.DataFrame(
        {
            "n_categories": grouped["category"].nunique().astype("int64"),
            "revenue": grouped["amount"].sum().astype(float),
            "n_purchases": purchase_days(frame),
        }
    )
    out.index.name = "customer_id"
    return out


def cross_buying_summary(cross: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue by number of categories bought.

    Parameters
    ----------
    cross : DataFrame
        Output of :func:`cross_buying`.

    Returns
    -------
    DataFrame
        Index ``n_categories``; columns ``customers``, ``share`` (of customers), ``mean_revenue``,
        ``relative_revenue`` (mean revenue over that of one-category customers; NaN when nobody
        buys in a single category), ``mean_purchases`` and ``revenue_share``. The association is
        descriptive: heavier buyers buy more categories *and* more of everything (Kumar, George &
        Pancras 2008 model the causal drivers).
    """
    for col in ("n_categories", "revenue"):
        if col not in cross:
            raise DataError(
                f"cross lacks '{col}'; compute it with crmlab.profitability.cross_buying.",
                column=col,
            )
    g = cross.groupby("n_categories", sort=True)
    out = pd.DataFrame({"customers": g.size(), "mean_revenue": g["revenue"].mean()})
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    base = out["mean_revenue"].get(1, np.nan)
    out["relative_revenue"] = out["mean_revenue"] / base
    if "n_purchases" in cross:
        out["mean_purchases"] = g["n_purchases"].mean()
    out["revenue_share"] = g["revenue"].sum() / cross["revenue"].sum()
    out.index.name = "n_categories"
    return out


def cross_buying_retention(
    transactions: pd.DataFrame,
    category_column: str = "category",
    split_date: Any = None,
    n_groups: int = 5,
) -> pd.DataFrame:
    """Cross-buying depth against spend and retention.

    Depth (distinct categories bought, Kumar, George & Pancras 2008) and spend are measured up
    to ``split_date``; a customer is *retained* when they buy again after it (Reinartz & Kumar
    2003 relate breadth of buying to lifetime duration).

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``category_column``. Not modified.
    category_column : str
        Category column.
    split_date : date-like, optional
        End of the measurement window (inclusive). Default: the midpoint of the data's dates.
    n_groups : int
        Customers are grouped into up to ``n_groups`` depth groups at the depth quantiles
        (customers with equal depth are always in the same group).

    Returns
    -------
    DataFrame
        Index ``depth`` (interval of categories bought, e.g. ``"12-25"``), in increasing order;
        ``customers``, ``mean_categories``, ``mean_spend`` (before the split),
        ``retention`` (share buying after the split) and ``mean_spend_after``.
    """
    n_groups = check_count(n_groups, "n_groups")
    frame = check_transactions(transactions)
    dates = frame["date"]
    split = (
        dates.min() + (dates.max() - dates.min()) / 2
        if split_date is None
        else pd.Timestamp(split_date)
    )
    before = (dates <= split).to_numpy()
    cross = cross_buying(transactions.loc[before], category_column)
    after = frame.loc[~before].groupby("customer_id")["amount"].sum()
    cross["retained"] = cross.index.isin(after.index)
    cross["spend_after"] = after.reindex(cross.index).fillna(0.0).to_numpy()
    depth = cross["n_categories"].to_numpy()
    edges = np.unique(np.quantile(depth, np.linspace(0, 1, int(n_groups) + 1)))
    group = np.searchsorted(edges[1:-1], depth, side="right")  # equal customers, equal group
    g = cross.groupby(group)
    lo = g["n_categories"].min()
    hi = g["n_categories"].max()
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_categories": g["n_categories"].mean(),
            "mean_spend": g["revenue"].mean(),
            "retention": g["retained"].mean(),
            "mean_spend_after": g["spend_after"].mean(),
        }
    )
    out.index = pd.Index([f"{a}-{b}" if a != b else f"{a}" for a, b in zip(lo, hi, strict=True)])
    out.index.name = "depth"
    out.attrs["split_date"] = split
    return out


def partial_correlation(x: Any, y: Any, z: Any, alpha: float = 0.05) -> dict[str, float]:
    """Pearson partial correlation of ``x`` and ``y`` given ``z``, with Fisher's interval.

    :math:`r_{xy\\cdot z} = (r_{xy} - r_{xz} r_{yz}) / \\sqrt{(1 - r_{xz}^2)(1 - r_{yz}^2)}`;
    its interval is :math:`\\tanh(\\operatorname{artanh} r \\pm z_{1-\\alpha/2} /
    \\sqrt{n - 4})` (Fisher 1924: one controlled variable costs one degree of freedom).

    Parameters
    ----------
    x, y, z : array-like
        Equal-length numeric vectors (no missing values).
    alpha : float
        Significance level: the interval covers ``1 - alpha``.

    Returns
    -------
    dict
        ``r`` (partial correlation), ``lower``, ``upper``, ``n``.
    """
    from scipy import stats

    alpha = check_alpha(alpha)
    data = np.column_stack([np.asarray(v, dtype=float) for v in (x, y, z)])
    if not np.isfinite(data).all():
        raise DataError("x, y and z must be finite numbers without missing values.")
    n = len(data)
    if n < 5:
        raise DataError(f"a partial correlation needs at least 5 observations, got {n}.")
    r = np.corrcoef(data, rowvar=False)
    rxy, rxz, ryz = r[0, 1], r[0, 2], r[1, 2]
    denom = np.sqrt((1 - rxz**2) * (1 - ryz**2))
    partial = float((rxy - rxz * ryz) / denom) if denom > 0 else float("nan")
    half = stats.norm.ppf(1 - alpha / 2) / np.sqrt(n - 4)
    zr = np.arctanh(np.clip(partial, -0.999999, 0.999999))
    return {
        "r": partial,
        "lower": float(np.tanh(zr - half)),
        "upper": float(np.tanh(zr + half)),
        "n": float(n),
    }


def cross_buying_frequency(
    transactions: pd.DataFrame,
    category_column: str = "category",
    n_bands: int = 4,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Cross-buying and revenue within purchase-frequency bands: the frequency confound.

    Customers are split into up to ``n_bands`` equal-count bands of purchase frequency (distinct
    purchase days; equal frequencies stay in one band), and within each band into *narrower*
    and *broader* buyers (below, or at and above, the band's median number of categories). If
    breadth went with revenue only because frequent buyers buy both more categories and more,
    the two groups would spend alike within a band.

    Parameters
    ----------
    transactions : DataFrame
        The contract plus ``category_column``. Not modified.
    category_column : str
        Category column.
    n_bands : int
        Number of frequency bands.
    alpha : float
        Significance level of the partial correlation's interval.

    Returns
    -------
    DataFrame
        Index (``frequency_band``, e.g. ``"12-25 days"``, ``breadth``: ``"narrower"`` or
        ``"broader"``); ``customers``, ``mean_purchases``, ``mean_categories``,
        ``mean_revenue``. ``attrs``: ``spearman`` (rank correlation of categories and revenue,
        all customers), ``partial``, ``partial_lower``, ``partial_upper`` (Pearson partial
        correlation of log categories and log revenue given log purchase days, with Fisher's
        interval: :func:`partial_correlation`), ``n_customers``, ``alpha`` and
        ``category_word`` (the category column's name in the plural).
    """
    from scipy import stats

    n_bands = check_count(n_bands, "n_bands")
    alpha = check_alpha(alpha)
    cross = cross_buying(transactions, category_column)
    freq = cross["n_purchases"].to_numpy()
    edges = np.unique(np.quantile(freq, np.linspace(0, 1, n_bands + 1)))
    band = np.searchsorted(edges[1:-1], freq, side="right")
    lo = pd.Series(freq).groupby(band).min()
    hi = pd.Series(freq).groupby(band).max()
    names = {b: (f"{lo[b]}-{hi[b]} days" if lo[b] != hi[b] else f"{lo[b]} days") for b in lo.index}
    median = cross.groupby(band)["n_categories"].transform("median").to_numpy()
    broad = cross["n_categories"].to_numpy() >= median
    work = cross.assign(_band=band, _breadth=np.where(broad, "broader", "narrower"))
    g = work.groupby(["_band", "_breadth"], sort=True)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_purchases": g["n_purchases"].mean(),
            "mean_categories": g["n_categories"].mean(),
            "mean_revenue": g["revenue"].mean(),
        }
    )
    order = [
        (b, w) for b in sorted(lo.index) for w in ("narrower", "broader") if (b, w) in out.index
    ]
    out = out.loc[order]
    out.index = pd.MultiIndex.from_tuples(
        [(names[b], w) for b, w in order], names=["frequency_band", "breadth"]
    )
    positive = cross["revenue"].to_numpy() > 0
    pc = partial_correlation(
        np.log(cross["n_categories"].to_numpy()[positive]),
        np.log(cross["revenue"].to_numpy()[positive]),
        np.log(cross["n_purchases"].to_numpy()[positive]),
        alpha=alpha,
    )
    rho = stats.spearmanr(cross["n_categories"], cross["revenue"]).statistic
    word = str(category_column)
    out.attrs.update(
        spearman=float(rho),
        partial=pc["r"],
        partial_lower=pc["lower"],
        partial_upper=pc["upper"],
        n_customers=len(cross),
        alpha=alpha,
        category_word=word
        if word.endswith("s")
        else word[:-1] + "ies"
        if word.endswith("y")
        else word + "s",
    )
    return out
