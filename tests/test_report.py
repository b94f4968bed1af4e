"""Tests of crmlab.report: discovery, parameter validation, the run folder, HTML, manifest.

Kernels are expensive (about 1-3 s each): one successful run of two fixture notebooks is shared by
the module, and one more run checks that two runs give the same outputs.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import nbformat
import pytest

from crmlab.errors import NotebookError, ParameterError
from crmlab.report import list_notebooks, run_notebooks
from crmlab.report.execute import kernel_environment
from crmlab.report.parameters import resolve_notebooks, resolve_parameters

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
EXTERNAL = re.compile(
    r"<(script|link|img|iframe)\b[^>]*(src|href)\s*=\s*[\"']?\s*(https?:)?//", re.I
)


def _by_stem():
    return {nb.stem: nb for nb in list_notebooks(FIXTURES)}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to execute a notebook."""
    import papermill

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)


# ------------------------------------------------------------------------------------------------
# discovery and parameters (no kernel)
# ------------------------------------------------------------------------------------------------
def test_list_notebooks_reads_titles_and_typed_parameters():
    nbs = list_notebooks(FIXTURES)
    assert [nb.stem for nb in nbs] == ["00_good", "01_fail", "02_types"]
    assert nbs[0].title == "Good fixture & <friends>"
    types = {p.name: (p.type, p.default, p.help) for p in nbs[2].parameters}
    assert types == {
        "horizon": ("int", 39, "holdout length in weeks"),
        "rate": ("float", 0.1, "annual discount rate"),
        "monthly": ("bool", False, "monthly periods"),
        "label": ("str", "cdnow", "data set label"),
        "segments": ("list", ["high", "low"], "segment names"),
        "mapping": ("dict", {"customer_id": "id"}, "column mapping"),
        # papermill's own inspector drops this line: its comment contains "="
        "transactions_path": ("str", "", "CSV of transactions; empty = bundled data"),
    }


def test_list_notebooks_missing_folder(tmp_path):
    with pytest.raises(ParameterError, match="does not exist"):
        list_notebooks(tmp_path / "nope")


def test_resolve_notebooks_by_stem_prefix_and_errors():
    nbs = list_notebooks(FIXTURES)
    assert [nb.stem for nb in resolve_notebooks(["02", "00_good"], nbs)] == ["00_good", "02_types"]
    assert [nb.stem for nb in resolve_notebooks(None, nbs)] == ["00_good", "01_fail", "02_types"]
    with pytest.raises(
        ParameterError, match=r"'9' is not a notebook; available notebooks: 00_good"
    ):
        resolve_notebooks(["9"], nbs)
    with pytest.raises(ParameterError, match="matches several notebooks"):
        resolve_notebooks(["0"], nbs)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("horizon", "52", 52),
        ("rate", "0.05", 0.05),
        ("rate", "1", 1.0),
        ("monthly", "yes", True),
        ("monthly", "TRUE", True),
        ("monthly", "0", False),
        ("monthly", "no", False),
        ("label", "42", "42"),
        ("segments", "[a, b, c]", ["a", "b", "c"]),
        ("segments", '["x"]', ["x"]),
        ("mapping", '{"id": "customer"}', {"id": "customer"}),
        ("mapping", "{date: 2020-01-01}", {"date": "2020-01-01"}),
    ],
)
def test_cli_values_are_converted_to_the_declared_type(name, text, expected):
    nb = _by_stem()["02_types"]
    value = resolve_parameters([nb], cli_values=[(name, text)])["02_types"][name]
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("horizon", "3.5"),
        ("horizon", "many"),
        ("rate", "fast"),
        ("monthly", "maybe"),
        ("segments", "{a: 1}"),
        ("mapping", "[1, 2]"),
    ],
)
def test_cli_values_of_the_wrong_type_are_rejected(name, text):
    nb = _by_stem()["02_types"]
    with pytest.raises(ParameterError) as info:
        resolve_parameters([nb], cli_values=[(name, text)])
    message = str(info.value)
    assert info.value.parameter == name
    assert f"parameter {name!r} of notebook 02_types expects" in message
    assert "valid parameters: horizon, label, mapping" in message
    assert "\n" not in message


