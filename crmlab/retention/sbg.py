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

Discount rates
--------------
Every ``discount_rate`` here is *annual* (0.1 is 10% a year), as in :mod:`crmlab.clv`. The rate
per period, ``d = (1 + annual) ** (years per period) - 1``, is derived from ``period``, the
calendar period of the cohort data (``"Y"`` for the yearly Fader-Hardie cohorts, where the two
rates coincide; ``"M"`` for monthly renewals), by
:func:`crmlab.transactions.discount_rate_per_period`. A ``period`` is a calendar period (``"W"``
a calendar week, ``"M"`` a calendar month), not a ``time_unit`` (a length: ``"W"`` is 7 days).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crmlab._special import hyp2f1_one, log_hyp2f1_fast
from crmlab.errors import ConvergenceError, CrmlabWarning, DataError, ParameterError
from crmlab.estimation import FitData, MaximumLikelihoodModel, check_alpha
from crmlab.transactions import discount_rate_per_period

__all__ = ["ShiftedBetaGeometric", "sbg_loglik", "subscription_rows", "survivor_rows"]


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


def survivor_rows(alive: Sequence[float] | pd.Series | np.ndarray) -> FitData:
    """Likelihood rows ``(t, event)`` with weights from one cohort's survivor counts.

    The ``alive[t-1] - alive[t]`` customers lost in period ``t`` churned with ``T = t``
    (``event = 1``); the ``alive[n]`` survivors are right-censored at ``n`` (``event = 0``).

    Parameters
    ----------
    alive : sequence of numbers
        Customers still active at the start of periods 0, 1, ..., n (``alive[0]`` is the cohort
        size); non-increasing, at least two values.

    Returns
    -------
    FitData
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
            stacklevel=4,
        )
    # one cohort as a subscription table: the customers lost in period t lapsed in t, the
    # survivors are still active at n; both extraction paths end in subscription_rows
    n = len(values) - 1
    cohort = pd.DataFrame(
        {
            "start": np.zeros(n + 1),
            "end": np.concatenate([np.arange(1, n + 1), [np.nan]]),
            "customers": np.concatenate([lost, [values[-1]]]),
        },
        index=index,
    )
    return subscription_rows(cohort, observation_end=n, weight="customers")


def subscription_rows(
    subscriptions: pd.DataFrame,
    start: str = "start",
    end: str = "end",
    observation_end: Any = None,
    weight: str | None = None,
) -> FitData:
    """Likelihood rows ``(t, event)`` from a subscription table pooling several cohorts.

    A customer lapsing in ``end`` churned with ``T = end - start`` (``event = 1``); a
    still-active one is censored at ``observation_end - start`` (``event = 0``). Parameters as
    :meth:`ShiftedBetaGeometric.fit_cohorts`. This is the sBG's one data extraction:
    :func:`survivor_rows` writes a cohort's survivor counts as such a table (with ``weight``)
    and ends here.

    Parameters
    ----------
    weight : str, optional
        Column holding the number of customers each row stands for (>= 0); default one
        customer per row.

    Returns
    -------
    FitData
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
    if len(s) == 0:
        raise DataError(
            f"subscriptions have no rows (column '{start}' is empty): there is nothing to fit.",
            column=start,
        )
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
        try:
            last = float(observation_end)
        except (TypeError, ValueError) as exc:
            raise ParameterError(
                "observation_end must be a period number or a pandas Period like the "
                f"'{start}' column, got {observation_end!r}.",
                parameter="observation_end",
            ) from exc
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
    if weight is None:
        weights = np.ones(len(t))
    else:
        if weight not in subscriptions.columns:
            raise DataError(
                f"subscriptions lack the weight column '{weight}'; present: "
                f"{list(subscriptions.columns)}.",
                column=weight,
            )
        weights = pd.to_numeric(subscriptions[weight], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(weights) | (weights < 0)
        if bad.any():
            rows = _rows(bad, index)
            raise DataError(
                f"column '{weight}' must hold customer counts >= 0; bad values at rows {rows}.",
                column=weight,
                rows=rows,
            )
    return FitData((t, event.astype(float)), weights, index)


def _with_alpha(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    table.attrs["alpha"] = float(alpha)
    return table


class ShiftedBetaGeometric(MaximumLikelihoodModel):
    """Shifted-beta-geometric model of retention in a contractual setting.

    Fitted by maximum likelihood (Fader & Hardie 2007) with the one estimation engine of
    crmlab (:class:`crmlab.estimation.MaximumLikelihoodModel`): L-BFGS-B in the log of
    ``alpha`` and ``beta`` with the analytic gradient, Newton polish, standard errors from the
    inverse observed information carried to the natural scale by the delta method.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * (alpha**2 + beta**2)`` added to the negative mean
        log-likelihood. Leave at 0 to reproduce maximum likelihood estimates.
    alpha : float, default 0.05
        Significance level of ``confidence_intervals_`` and ``summary()`` (not the model
        parameter ``alpha``, which is ``params_["alpha"]``).
    confidence_level : float, optional
        Deprecated: ``1 - alpha``.

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
    n_churned_ : int
        Customers observed to churn.
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

    _param_names = ("alpha", "beta")
    _model_name = "ShiftedBetaGeometric"
    _advice = (
        "The sBG model needs churn in at least two different periods, with retention rates "
        "that change over time, or survivors after the last one; check the data or try a small "
        "penalizer (e.g. penalizer=0.01)."
    )

    # ------------------------------------------------------------------------------ fitting
    def fit(
        self,
        alive: Sequence[float] | pd.Series | np.ndarray,
        *,
        initial_params: Sequence[float] | None = None,
        max_iter: int = 2000,
    ) -> ShiftedBetaGeometric:
        """Fit to one cohort's survivor counts.

        Parameters
        ----------
        alive : sequence of numbers
            Customers still active at the start of periods 0, 1, ..., n (``alive[0]`` is the
            cohort size); non-increasing, at least two values. The ``alive[t-1] - alive[t]``
            customers lost in period ``t`` churned with ``T = t``; the ``alive[n]`` survivors
            are right-censored (``T > n``).
        initial_params : sequence of float, optional
            Starting ``(alpha, beta)``; a method-of-moments guess otherwise.
        max_iter : int, default 2000
            Iteration limit of the optimiser.

        Returns
        -------
        self
        """
        self._fit(survivor_rows(alive), initial_params, max_iter)
        self.cohort_size_ = float(np.asarray(alive, dtype=float)[0])
        return self

    def fit_cohorts(
        self,
        subscriptions: pd.DataFrame,
        start: str = "start",
        end: str = "end",
        observation_end: Any = None,
        *,
        initial_params: Sequence[float] | None = None,
        max_iter: int = 2000,
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
        initial_params, max_iter
            As in :meth:`fit`.

        Returns
        -------
        self

        Notes
        -----
        A customer lapsing in ``end`` churned with ``T = end - start`` (she was active in periods
        ``start .. end - 1``); a still-active one contributes ``S(observation_end - start)``. This
        is the likelihood of Fader & Hardie (2007) pooled over cohorts with their own censoring.
        """
        rows = subscription_rows(subscriptions, start, end, observation_end)
        self._fit(rows, initial_params, max_iter)
        self.cohort_size_ = None
        return self

    def _fit(self, fd: FitData, initial_params=None, max_iter: int = 2000):
        super()._fit(fd, initial_params, max_iter)
        t, event = fd.arrays
        self.n_churned_ = int(round(float(np.sum(fd.weights[event == 1]))))
        return self

    def _loglik_grad(self, theta, t, event):
        return sbg_loglik(theta[0], theta[1], t, event)

    def _check_data(self, data, w) -> None:
        t, event = data
        if not float(w[event == 1].sum()) > 0:
            raise ConvergenceError(
                "ShiftedBetaGeometric: no customer churned in the data, so alpha runs to 0 and "
                "the model is not identified (no_churn), with or without a penalizer. Fit a cohort "
                "with some churn.",
                reason="no_churn",
                parameter="alpha",
            )

    def _start(self, data, w):
        # method-of-moments start: first-period churn p1 = alpha / (alpha + beta)
        t, event = data
        p1 = float(w[(event == 1) & (t == 1)].sum()) / float(w.sum())
        p1 = min(max(p1, 0.05), 0.95)
        return np.array([p1, 1.0 - p1])

    # ---------------------------------------------------------------------------- inference
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
        alpha: float | None = None,
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
        alpha : float, optional
            Significance level; default the model's ``alpha`` (0.05). The interval is the
            central ``1 - alpha`` range of the projection under parameter
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
        alpha = self.alpha if alpha is None else check_alpha(alpha)
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
        ).pipe(_with_alpha, alpha)

    def derl(self, discount_rate: float, renewals_made: Any = 0, period: str = "Y") -> Any:
        """Discounted expected residual lifetime of a customer who has made ``renewals_made``
        renewals, just before her next renewal decision (Fader & Hardie 2010, DERL with the Gaussian
        hypergeometric function):

        .. math::

            DERL(d \\mid \\alpha, \\beta, n - 1) = \\sum_{t=n}^{\\infty}
                \\frac{S(t)}{S(n-1)} \\frac{1}{(1+d)^{t-n}}
              = \\frac{\\beta + n - 1}{\\alpha + \\beta + n - 1}\\,
                {}_2F_1\\!\\left(1, \\beta + n; \\alpha + \\beta + n; \\tfrac{1}{1+d}\\right),

        with ``n - 1 = renewals_made`` and ``d`` the discount rate per period. It counts the
        expected number of future payments (the next one undiscounted): multiply by the margin
        per period for the residual value.

        Parameters
        ----------
        discount_rate : float
            Annual discount rate (> 0; 0.1 is 10% a year).
        renewals_made : int or array-like of int, default 0
        period : {"Y", "Q", "M", "W", "D"}, default "Y"
            Calendar period of the cohort data (one renewal per period): the per-period rate is
            ``(1 + discount_rate) ** (years per period) - 1``; for yearly data it is the annual
            rate.

        Returns
        -------
        float or ndarray
        """
        a, b = self._ab()
        z = self._discount(discount_rate, period)
        m = self._periods(renewals_made, "renewals_made")
        n = m + 1
        value = (b + n - 1) / (a + b + n - 1) * hyp2f1_one(b + n, a + b + n, z)
        return self._out(value, renewals_made)

    def dexl(self, discount_rate: float, period: str = "Y") -> float:
        """Discounted expected lifetime of a customer at acquisition, counting the first
        payment (at period 0) undiscounted (Fader & Hardie 2010, DEL):

        .. math::

            DEL(d \\mid \\alpha, \\beta) = \\sum_{t=0}^{\\infty} \\frac{S(t)}{(1+d)^t}
              = {}_2F_1\\!\\left(1, \\beta; \\alpha + \\beta; \\tfrac{1}{1+d}\\right).

        Multiplied by the margin per period it is the expected CLV of a new customer; note
        ``DEL = 1 + DERL(d, renewals_made=0) / (1 + d)``.

        Parameters
        ----------
        discount_rate : float
            Annual discount rate (> 0); ``d`` is its rate per ``period``.
        period : {"Y", "Q", "M", "W", "D"}, default "Y"
            Calendar period of the cohort data, as in :meth:`derl`.
        """
        a, b = self._ab()
        z = self._discount(discount_rate, period)
        return float(hyp2f1_one(b, a + b, z))

    def retention_elasticity(
        self, discount_rate: float, renewals_made: Any = None, period: str = "Y"
    ) -> Any:
        """Retention elasticity: the % change in a customer's discounted expected lifetime for
        a 1% increase in every future retention rate (Fader & Hardie 2010).

        Raising each ``r(t)`` by the factor ``c`` multiplies ``S(t) / S(n - 1)`` by
        ``c ** (t - n + 1)``, so the point elasticity is a derivative in ``z = 1 / (1 + d)``:

        .. math::

            \\eta_{DEL} = \\frac{z\\, DEL'(z)}{DEL(z)}, \\qquad
            \\eta_{DERL} = 1 + \\frac{z\\, DERL'(z)}{DERL(z)},

        with ``d/dz 2F1(1, b; c; z) = (b / c) 2F1(2, b + 1; c + 1; z)``. Without heterogeneity
        (one retention rate ``r``) the elasticity of a new customer's value is ``r / (1 + d - r)``
        (Gupta & Lehmann 2005); with it, the value reacts more, because the customers who stay
        are the loyal ones (Fader & Hardie 2010).

        Parameters
        ----------
        discount_rate : float
            Annual discount rate (> 0).
        renewals_made : int or array-like of int, optional
            None: the elasticity of DEL (a new customer at acquisition). Otherwise the
            elasticity of DERL of a customer who has made that many renewals.
        period : {"Y", "Q", "M", "W", "D"}, default "Y"
            Calendar period of the cohort data, as in :meth:`derl`.

        Returns
        -------
        float or ndarray
            Percent change of the lifetime per percent change of the retention rates. (A finite
            increase by the factor ``c`` equals evaluating the lifetime at the discount factor
            ``c z``, times ``c`` for DERL; the point elasticity is its limit as ``c -> 1``.)
        """
        a, b = self._ab()
        z = self._discount(discount_rate, period)
        if renewals_made is None:
            value = hyp2f1_one(b, a + b, z)
            slope = b / (a + b) * np.exp(log_hyp2f1_fast(2.0, b + 1, a + b + 1, z))
            return float(z * slope / value)
        m = self._periods(renewals_made, "renewals_made")
        n = m + 1
        value = hyp2f1_one(b + n, a + b + n, z)
        slope = (b + n) / (a + b + n) * np.exp(log_hyp2f1_fast(2.0, b + n + 1, a + b + n + 1, z))
        return self._out(1.0 + z * slope / value, renewals_made)

    @staticmethod
    def _discount(discount_rate: float, period: str = "Y") -> float:
        """``1 / (1 + d)`` with ``d`` the per-period rate of the annual ``discount_rate``."""
        ok = isinstance(discount_rate, (int, float, np.integer, np.floating)) and not isinstance(
            discount_rate, bool
        )
        if not ok or not (np.isfinite(discount_rate) and float(discount_rate) > 0):
            raise ParameterError(
                f"discount_rate must be an annual rate > 0 (e.g. 0.1 for 10% a year), got "
                f"{discount_rate!r}; without discounting the expected lifetime is infinite when "
                "alpha <= 1.",
                parameter="discount_rate",
            )
        return 1.0 / (1.0 + discount_rate_per_period(float(discount_rate), period))
