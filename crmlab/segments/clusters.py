"""Data-driven customer segments: features, k-means or Gaussian-mixture clusters, stability.

The number of clusters is chosen by the silhouette (Rousseeuw 1987) or the BIC (Schwarz 1978);
stability is the adjusted Rand index (Hubert & Arabie 1985) between the full-data labels and
those of models refitted on bootstrap resamples (Hennig 2007).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlab.checks import check_choice, check_count, check_number, check_seed
from crmlab.errors import DataError, ParameterError
from crmlab.transactions import check_transactions

__all__ = ["WEAK_SILHOUETTE", "ClusterResult", "cluster_customers", "customer_features"]

#: Mean silhouette below which a partition has no substantial structure (Kaufman & Rousseeuw
#: 1990, ch. 2: 0.26-0.50 weak, 0.51-0.70 reasonable, above 0.70 strong; below 0.25 none
#: substantial).
WEAK_SILHOUETTE = 0.25


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
    frame = check_transactions(transactions)
    end = (
        frame["date"].max().normalize()
        if observation_end is None
        else pd.Timestamp(observation_end).normalize()
    )
    keep = (frame["date"] <= end).to_numpy()
    frame = frame.loc[keep]
    # Customers as integer codes (sorted ids, the order of a sorted groupby): the groupings below
    # add the same amounts in the same order as grouping by the ids, without hashing strings.
    codes, customers = pd.factorize(frame["customer_id"], sort=True)
    amount = frame["amount"].to_numpy()
    daily = pd.Series(amount).groupby([codes, frame["date"].to_numpy()], sort=True).sum()
    day_customer = daily.index.get_level_values(0).to_numpy()
    g = daily.groupby(day_customer, sort=True)
    last = pd.Series(daily.index.get_level_values(1), index=day_customer).groupby(level=0).max()
    out = pd.DataFrame(
        {
            "log_recency": np.log1p((end - last).dt.days.to_numpy(dtype=float)),
            "log_frequency": np.log(g.size().to_numpy(dtype=float)),
            "log_monetary": np.log1p(np.clip(g.mean().to_numpy(dtype=float), 0, None)),
        },
        index=pd.Index(customers, name="customer_id"),
    )
    if category_column is not None and category_column in transactions.columns:
        column = transactions[category_column]
        if column.isna().any():  # labels "nan" / missing as before: the label path
            shares = _category_shares_by_label(frame, column, keep, out.index, top_categories)
        else:
            shares = _category_shares(frame, column, keep, codes, out.index, top_categories)
        out = out.join(shares)
    if clv is not None:
        values = pd.Series(clv).reindex(out.index).fillna(0.0).to_numpy(dtype=float)
        out["log_clv"] = np.log1p(np.clip(values, 0, None))
    out.index.name = "customer_id"
    return out


def _category_shares_by_label(
    frame: pd.DataFrame, column: pd.Series, keep: np.ndarray, index: pd.Index, top: int
) -> pd.DataFrame:
    """Spend shares of the ``top`` largest categories and ``other`` per customer (string labels)."""
    cat = pd.Series(column.to_numpy()[keep], index=frame.index).astype(str)
    totals = frame.groupby(cat.to_numpy())["amount"].sum().sort_values(ascending=False)
    kept = list(totals.index[: int(top)])
    label = np.where(cat.isin(kept), cat, "other")
    spend = (
        frame.assign(_cat=label)
        .pivot_table(
            index="customer_id", columns="_cat", values="amount", aggfunc="sum", fill_value=0
        )
        .reindex(index=index, columns=[*kept, "other"], fill_value=0.0)
    )
    return _shares(spend)


def _category_shares(
    frame: pd.DataFrame,
    column: pd.Series,
    keep: np.ndarray,
    customer: np.ndarray,
    index: pd.Index,
    top: int,
) -> pd.DataFrame:
    """What :func:`_category_shares_by_label` returns, from integer codes (no missing labels).

    Categories are coded once, their labels turned to text on the distinct values only (equal
    texts merged, as ``astype(str)`` of the lines merges them); sums run over the same amounts in
    the same order as the label version, so the shares are identical.
    """
    raw_codes, uniques = pd.factorize(column.to_numpy()[keep])
    text_codes, labels = pd.factorize(pd.Index(uniques).astype(str))
    cat = text_codes[raw_codes]
    amount = pd.Series(frame["amount"].to_numpy())
    sums = amount.groupby(cat, sort=True).sum()
    totals = pd.Series(sums.to_numpy(), index=labels[sums.index.to_numpy()]).sort_index()
    totals = totals.sort_values(ascending=False)
    kept = list(totals.index[: int(top)])
    column_of = np.full(len(labels), len(kept))  # "other"
    column_of[pd.Index(labels).get_indexer(kept)] = np.arange(len(kept))
    col = column_of[cat]
    n_cols = len(kept) + 1
    cell = amount.groupby(customer * n_cols + col, sort=True).sum()
    matrix = np.zeros((len(index), n_cols))
    keys = cell.index.to_numpy()
    matrix[keys // n_cols, keys % n_cols] = cell.to_numpy()
    # copy=False keeps the (customers, columns) layout of a pivot table's block: the row sums of
    # _shares then add in the same order as for the label version (identical, not 1 ulp off)
    spend = pd.DataFrame(matrix, index=index, columns=[*kept, "other"], copy=False)
    return _shares(spend)


def _shares(spend: pd.DataFrame) -> pd.DataFrame:
    spend = spend.clip(lower=0)
    total = spend.sum(axis=1).replace(0, np.nan)
    shares = spend.div(total, axis=0).fillna(0.0)
    shares.columns = [f"share_{c}" for c in shares.columns]
    return shares


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
    differences : DataFrame
        Index ``cluster``; for every feature the standardised difference
        :math:`(\\bar x_k - \\bar x) / s`: the cluster's mean minus the mean of all customers, in
        standard deviations :math:`s` of all customers (a z-score of the cluster mean; 0.2 is
        small, 0.5 medium, 0.8 large by Cohen's 1988 convention).
    """

    labels: pd.DataFrame
    profiles: pd.DataFrame
    selection_curve: pd.DataFrame
    stability: pd.DataFrame
    k: int
    method: str
    model: Any = field(repr=False)
    differences: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def silhouette(self) -> float:
        """Mean silhouette of the chosen partition (NaN for mixtures or one cluster)."""
        curve = self.selection_curve
        if "silhouette" not in curve or not curve["chosen"].any():
            return float("nan")
        return float(curve.loc[curve["chosen"], "silhouette"].iloc[0])

    @property
    def weak_structure(self) -> bool:
        """Whether the mean silhouette is below :data:`WEAK_SILHOUETTE` (0.25)."""
        return bool(self.silhouette < WEAK_SILHOUETTE)

    def structure_note(self) -> str:
        """A sentence on the strength of the clusters' structure (empty when it is not weak).

        Below a mean silhouette of 0.25 customers form a continuum more than separate groups
        (Kaufman & Rousseeuw 1990): the clusters are then a convenient split of that continuum,
        and a high bootstrap stability shows the split is reproducible, not that the groups are
        natural.
        """
        if not self.weak_structure:
            return ""
        from crmlab import text

        return (
            f"Weak structure: the mean silhouette of the {self.k} clusters is "
            f"{text.number(self.silhouette, 2)}, below {text.number(WEAK_SILHOUETTE, 2)} "
            "(Kaufman & Rousseeuw's rule of thumb): customers form a continuum more than "
            "separate groups, so read the clusters as a convenient split of it; their bootstrap "
            "stability shows the split is reproducible, not that the groups are natural."
        )

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

    check_choice(method, "method", ("kmeans", "gmm"))
    check_seed(seed)
    check_count(n_bootstrap, "n_bootstrap", minimum=0)
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
        k = check_count(k, "k")
        check_number(k, "k", low=1, high=n)
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
    spread = features.std(axis=0, ddof=1).replace(0, np.nan)
    differences = ((grouped.mean() - features.mean(axis=0)) / spread).fillna(0.0)
    differences.index.name = "cluster"
    return ClusterResult(
        labels=labels,
        profiles=profiles,
        selection_curve=curve,
        stability=stability,
        k=k,
        method=method,
        model=model,
        differences=differences,
    )
