"""The notebooks: committed clean, and every one runs through the runner on small parameters.

The strong notebook test is papermill through ``crmlab run`` asserting on the executed notebook
(PITFALLS.md: nbval only checks that cells run when notebooks are committed without outputs).
"""

from __future__ import annotations

import ast
import functools
import json
import subprocess
from pathlib import Path

import nbformat
import numpy as np
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
# (The numbers are checked by test_key_findings_quote_independently_computed_numbers.)
FINDINGS_MENTION = {
    "00_customer_base": ["%"],
    "01_value_perception": ["Simulated example: "],
    "02_satisfaction_gaps": ["SERVQUAL", "adjusted p < 0.1", "Simulated survey: ", "(SERVPERF)"],
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


# ------------------------------------------------------------------ the numbers of the findings
# Each function recomputes a notebook's key numbers in the test process from the same data and
# parameters (from the raw transactions where that is short, else with crmlab calls other than
# the notebook's findings function) and returns the phrases the findings must quote.


def _parameters(stem: str, overrides: dict) -> dict:
    """The notebook's declared defaults (its parameters cell), updated with ``overrides``.

    Read with crmlab's own parser: papermill's inspection skips ``Literal[...]`` annotations."""
    from crmlab.report import list_notebooks

    (notebook,) = [nb for nb in list_notebooks() if nb.stem == stem]
    values = {p.name: ast.literal_eval(p.default_source) for p in notebook.parameters}
    return {**values, **overrides}


@functools.cache
def _cdnow():
    from crmlab import inputs

    return inputs.transactions_or_default("", {})


def _key_00(p: dict) -> list[str]:
    from crmlab import text

    tx = _cdnow()
    if p["observation_end"]:
        tx = tx.loc[tx["date"].dt.normalize() <= p["observation_end"]]
    days = tx.assign(day=tx["date"].dt.normalize()).drop_duplicates(["customer_id", "day"])
    per = days.groupby("customer_id").agg(days=("day", "size"))
    per["revenue"] = tx.groupby("customer_id")["amount"].sum()
    profit = np.sort(p["margin_rate"] * per["revenue"] - p["cost_per_purchase"] * per["days"])
    profit = profit[::-1]
    cum = np.concatenate([[0.0], np.cumsum(profit)]) / profit.sum()
    top20 = np.interp(0.2, np.arange(len(profit) + 1) / len(profit), cum)
    gaps = days.sort_values(["customer_id", "day"]).groupby("customer_id")["day"].diff()
    return [
        f"The data hold {text.number(len(per))} customers",
        f"{text.pct((per['days'] == 1).mean())} of them bought on a single day",
        f"The most valuable 20% of customers bring {text.pct(top20)} of profit",
        f"{text.pct((profit < 0).mean())} of customers lose money",
        f"Half of the repeat purchases come within {gaps.dt.days.median():.0f} days",
    ]


def _key_01(p: dict) -> list[str]:
    from crmlab import inputs, text, value

    ratings, _ = inputs.ratings_or_default("", {}, n_respondents=300, seed=p["seed"])
    table = value.perceived_value(ratings, n_bootstrap=0)  # point estimates need no resampling
    best = table["net_value"].idxmax()
    worst = table["net_value"].idxmin()
    # the ECSI value chain runs on textbook surveys: shown, but never a key finding
    return [
        f"{best} offers the highest perceived net value: benefits "
        f"{text.number(table.loc[best, 'benefits'], 2)} minus costs "
        f"{text.number(table.loc[best, 'costs'], 2)} = "
        f"{text.number(table.loc[best, 'net_value'], 2)}",
        f"{worst} the lowest ({text.number(table.loc[worst, 'net_value'], 2)}",
    ]


def _key_02(p: dict) -> list[str]:
    from scipy import stats

    from crmlab import inputs, text

    survey, _ = inputs.survey_or_default("", {}, {}, (p["scale_min"], p["scale_max"]))
    diff = (survey["perception"] - survey["expectation"]).groupby(survey["item"])
    mean, sd, n = diff.mean(), diff.std(ddof=1), diff.size()
    worst = mean.idxmin()
    half = stats.t.ppf(1 - p["alpha"] / 2, n[worst] - 1) * sd[worst] / np.sqrt(n[worst])
    return [
        f"(adjusted p < {p['alpha']:g})",
        f"The largest shortfall is '{worst}'",
        f"gap {text.number(mean[worst], 2)} ({text.pct(1 - p['alpha'])} interval "
        f"{text.interval(mean[worst] - half, mean[worst] + half)})",
    ]


def _key_03(p: dict) -> list[str]:
    from crmlab import clv, rfm, text

    tx = _cdnow()
    cal_end = clv.calibration_end_or_default(p["calibration_end"], tx, bundled=True)
    cal = rfm.rfm_summary(tx, calibration_end=cal_end, time_unit=p["time_unit"])
    fits = clv.fit_models(p["models"], cal, warn=False)
    choice = clv.choose_forecast_model(cal, fits, seed=p["seed"])
    full = rfm.rfm_summary(tx, time_unit=p["time_unit"])
    models = [clv.MODELS[name]().fit(full) for name in choice.models]
    values = clv.forecast_clv(
        models,
        clv.GammaGamma().fit(clv.spend_summary(full)),
        full,
        p["horizon"],
        p["discount_rate"],
        p["time_unit"],
        p["margin_rate"],
        n_draws=p["n_draws"],
        seed=p["seed"],
    )
    verdict = (
        f"{choice.best} and {choice.runner_up} forecast the holdout equally well"
        if choice.tie
        else f"{choice.best} forecasts the holdout better than {choice.runner_up}"
    )
    return [
        verdict,
        f"Total {p['horizon']:g}-week CLV at the assumed {text.pct(p['margin_rate'])} margin",
        f": {text.money(values['clv'].sum(), p['currency'] or None)}",
    ]


def _key_04(p: dict) -> list[str]:
    from crmlab import text
    from crmlab.transactions import TIME_UNITS

    tx = _cdnow()
    active = tx.groupby(tx["date"].dt.to_period(p["period"]))["customer_id"].apply(set)
    rates = [len(a & b) / len(a) for a, b in zip(active.iloc[:-1], active.iloc[1:], strict=True)]
    unit = TIME_UNITS[p["period"]]  # calendar periods named as the time units are
    return [
        f"On average {text.pct(np.mean(rates), 1)} of the customers active in a {unit.singular} "
        f"bought again in the next {unit.singular} (customer retention rate of a purchase log, "
        f"{len(rates)} {unit.plural})"
    ]


@functools.cache
def _journey_features():
    from crmlab import clv, inputs, profitability, rfm, segments

    data = inputs.portfolio_or_default("", {}, "")
    tx = data.transactions
    summary = rfm.rfm_summary(tx, time_unit="W")
    future = clv.customer_lifetime_value(
        clv.BGNBD().fit(summary),
        clv.GammaGamma().fit(summary),
        summary,
        horizon=52,
        discount_rate=0.1,
        time_unit="W",
    )
    current = profitability.customer_current_value(tx, margin_rates={})
    features = segments.customer_features(tx, clv=future["clv"], category_column="department")
    return tx, features, current


def _key_05(p: dict) -> list[str]:
    from crmlab import segments, text

    tx, features, current = _journey_features()
    clusters = segments.cluster_customers(
        features,
        k=p["n_clusters"] or None,
        seed=p["seed"],
        revenue=current["total_revenue"],
        profit=current["margin"],
    )
    largest = clusters.labels["cluster"].value_counts(normalize=True).max()
    revenue = tx.loc[tx["amount"] > 0].groupby("department")["amount"].sum()
    return [
        f"The customers fall into {clusters.k} clusters (largest: {text.pct(largest)} of "
        "customers)",
        f"{revenue.idxmax()} is the largest department "
        f"({text.pct(revenue.max() / revenue.sum())} of revenue)",
    ]


KEY_NUMBERS = {
    "00_customer_base": _key_00,
    "01_value_perception": _key_01,
    "02_satisfaction_gaps": _key_02,
    "03_clv_estimation": _key_03,
    "04_retention_analysis": _key_04,
    "05_customer_portfolio": _key_05,
}


def _findings_text(executed) -> str:
    """The text/plain form of the key findings (``text.Findings``: one sentence a line)."""
    cells = [c for c in executed.cells if c.cell_type == "code" and "text.Findings(" in c.source]
    assert cells, "no cell shows text.Findings(...)"
    return "".join("".join(o["data"]["text/plain"]) for o in cells[-1].outputs if "data" in o)


@pytest.mark.slow
@pytest.mark.parametrize("stem", [p.stem for p in NOTEBOOKS])
def test_key_findings_quote_independently_computed_numbers(run, stem: str):
    """The findings quote the numbers recomputed here at the small parameters, and at least one
    of those numbers differs at the notebook's defaults and is not quoted: the changed
    parameter reached the output (not just the manifest)."""
    out, _ = run
    text = _findings_text(nbformat.read(out / f"{stem}.ipynb", as_version=4))
    expected = KEY_NUMBERS[stem](_parameters(stem, SMALL[stem]))
    for phrase in expected:
        assert phrase in text, f"{stem}: findings do not say {phrase!r}:\n{text}"
    at_defaults = KEY_NUMBERS[stem](_parameters(stem, {}))
    changed = [phrase for phrase in at_defaults if phrase not in expected]
    assert changed, f"{stem}: the small parameters {SMALL[stem]} change none of the key numbers"
    assert not any(phrase in text for phrase in changed), (stem, changed)


def test_every_notebook_has_key_numbers():
    assert set(KEY_NUMBERS) == set(EXPECTED) and set(SMALL) == set(EXPECTED)
