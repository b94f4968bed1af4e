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

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyperu, logsumexp

from crmlab._special import log_hyp2f1_c_eq_a_plus_1
from crmlab.clv.base import (
    TransactionModel,
    check_counts,
    check_horizon,
    check_times,
    per_unique_row,
    unique_rows,
)
from crmlab.errors import ParameterError

__all__ = ["ParetoNBD"]


#: Largest 2F1 argument summed as a series (at most ~1,000 terms); beyond it (one of alpha, beta
#: more than ~20 times the other plus t_x) the integral is computed by quadrature.
_Z_SWITCH = 0.95
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(96)


def _log_integral_quadrature(r, alpha, s, beta, x, tx, T):
    """log I and its gradient by Gauss-Legendre quadrature, for 2F1 arguments near 1.

    ``I = int (A+y)^-p1 (B+y)^-p2 dy`` with ``B = min(alpha, beta)`` the sharply varying factor.
    The substitution ``v = (B+y)^q / q`` (``q = 1 - p2``; ``v = log(B+y)`` when ``q = 0``)
    absorbs that factor, ``I = int (A+y(v))^-p1 dv``, whose integrand is monotone and smooth;
    96 Gauss-Legendre nodes in v then give a quadrature rule in y that is also applied to the
    derivative integrands (differentiation under the integral sign).
    """
    if alpha >= beta:
        big, small, p1, p2 = alpha, beta, r + x, np.full(len(x), s + 1.0)
    else:
        big, small, p1, p2 = beta, alpha, np.full(len(x), s + 1.0), r + x
    q = 1.0 - p2
    flat = np.abs(q) < 1e-8
    qs = np.where(flat, 1.0, q)

    def to_v(by):
        return np.where(flat, np.log(by), np.exp(qs * np.log(by)) / qs)

    v0, v1 = to_v(small + tx)[:, None], to_v(small + T)[:, None]
    v = v0 + (v1 - v0) * (_GL_NODES[None, :] + 1) / 2
    log_w = np.log(np.abs(v1 - v0) / 2) + np.log(_GL_WEIGHTS)[None, :]
    # B + y at the nodes, without forming y (no cancellation when y << B)
    with np.errstate(invalid="ignore"):
        log_by = np.where(flat[:, None], v, np.log(np.abs(qs[:, None] * v)) / qs[:, None])
    by = np.exp(log_by)
    ay = big - small + by
    log_terms = log_w - p1[:, None] * np.log(ay)  # node weight * integrand in v
    log_i = logsumexp(log_terms, axis=1)
    wts = np.exp(log_terms - log_i[:, None])
    # derivative integrands (per unit integrand) in y
    if alpha >= beta:
        a_y, b_y = ay, by
    else:
        a_y, b_y = by, ay
    grad = np.column_stack(
        [
            -(wts * np.log(a_y)).sum(axis=1),
            -(r + x) * (wts / a_y).sum(axis=1),
            -(wts * np.log(b_y)).sum(axis=1),
            -(s + 1.0) * (wts / b_y).sum(axis=1),
        ]
    )
    return log_i, grad


def _log_J(r, alpha, s, beta, x, y):
    """log J(y) and its gradient (r, alpha, s, beta); see the module docstring."""
    m = r + s + x
    if alpha >= beta:
        big = alpha + y
        z = np.minimum((alpha - beta) / big, _Z_SWITCH)  # rows beyond: quadrature
        lf, fm, fb, fz = log_hyp2f1_c_eq_a_plus_1(m, s + 1.0, z)
        log_big = np.log(big)
        val = -m * log_big + lf
        d_r = -log_big + fm
        d_s = -log_big + fm + fb
        d_alpha = -m / big + fz * (beta + y) / big**2
        d_beta = -fz / big
    else:
        big = beta + y
        z = np.minimum((beta - alpha) / big, _Z_SWITCH)  # rows beyond: quadrature
        lf, fm, fb, fz = log_hyp2f1_c_eq_a_plus_1(m, r + x, z)
        log_big = np.log(big)
        val = -m * log_big + lf
        d_r = -log_big + fm + fb
        d_s = -log_big + fm
        d_beta = -m / big + fz * (alpha + y) / big**2
        d_alpha = -fz / big
    return val, np.column_stack([d_r, d_alpha, d_s, d_beta])


def _pairs(x, tx, T):
    """Distinct (x, y) pairs over y in t_x and T, and where each row's two pairs sit."""
    n = len(x)
    stacked = np.column_stack([np.concatenate([x, x]), np.concatenate([tx, T])])
    pairs, inverse = unique_rows(stacked)
    return pairs[:, 0], pairs[:, 1], inverse[:n], inverse[n:]


