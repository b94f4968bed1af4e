"""Customer segments and the customer portfolio: clusters, strategies, key accounts, levels.

- :func:`customer_features` and :func:`cluster_customers`: data-driven segments (k-means or a
  Gaussian mixture on standardised log RFM, CLV and category shares), the number of clusters
  chosen by the silhouette (Rousseeuw 1987) or the BIC (Schwarz 1978), profiles, and stability as
  the adjusted Rand index (Hubert & Arabie 1985) between the full-data labels and those of models
  refitted on bootstrap resamples (Hennig 2007).
- :func:`relationship_portfolio`: each customer placed by current and future value into one of
  four strategies (Turnbull 1990; Ryals 2005, "managing customers profitably").
- :func:`key_accounts`: the most valuable customers and their share of value (concentration).
- :func:`relationship_levels`: Kotler's five levels of relationship (basic, reactive,
  accountable, proactive, partnership) from value and interaction intensity (Kotler & Keller
  2016, ch. 5; Kotler & Armstrong 1996).

References
----------
Hennig, C. (2007). Cluster-wise assessment of cluster stability. Computational Statistics & Data
Analysis 52(1), 258-271.
Hubert, L. and Arabie, P. (1985). Comparing partitions. Journal of Classification 2, 193-218.
Kotler, P. and Keller, K. L. (2016). Marketing Management, 15th ed. Pearson, chapter 5.
Rousseeuw, P. J. (1987). Silhouettes. Journal of Computational and Applied Mathematics 20, 53-65.
Ryals, L. (2005). Making Customer Relationship Management Work: The Measurement and Profitable
Management of Customer Relationships. Journal of Marketing 69(4), 252-261.
Schwarz, G. (1978). Estimating the dimension of a model. Annals of Statistics 6(2), 461-464.
Turnbull, P. W. (1990). A review of portfolio planning models for industrial marketing and
purchasing management. European Journal of Marketing 24(3), 7-22.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions as _check_transactions

__all__ = [
    "RELATIONSHIP_LEVEL_RULES",
    "STRATEGIES",
    "ClusterResult",
    "cluster_customers",
    "concentration_curve",
    "customer_features",
    "key_accounts",
    "portfolio_findings",
    "portfolio_summary",
    "relationship_levels",
    "relationship_portfolio",
]


# --------------------------------------------------------------------------------------------
# features and clusters
# --------------------------------------------------------------------------------------------


def customer_features(
    transactions: pd.DataFrame,
    clv: pd.Series | None = None,
    category_column: str | None = "category",
    top_categories: int = 8,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Per-customer features for clustering: log RFM, category shares and CLV.

    Parameters
    ----------
    transactions : DataFrame
        The transactions contract (``customer_id``, ``date``, ``amount``); ``category_column``
        when present. Not modified.
    clv : Series, optional
        Predicted customer lifetime value indexed by ``customer_id`` (e.g. from
        :func:`crmlab.clv.customer_lifetime_value`); added as ``log_clv`` (missing values = 0).
    category_column : str or None
        Column of categories whose spend shares become features; ``None`` or absent: none.
    top_categories : int
        Number of largest categories (by revenue) kept as their own share; the rest is pooled
        into ``share_other``.
    observation_end : date-like, optional
        Reference day for recency. Default: the last date in the data.

    Returns
    -------
    DataFrame
        Index ``customer_id``; columns ``log_recency`` (:math:`\\log(1 + \\text{days since last
        purchase})`), ``log_frequency`` (:math:`\\log` of distinct purchase days),
        ``log_monetary`` (:math:`\\log(1 + \\text{mean spend per purchase day})`), then
        ``share_<category>`` (share of the customer's spend, summing to 1 with ``share_other``),
        then ``log_clv`` (:math:`\\log(1 + \\max(CLV, 0))`) when ``clv`` is given. Recency,
        frequency and monetary value are the RFM measures of Hughes (1994); logs tame their skew
        before standardisation.
    """
    frame = _check_transactions(transactions)
    end = (
        frame["date"].max().normalize()
        if observation_end is None
        else pd.Timestamp(observation_end).normalize()
    )
    keep = (frame["date"] <= end).to_numpy()
    frame = frame.loc[keep]
    daily = (
        frame.rename(columns={"date": "day"})
        .groupby(["customer_id", "day"], sort=True)["amount"]
        .sum()
    )
    days = daily.reset_index()
    g = days.groupby("customer_id", sort=True)
    last = g["day"].max()
    out = pd.DataFrame(
        {
            "log_recency": np.log1p((end - last).dt.days.to_numpy(dtype=float)),
            "log_frequency": np.log(g.size().to_numpy(dtype=float)),
            "log_monetary": np.log1p(np.clip(g["amount"].mean().to_numpy(dtype=float), 0, None)),
        },
        index=last.index,
    )
    if category_column is not None and category_column in transactions.columns:
        cat = pd.Series(transactions[category_column].to_numpy()[keep], index=frame.index).astype(
            str
        )
        totals = frame.groupby(cat.to_numpy())["amount"].sum().sort_values(ascending=False)
        top = list(totals.index[: int(top_categories)])
        label = np.where(cat.isin(top), cat, "other")
        spend = (
            frame.assign(_cat=label)
            .pivot_table(
                index="customer_id", columns="_cat", values="amount", aggfunc="sum", fill_value=0
            )
            .reindex(index=out.index, columns=[*top, "other"], fill_value=0.0)
            .clip(lower=0)
        )
        total = spend.sum(axis=1).replace(0, np.nan)
        shares = spend.div(total, axis=0).fillna(0.0)
        shares.columns = [f"share_{c}" for c in shares.columns]
        out = out.join(shares)
    if clv is not None:
        values = pd.Series(clv).reindex(out.index).fillna(0.0).to_numpy(dtype=float)
        out["log_clv"] = np.log1p(np.clip(values, 0, None))
    out.index.name = "customer_id"
    return out


