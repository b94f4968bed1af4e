"""A client's own export, first try (issue 13): ``crmlab run --params FILE.yaml`` on real data.

The export is built from the bundled CDNOW sample the way a German shop system writes it:
semicolons, ``Kundennummer;Bestelldatum;Menge;Umsatz``, customer numbers with leading zeros,
dates moved out of 1997 (27 years on, so the CDNOW calibration date cannot apply), exact
duplicate lines and zero-amount lines (some customers' only repeat purchases cost nothing).

What the reader reads only with reader options (``read_options``, passed through the runner),
tested in the second test: dates written ``20240101`` (``date_format="%Y%m%d"``), decimal commas
(``decimal=","``) and return lines with negative amounts (``returns="drop"`` or ``"keep"``; the
reader refuses them by default).

A second test runs notebook 03 on customers who never drop out and buy steadily to the end of
the window: the dropout models' likelihoods peak at the no-dropout boundary, and the report must
still be written, with those models marked "not identified" and the NBD limit in their place.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

from crmlab._paths import notebooks_dir
from crmlab.datasets import load_cdnow

from ._runner import crmlab_cmd

NOTEBOOKS = notebooks_dir()
SHIFT = pd.DateOffset(years=27)
HEADER = {"Kundennummer": "customer_id", "Bestelldatum": "date", "Menge": "quantity"}


def _client_lines(rng: np.random.Generator) -> pd.DataFrame:
    """CDNOW as a client's log: dates moved, duplicates and zero-amount lines added."""
    tx = load_cdnow()
    tx["date"] = tx["date"] + SHIFT
    # every repeat line of a few repeat customers costs nothing (free replacements)
    first = tx.groupby("customer_id")["date"].transform("min")
    repeaters = tx.loc[tx["date"] > first, "customer_id"].unique()
    free = rng.choice(repeaters, size=5, replace=False)
    tx.loc[tx["customer_id"].isin(free) & (tx["date"] > first), "amount"] = 0.0
    dupes = tx.sample(n=12, random_state=int(rng.integers(1 << 31)))
    return pd.concat([tx, dupes]).sort_values(["customer_id", "date"], kind="stable")


def _write_export(lines: pd.DataFrame, path: Path, *, german: bool) -> None:
    ids = lines["customer_id"].map(lambda i: f"{i:05d}")
    if german:
        dates = lines["date"].dt.strftime("%Y%m%d")
        amounts = lines["amount"].map(lambda a: f"{a:.2f}".replace(".", ","))
    else:
        dates = lines["date"].dt.strftime("%Y-%m-%d")
        amounts = lines["amount"].map(lambda a: f"{a:.2f}")
    out = pd.DataFrame(
        {"Kundennummer": ids, "Bestelldatum": dates, "Menge": lines["quantity"], "Umsatz": amounts}
    )
    path.write_text(out.to_csv(sep=";", index=False), encoding="utf-8")


def _yaml(path: Path, values: dict) -> Path:
    path.write_text(json.dumps(values, indent=2), encoding="utf-8")  # JSON is YAML
    return path


def _notes(manifest: dict) -> dict[str, list[str]]:
    return {nb["notebook"]: [n["message"] for n in nb["notes"]] for nb in manifest["notebooks"]}


