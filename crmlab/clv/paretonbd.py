"""The Pareto/NBD model (Schmittlein, Morrison and Colombo 1987).

While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``; her
lifetime is exponential with rate ``mu ~ Gamma(s, beta)``.

Numerics. The likelihood (Fader and Hardie 2005 note, eq. 22) is

``L = G(r+x) alpha^r beta^s / G(r) * [ (alpha+T)^-(r+x) (beta+T)^-s + s I ]``, with
``I = int_{t_x}^{T} (alpha+y)^-(r+x) (beta+y)^-(s+1) dy``.

Writing ``M = max(alpha, beta)``, ``m = r+s+x`` and ``J(y) = (M+y)^-m 2F1(m, b'; m+1; z_y)`` with
``z_y = |alpha-beta| / (M+y)`` (``b' = s+1`` when alpha >= beta, ``r+x`` otherwise),
``I = (J(t_x) - J(T)) / m``. The 2F1 series has positive terms and ``0 <= z < 1``, is summed in
log space, and is differentiated term by term, which gives the analytic gradient.

References
----------
Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987). Counting Your Customers: Who Are They
and What Will They Do Next? Management Science 33(1), 1-24.
Fader, P. S. and Hardie, B. G. S. (2005). A Note on Deriving the Pareto/NBD Model and Related
Expressions. http://brucehardie.com/notes/009/
Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis. Journal of Marketing Research 42(4), 415-430.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyperu

from crmlab._special import log_hyp2f1_c_eq_a_plus_1
from crmlab.checks import check_delta
from crmlab.clv.base import (
    TransactionModel,
    check_counts,
    check_horizon,
    check_purchase_number,
    check_times,
    dot,
    per_unique_row,
    unique_rows,
)
from crmlab.clv.covariates import CovariateDispatch, CovariateModel, ParameterSetPredictions
from crmlab.errors import ParameterError

__all__ = ["ParetoNBD", "ParetoNBDWithCovariates"]


#: Largest 2F1 argument summed as a series (at most ~1,000 terms); beyond it (one of alpha, beta
#: more than ~20 times the other plus t_x) the integral is computed by quadrature.
_Z_SWITCH = 0.95
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(20)
_GL_LOG_WEIGHTS = np.log(_GL_WEIGHTS)
#: Rows whose log integrand varies by at most this much use 12 nodes (error below 1e-15).
_EASY_VARIATION = 10.0
_GL_NODES_EASY, _w = np.polynomial.legendre.leggauss(12)
_GL_LOG_WEIGHTS_EASY = np.log(_w)
#: The quadrature drops the range where the integrand is below e^-_QUAD_CUT of its start.
_QUAD_CUT = 36.0


def _log_integral_quadrature(r, alpha, s, beta, x, tx, T):
    """log I and its gradient (r, alpha, s, beta) by Gauss-Legendre quadrature in log time.

    With ``C = min(alpha, beta)`` and ``w = log(C + y)``,
    ``I = int exp(h(w)) dw``, ``h(w) = w - (r+x) log(alpha - C + e^w) - (s+1) log(beta - C + e^w)``.
    ``h`` is concave (its second derivative is a sum of non-positive terms), so the integrand
    is log-concave and smooth (analytic) in w: Gauss-Legendre converges geometrically. Where
    ``h`` falls from the start, its tangent bounds it, and the range beyond
    ``w0 + 36 / |h'(w0)|`` (where the integrand is below ``e^-36`` of its start) is dropped; the
    remaining integrand varies by about ``e^36`` and 20 nodes give about 1e-13 (12 nodes
    where it varies by at most ``e^10``, exactly so)
    relative accuracy (checked against mpmath in the tests). Nothing is formed as a difference
    of nearly equal numbers (``alpha - C >= 0``). The same nodes integrate the derivative
    integrands (differentiation under the integral sign). ``alpha`` and ``beta`` may be arrays
    (one value per row); rows need ``t_x < T``.
    """
    alpha, beta = np.broadcast_to(alpha, x.shape), np.broadcast_to(beta, x.shape)
    c = np.minimum(alpha, beta)
    p1, p2 = r + x, s + 1.0
    w0, w1 = np.log(c + tx), np.log(c + T)
    e0 = c + tx
    slope0 = 1.0 - p1 * e0 / (alpha - c + e0) - p2 * e0 / (beta - c + e0)
    with np.errstate(divide="ignore"):
        w1 = np.where(slope0 < 0, np.minimum(w1, w0 + _QUAD_CUT / np.abs(slope0)), w1)
    # h' decreases (h concave), so max(|h'(w0)|, |h'(w1)|) (w1 - w0) bounds the variation of
    # log integrand: rows where it is small need fewer nodes
    e1 = np.exp(w1)
    slope1 = 1.0 - p1 * e1 / (alpha - c + e1) - p2 * e1 / (beta - c + e1)
    variation = np.maximum(np.abs(slope0), np.abs(slope1)) * (w1 - w0)
    log_i = np.empty(len(x))
    grad = np.empty((len(x), 4))
    easy = variation <= _EASY_VARIATION
    for rows, nodes, log_weights in (
        (easy, _GL_NODES_EASY, _GL_LOG_WEIGHTS_EASY),
        (~easy, _GL_NODES, _GL_LOG_WEIGHTS),
    ):
        if rows.any():
            log_i[rows], grad[rows] = _quadrature_rows(
                nodes,
                log_weights,
                alpha[rows] - c[rows],
                beta[rows] - c[rows],
                p1[rows],
                p2,
                w0[rows],
                w1[rows],
            )
    return log_i, grad


def _quadrature_rows(nodes, log_weights, da, db, p1, p2, w0, w1):
    """log int exp(h(w)) dw over (w0, w1) and the derivative integrals, one rule for all rows."""
    w = w0[:, None] + (w1 - w0)[:, None] * ((nodes + 1) / 2)[None, :]
    ew = np.exp(w)
    ay = da[:, None] + ew  # alpha + y
    by = db[:, None] + ew  # beta + y
    log_ay, log_by = np.log(ay), np.log(by)
    log_terms = log_weights[None, :] + w - p1[:, None] * log_ay - p2 * log_by
    top = log_terms.max(axis=1)
    terms = np.exp(log_terms - top[:, None])
    total = terms.sum(axis=1)
    log_i = top + np.log(total) + np.log((w1 - w0) / 2)
    wts = terms / total[:, None]
    grad = np.column_stack(
        [
            -(wts * log_ay).sum(axis=1),
            -p1 * (wts / ay).sum(axis=1),
            -(wts * log_by).sum(axis=1),
            -p2 * (wts / by).sum(axis=1),
        ]
    )
    return log_i, grad


def _log_J(r, alpha, s, beta, x, y):
    """log J(y) and its gradient (r, alpha, s, beta); see the module docstring.

    ``alpha`` and ``beta`` are scalars or one value per row (covariate models); each row takes
    the branch of its larger rate.
    """
    m = r + s + x
    ab = np.broadcast_to(np.asarray(alpha) >= np.asarray(beta), np.shape(x))
    big = np.maximum(alpha, beta) + y
    z = np.minimum(np.abs(alpha - beta) / big, _Z_SWITCH)  # rows beyond: quadrature
    lf, fm, fb, fz = log_hyp2f1_c_eq_a_plus_1(m, np.where(ab, s + 1.0, r + x), z)
    log_big = np.log(big)
    val = -m * log_big + lf
    d_r = -log_big + fm + np.where(ab, 0.0, fb)
    d_s = -log_big + fm + np.where(ab, fb, 0.0)
    d_alpha = np.where(ab, -m / big + fz * (beta + y) / big**2, -fz / big)
    d_beta = np.where(ab, -fz / big, -m / big + fz * (alpha + y) / big**2)
    return val, np.column_stack([d_r, d_alpha, d_s, d_beta])


def _underflow_is_zero(func):
    """Run ``func`` with floating-point underflow ignored: a vanishing term is 0, not an error.

    Callers that set ``np.errstate(all="raise")`` otherwise get a FloatingPointError where the
    answer is 0 (e.g. P(alive) of a customer silent for a very long time).
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(under="ignore"):
            return func(*args, **kwargs)

    return wrapper


