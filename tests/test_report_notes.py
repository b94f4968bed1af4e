"""Data notes (the CrmlabWarnings of a notebook) and the report of a run with failures.

One run of two fixture notebooks (one warns and succeeds, one warns and then fails) is shared by
the module: the notes must reach the terminal, ``index.html``, ``manifest.json`` and the executed
notebooks' metadata, and the failure report must say where the good report is.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import nbformat
import pytest

from crmlab.errors import CrmlabWarning
from crmlab.report import run_notebooks
from crmlab.report.notes import install, read_notes

FIXTURES = Path(__file__).parent / "fixtures" / "notes"
REPEATED = "12 rows repeat an earlier row exactly; kept <b>&</b>"


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes")
    stream = io.StringIO()
    result = run_notebooks(
        None,
        {"label": "L"},
        out=root / "client",
        notebooks_dir=FIXTURES,
        progress=stream,
        raise_on_error=False,
    )
    return result, stream.getvalue()


def test_notes_follow_each_progress_line(failed_run):
    _, terminal = failed_run
    lines = terminal.splitlines()
    first = next(i for i, line in enumerate(lines) if "00_warns" in line)
    second = next(i for i, line in enumerate(lines) if "01_fails" in line)
    assert lines[first + 1 : second] == [
        f"      note: {REPEATED} (3 times)",
        "      note: ids trimmed in L",
    ]
    assert lines[second + 1 :] == ["      note: 3 returns dropped"]
    assert "not a data note" not in terminal  # a UserWarning is not a data note


def test_notes_in_manifest_and_notebook_metadata(failed_run):
    result, _ = failed_run
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    notes = {nb["notebook"]: nb["notes"] for nb in manifest["notebooks"]}
    expected = [
        {"category": "CrmlabWarning", "message": REPEATED, "count": 3},
        {"category": "CrmlabWarning", "message": "ids trimmed in L", "count": 1},
    ]
    assert notes["00_warns"] == expected
    assert notes["01_fails"] == [
        {"category": "CrmlabWarning", "message": "3 returns dropped", "count": 1}
    ]
    meta = nbformat.read(result.run_dir / "00_warns.ipynb", as_version=4).metadata["crmlab"]
    assert meta["notes"] == expected
    assert meta["parameters"]["label"] == {"value": "L", "given": True, "help": "a label"}
    assert meta["parameters"]["margin_rate"] == {
        "value": 0.3,
        "given": False,
        "help": "assumed margin",
    }
    failed = nbformat.read(result.run_dir / "01_fails.ipynb", as_version=4).metadata["crmlab"]
    assert [n["message"] for n in failed["notes"]] == ["3 returns dropped"]


def test_repeated_note_is_shown_once_in_the_notebook(failed_run):
    result, _ = failed_run
    nb = nbformat.read(result.run_dir / "00_warns.ipynb", as_version=4)
    shown = "".join(
        out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs
    )
    assert shown.count(f"CrmlabWarning: {REPEATED}") == 1


def test_index_shows_notes_escaped_and_the_incomplete_run(failed_run):
    result, _ = failed_run
    page = result.index.read_text(encoding="utf-8")
    assert "12 rows repeat an earlier row exactly; kept &lt;b&gt;&amp;&lt;/b&gt; (3 times)" in page
    assert "<b>&</b>" not in page
    assert "3 returns dropped" in page
    assert "This run is incomplete: 1 of 2 notebooks failed" in page
    assert "The reports of the 1 notebook(s) that succeeded" in page


def test_failure_report_names_the_good_reports(failed_run):
    result, _ = failed_run
    assert [nb.notebook for nb in result.succeeded] == ["00_warns"]
    report = result.failure_report()
    assert f"open {result.index}" in report
    assert f"00_warns: {result.run_dir / '00_warns.client.html'}" in report
    assert (result.run_dir / "00_warns.client.html").is_file()
    assert f"failed executed notebook: {result.run_dir / '01_fails.ipynb'}" in report
    assert result.run_dir.parent.name == ".failed"


def test_read_notes_counts_and_skips_broken_lines(tmp_path):
    path = tmp_path / "n.jsonl"
    lines = [
        json.dumps({"category": "CrmlabWarning", "message": "a"}),
        json.dumps({"category": "CrmlabWarning", "message": "b"}),
        '{"category": "CrmlabWarning", "mess',  # cut off
        json.dumps({"category": "CrmlabWarning", "message": "a"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_notes(path) == [
        {"category": "CrmlabWarning", "message": "a", "count": 2},
        {"category": "CrmlabWarning", "message": "b", "count": 1},
    ]
    assert read_notes(tmp_path / "missing.jsonl") == []


def test_install_records_crmlab_warnings_only(tmp_path):
    path = tmp_path / "n.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the hook adds "always" for CrmlabWarning in front
        install(path)
        for _ in range(2):
            warnings.warn("zero amounts kept", CrmlabWarning, stacklevel=1)
        warnings.warn("other", UserWarning, stacklevel=1)
    assert read_notes(path) == [
        {"category": "CrmlabWarning", "message": "zero amounts kept", "count": 2}
    ]
