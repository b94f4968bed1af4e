"""Tests of the ``crmlab`` command: exit codes and messages through ``python -m crmlab``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import crmlab
from crmlab.cli import main
from crmlab.report.runfolder import write_marker

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"


def crmlab_cmd(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRMLAB_NOTEBOOKS_DIR": str(FIXTURES)}
    return subprocess.run(
        [sys.executable, "-m", "crmlab", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def no_kernel(monkeypatch):
    import papermill

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(papermill, "execute_notebook", forbidden)


def test_version(tmp_path):
    proc = crmlab_cmd("--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"crmlab {crmlab.__version__}"


def test_list_shows_notebooks_titles_and_parameters(tmp_path):
    proc = crmlab_cmd("list", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "00_good  Good fixture & <friends>" in lines
    assert "02_types  All parameter types" in lines
    rate = next(line for line in lines if line.strip().startswith("rate:"))
    assert rate.split() == ["rate:", "float", "=", "0.1", "#", "annual", "discount", "rate"]
    assert any(line.strip().startswith('segments: list = ["high", "low"]') for line in lines)


def test_list_json(capsys):
    assert main(["list", "--json", "--notebooks-dir", str(FIXTURES)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["notebook"] for d in data] == ["00_good", "01_fail", "02_types"]
    assert data[1]["parameters"] == [
        {"name": "divisor", "type": "int", "default": 0, "help": "dividing by zero fails"}
    ]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["run", "-p", "horizn", "3"],
            "crmlab: error: unknown parameter 'horizn': no selected notebook (00_good, 01_fail, "
            "02_types) declares it (did you mean 'horizon'?); valid parameters: brand, data_path,",
        ),
        (
            ["run", "02", "-p", "horizon", "3.5"],
            "crmlab: error: parameter 'horizon' of notebook 02_types expects int, got '3.5'; "
            "valid parameters: horizon, label,",
        ),
        (
            ["run", "00", "-p", "divisor", "2"],
            "crmlab: error: unknown parameter 'divisor': no selected notebook (00_good)",
        ),
        (
            ["run", "09_missing"],
            "crmlab: error: '09_missing' is not a notebook; available notebooks: 00_good, "
            "01_fail, 02_types",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line_before_any_kernel(tmp_path, args, expected):
    proc = crmlab_cmd(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith(expected)
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert list(tmp_path.iterdir()) == []  # no reports/ folder, nothing started


def test_yaml_values_must_have_the_declared_type(tmp_path, capsys, no_kernel):
    params = tmp_path / "p.yaml"
    params.write_text("rate: 1\nhorizon: '52'\n", encoding="utf-8")
    code = main(["run", "02", "--params", str(params), "--notebooks-dir", str(FIXTURES)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("crmlab: error: parameter 'horizon' of notebook 02_types expects int")
    assert "'52' (str)" in err
    params.write_text("- just\n- a list\n", encoding="utf-8")
    assert main(["run", "--params", str(params), "--notebooks-dir", str(FIXTURES)]) == 2
    assert "must hold a mapping" in capsys.readouterr().err
    missing = str(tmp_path / "missing.yaml")
    assert main(["run", "--params", missing, "--notebooks-dir", str(FIXTURES)]) == 2
    assert "cannot read parameter file" in capsys.readouterr().err


def test_run_converts_values_and_replaces_a_previous_run_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "client_x"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    (out / "stale.html").write_text("old", encoding="utf-8")
    write_marker(out, "previous")  # a previous run folder: crmlab wrote every file in it
    params = tmp_path / "p.yaml"
    params.write_text("rate: 1\nsegments: [x, y]\n02_types: {label: from-yaml}\n")
    code = main(
        [
            "run",
            "02",
            "--params",
            str(params),
            "-p",
            "monthly",
            "yes",
            "-p",
            "mapping",
            '{"a": "b"}',
            "-p",
            "horizon",
            "13",
            "--out",
            str(out),
            "-q",
            "--notebooks-dir",
            str(FIXTURES),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.strip() == str(out / "index.html")
    assert captured.err == ""  # -q: no progress, and no kernel noise
    assert not (out / "stale.html").exists()
    nb = nbformat.read(out / "02_types.ipynb", as_version=4)
    printed = json.loads(nb.cells[-1].outputs[0]["text"])
    assert printed == {
        "horizon": 13,
        "rate": 1.0,
        "monthly": True,
        "label": "from-yaml",
        "segments": ["x", "y"],
        "mapping": {"a": "b"},
        "transactions_path": "",
    }
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["command"][:3] == ["crmlab", "run", "02"]
    assert not (tmp_path / "reports").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client_x", "p.yaml"]


def test_failing_notebook_exits_1_and_leaves_the_destination_untouched(tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    (good / "manifest.json").write_text('{"status": "ok"}', encoding="utf-8")
    (good / "index.html").write_text("<p>the report the client already has</p>", encoding="utf-8")
    write_marker(good, "previous")
    before = {p.name: p.read_bytes() for p in good.iterdir()}

    proc = crmlab_cmd("run", "00", "01", "--out", "good", cwd=tmp_path)

    assert proc.returncode == 1
    assert (
        "crmlab: notebook 01_fail failed in code cell 3 (ratio = numerator / divisor): "
        "ZeroDivisionError: division by zero" in proc.stderr
    )
    assert "Traceback" not in proc.stderr and "without encryption" not in proc.stderr
    assert "[1/2] 00_good ... ok" in proc.stderr and "[2/2] 01_fail ... failed" in proc.stderr
    assert {p.name: p.read_bytes() for p in good.iterdir()} == before
    (kept,) = (tmp_path / ".failed").iterdir()
    assert f"failed executed notebook: {kept / '01_fail.ipynb'}" in proc.stderr
    # the terminal names the notebook that succeeded and where its report is
    assert f"crmlab: The run is in {kept}: open {kept / 'index.html'}" in proc.stderr
    assert f"crmlab:   00_good: {kept / '00_good.client.html'}" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [".failed", "good"]  # no temp folder
    # the other notebook still ran: its report is there, and index/manifest mark the failure
    assert (kept / "00_good.client.html").is_file()
    manifest = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "failed"
    status = {nb["notebook"]: nb["status"] for nb in manifest["notebooks"]}
    assert status == {"00_good": "ok", "01_fail": "failed"}
    error = manifest["notebooks"][1]["error"]
    assert (error["cell"], error["ename"], error["evalue"]) == (
        3,
        "ZeroDivisionError",
        "division by zero",
    )
    index = (kept / "index.html").read_text(encoding="utf-8")
    assert 'class="failed">failed<' in index and "1 of 2 notebooks failed" in index


# ------------------------------------------------------- students: crmlab notebooks / crmlab lab
def _shipped() -> list[str]:
    from crmlab.lab import shipped_notebooks

    return [p.name for p in shipped_notebooks()]


def test_notebooks_copies_only_the_notebooks_and_never_overwrites(tmp_path, capsys):
    work = tmp_path / "course" / "mine"
    assert main(["notebooks", str(work)]) == 0
    names = sorted(p.name for p in work.iterdir())
    assert names == _shipped() and len(names) == 6  # the notebooks and nothing else
    copy = nbformat.read(work / "00_customer_base.ipynb", as_version=4)
    assert copy.metadata["kernelspec"]["name"] == "crmlab"
    from crmlab._paths import notebooks_dir

    shipped = nbformat.read(notebooks_dir() / "00_customer_base.ipynb", as_version=4)
    assert [c.source for c in copy.cells] == [c.source for c in shipped.cells]
    assert "crmlab lab" in capsys.readouterr().err
    # a student's edits and other files survive a second copy: refused, nothing written
    (work / "00_customer_base.ipynb").write_text("my work", encoding="utf-8")
    (work / "notes.txt").write_text("keep", encoding="utf-8")
    assert main(["notebooks", str(work)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "00_customer_base.ipynb" in err and err.count("\n") == 1
    assert (work / "00_customer_base.ipynb").read_text(encoding="utf-8") == "my work"
    # --force replaces the notebooks only; nothing is deleted
    assert main(["notebooks", str(work), "--force"]) == 0
    assert nbformat.read(work / "00_customer_base.ipynb", as_version=4).cells
    assert (work / "notes.txt").read_text(encoding="utf-8") == "keep"
    assert not list(work.glob(".*partial"))
    # a file is not a folder
    assert main(["notebooks", str(work / "notes.txt")]) == 2


@pytest.fixture
def jupyter_home(tmp_path, monkeypatch):
    """Jupyter's user folders in tmp_path, so no test touches the real ones."""
    data = tmp_path / "jupyter-data"
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(data))
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path / "jupyter-config"))
    return data


