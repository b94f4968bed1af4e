"""Pareto/NBD with time-varying covariates (Bachmann, Meierer and Näf 2021).

The "extended Pareto/NBD" of CLVTools (``pnbd()`` on data with ``SetDynamicCovariates``). Time
is cut into calendar periods of one time unit (``period_start`` of each customer's covariate
rows); in period ``k`` the customer's covariates ``z_k`` scale her purchase rate and drop-out
hazard::

    lambda(t) = lambda exp(g_p . z_p(t)) = lambda A(t),   mu(t) = mu exp(g_d . z_d(t)) = mu C(t),

with ``lambda ~ Gamma(r, alpha)`` and ``mu ~ Gamma(s, beta)`` across customers (CLVTools'
sign convention: a positive coefficient raises the rate, as for the static covariates of
:mod:`crmlab.clv.covariates`). With the cumulative exposures ``Lambda(t) = int_0^t A`` and
``M(t) = int_0^t C`` (time from the customer's first purchase), the likelihood of ``x`` repeat
purchases at ``t_1 .. t_x`` and age ``T`` integrates the gamma mixtures in closed form::

    L = G(r+x) alpha^r beta^s / G(r) prod_j A(t_j)
        [ (alpha + Lambda(T))^-(r+x) (beta + M(T))^-s
          + s int_{t_x}^T C(u) (alpha + Lambda(u))^-(r+x) (beta + M(u))^-(s+1) du ].

On a stretch where ``A`` and ``C`` are constant (consecutive periods with the same covariates
are merged), the substitution ``y = A (u - u_0)`` turns the integral into the Pareto/NBD one::

    (A/C)^s int_0^{A len} (alpha + Lambda(u_0) + y)^-(r+x) ((beta + M(u_0)) A/C + y)^-(s+1) dy,

which :mod:`crmlab.clv.paretonbd` computes (Gauss-Legendre in log time) with its gradient;
the gradient of the coefficients follows by the chain rule, so it stays analytic. This is the
likelihood of Bachmann, Meierer and Näf (2021, eq. 9-11) written without their case
distinctions: the fractions of the first and last periods (their ``d_omega`` and ``d_1``, the
time from the first or a purchase to the end of its period, 1 when it falls on a period's
first day) are the lengths of the first and last stretches here. A customer's time starts at
her first purchase day; the calibration end day is ``T``, as :func:`crmlab.rfm.rfm_summary`
counts it; a purchase on a period's first day belongs to that period.

Predictions (posterior given the history, Bachmann et al. 2021, section 3.3):

- P(alive at T) = the first term of the bracket over the bracket;
- conditional expected transactions in ``(T, T + t]``:
  ``P(alive) (r+x) / (alpha + Lambda(T)) int_0^t A(T+u) ((beta+M(T)) / (beta+M(T+u)))^s du``,
  in closed form per period;
- DERT (discounted expected residual transactions, continuous discount rate ``delta``):
  the same integral with ``e^(-delta u)``, per period ``(beta+M)^-s`` against the exponential
  is an incomplete gamma function, ``Gamma(1-s, z) = e^-z U(s, s, z)``; beyond the last period
  given the covariates are held at its values.

References
----------
Bachmann, P., Meierer, M. and Näf, J. (2021). The Role of Time-Varying Contextual Factors in
Latent Attrition Models for Customer Base Analysis. Marketing Science 40(4), 783-809.
Meierer, P., Näf, J. and Bachmann, P. (2025). CLVTools 0.12.1 (``pnbd()`` with
``SetDynamicCovariates``; ``src/pnbd_dyncov_LL.cpp``). On the bundled CDNOW sample (calibration
to 1997-09-30, weeks), ``spring`` (1 in the weeks starting in April to June) in both processes:
r 0.53266, alpha 9.66988, s 1.39098, beta 32.2482; purchase -0.19367, dropout -0.41326;
LL -9585.8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, hyperu

from crmlab.checks import check_delta
from crmlab.clv.base import check_horizon
from crmlab.clv.covariates import CovariateModel
from crmlab.clv.paretonbd import _log_integral_quadrature, _one_minus_pow_over
from crmlab.errors import ConvergenceError, DataError, ParameterError
from crmlab.estimation import FitData, MaximumLikelihoodModel, dot
from crmlab.transactions import TIME_UNITS, check_transactions, to_day

__all__ = ["ParetoNBDDynamic"]

#: Time units with a fixed length in days (covariate periods are whole units).
_UNITS = ("D", "W")


@dataclass
class _Pieces:
    """Stretches of constant covariates of a set of customers, in time order per customer.

    ``row``: the customer (0..n-1) of each stretch; ``length``: its length in time units;
    ``after``: True for stretches after the last purchase (inside ``(t_x, T]``); ``zp``,
    ``zd``: the covariates of the two processes (n_pieces x k).
    """

    row: np.ndarray
    length: np.ndarray
    after: np.ndarray
    zp: np.ndarray
    zd: np.ndarray

    def take(self, mask: np.ndarray) -> _Pieces:
        return _Pieces(
            self.row[mask], self.length[mask], self.after[mask], self.zp[mask], self.zd[mask]
        )


def _group_cumsum(values: np.ndarray, row: np.ndarray) -> np.ndarray:
    """Sum of ``values`` over the earlier pieces of the same customer (pieces sorted by row)."""
    if len(values) == 0:
        return values.copy()
    total = np.cumsum(values, axis=0)
    before = total - values
    first = np.r_[True, row[1:] != row[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    return before - before[start]


def _bincount(row: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    if values.ndim == 1:
        return np.bincount(row, weights=values, minlength=n)
    if values.shape[1] == 0:
        return np.zeros((n, 0))
    return np.column_stack(
        [np.bincount(row, weights=values[:, j], minlength=n) for j in range(values.shape[1])]
    ).reshape(n, values.shape[1])


def dynamic_loglik(theta, kp, x, tx, T, sum_zp, pieces: _Pieces):
    """Per-customer log-likelihood and gradient (r, alpha, s, beta, g_p..., g_d...).

    ``theta`` holds the base parameters and the ``kp`` purchase then the dropout
    coefficients; ``sum_zp`` is the sum of the purchase covariates at the repeat purchases
    (n x kp); ``pieces`` the stretches of constant covariates of each customer.
    """
    r, alpha, s, beta = (float(v) for v in theta[:4])
    gp, gd = np.asarray(theta[4 : 4 + kp], dtype=float), np.asarray(theta[4 + kp :], dtype=float)
    n, kd = len(x), len(gd)
    p = pieces
    a = np.exp(p.zp @ gp) if kp else np.ones(len(p.row))
    c = np.exp(p.zd @ gd) if kd else np.ones(len(p.row))
    d_lam, d_m = p.length * a, p.length * c
    lam0, m0 = _group_cumsum(d_lam, p.row), _group_cumsum(d_m, p.row)
    dlam_g = (d_lam[:, None] * p.zp) if kp else np.zeros((len(p.row), 0))
    dm_g = (d_m[:, None] * p.zd) if kd else np.zeros((len(p.row), 0))
    lam0_g, m0_g = _group_cumsum(dlam_g, p.row), _group_cumsum(dm_g, p.row)
    lam_T, m_T = _bincount(p.row, d_lam, n), _bincount(p.row, d_m, n)
    lam_T_g, m_T_g = _bincount(p.row, dlam_g, n), _bincount(p.row, dm_g, n)
    k = 4 + kp + kd
    # the alive-at-T term
    a_T, b_T = alpha + lam_T, beta + m_T
    log_a1 = -(r + x) * np.log(a_T) - s * np.log(b_T)
    g_a1 = np.zeros((n, k))
    g_a1[:, 0] = -np.log(a_T)
    g_a1[:, 1] = -(r + x) / a_T
    g_a1[:, 2] = -np.log(b_T)
    g_a1[:, 3] = -s / b_T
    g_a1[:, 4 : 4 + kp] = -((r + x) / a_T)[:, None] * lam_T_g
    g_a1[:, 4 + kp :] = -(s / b_T)[:, None] * m_T_g
    # the integral terms, one per stretch after the last purchase
    q = p.after
    row = p.row[q]
    aq, ratio = a[q], a[q] / c[q]
    xq = x[row]
    a0 = alpha + lam0[q]
    b0 = (beta + m0[q]) * ratio
    upper = aq * p.length[q]
    log_i, g_i = _log_integral_quadrature(r, a0, s, b0, xq, np.zeros(len(row)), upper)
    log_f_upper = -(r + xq) * np.log(a0 + upper) - (s + 1) * np.log(b0 + upper) - log_i
    f_up = np.exp(log_f_upper)  # integrand at the upper limit over the integral
    log_terms = np.log(s) + s * np.log(ratio) + log_i
    g_t = np.zeros((len(row), k))
    g_t[:, 0] = g_i[:, 0]
    g_t[:, 1] = g_i[:, 1]
    g_t[:, 2] = 1.0 / s + np.log(ratio) + g_i[:, 2]
    g_t[:, 3] = g_i[:, 3] * ratio
    if kp:
        zpq = p.zp[q]
        g_t[:, 4 : 4 + kp] = (
            g_i[:, 1:2] * lam0_g[q]
            + (g_i[:, 3] * b0)[:, None] * zpq
            + (f_up * upper)[:, None] * zpq
            + s * zpq
        )
    if kd:
        zdq = p.zd[q]
        g_t[:, 4 + kp :] = g_i[:, 3:4] * (m0_g[q] * ratio[:, None] - b0[:, None] * zdq) - s * zdq
    # log of the bracket: logsumexp over each customer's terms
    top = log_a1.copy()
    np.maximum.at(top, row, log_terms)
    w_a1 = np.exp(log_a1 - top)
    w_t = np.exp(log_terms - top[row])
    total = w_a1 + np.bincount(row, weights=w_t, minlength=n)
    log_br = top + np.log(total)
    w_a1 /= total
    w_t /= total[row]
    grad = w_a1[:, None] * g_a1 + _bincount(row, w_t[:, None] * g_t, n)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    ll = common + log_br
    grad[:, 0] += digamma(r + x) - digamma(r) + np.log(alpha)
    grad[:, 1] += r / alpha
    grad[:, 2] += np.log(beta)
    grad[:, 3] += s / beta
    if kp:
        ll = ll + sum_zp @ gp
        grad[:, 4 : 4 + kp] += sum_zp
    return ll, grad, np.exp(log_a1 - log_br)


class ParetoNBDDynamic(CovariateModel, MaximumLikelihoodModel):
    """Pareto/NBD with time-varying covariates (Bachmann, Meierer and Näf 2021).

    Fitted from the transactions and a table of covariates per customer and period, since the
    likelihood needs the covariate in force at every repeat purchase (see
    :mod:`crmlab.clv.dynamic` for the model and its likelihood).

    Parameters
    ----------
    purchase_covariates, dropout_covariates : list of str
        Columns of the covariate table that shift the purchase rate and the drop-out hazard
        (``lambda(t) = lambda exp(g_p . z_p(t))``, ``mu(t) = mu exp(g_d . z_d(t))``). Numeric
        columns enter as they are; text, category and bool columns as dummies of their levels.
    time_unit : {"W", "D"}, default "W"
        Length of a covariate period and unit of the rates (as ``rfm_summary``'s).
    penalizer, covariate_penalizer, constrain_covariates, alpha
        As for the static covariates (:class:`crmlab.clv.covariates.CovariateModel`).

    Attributes
    ----------
    params_ : Series
        ``r, alpha, s, beta``: the gamma mixtures of a customer whose covariates are 0.
    coefficients_ : Series
        Indexed by (process, covariate), process ``purchase`` / ``dropout``; with
        ``coefficient_standard_errors_`` and ``coefficient_intervals_``.
    log_likelihood_, aic_, bic_, n_customers_, n_rows_compressed_, calibration_end_

    Examples
    --------
    >>> from crmlab.datasets import cdnow_spring_covariates, load_cdnow
    >>> tx = load_cdnow()
    >>> cov = cdnow_spring_covariates(tx)
    >>> m = ParetoNBDDynamic(["spring"], ["spring"]).fit(tx, cov, calibration_end="1997-09-30")
    >>> round(m.log_likelihood_, 1)
    -9585.8

    References
    ----------
    Bachmann, P., Meierer, M. and Näf, J. (2021). Marketing Science 40(4), 783-809.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "ParetoNBDDynamic"
    _data_columns = ("customer_id",)

    def __init__(
        self,
        purchase_covariates: Sequence[str] | None = None,
        dropout_covariates: Sequence[str] | None = None,
        *,
        time_unit: str = "W",
        penalizer: float = 0.0,
        covariate_penalizer: float = 0.0,
        constrain_covariates: Sequence[str] | None = None,
        alpha: float = 0.05,
        confidence_level: float | None = None,
    ) -> None:
        super().__init__(
            penalizer,
            purchase_covariates=purchase_covariates,
            dropout_covariates=dropout_covariates,
            covariate_penalizer=covariate_penalizer,
            constrain_covariates=constrain_covariates,
            alpha=alpha,
            confidence_level=confidence_level,
        )
        if not self.purchase_covariates and not self.dropout_covariates:
            raise ParameterError(
                "ParetoNBDDynamic needs at least one covariate (purchase_covariates or "
                "dropout_covariates); without covariates fit ParetoNBD() on the summary.",
                parameter="purchase_covariates",
            )
        if time_unit not in _UNITS:
            raise ParameterError(
                f"time_unit must be 'W' (weeks) or 'D' (days) for time-varying covariates (a "
                f"period is one unit of fixed length), got {time_unit!r}.",
                parameter="time_unit",
            )
        self.time_unit = time_unit

    # ------------------------------------------------------------------ data
    def _periods(self, covariates: Any) -> pd.DataFrame:
        """The covariate table checked: one row per (customer_id, period_start), on one grid."""
        name = self._model_name
        if not isinstance(covariates, pd.DataFrame):
            raise DataError(
                f"{name}: covariates must be a DataFrame with columns customer_id, "
                f"period_start and the covariates, got {type(covariates).__name__}."
            )
        need = ["customer_id", "period_start", *self._all_covariates()]
        missing = [c for c in need if c not in covariates.columns]
        if missing:
            raise DataError(
                f"{name}: the covariate table has no column(s) {missing}; it needs "
                f"{need} (one row per customer and period).",
                column=missing[0],
            )
        frame = covariates[need].copy()
        if frame["customer_id"].isna().any():
            rows = list(frame.index[frame["customer_id"].isna().to_numpy()][:5])
            raise DataError(
                f"{name}: column 'customer_id' of the covariate table is missing at rows {rows}.",
                column="customer_id",
                rows=rows,
            )
        try:
            starts = pd.to_datetime(frame["period_start"])
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"{name}: column 'period_start' must hold dates (the first day of each "
                f"period): {exc}",
                column="period_start",
            ) from exc
        if starts.isna().any():
            rows = list(frame.index[starts.isna().to_numpy()][:5])
            raise DataError(
                f"{name}: column 'period_start' is missing at rows {rows}.",
                column="period_start",
                rows=rows,
            )
        frame["period_start"] = starts.dt.normalize()
        dup = frame.duplicated(["customer_id", "period_start"], keep=False).to_numpy()
        if dup.any():
            rows = list(frame.index[dup][:5])
            raise DataError(
                f"{name}: the covariate table has more than one row for the same customer and "
                f"period_start at rows {rows}; keep one row per customer and period.",
                column="period_start",
                rows=rows,
            )
        unit_days = TIME_UNITS[self.time_unit].days
        anchor = frame["period_start"].min()
        offset = (frame["period_start"] - anchor).dt.days.to_numpy() / unit_days
        off_grid = offset != np.round(offset)
        if off_grid.any():
            rows = list(frame.index[off_grid][:5])
            raise DataError(
                f"{name}: column 'period_start' is not on one grid of whole "
                f"{TIME_UNITS[self.time_unit].plural} starting {anchor.date()} at rows {rows}; "
                "every period lasts one time unit and starts where the previous one ends.",
                column="period_start",
                rows=rows,
            )
        frame["_k"] = np.round(offset).astype(np.int64)
        self._anchor = anchor
        return frame

    def _all_covariates(self) -> list[str]:
        return list(dict.fromkeys([*self.purchase_covariates, *self.dropout_covariates]))

    def _lookup(self, frame: pd.DataFrame, cust: np.ndarray, k: np.ndarray, ids, what: str):
        """Rows of ``frame`` for the (customer, period) pairs; DataError naming the gaps."""
        keys = pd.MultiIndex.from_arrays([frame["customer_id"].to_numpy(), frame["_k"]])
        where = pd.Series(np.arange(len(frame)), index=keys)
        wanted = pd.MultiIndex.from_arrays([ids[cust], k])
        pos = where.reindex(wanted).to_numpy()
        gone = np.isnan(pos)
        if gone.any():
            known = set(frame["customer_id"].unique().tolist())
            absent = [c for c in pd.unique(ids[cust][gone]) if c not in known]
            unit = TIME_UNITS[self.time_unit].days
            if absent:
                raise DataError(
                    f"{self._model_name}: the covariate table has no rows for customers "
                    f"{absent[:5]} ({len(absent)} customer(s) in the transactions); give every "
                    f"customer her covariates for every period {what}.",
                    column="customer_id",
                    rows=absent[:5],
                )
            first = np.flatnonzero(gone)[:5]
            pairs = [
                f"{ids[cust[i]]!r} {(self._anchor + pd.Timedelta(days=int(k[i] * unit))).date()}"
                for i in first
            ]
            raise DataError(
                f"{self._model_name}: the covariate table misses periods {what}: customer and "
                f"period_start {pairs} (and {int(gone.sum()) - len(first)} more); add a row "
                "for each (periods last one time unit, consecutive).",
                column="period_start",
                rows=[ids[cust[i]] for i in first],
            )
        return pos.astype(np.int64)

    def _transactions(self, transactions, calibration_end):
        tx = check_transactions(transactions, ("customer_id", "date"))
        end = to_day(calibration_end, "calibration_end")
        days = tx[tx["date"] <= end].drop_duplicates(["customer_id", "date"])
        if days.empty:
            raise ParameterError(
                f"calibration_end {end.date()} is before every purchase in the transactions.",
                parameter="calibration_end",
            )
        return days.sort_values(["customer_id", "date"]), end

    def _build(self, days: pd.DataFrame, end: pd.Timestamp, frame: pd.DataFrame, fitting: bool):
        """Per-customer arrays and stretches of constant covariates up to ``end``."""
        unit = TIME_UNITS[self.time_unit].days
        codes, ids = pd.factorize(days["customer_id"], sort=True)
        ids = np.asarray(ids, dtype=object)
        n = len(ids)
        first = days.groupby(codes)["date"].min().to_numpy()
        last = days.groupby(codes)["date"].max().to_numpy()
        x = np.bincount(codes, minlength=n).astype(float) - 1.0
        t_first = (first - self._anchor.to_datetime64()) / np.timedelta64(1, "D") / unit
        if np.any(t_first < 0):
            bad = ids[t_first < 0][:5].tolist()
            raise DataError(
                f"{self._model_name}: customers {bad} purchased before the first period of the "
                f"covariate table ({self._anchor.date()}); add their earlier periods.",
                column="period_start",
                rows=bad,
            )
        t_end = (end - self._anchor).days / unit
        tx_ = (last - first) / np.timedelta64(1, "D") / unit
        T = t_end - t_first
        # the periods each customer needs: from the one of her first purchase to that of `end`
        k0 = np.floor(t_first + 1e-12).astype(np.int64)
        k1 = int(np.floor(t_end + 1e-12))
        counts = k1 - k0 + 1
        cust = np.repeat(np.arange(n), counts)
        k = k0[cust] + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        pos = self._lookup(
            frame, cust, k, ids, f"from each customer's first purchase to {end.date()}"
        )
        zp, zd = self._design(frame.iloc[pos], fitting=fitting)
        # repeat purchases: the purchase covariates in force on their days
        rep = days.groupby(codes).cumcount().to_numpy() > 0
        rep_codes = codes[rep]
        t_rep = (
            (days["date"].to_numpy()[rep] - self._anchor.to_datetime64())
            / np.timedelta64(1, "D")
            / unit
        )
        k_rep = np.floor(t_rep + 1e-12).astype(np.int64)
        at = (np.cumsum(counts) - counts)[rep_codes] + (k_rep - k0[rep_codes])
        sum_zp = _bincount(rep_codes, zp[at], n) if zp.shape[1] else np.zeros((n, 0))
        # stretches: each period cut to [0, T] and at t_x, in time order per customer
        lo = np.maximum(k - t_first[cust], 0.0)
        hi = np.minimum(k + 1 - t_first[cust], T[cust])
        cut = tx_[cust]
        before = (lo, np.minimum(hi, cut), np.zeros(len(k), dtype=bool))
        after = (np.maximum(lo, cut), hi, np.ones(len(k), dtype=bool))
        rows = np.concatenate([cust, cust])
        start = np.concatenate([before[0], after[0]])
        length = np.concatenate([before[1] - before[0], after[1] - after[0]])
        flag = np.concatenate([before[2], after[2]])
        zp2, zd2 = np.vstack([zp, zp]), np.vstack([zd, zd])
        keep = length > 1e-12
        order = np.lexsort((start[keep], flag[keep], rows[keep]))
        pieces = _Pieces(
            rows[keep][order],
            length[keep][order],
            flag[keep][order],
            zp2[keep][order],
            zd2[keep][order],
        )
        pieces = _merge(pieces)
        return ids, x, tx_, T, sum_zp, pieces, first

    def _fit_data(self, data, weight):  # pragma: no cover - fit() builds the data
        raise NotImplementedError

    def fit(
        self,
        transactions: pd.DataFrame,
        covariates: pd.DataFrame,
        *,
        calibration_end: Any,
        initial_params: Sequence[float] | None = None,
        max_iter: int = 2000,
    ) -> ParetoNBDDynamic:
        """Fit by maximum likelihood from the transactions up to ``calibration_end``.

        Parameters
        ----------
        transactions : DataFrame
            ``customer_id`` and ``date`` (the transactions contract); purchases on the same
            day count as one; purchases after ``calibration_end`` are ignored.
        covariates : DataFrame
            One row per customer and period: ``customer_id``, ``period_start`` (the first day
            of a period of one ``time_unit``; periods consecutive) and the covariate columns.
            Every customer needs every period from the one of her first purchase to the one of
            ``calibration_end`` (see :func:`crmlab.datasets.calendar_covariates`).
        calibration_end : date-like
            Last day of the calibration window (the summary's ``calibration_end``).
        initial_params : sequence of float, optional
            The four base parameters (coefficients start at 0) or all, as in ``summary()``.
        max_iter : int, default 2000

        Raises
        ------
        DataError
            Missing columns, customers or periods in the covariate table (named), constant or
            missing covariate values, periods off the grid.
        ConvergenceError
            As for every crmlab model.
        """
        days, end = self._transactions(transactions, calibration_end)
        frame = self._periods(covariates)
        ids, x, tx_, T, sum_zp, pieces, first = self._build(days, end, frame, fitting=True)
        self._coef_layout()
        keys, inverse = _patterns(x, tx_, T, sum_zp, pieces)
        self._patterns = (x[keys], tx_[keys], T[keys], sum_zp[keys], _subset(pieces, keys))
        self._customer_pattern = inverse
        weights = np.bincount(inverse, minlength=len(keys)).astype(float)
        fd = FitData((np.arange(len(keys), dtype=float),), weights, pd.Index(ids))
        self._covariate_frame = frame
        self.calibration_end_ = str(end.date())
        self._first = first
        self._customers_ = (ids, x, tx_, T, sum_zp, pieces)
        CovariateModel._fit(self, fd, initial_params, max_iter)
        self.time_unit_ = self.time_unit
        return self

    def _check_data(self, data, w) -> None:
        x, _, T = self._patterns[0], self._patterns[1], self._patterns[2]
        if not np.any(T > 0):
            raise DataError(
                f"{self._model_name}: every first purchase is on calibration_end, so there is "
                "nothing to fit; choose a later calibration_end.",
                column="date",
            )
        if not np.any(x > 0):
            raise ConvergenceError(
                f"{self._model_name}: no customer has a repeat purchase before calibration_end, "
                "so the data cannot identify the model (no_repeat_customers).",
                reason="no_repeat_customers",
                parameter=None,
            )

    def _start(self, data, w):
        ids = self._ids(data)
        x, T = self._patterns[0][ids], self._patterns[2][ids]
        rate = max(dot(w, x) / dot(w, T), 1e-3)
        base = np.array([1.0, 1.0 / rate, 1.0, dot(w, T) / float(w.sum())])
        return np.concatenate([base, np.zeros(len(self._free_params))])

    @staticmethod
    def _ids(data) -> np.ndarray:
        return np.asarray(data[0], dtype=np.int64)

    def _prepare(self, data):
        ids = self._ids(data)
        x, tx_, T, sum_zp, pieces = self._patterns
        return (x[ids], tx_[ids], T[ids], sum_zp[ids], _subset(pieces, ids))

    def _full_theta(self, theta) -> np.ndarray:
        """(r, alpha, s, beta, purchase coefficients, dropout coefficients) from the fit's."""
        theta = np.asarray(theta, dtype=float)
        return np.concatenate(
            [theta[:4], theta[self._coef_index["purchase"]], theta[self._coef_index["dropout"]]]
        )

    def _total_loglik_grad(self, theta, data, w):
        x, _, T, sum_zp, pieces = data
        kp = len(self._cov_names["purchase"])
        ll, g, _ = dynamic_loglik(self._full_theta(theta), kp, x, None, T, sum_zp, pieces)
        g_full = (w[:, None] * g).sum(axis=0)
        grad = np.zeros(len(theta))
        grad[:4] = g_full[:4]
        np.add.at(grad, self._coef_index["purchase"], g_full[4 : 4 + kp])
        np.add.at(grad, self._coef_index["dropout"], g_full[4 + kp :])
        return dot(w, ll), grad

    # ------------------------------------------------------------------ predictions
    def _fitted(self):
        self._check_fitted()
        if getattr(self, "_customers_", None) is None:
            raise DataError(
                f"{self._model_name}: this model was loaded without its data; refit it on the "
                "transactions to predict."
            )
        return self._customers_

    def _thetas(self, params) -> tuple[np.ndarray, bool]:
        """Full parameter vectors (one row per draw) and whether ``params`` were draws.

        ``params``: None (the estimates), a Series or a DataFrame of draws named as in
        ``summary()`` / :meth:`draw_params`.
        """
        names = list(self._all_params_.index)
        if params is None:
            return self._full_theta(self._all_params_.to_numpy())[None, :], False
        if isinstance(params, pd.Series):
            values = params.reindex(names).to_numpy(dtype=float)[None, :]
            draws = False
        elif isinstance(params, pd.DataFrame):
            values = params.reindex(columns=names).to_numpy(dtype=float)
            draws = True
        else:
            raise ParameterError(
                "params must be a Series or a DataFrame of draws (draw_params) named as in "
                f"summary(): {names}.",
                parameter="params",
            )
        if not np.all(np.isfinite(values)) or np.any(values[:, :4] <= 0):
            raise ParameterError(
                f"params must give every parameter of summary() ({names}), r, alpha, s, beta "
                "positive.",
                parameter="params",
            )
        return np.vstack([self._full_theta(v) for v in values]), draws

    def _theta(self) -> np.ndarray:
        return self._thetas(None)[0][0]

    def _out(self, rows: list[np.ndarray], draws: bool, name: str):
        ids = self._fitted()[0]
        if draws:
            return np.vstack(rows)
        return pd.Series(rows[0], index=pd.Index(ids, name="customer_id"), name=name)

    def individual_log_likelihood(self) -> pd.Series:
        """Log-likelihood of each fitted customer at the estimates (``log_likelihood``)."""
        ids, x, tx_, T, sum_zp, pieces = self._fitted()
        kp = len(self._cov_names["purchase"])
        ll, _, _ = dynamic_loglik(self._theta(), kp, x, tx_, T, sum_zp, pieces)
        return pd.Series(ll, index=pd.Index(ids, name="customer_id"), name="log_likelihood")

    def probability_alive(self, params=None) -> pd.Series | np.ndarray:
        """P(alive at calibration_end | history, covariates) of each fitted customer.

        ``params``: a Series (one parameter set) or the DataFrame of :meth:`draw_params`
        (then an array, one row per draw) in place of the estimates.
        """
        thetas, draws = self._thetas(params)
        rows = [self._posterior(theta)[1] for theta in thetas]
        return self._out(rows, draws, "probability_alive")

    def _future(self, t: float | None, covariates):
        """Stretches of the prediction window after calibration_end (shared by customers).

        Returns per customer-stretch arrays: row, start (time after T), length (inf for the
        held tail) and the covariates of the two processes.
        """
        ids, *_ = self._fitted()
        frame = self._covariate_frame if covariates is None else self._periods_again(covariates)
        unit = TIME_UNITS[self.time_unit].days
        t_end = (pd.Timestamp(self.calibration_end_) - self._anchor).days / unit
        k_first = int(np.floor(t_end + 1e-12))
        n = len(ids)
        if t is None:  # up to the last period every customer has; then held
            per = frame.groupby("customer_id")["_k"].max().reindex(ids)
            k_last = int(per.min()) if per.notna().all() else k_first
            k_last = max(k_last, k_first)
        else:
            k_last = max(int(np.ceil(t_end + t - 1e-12)) - 1, k_first)
        k = np.arange(k_first, k_last + 1)
        cust = np.repeat(np.arange(n), len(k))
        kk = np.tile(k, n)
        what = "of the prediction window" if t is not None else "after calibration_end"
        pos = self._lookup(frame, cust, kk, ids, what)
        zp, zd = self._design(frame.iloc[pos], fitting=False)
        lo = np.maximum(kk - t_end, 0.0)
        hi = kk + 1.0 - t_end
        hi = np.where(kk == k_last, np.inf, hi) if t is None else np.minimum(hi, t)
        keep = hi - lo > 1e-12
        return cust[keep], lo[keep], (hi - lo)[keep], zp[keep], zd[keep]

    def _periods_again(self, covariates):
        anchor = self._anchor
        frame = self._periods(covariates)
        shift = (self._anchor - anchor).days / TIME_UNITS[self.time_unit].days
        self._anchor = anchor
        if shift != round(shift):
            raise DataError(
                f"{self._model_name}: the prediction covariates are not on the periods of the "
                f"fit (whole {TIME_UNITS[self.time_unit].plural} from {anchor.date()}).",
                column="period_start",
            )
        frame["_k"] = frame["_k"] + int(round(shift))
        return frame

    def _rates(self, theta, zp, zd):
        kp = len(self._cov_names["purchase"])
        a = np.exp(zp @ theta[4 : 4 + kp]) if kp else np.ones(len(zp))
        c = np.exp(zd @ theta[4 + kp :]) if zd.shape[1] else np.ones(len(zd))
        return a, c

    def _posterior(self, theta):
        """Per customer: P(alive), E[lambda | alive] and beta + M(T) at ``theta``."""
        ids, x, tx_, T, sum_zp, pieces = self._fitted()
        kp = len(self._cov_names["purchase"])
        _, _, alive = dynamic_loglik(theta, kp, x, tx_, T, sum_zp, pieces)
        a, c = self._rates(theta, pieces.zp, pieces.zd)
        lam_T = _bincount(pieces.row, pieces.length * a, len(x))
        m_T = _bincount(pieces.row, pieces.length * c, len(x))
        r, alpha, s, beta = theta[:4]
        return ids, alive, (r + x) / (alpha + lam_T), beta + m_T, s

    def probability_alive_after(
        self, t: float, covariates: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """P(alive at ``T + t``) of each fitted customer.

        ``P(alive) ((beta + M(T)) / (beta + M(T + t)))^s``: given alive at T the drop-out rate
        is Gamma(s, beta + M(T)), and it survives the exposure ``M(T+t) - M(T)`` of the
        window's covariates. ``covariates`` and ``params`` as for
        :meth:`conditional_expected_purchases`. Named ``probability_alive_after``.
        """
        t = check_horizon(t)
        thetas, draws = self._thetas(params)
        future = self._future(t, covariates) if t > 0 else None
        rows = []
        for theta in thetas:
            ids, alive, _, b0, s = self._posterior(theta)
            exposure = np.zeros(len(ids))
            if future is not None:
                cust, _, length, zp, zd = future
                _, c = self._rates(theta, zp, zd)
                exposure = np.bincount(cust, weights=c * length, minlength=len(ids))
            rows.append(alive * np.exp(s * (np.log(b0) - np.log(b0 + exposure))))
        return self._out(rows, draws, "probability_alive_after")

    def conditional_expected_purchases(
        self, t: float, covariates: pd.DataFrame | None = None, params=None
    ) -> pd.Series | np.ndarray:
        """Expected purchases in ``(T, T + t]`` of each fitted customer (CET).

        ``P(alive) (r+x)/(alpha+Lambda(T)) int_0^t A(T+u) ((beta+M(T))/(beta+M(T+u)))^s du``
        (module docstring), with the covariates of the periods after calibration_end from
        ``covariates`` (default: the table of the fit, which must then reach ``T + t``).
        ``params`` as for :meth:`probability_alive` (draws give an array).

        Returns
        -------
        Series
            Indexed by ``customer_id``, named ``conditional_expected_purchases``.
        """
        t = check_horizon(t)
        thetas, draws = self._thetas(params)
        future = self._future(t, covariates) if t > 0 else None
        rows = []
        for theta in thetas:
            ids, alive, rate, b0, s = self._posterior(theta)
            out = np.zeros(len(ids))
            if future is not None:
                cust, _, length, zp, zd = future
                a, c = self._rates(theta, zp, zd)
                B0 = b0[cust] + _group_cumsum(length * c, cust)
                B1 = B0 + c * length
                part = (a / c) * np.exp(s * np.log(b0[cust]) + (1 - s) * np.log(B0))
                part *= _one_minus_pow_over(np.log(B0) - np.log(B1), np.full(len(B0), s - 1))
                out = alive * rate * np.bincount(cust, weights=part, minlength=len(ids))
            rows.append(out)
        return self._out(rows, draws, "conditional_expected_purchases")

    def discounted_expected_residual_transactions(
        self,
        delta: float,
        covariates: pd.DataFrame | None = None,
        t: float | None = None,
        params=None,
    ) -> pd.Series | np.ndarray:
        """DERT: discounted expected transactions after calibration_end of each customer.

        ``P(alive) (r+x)/(alpha+Lambda(T)) int_0^H e^(-delta u) A(T+u) ((beta+M(T)) /
        (beta+M(T+u)))^s du`` with ``H = t`` (a finite horizon) or infinity (``t=None``: the
        covariates are held at their last given period after it). Per period the integral is
        ``A b^s e^(-delta u0) / C q^(s-1) [U(s, s, q B0) - e^(-delta len) U(s, s, q B1)]``,
        ``q = delta / C`` (``Gamma(1-s, z) = e^-z U(s, s, z)``); without covariates it is
        Fader, Hardie and Lee's (2005) eq. 2. ``delta``: continuously compounded discount
        rate per time unit; ``params`` as for :meth:`probability_alive`.

        Returns
        -------
        Series
            Indexed by ``customer_id``, named ``dert``.
        """
        delta = check_delta(delta)
        if t is not None:
            t = check_horizon(t)
        thetas, draws = self._thetas(params)
        cust, start, length, zp, zd = self._future(t, covariates)
        finite = np.isfinite(length)
        flen = np.where(finite, length, 0.0)
        rows = []
        for theta in thetas:
            ids, alive, rate, b0, s = self._posterior(theta)
            a, c = self._rates(theta, zp, zd)
            B0 = b0[cust] + _group_cumsum(flen * c, cust)
            q = delta / c
            with np.errstate(over="ignore", invalid="ignore"):
                tail = np.where(
                    finite, np.exp(-delta * flen) * hyperu(s, s, q * (B0 + c * flen)), 0
                )
            scale = np.exp(s * np.log(b0[cust]) - delta * start + (s - 1) * np.log(q))
            part = a * scale / c * (hyperu(s, s, q * B0) - tail)
            rows.append(alive * rate * np.bincount(cust, weights=part, minlength=len(ids)))
        return self._out(rows, draws, "dert")

    def __repr__(self) -> str:
        if hasattr(self, "params_"):
            inner = ", ".join(f"{k}={v:.4g}" for k, v in self._all_params_.items())
            return f"{self._model_name}({inner}, n_customers={self.n_customers_})"
        return (
            f"{self._model_name}(purchase_covariates={self.purchase_covariates}, "
            f"dropout_covariates={self.dropout_covariates}, time_unit={self.time_unit!r})"
        )


def _merge(p: _Pieces) -> _Pieces:
    """Merge consecutive stretches of one customer with the same side and covariates."""
    if len(p.row) <= 1:
        return p
    same = (
        (p.row[1:] == p.row[:-1])
        & (p.after[1:] == p.after[:-1])
        & np.all(p.zp[1:] == p.zp[:-1], axis=1)
        & np.all(p.zd[1:] == p.zd[:-1], axis=1)
    )
    new = np.r_[True, ~same]
    group = np.cumsum(new) - 1
    length = np.bincount(group, weights=p.length)
    return _Pieces(p.row[new], length, p.after[new], p.zp[new], p.zd[new])


def _subset(p: _Pieces, rows: np.ndarray) -> _Pieces:
    """The stretches of customers ``rows`` (renumbered 0..len(rows)-1, in that order)."""
    rows = np.asarray(rows, dtype=np.int64)
    order = np.argsort(p.row, kind="stable")
    sorted_row = p.row[order]
    lo = np.searchsorted(sorted_row, rows, side="left")
    hi = np.searchsorted(sorted_row, rows, side="right")
    counts = hi - lo
    idx = np.concatenate([order[a:b] for a, b in zip(lo, hi, strict=True)]) if len(rows) else []
    idx = np.asarray(idx, dtype=np.int64)
    out = p.take(idx)
    out.row = np.repeat(np.arange(len(rows)), counts)
    return out


def _patterns(x, tx_, T, sum_zp, p: _Pieces):
    """Distinct customers (identical data and stretches): first row of each, and inverse."""
    starts = np.searchsorted(p.row, np.arange(len(x) + 1))
    table = np.column_stack([p.length, p.after, p.zp, p.zd])
    seen: dict[bytes, int] = {}
    keys, inverse = [], np.empty(len(x), dtype=np.int64)
    for i in range(len(x)):
        key = (
            np.r_[x[i], tx_[i], T[i], sum_zp[i]].tobytes()
            + table[starts[i] : starts[i + 1]].tobytes()
        )
        j = seen.get(key)
        if j is None:
            j = seen[key] = len(keys)
            keys.append(i)
        inverse[i] = j
    return np.asarray(keys, dtype=np.int64), inverse
