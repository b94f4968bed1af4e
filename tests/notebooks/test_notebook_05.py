"""Notebook 05 on a user's files (renamed columns, a product table whose codes are text while the
log's are numbers, a channel column, margin rates, no campaign data): the branches the default
run of tests/notebooks/test_notebooks.py does not take."""

from __future__ import annotations

import re

import nbformat
import numpy as np
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
    # a store/web channel per basket: every third household also orders online
    online = (tx["Kunde"] % 3 == 0) & (tx["basket_id"] % 2 == 0)
    tx["Kanal"] = np.where(online, "web", "store")
    tx.to_csv(tmp_path / "tx.csv", index=False)
    products = journey.products.reset_index()[["product", "category", "department"]]
    products["product"] = products["product"].astype(float).map("{:.1f}".format)  # "25671.0"
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
                "Kanal": "channel",
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
    findings = _findings(executed)
    assert "buy through more than one channel" in findings  # the user's channel column
    assert "frequency confound" in findings and "Key accounts, by the stated criteria" in findings
    assert "largest department" in findings  # product codes matched although 1001 vs "1001.0"
    assert "UCI" not in findings and "Horeca" not in findings


def _findings(executed) -> str:
    cells = [c for c in executed.cells if c.cell_type == "code" and "text.Findings(" in c.source]
    return "".join("".join(o["data"]["text/plain"]) for o in cells[-1].outputs if "data" in o)


@pytest.mark.slow
def test_client_report_leaves_the_textbook_customer_types_out_on_user_data(tmp_path, journey):
    """Through the runner: on the user's log without a channel column, neither the channel
    section nor the wholesale illustration reaches the client report (on the bundled data the
    wholesale customer types are boxed as an illustration)."""
    import subprocess
    import sys

    tx = journey.transactions
    tx = tx.loc[tx["customer_id"] <= 200, ["customer_id", "date", "amount", "product", "category"]]
    tx.to_csv(tmp_path / "tx.csv", index=False)
    out = tmp_path / "run"
    subprocess.run(
        [sys.executable, "-m", "crmlab", "run", "05", "--out", str(out),
         "-p", "transactions_path", str(tmp_path / "tx.csv"), "-p", "n_clusters", "2"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    client = (out / "05_customer_portfolio.client.html").read_text(encoding="utf-8")
    client = re.sub(r"<img[^>]*>", "", client)  # figures are base64 text
    client = re.sub(r"<style.*?</style>", "", client, flags=re.S)  # the box's label is CSS
    assert "Key findings" in client and "Key accounts, by the stated criteria" in client
    for absent in ("Horeca", "UCI", "Customer type", "crmlab-illustration", ">Channels<"):
        assert absent not in client, absent