def test_typed_values_must_match_int_accepted_for_float():
    nb = _by_stem()["02_types"]
    out = resolve_parameters([nb], {"rate": 1, "horizon": 10, "segments": ("a",)})["02_types"]
    assert out == {"rate": 1.0, "horizon": 10, "segments": ["a"]}
    assert isinstance(out["rate"], float)
    for name, bad in [("horizon", 1.5), ("horizon", True), ("label", 3), ("monthly", "yes")]:
        with pytest.raises(ParameterError, match=rf"parameter '{name}' of notebook 02_types"):
            resolve_parameters([nb], {name: bad})


def test_unknown_parameter_names_notebooks_and_valid_names():
    nbs = [_by_stem()["00_good"], _by_stem()["01_fail"]]
    with pytest.raises(ParameterError) as info:
        resolve_parameters(nbs, {"n_point": 3})
    message = str(info.value)
    assert "unknown parameter 'n_point'" in message
    assert "(00_good, 01_fail)" in message
    assert "did you mean 'n_points'" in message
    assert "valid parameters: brand, data_path, divisor, n_points" in message


def test_parameter_applies_to_every_notebook_declaring_it_and_sections_win():
    nbs = [_by_stem()["00_good"], _by_stem()["01_fail"]]
    out = resolve_parameters(nbs, {"n_points": 3, "divisor": 2, "00_good": {"n_points": 7}})
    assert out == {"00_good": {"n_points": 7}, "01_fail": {"divisor": 2}}
    out = resolve_parameters(nbs, {"n_points": 3}, cli_values=[("n_points", "9")])
    assert out["00_good"]["n_points"] == 9
    # a section for an existing notebook that is not selected is ignored, a typo is not
    everything = list_notebooks(FIXTURES)
    out = resolve_parameters(nbs, {"02_types": {"horizon": 1}}, available=everything)
    assert out == {"00_good": {}, "01_fail": {}}
    with pytest.raises(ParameterError, match="'03_typo' is not a notebook"):
        resolve_parameters(nbs, {"03_typo": {"horizon": 1}}, available=everything)


def test_path_parameters_become_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    nb = _by_stem()["02_types"]
    out = resolve_parameters([nb], cli_values=[("transactions_path", "data/*.csv")])
    assert out["02_types"]["transactions_path"] == str(tmp_path / "data" / "*.csv")


def test_kernel_environment_drops_mplbackend_and_fixes_hash_seed():
    env = kernel_environment({"MPLBACKEND": "Agg", "HOME": "/x"})
    assert env == {"HOME": "/x", "PYTHONHASHSEED": "0"}


def test_validation_errors_start_no_kernel_and_write_nothing(tmp_path, no_kernel):
    reports = tmp_path / "reports"
    with pytest.raises(ParameterError, match="unknown parameter 'nope'"):
        run_notebooks(None, {"nope": 1}, notebooks_dir=FIXTURES, reports_dir=reports)
    with pytest.raises(ParameterError, match="expects int"):
        run_notebooks(["00"], {"n_points": "five"}, notebooks_dir=FIXTURES, reports_dir=reports)
    with pytest.raises(ParameterError, match="available notebooks"):
        run_notebooks(["07"], notebooks_dir=FIXTURES, reports_dir=reports)
    assert not reports.exists()


def test_out_must_be_new_empty_or_a_previous_run(tmp_path, no_kernel):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "thesis.docx").write_text("precious")
    with pytest.raises(ParameterError, match="not a crmlab run folder"):
        run_notebooks(["00"], out=busy, notebooks_dir=FIXTURES)
    assert (busy / "thesis.docx").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]


# ------------------------------------------------------------------------------------------------
# one shared successful run
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("good_run")
    csv = root / "transactions.csv"
    csv.write_text("customer_id,date,amount\n1,2020-01-01,9.5\n", encoding="utf-8")
    progress = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")  # must not reach the kernel (PITFALLS.md)
        result = run_notebooks(
            ["00", "02"],
            {"n_points": 4, "transactions_path": str(csv), "segments": ["a", "b"]},
            notebooks_dir=FIXTURES,
            reports_dir=root / "reports",
            progress=progress,
        )
    return result, progress.getvalue(), csv


