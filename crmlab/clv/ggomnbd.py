"""The Gamma-Gompertz/NBD model (Bemmaor and Glady 2012).

While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``. Her
lifetime is Gompertz, ``S(t | eta) = exp(-eta (e^{bt} - 1))``, with ``eta ~ Gamma(s, beta)``;
across customers the lifetime is Gamma-Gompertz, ``S(t) = (beta / (beta + e^{bt} - 1))^s``.
With ``b -> 0`` and ``beta / b`` fixed the model becomes the Pareto/NBD (drop-out rate
``b eta ~ Gamma(s, beta / b)``).

Likelihood (Bemmaor and Glady 2012, eq. 6, in the form of Adler's 2022 corrections, which
CLVTools 0.12 applies: the death density integrated from ``t_x`` to ``T``)::

    L = G(r+x) alpha^r / G(r) * [ (alpha+T)^-(r+x) (beta / (beta + e^{bT} - 1))^s
        + int_{t_x}^{T} (alpha+tau)^-(r+x) g(tau) dtau ],
    g(tau) = s b e^{b tau} beta^s / (beta + e^{b tau} - 1)^(s+1)   (the lifetime density).

Numerics. The integral is computed for every customer at once by Gauss-Legendre quadrature
(32 nodes) in ``w = log(tau - t_x + h)``, with ``h`` a fiftieth of the finest scale of the
integrand (``alpha + t_x`` for the purchase factor, ``1 / b`` and ``beta / b`` for the Gompertz
density), so features at every scale from ``h`` to ``T - t_x`` are resolved; in log space and
with ``log(beta + e^{b tau} - 1)`` formed without overflow; the same nodes integrate the
derivative integrands, which gives the analytic gradient. Predictions: P(alive) is the share of
the first term; conditional expected transactions and DERT integrate the remaining-lifetime
survival ``((beta + e^{bT} - 1) / (beta + e^{b(T+u)} - 1))^s`` by quadrature
(Gauss-Legendre on ``(0, t)``, Gauss-Laguerre for the discounted infinite horizon).

References
----------
Bemmaor, A. C. and Glady, N. (2012). Modeling Purchasing Behavior with Sudden "Death": A
Flexible Customer Lifetime Model. Management Science 58(5), 1012-1021.
Adler, J. (2022). Comment on "Modeling Purchasing Behavior with Sudden 'Death'". Management
Science (corrected likelihood expression).
Meierer, P., Näf, J. and Bachmann, P. (2025). CLVTools 0.12.1, ``ggomnbd()``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from crmlab.checks import check_delta
from crmlab.clv.base import TransactionModel, check_horizon, check_purchase_number, per_unique_row
from crmlab.clv.covariates import CovariateDispatch, CovariateModel, ParameterSetPredictions
from crmlab.errors import ConvergenceError, ParameterError

__all__ = ["GGomNBD", "GGomNBDWithCovariates", "ggomnbd_loglik"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(32)
#: The log-time quadrature starts this fraction of the integrand's finest scale after t_x.
_SCALE = 0.02
_LOG_WEIGHTS = np.log(_WEIGHTS)
_LAG_NODES, _LAG_WEIGHTS = np.polynomial.laguerre.laggauss(48)


def _log_beta_e(beta, bt):
    """``log(beta + e^{bt} - 1)`` without overflow (large ``bt``) or cancellation (small)."""
    if np.max(bt, initial=0.0) <= 30.0:
        return np.log(beta + np.expm1(bt))
    big = bt > 30.0
    bts = np.where(big, 0.0, bt)
    with np.errstate(over="ignore"):
        small_form = np.log(beta + np.expm1(bts))
        large_form = bt + np.log1p((beta - 1.0) * np.exp(-np.where(big, bt, 30.0)))
    return np.where(big, large_form, small_form)


def ggomnbd_loglik(theta, x, tx, T):
    """Per-customer GGom/NBD log-likelihood and gradient (r, alpha, b, s, beta).

    ``alpha`` and ``beta`` may hold one value per row (covariate models).
    """
    r, alpha, b, s, beta = theta
    alpha = np.broadcast_to(np.asarray(alpha, dtype=float), x.shape)
    beta = np.broadcast_to(np.asarray(beta, dtype=float), x.shape)
    p = r + x
    # first term: alive at T
    lbT = _log_beta_e(beta, b * T)
    log_a1 = -p * np.log(alpha + T) + s * (np.log(beta) - lbT)
    eT = np.exp(b * T - lbT)  # e^{bT} / (beta + e^{bT} - 1)
    g_a1 = np.column_stack(
        [
            -np.log(alpha + T),
            -p / (alpha + T),
            -s * T * eT,
            np.log(beta) - lbT,
            s / beta - s * np.exp(-lbT),
        ]
    )
    # second term: died in (t_x, T]
    n = len(x)
    log_i = np.full(n, -np.inf)
    g_i = np.zeros((n, 5))
    rows = tx < T
    if rows.any():
        a, bb = alpha[rows], beta[rows]
        pr, t0, t1 = p[rows], tx[rows], T[rows]
        # nodes in w = log(tau - t_x + h): h below the scales of both factors (alpha + t_x for
        # the purchase factor, 1/b and beta/b for the Gompertz density)
        h = _SCALE * np.minimum(np.minimum(a + t0, t1 - t0), np.minimum(1.0 / b, bb / b))
        w0, w1 = np.log(h), np.log(t1 - t0 + h)
        w = w0[:, None] + (w1 - w0)[:, None] * ((_NODES + 1) / 2)[None, :]
        tau = t0[:, None] + np.exp(w) - h[:, None]
        lat = np.log(a[:, None] + tau)
        lbe = _log_beta_e(bb[:, None], b * tau)
        log_terms = (
            np.log((w1 - w0) / 2)[:, None]
            + _LOG_WEIGHTS[None, :]
            + w
            - pr[:, None] * lat
            + np.log(s * b)
            + b * tau
            + s * np.log(bb)[:, None]
            - (s + 1.0) * lbe
        )
        top = log_terms.max(axis=1)
        terms = np.exp(log_terms - top[:, None])
        total = terms.sum(axis=1)
        li = top + np.log(total)
        wts = terms / total[:, None]
        ratio = np.exp(b * tau - lbe)
        g = np.column_stack(
            [
                -(wts * lat).sum(axis=1),
                -pr * (wts * np.exp(-lat)).sum(axis=1),
                1.0 / b + (wts * tau * (1.0 - (s + 1.0) * ratio)).sum(axis=1),
                1.0 / s + np.log(bb) - (wts * lbe).sum(axis=1),
                s / bb - (s + 1.0) * (wts * np.exp(-lbe)).sum(axis=1),
            ]
        )
        log_i[rows] = li
        g_i[rows] = g
    log_br = np.logaddexp(log_a1, log_i)
    w1_ = np.exp(log_a1 - log_br)[:, None]
    w2_ = np.exp(log_i - log_br)[:, None]
    ll = gammaln(p) - gammaln(r) + r * np.log(alpha) + log_br
    g_common = np.zeros((n, 5))
    g_common[:, 0] = digamma(p) - digamma(r) + np.log(alpha)
    g_common[:, 1] = r / alpha
    return ll, g_common + w1_ * g_a1 + w2_ * g_i


def ggomnbd_probability_alive(r, alpha, b, s, beta, x, tx, T):
    """P(alive | x, t_x, T): the share of the alive term in the likelihood bracket."""
    theta = (r, alpha, b, s, beta)
    ll, _ = ggomnbd_loglik(theta, x, tx, T)
    alpha = np.broadcast_to(alpha, x.shape)
    beta = np.broadcast_to(beta, x.shape)
    log_a1 = -(r + x) * np.log(alpha + T) + s * (np.log(beta) - _log_beta_e(beta, b * T))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    return np.exp(np.minimum(common + log_a1 - ll, 0.0))


def _log_survival_after(b, s, beta, T, u):
    """log P(alive at T+u | alive at T) = s log((beta + e^{bT} - 1) / (beta + e^{b(T+u)} - 1))."""
    return s * (_log_beta_e(beta, b * T) - _log_beta_e(beta, b * (T + u)))


def ggomnbd_conditional_expected(r, alpha, b, s, beta, x, tx, T, t):
    """E[Y(t) | x, t_x, T]: P(alive) (r+x)/(alpha+T) int_0^t S(T+u | T) du (Gauss-Legendre)."""
    alpha = np.broadcast_to(alpha, x.shape)
    beta = np.broadcast_to(beta, x.shape)
    if t == 0:
        return np.zeros(x.shape)
    u = 0.5 * t * (_NODES + 1)[None, :]
    surv = np.exp(_log_survival_after(b, s, beta[:, None], T[:, None], u))
    life = surv @ (0.5 * t * _WEIGHTS)
    alive = ggomnbd_probability_alive(r, alpha, b, s, beta, x, tx, T)
    return alive * (r + x) / (alpha + T) * life


def ggomnbd_dert(r, alpha, b, s, beta, delta, x, tx, T):
    """DERT: P(alive) (r+x)/(alpha+T) int_0^inf e^{-delta u} S(T+u | T) du (Gauss-Laguerre)."""
    alpha = np.broadcast_to(alpha, x.shape)
    beta = np.broadcast_to(beta, x.shape)
    u = (_LAG_NODES / delta)[None, :]
    surv = np.exp(_log_survival_after(b, s, beta[:, None], T[:, None], u))
    life = surv @ (_LAG_WEIGHTS / delta)
    alive = ggomnbd_probability_alive(r, alpha, b, s, beta, x, tx, T)
    return alive * (r + x) / (alpha + T) * life


def ggomnbd_expected(r, alpha, b, s, beta, t):
    """E[X(t)] for a new customer: (r/alpha) int_0^t S(u) du, ``S(u) = (beta/(beta+e^{bu}-1))^s``."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    u = 0.5 * t[:, None] * (_NODES + 1)[None, :]
    surv = np.exp(s * (np.log(beta) - _log_beta_e(beta, b * u)))
    return r / alpha * (surv @ _WEIGHTS) * 0.5 * t