def test_german_style_export_runs_00_03_04_first_try(tmp_path):
    rng = np.random.default_rng(13)
    export = tmp_path / "bestellungen.csv"
    _write_export(_client_lines(rng), export, german=False)
    params = _yaml(
        tmp_path / "acme.yaml",
        {
            "transactions_path": str(export),
            "columns": {**HEADER, "Umsatz": "amount"},
            "margin_rate": 0.25,
            "03_clv_estimation": {"n_draws": 20, "horizon": 26.0},
        },
    )
    proc = crmlab_cmd(
        "run", "00", "03", "04", "--params", str(params), "--out", "client",
        cwd=tmp_path, notebooks=NOTEBOOKS, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "client"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [nb["status"] for nb in manifest["notebooks"]] == ["ok", "ok", "ok"]
    notes = _notes(manifest)
    for stem in ("00_customer_base", "03_clv_estimation", "04_retention_analysis"):
        assert any("repeat" in m and "kept" in m for m in notes[stem]), notes[stem]
    assert any("Gamma-Gamma" in m and "5 of" in m for m in notes["03_clv_estimation"])
    assert "note:" in proc.stderr  # the notes follow the progress lines
    # the CDNOW calibration date did not leak: two thirds of the client's window
    nb = nbformat.read(run / "03_clv_estimation.ipynb", as_version=4)
    given = nb.metadata["crmlab"]["parameters"]
    used = given["calibration_end"]  # not given: resolved by the notebook from the client's data
    assert used["given"] is False and used.get("resolved") is True
    client = _client_lines(np.random.default_rng(13))["date"]
    two_thirds = client.min() + (client.max() - client.min()) * 2 / 3
    assert abs(pd.Timestamp(used["value"]) - two_thirds) <= pd.Timedelta(days=7), used
    entry = next(nb for nb in manifest["notebooks"] if nb["notebook"] == "03_clv_estimation")
    assert entry["resolved"]["calibration_end"] == {"declared": "", "value": used["value"]}
    assert given["margin_rate"]["given"] is True and given["discount_rate"]["given"] is False
    source = "".join(
        out.get("text", "") + str(out.get("data", {}).get("text/plain", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert "1997" not in source
    index = (run / "index.html").read_text(encoding="utf-8")
    assert "Data notes" in index


def test_german_dates_decimal_commas_and_returns_need_read_options(tmp_path):
    rng = np.random.default_rng(14)
    lines = _client_lines(rng)
    returns = lines.sample(n=8, random_state=int(rng.integers(1 << 31))).assign(
        amount=lambda f: -f["amount"]
    )
    export = tmp_path / "bestellungen.csv"
    _write_export(pd.concat([lines, returns]), export, german=True)
    params = _yaml(
        tmp_path / "acme.yaml",
        {
            "transactions_path": str(export),
            "columns": {**HEADER, "Umsatz": "amount"},
            "read_options": {"date_format": "%Y%m%d", "decimal": ",", "returns": "drop"},
            "03_clv_estimation": {"n_draws": 20, "horizon": 26.0},
        },
    )
    proc = crmlab_cmd(
        "run", "00", "03", "04", "--params", str(params), "--out", "client",
        cwd=tmp_path, notebooks=NOTEBOOKS, timeout=900,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def _steady_buyers(rng: np.random.Generator, n: int = 600) -> pd.DataFrame:
    """Customers who never drop out: each buys about every ``gap`` days until the end."""
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-06-30")
    rows = []
    for i in range(n):
        first = start + pd.Timedelta(days=int(rng.integers(0, 84)))
        gap = float(rng.gamma(2.0, 20.0)) + 5.0
        t = first
        while t <= end:
            rows.append((i + 1, t, round(float(rng.gamma(4.0, 8.0)), 2)))
            t = t + pd.Timedelta(days=max(1, int(rng.normal(gap, gap / 5))))
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_notebook_03_survives_models_at_the_no_dropout_boundary(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "steady.csv"
    _steady_buyers(rng).to_csv(path, index=False)
    params = _yaml(tmp_path / "p.yaml", {"transactions_path": str(path), "n_draws": 20})
    proc = crmlab_cmd(
        "run", "03", "--params", str(params), "--out", "steady",
        cwd=tmp_path, notebooks=NOTEBOOKS, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    run = tmp_path / "steady"
    nb = nbformat.read(run / "03_clv_estimation.ipynb", as_version=4)
    shown = "\n".join(
        str(out.get("data", {}).get("text/plain", "")) + out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )
    assert "not identified:" in shown
    assert "ParetoNBD" in shown and "NBD" in shown
    notes = [n["message"] for n in nb.metadata["crmlab"]["notes"]]
    assert any(m.startswith("ParetoNBD is not identified") for m in notes), notes
    assert any("no evidence of dropout" in m for m in notes)
    client = (run / "03_clv_estimation.client.html").read_text(encoding="utf-8")
    assert "no evidence of dropout in this window" in client
    assert "cannot be estimated on these data" in client