def test_good_run_writes_the_run_folder(good_run):
    result, progress, _ = good_run
    assert result.ok
    assert result.run_dir == result.destination
    assert re.fullmatch(r"\d{8}-\d{6}", result.run_id)
    assert result.run_dir.name == result.run_id
    names = sorted(p.name for p in result.run_dir.iterdir())
    written = ["index.html", "index.client.html", "manifest.json"] + [
        f"{s}{ext}" for s in ("00_good", "02_types") for ext in (".ipynb", ".html", ".client.html")
    ]
    assert names == sorted([*written, ".crmlab-run"])
    marker = json.loads((result.run_dir / ".crmlab-run").read_text(encoding="utf-8"))
    assert marker["run_id"] == result.run_id
    assert sorted(marker["files"]) == sorted(written)
    for name, record in marker["files"].items():
        assert record["sha256"] == _sha256(result.run_dir / name)
    reports = result.run_dir.parent
    assert (reports / "latest").is_symlink()
    assert (reports / "latest").resolve() == result.run_dir.resolve()
    assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []
    assert re.search(r"^\[1/2\] 00_good \.\.\. ok \(\d+\.\d s\)$", progress, re.M)
    assert re.search(r"^\[2/2\] 02_types \.\.\. ok \(\d+\.\d s\)$", progress, re.M)


def test_good_run_manifest(good_run):
    result, _, csv = good_run
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    for key in (
        "crmlab_version",
        "python",
        "platform",
        "packages",
        "command",
        "started_at",
        "finished_at",
        "notebooks",
        "status",
        "run_id",
    ):
        assert key in manifest
    assert manifest["status"] == "ok"
    assert set(manifest["packages"]) >= {
        "pandas",
        "numpy",
        "scipy",
        "statsmodels",
        "papermill",
        "matplotlib",
        "seaborn",
        "nbconvert",
    }
    # lifetimes is a test-only reference implementation (the dev extra), not a runtime package
    assert "lifetimes" not in manifest["packages"]
    assert (
        manifest["started_at"].endswith("Z") and manifest["started_at"] <= manifest["finished_at"]
    )
    good, types = manifest["notebooks"]
    assert good["notebook"] == "00_good" and good["status"] == "ok"
    assert good["parameters"] == {"n_points": 4, "brand": "Acme <b>&</b> Co", "data_path": ""}
    assert good["overrides"] == ["n_points"]
    assert good["source"]["sha256"] == _sha256(FIXTURES / "00_good.ipynb")
    assert good["outputs"] == ["00_good.ipynb", "00_good.html", "00_good.client.html"]
    assert good["duration_s"] > 0
    # empty data_path: the notebook reads bundled data, whose files are hashed
    from crmlab._paths import data_dir

    bundled = {f["path"]: f["sha256"] for f in good["inputs"]["bundled_data"]}
    first = sorted(p for p in data_dir().iterdir() if p.is_file())[0]
    assert bundled[first.name] == _sha256(first)
    # a given *_path parameter: that file is hashed, no bundled data
    assert types["inputs"]["files"] == [
        {
            "parameter": "transactions_path",
            "path": str(csv),
            "bytes": csv.stat().st_size,
            "sha256": _sha256(csv),
        }
    ]
    assert types["inputs"]["bundled_data"] == []
    assert types["parameters"]["segments"] == ["a", "b"]
    assert types["error"] is None


def test_executed_notebook_received_parameters_and_kept_figures(good_run):
    result, _, csv = good_run
    nb = nbformat.read(result.run_dir / "02_types.ipynb", as_version=4)
    printed = json.loads(nb.cells[-1].outputs[0]["text"])
    assert printed["segments"] == ["a", "b"] and printed["transactions_path"] == str(csv)
    assert printed["horizon"] == 39
    assert nb.metadata.papermill["output_path"] == "02_types.ipynb"  # no temporary path
    good = nbformat.read(result.run_dir / "00_good.ipynb", as_version=4)
    kinds = [k for c in good.cells for o in c.get("outputs", []) for k in o.get("data", {})]
    assert "image/png" in kinds  # MPLBACKEND=Agg in our environment did not reach the kernel


def test_html_is_self_contained(good_run):
    result, _, _ = good_run
    for name in ("00_good.html", "00_good.client.html", "index.html"):
        text = (result.run_dir / name).read_text(encoding="utf-8")
        assert not EXTERNAL.search(text), name
        assert "require.js" not in text and "MathJax.Hub" not in text
    for name in ("00_good.html", "00_good.client.html"):
        text = (result.run_dir / name).read_text(encoding="utf-8")
        assert "data:image/png;base64," in text
        assert "<mfrac>" in text and r"\frac{1}{n}" not in text  # formulas become MathML


