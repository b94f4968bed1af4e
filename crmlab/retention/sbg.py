"""The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, 2010).

Each customer renews at the end of every period with her own probability ``1 - theta`` until she
churns; ``theta`` varies across customers as ``Beta(alpha, beta)``. The period ``T`` in which a
customer churns (``T = 1, 2, ...``) then follows the shifted-beta-geometric distribution
(Fader & Hardie 2007):

.. math::

    P(T = t) = \\frac{B(\\alpha + 1, \\beta + t - 1)}{B(\\alpha, \\beta)}, \\qquad
    S(t) = P(T > t) = \\frac{B(\\alpha, \\beta + t)}{B(\\alpha, \\beta)}, \\qquad
    r(t) = \\frac{S(t)}{S(t-1)} = \\frac{\\beta + t - 1}{\\alpha + \\beta + t - 1}.

A cohort of ``n`` customers has ``n S(t)`` survivors at the start of period ``t`` (``S(0) = 1``);
the retention rate ``r(t)`` rises with ``t`` because the customers most likely to churn leave
first (the sorting effect of heterogeneity).

References
----------
Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. Journal of
Interactive Marketing 21(1), 76-90.
Fader, P. S. and Hardie, B. G. S. (2010). Customer-Base Valuation in a Contractual Setting: The
Perils of Ignoring Heterogeneity. Marketing Science 29(1), 85-93.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from crmlab.errors import (
    ConvergenceError,
    CrmlabWarning,
    DataError,
    NotFittedError,
    ParameterError,
)

__all__ = ["ShiftedBetaGeometric", "sbg_loglik"]

_LOG_BOUND = 12.0  # alpha, beta searched in [exp(-12), exp(12)]
_GRAD_TOL = 1e-5  # largest allowed |d mean LL / d log theta| at the optimum
_NAMES = ("alpha", "beta")


def sbg_loglik(
    alpha: float, beta: float, t: np.ndarray, event: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood of the sBG model and its gradient in (alpha, beta).

    A row with ``event = 1`` churned in period ``t`` and contributes ``log P(T = t)``; a row with
    ``event = 0`` was still active at the start of period ``t`` (right-censored) and contributes
    ``log S(t)``: the likelihood of Fader & Hardie (2007), here with any
    censoring pattern.

    Parameters
    ----------
    alpha, beta : float
        sBG parameters (> 0).
    t : ndarray of int
        Churn period (event rows, ``t >= 1``) or the last period observed alive (censored rows,
        ``t >= 0``).
    event : ndarray of {0, 1}

    Returns
    -------
    ll : ndarray
        Log-likelihood of each row.
    grad : ndarray, shape (n, 2)
        Derivatives of each row's log-likelihood with respect to alpha and beta.
    """
    t = np.asarray(t, dtype=float)
    ev = np.asarray(event, dtype=bool)
    a, b = float(alpha), float(beta)
    base = special.betaln(a, b)
    da0 = special.digamma(a + b) - special.digamma(a)
    db0 = special.digamma(a + b) - special.digamma(b)
    psi_abt = special.digamma(a + b + t)
    # churned in t: log B(a + 1, b + t - 1) - log B(a, b)
    ll_event = special.betaln(a + 1, b + t - 1) - base
    da_event = special.digamma(a + 1) - psi_abt + da0
    db_event = special.digamma(b + t - 1) - psi_abt + db0
    # alive after t: log B(a, b + t) - log B(a, b)
    ll_cens = special.betaln(a, b + t) - base
    da_cens = special.digamma(a) - psi_abt + da0
    db_cens = special.digamma(b + t) - psi_abt + db0
    ll = np.where(ev, ll_event, ll_cens)
    grad = np.column_stack([np.where(ev, da_event, da_cens), np.where(ev, db_event, db_cens)])
    return ll, grad


def _hyp2f1_one(b: np.ndarray, c: np.ndarray, z: float) -> np.ndarray:
    """Gauss hypergeometric ``2F1(1, b; c; z)`` for ``0 < b < c`` and ``0 < z < 1``.

    scipy's ``hyp2f1`` is used where finite; elsewhere (large ``b`` and ``c``) the series
    ``sum_k (b)_k / (c)_k z^k``, whose terms fall at least as fast as ``z^k``, is summed directly.
    """
    b, c = np.broadcast_arrays(np.asarray(b, dtype=float), np.asarray(c, dtype=float))
    value = np.asarray(special.hyp2f1(1.0, b, c, z), dtype=float)
    bad = ~np.isfinite(value)
    if bad.any():
        n_terms = min(int(np.ceil(np.log(1e-18) / np.log(z))) + 2, 2_000_000)
        k = np.arange(n_terms - 1, dtype=float)[:, None]
        ratios = (b[bad][None, :] + k) / (c[bad][None, :] + k) * z
        terms = np.cumprod(ratios, axis=0)
        value = value.copy()
        value[bad] = 1.0 + terms.sum(axis=0)
    return value