def _pairs(x, tx, T):
    """Distinct (x, y) pairs over y in t_x and T, and where each row's two pairs sit."""
    n = len(x)
    stacked = np.column_stack([np.concatenate([x, x]), np.concatenate([tx, T])])
    pairs, inverse = unique_rows(stacked)
    return pairs[:, 0], pairs[:, 1], inverse[:n], inverse[n:]


def _log_series_sI(r, alpha, s, beta, x, tx, T, pairs):
    """log(s I) and its gradient from the 2F1 series (rows with t_x = T give -inf)."""
    n = len(x)
    if np.ndim(alpha) == 0 and np.ndim(beta) == 0:
        # J evaluated at t_x and at T in one series call, once per distinct (x, y)
        px, py, i1, i2 = _pairs(x, tx, T) if pairs is None else pairs
        pa, pb = alpha, beta
    else:  # one alpha and beta per row: J at t_x and at T of every row
        px, py = np.concatenate([x, x]), np.concatenate([tx, T])
        pa = np.concatenate([np.broadcast_to(alpha, x.shape)] * 2)
        pb = np.concatenate([np.broadcast_to(beta, x.shape)] * 2)
        i1, i2 = np.arange(n), np.arange(n, 2 * n)
    vals, grads = _log_J(r, pa, s, pb, px, py)
    lj1, lj2 = vals[i1], vals[i2]
    g1, g2 = grads[i1], grads[i2]
    m = r + s + x
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.exp(lj2 - lj1)  # J(T) / J(t_x) in [0, 1]
        pos = rho < 1.0 - 1e-13
        log_diff = lj1 + np.log1p(-np.where(pos, rho, 0.0))
        log_sI = np.where(pos, np.log(s) + log_diff - np.log(m), -np.inf)
        g_diff = (g1 - rho[:, None] * g2) / (1.0 - np.where(pos, rho, 0.0))[:, None]
    g_sI = g_diff.copy()
    g_sI[:, 0] -= 1.0 / m
    g_sI[:, 2] += 1.0 / s - 1.0 / m
    g_sI[~pos] = 0.0
    return log_sI, g_sI


