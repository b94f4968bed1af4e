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

__all__ = ["clv_crosstab", "parameter_table", "spend_frequency_check"]


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
