"""Execute one notebook with papermill in a clean, quiet kernel.

The kernel gets the runner's environment minus ``MPLBACKEND`` (inherited, it would strip every
figure from the report: PITFALLS.md) and with ``PYTHONHASHSEED=0`` (set and dict-of-str iteration
order is then the same in every run); it starts in the run folder, so files a notebook writes land
next to its report. The kernel process's own stdout/stderr (``Kernel is running over TCP without
encryption`` and other start-up noise) go to a log file instead of the terminal; cell outputs are
unaffected. papermill's progress bar is off.

The kernel is the interpreter running crmlab (``sys.executable -m ipykernel_launcher``), never a
``python3`` kernelspec found first on the Jupyter path (a stale user-level one from another
environment would run the notebooks without crmlab). Its connection file is written into the
run's own work folder, not Jupyter's runtime folder, and when the run is interrupted (SIGINT,
SIGTERM) the kernel's process group is killed, so nothing of a run outlives it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crmlab.errors import NotebookError
from crmlab.report.notes import NOTES_ENV, read_notes
from crmlab.report.runfolder import deferred_signals

__all__ = [
    "ExecutionOutcome",
    "execute_notebook",
    "kernel_environment",
    "kernel_spec",
    "prepare_notebook",
]

#: IPython extension every report kernel loads: records the notebook's CrmlabWarnings.
NOTES_EXTENSION = "crmlab.report.notes"

#: Lines of the kernel's own log that say nothing useful to a report reader.
NOISE = ("Kernel is running over TCP without encryption",)


def kernel_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a report kernel starts with (``base`` default: ``os.environ``)."""
    env = dict(os.environ if base is None else base)
    env.pop("MPLBACKEND", None)
    env["PYTHONHASHSEED"] = "0"
    return env


def kernel_spec() -> Any:
    """The kernelspec of report kernels: ipykernel in the interpreter running crmlab."""
    from jupyter_client.kernelspec import KernelSpec

    version = ".".join(map(str, sys.version_info[:2]))
    return KernelSpec(
        argv=[
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--ext",
            NOTES_EXTENSION,
        ],
        display_name=f"Python {version} (crmlab)",
        language="python",
        resource_dir="",
    )


def _kernel_manager_class(
    env: dict[str, str], cwd: Path, log: IO[str], work: Path, started: list[Any]
) -> type:
    """An AsyncKernelManager that launches with our env, cwd, log file, kernelspec and
    connection file (in ``work``), and records itself in ``started``."""
    from jupyter_client.manager import AsyncKernelManager

    spec = kernel_spec()

    class _ReportKernelManager(AsyncKernelManager):
        @property
        def kernel_spec(self) -> Any:  # type: ignore[override]
            return spec

        async def start_kernel(self, **kw: Any) -> None:  # type: ignore[override]
            kw["env"] = dict(env)
            kw["cwd"] = str(cwd)
            kw["stdout"] = log
            kw["stderr"] = log
            self.connection_file = str(work / f"kernel-{os.getpid()}-{len(started)}.json")
            started.append(self)
            await super().start_kernel(**kw)

    return _ReportKernelManager


def _kill_kernels(managers: list[Any]) -> None:
    """Kill the process group of every kernel still running and drop its connection file."""
    for km in managers:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        pid = getattr(process, "pid", None)
        if pid is not None and process.poll() is None:
            killpg = getattr(os, "killpg", None)  # POSIX: the kernel leads its own session
            if killpg is not None:
                with contextlib.suppress(OSError):
                    killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError):
                process.kill()
            with contextlib.suppress(Exception):
                process.wait(timeout=5)
        with contextlib.suppress(Exception):
            km.cleanup_connection_file()


@dataclass
class ExecutionOutcome:
    """What happened to one notebook: ``error`` is None on success.

    ``notes`` are the distinct CrmlabWarnings the notebook raised, with counts
    (:func:`crmlab.report.notes.read_notes`).
    """

    duration_s: float
    error: NotebookError | None
    kernel_log: str
    notes: list[dict[str, Any]] = field(default_factory=list)


def _failing_cell(output: Path, cell_index: int) -> tuple[int | None, str]:
    """1-based number of the failing code cell in the source notebook, and its first line.

    ``cell_index`` counts every cell of the executed notebook, including papermill's injected
    parameters cell, which the source notebook does not have.
    """
    try:
        with output.open(encoding="utf-8") as fh:
            cells = json.load(fh)["cells"]
    except (OSError, ValueError, KeyError):
        return None, ""
    cells = [
        c for c in cells if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])
    ]
    if not 0 <= cell_index < len(cells):
        return None, ""
    number = 0
    for cell in cells[: cell_index + 1]:
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.get("cell_type") == "code" and "injected-parameters" not in tags:
            number += 1
    src = cells[cell_index].get("source", "")
    src = "".join(src) if isinstance(src, list) else src
    first = next((line.strip() for line in src.splitlines() if line.strip()), "")
    return number, first


