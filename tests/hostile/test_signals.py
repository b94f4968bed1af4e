"""Class 4 of issue 12, signals: SIGTERM is handled like SIGINT, and nothing of a run outlives it.

Real ``crmlab run`` subprocesses are signalled while a kernel runs a cell; afterwards there is no
hidden temporary folder, no lock, no kernel process, no kernel connection file and no kernel log
folder. A run killed outright (SIGKILL cannot be handled) leaves its temporary folder, and the
next run into the same parent sweeps it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmlab.report import run_notebooks
from crmlab.report.runfolder import MARKER, make_temp_dir, sweep_stale, write_marker

from ._runner import HOSTILE, alive, no_kernel, start_crmlab, wait_for

__all__ = ["no_kernel"]


def _isolated_env(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """Environment whose temporary and Jupyter runtime folders are the test's own."""
    tmpdir, runtime = tmp_path / "tmpdir", tmp_path / "runtime"
    tmpdir.mkdir()
    runtime.mkdir()
    env = {"TMPDIR": str(tmpdir), "JUPYTER_RUNTIME_DIR": str(runtime)}
    return env, tmpdir, runtime


def _gone(pid: int, limit: float = 30) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize(
    ("signum", "code", "selection"),
    [
        (signal.SIGTERM, 143, ("00",)),
        (signal.SIGINT, 130, ("00",)),
        (signal.SIGTERM, 143, ("00", "01")),  # two notebooks side by side
    ],
)
def test_a_signal_mid_run_cleans_up_everything(tmp_path, signum, code, selection):
    env, tmpdir, runtime = _isolated_env(tmp_path)
    env["CRMLAB_JOBS"] = str(len(selection))
    work = tmp_path / "work"
    work.mkdir()
    beacon = tmp_path / "beacon"
    proc = start_crmlab(
        "run", *selection, "-p", "seconds", "120", "-p", "beacon", str(beacon), "--out",
        "client", cwd=work, env=env,
    )  # fmt: skip
    try:
        kernel_pid = int(wait_for(beacon, proc).split()[0])
        assert alive(kernel_pid)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
    assert proc.returncode == code, err
    assert f"interrupted ({signal.Signals(signum).name}); cleaned up" in err
    assert "Traceback" not in err and out == ""
    assert list(work.iterdir()) == []  # no client/, no .client.tmp-*, no .client.lock
    assert _gone(kernel_pid), "the kernel outlived the run"
    assert list(runtime.rglob("*.json")) == []  # no kernel connection file
    assert list(tmpdir.iterdir()) == []  # no kernel log folder


def test_a_previous_report_survives_a_signal(tmp_path):
    env, _, _ = _isolated_env(tmp_path)
    out = tmp_path / "client"
    run_notebooks(["00"], out=out, notebooks_dir=HOSTILE, progress=False, dry_run=True)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    beacon = tmp_path / "beacon"
    proc = start_crmlab(
        "run", "00", "-p", "seconds", "120", "-p", "beacon", str(beacon), "--out", str(out),
        cwd=tmp_path, env=env,
    )  # fmt: skip
    try:
        wait_for(beacon, proc)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
    assert proc.returncode == 143
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".client")]


def test_the_next_run_sweeps_what_a_killed_run_left(tmp_path, no_kernel):
    env, _, _ = _isolated_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    beacon = tmp_path / "beacon"
    proc = start_crmlab(
        "run", "00", "-p", "seconds", "120", "-p", "beacon", str(beacon), "--out", "client",
        cwd=work, env=env,
    )  # fmt: skip
    try:
        kernel_pid = int(wait_for(beacon, proc).split()[0])
        proc.send_signal(signal.SIGKILL)  # cannot be handled: the temporary folder stays
        proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:  # pragma: no cover
            proc.kill()
    left = [p.name for p in work.iterdir()]
    assert any(name.startswith(".client.tmp-") for name in left), left
    with_lock_file = ".client.lock" in left
    # the orphaned kernel notices its parent is gone and exits (ipykernel's parent poller)
    if not _gone(kernel_pid, limit=30):  # pragma: no cover - leave no process behind
        os.kill(kernel_pid, signal.SIGKILL)
    result = run_notebooks(
        ["00"], out=work / "client", notebooks_dir=HOSTILE, progress=False, dry_run=True
    )
    assert result.ok
    assert sorted(p.name for p in work.iterdir()) == ["client"], with_lock_file
    # a run into a sibling folder sweeps it as well (the dead run's pid is not alive)
    stale = make_temp_dir(work, "other")
    record = json.loads((stale / ".crmlab-tmp").read_text(encoding="utf-8"))
    dead = _dead_pid()
    (stale / ".crmlab-tmp").write_text(json.dumps({**record, "pid": dead}), encoding="utf-8")
    renamed = stale.with_name(stale.name.replace(f"-{os.getpid()}-", f"-{dead}-"))
    stale.rename(renamed)
    run_notebooks(["00"], out=work / "client", notebooks_dir=HOSTILE, progress=False, dry_run=True)
    assert not renamed.exists()


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _fake_stale(parent: Path, name: str, pid: int, host: str | None = None, kind: str = "tmp"):
    path = parent / f".{name}.{kind}-{pid}-0123abcd"
    path.mkdir()
    (path / ".crmlab-tmp").write_text(
        json.dumps({"pid": pid, "host": host or socket.gethostname()}), encoding="utf-8"
    )
    (path / "00_x.html").write_text("half written", encoding="utf-8")
    return path


def test_sweeping_touches_only_crmlabs_folders_of_dead_processes(tmp_path):
    dead = _dead_pid()
    swept = _fake_stale(tmp_path, "a", dead)
    live = _fake_stale(tmp_path, "b", os.getppid())  # our parent is alive
    other_host = _fake_stale(tmp_path, "c", dead, host="another-machine")
    lookalike = tmp_path / f".d.tmp-{dead}-0123abcd"  # named like ours, no marker: the user's
    lookalike.mkdir()
    (lookalike / "keep.txt").write_text("mine", encoding="utf-8")
    forged = _fake_stale(tmp_path, "e", dead)
    (forged / ".crmlab-tmp").write_text(json.dumps({"pid": dead + 1, "host": "x"}))
    plain = tmp_path / "results"
    plain.mkdir()
    assert sweep_stale(tmp_path) == [swept]
    for path in (live, other_host, lookalike, forged, plain):
        assert path.is_dir()
    assert (lookalike / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_a_dead_runs_swapped_out_report_is_put_back(tmp_path):
    dead = _dead_pid()
    old = _fake_stale(tmp_path, "client", dead, kind="old")
    (old / "00_x.html").unlink()
    previous = old / "client"
    previous.mkdir()
    (previous / "index.html").write_text("the client's report", encoding="utf-8")
    write_marker(previous, "20260101-000000")
    dest = tmp_path / "client"
    assert sweep_stale(tmp_path) == []  # without dest's lock, an old folder is left alone
    assert sweep_stale(tmp_path, dest) == [old]
    assert (dest / "index.html").read_text(encoding="utf-8") == "the client's report"
    assert (dest / MARKER).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["client"]
