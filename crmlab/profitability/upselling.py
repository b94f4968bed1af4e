"""Up-selling: per-customer trends of basket value over time (Blattberg, Kim & Neslin 2008, ch. 29)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlab._deprecation import resolve_alpha
from crmlab.transactions import check_transactions

__all__ = ["upselling_summary", "upselling_trends"]


def upselling_trends(
    transactions: pd.DataFrame,
    basket_column: str | None = "basket_id",
    min_baskets: int = 4,
    alpha: float = 0.05,
    *,
    level: float | None = None,
) -> pd.DataFrame:
    """Per-customer trend of basket value over time: who is moving up, who down.

    For each customer, the least-squares line :math:`v_j = a + b\\,t_j + e_j` through their
    basket values :math:`v_j` at times :math:`t_j` (weeks since the first date of the data):
    :math:`\\hat b = S_{tv}/S_{tt}`, standard error :math:`\\sqrt{s^2/S_{tt}}` with
    :math:`s^2 = \\sum e_j^2/(n-2)`, and the ``1 - alpha`` interval from Student's t with
    :math:`n-2` degrees of freedom. Computed for all customers at once from grouped sums.

    Parameters
    ----------
    transactions : DataFrame
        The contract; baskets are ``basket_column`` when present, else customer-days.
    basket_column : str or None
        Basket id column.
    min_baskets : int
        Customers with fewer baskets get ``trend = "too few baskets"`` (at least 3).
    alpha : float
        Significance level: the interval covers ``1 - alpha`` (default 95%); a trend is ``up``
        or ``down`` when it excludes 0.
    level : float, optional
        Deprecated: the confidence level ``1 - alpha``.

    Returns
    -------
    DataFrame
        Index ``customer_id``; ``n_baskets``, ``mean_basket``, ``slope`` (change of basket
        value per week), ``slope_lower``, ``slope_upper``, ``relative_slope`` (slope over mean
        basket: share per week) and ``trend``: ``"up"`` (interval above 0: up-selling
        works), ``"down"`` (below 0), ``"stable"`` or ``"too few baskets"``.
    """
    from scipy.stats import t as student_t

    alpha = resolve_alpha(alpha, level, "upselling_trends")
    frame = check_transactions(transactions)
    min_baskets = max(3, int(min_baskets))
    if basket_column is not None and basket_column in transactions.columns:
        frame["basket"] = transactions[basket_column].to_numpy()
    else:
        frame["basket"] = frame["date"]
    baskets = frame.groupby(["customer_id", "basket"], sort=False).agg(
        amount=("amount", "sum"), date=("date", "min")
    )
    baskets = baskets.reset_index()
    t = (baskets["date"] - frame["date"].min()).dt.days.to_numpy(dtype=float) / 7.0
    v = baskets["amount"].to_numpy(dtype=float)
    work = pd.DataFrame({"id": baskets["customer_id"].to_numpy(), "t": t, "v": v})
    work["tt"], work["tv"], work["vv"] = t * t, t * v, v * v
    s = work.groupby("id", sort=True).agg(
        n=("t", "size"), st=("t", "sum"), sv=("v", "sum"), stt=("tt", "sum"),
        stv=("tv", "sum"), svv=("vv", "sum"),
    )  # fmt: skip
    n = s["n"].to_numpy(dtype=float)
    sxx = s["stt"] - s["st"] ** 2 / n
    sxy = s["stv"] - s["st"] * s["sv"] / n
    syy = s["svv"] - s["sv"] ** 2 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (sxy / sxx).to_numpy()
        rss = np.clip((syy - slope * sxy).to_numpy(), 0, None)
        se = np.sqrt(rss / (n - 2) / sxx.to_numpy())
        q = student_t.ppf(1 - alpha / 2, np.maximum(n - 2, 1))
    mean = (s["sv"] / n).to_numpy()
    enough = (n >= min_baskets) & (sxx.to_numpy() > 0)
    low, high = slope - q * se, slope + q * se
    trend = np.select([~enough, low > 0, high < 0], ["too few baskets", "up", "down"], "stable")
    out = pd.DataFrame(
        {
            "n_baskets": n.astype("int64"),
            "mean_basket": mean,
            "slope": np.where(enough, slope, np.nan),
            "slope_lower": np.where(enough, low, np.nan),
            "slope_upper": np.where(enough, high, np.nan),
            "relative_slope": np.where(enough, slope / mean, np.nan),
            "trend": pd.Categorical(trend, categories=["up", "stable", "down", "too few baskets"]),
        },
        index=s.index,
    )
    out.index.name = "customer_id"
    out.attrs["alpha"] = alpha
    return out


def upselling_summary(trends: pd.DataFrame) -> pd.DataFrame:
    """Customers, mean basket and mean slope by up-selling trend.

    Parameters
    ----------
    trends : DataFrame
        :func:`upselling_trends` output.

    Returns
    -------
    DataFrame
        Index ``trend``; ``customers``, ``share``, ``mean_basket``, ``mean_slope``,
        ``mean_relative_slope``.
    """
    g = trends.groupby("trend", observed=False)
    out = pd.DataFrame(
        {
            "customers": g.size(),
            "mean_basket": g["mean_basket"].mean(),
            "mean_slope": g["slope"].mean(),
            "mean_relative_slope": g["relative_slope"].mean(),
        }
    )
    out.insert(1, "share", out["customers"] / out["customers"].sum())
    return out
