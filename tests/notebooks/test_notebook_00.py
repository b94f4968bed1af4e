"""Notebook 00 on a user's file with its own assumptions: the findings quote the margin and cost to
serve as given, with the sensitivity line, in the user's currency."""

from __future__ import annotations

import nbformat
import numpy as np
import papermill
import pytest

from crmlab import text as T
from crmlab._paths import notebooks_dir
from crmlab.datasets import load_cdnow
from tests.notebooks._executed import markdown_text


def _unprofitable(tx, margin, cost) -> float:
    per = tx.groupby("customer_id").agg(
        revenue=("amount", "sum"), days=("date", lambda d: d.dt.normalize().nunique())
    )
    return float(((margin * per["revenue"] - cost * per["days"]) < 0).mean())


@pytest.mark.slow
def test_notebook_00_quotes_the_given_assumptions(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    tx = load_cdnow()
    tx.drop(columns="quantity").to_csv(tmp_path / "tx.csv", index=False)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "00_customer_base.ipynb"),
        str(out),
        parameters={
            "transactions_path": str(tmp_path / "tx.csv"),
            "margin_rate": 0.4,
            "cost_per_purchase": 4.0,
            "currency": "EUR",
        },
        kernel_name="python3",
        progress_bar=False,
    )
    text = markdown_text(nbformat.read(out, as_version=4))
    share = _unprofitable(tx, 0.4, 4.0)
    assert (
        "At the assumed 40% gross margin and 4 EUR cost to serve per purchase day (as given for "
        f"this run), {T.pct(share)} of customers lose money." in text
    )
    for margin, cost, words in ((0.3, 4.0, "at a 30% margin"), (0.4, 8.0, "at 8 EUR per")):
        assert f"{T.pct(_unprofitable(tx, margin, cost))} {words}" in text
    assert "notebook's default" not in text
    assert not np.isnan(share)
