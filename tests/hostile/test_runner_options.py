"""Issue 13's runner robustness: ``--execution-timeout``, the kernel is the interpreter running
crmlab (never a stale ``python3`` kernelspec of another environment), and ``--dry-run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat

from crmlab.report.runfolder import MARKER

from ._runner import HOSTILE, crmlab_cmd, no_kernel

__all__ = ["no_kernel"]


def test_a_cell_running_past_the_execution_timeout_fails_the_notebook(tmp_path):
    proc = crmlab_cmd(
        "run", "00", "-p", "seconds", "120", "--execution-timeout", "2", "--out", "o",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "a cell ran longer than the execution timeout of 2 s" in proc.stderr
    assert "raise --execution-timeout" in proc.stderr
    assert not (tmp_path / "o").exists()
    (kept,) = (tmp_path / ".failed").iterdir()
    manifest = json.loads((kept / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["execution_timeout_s"] == 2.0
    assert manifest["notebooks"][0]["error"]["ename"] == "CellTimeoutError"


def test_execution_timeout_must_be_positive_seconds(tmp_path):
    for bad in ("0", "-1", "soon", "nan", "inf"):
        proc = crmlab_cmd("run", "00", "--execution-timeout", bad, cwd=tmp_path)
        assert proc.returncode == 2 and "--execution-timeout" in proc.stderr, bad
        assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_stale_user_kernelspec_does_not_run_the_notebooks(tmp_path):
    data = tmp_path / "jupyter-data"
    spec = data / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [
                    "/opt/old-env/bin/python3",
                    "-m",
                    "ipykernel_launcher",
                    "-f",
                    "{connection_file}",
                ],
                "display_name": "Python 3 (another environment)",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    beacon = tmp_path / "beacon"
    proc = crmlab_cmd(
        "run", "00", "-q", "-p", "beacon", str(beacon), "--out", "o", cwd=tmp_path,
        env={"JUPYTER_DATA_DIR": str(data), "JUPYTER_PATH": str(data)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    _, executable = beacon.read_text(encoding="utf-8").split(" ", 1)
    assert Path(executable).resolve() == Path(sys.executable).resolve()


def test_dry_run_writes_injected_notebooks_without_a_kernel(tmp_path, no_kernel, capsys):
    from crmlab.cli import main

    code = main(
        ["run", "--dry-run", "-p", "seconds", "7", "-p", "unit", "M", "--out", str(tmp_path / "o"),
         "--notebooks-dir", str(HOSTILE)]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    out = tmp_path / "o"
    assert captured.out.splitlines() == [str(out / "00_sleep.ipynb"), str(out / "01_choices.ipynb")]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [MARKER, "00_sleep.ipynb", "01_choices.ipynb", "index.html", "manifest.json"]
    )
    nb = nbformat.read(out / "00_sleep.ipynb", as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "seconds = 7.0" in injected[0].source
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "dry-run"
    assert [n["status"] for n in manifest["notebooks"]] == ["prepared", "prepared"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "2 of 2 notebooks prepared (dry run, not executed)" in index
    assert not (tmp_path / "reports").exists()


def test_dry_run_still_refuses_bad_values(tmp_path, no_kernel, capsys):
    from crmlab.cli import main

    code = main(["run", "--dry-run", "-p", "unit", "Q", "--notebooks-dir", str(HOSTILE)])
    assert code == 2 and "'unit'" in capsys.readouterr().err