def test_ensure_kernel_registers_this_python_once(jupyter_home):
    from jupyter_client.kernelspec import KernelSpecManager

    from crmlab.lab import ensure_kernel

    folder, action = ensure_kernel()
    assert action == "registered" and folder == jupyter_home / "kernels" / "crmlab"
    spec = KernelSpecManager().get_kernel_spec("crmlab")
    assert os.path.samefile(spec.argv[0], sys.executable)
    assert spec.argv[1:3] == ["-m", "ipykernel_launcher"] and "{connection_file}" in spec.argv
    assert ensure_kernel() == (folder, "present")
    # a kernel of that name for another interpreter (a stale environment) is replaced
    stale = json.loads((folder / "kernel.json").read_text(encoding="utf-8"))
    stale["argv"][0] = "/nonexistent/python"
    (folder / "kernel.json").write_text(json.dumps(stale), encoding="utf-8")
    assert ensure_kernel() == (folder, "updated")
    assert os.path.samefile(KernelSpecManager().get_kernel_spec("crmlab").argv[0], sys.executable)


def test_lab_registers_the_kernel_and_starts_jupyterlab_in_the_folder(
    tmp_path, jupyter_home, monkeypatch, capsys
):
    calls = []

    class FakeServer:  # JupyterLab itself is not started here
        def __init__(self, command, cwd=None, env=None):
            calls.append((command, cwd, env))

        def wait(self):
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeServer)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    work = tmp_path / "mine"
    assert main(["notebooks", str(work)]) == 0
    assert main(["lab", str(work), "--no-browser"]) == 0
    ((command, cwd, env),) = calls
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={work.resolve()}" in command
    assert "--MappingKernelManager.default_kernel_name=crmlab" in command
    assert "--no-browser" in command and cwd == work
    assert "MPLBACKEND" not in env  # inline figures in the kernels
    assert (jupyter_home / "kernels" / "crmlab" / "kernel.json").is_file()
    assert "registered the Jupyter kernel 'crmlab'" in capsys.readouterr().err
    # a second start finds the kernel; an empty folder gets a hint; a missing one exit 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["lab", str(empty)]) == 0
    err = capsys.readouterr().err
    assert "registered" not in err and "crmlab notebooks" in err
    assert main(["lab", str(tmp_path / "missing")]) == 2
    assert "crmlab notebooks" in capsys.readouterr().err
    assert len(calls) == 2


@pytest.mark.slow
def test_lab_starts_and_stops_a_real_server(tmp_path, jupyter_home):
    """Smoke test: JupyterLab starts in the folder with --no-browser and serves; then stopped."""
    import time

    work = tmp_path / "mine"
    work.mkdir()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "crmlab", "lab", str(work), "--no-browser"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen.append(line)
            if "http://" in line and "/lab" in line:
                break
        assert any("http://" in s for s in seen), "".join(seen)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