def test_client_html_has_no_code_and_an_escaped_header(good_run):
    result, _, _ = good_run
    client = (result.run_dir / "00_good.client.html").read_text(encoding="utf-8")
    full = (result.run_dir / "00_good.html").read_text(encoding="utf-8")
    assert "default_rng" in full
    assert "highlight hl-ipython3" in full
    assert "default_rng" not in client
    assert "highlight hl-ipython3" not in client
    assert "In&nbsp;[" not in client
    from crmlab import __version__

    header = re.search(r'<header class="crmlab-header">(.*?)</header>', client, re.S).group(1)
    assert "Good fixture &amp; &lt;friends&gt;" in header
    assert f"crmlab {__version__}" in header


def test_index_links_reports_and_escapes_values(good_run):
    result, _, _ = good_run
    index = (result.run_dir / "index.html").read_text(encoding="utf-8")
    for stem in ("00_good", "02_types"):
        assert f'href="{stem}.client.html"' in index
    assert "Acme &lt;b&gt;&amp;&lt;/b&gt; Co" in index and "<b>&</b>" not in index
    assert "Good fixture &amp; &lt;friends&gt;" in index
    assert index.count('class="ok">ok<') == 2


def test_two_runs_give_identical_outputs(good_run, tmp_path):
    first, _, csv = good_run
    second = run_notebooks(
        ["00"], {"n_points": 4}, out=tmp_path / "again", notebooks_dir=FIXTURES, progress=False
    )

    def outputs(path):
        nb = nbformat.read(path, as_version=4)
        return [
            (o.get("text"), o.get("data", {}).get("text/plain"), o.get("data", {}).get("image/png"))
            for c in nb.cells
            for o in c.get("outputs", [])
        ]

    a = outputs(first.run_dir / "00_good.ipynb")
    b = outputs(second.run_dir / "00_good.ipynb")
    assert a == b and any(text for text, _, _ in a)
    assert not (tmp_path / "reports").exists()  # --out does not touch reports/latest