def _log_bracket(theta, x, tx, T, pairs=None):
    """log of ``A1 = (alpha+T)^-(r+x) (beta+T)^-s`` and of ``s I``, with gradients.

    ``pairs`` (from ``_pairs``) lets J be evaluated once per distinct (x, y) pair.
    """
    r, alpha, s, beta = theta
    log_a1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    g_a1 = np.column_stack(
        [-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T), -s / (beta + T)]
    )
    # J evaluated at t_x and at T in one series call, once per distinct (x, y)
    px, py, i1, i2 = _pairs(x, tx, T) if pairs is None else pairs
    vals, grads = _log_J(r, alpha, s, beta, px, py)
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
    far = (np.abs(alpha - beta) / (max(alpha, beta) + tx) > _Z_SWITCH) & (tx < T)
    if far.any():
        log_i, g_i = _log_integral_quadrature(r, alpha, s, beta, x[far], tx[far], T[far])
        log_sI[far] = np.log(s) + log_i
        g_i[:, 2] += 1.0 / s
        g_sI[far] = g_i
    return log_a1, g_a1, log_sI, g_sI


def paretonbd_loglik(theta, x, tx, T, pairs=None):
    """Per-customer Pareto/NBD log-likelihood and gradient (Fader and Hardie 2005 note, eq. 22)."""
    r, alpha, s, beta = theta
    log_a1, g_a1, log_sI, g_sI = _log_bracket(theta, x, tx, T, pairs)
    log_br = np.logaddexp(log_a1, log_sI)
    w1 = np.exp(log_a1 - log_br)[:, None]
    w2 = np.exp(log_sI - log_br)[:, None]
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    ll = common + log_br
    g_common = np.column_stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha),
            np.full(len(x), r / alpha),
            np.full(len(x), np.log(beta)),
            np.full(len(x), s / beta),
        ]
    )
    return ll, g_common + w1 * g_a1 + w2 * g_sI


def paretonbd_probability_alive(r, alpha, s, beta, x, tx, T):
    """P(alive | x, t_x, T) = A1 / (A1 + s I) (Fader and Hardie 2005 note, eq. 27)."""
    log_a1, _, log_sI, _ = _log_bracket((r, alpha, s, beta), x, tx, T)
    return np.exp(log_a1 - np.logaddexp(log_a1, log_sI))


def _one_minus_pow_over(k_log: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """``(1 - exp(s1 * k_log)) / s1``, with its limit ``-k_log`` at ``s1 = 0``."""
    small = np.abs(s1) < 1e-10
    s1s = np.where(small, 1.0, s1)
    return np.where(small, -k_log, -np.expm1(s1s * k_log) / s1s)


def paretonbd_expected(r, alpha, s, beta, t):
    """E[X(t)] for a new customer (Schmittlein et al. 1987, eq. 17; FH 2005 note, eq. 23)."""
    return r * beta / alpha * _one_minus_pow_over(np.log(beta) - np.log(beta + t), s - 1.0)


class ParetoNBD(TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison and Colombo 1987).

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (gamma shape and rate of the purchase rate) and ``s, beta`` (gamma shape and
        rate of the drop-out rate); alpha and beta in the time unit of the data.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting Your Customers" the Easy Way.
    Marketing Science 24(2), 275-284. On CDNOW (39 weeks): r = 0.553, alpha = 10.578,
    s = 0.606, beta = 11.669, LL = -9595.0.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "ParetoNBD"

    def _prepare(self, data):
        return (*data, _pairs(*data))

    def _loglik_grad(self, theta, x, tx, T, pairs=None):
        return paretonbd_loglik(theta, x, tx, T, pairs)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 1.0, mean_T])

    def expected_purchases(self, t: float | np.ndarray, params=None) -> np.ndarray:
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
        "Counting your customers", appendix), the integral by 200-point Gauss-Legendre.
        """
        k = np.atleast_1d(check_counts(k))
        t = check_horizon(t)
        r, alpha, s, beta = self._param_arrays(None)

        def nb(tau):
            tau = np.asarray(tau, dtype=float)[None, :]
            kk = k[:, None]
            return np.exp(
                gammaln(r + kk)
                - gammaln(r)
                - gammaln(kk + 1)
                + r * (np.log(alpha) - np.log(alpha + tau))
                + kk * (np.log(tau) - np.log(alpha + tau))
            )

        nodes, weights = np.polynomial.legendre.leggauss(200)
        tau = 0.5 * t * (nodes + 1)
        dens = s * beta**s * (beta + tau) ** (-(s + 1))
        integral = (nb(tau) * dens[None, :]) @ (0.5 * t * weights)
        return nb([t])[:, 0] * (beta / (beta + t)) ** s + integral

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
        ok = isinstance(delta, (int, float, np.integer, np.floating))
        if not ok or not (np.isfinite(delta) and delta > 0):
            raise ParameterError(
                f"delta must be a finite continuously compounded discount rate > 0 per time unit "
                f"(e.g. log(1.1) * 7 / 365.25 for 10% a year in weeks), got {delta!r}.",
                parameter="delta",
            )
        x, tx, T, index = self._customers(data)
        r, alpha, s, beta = self._param_arrays(params)

        def one(x_, tx_, T_):
            ll, _ = paretonbd_loglik((r, alpha, s, beta), x_, tx_, T_)
            log_num = (
                r * np.log(alpha)
                + s * np.log(beta)
                + (s - 1) * np.log(delta)
                + gammaln(r + x_ + 1)
                - gammaln(r)
                - (r + x_ + 1) * np.log(alpha + T_)
            )
            return np.exp(log_num - ll) * hyperu(s, s, delta * (beta + T_))

        return pd.Series(per_unique_row(one, x, tx, T), index=index, name="dert")
