"""Helpers of the runner's hostile-use tests: the ``crmlab`` command as a subprocess, folder
snapshots, and a guard that fails a test if a kernel is started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
FIXTURES = TESTS / "fixtures" / "notebooks"
HOSTILE = TESTS / "fixtures" / "hostile"


def crmlab_cmd(
    *args: str | bytes,
    cwd: Path,
    notebooks: Path = HOSTILE,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """``python -m crmlab ARGS`` in ``cwd`` with the notebooks of ``notebooks``."""
    full_env = {**os.environ, "CRMLAB_NOTEBOOKS_DIR": str(notebooks), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "crmlab", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        errors="backslashreplace",
        timeout=timeout,
    )


def start_crmlab(
    *args: str, cwd: Path, notebooks: Path = HOSTILE, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``python -m crmlab ARGS`` started in the background."""
    full_env = {**os.environ, "CRMLAB_NOTEBOOKS_DIR": str(notebooks), **(env or {})}
    return subprocess.Popen(
        [sys.executable, "-m", "crmlab", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, proc: subprocess.Popen[str] | None = None, limit: float = 120) -> str:
    """The text of ``path`` once a kernel has written it (fails if ``proc`` ends first)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if path.is_file() and path.read_text(encoding="utf-8").strip():
            return path.read_text(encoding="utf-8")
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"crmlab ended before {path.name} was written: {err}")
        time.sleep(0.1)
    pytest.fail(f"{path} was not written")  # pragma: no cover


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return True
    # a zombie child of ours counts as gone
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry below ``folder``: files with their bytes, folders and links as None."""
    out: dict[str, bytes | None] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        out[rel] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return out


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail the test if anything tries to start a kernel (papermill's prepare-only still works)."""
    from jupyter_client.manager import AsyncKernelManager, KernelManager

    def forbidden(*args, **kwargs):
        raise AssertionError("a kernel was started")

    monkeypatch.setattr(AsyncKernelManager, "start_kernel", forbidden)
    monkeypatch.setattr(KernelManager, "start_kernel", forbidden)
