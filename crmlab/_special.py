"""Every Gauss hypergeometric function crmlab uses, in one place.

Log-space series with the derivatives the buy-till-you-die likelihoods need, and the
``2F1(1, b; c; z)`` of the shifted-beta-geometric retention model.

``scipy.special.hyp2f1`` loses accuracy for large first/second parameters (many repeat purchases)
and gives no derivatives, so the buy-till-you-die models use the power series directly. Every
series used here has positive terms (all parameters positive and ``0 <= z < 1``), so it is summed
in log space without cancellation, in blocks of terms until the remaining tail is below machine
precision (tail bounded by a geometric series with the current term ratio).

References
----------
Abramowitz, M. and Stegun, I. A. (1972). Handbook of Mathematical Functions, 15.1.1.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1, logsumexp

__all__ = [
    "hyp2f1_one",
    "hyp2f1_positive",
    "log_hyp2f1",
    "log_hyp2f1_c_eq_a_plus_1",
    "log_hyp2f1_fast",
]

_BLOCK = 32
_FIRST_BLOCK = 16
_MAX_TERMS = 200_000
_LOG_TOL = np.log(1e-17)


def _tail_small(last_log_term: np.ndarray, last_log_ratio: np.ndarray, log_z: np.ndarray, acc):
    """True where the geometric bound on the remaining tail is negligible against the sum."""
    rho = np.maximum(np.exp(last_log_ratio), np.exp(log_z))
    with np.errstate(divide="ignore"):
        log_tail = last_log_term + np.log(rho) - np.log1p(-np.minimum(rho, 1 - 1e-16))
    return (rho < 1.0) & (log_tail - acc < _LOG_TOL)


def log_hyp2f1(a, b, c, z) -> np.ndarray:
    """Natural log of the Gauss hypergeometric function 2F1(a, b; c; z), positive-term series.

    Parameters
    ----------
    a, b, c : array_like
        Positive parameters (broadcast together with ``z``).
    z : array_like
        Argument in ``[0, 1)``.

    Returns
    -------
    ndarray
        ``log 2F1(a, b; c; z)``, broadcast shape of the inputs.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    shape = a.shape
    a, b, c, z = (v.ravel() for v in (a, b, c, z))
    if np.any((a <= 0) | (b <= 0) | (c <= 0)) or np.any((z < 0) | (z >= 1)):
        raise ValueError("log_hyp2f1 needs a, b, c > 0 and 0 <= z < 1")
    log_z = np.log(np.maximum(z, 1e-300))
    acc = np.zeros(a.size)  # log of the running sum; the n = 0 term is 1
    last = np.zeros(a.size)  # log of the latest term
    active = np.arange(a.size)
    n0 = 0
    while active.size and n0 < _MAX_TERMS:
        k = np.arange(n0, n0 + _BLOCK, dtype=float)[None, :]
        aa, bb, cc = a[active, None], b[active, None], c[active, None]
        log_ratio = np.log(aa + k) + np.log(bb + k) - np.log(cc + k) - np.log1p(k)
        log_ratio = log_ratio + log_z[active, None]
        terms = last[active, None] + np.cumsum(log_ratio, axis=1)
        acc[active] = np.logaddexp(acc[active], logsumexp(terms, axis=1))
        last[active] = terms[:, -1]
        done = _tail_small(terms[:, -1], log_ratio[:, -1], log_z[active], acc[active])
        active = active[~done]
        n0 += _BLOCK
    return acc.reshape(shape)


def log_hyp2f1_c_eq_a_plus_1(m, b, z):
    """log 2F1(m, b; m + 1; z) and its partial derivatives with respect to m, b and z.

    The series is ``sum_n m / (m + n) * (b)_n / n! * z**n``; it is the form the Pareto/NBD
    likelihood takes (Fader and Hardie 2005, "A Note on Deriving the Pareto/NBD Model and Related
    Expressions", eq. 22-23) when written with the larger of alpha and beta, so that
    ``0 <= z < 1``. Terms are positive; each block of terms is formed by cumulative products of
    the term ratios relative to the block's first term (no per-term exp/log) and the block sums
    are accumulated in log space, so nothing overflows.

    Parameters
    ----------
    m, b : array_like
        Positive parameters.
    z : array_like
        Argument in ``[0, 1)``.

    Returns
    -------
    tuple of ndarray
        ``(log F, d log F / dm, d log F / db, d log F / dz)``.
    """
    m, b, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (m, b, z)))
    shape = m.shape
    m, b, z = (v.ravel() for v in (m, b, z))
    z = np.maximum(z, 1e-300)
    out = _grouped_series(m, b, z)
    if out is not None:
        return tuple(v.reshape(shape) for v in out)
    return tuple(v.reshape(shape) for v in _block_series(m, b, z))


