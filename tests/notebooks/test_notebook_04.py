"""Notebook 04 on a user's files (renamed columns, a subscription table): the branches the
default run of tests/notebooks/test_notebooks.py does not take."""

from __future__ import annotations

import re

import nbformat
import papermill
import pytest

from crmlab._paths import notebooks_dir
from crmlab.datasets import load_cdnow, simulate_subscriptions
from crmlab.retention import (
    churn_durations,
    concordance_index,
    durations_by_segment,
    first_purchase_segment,
    fit_periods_or_default,
    subscription_survivors,
)
from tests.notebooks._executed import markdown_text


@pytest.mark.slow
def test_notebook_04_on_user_files(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    subs = simulate_subscriptions(300, 0.8, 2.0, n_periods=8, n_cohorts=3, seed=2)
    subs.rename(columns={"start": "Beginn", "end": "Ende"}).to_csv(tmp_path / "s.csv", index=False)
    tx = load_cdnow().rename(columns={"customer_id": "Kunde", "date": "Datum", "amount": "Umsatz"})
    tx.drop(columns="quantity").to_csv(tmp_path / "tx.csv", index=False)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "04_retention_analysis.ipynb"),
        str(out),
        parameters={
            "transactions_path": str(tmp_path / "tx.csv"),
            "columns": {"Kunde": "customer_id", "Datum": "date", "Umsatz": "amount"},
            "subscriptions_path": str(tmp_path / "s.csv"),
            "subscription_columns": {"Beginn": "start", "Ende": "end"},
            "period": "Q",  # fit_periods left at 0: the window comes from these data
        },
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    text = markdown_text(executed)
    # the automatic window: two thirds of the 8 periods the first cohort is observed
    survivors = subscription_survivors(subs)
    assert fit_periods_or_default(0, survivors) == 5 == (2 * 8) // 3
    assert "Fitted on periods 0-5" in text and "period 8" in text
    assert "first_quantity" not in text  # no quantity column: the Cox model drops it
    # the findings quote the tables the notebook computed (recomputed here on the same data)
    durations = churn_durations(load_cdnow(), 180)
    c_index = concordance_index(durations, ["log_first_amount"])["c_index"]
    assert f"Harrell's C = {c_index:.3f}" in text
    table = durations_by_segment(durations, first_purchase_segment(durations))
    assert f"restricted mean {table.loc['high', 'rmst']:.1f} days" in text
    assert "no purchase follows for 180 days (an assumed threshold" in text
    assert "a doubling of 1 + first_amount" in text and "retention elasticity" in text
    assert "expected active life" not in text and "lowers" not in text
    sources = "\n".join(c.source for c in executed.cells if c.cell_type == "code")
    assert not re.search(r"^\s*for .+ in .+:", sources, re.M)  # no loops in the notebook
    assert ".groupby(" not in sources


def test_fit_periods_default_belongs_to_no_data():
    """``fit_periods`` defaults to 0 (derived from the data; 7 only on the bundled Fader-Hardie
    cohorts, through retention.fit_periods_or_default), and 0 passes the runner's range."""
    import ast

    from crmlab.report import list_notebooks
    from crmlab.report.ranges import check_value

    (nb,) = [n for n in list_notebooks() if n.stem == "04_retention_analysis"]
    defaults = {p.name: ast.literal_eval(p.default_source) for p in nb.parameters}
    assert defaults["fit_periods"] == 0
    check_value("fit_periods", 0, "04_retention_analysis")
    sources = "\n".join(c.source for c in nbformat.read(nb.path, as_version=4).cells)
    assert "fit_periods_or_default(fit_periods, survivors, bundled=not subscriptions_path)" in (
        sources
    )