@_underflow_is_zero
def _log_bracket(theta, x, tx, T, pairs=None, quadrature=False):
    """log of ``A1 = (alpha+T)^-(r+x) (beta+T)^-s`` and of ``s I``, with gradients.

    ``pairs`` (from ``_pairs``) lets J be evaluated once per distinct (x, y) pair.
    ``quadrature=True`` computes I by quadrature for every row (faster than the series when
    alpha and beta differ per row, as with covariates).
    """
    r, alpha, s, beta = theta
    log_a1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    g_a1 = np.column_stack(
        [-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T), -s / (beta + T)]
    )
    n = len(x)
    if quadrature:
        log_sI = np.full(n, -np.inf)
        g_sI = np.zeros((n, 4))
        far = tx < T
    else:
        log_sI, g_sI = _log_series_sI(r, alpha, s, beta, x, tx, T, pairs)
        far = (np.abs(alpha - beta) / (np.maximum(alpha, beta) + tx) > _Z_SWITCH) & (tx < T)
    if far.any():
        a_f = alpha[far] if np.ndim(alpha) else alpha
        b_f = beta[far] if np.ndim(beta) else beta
        log_i, g_i = _log_integral_quadrature(r, a_f, s, b_f, x[far], tx[far], T[far])
        log_sI[far] = np.log(s) + log_i
        g_i[:, 2] += 1.0 / s
        g_sI[far] = g_i
    return log_a1, g_a1, log_sI, g_sI


@_underflow_is_zero
def paretonbd_loglik(theta, x, tx, T, pairs=None, quadrature=False):
    """Per-customer Pareto/NBD log-likelihood and gradient (Fader and Hardie 2005 note, eq. 22)."""
    r, alpha, s, beta = theta
    log_a1, g_a1, log_sI, g_sI = _log_bracket(theta, x, tx, T, pairs, quadrature)
    log_br = np.logaddexp(log_a1, log_sI)
    w1 = np.exp(log_a1 - log_br)[:, None]
    w2 = np.exp(log_sI - log_br)[:, None]
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    ll = common + log_br
    g_common = np.column_stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha),
            np.broadcast_to(r / alpha, x.shape),
            np.broadcast_to(np.log(beta), x.shape),
            np.broadcast_to(s / beta, x.shape),
        ]
    )
    return ll, g_common + w1 * g_a1 + w2 * g_sI


def paretonbd_prepare(x, tx, T):
    """Distinct (x, y) pairs, distinct x and distinct T, for :func:`paretonbd_total`."""
    ux, ix = np.unique(x, return_inverse=True)
    uT, iT = np.unique(T, return_inverse=True)
    return (x, tx, T, _pairs(x, tx, T), (ux, ix.ravel()), (uT, iT.ravel()))


