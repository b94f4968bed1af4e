"""Tests of crmlab.profitability.findings: notebook 00's key findings."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import text as T
from crmlab.datasets import load_cdnow
from crmlab.errors import DataError, ParameterError
from crmlab.profitability import (
    DEFAULT_COST_PER_PURCHASE,
    DEFAULT_MARGIN_RATE,
    assumption_sources,
    cross_buying,
    cross_buying_summary,
    customer_base_findings,
    customer_profitability,
    profit_sensitivity,
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


# ------------------------------------------------------------- assumptions and their sensitivity
def _headline_from_raw(tx, margin, cost):
    """Unprofitable share and top-20% share of profit recomputed from the raw lines."""
    per = tx.groupby("customer_id").agg(
        revenue=("amount", "sum"), days=("date", lambda d: d.dt.normalize().nunique())
    )
    profit = np.sort((margin * per["revenue"] - cost * per["days"]).to_numpy())[::-1]
    cum = np.concatenate([[0.0], np.cumsum(profit)]) / profit.sum()
    return (profit < 0).mean(), np.interp(0.2, np.arange(len(profit) + 1) / len(profit), cum)


def test_profit_sensitivity_moves_one_assumption_at_a_time():
    tx = load_cdnow()
    p = customer_profitability(tx, margin_rate=0.3, cost_per_purchase=5.0)
    table = profit_sensitivity(p)
    assert list(table.index) == [
        "assumed",
        "margin rate 20%",
        "margin rate 40%",
        "cost to serve 2.5",
        "cost to serve 10",
    ]
    for _, row in table.iterrows():
        margin, cost = row["margin_rate"], row["cost_per_purchase"]
        share, top20 = _headline_from_raw(tx, margin, cost)
        assert row["unprofitable_share"] == pytest.approx(share)
        assert row["top_20_share"] == pytest.approx(top20)
    # the assumed row is the whale curve's own summary
    ws = whale_curve_summary(whale_curve(p)).iloc[0]
    assert table.loc["assumed", "unprofitable_share"] == ws["unprofitable_share"]
    assert table.loc["assumed", "top_20_share"] == pytest.approx(ws["top_20_share"])
    # margins stay within 0..1; explicit scenarios replace the defaults
    near_one = profit_sensitivity(customer_profitability(tx, margin_rate=0.95))
    assert list(near_one["margin_rate"].dropna()) == [0.95, 0.85]
    custom = profit_sensitivity(p, margin_rates=[0.5], costs_per_purchase=[])
    assert list(custom.index) == ["assumed", "margin rate 50%"]


def test_profit_sensitivity_with_a_cost_column_varies_only_the_cost_to_serve(five):
    p = customer_profitability(five, cost_column="cogs", cost_per_purchase=2.0)
    table = profit_sensitivity(p)
    assert list(table["changed"]) == ["", "cost_per_purchase", "cost_per_purchase"]
    assert table["margin_rate"].isna().all()
    for cost in (1.0, 4.0):
        again = customer_profitability(five, cost_column="cogs", cost_per_purchase=cost)
        row = table.loc[f"cost to serve {cost:g}"]
        assert row["total_profit"] == pytest.approx(again["profit"].sum())
        assert row["unprofitable_share"] == pytest.approx((again["profit"] < 0).mean())
    with pytest.raises(DataError, match="margin rate"):
        profit_sensitivity(p, margin_rates=[0.2])
    with pytest.raises(DataError, match="nothing to vary"):
        profit_sensitivity(customer_profitability(five))
    with pytest.raises(ParameterError, match="margin_rates"):
        profit_sensitivity(customer_profitability(five, margin_rate=0.3), margin_rates=[1.5])


def test_assumption_sources():
    assert assumption_sources(DEFAULT_MARGIN_RATE, DEFAULT_COST_PER_PURCHASE) == {
        "margin_rate": "default",
        "cost_per_purchase": "default",
    }
    assert assumption_sources(0.42, None) == {"margin_rate": "given"}


def _findings_at(tx, margin, cost, currency=""):
    s = rfm_summary(tx)
    sc = rfm_scores_all_days(s, tx)
    table = segment_summary(s, sc, rfm_segments(sc))
    p = customer_profitability(tx, margin_rate=margin, cost_per_purchase=cost)
    sens = profit_sensitivity(p)
    lines = customer_base_findings(
        s,
        table,
        whale_curve_summary(whale_curve(p)),
        profit_basis=p.attrs["profit_basis"],
        sensitivity=sens,
        sources=assumption_sources(margin, cost),
        currency=currency,
    )
    return lines, sens


def test_findings_quote_assumptions_with_values_and_their_source():
    tx = load_cdnow()
    lines, sens = _findings_at(tx, 0.3, 5.0, currency="USD")
    text = " ".join(lines)
    share, _ = _headline_from_raw(tx, 0.3, 5.0)
    assert (
        f"At the assumed 30% gross margin and 5 USD cost to serve per purchase day (both the "
        f"notebook's defaults, not measured figures: set margin_rate and cost_per_purchase to "
        f"yours), {T.pct(share)} of customers lose money." in text
    )
    # the sensitivity line quotes every scenario's share, recomputed from the raw lines
    line = next(x for x in lines if x.startswith("How much this rests on the assumptions"))
    for margin, cost, words in (
        (0.2, 5.0, "at a 20% margin"),
        (0.4, 5.0, "at a 40% margin"),
        (0.3, 2.5, "at 2.50 USD per purchase day"),
        (0.3, 10.0, "at 10 USD per purchase day"),
    ):
        assert f"{T.pct(_headline_from_raw(tx, margin, cost)[0])} {words}" in line
    top = sens["top_20_share"]
    assert f"from {T.pct(top.min())}" in line and f"to {T.pct(top.max())}" in line
    # values set for the run are called so, and a default next to them is still flagged
    given, _ = _findings_at(tx, 0.35, 5.0)
    text = " ".join(given)
    assert "At the assumed 35% gross margin and 5 cost to serve per purchase day" in text
    assert "margin_rate as given for this run; cost_per_purchase the notebook's default" in text
    both, _ = _findings_at(tx, 0.35, 4.0)
    assert "(as given for this run)" in " ".join(both)


def test_notebook_00_defaults_are_the_quoted_defaults():
    """assumption_sources calls a value 'the notebook's default' by these constants: they must
    be the parameters cell's defaults (read with crmlab's own parser)."""
    import ast

    from crmlab.report import list_notebooks

    (nb,) = [n for n in list_notebooks() if n.stem == "00_customer_base"]
    defaults = {p.name: ast.literal_eval(p.default_source) for p in nb.parameters}
    assert defaults["margin_rate"] == DEFAULT_MARGIN_RATE
    assert defaults["cost_per_purchase"] == DEFAULT_COST_PER_PURCHASE


def test_sensitivity_line_without_a_cost_to_serve_says_only_what_moves():
    """Without a cost to serve profit is proportional to revenue: no customer loses money at
    any margin and the concentration does not move, so no range is quoted."""
    tx = load_cdnow()
    lines, sens = _findings_at(tx, 0.3, 0.0)
    assert list(sens["changed"]) == ["", "margin_rate", "margin_rate"]
    np.testing.assert_allclose(sens["top_20_share"], sens["top_20_share"].iloc[0])
    line = next(x for x in lines if x.startswith("How much this rests"))
    assert "0% at a 20% margin, 0% at a 40% margin" in line
    assert "ranges from" not in line and "above 100%" not in line
    assert any("no customer loses money" in x for x in lines)
