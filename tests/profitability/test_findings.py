"""Tests of crmlab.profitability.findings: notebook 00's key findings."""

from __future__ import annotations

import numpy as np

from crmlab import text as T
from crmlab.datasets import load_cdnow
from crmlab.profitability import (
    cross_buying,
    cross_buying_summary,
    customer_base_findings,
    customer_profitability,
    whale_curve,
    whale_curve_summary,
)
from crmlab.rfm import (
    interpurchase_distribution,
    interpurchase_times,
    rfm_scores_all_days,
    rfm_segments,
    rfm_summary,
    segment_summary,
)


def test_findings_are_computed():
    tx = load_cdnow()
    s = rfm_summary(tx)
    sc = rfm_scores_all_days(s, tx)
    table = segment_summary(s, sc, rfm_segments(sc))
    p = customer_profitability(tx, margin_rate=0.3, cost_per_purchase=5.0)
    ws = whale_curve_summary(whale_curve(p))
    gaps = interpurchase_distribution(interpurchase_times(tx))
    lines = customer_base_findings(s, table, ws, gaps, profit_basis=p.attrs["profit_basis"])
    text = " ".join(lines)
    assert "2,357 customers" in text
    # Expected numbers from the raw transactions, not from the library's tables: profit is 30%
    # of revenue minus 5 per purchase day; the top 20% share interpolates between customers.
    per = tx.groupby("customer_id").agg(
        revenue=("amount", "sum"), days=("date", lambda d: d.dt.normalize().nunique())
    )
    profit = np.sort((0.3 * per["revenue"] - 5.0 * per["days"]).to_numpy())[::-1]
    cum = np.concatenate([[0.0], np.cumsum(profit)]) / profit.sum()
    top20 = np.interp(0.2, np.arange(len(profit) + 1) / len(profit), cum)
    assert f"bring {T.pct(top20)} of profit" in text
    assert f"{T.pct((profit < 0).mean())} of customers lose money" in text
    assert "34 days" in text
    plain = customer_profitability(tx)
    lines = customer_base_findings(
        s, table, whale_curve_summary(whale_curve(plain)), profit_basis="revenue"
    )
    assert "of revenue" in " ".join(lines) and "no hump" in " ".join(lines)


def test_findings_cross_buying_sentence(five):
    s = rfm_summary(five, time_unit="D")
    sc = rfm_scores_all_days(s, five)
    table = segment_summary(s, sc, rfm_segments(sc))
    ws = whale_curve_summary(whale_curve(customer_profitability(five, cost_column="cogs")))
    cross = cross_buying_summary(cross_buying(five))
    lines = customer_base_findings(s, table, ws, cross_summary=cross, profit_basis="cost_column")
    # two-category customers (1 and 5) spend (100 + 10) / 2 = 55 vs 100 / 3 for the others
    assert any("40% of customers" in x and f"{55 / (100 / 3):.1f} times" in x for x in lines)
    assert any("40% of customers lose money" in x and "125%" in x for x in lines)
