"""``run_notebooks``: execute notebooks into a run folder, atomically.

Run folder (DESIGN.md "Run folder"): per notebook the executed ``NN_x.ipynb``, the full
``NN_x.html`` and the client ``NN_x.client.html``; one ``index.html`` and one ``manifest.json``.

What happens, in order:

1. Parameters and notebook names are validated; nothing has started yet, so a mistake costs no
   kernel and leaves no folder (:class:`crmlab.errors.ParameterError`).
2. Every selected notebook runs, in order, in a temporary folder next to the destination, even
   after one fails (a consultant gets every report that could be made, and every failure at once).
3. If all succeeded, the temporary folder is renamed into place (and ``reports/latest`` is
   pointed at it when the default destination is used). If any failed, the destination is not
   touched: the complete run folder, with the failures marked in ``index.html`` and
   ``manifest.json``, is moved to ``<destination's parent>/.failed/<run-id>/`` instead, and
   :class:`crmlab.errors.NotebookError` is raised (or, with ``raise_on_error=False``, the result
   says so).

Data notes: every :class:`crmlab.errors.CrmlabWarning` a notebook raises (duplicates kept,
returns dropped, a model not identified, ...) is recorded in its kernel
(:mod:`crmlab.report.notes`) and shown, counted, under the notebook's progress line, in
``index.html``, in ``manifest.json`` (``notes`` per notebook) and in the executed notebook's
``metadata["crmlab"]["notes"]``; ``metadata["crmlab"]["parameters"]`` records each parameter's
value and whether it was given for the run or is the notebook's default (an assumption). After a
run with failures, :meth:`RunResult.failure_report` says which notebooks succeeded and where
their reports are.

The runner adds no randomness: the same notebooks, parameters and data give the same numbers, and
two manifests can be diffed.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import sys
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from crmlab.errors import CrmlabWarning, NotebookError, ParameterError
from crmlab.report import exports as _exports
from crmlab.report import resolved as _resolved
from crmlab.report import runfolder as _rf
from crmlab.report.parameters import (
    NotebookInfo,
    list_notebooks,
    resolve_notebooks,
    resolve_parameters,
)

__all__ = ["NotebookRun", "RunResult", "run_notebooks"]

MANIFEST = "manifest.json"
INDEX = "index.html"
FAILED_DIR = ".failed"
LATEST = "latest"
MANIFEST_FORMAT = 1
#: Folder inside the temporary run folder for kernel logs and connection files (removed).
WORK_DIR = ".crmlab-work"


@dataclass(frozen=True)
class NotebookRun:
    """The outcome of one notebook in a run.

    Attributes
    ----------
    notebook : str
        Stem, e.g. ``00_customer_base``.
    title : str
        First markdown heading.
    status : str
        ``"ok"``, ``"failed"``, or ``"prepared"`` (a dry run: parameters injected, not executed).
    duration_s : float
        Wall time of the execution (kernel start included), seconds.
    parameters : dict
        Every parameter's value in this run (defaults merged with the overrides).
    error : crmlab.errors.NotebookError or None
        Where and how it failed.
    outputs : tuple of str
        File names written into the run folder for this notebook.
    notes : tuple of dict
        The data notes: every distinct CrmlabWarning the notebook raised, as
        ``{"category", "message", "count"}`` (:mod:`crmlab.report.notes`).
    """

    notebook: str
    title: str
    status: str
    duration_s: float
    parameters: dict[str, Any]
    error: NotebookError | None = None
    outputs: tuple[str, ...] = ()
    notes: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`run_notebooks`.

    Attributes
    ----------
    run_id : str
        ``YYYYmmdd-HHMMSS`` (UTC start time), with a ``-N`` suffix if that folder existed.
    run_dir : pathlib.Path
        Where the run folder is now: the destination when every notebook succeeded, the
        ``.failed/<run-id>`` folder otherwise.
    destination : pathlib.Path
        Where the run folder was meant to go.
    notebooks : tuple of NotebookRun
        Per notebook, in run order.
    """

    run_id: str
    run_dir: Path
    destination: Path
    notebooks: tuple[NotebookRun, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every notebook succeeded (or, in a dry run, was prepared)."""
        return not self.failed

    @property
    def failed(self) -> list[NotebookRun]:
        """The notebooks that failed."""
        return [nb for nb in self.notebooks if nb.status == "failed"]

    @property
    def succeeded(self) -> list[NotebookRun]:
        """The notebooks that ran to the end (status ``"ok"``)."""
        return [nb for nb in self.notebooks if nb.status == "ok"]

    def failure_report(self) -> str:
        """What a consultant needs after a run with failures, as lines for the terminal.

        How many notebooks failed, that the destination was not written, where the run folder
        is (its ``index.html`` marks the failures), each notebook that succeeded with the path
        of its client report, and the executed notebook of the first failure. Empty when the
        run succeeded.
        """
        if self.ok:
            return ""
        lines = [
            f"{len(self.failed)} of {len(self.notebooks)} notebooks failed; "
            f"{self.destination} was not written.",
            f"The run is in {self.run_dir}: open {self.index} (failures marked).",
        ]
        good = self.succeeded
        if good:
            lines.append(f"{len(good)} notebook(s) succeeded; their reports are there:")
            for nb in good:
                client = f"{nb.notebook}.client.html"
                shown = client if client in nb.outputs else f"{nb.notebook}.html"
                lines.append(f"  {nb.notebook}: {self.run_dir / shown}")
        else:
            lines.append("No notebook succeeded.")
        lines.append(
            f"failed executed notebook: {self.run_dir / (self.failed[0].notebook + '.ipynb')}"
        )
        return "\n".join(lines)

    @property
    def index(self) -> Path:
        """The run's ``index.html``."""
        return self.run_dir / INDEX

    @property
    def manifest(self) -> Path:
        """The run's ``manifest.json``."""
        return self.run_dir / MANIFEST


def _utc_now() -> _dt.datetime:
    return _dt.datetime.now(_dt.UTC)


def _iso(t: _dt.datetime) -> str:
    return t.isoformat(timespec="seconds").replace("+00:00", "Z")


def _free_name(parent: Path, base: str) -> str:
    name, n = base, 1
    while (parent / name).exists() or (parent / name).is_symlink():
        n += 1
        name = f"{base}-{n}"
    return name


def _point_latest(reports: Path, run_name: str) -> None:
    """Atomically point ``reports/latest`` at ``run_name`` (a relative symlink)."""
    link = reports / LATEST
    if link.exists() and not link.is_symlink():
        warnings.warn(
            f"{link} exists and is not a symlink; left as it is", CrmlabWarning, stacklevel=3
        )
        return
    tmp = reports / f".{LATEST}.{os.getpid()}"
    try:
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(run_name, tmp, target_is_directory=True)
        os.replace(tmp, link)
    except OSError as exc:  # e.g. no symlinks on this file system
        warnings.warn(f"could not update {link}: {exc}", CrmlabWarning, stacklevel=3)


def _progress_stream(progress: bool | TextIO) -> TextIO | None:
    if progress is True:
        return sys.stderr
    if progress is False or progress is None:
        return None
    return progress


def _header_values(info: NotebookInfo, started: _dt.datetime, status: str) -> dict[str, Any]:
    from crmlab import __version__

    return {
        "title": info.title,
        "run_date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "status": status,
    }


def _tidy_executed(
    path: Path,
    stem: str,
    notes: Sequence[Mapping[str, Any]] = (),
    provenance: Mapping[str, Any] | None = None,
) -> None:
    """Replace the temporary paths papermill records in the executed notebook by file names,
    and record the run's data notes and parameter provenance in ``metadata["crmlab"]``.

    ``metadata["crmlab"]["notes"]`` is a list of ``{"category", "message", "count"}`` and
    ``metadata["crmlab"]["parameters"]`` maps every parameter to ``{"value", "given", "help"}``
    (``given``: set for this run rather than the notebook's default, i.e. an assumption when
    false): the client report's "Data notes" and assumptions boxes are drawn from them.
    """
    import nbformat

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    if meta:
        meta["input_path"] = f"{stem}.ipynb"
        meta["output_path"] = f"{stem}.ipynb"
    crmlab_meta = dict(nb.metadata.get("crmlab", {}))
    crmlab_meta["notes"] = [dict(n) for n in notes]
    if provenance is not None:
        crmlab_meta["parameters"] = json.loads(json.dumps(provenance, default=str))
    nb.metadata["crmlab"] = crmlab_meta
    nbformat.write(nb, path)


def _provenance(info: NotebookInfo, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``{name: {"value", "given", "help"}}`` for every parameter of ``info``."""
    out: dict[str, Any] = {}
    for p in info.parameters:
        given = p.name in overrides
        value = overrides[p.name] if given else p.default if p.literal else p.default_source
        out[p.name] = {"value": value, "given": given, "help": p.help}
    return out


def _one_line(message: str, limit: int = 300) -> str:
    flat = " ".join(str(message).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def _write_notes(stream: TextIO, notes: Sequence[Mapping[str, Any]]) -> None:
    """The notebook's data notes, one indented line each, under its progress line."""
    for note in notes:
        count = int(note.get("count", 1))
        times = f" ({count} times)" if count > 1 else ""
        stream.write(f"      note: {_one_line(str(note.get('message', '')))}{times}\n")


def _run_one(
    info: NotebookInfo,
    overrides: Mapping[str, Any],
    *,
    folder: Path,
    logs: Path,
    writer: Any,
    stream: TextIO | None,
    label: str,
    started: _dt.datetime,
    bundled: list[dict[str, Any]],
    execution_timeout: float | None = None,
    dry_run: bool = False,
    staging: Path | None = None,
    shared: threading.Lock | None = None,
) -> tuple[NotebookRun, dict[str, Any]]:
    """Execute one notebook into ``folder``, write its HTML; its outcome and manifest record.

    With ``staging`` (notebooks running side by side) the kernel starts in that folder of its
    own, so the files and exports its cells write are its own; they are moved into ``folder``
    afterwards, with ``shared`` held (as is every use of ``writer``).
    """
    from crmlab.report import manifest as _manifest
    from crmlab.report.execute import execute_notebook, prepare_notebook

    if stream is not None:
        stream.write(f"{label} ... ")
        stream.flush()
    shared = shared if shared is not None else contextlib.nullcontext()
    before = {p.name for p in folder.iterdir()}
    executed = folder / f"{info.stem}.ipynb"
    if staging is not None:
        staging.mkdir()
        _exports.prepare(staging)
    if dry_run:
        outcome = prepare_notebook(info.path, executed, overrides, stem=info.stem)
    else:
        outcome = execute_notebook(
            info.path,
            executed,
            overrides,
            cwd=folder if staging is None else staging,
            log_path=logs / f"{info.stem}.log",
            stem=info.stem,
            execution_timeout=execution_timeout,
        )
    status = "failed" if outcome.error is not None else "prepared" if dry_run else "ok"
    notes = list(outcome.notes)
    if stream is not None:
        stream.write(f"{status} ({outcome.duration_s:.1f} s)\n")
        _write_notes(stream, notes)
        stream.flush()
    provenance = _provenance(info, overrides)
    defaults = {p.name: p.default if p.literal else p.default_source for p in info.parameters}
    used = {**defaults, **overrides}
    found = _resolved.read_resolved(executed) if executed.is_file() else {}
    resolved = _resolved.apply(found, provenance, used, overrides)  # e.g. calibration_end
    names = []
    if executed.is_file() and dry_run:
        _tidy_executed(executed, info.stem, notes, provenance)
        names.append(executed.name)
    elif executed.is_file():
        _tidy_executed(executed, info.stem, notes, provenance)
        full, client = folder / f"{info.stem}.html", folder / f"{info.stem}.client.html"
        with shared:
            writer.write(executed, full, client, _header_values(info, started, status))
        names += [executed.name, full.name, client.name]
        if client.with_suffix(".pdf").is_file():  # printed by the writer (--pdf)
            names.append(client.with_suffix(".pdf").name)
    if outcome.error is not None and outcome.kernel_log.strip():
        log_name = f"{info.stem}.kernel.log"
        (folder / log_name).write_text(outcome.kernel_log + "\n", encoding="utf-8")
        names.append(log_name)
    with shared:
        if staging is not None:
            extra = _unstage(staging, folder)  # written by cells, in the notebook's own folder
        exported = [] if dry_run else _exports.collect(folder, info.stem)  # exports/
    if staging is None:
        extra = sorted({p.name for p in folder.iterdir()} - before - set(names))  # by cells
    err = outcome.error
    run = NotebookRun(
        notebook=info.stem,
        title=info.title,
        status=status,
        duration_s=round(outcome.duration_s, 3),
        parameters=used,
        error=err,
        outputs=tuple(names + extra),
        notes=tuple(notes),
    )
    record = {
        "notebook": info.stem,
        "title": info.title,
        "status": status,
        "duration_s": run.duration_s,
        "parameters": used,
        "resolved": resolved,
        "overrides": sorted(overrides),
        "source": _manifest.file_record(info.path, info.path.name),
        "inputs": _manifest.input_files(
            used, [p.name for p in info.parameters if p.is_path], bundled
        ),
        "outputs": list(run.outputs),
        "notes": notes,
        "exports": exported,
        "error": None
        if err is None
        else {"cell": err.cell, "ename": err.ename, "evalue": err.evalue, "message": str(err)},
    }
    return run, record


def _unstage(staging: Path, folder: Path) -> list[str]:
    """Move what a notebook's cells wrote in ``staging`` into the run ``folder`` (its exports
    into ``folder/exports``) and remove ``staging``; the names of the other files moved."""
    moved = []
    exports = staging / _exports.EXPORTS_DIR
    for path in sorted(exports.iterdir()):
        if path.name != _exports.READY:
            os.replace(path, folder / _exports.EXPORTS_DIR / path.name)
    for path in sorted(staging.iterdir()):
        if path.name != _exports.EXPORTS_DIR:
            os.replace(path, folder / path.name)
            moved.append(path.name)
    shutil.rmtree(staging, ignore_errors=True)
    return moved


#: Environment variable: how many notebooks run side by side (default: the usable cores).
JOBS_ENV = "CRMLAB_JOBS"


def _jobs(n_notebooks: int, jobs: int | None) -> int:
    """Notebooks run side by side: ``jobs``, else ``$CRMLAB_JOBS``, else the cores this process
    may use (each kernel is one process), at most 4 and at most the number of notebooks."""
    if jobs is None:
        given = os.environ.get(JOBS_ENV, "").strip()
        if given:
            try:
                jobs = int(given)
            except ValueError:
                raise ParameterError(
                    f"{JOBS_ENV}={given!r} must be a whole number of notebooks run side by side",
                    parameter="jobs",
                ) from None
        else:
            try:
                jobs = min(4, len(os.sched_getaffinity(0)))
            except (AttributeError, OSError):  # pragma: no cover - not Linux
                jobs = min(4, os.cpu_count() or 1)
    if int(jobs) < 1:
        raise ParameterError(f"jobs must be >= 1, got {jobs!r}", parameter="jobs")
    return max(1, min(int(jobs), n_notebooks))


def _longest_first(selected: Sequence[NotebookInfo], reports: Path | None) -> list[int]:
    """Positions of ``selected`` in the order to start them: the longest first, by the
    durations in the last run's manifest (``reports/latest``), else by notebook size."""
    previous: dict[str, float] = {}
    try:
        manifest = json.loads((reports / LATEST / MANIFEST).read_text(encoding="utf-8"))
        previous = {r["notebook"]: float(r["duration_s"]) for r in manifest["notebooks"]}
    except (OSError, TypeError, ValueError, KeyError):
        previous = {}

    def cost(i: int) -> tuple[float, float]:
        info = selected[i]
        size = info.path.stat().st_size if info.path.is_file() else 0
        return (previous.get(info.stem, -1.0), float(size))

    return sorted(range(len(selected)), key=cost, reverse=True)


def _children() -> list[int]:
    """Process ids of this process's children (Linux ``/proc``; empty elsewhere)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:  # pragma: no cover - not Linux
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # after "pid (name) "
        if len(fields) > 1 and fields[1] == str(me):
            found.append(int(entry))
    return found


def _kill_kernels_of_this_run() -> None:
    """Kill every child process (the kernels of notebooks running side by side) and its
    process group: after an interruption nothing of the run may outlive it."""
    import signal as _signal

    for pid in _children():
        with contextlib.suppress(OSError):
            if os.getpgid(pid) == pid:  # a kernel leads its own session and group
                os.killpg(pid, _signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.kill(pid, _signal.SIGKILL)


def run_notebooks(
    notebooks: Sequence[str] | str | None = None,
    parameters: Mapping[str, Any] | None = None,
    out: str | os.PathLike[str] | None = None,
    notebooks_dir: str | os.PathLike[str] | None = None,
    progress: bool | TextIO = True,
    *,
    cli_parameters: Sequence[tuple[str, str]] | None = None,
    reports_dir: str | os.PathLike[str] | None = None,
    command: Sequence[str] | None = None,
    raise_on_error: bool = True,
    inputs: Sequence[str | os.PathLike[str]] = (),
    execution_timeout: float | None = None,
    dry_run: bool = False,
    pdf: bool = False,
    jobs: int | None = None,
) -> RunResult:
    """Execute notebooks with papermill into a run folder of reports.

    Parameters
    ----------
    notebooks : str or sequence of str, optional
        Stems (``00_customer_base``) or unique prefixes (``00``); default every notebook, in
        order.
    parameters : mapping, optional
        ``{name: value}`` for every selected notebook that declares ``name``, and/or
        ``{stem: {name: value}}`` for one notebook; values must have the declared type
        (an int is accepted for a float) and lie in the parameter's range
        (:mod:`crmlab.report.ranges`). A name no selected notebook declares is an error.
    out : path-like, optional
        The run folder. It must not exist, be empty, or be a previous crmlab run folder (marked
        by its ``.crmlab-run`` file) holding nothing crmlab did not write; it is replaced only if
        the new run succeeds. No input file may lie inside it. Default
        ``<reports_dir>/<run-id>``, and then ``<reports_dir>/latest`` is pointed at it.
    notebooks_dir : path-like, optional
        Where the notebooks are; default :func:`crmlab._paths.notebooks_dir`.
    progress : bool or text stream, default True
        Write one line per notebook (``[1/6] 00_customer_base ... ok (12.3 s)``) to stderr, or
        to the given stream; False for silence.
    cli_parameters : sequence of (name, text), optional
        Values as typed on a command line, converted to each notebook's declared type; they win
        over ``parameters``.
    reports_dir : path-like, optional
        Parent of default run folders; default ``./reports``.
    command : sequence of str, optional
        The command line to record in the manifest.
    raise_on_error : bool, default True
        Raise :class:`crmlab.errors.NotebookError` (of the first failure) when a notebook fails.
    inputs : sequence of path-like, optional
        Other files the run reads (the parameter file): refused when inside ``out``.
    execution_timeout : float, optional
        Longest time a cell may run, in seconds; the notebook fails when one runs longer.
        Default: no limit.
    dry_run : bool, default False
        Validate and write the parameter-injected notebooks (status ``"prepared"``) into the
        run folder without executing them (no kernel, no HTML).
    pdf : bool, default False
        Also print every client report to ``NN_name.client.pdf`` with headless Chromium
        (:mod:`crmlab.report.pdf`); without a browser a ParameterError is raised before any
        kernel starts.
    jobs : int, optional
        How many notebooks run side by side, each in its own kernel (and its own working
        folder, so that the files and exports of one never mix with another's); default
        ``$CRMLAB_JOBS``, else the cores this process may use (at most 4). The longest notebooks
        (by the last run's manifest) start first; progress lines, the manifest and the index
        keep the notebooks' order. ``jobs=1`` runs them one after the other.

    Returns
    -------
    RunResult
        Run folder and per-notebook status.

    Raises
    ------
    crmlab.errors.ParameterError
        Unknown notebook or parameter, wrong type or range, unusable ``out`` (a folder holding
        files crmlab did not write, an input inside it, a name too long, a file in the way,
        another run writing to it); raised before any kernel starts and before any folder is
        created.
    crmlab.errors.NotebookError
        A notebook failed (only with ``raise_on_error``); the message names the notebook, the
        code cell, the error and the folder keeping the failed run.
    crmlab.report.runfolder.RunFolderLost
        The run was written but is not in place after the final rename (another program
        changed the folder): success is never reported for a report that is not there.

    Examples
    --------
    >>> from crmlab.report import run_notebooks
    >>> result = run_notebooks(["00"], {"n_bins": 4}, out="reports/client_x")  # doctest: +SKIP
    >>> result.ok, result.index  # doctest: +SKIP
    (True, PosixPath('reports/client_x/index.html'))
    """
    # ---- 1. validate everything before any kernel starts ------------------------------------
    available = list_notebooks(notebooks_dir)
    requested = [notebooks] if isinstance(notebooks, str) else notebooks
    selected = resolve_notebooks(requested, available)
    overrides = resolve_parameters(selected, parameters, cli_parameters, available=available)
    if execution_timeout is not None and not execution_timeout > 0:
        raise ParameterError(
            f"execution timeout must be a number of seconds > 0, got {execution_timeout!r}",
            parameter="execution_timeout",
        )
    _jobs(len(selected), jobs)  # a wrong number of jobs fails here, before any kernel
    if pdf and not dry_run:
        from crmlab.report.pdf import find_browser

        find_browser()  # fails here, before any kernel, when there is no browser
    read = [(f"notebook {info.stem}", str(info.path)) for info in selected]
    read += [("parameter file", os.fspath(p)) for p in inputs]
    for info in selected:
        for param in info.parameters:
            value = overrides[info.stem].get(param.name)
            if param.is_path and isinstance(value, str) and value:
                read.append((f"input {param.name}", value))

    started = _utc_now()
    run_id_base = started.strftime("%Y%m%d-%H%M%S")
    use_default = out is None
    reports = Path(reports_dir) if reports_dir is not None else Path.cwd() / "reports"
    with _rf.interrupts_on_sigterm():
        if use_default:
            _make_parent(reports, "the reports folder")
            run_id, dest, lock = _claim_default(reports, run_id_base)
        else:
            dest = Path(out).expanduser().absolute()
            _rf.check_destination(dest)
            _rf.check_inputs_outside(dest, read)
            _make_parent(dest.parent, "--out")
            lock = _rf.DestinationLock(dest)
            if not lock.acquire():
                raise lock.refusal()
            run_id = run_id_base
        try:
            if not use_default:  # again, now that no other run can change it
                _rf.check_destination(dest)
                _rf.check_inputs_outside(dest, read)
            _rf.sweep_stale(dest.parent, dest)
            final, runs = _execute_all(
                selected,
                overrides,
                dest=dest,
                run_id=run_id,
                started=started,
                stream=_progress_stream(progress),
                command=command,
                execution_timeout=execution_timeout,
                dry_run=dry_run,
                pdf=pdf,
                point_latest=reports if use_default and not dry_run else None,
                jobs=jobs,
            )
        finally:
            lock.release()

    result = RunResult(run_id=run_id, run_dir=final, destination=dest, notebooks=tuple(runs))
    if not result.ok and raise_on_error:
        first = result.failed[0].error or NotebookError(
            "failed", notebook=result.failed[0].notebook
        )
        good = ", ".join(nb.notebook for nb in result.succeeded) or "none"
        raise NotebookError(
            f"{first} ({len(result.failed)} of {len(runs)} notebooks failed; "
            f"{dest} was not written; the run, failures marked, is in {final}; "
            f"reports of the notebooks that succeeded ({good}) are there too)",
            notebook=first.notebook,
            cell=first.cell,
            ename=first.ename,
            evalue=first.evalue,
        )
    return result


def _make_parent(folder: Path, what: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _rf.RunFolderError(
            f"cannot create {what} folder {str(folder)!r}: {exc.strerror or exc}; choose a "
            "folder you can write to",
            parameter="out",
        ) from None


def _claim_default(reports: Path, base: str) -> tuple[str, Path, _rf.DestinationLock]:
    """A free ``reports/<run-id>`` name, locked so that a concurrent run takes another."""
    n = 1
    while True:
        name = base if n == 1 else f"{base}-{n}"
        n += 1
        dest = reports / name
        if os.path.lexists(dest):
            continue
        lock = _rf.DestinationLock(dest)
        if not lock.acquire():
            continue
        if os.path.lexists(dest):  # finished between our check and our lock
            lock.release()
            continue
        return name, dest, lock


def _execute_all(
    selected: Sequence[NotebookInfo],
    overrides: Mapping[str, Mapping[str, Any]],
    *,
    dest: Path,
    run_id: str,
    started: _dt.datetime,
    stream: TextIO | None,
    command: Sequence[str] | None,
    execution_timeout: float | None,
    dry_run: bool,
    point_latest: Path | None,
    pdf: bool = False,
    jobs: int | None = None,
) -> tuple[Path, list[NotebookRun]]:
    """Steps 2 and 3 (see the module docstring), with ``dest``'s lock held."""
    from crmlab.report import manifest as _manifest
    from crmlab.report.html import ReportWriter, write_index

    tmp = _rf.make_temp_dir(dest.parent, dest.name)
    try:
        work = tmp / WORK_DIR
        work.mkdir()
        try:
            from crmlab._paths import data_dir

            bundled = _manifest.bundled_files(data_dir())
        except FileNotFoundError:
            bundled = []
        writer = None if dry_run else ReportWriter(pdf=pdf)
        _exports.prepare(tmp)
        runs: list[NotebookRun] = []
        records: list[dict[str, Any]] = []
        clock = time.perf_counter()
        labels = [f"[{i}/{len(selected)}] {info.stem}" for i, info in enumerate(selected, 1)]
        common = {
            "folder": tmp, "logs": work, "writer": writer, "started": started,
            "bundled": bundled, "execution_timeout": execution_timeout, "dry_run": dry_run,
        }  # fmt: skip
        workers = 1 if dry_run else _jobs(len(selected), jobs)
        if workers == 1:
            for label, info in zip(labels, selected, strict=True):
                run, record = _run_one(
                    info, overrides[info.stem], stream=stream, label=label, **common
                )
                runs.append(run)
                records.append(record)
        else:
            outcomes = _run_side_by_side(
                selected, overrides, labels, workers, stream, common, point_latest
            )
            runs, records = [o[0] for o in outcomes], [o[1] for o in outcomes]
        shutil.rmtree(work)
        _exports.finish(tmp)
        (tmp / _rf.TMP_MARKER).unlink()
        finished = _utc_now()
        ok = all(r.status != "failed" for r in runs)
        env = _manifest.environment()
        status = "dry-run" if dry_run and ok else "ok" if ok else "failed"
        manifest = {
            "manifest_format": MANIFEST_FORMAT,
            "run_id": run_id,
            "status": status,
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_s": round(time.perf_counter() - clock, 3),
            "command": list(command) if command is not None else None,
            "notebooks_dir": str(selected[0].path.parent),
            "execution_timeout_s": execution_timeout,
            **env,
            "notebooks": records,
        }
        (tmp / MANIFEST).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n",
            encoding="utf-8",
        )
        write_index(
            tmp / INDEX,
            {
                "run_id": run_id,
                "started_at": _iso(started),
                "crmlab_version": env["crmlab_version"],
            },
            records,
        )
        token = _rf.write_marker(tmp, run_id)["token"]

        # ---- 3. move into place, or aside ---------------------------------------------------
        with _rf.deferred_signals():
            if ok:
                _rf.replace_dir(tmp, dest)
                _rf.verify_run_folder(dest, token)
                final = dest
                if point_latest is not None:
                    _point_latest(point_latest, dest.name)
            else:
                failed_root = dest.parent / FAILED_DIR
                failed_root.mkdir(exist_ok=True)
                final = failed_root / _free_name(failed_root, run_id)
                os.replace(tmp, final)
                _rf.verify_run_folder(final, token)
    except BaseException:
        with _rf.deferred_signals():  # a second signal must not stop the clean-up
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final, runs


def _run_side_by_side(
    selected: Sequence[NotebookInfo],
    overrides: Mapping[str, Mapping[str, Any]],
    labels: Sequence[str],
    workers: int,
    stream: TextIO | None,
    common: dict[str, Any],
    reports: Path | None,
) -> list[tuple[NotebookRun, dict[str, Any]]]:
    """Run the notebooks ``workers`` at a time (the longest first), each kernel in a folder of
    its own; progress lines appear in the notebooks' order, as in a run one at a time. An
    interruption kills every kernel, waits for the workers, and re-raises."""
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import wait as wait_for

    shared = threading.Lock()
    work: Path = common["logs"]
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crmlab-notebook")
    futures: dict[int, Any] = {}
    try:
        for i in _longest_first(selected, reports):
            info = selected[i]
            logs = work / f"logs-{info.stem}"  # its own kernel connection file, log and notes
            logs.mkdir()
            futures[i] = pool.submit(
                _run_one, info, overrides[info.stem], stream=None, label=labels[i],
                staging=work / f"cwd-{info.stem}", shared=shared, **{**common, "logs": logs},
            )  # fmt: skip
        outcomes = []
        for i, label in enumerate(labels):
            if stream is not None:
                stream.write(f"{label} ... ")
                stream.flush()
            while not wait_for([futures[i]], timeout=0.25).done:  # signals are handled between
                pass
            run, record = futures[i].result()
            if stream is not None:
                stream.write(f"{run.status} ({run.duration_s:.1f} s)\n")
                _write_notes(stream, list(run.notes))
                stream.flush()
            outcomes.append((run, record))
    except BaseException:
        for future in futures.values():
            future.cancel()
        _kill_kernels_of_this_run()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
