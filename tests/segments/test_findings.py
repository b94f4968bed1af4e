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


def _effect(p_pre: float, lower: float, upper: float):
    from types import SimpleNamespace

    summary = pd.DataFrame(
        {
            "campaign_id": [8],
            "estimate": [(lower + upper) / 2],
            "lower": [lower],
            "upper": [upper],
            "naive_difference": [27.7],
            "n_treated": [472],
            "n_control": [1215],
            "pretrend_chi2": [3.6 if p_pre > 0.05 else 41.2],
            "pretrend_dof": [7],
            "pretrend_p_value": [p_pre],
            "n_overlap_treated": [604],
            "n_overlap_control": [178],
            "overlapping": ["exclude"],
            "n_overlapping_campaigns": [10],
        }
    )
    return SimpleNamespace(summary=summary)


def test_campaign_finding_reports_the_pretrend_test_overlaps_and_the_choice():
    text = " ".join(
        portfolio_findings(
            effect=_effect(0.824, -3.76, 1.38),
            currency="USD",
            campaign_choice="it is the first campaign (by start date) that reached 500 households",
        )
    )
    assert "Campaign 8: no evidence of an effect on weekly spend" in text
    assert "-1.19 USD per household and week (95% interval -3.76 USD to 1.38 USD)" in text
    assert "No evidence of differing pre-trends (chi2 = 3.6 with 7 degrees of freedom, " in text
    assert "p = 0.824" in text and "still rests on parallel trends" in text
    assert "one of the 10 other campaigns running in the window left out (604 receiving" in text
    assert "472 receiving and 1,215 other households remain" in text
    assert "Campaign 8 is the one evaluated because it is the first campaign" in text
    assert "changed" not in text  # no causal verb for the estimate
    warned = " ".join(portfolio_findings(effect=_effect(1e-5, -4.0, -0.1)))
    assert "Warning: the pre-campaign coefficients differ jointly from zero" in warned
    assert "p < 0.001" in warned and "cannot be read as the campaign's effect" in warned
    assert "No evidence of differing pre-trends" not in warned


def test_cross_buying_and_multichannel_findings_are_associations():
    cross = pd.DataFrame({"customers": [1]})
    cross.attrs.update(
        spearman=0.84, partial=0.58, partial_lower=0.56, partial_upper=0.61, alpha=0.05,
        category_word="departments",
    )  # fmt: skip
    multichannel = pd.DataFrame(
        {"customers": [60, 30, 10], "share": [0.6, 0.3, 0.1], "mean_revenue": [100.0, 200, 320]},
        index=pd.Index([1, 2, 3], name="n_channels"),
    )
    text = " ".join(portfolio_findings(cross=cross, multichannel=multichannel))
    assert "Spearman correlation 0.84" in text and "frequency confound" in text
    assert "partial correlation of the log number of departments and log revenue is 0.58 " in text
    assert "(95% interval 0.56 to 0.61)" in text and "not the effect of cross-selling" in text
    # (200 * 30 + 320 * 10) / 40 = 230 against 100
    assert "40% of customers buy through more than one channel" in text
    assert "2.3 times that of single-channel customers (an association" in text