@dataclass
class ClusterResult:
    """What :func:`cluster_customers` returns.

    Attributes
    ----------
    labels : DataFrame
        Indexed like the features; column ``cluster`` (int, 0 = the largest cluster).
    profiles : DataFrame
        Index ``cluster``; ``customers``, ``share`` (of customers), the mean of every feature on
        its original scale and, when revenue or profit were given, ``revenue_share`` and
        ``profit_share`` (the cluster's share of the total).
    selection_curve : DataFrame
        Index ``k``; column ``silhouette`` (k-means: higher is better) or ``bic`` (mixtures: lower
        is better) and ``chosen`` (bool). One row when ``k`` was fixed.
    stability : DataFrame
        Index ``resample``; ``ari``: adjusted Rand index between the full-data labels and the
        labels a model refitted on a bootstrap resample gives every customer (1 = identical
        partition, 0 = chance agreement; Hubert & Arabie 1985).
    k : int
        Number of clusters.
    method : str
        ``"kmeans"`` or ``"gmm"``.
    model : object
        The fitted scikit-learn estimator (on standardised features).
    """

    labels: pd.DataFrame
    profiles: pd.DataFrame
    selection_curve: pd.DataFrame
    stability: pd.DataFrame
    k: int
    method: str
    model: Any = field(repr=False)

    @property
    def mean_stability(self) -> float:
        """Mean adjusted Rand index over the bootstrap resamples (NaN without resamples)."""
        return float(self.stability["ari"].mean()) if len(self.stability) else float("nan")

    def crosstab(self, other: pd.Series, normalize: bool | str = False) -> pd.DataFrame:
        """Cluster against another labelling (RFM segments, channel, ...).

        Parameters
        ----------
        other : Series
            Labels indexed by customer (customers missing from either side are left out).
        normalize : bool or {"index", "columns", "all"}
            As in :func:`pandas.crosstab`: ``"index"`` gives each cluster's composition.

        Returns
        -------
        DataFrame
            Rows ``cluster``, columns the values of ``other``; counts or shares.
        """
        other = pd.Series(other)
        joined = self.labels[["cluster"]].join(other.rename("_other"), how="inner")
        out = pd.crosstab(joined["cluster"], joined["_other"], normalize=normalize)
        out.columns.name = other.name
        return out


