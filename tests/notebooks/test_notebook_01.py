"""Notebook 01 on a client's ratings file (renamed columns, a segment column not named): no
simulated-data flag, no truth table, no segment section unless the consultant names a column."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from crmlab._paths import notebooks_dir
from crmlab.datasets import simulate_brand_ratings
from crmlab.value import perceived_value
from tests.notebooks._executed import markdown_text


@pytest.mark.slow
def test_notebook_01_on_a_client_file(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    ratings, _ = simulate_brand_ratings(120, seed=6)
    own = ratings.rename(columns={"brand": "Marke", "segment": "Kundentyp"})
    own.to_csv(tmp_path / "bewertungen.csv", index=False)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "01_value_perception.ipynb"),
        str(out),
        parameters={
            "ratings_path": str(tmp_path / "bewertungen.csv"),
            "columns": {"Marke": "brand"},
            "n_bootstrap": 50,
            "chain_bootstrap": 10,
        },
        kernel_name="python3",
        progress_bar=False,
    )
    executed = nbformat.read(out, as_version=4)
    text = markdown_text(executed)
    assert "imulated" not in text
    best = perceived_value(ratings, n_bootstrap=0)["net_value"].idxmax()
    assert f"{best} offers the highest perceived net value" in text
    # the truth and segment cells show nothing for a client's file without segment_column
    by_source = {c.source.split("\n")[0]: c for c in executed.cells if c.cell_type == "code"}
    truth_cell = next(c for s, c in by_source.items() if s.startswith("value.compare_to_truth"))
    assert not truth_cell.outputs
    segment_cell = next(c for s, c in by_source.items() if "segment=segment" in c.source)
    assert not segment_cell.outputs
    # the data note names the column that could serve
    notes = [o for c in executed.cells for o in c.get("outputs", []) if o.get("name") == "stderr"]
    assert any("Kundentyp" in o["text"] for o in notes)