class GGomNBD(CovariateDispatch, TransactionModel):
    """Gamma-Gompertz/NBD model (Bemmaor and Glady 2012).

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters added to the negative mean log-likelihood.
    alpha : float, default 0.05
        Significance level of the confidence intervals.
    purchase_covariates, dropout_covariates : list of str, optional
        Static covariates (columns of the summary): ``alpha_i = alpha exp(-g_p . z_i)``,
        ``beta_i = beta exp(-g_d . z_i)`` (CLVTools' parameterisation); see
        :class:`crmlab.clv.covariates.CovariateModel`.

    Attributes
    ----------
    params_ : Series
        ``r, alpha`` (gamma purchase rate), ``b`` (Gompertz scale of the lifetime, per time
        unit), ``s, beta`` (gamma distribution of the Gompertz ``eta``).

    Notes
    -----
    When the data prefer ``b -> 0`` the GGom/NBD is the Pareto/NBD (``beta / b`` fixed): the fit
    raises a :class:`~crmlab.errors.ConvergenceError` (``reason="pareto_limit"``) that says so;
    fit :class:`~crmlab.clv.ParetoNBD` instead. On CDNOW (39 weeks) without covariates this is
    the case (CLVTools 0.12.1 stops at b = 9.98e-6, beta = 1.165e-4, LL -9594.976, the
    Pareto/NBD optimum).

    References
    ----------
    Bemmaor, A. C. and Glady, N. (2012). Modeling Purchasing Behavior with Sudden "Death".
    Management Science 58(5), 1012-1021.
    """

    _param_names = ("r", "alpha", "b", "s", "beta")
    _model_name = "GGomNBD"

    def _loglik_grad(self, theta, x, tx, T, *_):
        return ggomnbd_loglik(theta, x, tx, T)

    def _start_from_rate(self, rate, mean_T):
        return np.array([1.0, 1.0 / rate, 0.1, 1.0, 0.1 * mean_T])

    def _accept(self, x, value, grad, hess, cov, res) -> None:
        try:
            super()._accept(x, value, grad, hess, cov, res)
        except ConvergenceError as exc:
            theta = self._natural(x)
            b = theta[self._param_names.index("b")]
            if exc.reason in ("parameter_at_bound", "flat_likelihood") and b < 1e-4:
                beta = theta[self._param_names.index("beta")]
                raise ConvergenceError(
                    f"{self._model_name}: the Gompertz scale b ran to 0 (b = {b:.3g}, beta / b "
                    f"= {beta / b:.4g}): the data prefer the Pareto/NBD, the b -> 0 limit of "
                    "the GGom/NBD, whose optimum the fit approaches (log-likelihood "
                    f"{-value * self._n_total:.3f}) but cannot reach with b > 0. Fit "
                    "crmlab.clv.ParetoNBD instead (same r, alpha, s, and beta = beta / b).",
                    reason="pareto_limit",
                    parameter="b",
                ) from exc
            raise

    def _fit(self, fd, initial_params=None, max_iter: int = 2000):
        self._n_total = float(np.sum(fd.weights))
        return super()._fit(fd, initial_params, max_iter)

    def _rows(self, data):
        x, tx, T, index = self._customers(data)
        r, alpha, b, s, beta = self._param_arrays(None)
        return (r, alpha, b, s, beta), x, tx, T, index

    def expected_purchases_new_customer(self, t: float | np.ndarray, params=None) -> np.ndarray:
        """Expected purchases in ``(0, t]`` of a newly acquired customer (quadrature)."""
        from crmlab.clv.base import check_times

        if params is not None:
            raise ParameterError(
                "GGomNBD.expected_purchases_new_customer does not take parameter draws yet; "
                "call it without params.",
                parameter="params",
            )

        r, alpha, b, s, beta = self._param_arrays(None)
        t = check_times(t)
        out = ggomnbd_expected(r, alpha, b, s, beta, t)
        return out.reshape(np.shape(t))

    def probability_alive(self, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive | x, t_x, T) per customer, named ``probability_alive``."""
        (r, alpha, b, s, beta), x, tx, T, index = self._rows(data)
        p = per_unique_row(
            lambda x_, tx_, T_, a_, be_: ggomnbd_probability_alive(r, a_, b, s, be_, x_, tx_, T_),
            x,
            tx,
            T,
            np.broadcast_to(alpha, x.shape),
            np.broadcast_to(beta, x.shape),
        )
        return pd.Series(p, index=index, name="probability_alive")

    def conditional_expected_purchases(
        self, t: float, data: pd.DataFrame | None = None
    ) -> pd.Series:
        """Expected purchases in ``(T, T + t]`` per customer, named like the other models'."""
        t = check_horizon(t)
        (r, alpha, b, s, beta), x, tx, T, index = self._rows(data)
        out = per_unique_row(
            lambda x_, tx_, T_, a_, be_: ggomnbd_conditional_expected(
                r, a_, b, s, be_, x_, tx_, T_, t
            ),
            x,
            tx,
            T,
            np.broadcast_to(alpha, x.shape),
            np.broadcast_to(beta, x.shape),
        )
        return pd.Series(out, index=index, name="conditional_expected_purchases")

    def discounted_expected_residual_transactions(
        self, delta: float, data: pd.DataFrame | None = None
    ) -> pd.Series:
        """DERT per customer at continuously compounded rate ``delta`` per time unit."""
        delta = check_delta(delta)
        (r, alpha, b, s, beta), x, tx, T, index = self._rows(data)
        out = per_unique_row(
            lambda x_, tx_, T_, a_, be_: ggomnbd_dert(r, a_, b, s, be_, delta, x_, tx_, T_),
            x,
            tx,
            T,
            np.broadcast_to(alpha, x.shape),
            np.broadcast_to(beta, x.shape),
        )
        return pd.Series(out, index=index, name="dert")

    def _per_row(self, func, data, name):
        (r, alpha, b, s, beta), x, tx, T, index = self._rows(data)
        out = per_unique_row(
            lambda x_, tx_, T_, a_, be_: func(r, a_, b, s, be_, x_, tx_, T_),
            x,
            tx,
            T,
            np.broadcast_to(alpha, x.shape),
            np.broadcast_to(beta, x.shape),
        )
        return pd.Series(out, index=index, name=name)

    def probability_alive_after(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(alive at ``T + t``) per customer: P(alive) ``S(T + t | T)``, the Gompertz
        survival given alive at T (``((beta + e^{bT} - 1) / (beta + e^{b(T+t)} - 1))^s``).
        Named ``probability_alive_after``."""
        t = check_horizon(t)

        def func(r, a, b, s, be, x, tx, T):
            alive = ggomnbd_probability_alive(r, a, b, s, be, x, tx, T)
            return alive * np.exp(_log_survival_after(b, s, be, T, t))

        return self._per_row(func, data, "probability_alive_after")

    def conditional_probability_of_purchases(
        self, n: int, t: float, data: pd.DataFrame | None = None
    ) -> pd.Series:
        """P(exactly ``n`` purchases in ``(T, T + t]``) per customer.

        Alive at T, the purchase rate is Gamma(r + x, alpha + T) and the remaining lifetime
        has survival ``S(u | T)``: ``P(n | alive) = NB(n; t) S(t | T) + int_0^t NB(n; u)
        f(u | T) du`` (the death-time density ``f = -dS/du``), by Gauss-Legendre in log time;
        dead at T, none. Named ``conditional_probability_of_purchases``.
        """
        n = check_purchase_number(n)
        t = check_horizon(t)

        def func(r, a, b, s, be, x, tx, T):
            alive = ggomnbd_probability_alive(r, a, b, s, be, x, tx, T)
            fresh = ggomnbd_conditional_pmf_alive(r + x, a + T, b, s, be, T, int(n), t)
            return alive * fresh + (1.0 - alive) * (int(n) == 0)

        return self._per_row(func, data, "conditional_probability_of_purchases")

    def probability_no_purchase(self, t: float, data: pd.DataFrame | None = None) -> pd.Series:
        """P(no purchase in ``(T, T + t]``) per customer, named ``probability_no_purchase``."""
        return self.conditional_probability_of_purchases(0, t, data).rename(
            "probability_no_purchase"
        )


def _alive_after(t):
    def func(r, a, b, s, be, x, tx, T):
        alive = ggomnbd_probability_alive(r, a, b, s, be, x, tx, T)
        return alive * np.exp(_log_survival_after(b, s, be, T, t))

    return func


def _conditional_pmf(n, t):
    def func(r, a, b, s, be, x, tx, T):
        alive = ggomnbd_probability_alive(r, a, b, s, be, x, tx, T)
        fresh = ggomnbd_conditional_pmf_alive(r + x, a + T, b, s, be, T, n, t)
        return alive * fresh + (1.0 - alive) * (n == 0)

    return func


class GGomNBDWithCovariates(ParameterSetPredictions, CovariateModel, GGomNBD):
    """GGom/NBD with static covariates (built by ``GGomNBD(purchase_covariates=...)``).

    ``alpha_i = alpha exp(-g_p . z_i)``, ``beta_i = beta exp(-g_d . z_i)``; predictions use
    each customer's covariates; with ``params`` (the frame of :meth:`draw_params`, base
    parameters and coefficients) each returns an array (n_draws, n_customers). A new
    customer's expectation takes her ``covariates=``.
    """

    _scaled = {"purchase": (("alpha", -1),), "dropout": (("beta", -1),)}

    def _rows_loglik_grad(self, params, x, tx, T):
        return ggomnbd_loglik(params, x, tx, T)

    def _new_customer_expected(self, params, t):
        return ggomnbd_expected(*params, t)

    def probability_alive(self, data: pd.DataFrame | None = None, params=None):
        """P(alive | x, t_x, T) per customer, named ``probability_alive``."""
        return self._predict(ggomnbd_probability_alive, data, params, "probability_alive")

    def conditional_expected_purchases(self, t: float, data=None, params=None):
        """Expected purchases in ``(T, T + t]`` per customer."""
        t = check_horizon(t)
        return self._predict(
            lambda *p: ggomnbd_conditional_expected(*p, t),
            data,
            params,
            "conditional_expected_purchases",
        )

    def discounted_expected_residual_transactions(self, delta: float, data=None, params=None):
        """DERT per customer at continuously compounded rate ``delta``, named ``dert``."""
        delta = check_delta(delta)
        return self._predict(
            lambda r, a, b, s, be, x, tx, T: ggomnbd_dert(r, a, b, s, be, delta, x, tx, T),
            data,
            params,
            "dert",
        )

    def probability_alive_after(self, t: float, data=None, params=None):
        """P(alive at ``T + t``) per customer, named ``probability_alive_after``."""
        t = check_horizon(t)
        return self._predict(_alive_after(t), data, params, "probability_alive_after")

    def conditional_probability_of_purchases(self, n: int, t: float, data=None, params=None):
        """P(exactly ``n`` purchases in ``(T, T + t]``) per customer."""
        n = check_purchase_number(n)
        t = check_horizon(t)
        return self._predict(
            _conditional_pmf(int(n), t), data, params, "conditional_probability_of_purchases"
        )

    def probability_no_purchase(self, t: float, data=None, params=None):
        """P(no purchase in ``(T, T + t]``) per customer, named ``probability_no_purchase``."""
        out = self.conditional_probability_of_purchases(0, t, data, params)
        return out.rename("probability_no_purchase") if isinstance(out, pd.Series) else out


GGomNBD._covariate_variant = GGomNBDWithCovariates


_PANELS = 16
_PANEL_NODES, _PANEL_WEIGHTS = np.polynomial.legendre.leggauss(24)


def ggomnbd_conditional_pmf_alive(r_post, a_post, b, s, beta, T, n, t):
    """P(n purchases in (T, T+t] | alive at T), rows of posterior ``r + x``, ``alpha + T``.

    ``NB(n; u) = G(r'+n) / (G(r') n!) (a'/(a'+u))^r' (u/(a'+u))^n``; the death time after
    T has survival ``S(u) = exp(_log_survival_after(b, s, beta, T, u))`` and density
    ``s b e^{b(T+u)} / (beta + e^{b(T+u)} - 1) S(u)``; the integral over (0, t) is taken in
    ``log u`` (16 panels of 24 nodes over 40 e-folds below t).
    """
    r_post, a_post = np.asarray(r_post, float)[:, None], np.asarray(a_post, float)[:, None]
    beta, T = np.broadcast_to(beta, r_post.shape[:1])[:, None], np.asarray(T, float)[:, None]
    if t == 0:
        return np.full(r_post.shape[0], float(n == 0))

    def log_nb(u):
        return (
            gammaln(r_post + n)
            - gammaln(r_post)
            - gammaln(n + 1.0)
            + r_post * (np.log(a_post) - np.log(a_post + u))
            + n * (np.log(u) - np.log(a_post + u))
        )

    edges = np.linspace(np.log(t) - 40.0, np.log(t), _PANELS + 1)
    half = np.diff(edges) / 2
    w = (edges[:-1, None] + half[:, None] * (_PANEL_NODES[None, :] + 1)).ravel()
    wts = (half[:, None] * _PANEL_WEIGHTS[None, :]).ravel()
    u = np.exp(w)[None, :]
    log_surv = _log_survival_after(b, s, beta, T, u)
    log_hazard = np.log(s * b) + b * (T + u) - _log_beta_e(beta, b * (T + u))
    integral = np.exp(log_nb(u) + log_hazard + log_surv + np.log(u)) @ wts
    alive = np.exp(log_nb(np.array([[t]])) + _log_survival_after(b, s, beta, T, t))[:, 0]
    return alive + integral