#: Largest number of terms of a group's coefficient table (else the block series).
_GROUP_TERMS = 512
#: Smallest number of rows sharing (m, b) for the coefficient table to pay.
_GROUP_ROWS = 8
#: Largest z of a group for the coefficient table (beyond, the block series is faster).
_GROUP_Z = 0.8


def _grouped_series(m, b, z):
    """The series of :func:`log_hyp2f1_c_eq_a_plus_1` for rows sharing (m, b), as polynomials.

    Rows with the same ``m`` and ``b`` (the Pareto/NBD likelihood's distinct (x, y) pairs share
    them per frequency x) have the same coefficients ``c_n = m / (m + n) (b)_n / n!``: they are
    tabulated once per group (with the coefficients of the three derivatives) and every row's
    sums are one product of its powers ``z^n`` with that table. The number of terms is chosen
    per group at its largest z, so that the geometric bound on the tail is below 1e-17 of the
    sum. Groups with few rows, z above ``_GROUP_Z``, coefficients that would overflow or more
    than ``_GROUP_TERMS`` terms take the block series. None when no group qualifies.
    """
    size = m.size
    if size < _GROUP_ROWS:
        return None
    order = np.lexsort((b, m))
    ms, bs = m[order], b[order]
    cut = np.flatnonzero((ms[1:] != ms[:-1]) | (bs[1:] != bs[:-1])) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [size]])
    big = (ends - starts) >= _GROUP_ROWS
    if not big.any():
        return None
    acc, d_m, d_b, d_z = (np.empty(size) for _ in range(4))
    rest = [order[st:en] for st, en in zip(starts[~big], ends[~big], strict=True)]
    starts, ends = starts[big], ends[big]
    n_all = np.arange(_GROUP_TERMS, dtype=float)
    with np.errstate(divide="ignore", under="ignore", over="ignore", invalid="ignore"):
        # coefficient logs of every group at once: (groups, terms)
        mg, bg = ms[starts][:, None], bs[starts][:, None]
        z_max = np.maximum.reduceat(z[order], starts)[:, None] if len(starts) else None
        log_ratio = np.log((bg + n_all[:-1]) / n_all[1:])
        log_poch = np.concatenate([np.zeros((len(starts), 1)), np.cumsum(log_ratio, axis=1)], 1)
        log_c = np.log(mg) - np.log(mg + n_all) + log_poch
        log_terms = log_c + n_all * np.log(z_max)
        ratio = np.exp(np.diff(log_terms, axis=1))
        rho = np.maximum(ratio, z_max)
        tail = log_terms[:, 1:] + np.log(rho) - np.log1p(-np.minimum(rho, 1 - 1e-16))
        small = (rho < 1.0) & (tail - log_terms.max(axis=1, keepdims=True) < _LOG_TOL)
        found = small.any(axis=1)
        n_terms = np.where(found, np.argmax(small, axis=1) + 2, 0)
        for g, (start, end) in enumerate(zip(starts, ends, strict=True)):
            rows = order[start:end]
            k = int(n_terms[g])
            if not found[g] or z_max[g, 0] > _GROUP_Z or not float(np.max(log_c[g, :k])) < 700:
                rest.append(rows)
                continue
            m_g, b_g, zg = mg[g, 0], bg[g, 0], z[rows]
            n = n_all[:k]
            c = np.exp(log_c[g, :k])
            harmonic = np.concatenate([[0.0], np.cumsum(1.0 / (b_g + n[:-1]))])
            table = np.column_stack([c, c * n / (m_g * (m_g + n)), c * harmonic, c * n])
            powers = np.empty((k, len(rows)))  # z^n, terms down the columns
            powers[0] = 1.0
            powers[1:] = zg
            np.cumprod(powers, axis=0, out=powers)
            total, s_m, s_b, s_z = table.T @ powers
            acc[rows] = np.log(total)
            d_m[rows] = s_m / total
            d_b[rows] = s_b / total
            d_z[rows] = s_z / (total * zg)
    if rest:
        rows = np.concatenate(rest)
        values = _block_series(m[rows], b[rows], z[rows])
        for target, value in zip((acc, d_m, d_b, d_z), values, strict=True):
            target[rows] = value
    return acc, d_m, d_b, d_z


