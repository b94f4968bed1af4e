"""Distinct rows and their weights: the compression behind every crmlab fit and score.

Identical customers contribute identical likelihood terms and identical predictions, so fits
run on the distinct rows with their counts as weights (:func:`compress`) and predictions are
evaluated once per distinct row and broadcast back (:func:`distinct_rows`). Rows are found by
hashing each column (``pandas.factorize``) and combining the codes, several times faster than
a lexicographic sort at 10^5-10^6 rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["compress", "distinct_rows", "dot", "unique_rows"]

#: :func:`compress` keeps the rows unmerged when a column is distinct in more than this share.
_MERGE_BELOW = 0.9


#: Below this length :func:`dot` uses BLAS (single-threaded there, and without np.sum's
#: call overhead, which dominates the many short per-distinct-value sums of a fit).
_SHORT_DOT = 4096


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of ``a * b``, without BLAS for long vectors.

    OpenBLAS runs long dot products on several threads whose spinning competes with the
    optimiser on small machines (a tenfold slowdown measured on 2 cores); the likelihood sums
    here are memory-bound anyway. Short vectors (per distinct frequency or T) go to ``np.dot``.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 1 and a.shape == b.shape and a.size < _SHORT_DOT:
        return float(np.dot(a, b))
    return float(np.add.reduce(a * b, axis=None))


def distinct_rows(
    *columns: np.ndarray, merge_below: float | None = None, sort: bool = True
) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of equal-length 1-d ``columns`` (sorted) and the inverse index of every row.

    Each column is factorised by hashing (codes in the sorted order of its values) and the codes
    are combined column by column into one integer key, renumbered after each column through a
    table of the possible keys (or a sort when that table would be large), so the key order is
    the lexicographic order of the rows. Returns the distinct columns and, for every input row,
    the position of its distinct row.

    ``merge_below`` (a share of the rows): when one column alone holds more distinct values
    than that share, merging cannot pay, and the rows are returned as they are (unsorted, the
    inverse the identity). ``sort=False`` returns the distinct rows in the order of their
    first appearance instead (faster: every key is hashed, nothing is sorted).
    """
    n = len(columns[0]) if columns else 0
    if n == 0 or not columns:
        return [np.asarray(c, dtype=float)[:1] if n else np.asarray(c) for c in columns], (
            np.zeros(n, dtype=np.intp)
        )
    key = np.zeros(n, dtype=np.intp)
    card = 1
    for col in columns:
        codes, uniques = pd.factorize(np.ascontiguousarray(col), use_na_sentinel=False)
        if merge_below is not None and len(uniques) > merge_below * n:
            return [np.asarray(c) for c in columns], np.arange(n, dtype=np.intp)
        if not sort:
            combined = key * len(uniques) + codes
            codes_k, distinct = pd.factorize(combined)
            key, card = codes_k.astype(np.intp, copy=False), len(distinct)
            continue
        order = np.argsort(uniques, kind="stable")
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        codes = rank[codes]
        size = card * len(uniques)
        combined = key * len(uniques) + codes
        if size <= 4 * n:
            present = np.zeros(size, dtype=bool)
            present[combined] = True
            rank = np.cumsum(present, dtype=np.intp) - 1
            key = rank[combined]
            card = int(rank[-1]) + 1
        else:  # hash the keys, sort only the distinct ones
            key, distinct = pd.factorize(combined, sort=True)
            key = key.astype(np.intp, copy=False)
            card = len(distinct)
    first = np.empty(card, dtype=np.intp)
    first[key[::-1]] = np.arange(n - 1, -1, -1)
    return [np.asarray(col)[first] for col in columns], key


def unique_rows(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a 2-d float array (sorted) and the inverse index of every row.

    Same result as ``np.unique(stacked, axis=0, return_inverse=True)``, by hashing the columns
    (:func:`distinct_rows`; several times faster than sorting the rows at 10^5-10^6 rows).
    """
    if stacked.shape[0] == 0 or stacked.shape[1] == 0:
        n = stacked.shape[0]
        return stacked[: min(n, 1)], np.zeros(n, dtype=np.intp)
    cols, inverse = distinct_rows(*(stacked[:, j] for j in range(stacked.shape[1])))
    return np.column_stack(cols), inverse


def compress(*columns: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of the stacked ``columns`` and the summed weights of each.

    Returns the distinct columns (one array each, rows sorted as ``np.unique`` sorts them: the
    optimiser then sees the same sums whatever the input order) and their weights; rows with
    zero weight drop. When one column holds distinct values in more than 90 % of the rows (e.g. a continuous
    mean spend) merging cannot pay and the rows are kept as they are.
    """
    keep = weights > 0
    if not columns:
        total = float(weights[keep].sum())
        return [], np.array([total]) if keep.any() else np.zeros(0)
    if not keep.all():
        columns = tuple(np.asarray(c)[keep] for c in columns)
        weights = weights[keep]
    unique, inverse = distinct_rows(
        *(np.asarray(c, dtype=float) for c in columns), merge_below=_MERGE_BELOW
    )
    w = np.bincount(inverse, weights=weights, minlength=len(unique[0]))
    return [np.ascontiguousarray(u) for u in unique], w
