"""Tests of crmlab.profitability.findings: notebook 00's key findings."""

from __future__ import annotations

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
    rfm_scores,
    rfm_segments,
    rfm_summary,
    segment_summary,
)


def test_findings_are_computed():
    tx = load_cdnow()
    s = rfm_summary(tx)
    sc = rfm_scores(s, transactions=tx)
    table = segment_summary(s, sc, rfm_segments(sc))
    p = customer_profitability(tx, margin_rate=0.3, cost_per_purchase=5.0)
    ws = whale_curve_summary(whale_curve(p))
    gaps = interpurchase_distribution(interpurchase_times(tx))
    lines = customer_base_findings(s, table, ws, gaps, profit_basis=p.attrs["profit_basis"])
    text = " ".join(lines)
    assert "2,357 customers" in text
    assert f"{100 * ws.iloc[0]['top_20_share']:.0f}% of profit" in text
    assert "lose money" in text
    assert "34 days" in text
    plain = customer_profitability(tx)
    lines = customer_base_findings(
        s, table, whale_curve_summary(whale_curve(plain)), profit_basis="revenue"
    )
    assert "of revenue" in " ".join(lines) and "no hump" in " ".join(lines)


def test_findings_cross_buying_sentence(five):
    s = rfm_summary(five, time_unit="D")
    sc = rfm_scores(s, transactions=five)
    table = segment_summary(s, sc, rfm_segments(sc))
    ws = whale_curve_summary(whale_curve(customer_profitability(five, cost_column="cogs")))
    cross = cross_buying_summary(cross_buying(five))
    lines = customer_base_findings(s, table, ws, cross_summary=cross, profit_basis="cost_column")
    # two-category customers (1 and 5) spend (100 + 10) / 2 = 55 vs 100 / 3 for the others
    assert any("40% of customers" in x and f"{55 / (100 / 3):.1f} times" in x for x in lines)
    assert any("40% of customers lose money" in x and "125%" in x for x in lines)
