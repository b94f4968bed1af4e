"""Notebook 02 on a client's survey file (renamed columns, a 0-10 scale, no segment named) and on
one without overall satisfaction: the branches the default run of
tests/notebooks/test_notebooks.py does not take."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from crmlab._paths import notebooks_dir
from crmlab.datasets import simulate_servqual_survey
from crmlab.satisfaction import gap_scores, servqual_vs_servperf
from crmlab.text import pct
from tests.notebooks._executed import markdown_text


def _run(tmp_path, parameters: dict) -> str:
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebooks_dir() / "02_satisfaction_gaps.ipynb"),
        str(out),
        parameters={"n_bootstrap": 200, "pls_bootstrap": 20, **parameters},
        kernel_name="python3",
        progress_bar=False,
    )
    return markdown_text(nbformat.read(out, as_version=4))


@pytest.mark.slow
def test_notebook_02_on_a_client_file(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    survey, _ = simulate_servqual_survey(150, seed=8, scale=(0, 10))
    survey.loc[0, "expectation"], survey.loc[1, "perception"] = 0.0, 10.0  # both scale ends
    own = survey.rename(
        columns={"overall_satisfaction": "Overall CSAT", "segment": "Region", "item": "Frage"}
    )
    own.to_csv(tmp_path / "umfrage.csv", index=False)
    text = _run(tmp_path, {"survey_path": str(tmp_path / "umfrage.csv"),
                           "columns": {"Frage": "item"}})  # fmt: skip
    assert "imulated" not in text  # a client's file: no flag, no truth table
    # the findings quote the SERVPERF comparison recomputed here on the same answers
    table = servqual_vs_servperf(survey, n_bootstrap=200, seed=0)
    assert f"Perceptions alone (SERVPERF) explain {pct(table['adj_r_squared'][1])}" in text
    worst = gap_scores(survey).sort_values("gap").iloc[0]["item"]
    assert f"The largest shortfall is '{worst}'" in text
    assert "no evidence" in text or "explain more" in text


@pytest.mark.slow
def test_notebook_02_without_overall_satisfaction_uses_stated_importance(tmp_path, monkeypatch):
    monkeypatch.delenv("MPLBACKEND", raising=False)
    survey, _ = simulate_servqual_survey(120, seed=9)
    survey.drop(columns="overall_satisfaction").to_csv(tmp_path / "s.csv", index=False)
    text = _run(tmp_path, {"survey_path": str(tmp_path / "s.csv"), "scale_min": 1,
                           "scale_max": 7, "importance_method": "stated"})  # fmt: skip
    assert "SERVPERF" not in text  # no overall satisfaction: the comparison is left out
    assert "concentrate here" in text
