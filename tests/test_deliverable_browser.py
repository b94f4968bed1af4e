"""The client deliverable in a browser: every client report on the bundled data and on a
client's own export, measured in headless Chromium at 1280 px; the PDFs and the exports.

Skipped without Chromium, unless ``CRMLAB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import html as _html
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlab.report import run_notebooks

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLIENT = "Müller & Söhne <GmbH>"
# Small parameters (as in test_notebooks), so the run stays short; the reports are the same kind.
SMALL = {
    "01_value_perception": {"n_bootstrap": 200, "chain_bootstrap": 20},
    "03_clv_estimation": {"n_draws": 50, "models": ["BGNBD", "ParetoNBD"]},
}

PROBE = """<script>
window.addEventListener('load', () => {
  const r = {};
  const wide = [];
  for (const t of document.querySelectorAll('table')) {
    if (t.offsetParent === null) continue;
    const box = t.parentElement.getBoundingClientRect();
    if (t.getBoundingClientRect().width > box.width + 1) wide.push(t.className || 'table');
  }
  for (const el of document.querySelectorAll('.jp-OutputArea-output, .crmlab-table-wrap')) {
    if (el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1) wide.push(el.className);
  }
  r.wide = wide;
  r.text = document.body.innerText;
  const imgs = [...document.images];
  r.images = imgs.length;
  r.broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;
  r.alts = imgs.map(i => i.getAttribute('alt') || '');
  r.links = [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'));
  r.code = document.querySelectorAll('.jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .highlight').length;
  const kf = [...document.querySelectorAll('h1, h2, h3')].find(
    h => h.textContent.trim().startsWith('Key findings'));
  const fig = document.querySelector('img');
  r.findings_first = !!kf && (!fig ||
    (kf.compareDocumentPosition(fig) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
  const pre = document.createElement('pre');
  pre.id = 'crmlab-probe';
  pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script>"""


def _chromium() -> str:
    import os

    for name in ("chromium", "chromium-browser", "google-chrome", "/usr/bin/chromium"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CRMLAB_REQUIRE_BROWSER") == "1":
        pytest.fail("CRMLAB_REQUIRE_BROWSER=1 but no chromium on PATH")
    pytest.skip("headless Chromium not installed (apt-get install chromium)")


def _probe(browser: str, page: Path, work: Path) -> dict:
    copy = work / f"probe-{page.name}"
    copy.write_text(
        page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={work / 'profile'}",
            "--window-size=1280,1000",
            "--virtual-time-budget=5000",
            "--dump-dom",
            copy.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    found = re.search(r'<pre id="crmlab-probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    return json.loads(_html.unescape(found.group(1)))


def _check_client_page(result: dict, page: Path) -> None:
    assert result["wide"] == [], f"{page.name}: wider than the page: {result['wide']}"
    for bad in ("dtype:", "NaN", "Name:"):
        assert bad not in result["text"], f"{page.name}: {bad!r} in the client report"
    assert result["code"] == 0, f"{page.name}: code cells in the client report"
    assert result["images"] >= 1 and result["broken"] == 0, page.name
    assert all(result["alts"]), f"{page.name}: a figure without alt text"
    assert result["findings_first"], f"{page.name}: a figure before the key findings"
    assert "What you will learn" not in result["text"]
    assert "References" not in result["text"]


def _findings(executed: Path) -> list[str]:
    nb = nbformat.read(executed, as_version=4)
    cell = next(
        c
        for c in nb.cells
        if "summary" in c.metadata.get("tags", []) and "text.Findings(" in c.source
    )
    plain = "".join(o["data"]["text/plain"] for o in cell.outputs if "data" in o)
    return [line[2:] for line in plain.splitlines() if line.startswith("- ")]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    browser = _chromium()
    root = tmp_path_factory.mktemp("deliverable")
    params = {"client_name": CLIENT, "currency": "EUR", **SMALL}
    result = run_notebooks(None, params, out=root / "run", progress=False, pdf=True)
    assert result.ok
    return browser, root, result


@pytest.fixture(scope="module")
def own_data(tmp_path_factory):
    """A client's export of its own: other column names, a subset of the CDNOW customers."""
    from crmlab.datasets import load_cdnow

    browser = _chromium()
    root = tmp_path_factory.mktemp("client")
    tx = load_cdnow()
    keep = sorted(tx["customer_id"].unique())[:900]
    own = tx[tx["customer_id"].isin(keep)].rename(
        columns={"customer_id": "Kunde", "date": "Datum", "amount": "Umsatz"}
    )
    path = root / "bestellungen.csv"
    own.to_csv(path, index=False, date_format="%Y-%m-%d")
    params = {
        "transactions_path": str(path),
        "columns": {"Kunde": "customer_id", "Datum": "date", "Umsatz": "amount"},
        "client_name": "ACME",
        "currency": "EUR",
        "03_clv_estimation": {"n_draws": 50, "models": ["BGNBD"], "calibration_end": ""},
    }
    stems = ["00_customer_base", "03_clv_estimation", "04_retention_analysis"]
    result = run_notebooks(stems, params, out=root / "run", progress=False)
    assert result.ok
    return browser, root, result, own, len(keep)


def test_every_bundled_client_report_reads_well_at_1280px(bundled):
    browser, root, result = bundled
    for nb in result.notebooks:
        page = result.run_dir / f"{nb.notebook}.client.html"
        probe = _probe(browser, page, root)
        _check_client_page(probe, page)
        assert f"Prepared for {CLIENT}" in probe["text"]
    # textbook sections are boxed on the bundled data, and say so in the PDF
    for stem in ("04_retention_analysis", "05_customer_portfolio"):
        page = (result.run_dir / f"{stem}.client.html").read_text(encoding="utf-8")
        assert re.search(r'class="jp-Cell[^"]*celltag_crmlab-illustration', page), stem


def test_client_export_reports_describe_the_clients_data_only(own_data):
    browser, root, result, own, n_customers = own_data
    for nb in result.notebooks:
        page = result.run_dir / f"{nb.notebook}.client.html"
        probe = _probe(browser, page, root)
        _check_client_page(probe, page)
        assert "bestellungen.csv" in probe["text"] and f"{n_customers:,} customers" in probe["text"]
        assert "2,357" not in probe["text"] and "CDNOW" not in probe["text"]
        assert "Illustration on textbook data" not in probe["text"]
    retention = (result.run_dir / "04_retention_analysis.client.html").read_text(encoding="utf-8")
    assert "sBG" not in retention and "Fader" not in retention


def test_pdfs_are_a4_and_hold_the_key_findings(bundled):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    _, _, result = bundled
    for nb in result.notebooks:
        pdf = result.run_dir / f"{nb.notebook}.client.pdf"
        assert pdf.is_file() and pdf.name in nb.outputs
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
        size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
        assert (
            size and abs(float(size.group(1)) - 595.3) < 2 and abs(float(size.group(2)) - 841.9) < 2
        )
        words = " ".join(
            subprocess.run(
                ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
            ).stdout.split()
        )
        assert "Page 1 of" in words and "Müller & Söhne <GmbH>" in words
        findings = _findings(result.run_dir / f"{nb.notebook}.ipynb")
        assert findings, nb.notebook
        for sentence in findings:
            assert " ".join(sentence.split())[:60] in words, (nb.notebook, sentence)


def test_exports_have_a_row_per_customer_and_are_in_the_manifest(own_data):
    _, _, result, own, n_customers = own_data
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    marker = json.loads((result.run_dir / ".crmlab-run").read_text(encoding="utf-8"))
    index = result.index.read_text(encoding="utf-8")
    per_customer = {
        "00_customer_base": ["rfm_summary", "rfm_segments", "profitability"],
        "03_clv_estimation": ["clv_per_customer"],
    }
    for entry in manifest["notebooks"]:
        records = {r["table"]: r for r in entry["exports"]}
        assert "workbook" in records, entry["notebook"]
        for table, record in records.items():
            path = result.run_dir / record["path"]
            assert record["path"] in marker["files"]
            assert marker["files"][record["path"]]["sha256"] == record["sha256"]
            assert f'href="{record["path"]}"' in index
            if table == "workbook":
                continue
            assert len(pd.read_csv(path)) == record["rows"]
        for table in per_customer.get(entry["notebook"], []):
            frame = pd.read_csv(result.run_dir / records[table]["path"])
            assert records[table]["rows"] == n_customers
            assert set(frame["customer_id"]) == set(own["Kunde"])
    retention = next(e for e in manifest["notebooks"] if e["notebook"] == "04_retention_analysis")
    win_back = pd.read_csv(result.run_dir / retention["exports"][0]["path"])
    assert (win_back["status"] == "overdue").all() and len(win_back) > 0


def test_bundled_portfolio_exports_clusters_key_accounts_and_cross_sell(bundled):
    _, _, result = bundled
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    entry = next(e for e in manifest["notebooks"] if e["notebook"] == "05_customer_portfolio")
    records = {r["table"]: r for r in entry["exports"]}
    assert {"clusters", "key_accounts", "cross_sell_suggestions", "workbook"} <= set(records)
    clusters = pd.read_csv(result.run_dir / records["clusters"]["path"])
    key = pd.read_csv(result.run_dir / records["key_accounts"]["path"])
    assert clusters["customer_id"].is_unique and set(key["customer_id"]) <= set(
        clusters["customer_id"]
    )
    import openpyxl

    book = openpyxl.load_workbook(result.run_dir / records["workbook"]["path"], read_only=True)
    assert set(book.sheetnames) == {"clusters", "key_accounts", "cross_sell_suggestions"}


def _check_client_index(browser, root, result, with_pdf: bool) -> None:
    """The client view lists exactly the pack: client reports, PDFs, exports; nothing else."""
    from crmlab.report.index import CLIENT_INDEX

    page = result.run_dir / CLIENT_INDEX
    probe = _probe(browser, page, root)
    assert probe["wide"] == [], f"{page.name}: wider than the page: {probe['wide']}"
    for bad in ("dtype:", "NaN", "Name:", "Traceback", "parameters", "crmlab "):
        assert bad not in probe["text"], bad
    links = probe["links"]
    assert links and all((result.run_dir / href).is_file() for href in links)
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    expected = set()
    for entry in manifest["notebooks"]:
        stem = entry["notebook"]
        expected |= {f"{stem}.client.html"} | ({f"{stem}.client.pdf"} if with_pdf else set())
        expected |= {r["path"] for r in entry["exports"]}
        for r in entry["exports"]:  # rows and sha256 as in the manifest
            assert r["sha256"] in probe["text"]
            if r["rows"] is not None:
                assert f"{r['rows']:,} rows" in probe["text"]
    assert set(links) == expected
    assert not any(
        h.endswith((".ipynb", ".json")) or h.count(".") == 1 and h.endswith(".html") for h in links
    )
    index = result.index.read_text(encoding="utf-8")
    assert f'href="{CLIENT_INDEX}"' in index


def test_client_index_of_the_bundled_run_is_the_pack(bundled):
    browser, root, result = bundled
    _check_client_index(browser, root, result, with_pdf=True)
    page = (result.run_dir / "index.client.html").read_text(encoding="utf-8")
    assert "Reports for Müller &amp; Söhne &lt;GmbH&gt;" in page


def test_client_index_of_a_client_export_is_the_pack(own_data):
    browser, root, result, _, _ = own_data
    _check_client_index(browser, root, result, with_pdf=False)
