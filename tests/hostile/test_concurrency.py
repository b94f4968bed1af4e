"""Class 3 of issue 12, concurrent runs: one ``--out`` is written by one run at a time.

The destination is locked (an OS lock on ``.<name>.lock`` next to it, released when the holder
dies); a second run refuses with one line, and success is never reported for a report that is
not in place after the final rename.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crmlab.report import run as run_module
from crmlab.report import run_notebooks, runfolder
from crmlab.report.runfolder import MARKER, DestinationLock, RunFolderError, RunFolderLost

from ._runner import HOSTILE, crmlab_cmd, no_kernel, start_crmlab, wait_for

__all__ = ["no_kernel"]


def test_a_second_run_into_the_same_out_refuses_while_the_first_runs(tmp_path):
    beacon = tmp_path / "beacon"
    first = start_crmlab(
        "run", "00", "-q", "-p", "seconds", "4", "-p", "beacon", str(beacon), "--out", "out",
        cwd=tmp_path,
    )  # fmt: skip
    try:
        wait_for(beacon, first)
        second = crmlab_cmd("run", "00", "-q", "--out", "out", cwd=tmp_path)
        out, err = first.communicate(timeout=300)
    finally:
        if first.poll() is None:  # pragma: no cover
            first.kill()
    assert second.returncode == 2
    assert second.stderr.startswith(f"crmlab: error: another crmlab run (process {first.pid})")
    assert "wait until it has finished or choose another --out" in second.stderr
    assert second.stderr.count("\n") == 1
    assert first.returncode == 0, err
    assert out.strip() == str(tmp_path / "out" / "index.html")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["notebooks"][0]["parameters"]["seconds"] == 4.0  # the first run's report
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beacon", "out"]  # lock removed
    # once the first has finished, the next run goes ahead
    assert crmlab_cmd("run", "00", "-q", "--out", "out", cwd=tmp_path).returncode == 0


def test_a_held_lock_refuses_before_anything_is_written(tmp_path, no_kernel):
    out = tmp_path / "out"
    lock = DestinationLock(out)
    assert lock.acquire()
    try:
        for _ in range(3):
            with pytest.raises(RunFolderError, match=r"another crmlab run \(process \d+\)"):
                run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
        assert not out.exists()
        assert sorted(p.name for p in tmp_path.iterdir()) == [".out.lock"]
    finally:
        lock.release()
    assert list(tmp_path.iterdir()) == []
    run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    assert (out / MARKER).is_file()


def test_the_lock_of_a_killed_run_is_released_by_the_os(tmp_path, no_kernel):
    out = tmp_path / "out"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from pathlib import Path
                from crmlab.report.runfolder import DestinationLock
                assert DestinationLock(Path({str(out)!r})).acquire()
                print("locked", flush=True)
                time.sleep(600)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunFolderError, match=f"process {holder.pid}"):
            run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (tmp_path / ".out.lock").exists()  # the file stays, the lock does not
    result = run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    assert result.ok and (out / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_runs_started_in_the_same_second_get_their_own_default_folder(
    tmp_path, monkeypatch, no_kernel
):
    fixed = dt.datetime(2026, 5, 4, 3, 2, 1, tzinfo=dt.UTC)
    monkeypatch.setattr(run_module, "_utc_now", lambda: fixed)
    reports = tmp_path / "reports"
    reports.mkdir()
    busy = DestinationLock(reports / "20260504-030201")  # a run of that second is going on
    assert busy.acquire()
    try:
        result = run_notebooks(
            ["00"], reports_dir=reports, notebooks_dir=HOSTILE, progress=False, dry_run=True
        )
    finally:
        busy.release()
    assert result.run_dir == reports / "20260504-030201-2"
    again = run_notebooks(
        ["00"], reports_dir=reports, notebooks_dir=HOSTILE, progress=False, dry_run=True
    )
    assert again.run_dir == reports / "20260504-030201"
    third = run_notebooks(
        ["00"], reports_dir=reports, notebooks_dir=HOSTILE, progress=False, dry_run=True
    )
    assert third.run_dir == reports / "20260504-030201-3"
    assert not (reports / "latest").exists()  # a dry run does not move reports/latest
    assert (result.run_dir / MARKER).is_file() and (again.run_dir / MARKER).is_file()


@pytest.mark.parametrize("what", ["removed", "replaced by another folder", "emptied"])
def test_success_is_never_reported_for_a_report_that_is_not_there(
    tmp_path, monkeypatch, what, no_kernel
):
    real_replace = runfolder.replace_dir

    def meddling(new, dest):  # another program changes the folder right after the rename
        real_replace(new, dest)
        import shutil

        if what == "removed":
            shutil.rmtree(dest)
        elif what == "emptied":
            (dest / "index.html").unlink()
        else:
            shutil.rmtree(dest)
            dest.mkdir()
            (dest / MARKER).write_text('{"crmlab_run": 1, "files": {}, "token": "x"}')

    monkeypatch.setattr(runfolder, "replace_dir", meddling)
    with pytest.raises(RunFolderLost, match="does not hold it after the final rename"):
        run_notebooks(
            ["00"], out=tmp_path / "out", notebooks_dir=HOSTILE, progress=False, dry_run=True
        )

    from crmlab.cli import main

    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    code = main(
        [
            "run",
            "00",
            "--dry-run",
            "-q",
            "--out",
            str(tmp_path / "o2"),
            "--notebooks-dir",
            str(HOSTILE),
        ]
    )
    assert code == 1
    assert "does not hold it after the final rename" in err.getvalue()
    assert sys.stdout.getvalue() == ""  # no path printed as if it had worked


def test_a_folder_that_gains_a_foreign_file_during_the_run_is_not_replaced(
    tmp_path, monkeypatch, no_kernel
):
    out = tmp_path / "out"
    run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    from crmlab.report import html  # run_notebooks imports write_index from it when it runs

    original = html.write_index

    def user_saves_a_file(*args, **kwargs):
        (out / "minutes.docx").write_text("written while the run went on", encoding="utf-8")
        return original(*args, **kwargs)

    monkeypatch.setattr(html, "write_index", user_saves_a_file)
    with pytest.raises(RunFolderError, match="minutes.docx"):
        run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    assert (out / "minutes.docx").read_text(encoding="utf-8") == "written while the run went on"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_the_lock_file_sits_next_to_the_destination(tmp_path):
    lock = DestinationLock(tmp_path / "a" / "client x")
    assert lock.path == Path(tmp_path / "a" / ".client x.lock")
