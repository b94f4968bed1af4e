"""Findings sentences are plain text in one voice: no ``nan``, no markup, names as typed.

Each package's findings module writes sentences through :mod:`crmlab.text`; the display object
escapes them. These tests feed tables with missing numbers and hostile names.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from crmlab.retention import ShiftedBetaGeometric, retention_findings
from crmlab.satisfaction import satisfaction_findings

NAMES = ["<img src=x onerror=alert(1)>", "$\\frac$", "*bold*", "_x_", "a|b", "back\\slash"]
NAN_WORDS = re.compile(r"\bnan\b|\binf\b|NaN|\bNone\b", re.IGNORECASE)


def assert_clean(sentences):
    assert sentences
    for s in sentences:
        assert isinstance(s, str) and s
        assert not NAN_WORDS.search(s), s
        assert "**" not in s, s  # no Markdown emphasis written by crmlab


def test_retention_findings_without_numbers_say_so_or_leave_the_sentence_out():
    rates = pd.DataFrame(
        {"retention_rate": [np.nan, 1.0, 1.0, np.nan], "complete": True},
        index=["2020Q1", "2020Q2", "2020Q3", "2020Q4"],
    )
    km = pd.DataFrame(
        {
            "group": [NAMES[0], NAMES[0], NAMES[1], NAMES[1], NAMES[2]],
            "time": [0.0, 10.5, 0.0, 20.0, 0.0],
            "survival": [1.0, 0.7, 1.0, np.nan, np.nan],
        }
    )
    logrank = pd.DataFrame({"p_value": [np.nan]})
    cox = pd.DataFrame(
        {"hazard_ratio": [1.3, np.nan], "lower": [0.8, 0.5], "upper": [2.1, 1.5], "p_value": 0.2},
        index=[NAMES[3], NAMES[4]],
    )
    sbg = ShiftedBetaGeometric().fit(pd.Series([1000.0, 631, 468, 382, 326]))
    actual = pd.Series([1000.0, 631, 468, 382, 326, 0.0, 0.0])
    lines = retention_findings(
        rates=rates, km=km, logrank=logrank, cox=cox, sbg=sbg, actual=actual, fit_periods=4
    )
    assert_clean(lines)
    text = " ".join(lines)
    assert "every active customer bought again" in text  # retention of 100%
    assert "expected active life" not in text  # no 1 / (1 - CRR) lifetime from a purchase log
    assert f"{NAMES[0]}: 70.0% after 10.5 days" in text and f"{NAMES[1]}: 100.0% after 0" in text
    assert "log-rank" not in text  # no p-value, no verdict
    assert NAMES[3] in text and NAMES[4] not in text  # a missing hazard ratio leaves its row out
    assert "survivors in period 6 against 0 observed." in text  # no ratio to zero survivors


def test_retention_findings_numbers_through_text():
    cox = pd.DataFrame(
        {"hazard_ratio": [0.8], "lower": [-0.1], "upper": [1.9], "p_value": [0.00001]},
        index=["x"],
    )
    (line,) = retention_findings(cox=cox)
    assert "95% interval -0.10 to 1.90" in line and "p < 0.001" in line


def _gaps(n):
    rng = np.random.default_rng(1)
    gap = rng.normal(size=n)
    return pd.DataFrame(
        {
            "item": NAMES[:n],
            "dimension": NAMES[::-1][:n],
            "gap": gap,
            "gap_lower": gap - 0.3,
            "gap_upper": gap + 0.3,
            "significant": [True] * n,
        }
    )


def test_satisfaction_findings_without_numbers():
    gaps = _gaps(4)
    gaps.loc[0, "gap"] = np.nan
    dims = gaps.drop(columns="item").iloc[:3].copy()
    dims.loc[1, "gap"] = np.nan
    dims = pd.concat(
        [dims, pd.DataFrame({"dimension": ["SERVQUAL"], "gap": [np.nan]})], ignore_index=True
    )
    paths = pd.DataFrame([[0.0, 0.4], [0.0, 0.0]], index=["$V$", "SAT"], columns=["$V$", "SAT"])
    pls = SimpleNamespace(path_coefficients_=paths, r_squared_=pd.Series({"SAT": np.nan}))
    index = pd.DataFrame(
        {"construct": ["SAT"], "mean_a": [50.0], "mean_b": [np.nan], "p_value": np.nan}
    )
    lines = satisfaction_findings(gaps, dims, None, pls, index)
    assert_clean(lines)
    text = " ".join(lines)
    worst = gaps.dropna().sort_values("gap").iloc[0]
    assert f"'{worst['item']}'" in text and "SERVQUAL score" not in text
    assert "direct path into satisfaction is from $V$ (0.40)" in text and "R²" not in text
    assert "satisfaction index" not in text  # no p-value: no verdict


@pytest.mark.parametrize(
    "module", ["retention", "satisfaction", "profitability", "value", "segments", "clv"]
)
def test_findings_modules_have_no_private_formatters(module):
    """One voice: the sentence modules format through crmlab.text, not their own helpers."""
    import importlib
    import inspect

    source = inspect.getsource(importlib.import_module(f"crmlab.{module}.findings"))
    assert "from crmlab import text" in source
    assert not re.search(r":[,+]?\.?\d*[fg%]\}", source), "format numbers with crmlab.text"
    assert "**" not in source.replace("**kwargs", ""), "findings are plain text"
    assert "$" not in source, "money goes through text.money"


def test_portfolio_findings_plain_text_and_missing_numbers():
    from crmlab.segments import portfolio_findings

    categories = pd.DataFrame(
        {"revenue": [np.nan, 20.0], "revenue_share": [np.nan, 1.0], "discount": 0.0},
        index=pd.Index(NAMES[:2], name="$dept$"),
    )
    rules = pd.DataFrame(
        {"antecedent": [NAMES[2]], "consequent": [NAMES[3]], "lift": [2.5], "confidence": [0.4]}
    )
    effect = SimpleNamespace(
        summary=pd.DataFrame(
            {"campaign_id": [NAMES[4]], "estimate": [np.nan], "lower": [np.nan], "upper": [1.0]}
        )
    )
    lines = portfolio_findings(categories=categories, rules=rules, effect=effect)
    assert_clean(lines)
    text = " ".join(lines)
    assert f"{NAMES[1]} is the largest $dept$ (100% of revenue)." in text
    assert f"baskets with {NAMES[2]} contain {NAMES[3]} 2.5 times" in text
    assert "Campaign" not in text  # no estimate: no sentence


def test_customer_base_findings_without_numbers():
    from crmlab.profitability import customer_base_findings

    summary = pd.DataFrame({"frequency": [0, 2, 1], "T": [np.nan, np.nan, np.nan]})
    segments = pd.DataFrame(
        {"customers": [2, 1], "share": [2 / 3, 1 / 3], "revenue_share": [0.4, 0.6]},
        index=[NAMES[0], NAMES[1]],
    )
    whale = pd.DataFrame(
        [{"top_20_share": np.nan, "top_10_share": np.nan, "top_50_share": np.nan,
          "gini": np.nan, "unprofitable_share": np.nan}]
    )  # fmt: skip
    gaps = pd.DataFrame({"gap": [np.nan, np.nan]}, index=["p50", "p90"])
    cross = pd.DataFrame(
        {"mean_revenue": [0.0, 5.0], "customers": [1, 2], "share": [1 / 3, 2 / 3]}, index=[1, 2]
    )
    lines = customer_base_findings(summary, segments, whale, gaps, cross)
    assert_clean(lines)
    text = " ".join(lines)
    assert text.startswith("The data hold 3 customers; 33% of them bought on a single day")
    assert f"The largest RFM segment is {NAMES[0]} (67% of customers); {NAMES[1]}" in text
    assert len(lines) == 2  # whale, gap and cross-buying sentences need numbers


def test_value_findings_without_numbers():
    from crmlab.value import value_findings

    table = pd.DataFrame(
        {
            "benefits": [5.0, 4.0],
            "costs": [3.0, 4.5],
            "net_value": [2.0, -0.5],
            "net_value_lower": [np.nan, -0.9],
            "net_value_upper": [np.nan, -0.1],
            "value_ratio": [np.nan, np.nan],
        },
        index=NAMES[:2],
    )
    drivers = pd.DataFrame(
        {"derived_share": [0.7, 0.3], "stated_share": [np.nan, np.nan]}, index=NAMES[2:4]
    )
    lines = value_findings(table, drivers=drivers)
    assert_clean(lines)
    text = " ".join(lines)
    assert f"{NAMES[0]} offers the highest perceived net value" in text
    assert f"{NAMES[1]} the lowest (-0.50)." in text
    assert f"costs exceeding benefits for {NAMES[1]}" in text
    assert (
        f"{NAMES[2]} is the strongest predictor of the overall value rating (70% of the explained "
        "variance" in text
    )
    assert "driver" not in text  # an association in cross-sectional ratings, not a cause
