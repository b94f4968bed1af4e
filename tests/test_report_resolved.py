"""The value a notebook resolves for an empty parameter (calibration_end by the two-thirds rule)
reaches the manifest, the executed notebook's provenance and the client report's assumptions box,
and a value given for the run is never replaced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlab import clv
from crmlab.report import resolved, run_notebooks

FIXTURES = Path(__file__).parent / "fixtures" / "resolved"


def _expected_default() -> str:
    """The fixture's data and crmlab's two-thirds rule, computed here independently."""
    dates = pd.date_range("2021-01-01", "2021-12-31", freq="D")
    first, last = dates.min(), dates.max()
    two_thirds = first + (last - first) * 2 / 3
    assert clv.default_calibration_end(pd.DataFrame({"date": dates})) == two_thirds.normalize()
    return f"{two_thirds:%Y-%m-%d}"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("resolved") / "run"
    return run_notebooks(None, {}, out=out, notebooks_dir=FIXTURES, progress=False)


def test_manifest_records_the_calibration_end_used_not_empty(default_run):
    expected = _expected_default()
    manifest = json.loads(default_run.manifest.read_text(encoding="utf-8"))
    entry = manifest["notebooks"][0]
    assert entry["parameters"]["calibration_end"] == expected != ""
    assert entry["resolved"] == {"calibration_end": {"declared": "", "value": expected}}
    assert default_run.notebooks[0].parameters["calibration_end"] == expected


def test_executed_notebook_and_assumptions_box_show_the_date(default_run):
    expected = _expected_default()
    run_dir = default_run.run_dir
    nb = nbformat.read(run_dir / "00_resolves.ipynb", as_version=4)
    entry = nb.metadata["crmlab"]["parameters"]["calibration_end"]
    assert entry["value"] == expected and entry["resolved"] is True and entry["given"] is False
    client = (run_dir / "00_resolves.client.html").read_text(encoding="utf-8")
    box = re.search(r'crmlab-assumptions">(.*?)</section>', client, re.S).group(1)
    assert f"End of the calibration period</td><td>{expected}</td><td>default, from the data" in box
    full = (run_dir / "00_resolves.html").read_text(encoding="utf-8")
    for page in (client, full):
        assert resolved.MIMETYPE not in page and "calibration_end used" not in page
    shown = [
        o["data"]["text/plain"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if resolved.MIMETYPE in o.get("data", {})
    ]
    assert shown == [f"calibration_end used: {expected}"]  # what Jupyter shows
    assert f"calibration ends {expected}" in full


def test_a_given_calibration_end_is_kept(tmp_path):
    result = run_notebooks(
        None,
        {"calibration_end": "2021-05-31"},
        out=tmp_path / "run",
        notebooks_dir=FIXTURES,
        progress=False,
    )
    entry = json.loads(result.manifest.read_text(encoding="utf-8"))["notebooks"][0]
    assert entry["parameters"]["calibration_end"] == "2021-05-31"
    assert entry["resolved"] == {}
    nb = nbformat.read(result.run_dir / "00_resolves.ipynb", as_version=4)
    meta = nb.metadata["crmlab"]["parameters"]["calibration_end"]
    assert meta["given"] is True and "resolved" not in meta


def test_apply_ignores_undeclared_and_given_names():
    provenance = {"a": {"value": "", "given": False}, "b": {"value": "x", "given": True}}
    parameters = {"a": "", "b": "x"}
    out = resolved.apply({"a": "2020-01-01", "b": "y", "c": 1}, provenance, parameters, {"b": "x"})
    assert out == {"a": {"declared": "", "value": "2020-01-01"}}
    assert parameters == {"a": "2020-01-01", "b": "x"}
    assert provenance["b"] == {"value": "x", "given": True}


def test_values_are_recorded_as_json():
    assert resolved._plain(pd.Timestamp("1997-09-30")) == "1997-09-30"
    assert resolved._plain(pd.Timestamp("1997-09-30 12:00")) == "1997-09-30T12:00:00"
    import numpy as np

    assert resolved._plain(np.float64(0.5)) == 0.5 and resolved._plain(np.int64(3)) == 3
    resolved.record_resolved("x", 1)  # outside IPython: nothing happens, nothing raised