@_underflow_is_zero
def paretonbd_total(theta, prepared, w):
    """Weighted sum of :func:`paretonbd_loglik` and of its gradient, from distinct values.

    The same likelihood as :func:`paretonbd_loglik` (one J per distinct (x, y) pair), with the
    gradient formed as weighted sums instead of per-row arrays: gamma and digamma functions
    once per distinct x, the logs of ``alpha + T`` and ``beta + T`` once per distinct T, and
    the series gradients of J weighted per pair (``sum_rows c_row g_J[pair(row)]`` as
    ``bincount(pair, c) @ g_J``). Rows beyond the series' range take the quadrature.
    """
    r, alpha, s, beta = theta
    x, tx, T, (px, py, i1, i2), (ux, ix), (uT, iT) = prepared
    n = float(w.sum())
    log_aT_u, log_bT_u = np.log(alpha + uT), np.log(beta + uT)
    log_aT, log_bT = log_aT_u[iT], log_bT_u[iT]
    rx = r + x
    log_a1 = -rx * log_aT - s * log_bT
    # log(s I) from J at t_x and at T (one series call per distinct pair)
    vals, grads = _log_J(r, alpha, s, beta, px, py)
    lj1, lj2 = vals[i1], vals[i2]
    m = rx + s
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.exp(lj2 - lj1)
        pos = rho < 1.0 - 1e-13
        rho0 = np.where(pos, rho, 0.0)
        log_sI = np.where(pos, np.log(s) + lj1 + np.log1p(-rho0) - np.log(m), -np.inf)
    far = (np.abs(alpha - beta) / (max(alpha, beta) + tx) > _Z_SWITCH) & (tx < T)
    g_far = None
    if far.any():
        log_i, g_far = _log_integral_quadrature(r, alpha, s, beta, x[far], tx[far], T[far])
        log_sI[far] = np.log(s) + log_i
        pos = pos & ~far
    log_br = np.logaddexp(log_a1, log_sI)
    w2 = np.exp(log_sI - log_br)
    w1 = np.exp(log_a1 - log_br)
    wx = np.bincount(ix, weights=w, minlength=len(ux))
    common_u = gammaln(r + ux) - gammaln(r)
    ll = dot(wx, common_u) + n * (r * np.log(alpha) + s * np.log(beta)) + dot(w, log_br)
    ww1, ww2 = w * w1, w * w2
    wT1 = np.bincount(iT, weights=ww1, minlength=len(uT))
    wxT1 = np.bincount(iT, weights=ww1 * x, minlength=len(uT))
    inv_aT, inv_bT = 1.0 / (alpha + uT), 1.0 / (beta + uT)
    # d common + w1 d log A1
    d_r = dot(wx, digamma(r + ux) - digamma(r)) + n * np.log(alpha) - dot(wT1, log_aT_u)
    d_alpha = n * r / alpha - dot(r * wT1 + wxT1, inv_aT)
    d_s = n * np.log(beta) - dot(wT1, log_bT_u)
    d_beta = n * s / beta - s * dot(wT1, inv_bT)
    # w2 d log(s I): (g1 - rho g2) / (1 - rho) per row, weighted per pair
    c = np.where(pos, ww2 / (1.0 - rho0), 0.0)
    per_pair = np.bincount(i1, weights=c, minlength=len(px)) - np.bincount(
        i2, weights=c * rho0, minlength=len(px)
    )
    g_series = per_pair @ grads
    ww2_pos = np.where(pos, ww2, 0.0)
    inv_m = dot(ww2_pos, 1.0 / m)
    d_r += g_series[0] - inv_m
    d_alpha += g_series[1]
    d_s += g_series[2] + float(ww2_pos.sum()) / s - inv_m
    d_beta += g_series[3]
    if g_far is not None:
        g_far = ww2[far] @ g_far
        d_r += g_far[0]
        d_alpha += g_far[1]
        d_s += g_far[2] + float(ww2[far].sum()) / s
        d_beta += g_far[3]
    return float(ll), np.array([d_r, d_alpha, d_s, d_beta])


@_underflow_is_zero
def paretonbd_probability_alive(r, alpha, s, beta, x, tx, T, quadrature=False):
    """P(alive | x, t_x, T) = A1 / (A1 + s I) (Fader and Hardie 2005 note, eq. 27)."""
    log_a1, _, log_sI, _ = _log_bracket((r, alpha, s, beta), x, tx, T, quadrature=quadrature)
    return np.exp(log_a1 - np.logaddexp(log_a1, log_sI))


