"""The notebooks: committed clean, and every one runs through the runner on small parameters.

The strong notebook test is papermill through ``crmlab run`` asserting on the executed notebook
(PITFALLS.md: nbval only checks that cells run when notebooks are committed without outputs).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from crmlab._paths import notebooks_dir

ROOT = Path(__file__).resolve().parent.parent.parent
NOTEBOOKS = sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
EXPECTED = [
    "00_customer_base",
    "01_value_perception",
    "02_satisfaction_gaps",
    "03_clv_estimation",
    "04_retention_analysis",
    "05_customer_portfolio",
]

# Small parameters per notebook: quick, and different from the defaults, so the parameters
# are really used. A notebook missing here runs on its defaults.
SMALL = {
    "00_customer_base": {"time_unit": "M", "n_bins": 4, "observation_end": "1998-01-31"},
    "01_value_perception": {"n_bootstrap": 200, "chain_bootstrap": 20, "seed": 3},
    "02_satisfaction_gaps": {"alpha": 0.1},
    "03_clv_estimation": {"n_draws": 50, "models": ["BGNBD", "ParetoNBD"], "horizon": 26.0},
    "04_retention_analysis": {"period": "Q", "inactivity_threshold": 120},
    "05_customer_portfolio": {"n_clusters": 4, "seed": 1},
}


# Words the computed key findings of a notebook must contain at the small parameters.
FINDINGS_MENTION = {
    "00_customer_base": ["%"],
    "02_satisfaction_gaps": ["SERVQUAL", "adjusted p < 0.1"],
}


def _tracked_notebooks() -> list[Path]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "notebooks/*.ipynb"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return NOTEBOOKS
    return [ROOT / name for name in out] or NOTEBOOKS


def test_notebooks_exist():
    stems = [p.stem for p in NOTEBOOKS]
    assert stems, "no notebooks found"
    assert set(stems) <= set(EXPECTED), f"unexpected notebook names: {set(stems) - set(EXPECTED)}"


@pytest.mark.parametrize("path", _tracked_notebooks(), ids=lambda p: p.stem)
def test_notebook_is_clean_and_parameterized(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), (
        f"{path.name} has outputs: clear them before committing"
    )
    assert nb.cells[0].cell_type == "markdown", "the first cell says what the reader learns"
    assert "parameters" in code[0].metadata.get("tags", []), "first code cell tagged parameters"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    sources = "\n".join(c.source for c in code)
    assert "\ndef " not in "\n" + sources and "\nclass " not in "\n" + sources, (
        "no function or class definitions in notebooks: logic lives in crmlab"
    )
    assert any("Key findings" in c.source for c in nb.cells if c.cell_type == "markdown")
    for line in code[0].source.splitlines():
        if "=" in line.split("#")[0]:
            # papermill's parameter inspection skips a line with more than one "="
            assert line.count("=") == 1, f"{path.name}: one '=' per parameter line: {line}"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from crmlab.report import run_notebooks

    out = tmp_path_factory.mktemp("reports") / "run"
    stems = [p.stem for p in NOTEBOOKS]
    # One section per notebook, so a shared name (seed) can differ between notebooks.
    sections = {stem: SMALL[stem] for stem in stems if stem in SMALL}
    result = run_notebooks(stems, parameters=sections, out=out, progress=False)
    return out, result


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_notebook_runs_through_runner(run, stem: str):
    out, _ = run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(n for n in manifest["notebooks"] if n["notebook"] == stem)
    assert entry["status"] == "ok", entry
    executed = nbformat.read(out / f"{stem}.ipynb", as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    images = sum(
        1
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    )
    assert images >= 2, f"{stem}: figures missing from the executed notebook ({images})"
    findings = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    ]
    assert findings, f"{stem}: no computed key findings (Markdown output) found"
    # The plain-text form: the Markdown form escapes every data value (crmlab.text.Findings).
    text = "".join("".join(o["data"]["text/plain"]) for o in findings)
    for word in FINDINGS_MENTION.get(stem, []):
        assert word in text, f"{stem}: key findings do not mention {word!r}"
    for name, value in SMALL.get(stem, {}).items():
        assert entry["parameters"][name] == value
    assert (out / f"{stem}.html").is_file() and (out / f"{stem}.client.html").is_file()
