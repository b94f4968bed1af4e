"""Notebook 05 on a user's files (renamed columns, a product table, margin rates, no campaign
data): the branches the default run of tests/notebooks/test_notebooks.py does not take."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from crmlab._paths import notebooks_dir
from tests.notebooks._executed import markdown_text


@pytest.mark.slow
def test_notebook_05_on_user_files(tmp_path, monkeypatch, journey):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    tx = journey.transactions
    tx = tx.loc[tx["customer_id"] <= 300, ["customer_id", "date", "amount", "basket_id", "product"]]
    tx = tx.rename(columns={"customer_id": "Kunde", "date": "Datum", "amount": "Umsatz"})
    tx.to_csv(tmp_path / "tx.csv", index=False)
    products = journey.products.reset_index()[["product", "category", "department"]]
    products.rename(columns={"category": "Warengruppe"}).to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "05_customer_portfolio.ipynb"),
        str(out),
        parameters={
            "transactions_path": str(tmp_path / "tx.csv"),
            "columns": {
                "Kunde": "customer_id",
                "Datum": "date",
                "Umsatz": "amount",
                "Warengruppe": "category",
            },
            "products_path": str(tmp_path / "p.csv"),
            "n_clusters": 3,
            "margin_rates": {"GROCERY": 0.25, "PRODUCE": 0.4},
            "seed": 2,
        },
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    text = markdown_text(executed)
    assert "3 clusters" in text
    assert "No `retail_disc` column" in text and "No campaign table" in text
    assert "Campaign" not in text.split("No campaign table")[1]