def test_failing_notebook_raises_with_cell_and_keeps_the_run(tmp_path):
    with pytest.raises(NotebookError) as info:
        run_notebooks(["01"], out=tmp_path / "out", notebooks_dir=FIXTURES, progress=False)
    err = info.value
    assert (err.notebook, err.cell, err.ename) == ("01_fail", 3, "ZeroDivisionError")
    assert err.evalue == "division by zero"
    assert "ratio = numerator / divisor" in str(err)
    assert not (tmp_path / "out").exists()
    (kept,) = (tmp_path / ".failed").iterdir()
    assert (kept / "01_fail.ipynb").is_file()
    manifest = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    assert manifest["notebooks"][0]["error"]["cell"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == [".failed"]


# --------------------------------------------------------------------------------------------
# Formulas: TeX in markdown becomes MathML (reports are read offline, without MathJax)
# --------------------------------------------------------------------------------------------
def test_markdown_math_becomes_mathml():
    from crmlab.report.math import markdown_math_to_mathml

    out = markdown_math_to_mathml("rate $r/\\alpha$ and $$S(t) = \\frac{B(a, b+t)}{B(a, b)}$$")
    assert out.count("<math") == 2 and 'display="block"' in out and 'display="inline"' in out
    assert "<mfrac>" in out and "$" not in out


@pytest.mark.parametrize(
    "text",
    ["a cost of $5 and $6 per order", "`$x$` in code", "```\n$y$\n```", "an escaped \\$5 price"],
)
def test_markdown_math_leaves_dollars_and_code_alone(text):
    from crmlab.report.math import markdown_math_to_mathml

    assert markdown_math_to_mathml(text) == text


def test_notebook_math_survives_html_export(tmp_path):
    import nbformat

    from crmlab.report.html import ReportWriter

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Profit $\\pi_i = R_i - c\\,n_i$ of **i**.")]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    src = tmp_path / "m.ipynb"
    nbformat.write(nb, src)
    full, client = tmp_path / "m.html", tmp_path / "m.client.html"
    ReportWriter().write(src, full, client, {"title": "m", "run_date": "d", "version": "v"})
    html = client.read_text(encoding="utf-8")
    assert "<msub><mi>&#x003C0;</mi><mi>i</mi></msub>" in html  # pi_i intact, not torn apart
    assert "crmlabformula" not in html and "$\\pi" not in html


def test_notebook_choice_parameters_are_in_step_with_the_runner_ranges():
    """Every ``Literal[...]`` of the notebooks equals the choices the runner checks (ranges.py,
    from the library): a value is refused, or accepted, the same way by both."""
    from crmlab.report.ranges import ranges

    notebooks = list_notebooks()
    declared = {(nb.stem, p.name): p.choices for nb in notebooks for p in nb.parameters}
    declared = {k: v for k, v in declared.items() if v}
    assert {name for _, name in declared} == {
        "time_unit",
        "period",
        "subscription_period",
        "importance_method",
    }
    assert {stem for stem, name in declared if name == "time_unit"} == {
        "00_customer_base",
        "03_clv_estimation",
        "05_customer_portfolio",
    }
    for (_, name), choices in declared.items():
        assert tuple(ranges()[name].keywords["choices"]) == tuple(choices)
    selected = resolve_notebooks(["03"], notebooks)
    with pytest.raises(ParameterError, match="time_unit"):
        resolve_parameters(selected, None, [("time_unit", "Q")])


def test_no_notebook_default_is_a_bundled_data_date():
    """``calibration_end`` is empty by default: the CDNOW date applies only to the bundled
    CDNOW (crmlab.clv.calibration_end_or_default), never to a client's data."""
    for nb in list_notebooks():
        for p in nb.parameters:
            if p.name.endswith("_end"):
                assert p.default == "", (nb.stem, p.name, p.default)


# ------------------------------------------------------------------------------------------------
# notebooks side by side
# ------------------------------------------------------------------------------------------------
def _exporting_notebook(folder: Path, stem: str, pause: float) -> None:
    """A notebook that writes a file into its working folder and exports a table, both marked
    with its own name, while another runs (``pause`` seconds)."""

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('who: str = "me"  # a label')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {stem}"),
        params,
        nbformat.v4.new_code_cell(
            "import time\nimport pandas as pd\nfrom crmlab.report import export\n"
            f"time.sleep({pause})\n"
            f"open('{stem}.note.txt', 'w').write('{stem}')\n"
            f"export('table', pd.DataFrame({{'written_by': ['{stem}']}}))"
        ),
    ]
    nbformat.write(nb, folder / f"{stem}.ipynb")


def test_notebooks_side_by_side_keep_their_own_files_and_exports(tmp_path):
    folder = tmp_path / "nbs"
    folder.mkdir()
    _exporting_notebook(folder, "00_slow", 3.0)
    _exporting_notebook(folder, "01_quick", 0.5)
    results = {}
    for jobs in (1, 2):
        progress = io.StringIO()
        result = run_notebooks(
            None, out=tmp_path / f"jobs{jobs}", notebooks_dir=folder, progress=progress, jobs=jobs
        )
        assert result.ok
        lines = [line for line in progress.getvalue().splitlines() if line.startswith("[")]
        assert [line.split(" ... ")[0] for line in lines] == ["[1/2] 00_slow", "[2/2] 01_quick"]
        manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
        results[jobs] = manifest
        for record in manifest["notebooks"]:
            stem = record["notebook"]
            assert f"{stem}.note.txt" in record["outputs"]
            assert (result.run_dir / f"{stem}.note.txt").read_text() == stem
            (table,) = [e for e in record["exports"] if e["table"] == "table"]
            written = (result.run_dir / table["path"]).read_text(encoding="utf-8")
            assert written.split() == ["written_by", stem]
        assert not (result.run_dir / ".crmlab-work").exists()
    one, two = (
        [(r["notebook"], r["outputs"], [e["sha256"] for e in r["exports"]]) for r in m["notebooks"]]
        for m in (results[1], results[2])
    )
    assert one == two


def test_jobs_must_be_a_positive_number(tmp_path):
    with pytest.raises(ParameterError, match="jobs"):
        run_notebooks(["00"], out=tmp_path / "out", notebooks_dir=FIXTURES, jobs=0)
    assert not (tmp_path / "out").exists()
