"""Tests of crmlab.segments.findings: notebook 05's key findings."""

from __future__ import annotations

import pandas as pd

from crmlab.segments import (
    cluster_customers,
    key_accounts,
    portfolio_findings,
    portfolio_summary,
    relationship_portfolio,
)


def test_findings_sentences(make_blobs):
    features, truth = make_blobs()
    res = cluster_customers(features, k=3, seed=0, n_bootstrap=2, revenue=features["a"] + 10)
    p = portfolio_summary(
        relationship_portfolio(pd.Series([1.0, 2, 3, 4]), pd.Series([4.0, 3, 2, 1]))
    )
    ka = key_accounts(pd.Series([5.0, 1, 1, 1]), 0.25)
    text = " ".join(portfolio_findings(clusters=res, portfolio=p, key=ka))
    assert "3 clusters" in text and "Key accounts, by the stated criteria" in text
    assert "1 customer (25.0% of all), holding 62% of the value" in text
    assert "maintain-and-protect quadrant" in text and "not its key accounts" in text


def test_findings_from_every_table():
    from types import SimpleNamespace

    categories = pd.DataFrame(
        {"revenue": [80.0, 20], "revenue_share": [0.8, 0.2], "discount": [10.0, 10]},
        index=pd.Index(["GROCERY", "FUEL"], name="department"),
    )
    rules = pd.DataFrame(
        {"antecedent": ["pasta"], "consequent": ["sauce"], "lift": [10.9], "confidence": [0.45]}
    )
    tiers = SimpleNamespace(
        shares=pd.DataFrame({"economy": [0.6, 0.5], "premium": [0.4, 0.5]}, index=[1, 10]),
        test=pd.DataFrame({"p_value": [1e-9], "cramers_v": [0.04]}),
    )
    effect = SimpleNamespace(
        summary=pd.DataFrame(
            {
                "campaign_id": [8],
                "estimate": [-2.04],
                "lower": [-4.01],
                "upper": [-0.06],
                "naive_difference": [35.78],
            }
        )
    )
    loyalty = pd.DataFrame(
        {"retention": [0.8, 0.9, 0.97], "discount_rate": [0.0, 0.1, 0.18]},
        index=pd.Index(["none", "low", "high"], name="tier"),
    )
    text = "\n".join(
        portfolio_findings(
            categories=categories,
            rules=rules,
            tiers=tiers,
            effect=effect,
            loyalty=loyalty,
            currency="USD",
        )
    )
    assert "GROCERY is the largest department (80% of revenue)" in text
    assert "17% of the shelf value (20 USD)" in text  # 20 / (100 + 20)
    assert "p < 0.001" in text and "negligible" in text
    assert "baskets with pasta contain sauce 10.9 times" in text
    assert "Campaign 8: the difference-in-differences estimate of its effect on weekly spend is "
    assert "-2.04 USD per household and week (95% interval -4.01 USD to -0.06 USD)" in text
    assert "no evidence of an effect" not in text
    assert "$" not in text and "**" not in text
    assert "high loyalty-usage tier" in text and "in the low tier" in text