def _make_model(method: str, k: int, seed: int) -> Any:
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=10, random_state=seed)
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(n_components=k, covariance_type="full", n_init=3, random_state=seed)


def cluster_customers(
    features: pd.DataFrame,
    k: int | None = None,
    method: str = "kmeans",
    seed: int = 0,
    k_range: Sequence[int] = range(2, 9),
    n_bootstrap: int = 20,
    revenue: pd.Series | None = None,
    profit: pd.Series | None = None,
) -> ClusterResult:
    """Cluster customers with k-means or a Gaussian mixture on standardised features.

    Each feature is standardised to mean 0 and standard deviation 1, so that no feature weighs
    more because of its unit. With ``k=None`` the number of clusters is the one in ``k_range``
    with the highest mean silhouette (k-means; Rousseeuw 1987: :math:`s_i = (b_i - a_i) /
    \\max(a_i, b_i)`, :math:`a_i` the mean distance to the own cluster, :math:`b_i` to the
    nearest other) or the lowest BIC (mixtures; :math:`BIC = -2 \\log L + p \\log n`, Schwarz
    1978). Stability: ``n_bootstrap`` resamples of customers (with replacement), the model refitted
    on each and used to label every customer; the adjusted Rand index against the full-data
    labels (Hennig 2007) measures how reproducible the partition is.

    Parameters
    ----------
    features : DataFrame
        One row per customer, numeric columns (e.g. :func:`customer_features`); no missing values.
    k : int, optional
        Number of clusters; ``None`` (or 0) chooses it.
    method : {"kmeans", "gmm"}
        k-means (Lloyd's algorithm, 10 starts) or a full-covariance Gaussian mixture (3 starts).
    seed : int
        Seed of every random draw: same input and seed, same labels.
    k_range : sequence of int
        Candidates when choosing ``k``.
    n_bootstrap : int
        Bootstrap resamples for the stability (0 skips it).
    revenue, profit : Series, optional
        Per-customer revenue and profit (indexed like ``features``) for the profiles' shares.

    Returns
    -------
    ClusterResult
        Labels, profiles, the selection curve, the stability and the fitted model.
    """
    import sklearn.cluster  # load the OpenMP runtime before limiting it
    import sklearn.mixture  # noqa: F401
    from threadpoolctl import threadpool_limits

    # one BLAS/OpenMP thread: on small data, thread start-up costs more than the fits themselves
    # (seen: 5 s instead of 0.02 s per k-means fit on a busy 2-core machine)
    with threadpool_limits(1):
        return _cluster(features, k, method, seed, k_range, n_bootstrap, revenue, profit)


