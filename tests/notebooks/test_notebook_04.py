"""Notebook 04 on a user's files (renamed columns, a subscription table): the branches the
default run of tests/notebooks/test_notebooks.py does not take."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from crmlab._paths import notebooks_dir
from crmlab.datasets import load_cdnow, simulate_subscriptions


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
            "fit_periods": 5,
            "period": "Q",
        },
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    markdown = [
        o["data"]["text/plain"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]
    text = "\n".join(markdown)
    assert "Fitted on periods 0-5" in text and "period 8" in text
    assert "first_quantity" not in text  # no quantity column: the Cox model drops it