def _rows(mask: np.ndarray, index: Any) -> list:
    return list(pd.Index(index)[np.asarray(mask)][:5])


def _period_codes(values: pd.Series, name: str) -> np.ndarray:
    """Integer period codes of a column of ints (NaN allowed) or pandas Periods (NaT allowed)."""
    if isinstance(values.dtype, pd.PeriodDtype):
        codes = values.array.asi8.astype(float)
        codes[values.isna().to_numpy()] = np.nan
        return codes
    try:
        codes = pd.to_numeric(values, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(
            f"column '{name}' must hold period numbers (integers) or pandas Periods, got "
            f"{values.dtype}; e.g. subscriptions['{name}'] = dates.dt.to_period('Y').",
            column=name,
        ) from exc
    bad = np.isfinite(codes) & (codes != np.round(codes))
    if bad.any():
        rows = _rows(bad, values.index)
        raise DataError(
            f"column '{name}' must hold whole period numbers; non-integers at rows {rows}.",
            column=name,
            rows=rows,
        )
    return codes


class ShiftedBetaGeometric:
    """Shifted-beta-geometric model of retention in a contractual setting.

    Fitted by maximum likelihood (Fader & Hardie 2007) in the log of ``alpha`` and
    ``beta`` with L-BFGS-B and the analytic gradient, then polished by Newton steps; standard
    errors come from the inverse observed information (Hessian by central differences of the
    analytic gradient in log-parameter space), carried to the natural scale by the delta method.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * (alpha**2 + beta**2)`` added to the negative mean
        log-likelihood. Leave at 0 to reproduce maximum likelihood estimates.
    confidence_level : float, default 0.95
        Level of ``confidence_intervals_`` and ``summary()``.

    Attributes
    ----------
    params_ : Series
        ``alpha`` and ``beta``.
    log_likelihood_ : float
        Maximised log-likelihood.
    standard_errors_ : Series
    confidence_intervals_ : DataFrame
        Columns ``lower``, ``upper`` (log scale, exponentiated: always positive).
    n_customers_ : int
        Customers in the fit.
    cohort_size_ : float or None
        The cohort size of :meth:`fit` (first value of ``alive``); None after
        :meth:`fit_cohorts`.

    Examples
    --------
    >>> from crmlab.datasets import load_fader_hardie_cohorts
    >>> from crmlab.retention import ShiftedBetaGeometric
    >>> alive = load_fader_hardie_cohorts()["regular"].loc[:7]
    >>> model = ShiftedBetaGeometric().fit(alive)
    >>> model.params_.round(3).tolist()
    [0.704, 1.182]

    References
    ----------
    Fader, P. S. and Hardie, B. G. S. (2007). How to Project Customer Retention. Journal of
    Interactive Marketing 21(1), 76-90.
    Fader, P. S. and Hardie, B. G. S. (2010). Customer-Base Valuation in a Contractual Setting:
    The Perils of Ignoring Heterogeneity. Marketing Science 29(1), 85-93.
    """

    def __init__(self, penalizer: float = 0.0, confidence_level: float = 0.95) -> None:
        self.penalizer = penalizer
        self.confidence_level = confidence_level

    # ------------------------------------------------------------------------------ fitting
    def fit(self, alive: Sequence[float] | pd.Series | np.ndarray) -> ShiftedBetaGeometric:
        """Fit to one cohort's survivor counts.

        Parameters
        ----------
        alive : sequence of numbers
            Customers still active at the start of periods 0, 1, ..., n (``alive[0]`` is the
            cohort size); non-increasing, at least two values. The ``alive[t-1] - alive[t]``
            customers lost in period ``t`` churned with ``T = t``; the ``alive[n]`` survivors
            are right-censored (``T > n``).

        Returns
        -------
        self
        """
        values = np.asarray(pd.Series(alive, dtype=float).to_numpy(), dtype=float)
        index = alive.index if isinstance(alive, pd.Series) else pd.RangeIndex(len(values))
        if values.ndim != 1 or len(values) < 2:
            raise DataError(
                "alive must hold at least two survivor counts (the cohort size and the survivors "
                f"of at least one period), got {len(np.atleast_1d(values))} value(s)."
            )
        bad = ~np.isfinite(values) | (values < 0)
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"alive has missing or negative counts at {rows}; give the number of customers "
                "still active at the start of each period.",
                rows=rows,
            )
        lost = -np.diff(values)
        bad = np.concatenate([[False], lost < 0])
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"alive increases at {rows}: survivor counts of one cohort can only fall. "
                "Give the survivors of a single cohort (not active customers of several cohorts; "
                "use fit_cohorts for those).",
                rows=rows,
            )
        if values[0] <= 0:
            raise DataError("alive[0], the cohort size, must be positive.", rows=[index[0]])
        if np.any(values != np.round(values)):
            warnings.warn(
                "alive holds non-integer values (shares?): the estimates are unaffected, but "
                "the standard errors, intervals and log-likelihood treat them as numbers of "
                "customers. Pass counts (share x cohort size) for valid uncertainty.",
                CrmlabWarning,
                stacklevel=2,
            )
        n = len(values) - 1
        t = np.concatenate([np.arange(1, n + 1), [n]])
        event = np.concatenate([np.ones(n), [0.0]])
        weights = np.concatenate([lost, [values[-1]]])
        self._fit_rows(t, event, weights)
        self.cohort_size_ = float(values[0])
        return self

    def fit_cohorts(
        self,
        subscriptions: pd.DataFrame,
        start: str = "start",
        end: str = "end",
        observation_end: Any = None,
    ) -> ShiftedBetaGeometric:
        """Fit to a subscription table pooling several cohorts, with right-censoring.

        Parameters
        ----------
        subscriptions : DataFrame
            One row per customer. ``start``: the period the customer was acquired (her
            cohort); ``end``: the first period in which she was no longer a customer (the lapse
            period), NaN (or NaT) while she is still active. Periods are integers (year or month
            numbers) or pandas Periods. Other columns (``customer_id``, ``cohort``) are ignored.
        start, end : str
            Column names.
        observation_end : int or Period, optional
            Last period observed: customers active at its start and without ``end`` are
            censored with ``T > observation_end - start``. Default: the largest period in
            ``start`` and ``end``.

        Returns
        -------
        self

        Notes
        -----
        A customer lapsing in ``end`` churned with ``T = end - start`` (she was active in periods
        ``start .. end - 1``); a still-active one contributes ``S(observation_end - start)``. This
        is the likelihood of Fader & Hardie (2007) pooled over cohorts with their own censoring.
        """
        if not isinstance(subscriptions, pd.DataFrame):
            raise DataError(
                "subscriptions must be a DataFrame with one row per customer and columns "
                f"'{start}' and '{end}', got {type(subscriptions).__name__}."
            )
        for col in (start, end):
            if col not in subscriptions.columns:
                raise DataError(
                    f"subscriptions lack the column '{col}'; present: "
                    f"{list(subscriptions.columns)}. Pass start=... and end=... to name yours.",
                    column=col,
                )
        s = _period_codes(subscriptions[start], start)
        e = _period_codes(subscriptions[end], end)
        index = subscriptions.index
        bad = ~np.isfinite(s)
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"column '{start}' has missing values at rows {rows}; every customer needs the "
                "period she was acquired.",
                column=start,
                rows=rows,
            )
        bad = np.isfinite(e) & (e <= s)
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"column '{end}' is not after '{start}' at rows {rows}; '{end}' is the first "
                "period without the subscription, so it must be > start.",
                column=end,
                rows=rows,
            )
        if observation_end is None:
            last = float(np.nanmax(np.concatenate([s, e])))
        elif isinstance(observation_end, pd.Period):
            last = float(observation_end.ordinal)
        else:
            last = float(observation_end)
        bad = (s > last) | (np.isfinite(e) & (e > last))
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"rows {rows} start or end after observation_end ({observation_end}); raise it "
                "or drop those rows.",
                rows=rows,
            )
        event = np.isfinite(e)
        t = np.where(event, e - s, last - s)
        self._fit_rows(t, event.astype(float), np.ones(len(t)))
        self.cohort_size_ = None
        return self

    def _objective(self, log_theta: np.ndarray, t, event, w, total):
        a, b = np.exp(log_theta)
        with np.errstate(all="ignore"):
            ll, grad = sbg_loglik(a, b, t, event)
            value = -float(w @ ll) / total + self.penalizer * (a * a + b * b)
            g = -(w @ grad) / total + 2.0 * self.penalizer * np.array([a, b])
        if not (np.isfinite(value) and np.all(np.isfinite(g))):
            return np.inf, np.zeros(2)
        return value, g * np.array([a, b])

    def _hessian(self, x, *args) -> np.ndarray:
        hess = np.empty((2, 2))
        for j in range(2):
            h = 1e-5 * max(1.0, abs(x[j]))
            step = np.zeros(2)
            step[j] = h
            hess[:, j] = (
                self._objective(x + step, *args)[1] - self._objective(x - step, *args)[1]
            ) / (2 * h)
        return 0.5 * (hess + hess.T)

    def _fit_rows(self, t: np.ndarray, event: np.ndarray, weights: np.ndarray) -> None:
        if not np.isscalar(self.penalizer) or not self.penalizer >= 0:
            raise ParameterError(
                f"penalizer must be a number >= 0, got {self.penalizer!r}.", parameter="penalizer"
            )
        if not 0 < self.confidence_level < 1:
            raise ParameterError(
                f"confidence_level must be in (0, 1), got {self.confidence_level!r}.",
                parameter="confidence_level",
            )
        # compress identical (t, event) rows
        keep = weights > 0
        keys = np.column_stack([t[keep], event[keep]])
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        w = np.bincount(inverse.ravel(), weights=weights[keep], minlength=len(unique))
        t_u, ev_u = unique[:, 0], unique[:, 1]
        total = float(w.sum())
        n_events = float(w[ev_u == 1].sum())
        advice = (
            "The sBG model needs churn in at least two different periods or survivors after "
            "the last one; check the data or try a small penalizer (e.g. penalizer=0.01)."
        )
        if n_events == 0:
            raise ConvergenceError(
                "ShiftedBetaGeometric: no customer churned in the data, so alpha runs to 0 and "
                "the model is not identified. Fit a cohort with some churn."
            )
        args = (t_u, ev_u, w, total)
        # method-of-moments start: first-period churn p1 = alpha / (alpha + beta)
        p1 = float(w[(ev_u == 1) & (t_u == 1)].sum()) / total
        p1 = min(max(p1, 0.05), 0.95)
        start = np.log([p1, 1.0 - p1])
        res = optimize.minimize(
            self._objective,
            start,
            args=args,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2,
            options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
        )
        x, f0, g0 = res.x, res.fun, res.jac
        hess = self._hessian(x, *args)
        for _ in range(6):
            try:
                step = np.linalg.solve(hess, g0)
            except np.linalg.LinAlgError:
                break
            x_new = np.clip(x - step, -_LOG_BOUND, _LOG_BOUND)
            f1, g1 = self._objective(x_new, *args)
            if not f1 <= f0:
                break
            x, f0, g0 = x_new, f1, g1
            hess = self._hessian(x, *args)
            if np.max(np.abs(g0)) < 1e-12:
                break
        if not np.isfinite(f0):
            raise ConvergenceError(
                f"ShiftedBetaGeometric: the log-likelihood is not finite. {advice}"
            )
        at_bound = np.abs(x) >= _LOG_BOUND - 1e-6
        if at_bound.any():
            names = [_NAMES[i] for i in np.flatnonzero(at_bound)]
            raise ConvergenceError(
                f"ShiftedBetaGeometric: parameter(s) {names} ran to the bound of the search "
                f"(exp(+-{_LOG_BOUND:g})): the model is not identified on these data. {advice}"
            )
        grad_norm = float(np.max(np.abs(g0)))
        if grad_norm > _GRAD_TOL:
            raise ConvergenceError(
                f"ShiftedBetaGeometric: the optimiser stopped ({res.message}) with gradient norm "
                f"{grad_norm:.2e} > {_GRAD_TOL:g}. {advice}"
            )
        try:
            cov_log = np.linalg.inv(hess * total)
        except np.linalg.LinAlgError:
            cov_log = np.full((2, 2), np.nan)
        theta = np.exp(x)
        self._log_params = x
        self._cov_log = cov_log
        self.params_ = pd.Series(theta, index=list(_NAMES), name="coef")
        ll, _ = sbg_loglik(theta[0], theta[1], t_u, ev_u)
        self.log_likelihood_ = float(w @ ll)
        self.n_customers_ = int(round(total))
        self.n_churned_ = int(round(n_events))
        self.converged_ = True
        se_log = np.sqrt(np.clip(np.diag(cov_log), 0, None))
        self.standard_errors_ = pd.Series(theta * se_log, index=list(_NAMES), name="se")
        zq = stats.norm.ppf(0.5 + self.confidence_level / 2)
        self.confidence_intervals_ = pd.DataFrame(
            {"lower": np.exp(x - zq * se_log), "upper": np.exp(x + zq * se_log)},
            index=list(_NAMES),
        )

    # ---------------------------------------------------------------------------- inference
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                "This ShiftedBetaGeometric is not fitted yet: call fit(alive) or "
                "fit_cohorts(subscriptions) first."
            )

    def summary(self) -> pd.DataFrame:
        """Table of the fitted parameters.

        Returns
        -------
        DataFrame
            Index ``alpha``, ``beta``; columns ``coef`` (estimate), ``se`` (standard error),
            ``lower``, ``upper`` (confidence interval at ``confidence_level``, log scale).
        """
        self._check_fitted()
        return pd.DataFrame(
            {
                "coef": self.params_,
                "se": self.standard_errors_,
                "lower": self.confidence_intervals_["lower"],
                "upper": self.confidence_intervals_["upper"],
            }
        )

    def draw_params(self, n_draws: int, seed: int | None) -> pd.DataFrame:
        """Parameter draws ``exp(N(log theta_hat, Cov))`` from the asymptotic normal of the log
        parameters (a parametric bootstrap that keeps alpha and beta positive).

        Returns
        -------
        DataFrame
            One row per draw; columns ``alpha``, ``beta``.
        """
        self._check_fitted()
        if not np.all(np.isfinite(self._cov_log)):
            raise ConvergenceError(
                "ShiftedBetaGeometric: the Hessian is singular; no parameter uncertainty."
            )
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(self._log_params, self._cov_log, size=int(n_draws))
        return pd.DataFrame(np.exp(draws), columns=list(_NAMES))

    def _ab(self) -> tuple[float, float]:
        self._check_fitted()
        return float(self.params_["alpha"]), float(self.params_["beta"])

    @staticmethod
    def _periods(t: Any, name: str = "t", minimum: int = 0) -> np.ndarray:
        arr = np.asarray(t, dtype=float)
        if np.any(~np.isfinite(arr)) or np.any(arr < minimum) or np.any(arr != np.round(arr)):
            raise ParameterError(
                f"{name} must be whole numbers of periods >= {minimum}, got {t!r}.", parameter=name
            )
        return arr

    @staticmethod
    def _out(values: np.ndarray, t: Any) -> Any:
        return float(values) if np.ndim(t) == 0 else values

    def survival(self, t: Any) -> Any:
        """Share of a cohort still active at the start of period ``t``:
        ``S(t) = B(alpha, beta + t) / B(alpha, beta)`` (Fader & Hardie 2007).

        Parameters
        ----------
        t : int or array-like of int (>= 0)

        Returns
        -------
        float or ndarray
        """
        a, b = self._ab()
        tt = self._periods(t)
        return self._out(np.exp(special.betaln(a, b + tt) - special.betaln(a, b)), t)

    def retention_rate(self, t: Any) -> Any:
        """Retention rate in period ``t``: ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)``,
        the share of customers active in ``t - 1`` who renew for ``t`` (Fader & Hardie
        2007). ``t >= 1``."""
        a, b = self._ab()
        tt = self._periods(t, minimum=1)
        return self._out((b + tt - 1) / (a + b + tt - 1), t)

    def churn_probability(self, t: Any) -> Any:
        """Probability that a new customer churns in period ``t``:
        ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)`` (Fader & Hardie 2007).
        ``t >= 1``."""
        a, b = self._ab()
        tt = self._periods(t, minimum=1)
        return self._out(np.exp(special.betaln(a + 1, b + tt - 1) - special.betaln(a, b)), t)

    def project(
        self,
        n_periods: int,
        cohort_size: float | None = None,
        alpha: float = 0.05,
        n_draws: int = 2000,
        seed: int | None = 0,
    ) -> pd.DataFrame:
        """Expected survivors of a cohort for periods 0..n_periods, with intervals.

        Parameters
        ----------
        n_periods : int
            Last period projected.
        cohort_size : float, optional
            Customers at period 0. Default: the fitted cohort size after :meth:`fit`, else 1
            (the projection is then a share).
        alpha : float, default 0.05
            The interval is the central ``1 - alpha`` range of the projection under parameter
            draws from the asymptotic normal of the log parameters (parameter uncertainty only;
            binomial noise of a finite cohort is not included).
        n_draws : int, default 2000
        seed : int or None, default 0

        Returns
        -------
        DataFrame
            Index ``period`` (0..n_periods); columns ``survival`` (``S(t)``),
            ``retention_rate`` (``r(t)``, NaN at 0), ``expected`` (``cohort_size * S(t)``),
            ``lower``, ``upper`` (interval of ``expected``).
        """
        a, b = self._ab()
        n = int(self._periods(n_periods, "n_periods"))
        if not 0 < alpha < 1:
            raise ParameterError(f"alpha must be in (0, 1), got {alpha!r}.", parameter="alpha")
        size = cohort_size if cohort_size is not None else (self.cohort_size_ or 1.0)
        t = np.arange(n + 1, dtype=float)
        surv = np.exp(special.betaln(a, b + t) - special.betaln(a, b))
        draws = self.draw_params(n_draws, seed)
        da = draws["alpha"].to_numpy()[:, None]
        db = draws["beta"].to_numpy()[:, None]
        sd = np.exp(special.betaln(da, db + t) - special.betaln(da, db))
        lower, upper = np.quantile(sd, [alpha / 2, 1 - alpha / 2], axis=0)
        rr = np.full(n + 1, np.nan)
        rr[1:] = (b + t[1:] - 1) / (a + b + t[1:] - 1)
        return pd.DataFrame(
            {
                "survival": surv,
                "retention_rate": rr,
                "expected": size * surv,
                "lower": size * lower,
                "upper": size * upper,
            },
            index=pd.Index(np.arange(n + 1), name="period"),
        )

    def derl(self, discount_rate: float, renewals_made: Any = 0) -> Any:
        """Discounted expected residual lifetime of a customer who has made ``renewals_made``
        renewals, just before her next renewal decision (Fader & Hardie 2010, DERL with the Gaussian
        hypergeometric function):

        .. math::

            DERL(d \\mid \\alpha, \\beta, n - 1) = \\sum_{t=n}^{\\infty}
                \\frac{S(t)}{S(n-1)} \\frac{1}{(1+d)^{t-n}}
              = \\frac{\\beta + n - 1}{\\alpha + \\beta + n - 1}\\,
                {}_2F_1\\!\\left(1, \\beta + n; \\alpha + \\beta + n; \\tfrac{1}{1+d}\\right),

        with ``n - 1 = renewals_made``. It counts the expected number of future payments (the
        next one undiscounted): multiply by the margin per period for the residual value.

        Parameters
        ----------
        discount_rate : float
            Per-period discount rate ``d > 0``.
        renewals_made : int or array-like of int, default 0

        Returns
        -------
        float or ndarray
        """
        a, b = self._ab()
        z = self._discount(discount_rate)
        m = self._periods(renewals_made, "renewals_made")
        n = m + 1
        value = (b + n - 1) / (a + b + n - 1) * _hyp2f1_one(b + n, a + b + n, z)
        return self._out(value, renewals_made)

    def dexl(self, discount_rate: float) -> float:
        """Discounted expected lifetime of a customer at acquisition, counting the first
        payment (at period 0) undiscounted (Fader & Hardie 2010, DEL):

        .. math::

            DEL(d \\mid \\alpha, \\beta) = \\sum_{t=0}^{\\infty} \\frac{S(t)}{(1+d)^t}
              = {}_2F_1\\!\\left(1, \\beta; \\alpha + \\beta; \\tfrac{1}{1+d}\\right).

        Multiplied by the margin per period it is the expected CLV of a new customer; note
        ``DEL = 1 + DERL(d, renewals_made=0) / (1 + d)``.
        """
        a, b = self._ab()
        z = self._discount(discount_rate)
        return float(_hyp2f1_one(b, a + b, z))

    @staticmethod
    def _discount(discount_rate: float) -> float:
        if not np.isscalar(discount_rate) or not float(discount_rate) > 0:
            raise ParameterError(
                f"discount_rate must be a number > 0 per period (e.g. 0.1), got "
                f"{discount_rate!r}; without discounting the expected lifetime is infinite when "
                "alpha <= 1.",
                parameter="discount_rate",
            )
        return 1.0 / (1.0 + float(discount_rate))

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            a, b = self._ab()
            return f"ShiftedBetaGeometric(alpha={a:.4g}, beta={b:.4g}, n_customers={self.n_customers_})"
        return f"ShiftedBetaGeometric(penalizer={self.penalizer})"