def _one_minus_pow_over(k_log: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """``(1 - exp(s1 * k_log)) / s1``, with its limit ``-k_log`` at ``s1 = 0``."""
    small = np.abs(s1) < 1e-10
    s1s = np.where(small, 1.0, s1)
    return np.where(small, -k_log, -np.expm1(s1s * k_log) / s1s)


def paretonbd_expected(r, alpha, s, beta, t):
    """E[X(t)] for a new customer (Schmittlein et al. 1987, eq. 17; FH 2005 note, eq. 23)."""
    return r * beta / alpha * _one_minus_pow_over(np.log(beta) - np.log(beta + t), s - 1.0)


_PANELS = 16
_PANEL_NODES, _PANEL_WEIGHTS = np.polynomial.legendre.leggauss(24)
_LOG_RANGE = 40.0


@_underflow_is_zero
def paretonbd_probability_of_purchases(r, alpha, s, beta, k, t):
    """P(X(t) = k) for a new customer, the death-time integral taken in log time."""
    k = np.asarray(k, dtype=float)[:, None]
    t = float(t)
    if t == 0:
        return np.where(k[:, 0] == 0, 1.0, 0.0)

    def log_nb(tau):
        return (
            gammaln(r + k)
            - gammaln(r)
            - gammaln(k + 1)
            + r * (np.log(alpha) - np.log(alpha + tau))
            + k * (np.log(tau) - np.log(alpha + tau))
        )

    edges = np.linspace(np.log(t) - _LOG_RANGE, np.log(t), _PANELS + 1)
    half = np.diff(edges) / 2
    w = (edges[:-1, None] + half[:, None] * (_PANEL_NODES[None, :] + 1)).ravel()
    wts = (half[:, None] * _PANEL_WEIGHTS[None, :]).ravel()
    tau = np.exp(w)[None, :]
    log_dens = np.log(s) + s * np.log(beta) - (s + 1) * np.log(beta + tau) + np.log(tau)
    integral = np.exp(log_nb(tau) + log_dens) @ wts
    alive = np.exp(log_nb(np.array([[t]]))[:, 0] + s * (np.log(beta) - np.log(beta + t)))
    return alive + integral


@_underflow_is_zero
def _dert(r, alpha, s, beta, delta, x, tx, T):
    """DERT (Fader, Hardie and Lee 2005, JMR, eq. 2); alpha, beta scalars or per row."""
    ll, _ = paretonbd_loglik((r, alpha, s, beta), x, tx, T)
    log_num = (
        r * np.log(alpha)
        + s * np.log(beta)
        + (s - 1) * np.log(delta)
        + gammaln(r + x + 1)
        - gammaln(r)
        - (r + x + 1) * np.log(alpha + T)
    )
    return np.exp(log_num - ll) * hyperu(s, s, delta * (beta + T))


class ParetoNBD(CovariateDispatch, TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison and Colombo 1987).

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (gamma shape and rate of the purchase rate) and ``s, beta`` (gamma shape and
        rate of the drop-out rate); alpha and beta in the time unit of the data.

    Static covariates: ``ParetoNBD(purchase_covariates=[...], dropout_covariates=[...])``
    (columns of the summary) gives ``alpha_i = alpha exp(-g_p . z_i)`` and
    ``beta_i = beta exp(-g_d . z_i)`` (Fader and Hardie 2007, note 019; CLVTools'
    parameterisation), with ``coefficients_`` indexed by (process, covariate); see
    :class:`crmlab.clv.covariates.CovariateModel` for the options.

    ``ParetoNBD(correlation=True)`` correlates the purchase and drop-out rates (Sarmanov
    family, CLVTools' ``use.cor = TRUE``; :mod:`crmlab.clv.correlation`), with
    ``params_["correlation"]``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way.
    Marketing Science 24(2), 275-284. On CDNOW (39 weeks): r = 0.553, alpha = 10.578,
    s = 0.606, beta = 11.669, LL = -9595.0.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "ParetoNBD"
    _correlated_variant: type | None = None
    _correlated_covariate_variant: type | None = None
    # a gradient pass sums 2F1 series: L-BFGS-B stops at 1e-6 and Newton steps with a
    # forward-difference Hessian (5 passes, not 8) finish the optimum to machine precision
    _lbfgs_gtol = 1e-6
    _hessian_differences = "forward"

    def __new__(cls, *args, **kwargs):
        if kwargs.get("correlation") and cls is ParetoNBD:
            # both registered by crmlab.clv.correlation
            if kwargs.get("purchase_covariates") or kwargs.get("dropout_covariates"):
                cls = ParetoNBD._correlated_covariate_variant
            else:
                cls = ParetoNBD._correlated_variant
        return super().__new__(cls, *args, **kwargs)

    def __init__(
        self,
        penalizer: float = 0.0,
        *,
        correlation: bool = False,
        alpha: float = 0.05,
        confidence_level: float | None = None,
    ) -> None:
        super().__init__(penalizer, alpha=alpha, confidence_level=confidence_level)
        if not isinstance(correlation, (bool, np.bool_)):
            raise ParameterError(
                f"correlation must be True or False, got {correlation!r}.",
                parameter="correlation",
            )
        self.correlation = bool(correlation)

    def _prepare(self, data):
        return paretonbd_prepare(*data)

    def _loglik_grad(self, theta, x, tx, T, pairs=None, *_):
        return paretonbd_loglik(theta, x, tx, T, pairs)

    def _total_loglik_grad(self, theta, data, w):
        return paretonbd_total(theta, data, w)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 1.0, mean_T])

    def expected_purchases_new_customer(self, t: float | np.ndarray, params=None) -> np.ndarray:
        """Expected purchases in ``(0, t]`` of a newly acquired customer (FH 2005 note, eq. 23)."""
        r, alpha, s, beta = self._param_arrays(params)
        return paretonbd_expected(r, alpha, s, beta, check_times(t))

    def _conditional(self, params, t, x, tx, T):
        r, alpha, s, beta = params

        def one(r_, a_, s_, b_, x_, tx_, T_):
            alive = paretonbd_probability_alive(r_, a_, s_, b_, x_, tx_, T_)
            k_log = np.log(b_ + T_) - np.log(b_ + T_ + t)
            return (r_ + x_) * (b_ + T_) / (a_ + T_) * _one_minus_pow_over(k_log, s_ - 1) * alive

        if np.ndim(r) == 0:
            return per_unique_row(lambda *d: one(r, alpha, s, beta, *d), x, tx, T)
        rows = [
            per_unique_row(
                lambda *d, i=i: one(r[i, 0], alpha[i, 0], s[i, 0], beta[i, 0], *d), x, tx, T
            )
            for i in range(r.shape[0])
        ]
        return np.vstack(rows)

    def _discounted_increments(self, params, grid, delta, x, tx, T):
        """Discounted expected purchases over a time grid, P(alive) computed once per draw.

        Returns ``sum_k exp(-delta m_k) [E(t_k) - E(t_{k-1})]`` (``m_k`` the step midpoints) and
        ``E(t_K)``, with ``E(t)`` the conditional expectation of eq. 26 (Fader and Hardie 2005
        note). Only the factor ``1 - ((beta+T)/(beta+T+t))^(s-1)`` depends on ``t``, so the
        expensive P(alive) (the 2F1 term) is evaluated once per draw instead of once per step.
        Arrays are per customer, with draws on the first axis when ``params`` are draws.
        """
        r, alpha, s, beta = params
        grid = np.asarray(grid, dtype=float)
        weights = np.exp(-delta * 0.5 * (grid[:-1] + grid[1:]))

        def one(r_, a_, s_, b_, x_, tx_, T_):
            alive = paretonbd_probability_alive(r_, a_, s_, b_, x_, tx_, T_)
            k_log = np.log(b_ + T_) - np.log(b_ + T_ + grid[1:, None])
            scale = (r_ + x_) * (b_ + T_) / (a_ + T_) * alive
            curve = _one_minus_pow_over(k_log, s_ - 1) * scale
            increments = np.diff(curve, axis=0, prepend=0.0)
            return np.stack([weights @ increments, curve[-1]])

        if np.ndim(r) == 0:
            out = per_unique_row(lambda *d: one(r, alpha, s, beta, *d), x, tx, T)
            return out[0], out[1]
        out = np.stack(
            [
                per_unique_row(
                    lambda *d, i=i: one(r[i, 0], alpha[i, 0], s[i, 0], beta[i, 0], *d), x, tx, T
                )
                for i in range(r.shape[0])
            ]
        )
        return out[:, 0], out[:, 1]

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` given each history.

        ``(r+x)(beta+T) / ((alpha+T)(s-1)) * [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive)``
        (Fader and Hardie 2005 note, eq. 26; the ``s = 1`` limit is used when s is 1).

        Returns
        -------
        Series
            Indexed like ``data``, named ``conditional_expected_purchases``; with ``params``
            draws an array (n_draws, n_customers).
        """
        x, tx, T, index = self._customers(data)
        t = check_horizon(t)
        out = self._conditional(self._param_arrays(params), float(t), x, tx, T)
        if params is not None and not isinstance(params, pd.Series):
            return out
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive | x, t_x, T) (Fader and Hardie 2005 note, eq. 27), named ``probability_alive``."""
        x, tx, T, index = self._customers(data)
        r, alpha, s, beta = self._param_arrays(None)
        p = per_unique_row(lambda *d: paretonbd_probability_alive(r, alpha, s, beta, *d), x, tx, T)
        return pd.Series(p, index=index, name="probability_alive")

    def probability_of_purchases(self, k: int | np.ndarray, t: float) -> np.ndarray:
        """P(X(t) = k) for a randomly chosen new customer.

        ``P = NB(k; r, alpha, t) (beta/(beta+t))^s + int_0^t NB(k; r, alpha, tau) s beta^s
        (beta+tau)^-(s+1) dtau`` (alive throughout, or dead at tau; Fader, Hardie and Lee 2005
        "Counting your customers", appendix). The integrand changes on the scales of alpha and
        beta, which may be far below t, so the integral is taken in ``log tau`` (composite
        Gauss-Legendre, 16 panels of 24 nodes over 40 e-folds below t; the part below
        ``t e^-40`` is below ``t e^-40 s / beta`` and dropped).
        """
        k = np.atleast_1d(check_counts(k))
        t = check_horizon(t)
        r, alpha, s, beta = self._param_arrays(None)
        return paretonbd_probability_of_purchases(r, alpha, s, beta, k, t)

    def discounted_expected_residual_transactions(
        self, delta: float, data: pd.DataFrame | None = None, params: pd.Series | None = None
    ) -> pd.Series:
        """DERT: discounted expected transactions over an infinite horizon.

        Fader, Hardie and Lee (2005, JMR), eq. 2:
        ``alpha^r beta^s delta^(s-1) G(r+x+1) U(s, s; delta (beta+T))
        / (G(r) (alpha+T)^(r+x+1) L)``, with ``U`` the confluent hypergeometric function of the
        second kind and ``delta`` the continuously compounded discount rate per time unit.
        ``params`` (a Series named like ``params_``) replaces the fitted parameters.

        Returns
        -------
        Series
            Indexed like ``data``, named ``dert``.
        """
        delta = check_delta(delta)
        x, tx, T, index = self._customers(data)
        r, alpha, s, beta = self._param_arrays(params)

        def one(x_, tx_, T_):
            return _dert(r, alpha, s, beta, delta, x_, tx_, T_)

        return pd.Series(per_unique_row(one, x, tx, T), index=index, name="dert")

    def probability_alive_after(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive at ``T + t``) given each history: P(alive at T) ((beta+T)/(beta+T+t))^s.

        Given alive at T the drop-out rate is Gamma(s, beta + T) (Fader and Hardie 2005 note,
        eq. 27 and its posterior), so it survives ``t`` more with that probability.
        Named ``probability_alive_after``.
        """
        t = check_horizon(t)
        x, tx, T, index = self._customers(data)
        r, alpha, s, beta = self._param_arrays(None)
        p = per_unique_row(lambda *d: alive_after(t)(r, alpha, s, beta, *d), x, tx, T)
        return pd.Series(p, index=index, name="probability_alive_after")

    def conditional_probability_of_purchases(
        self, n: int, t: float, data: pd.DataFrame | None = None
    ) -> pd.Series:
        """P(exactly ``n`` purchases in ``(T, T + t]``) given each history.

        Alive at T (probability P(alive)), the customer is a new Pareto/NBD customer with the
        posterior parameters ``(r + x, alpha + T, s, beta + T)``, whose count distribution is
        :meth:`probability_of_purchases`; dead, she buys nothing (lifetimes'
        ``conditional_probability_of_n_purchases_up_to_time``). Named
        ``conditional_probability_of_purchases``.
        """
        n, t = check_purchase_number(n), check_horizon(t)
        x, tx, T, index = self._customers(data)
        r, alpha, s, beta = self._param_arrays(None)
        p = per_unique_row(lambda *d: conditional_pmf(n, t)(r, alpha, s, beta, *d), x, tx, T)
        return pd.Series(p, index=index, name="conditional_probability_of_purchases")

    def probability_no_purchase(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(no purchase in ``(T, T + t]``) given each history, named ``probability_no_purchase``."""
        return self.conditional_probability_of_purchases(0, t, data).rename(
            "probability_no_purchase"
        )


def alive_after(t: float):
    """``func(r, alpha, s, beta, x, tx, T)``: P(alive at T + t | history)."""

    def func(r, a, s, b, x, tx, T):
        alive = paretonbd_probability_alive(r, a, s, b, x, tx, T)
        return alive * np.exp(s * (np.log(b + T) - np.log(b + T + t)))

    return func


def conditional_expected(t: float):
    """``func(r, alpha, s, beta, x, tx, T)``: expected purchases in (T, T + t] (FH 2005, eq. 26)."""

    def func(r, a, s, b, x, tx, T):
        alive = paretonbd_probability_alive(r, a, s, b, x, tx, T)
        k_log = np.log(b + T) - np.log(b + T + t)
        s1 = np.broadcast_to(s - 1.0, np.shape(x))
        return (r + x) * (b + T) / (a + T) * _one_minus_pow_over(k_log, s1) * alive

    return func


def dert(delta: float):
    """``func(r, alpha, s, beta, x, tx, T)``: DERT (Fader, Hardie and Lee 2005, JMR, eq. 2)."""

    def func(r, a, s, b, x, tx, T):
        return _dert(r, a, s, b, delta, x, tx, T)

    return func


@_underflow_is_zero
def _conditional_pmf_rows(n, t, r, a, s, b, x, tx, T):
    alive = paretonbd_probability_alive(r, a, s, b, x, tx, T)
    a, b = np.broadcast_to(a, x.shape), np.broadcast_to(b, x.shape)
    fresh = np.array(
        [
            paretonbd_probability_of_purchases(r + xi, ai + Ti, s, bi + Ti, [n], t)[0]
            for xi, ai, bi, Ti in zip(x, a, b, T, strict=True)
        ]
    )
    return alive * fresh + (1.0 - alive) * (n == 0)


def conditional_pmf(n: int, t: float):
    """``func(r, alpha, s, beta, x, tx, T)``: P(n purchases in (T, T + t] | history)."""

    def func(r, a, s, b, x, tx, T):
        return _conditional_pmf_rows(n, t, r, a, s, b, x, tx, T)

    return func


class PosteriorPredictions(ParameterSetPredictions):
    """The per-customer predictions of the Pareto/NBD variants, through one path.

    The shared machinery is :class:`~crmlab.clv.covariates.ParameterSetPredictions`: a
    variant supplies ``_parameter_sets(data, params)``, each set ``(r, alpha, s, beta, ...)``
    with ``alpha`` and ``beta`` scalars or one value per customer (covariates), and may
    override ``_expect`` (the correlated model mixes four components). Every prediction is
    ``func(r, alpha, s, beta, x, tx, T)`` under each set; with ``params`` draws (a DataFrame
    from ``draw_params``) an array (n_draws, n_customers).
    """

    def probability_alive(self, data: pd.DataFrame | None = None, params=None):
        """P(alive | x, t_x, T) per customer (FH 2005 note, eq. 27), ``probability_alive``."""
        return self._predict(paretonbd_probability_alive, data, params, "probability_alive")

    def conditional_expected_purchases(self, t: float, data=None, params=None):
        """Expected purchases in ``(T, T + t]`` per customer (FH 2005 note, eq. 26)."""
        t = check_horizon(t)
        return self._predict(
            conditional_expected(t), data, params, "conditional_expected_purchases"
        )

    def discounted_expected_residual_transactions(self, delta: float, data=None, params=None):
        """DERT per customer (Fader, Hardie and Lee 2005, JMR, eq. 2), named ``dert``."""
        delta = check_delta(delta)
        return self._predict(dert(delta), data, params, "dert")

    def probability_alive_after(self, t: float, data=None, params=None):
        """P(alive at ``T + t``) per customer, named ``probability_alive_after``."""
        t = check_horizon(t)
        return self._predict(alive_after(t), data, params, "probability_alive_after")

    def conditional_probability_of_purchases(self, n: int, t: float, data=None, params=None):
        """P(exactly ``n`` purchases in ``(T, T + t]``) per customer."""
        n, t = check_purchase_number(n), check_horizon(t)
        return self._predict(
            conditional_pmf(n, t), data, params, "conditional_probability_of_purchases"
        )

    def probability_no_purchase(self, t: float, data=None, params=None):
        """P(no purchase in ``(T, T + t]``) per customer, named ``probability_no_purchase``."""
        out = self.conditional_probability_of_purchases(0, t, data, params)
        return out.rename("probability_no_purchase") if isinstance(out, pd.Series) else out


class ParetoNBDWithCovariates(PosteriorPredictions, CovariateModel, ParetoNBD):
    """Pareto/NBD with static covariates (built by ``ParetoNBD(purchase_covariates=...)``).

    ``alpha_i = alpha exp(-g_p . z_i)``, ``beta_i = beta exp(-g_d . z_i)`` (Fader and Hardie
    2007, note 019). ``params_`` holds the base parameters (a customer with ``z = 0``),
    ``coefficients_`` the coefficients; predictions use each customer's own covariates (the
    covariate columns of ``data``, or of the fitted summary when ``data`` is None).
    """

    _scaled = {"purchase": (("alpha", -1),), "dropout": (("beta", -1),)}

    def _rows_loglik_grad(self, params, x, tx, T):
        return paretonbd_loglik(params, x, tx, T, quadrature=True)

    def _new_customer_expected(self, params, t):
        return paretonbd_expected(*params, t)

    def _new_customer_pmf(self, params, k, t):
        return paretonbd_probability_of_purchases(*params, k, t)

    def _parameter_sets(self, data, params):
        """Each customer's (r, alpha_i, s, beta_i) under the estimates or each draw."""
        return self._customer_parameter_sets(data, params)


ParetoNBD._covariate_variant = ParetoNBDWithCovariates