def _cluster(
    features: pd.DataFrame,
    k: int | None,
    method: str,
    seed: int,
    k_range: Sequence[int],
    n_bootstrap: int,
    revenue: pd.Series | None,
    profit: pd.Series | None,
) -> ClusterResult:
    from sklearn.metrics import adjusted_rand_score, silhouette_score
    from sklearn.preprocessing import StandardScaler

    if method not in ("kmeans", "gmm"):
        raise ParameterError(
            f"method must be 'kmeans' or 'gmm', got {method!r}.", parameter="method"
        )
    if not isinstance(features, pd.DataFrame) or features.empty:
        raise DataError("features must be a non-empty DataFrame, one row per customer.")
    numeric = features.select_dtypes("number")
    other = [c for c in features.columns if c not in numeric.columns]
    if other:
        raise DataError(
            f"features must be numeric; columns {other[:5]} are not. Drop or encode them.",
            column=str(other[0]),
        )
    bad = features.index[features.isna().any(axis=1)]
    if len(bad):
        raise DataError(
            f"features have missing values in {len(bad)} row(s), e.g. {list(bad[:5])}; fill or "
            "drop them before clustering.",
            rows=list(bad[:5]),
        )
    n = len(features)
    x = StandardScaler().fit_transform(features.to_numpy(dtype=float))
    x = np.nan_to_num(x)  # constant columns give 0/0
    rng = np.random.default_rng(seed)
    if k is None or int(k) == 0:
        candidates = [int(c) for c in k_range if 2 <= int(c) < n]
        if not candidates:
            raise ParameterError(
                f"k_range has no usable number of clusters for {n} customers.",
                parameter="k_range",
            )
        scores = []
        sample = min(n, 3000)
        for c in candidates:
            model = _make_model(method, c, seed).fit(x)
            if method == "kmeans":
                scores.append(
                    silhouette_score(x, model.labels_, sample_size=sample, random_state=seed)
                )
            else:
                scores.append(model.bic(x))
        scores = np.asarray(scores)
        best = int(np.argmax(scores) if method == "kmeans" else np.argmin(scores))
        k = candidates[best]
        curve = pd.DataFrame(
            {"silhouette" if method == "kmeans" else "bic": scores},
            index=pd.Index(candidates, name="k"),
        )
        curve["chosen"] = curve.index == k
    else:
        k = int(k)
        if not 1 <= k <= n:
            raise ParameterError(f"k must be between 1 and {n}, got {k}.", parameter="k")
        curve = None
    model = _make_model(method, k, seed).fit(x)
    raw = model.predict(x)
    # relabel: 0 = largest cluster (ties by first appearance), so labels do not depend on the
    # estimator's arbitrary numbering
    counts = np.bincount(raw, minlength=k)
    order = np.lexsort((np.arange(k), -counts))
    mapping = np.empty(k, dtype=int)
    mapping[order] = np.arange(k)
    labels_arr = mapping[raw]
    if curve is None:
        if method == "kmeans" and 2 <= k < n:
            value = silhouette_score(x, labels_arr, sample_size=min(n, 3000), random_state=seed)
            curve = pd.DataFrame({"silhouette": [value]}, index=pd.Index([k], name="k"))
        else:
            curve = pd.DataFrame({"bic": [model.bic(x)] if method == "gmm" else [np.nan]})
            curve.index = pd.Index([k], name="k")
        curve["chosen"] = True
    aris = []
    for _ in range(int(n_bootstrap)):
        idx = rng.integers(0, n, n)
        refit = _make_model(method, k, int(rng.integers(0, 2**31 - 1))).fit(x[idx])
        aris.append(adjusted_rand_score(labels_arr, refit.predict(x)))
    stability = pd.DataFrame({"ari": aris}, index=pd.RangeIndex(len(aris), name="resample"))

    labels = pd.DataFrame({"cluster": labels_arr}, index=features.index)
    grouped = features.groupby(labels_arr)
    profiles = grouped.mean()
    profiles.insert(0, "customers", grouped.size())
    profiles.insert(1, "share", profiles["customers"] / n)
    for name, values in (("revenue", revenue), ("profit", profit)):
        if values is not None:
            v = pd.Series(values).reindex(features.index).fillna(0.0).to_numpy(dtype=float)
            sums = pd.Series(v).groupby(labels_arr).sum()
            total = v.sum()
            profiles[f"{name}_share"] = sums / total if total != 0 else np.nan
    profiles.index.name = "cluster"
    return ClusterResult(
        labels=labels,
        profiles=profiles,
        selection_curve=curve,
        stability=stability,
        k=k,
        method=method,
        model=model,
    )


# --------------------------------------------------------------------------------------------
# relationship portfolio, key accounts, levels
# --------------------------------------------------------------------------------------------

