"""Notebook-facing tables of fitted CLV models: parameters side by side, the Gamma-Gamma
independence check, and CLV by tier and RFM segment."""

from __future__ import annotations

from collections.abc import Sequence

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


def spend_frequency_check(summary: pd.DataFrame) -> pd.DataFrame:
    """Correlation of spend per transaction with purchase frequency (Gamma-Gamma's assumption).

    The Gamma-Gamma model assumes that a customer's mean spend is independent of their purchase
    process (Fader, Hardie and Lee 2005b, section 4.2, report r = 0.11 on CDNOW). Computed on
    repeat customers (``frequency > 0``), whose ``monetary_value`` is defined.

    Returns
    -------
    DataFrame
        Index ``method`` (``pearson``, ``spearman``); columns ``correlation``, ``p_value`` and
        ``n_customers``.
    """
    for col in ("frequency", "monetary_value"):
        if col not in summary:
            raise DataError(
                f"summary lacks '{col}'; pass crmlab.rfm.rfm_summary output.", column=col
            )
    rep = summary.loc[summary["frequency"] > 0]
    if len(rep) < 3:
        raise DataError(
            "fewer than 3 repeat customers: the correlation is undefined.", column="frequency"
        )
    x = rep["frequency"].to_numpy(dtype=float)
    m = rep["monetary_value"].to_numpy(dtype=float)
    p = stats.pearsonr(x, m)
    s = stats.spearmanr(x, m)
    return pd.DataFrame(
        {
            "correlation": [float(p.statistic), float(s.statistic)],
            "p_value": [float(p.pvalue), float(s.pvalue)],
            "n_customers": [len(rep), len(rep)],
        },
        index=pd.Index(["pearson", "spearman"], name="method"),
    )


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