class _DropNoise(logging.Filter):
    """Drops papermill's warnings about parameter lines it cannot parse: crmlab reads them itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith(("Unable to parse line", "Passed unknown parameter"))


@contextmanager
def _quiet_papermill() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("papermill", "papermill.translators")]
    noise = _DropNoise()
    for logger in loggers:
        logger.addFilter(noise)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(noise)


def _clean_log(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not any(n in line for n in NOISE))


def _could_not_run(stem: str, exc: BaseException) -> NotebookError:
    return NotebookError(
        f"notebook {stem} could not be executed: {type(exc).__name__}: {exc}",
        notebook=stem,
        ename=type(exc).__name__,
        evalue=str(exc),
    )


def execute_notebook(
    source: Path,
    output: Path,
    parameters: Mapping[str, Any],
    *,
    cwd: Path,
    log_path: Path,
    stem: str,
    execution_timeout: float | None = None,
) -> ExecutionOutcome:
    """Run ``source`` into ``output`` with papermill; never raises for a failing notebook.

    ``log_path``'s folder also receives the kernel's connection file and the notebook's data
    notes (``<log_path>.notes.jsonl``, see :mod:`crmlab.report.notes`). ``execution_timeout`` is
    the longest a cell may run, in seconds (None: no limit). An interruption (SIGINT, or SIGTERM
    under :func:`crmlab.report.runfolder.interrupts_on_sigterm`) kills the kernel and re-raises.

    Returns
    -------
    ExecutionOutcome
        ``error`` is a :class:`crmlab.errors.NotebookError` with the notebook's stem, the 1-based
        code cell number (as the source notebook counts them), the exception's name and message.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    start = time.perf_counter()
    error: NotebookError | None = None
    started: list[Any] = []
    notes_path = log_path.with_name(log_path.name + ".notes.jsonl")
    notes_path.unlink(missing_ok=True)
    env = kernel_environment()
    env[NOTES_ENV] = str(notes_path)
    with log_path.open("w", encoding="utf-8") as log, _quiet_papermill():
        extra = {} if execution_timeout is None else {"execution_timeout": execution_timeout}
        try:
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters=dict(parameters),
                kernel_name="python3",
                progress_bar=False,
                request_save_on_cell_execute=False,
                kernel_manager_class=_kernel_manager_class(env, cwd, log, log_path.parent, started),
                shutdown_kernel="immediate",
                **extra,
            )
        except PapermillExecutionError as exc:
            cell, first_line = _failing_cell(output, exc.cell_index)
            where = f"code cell {cell}" if cell is not None else f"cell {exc.cell_index + 1}"
            if first_line:
                where += f" ({first_line[:80]})"
            error = NotebookError(
                f"notebook {stem} failed in {where}: {exc.ename}: {exc.evalue}",
                notebook=stem,
                cell=cell,
                ename=exc.ename,
                evalue=exc.evalue,
            )
        except TimeoutError as exc:  # nbclient's CellTimeoutError (nbclient is papermill's)
            error = (
                _could_not_run(stem, exc)
                if execution_timeout is None
                else NotebookError(
                    f"notebook {stem} stopped: a cell ran longer than the execution timeout of "
                    f"{execution_timeout:g} s; raise --execution-timeout or use smaller parameters",
                    notebook=stem,
                    ename=type(exc).__name__,
                    evalue=str(exc).splitlines()[0] if str(exc) else "",
                )
            )
        except Exception as exc:  # kernel died, could not start...
            error = _could_not_run(stem, exc)
        finally:
            with deferred_signals():  # a second signal must not stop the clean-up
                _kill_kernels(started)
    duration = time.perf_counter() - start
    try:
        kernel_log = _clean_log(log_path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        kernel_log = ""
    return ExecutionOutcome(
        duration_s=duration, error=error, kernel_log=kernel_log, notes=read_notes(notes_path)
    )


def prepare_notebook(
    source: Path, output: Path, parameters: Mapping[str, Any], *, stem: str
) -> ExecutionOutcome:
    """Write ``source`` with its parameters injected into ``output``, without executing it."""
    import papermill

    start = time.perf_counter()
    error: NotebookError | None = None
    with _quiet_papermill():
        try:
            papermill.execute_notebook(
                str(source),
                str(output),
                parameters=dict(parameters),
                kernel_name="python3",
                prepare_only=True,
                progress_bar=False,
            )
        except Exception as exc:
            error = NotebookError(
                f"notebook {stem} could not be prepared: {type(exc).__name__}: {exc}",
                notebook=stem,
                ename=type(exc).__name__,
                evalue=str(exc),
            )
    return ExecutionOutcome(duration_s=time.perf_counter() - start, error=error, kernel_log="")