#: The four strategies of the relationship portfolio, by (current value high, future value high).
STRATEGIES = pd.DataFrame(
    {
        "strategy": ["key account", "develop", "harvest", "reduce cost to serve"],
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
        q = float(rule["quantile"])
        if not 0 < q < 1:
            raise ParameterError(f"quantile must be in (0, 1), got {q}.", parameter="thresholds")
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
    key account (maintain)  high            high
    develop                 low             high
    harvest                 high            low
    reduce cost to serve    low             low
    ======================  ==============  =============

    (:data:`STRATEGIES` has the actions.)

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
        ["key account", "develop", "harvest"],
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
        if not 0 < float(p) <= 1:
            raise ParameterError(f"top shares must be in (0, 1], got {p}.", parameter="top_shares")
        m = max(1, int(np.ceil(float(p) * len(v))))
        rows.append((float(p), m, cum[m - 1] / total if total != 0 else np.nan))
    out = pd.DataFrame(rows, columns=["top_share", "customers", "value_share"])
    return out.set_index("top_share")


def key_accounts(values: pd.Series, top_share: float = 0.2) -> pd.DataFrame:
    """The key-account list: the top ``top_share`` of customers by value.

    Parameters
    ----------
    values : Series
        Value per customer (margin, revenue or CLV), indexed by ``customer_id``.
    top_share : float
        Share of customers, in (0, 1], that are key accounts (:math:`\\lceil pN \\rceil`
        customers; ties at the cut are broken by the order of ``values``).

    Returns
    -------
    DataFrame
        The key accounts, best first. Index ``customer_id``; ``value``, ``rank`` (1 = best),
        ``value_share`` (share of all customers' value) and ``cumulative_share``.
        ``attrs``: ``customer_share`` (the key accounts' share of customers), ``value_share``
        (their share of value: the concentration) and ``n_customers`` (all customers).
    """
    if not 0 < float(top_share) <= 1:
        raise ParameterError(
            f"top_share must be in (0, 1], got {top_share!r}.", parameter="top_share"
        )
    v = pd.Series(values, dtype=float).dropna()
    n = len(v)
    m = max(1, int(np.ceil(float(top_share) * n)))
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
    out["cumulative_share"] = out["value_share"].cumsum()
    out.index.name = v.index.name or "customer_id"
    out.attrs.update(
        customer_share=m / n,
        value_share=float(top.sum() / total) if total else float("nan"),
        n_customers=n,
    )
    return out


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


# --------------------------------------------------------------------------------------------
# findings
# --------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _money(x: float) -> str:
    return f"-${-x:,.2f}" if x < 0 else f"${x:,.2f}"


def portfolio_findings(
    clusters: ClusterResult | None = None,
    portfolio: pd.DataFrame | None = None,
    key: pd.DataFrame | None = None,
    categories: pd.DataFrame | None = None,
    rules: pd.DataFrame | None = None,
    tiers: Any = None,
    effect: Any = None,
    loyalty: pd.DataFrame | None = None,
    channel_mix: pd.DataFrame | None = None,
) -> list[str]:
    """Plain-language key findings of the customer-portfolio analysis, computed from its tables.

    Parameters
    ----------
    clusters : ClusterResult, optional
        :func:`cluster_customers` output (with ``revenue_share`` in the profiles when given).
    portfolio : DataFrame, optional
        :func:`portfolio_summary` output.
    key : DataFrame, optional
        :func:`key_accounts` output.
    categories : DataFrame, optional
        :func:`crmlab.profitability.category_profitability` output.
    rules : DataFrame, optional
        :func:`crmlab.profitability.category_associations` output.
    tiers : PriceTiers, optional
        :func:`crmlab.profitability.price_tiers` output.
    effect : CampaignEffect, optional
        :func:`crmlab.programmes.campaign_effect` output.
    loyalty : DataFrame, optional
        :func:`crmlab.programmes.loyalty_usage_summary` output.
    channel_mix : DataFrame, optional
        :func:`crmlab.channels.channel_mix` output.

    Returns
    -------
    list of str
        One Markdown sentence per finding.
    """
    out: list[str] = []
    if clusters is not None:
        p = clusters.profiles
        text = (
            f"The customers fall into **{clusters.k} clusters** (largest: "
            f"{_pct(p['share'].max())} of customers); refitted on bootstrap resamples the "
            f"partition is reproduced with a mean adjusted Rand index of "
            f"{clusters.mean_stability:.2f}"
        )
        if "revenue_share" in p:
            best = p["revenue_share"].idxmax()
            text += (
                f"; cluster {best} brings {_pct(p.loc[best, 'revenue_share'])} of revenue from "
                f"{_pct(p.loc[best, 'share'])} of customers"
            )
        out.append(text + ".")
    if portfolio is not None and len(portfolio):
        ka = portfolio.loc["key account"] if "key account" in portfolio.index else None
        dev = portfolio.loc["develop"] if "develop" in portfolio.index else None
        if ka is not None and dev is not None:
            out.append(
                f"The **key-account** quadrant (current and future value above the thresholds) "
                f"holds {_pct(ka['share'])} of "
                f"customers with {_pct(ka['current_value_share'])} of current value; "
                f"{_pct(dev['share'])} are customers to **develop** (low now, high potential)."
            )
    if key is not None and len(key):
        out.append(
            f"The key-account list -- the top {_pct(key.attrs['customer_share'])} of customers "
            f"by value, {len(key):,} customers -- holds **{_pct(key.attrs['value_share'])} of "
            "value**."
        )
    if categories is not None and len(categories):
        top = categories["revenue"].idxmax()
        text = (
            f"**{top}** is the largest {categories.index.name or 'category'} "
            f"({_pct(categories.loc[top, 'revenue_share'])} of revenue)"
        )
        if "discount" in categories and categories["discount"].sum() > 0:
            ratio = categories["discount"].sum() / (
                categories["revenue"].sum() + categories["discount"].sum()
            )
            text += (
                f"; loyalty and coupon discounts cost {_pct(ratio)} of the shelf value "
                f"(${categories['discount'].sum():,.0f})"
            )
        out.append(text + ".")
    if tiers is not None:
        test = tiers.test.iloc[0]
        shares = tiers.shares
        prem = shares.columns[-1]
        p_text = "p < 0.001" if test["p_value"] < 0.001 else f"p = {test['p_value']:.3f}"
        strength = (
            "a negligible association: the best customers do not particularly prefer them"
            if test["cramers_v"] < 0.1
            else "the tier mix differs between deciles"
        )
        out.append(
            f"The best value decile spends {_pct(shares.iloc[-1][prem])} on {prem} lines "
            f"against {_pct(shares.iloc[0][prem])} in the lowest decile (chi-square {p_text}, "
            f"Cramér's V = {test['cramers_v']:.2f}: {strength})."
        )
    if rules is not None and len(rules):
        r = rules.iloc[0]
        out.append(
            f"The strongest cross-sell association: baskets with **{r['antecedent']}** contain "
            f"**{r['consequent']}** {r['lift']:.1f} times as often as baskets at large "
            f"(confidence {_pct(r['confidence'])})."
        )
    if loyalty is not None and len(loyalty) > 1 and "retention" in loyalty:
        tiers_used = [t for t in loyalty.index if t != "none"] or list(loyalty.index)
        hi, lo = tiers_used[-1], tiers_used[0]
        if hi != lo:
            out.append(
                f"Households in the {hi} loyalty-usage tier keep buying at a rate of "
                f"{_pct(loyalty.loc[hi, 'retention'])} against "
                f"{_pct(loyalty.loc[lo, 'retention'])} in the {lo} tier; discounts cost "
                f"{_pct(loyalty.loc[hi, 'discount_rate'])} of their shelf value (an association, "
                "not an effect)."
            )
    if effect is not None:
        s = effect.summary.iloc[0]
        cid = effect.summary["campaign_id"].iloc[0]
        sig = (
            "the interval includes zero"
            if s["low"] <= 0 <= s["high"]
            else "the interval excludes zero"
        )
        out.append(
            f"Campaign {cid}: receiving households changed their weekly spend by "
            f"**{_money(s['estimate'])}** (95% interval {_money(s['low'])} to "
            f"{_money(s['high'])}; {sig}) relative to the others, while the naive post-campaign "
            f"gap is {_money(s['naive_difference'])}: targeted households already spent "
            "differently, and the estimate assumes parallel trends."
        )
    if channel_mix is not None and len(channel_mix):
        share_cols = [c for c in channel_mix.columns if c.startswith("share_")]
        if share_cols and "channel" in channel_mix.index.names:
            by = channel_mix.groupby(level="channel", observed=True)[share_cols].mean()
            parts = [
                f"{ch}: {by.loc[ch].idxmax().removeprefix('share_')} ({_pct(by.loc[ch].max())})"
                for ch in by.index
            ]
            out.append("Largest share of spend by channel: " + "; ".join(parts) + ".")
    return out
