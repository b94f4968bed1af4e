"""Notebook 03 on a user's file with covariates and a currency, through the runner: the
branches the default run of tests/notebooks/test_notebooks.py does not take, and the client and
teaching reports (what each shows)."""

from __future__ import annotations

import re

import nbformat
import pytest

from crmlab import clv, rfm, text
from crmlab.datasets import load_cdnow
from tests.notebooks._executed import markdown_text


def _visible(html: str) -> str:
    html = re.sub(r"<(style|script)\b.*?</\1>|<img[^>]*>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.slow
def test_notebook_03_with_covariates_and_currency(tmp_path, monkeypatch):
    from crmlab.report import run_notebooks

    monkeypatch.delenv("MPLBACKEND", raising=False)
    tx = load_cdnow().rename(columns={"customer_id": "Kunde", "quantity": "Menge"})
    tx.to_csv(tmp_path / "tx.csv", index=False)
    parameters = {
        "transactions_path": str(tmp_path / "tx.csv"),
        "columns": {"Kunde": "customer_id", "Menge": "quantity"},
        "calibration_end": "1997-09-30",
        "models": ["BGNBD", "ParetoNBD", "GGomNBD"],
        "covariates": ["quantity"],
        "n_draws": 30,
        "horizon": 26.0,
        "currency": "EUR",
    }
    out = tmp_path / "run"
    run_notebooks(["03_clv_estimation"], parameters={"03_clv_estimation": parameters}, out=out,
                  progress=False)  # fmt: skip
    executed = nbformat.read(out / "03_clv_estimation.ipynb", as_version=4)
    said = markdown_text(executed)
    # proper-score choice, worded as a tie or a winner with its bootstrap interval
    assert "paired bootstrap over" in said
    assert re.search(r"forecast the holdout equally well|forecasts the holdout better than", said)
    assert "GGomNBD cannot be estimated on these data" in said  # not identified, with a reason
    # horizon and currency in the CLV sentences; no dollar sign anywhere
    assert "Total 26-week CLV at the assumed 30% margin and a 10% annual discount rate" in said
    assert " EUR" in said and "$" not in said
    assert "parameter uncertainty of this expected value" in said
    assert "predictive interval" in said
    # the Gamma-Gamma check: both correlations, intervals, never "acceptable"
    assert "Pearson r = " in said and "Spearman rho = " in said and "acceptable" not in said
    assert re.search(r"Gamma-Gamma model is (not clearly violated|violated)", said)
    # covariates: the quantity of the first purchase, coefficients recomputed here
    full = rfm.rfm_summary(load_cdnow(), time_unit="W")
    cal = rfm.rfm_summary(load_cdnow(), calibration_end="1997-09-30", time_unit="W")
    best = clv.choose_forecast_model(
        cal, clv.fit_models(["BGNBD", "ParetoNBD"], cal, warn=False)
    ).best
    model = clv.fit_with_covariates(best, full, clv.customer_covariates(load_cdnow(), ["quantity"]))
    table = clv.covariate_table(model)
    coef = table.loc[("purchase", "quantity"), "coef"]
    assert f"coefficient {text.number(coef, 3)}" in said
    assert re.search(
        r"quantity is associated with|no evidence of an association between quantity", said
    )
    assert "drives" not in said and "causes" not in said
    # BG/BB on the donations data: its own finding, in the teaching report only
    assert "BG/BB on 11,104 customers observed over 6 transaction opportunities" in said
    teaching = _visible((out / "03_clv_estimation.html").read_text(encoding="utf-8"))
    client = _visible((out / "03_clv_estimation.client.html").read_text(encoding="utf-8"))
    assert "Discrete time: BG/BB" in teaching and "BG/BB" not in client
    assert "Exercises" in teaching and "Exercises" not in client
    assert "glossary" in teaching
    assert "Covariates of the purchase and dropout processes" in client
    assert "26-week CLV (EUR)" in client  # the CLV column carries horizon and currency
    assert "CLV lower, predictive" in client and "CLV lower, parameter uncertainty" in client
    assert "DERT, infinite horizon" in client or best != "ParetoNBD"
    assert client.index("Key findings") < client.index("Which model forecasts best?")


def test_notebook_03_parameters_validated_before_kernels():
    from crmlab.errors import ParameterError
    from crmlab.report.ranges import check_value

    check_value("models", ["GGomNBD", "BGCNBD", "MBGCNBD", "ParetoNBDCorrelated", "NBD"], "03")
    for bad in (["Pareto"], [], "BGNBD", ["NBD", "NBD"]):
        with pytest.raises(ParameterError, match="models"):
            check_value("models", bad, "03")
    check_value("covariates", [], "03")
    with pytest.raises(ParameterError, match="covariates"):
        check_value("covariates", ["a", 3], "03")