def _block_series(m, b, z):
    """The block-wise log-space series of :func:`log_hyp2f1_c_eq_a_plus_1` (1-d inputs)."""
    size = m.size
    acc = np.zeros(size)  # log of the running sum; the n = 0 term is 1 with zero derivatives
    d_m = np.zeros(size)  # running sum of term_n * dlog(term_n)/dm, divided by the sum
    d_b = np.zeros(size)
    d_z = np.zeros(size)  # running sum of n * term_n / z, divided by the sum
    log_p = np.zeros(size)  # log((b)_n / n! z^n) at the block start
    dpoch0 = np.zeros(size)  # sum_{k<n} 1 / (b + k) at the block start
    active = np.arange(size)
    n0 = 0
    with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
        while active.size and n0 < _MAX_TERMS:
            # a short first block: with the small z of most likelihood rows 16 terms suffice
            length = _FIRST_BLOCK if n0 == 0 else _BLOCK
            k = np.arange(n0, n0 + length, dtype=float)[None, :]
            n = k + 1.0
            mm, bb, zz = m[active, None], b[active, None], z[active, None]
            inv_bk = 1.0 / (bb + k)
            ratio = (bb + k) / n * zz
            cp = np.cumprod(ratio, axis=1)  # P_n / P_{n0}
            frac = mm / (mm + n)
            t = frac * cp  # term_n / exp(log_p)
            block = t.sum(axis=1)
            new_acc = np.logaddexp(acc[active], log_p[active] + np.log(block))
            scale_old = np.exp(acc[active] - new_acc)
            scale_new = np.exp(log_p[active] - new_acc)
            dpoch = dpoch0[active, None] + np.cumsum(inv_bk, axis=1)
            d_m[active] = d_m[active] * scale_old + scale_new * np.sum(
                t * (1.0 / mm - 1.0 / (mm + n)), axis=1
            )
            d_b[active] = d_b[active] * scale_old + scale_new * np.sum(t * dpoch, axis=1)
            d_z[active] = d_z[active] * scale_old + scale_new * np.sum(t * n, axis=1) / zz[:, 0]
            acc[active] = new_acc
            last_log_term = log_p[active] + np.log(t[:, -1])
            log_p[active] = log_p[active] + np.log(cp[:, -1])
            dpoch0[active] = dpoch[:, -1]
            done = _tail_small(last_log_term, np.log(ratio[:, -1]), np.log(zz[:, 0]), acc[active])
            done |= ~np.isfinite(last_log_term)  # underflowed: the rest is zero
            active = active[~done]
            n0 += length
    return acc, d_m, d_b, d_z


def hyp2f1_positive(a, b, c, z) -> np.ndarray:
    """2F1(a, b; c; z) for a, b > 0 and 0 <= z < 1: log-space series where c > 0, else scipy.

    Returns the broadcast array of values (may overflow to inf only where the value does).
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    out = np.empty(a.shape)
    ok = c > 0
    if ok.any():
        out[ok] = np.exp(log_hyp2f1(a[ok], b[ok], c[ok], z[ok]))
    if (~ok).any():
        out[~ok] = hyp2f1(a[~ok], b[~ok], c[~ok], z[~ok])
    return out


def log_hyp2f1_fast(a, b, c, z) -> np.ndarray:
    """log 2F1(a, b; c; z) for a, b > 0, 0 <= z < 1: scipy where it is finite, else the series.

    ``scipy.special.hyp2f1`` agrees with the log-space series to about 1e-12 (relative) wherever
    its value is finite in the buy-till-you-die parameter ranges (``c >= max(a, b) - 1``), and
    is much faster; it overflows for many purchases over long horizons and loses digits for
    ``c`` well below ``a`` or ``b``, where the series takes over. Where ``c <= 0`` (series terms
    change sign) scipy's value is used as it is.
    """
    a, b, c, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (a, b, c, z)))
    with np.errstate(all="ignore"):
        val = np.asarray(hyp2f1(a, b, c, z), dtype=float)
        out = np.array(np.log(val), dtype=float, ndmin=1).reshape(val.shape)
    # scipy's value is also redone where c < max(a, b) - 1 (outside the buy-till-you-die
    # ranges, where it loses digits: 2F1(1, 39; 19; 0.5) is off by 2e-9 relative)
    trusted = np.isfinite(val) & (val > 0) & (val < 1e290) & (c >= np.maximum(a, b) - 1)
    redo = (c > 0) & ~trusted
    if redo.any():
        out[redo] = log_hyp2f1(a[redo], b[redo], c[redo], z[redo])
    return out


def hyp2f1_one(b, c, z: float) -> np.ndarray:
    """Gauss hypergeometric ``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 < z < 1``.

    The form of the sBG model's discounted expected lifetimes (Fader and Hardie 2010).
    ``scipy.special.hyp2f1`` is used where finite; elsewhere (large ``b`` and ``c``) the series
    ``sum_k (b)_k / (c)_k z^k``, whose terms fall at least as fast as ``z^k``, is summed directly.
    """
    b, c = np.broadcast_arrays(np.asarray(b, dtype=float), np.asarray(c, dtype=float))
    value = np.asarray(hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        n_terms = min(int(np.ceil(np.log(1e-18) / np.log(z))) + 2, 2_000_000)
        k = np.arange(n_terms - 1, dtype=float)[:, None]
        ratios = (b[bad][None, :] + k) / (c[bad][None, :] + k) * z
        terms = np.cumprod(ratios, axis=0)
        value = value.copy()
        value[bad] = 1.0 + terms.sum(axis=0)
    return value
