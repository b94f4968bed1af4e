"""Notebook-facing tables of fitted CLV models: parameters side by side, the Gamma-Gamma
independence check, and CLV by tier and RFM segment."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from crmlab.clv.actions import _clv_series
from crmlab.clv.base import BaseModel
from crmlab.errors import DataError, ParameterError

__all__ = [
    "COVARIATE_MODELS",
    "bgbb_repeat_table",
    "clv_crosstab",
    "clv_export",
    "clv_table",
    "covariate_table",
    "customer_covariates",
    "fit_with_covariates",
    "horizon_columns",
    "infinite_dert",
    "parameter_table",
    "spend_frequency_check",
]


def parameter_table(models: Sequence[BaseModel]) -> pd.DataFrame:
    """Estimates of several fitted models in one long table.

    Returns
    -------
    DataFrame
        MultiIndex (``model``, ``parameter``); columns ``coef``, ``se``, ``lower``, ``upper``
        (as in each model's ``summary()``).
    """
    frames = {type(m).__name__: m.summary() for m in models}
    if not frames:
        raise ParameterError(
            "parameter_table needs at least one fitted model; none was given.", parameter="models"
        )
    out = pd.concat(frames, names=["model", "parameter"])
    return out


def spend_frequency_check(summary: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Correlation of spend per transaction with purchase frequency (Gamma-Gamma's assumption).

    The Gamma-Gamma model assumes that a customer's mean spend is independent of their purchase
    process (Fader, Hardie and Lee 2005b, section 4.2, report r = 0.11 on CDNOW). Computed on
    repeat customers (``frequency > 0``), whose ``monetary_value`` is defined, by Pearson's r
    and Spearman's rank correlation, each with a ``1 - alpha`` interval from Fisher's z
    transform: ``tanh(atanh(r) +- z_{1-alpha/2} se)`` with ``se = 1 / sqrt(n - 3)`` for
    Pearson and ``se = sqrt(1.06 / (n - 3))`` for Spearman (Fieller, Hartley and Pearson 1957).

    Returns
    -------
    DataFrame
        Index ``method`` (``pearson``, ``spearman``); columns ``correlation``, ``lower``,
        ``upper``, ``p_value``, ``n_customers``. ``attrs["verdict"]`` is ``"violated"`` when
        either interval excludes 0 and ``"not clearly violated"`` otherwise;
        ``attrs["interval_method"]`` names the interval method.
    """
    from crmlab.checks import check_fraction

    alpha = check_fraction(alpha, "alpha", zero=False, one=False)
    for col in ("frequency", "monetary_value"):
        if col not in summary:
            raise DataError(
                f"summary lacks '{col}'; pass crmlab.rfm.rfm_summary output.", column=col
            )
    rep = summary.loc[summary["frequency"] > 0]
    if len(rep) < 4:
        raise DataError(
            "fewer than 4 repeat customers: the correlation and its interval are undefined.",
            column="frequency",
        )
    x = rep["frequency"].to_numpy(dtype=float)
    m = rep["monetary_value"].to_numpy(dtype=float)
    p = stats.pearsonr(x, m)
    s = stats.spearmanr(x, m)
    n = len(rep)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = []
    for r, pv, var in (
        (float(p.statistic), float(p.pvalue), 1.0),
        (float(s.statistic), float(s.pvalue), 1.06),
    ):
        centre = np.arctanh(np.clip(r, -0.999999, 0.999999))
        half = z * np.sqrt(var / (n - 3))
        rows.append([r, float(np.tanh(centre - half)), float(np.tanh(centre + half)), pv, n])
    out = pd.DataFrame(
        rows,
        columns=["correlation", "lower", "upper", "p_value", "n_customers"],
        index=pd.Index(["pearson", "spearman"], name="method"),
    )
    excludes = ((out["lower"] > 0) | (out["upper"] < 0)).any()
    out.attrs["verdict"] = "violated" if excludes else "not clearly violated"
    out.attrs["alpha"] = alpha
    out.attrs["interval_method"] = (
        "Fisher z transform (se 1/sqrt(n-3) for Pearson, sqrt(1.06/(n-3)) for Spearman)"
    )
    return out


def clv_crosstab(
    clv_tiers: pd.Series, rfm_segments: pd.Series, clv: pd.Series | pd.DataFrame
) -> pd.DataFrame:
    """Customers and total CLV per RFM segment and CLV tier.

    Parameters
    ----------
    clv_tiers : Series
        :func:`clv_segments` output.
    rfm_segments : Series
        :func:`crmlab.rfm.rfm_segments` output for the same customers.
    clv : Series or DataFrame
        CLV per customer (or :func:`customer_lifetime_value` output).

    Returns
    -------
    DataFrame
        Index ``segment`` (RFM segments present, in their order, plus ``all``); columns a
        MultiIndex (``measure``, ``clv_tier``): ``customers`` and ``clv`` (sum) for each tier and
        ``all``, and (``clv_share``, ``all``): the segment's share of total CLV.
    """
    value = _clv_series(clv)
    frame = pd.DataFrame(
        {
            "segment": rfm_segments.reindex(value.index),
            "clv_tier": clv_tiers.reindex(value.index),
            "clv": value,
        }
    )
    if frame[["segment", "clv_tier"]].isna().any().any():
        bad = frame.index[frame[["segment", "clv_tier"]].isna().any(axis=1).to_numpy()]
        raise DataError(
            f"customers {list(bad[:5])} lack an RFM segment or a CLV tier; compute both for "
            "the valued customers.",
            rows=list(bad[:5]),
        )
    counts = pd.crosstab(frame["segment"], frame["clv_tier"], margins=True, margins_name="all")
    sums = pd.crosstab(
        frame["segment"],
        frame["clv_tier"],
        values=frame["clv"],
        aggfunc="sum",
        margins=True,
        margins_name="all",
    ).fillna(0.0)
    out = pd.concat({"customers": counts, "clv": sums}, axis=1, names=["measure", "clv_tier"])
    out[("clv_share", "all")] = out[("clv", "all")] / frame["clv"].sum()
    out.index.name = "segment"
    keep = (out[("customers", "all")] > 0).to_numpy()
    return out.loc[keep]


#: Transaction models with static covariates (``Model(purchase_covariates=...)``).
COVARIATE_MODELS = ("ParetoNBD", "BGNBD", "GGomNBD")


def customer_covariates(transactions: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """One value per customer of each named column of the transactions: the first purchase's.

    Static covariates describe a customer at acquisition (channel, region, first spend
    band); a column that varies within a customer is taken at her first purchase (earliest
    ``date``), so later behaviour never leaks into the covariate.

    Returns
    -------
    DataFrame
        Index ``customer_id``; one column per name (numeric kept, text/categorical as given,
        turned into dummies by the model).

    Raises
    ------
    DataError
        A named column is missing, or has no value for some customer's first purchase.
    """
    names = list(names)
    missing = [n for n in names if n not in transactions]
    if missing:
        raise DataError(
            f"covariate column(s) {missing} are not in the transactions (columns: "
            f"{list(transactions.columns)[:12]}); name columns of the file, or map them with "
            "columns.",
            column=missing[0],
        )
    first = transactions.sort_values(["customer_id", "date"], kind="stable").groupby(
        "customer_id", sort=True
    )
    out = first[names].first()
    empty = out.columns[out.isna().any().to_numpy()]
    if len(empty):
        rows = list(out.index[out[empty[0]].isna().to_numpy()][:5])
        raise DataError(
            f"covariate '{empty[0]}' has no value for customers {rows}; fill it for every "
            "customer.",
            column=str(empty[0]),
            rows=rows,
        )
    return out


def fit_with_covariates(
    model_name: str, summary: pd.DataFrame, covariates: pd.DataFrame
) -> BaseModel:
    """A static-covariate model fitted with the covariates in both processes.

    ``model_name`` is used when it has covariates (:data:`COVARIATE_MODELS`), else Pareto/NBD
    (CLVTools' parameterisation; see :mod:`crmlab.clv.covariates`).
    """
    from crmlab.clv.selection import MODELS

    name = model_name if model_name in COVARIATE_MODELS else "ParetoNBD"
    names = list(covariates.columns)
    data = summary.drop(columns=[c for c in names if c in summary]).join(covariates, how="left")
    missing = data[names].isna().any(axis=1).to_numpy()
    if missing.any():
        rows = list(data.index[missing][:5])
        raise DataError(
            f"customers {rows} of the summary have no covariate values; give covariates for "
            "every customer of the summary.",
            rows=rows,
        )
    model = MODELS[name](purchase_covariates=names, dropout_covariates=names)
    return model.fit(data)


def covariate_table(model: BaseModel) -> pd.DataFrame:
    """Coefficients of a static-covariate model: one row per (process, covariate).

    Returns
    -------
    DataFrame
        Index (``process``, ``covariate``); columns ``coef``, ``se``, ``lower``, ``upper``, ``p``
        and ``factor`` (``exp(coef)``: the multiplier of the purchase or drop-out rate per unit
        of the covariate for Pareto/NBD and GGom/NBD).
    """
    summary = model.summary()
    rows = summary.loc[[("." in str(i)) for i in summary.index]].copy()
    split = [str(i).split(".", 1) for i in rows.index]
    rows.index = pd.MultiIndex.from_tuples(split, names=["process", "covariate"])
    rows["factor"] = np.exp(rows["coef"])
    return rows


def infinite_dert(
    models: BaseModel | Sequence[BaseModel],
    discount_rate: float,
    time_unit: str,
    data: pd.DataFrame | None = None,
) -> pd.Series | None:
    """Discounted expected residual transactions over an infinite horizon, where a model has it.

    Pareto/NBD (Fader, Hardie and Lee 2005b, eq. 2), GGom/NBD and Pareto/NBD with correlation
    have ``discounted_expected_residual_transactions``; BG/NBD, MBG/NBD and the NBD have no
    such method here, and None is returned. With several models (a tie) the mean of theirs,
    or None when one of them lacks it.

    Returns
    -------
    Series or None
        Per customer, named ``dert_infinite`` (transactions, discounted at the continuously
        compounded rate per time unit of ``discount_rate``).
    """
    from crmlab.transactions import discount_rate_per_unit

    group = [models] if isinstance(models, BaseModel) else list(models)
    if not group or not all(hasattr(m, "discounted_expected_residual_transactions") for m in group):
        return None
    delta = discount_rate_per_unit(discount_rate, time_unit)
    if not delta > 0:
        return None  # undiscounted, an infinite horizon has no finite value
    values = [m.discounted_expected_residual_transactions(delta, data) for m in group]
    out = sum(v.to_numpy() for v in values) / len(values)
    return pd.Series(out, index=values[0].index, name="dert_infinite")


def clv_table(
    values: pd.DataFrame,
    probability_alive: pd.Series,
    horizon: float,
    time_unit: str,
    predictive: pd.DataFrame | None = None,
    dert_infinite: pd.Series | None = None,
) -> pd.DataFrame:
    """The per-customer CLV table of the report, its columns labelled with horizon and what
    each interval covers.

    Columns (by label): ``p_alive``; ``expected purchases in the next H <units>``; ``H-<unit>
    CLV``; ``CLV lower/upper, parameter uncertainty`` (of the expected value, from
    :func:`customer_lifetime_value` draws); ``CLV lower/upper, predictive`` (of the CLV the
    customer will yield, :func:`crmlab.clv.clv_predictive_interval`); ``DERT, infinite horizon``
    (discounted transactions, :func:`infinite_dert`), when given. Sorted by CLV, largest first.
    """
    from crmlab import text

    unit = text.unit_word(time_unit, 1)
    h = text.number(horizon, None)
    clv_name = f"{h}-{unit} CLV"
    out = pd.DataFrame(index=values.index)
    out.index.name = values.index.name or "customer_id"
    out["p_alive"] = pd.Series(probability_alive).reindex(values.index)
    if "expected_purchases" in values and values["expected_purchases"].notna().any():
        out[f"expected purchases in the next {h} {text.unit_word(time_unit, horizon)}"] = values[
            "expected_purchases"
        ]
    out[clv_name] = values["clv"]
    if "clv_lower" in values:
        out["CLV lower, parameter uncertainty"] = values["clv_lower"]
        out["CLV upper, parameter uncertainty"] = values["clv_upper"]
    if predictive is not None:
        pred = predictive.reindex(values.index)
        out["CLV lower, predictive"] = pred["clv_predictive_lower"]
        out["CLV upper, predictive"] = pred["clv_predictive_upper"]
    if dert_infinite is not None:
        out["DERT, infinite horizon"] = pd.Series(dert_infinite).reindex(values.index)
    return out.sort_values(clv_name, ascending=False, kind="stable")


def bgbb_repeat_table(model: BaseModel, data: pd.DataFrame) -> pd.DataFrame:
    """Customers by number of repeat transactions, actual and expected under a fitted BG/BB.

    Expected: ``sum_i w_i P(X(n_i) = k)`` (Fader, Hardie and Shang 2010, eq. 8), ``w`` the
    ``weight`` column (customers per row) when present.

    Returns
    -------
    DataFrame
        Index ``frequency`` (0..max n_periods); columns ``actual`` and ``expected``.
    """
    w = data["weight"].to_numpy(dtype=float) if "weight" in data else np.ones(len(data))
    n_periods = data["n_periods"].to_numpy(dtype=int)
    top = int(n_periods.max())
    k = np.arange(top + 1)
    expected = np.zeros(top + 1)
    for n in np.unique(n_periods):
        expected[: n + 1] += w[n_periods == n].sum() * model.probability_of_purchases(
            k[: n + 1], int(n)
        )
    actual = np.bincount(data["frequency"].to_numpy(dtype=int), weights=w, minlength=top + 1)
    out = pd.DataFrame(
        {"actual": actual, "expected": expected}, index=pd.RangeIndex(top + 1, name="frequency")
    )
    out.attrs["xlabel"] = f"periods with a repeat transaction (of {top})"
    out.attrs["title"] = "BG/BB: customers by repeat transactions"
    return out


def horizon_columns(frame: pd.DataFrame, horizon: float, time_unit: str) -> pd.DataFrame:
    """A copy of a CLV table (:func:`crmlab.clv.action_table`, :func:`clv_crosstab`, ...)
    for display, its CLV columns labelled with the horizon and what each interval covers:
    ``clv`` -> ``52-week CLV``, ``clv_lower``/``clv_upper`` -> ``CLV lower/upper, parameter
    uncertainty``, ``expected_purchases`` -> ``expected purchases in the next 52 weeks``
    (column labels of every level)."""
    from crmlab import text

    h = text.number(horizon, None)
    names = {
        "clv": f"{h}-{text.unit_word(time_unit, 1)} CLV",
        "clv_lower": "CLV lower, parameter uncertainty",
        "clv_upper": "CLV upper, parameter uncertainty",
        "clv_share": f"share of {h}-{text.unit_word(time_unit, 1)} CLV",
        "expected_purchases": f"expected purchases in the next {h} "
        f"{text.unit_word(time_unit, horizon)}",
    }
    return frame.rename(columns=names)


def clv_export(
    actions: pd.DataFrame,
    predictive: pd.DataFrame | None = None,
    dert_infinite: pd.Series | None = None,
) -> pd.DataFrame:
    """The per-customer export of notebook 03: :func:`crmlab.clv.action_table` output with the
    predictive CLV interval (``clv_predictive_lower``/``clv_predictive_upper``, beside the
    parameter-uncertainty ``clv_lower``/``clv_upper``) and ``dert_infinite`` when given."""
    out = actions.copy()
    if predictive is not None:
        pred = predictive.reindex(out.index)
        out["clv_predictive_lower"] = pred["clv_predictive_lower"]
        out["clv_predictive_upper"] = pred["clv_predictive_upper"]
    if dert_infinite is not None:
        out["dert_infinite"] = pd.Series(dert_infinite).reindex(out.index)
    return out
