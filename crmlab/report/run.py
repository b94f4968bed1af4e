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

The runner adds no randomness: the same notebooks, parameters and data give the same numbers, and
two manifests can be diffed.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from crmlab.errors import CrmlabWarning, NotebookError, ParameterError
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
        ``"ok"`` or ``"failed"``.
    duration_s : float
        Wall time of the execution (kernel start included), seconds.
    parameters : dict
        Every parameter's value in this run (defaults merged with the overrides).
    error : crmlab.errors.NotebookError or None
        Where and how it failed.
    outputs : tuple of str
        File names written into the run folder for this notebook.
    """

    notebook: str
    title: str
    status: str
    duration_s: float
    parameters: dict[str, Any]
    error: NotebookError | None = None
    outputs: tuple[str, ...] = ()


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
        """Whether every notebook succeeded."""
        return all(nb.status == "ok" for nb in self.notebooks)

    @property
    def failed(self) -> list[NotebookRun]:
        """The notebooks that failed."""
        return [nb for nb in self.notebooks if nb.status != "ok"]

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


def _check_destination(out: Path) -> None:
    """``--out`` must be absent, empty, or a previous crmlab run folder (it is then replaced)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ParameterError(
            f"--out {str(out)!r} exists and is not a folder; choose a new folder name",
            parameter="out",
        )
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise ParameterError(
            f"--out {str(out)!r} is a non-empty folder that is not a crmlab run folder; "
            "choose a new or empty folder (a previous crmlab run folder is replaced)",
            parameter="out",
        )


def _make_dir(parent: Path, prefix: str) -> Path:
    """A new folder with a unique name (made with the user's umask, unlike ``mkdtemp``)."""
    for _ in range(100):
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"cannot create a temporary folder in {parent}")  # pragma: no cover


def _replace_dir(new: Path, dest: Path) -> None:
    """Move ``new`` to ``dest``; a previous ``dest`` is swapped out and removed afterwards."""
    if not dest.exists():
        os.replace(new, dest)
        return
    old = _make_dir(dest.parent, f".{dest.name}.old-")
    os.replace(dest, old / dest.name)
    try:
        os.replace(new, dest)
    except OSError:
        os.replace(old / dest.name, dest)  # put the previous report back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


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


def _tidy_executed(path: Path, stem: str) -> None:
    """Replace the temporary paths papermill records in the executed notebook by file names."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    meta = nb.metadata.get("papermill", {})
    if meta:
        meta["input_path"] = f"{stem}.ipynb"
        meta["output_path"] = f"{stem}.ipynb"
        nbformat.write(nb, path)


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
) -> tuple[NotebookRun, dict[str, Any]]:
    """Execute one notebook into ``folder``, write its HTML; its outcome and manifest record."""
    from crmlab.report import manifest as _manifest
    from crmlab.report.execute import execute_notebook

    if stream is not None:
        stream.write(f"{label} ... ")
        stream.flush()
    before = {p.name for p in folder.iterdir()}
    executed = folder / f"{info.stem}.ipynb"
    outcome = execute_notebook(
        info.path,
        executed,
        overrides,
        cwd=folder,
        log_path=logs / f"{info.stem}.log",
        stem=info.stem,
    )
    status = "ok" if outcome.error is None else "failed"
    if stream is not None:
        stream.write(f"{status} ({outcome.duration_s:.1f} s)\n")
        stream.flush()
    names = []
    if executed.is_file():
        _tidy_executed(executed, info.stem)
        full, client = folder / f"{info.stem}.html", folder / f"{info.stem}.client.html"
        writer.write(executed, full, client, _header_values(info, started, status))
        names += [executed.name, full.name, client.name]
    if outcome.error is not None and outcome.kernel_log.strip():
        log_name = f"{info.stem}.kernel.log"
        (folder / log_name).write_text(outcome.kernel_log + "\n", encoding="utf-8")
        names.append(log_name)
    extra = sorted({p.name for p in folder.iterdir()} - before - set(names))  # written by cells
    defaults = {p.name: p.default if p.literal else p.default_source for p in info.parameters}
    used = {**defaults, **overrides}
    err = outcome.error
    run = NotebookRun(
        notebook=info.stem,
        title=info.title,
        status=status,
        duration_s=round(outcome.duration_s, 3),
        parameters=used,
        error=err,
        outputs=tuple(names + extra),
    )
    record = {
        "notebook": info.stem,
        "title": info.title,
        "status": status,
        "duration_s": run.duration_s,
        "parameters": used,
        "overrides": sorted(overrides),
        "source": _manifest.file_record(info.path, info.path.name),
        "inputs": _manifest.input_files(
            used, [p.name for p in info.parameters if p.is_path], bundled
        ),
        "outputs": list(run.outputs),
        "error": None
        if err is None
        else {"cell": err.cell, "ename": err.ename, "evalue": err.evalue, "message": str(err)},
    }
    return run, record


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
        (an int is accepted for a float). A name no selected notebook declares is an error.
    out : path-like, optional
        The run folder. It must not exist, be empty, or be a previous crmlab run folder (which is
        replaced only if the new run succeeds). Default ``<reports_dir>/<run-id>``, and then
        ``<reports_dir>/latest`` is pointed at it.
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

    Returns
    -------
    RunResult
        Run folder and per-notebook status.

    Raises
    ------
    crmlab.errors.ParameterError
        Unknown notebook or parameter, wrong type, unusable ``out``; raised before any kernel
        starts and before any folder is created.
    crmlab.errors.NotebookError
        A notebook failed (only with ``raise_on_error``); the message names the notebook, the
        code cell, the error and the folder keeping the failed run.

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

    started = _utc_now()
    run_id_base = started.strftime("%Y%m%d-%H%M%S")
    use_default = out is None
    reports = Path(reports_dir) if reports_dir is not None else Path.cwd() / "reports"
    if use_default:
        reports.mkdir(parents=True, exist_ok=True)
        run_id = _free_name(reports, run_id_base)
        dest = reports / run_id
    else:
        dest = Path(out).expanduser().absolute()
        _check_destination(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        run_id = run_id_base
    stream = _progress_stream(progress)

    from crmlab.report import manifest as _manifest
    from crmlab.report.html import ReportWriter, write_index

    tmp = _make_dir(dest.parent, f".{dest.name}.tmp-")
    logs = Path(tempfile.mkdtemp(prefix="crmlab-kernel-logs-"))
    try:
        try:
            from crmlab._paths import data_dir

            bundled = _manifest.bundled_files(data_dir())
        except FileNotFoundError:
            bundled = []
        writer = ReportWriter()
        runs: list[NotebookRun] = []
        records: list[dict[str, Any]] = []
        clock = time.perf_counter()
        for i, info in enumerate(selected, start=1):
            run, record = _run_one(
                info,
                overrides[info.stem],
                folder=tmp,
                logs=logs,
                writer=writer,
                stream=stream,
                label=f"[{i}/{len(selected)}] {info.stem}",
                started=started,
                bundled=bundled,
            )
            runs.append(run)
            records.append(record)
        finished = _utc_now()
        ok = all(r.status == "ok" for r in runs)
        env = _manifest.environment()
        manifest = {
            "manifest_format": MANIFEST_FORMAT,
            "run_id": run_id,
            "status": "ok" if ok else "failed",
            "started_at": _iso(started),
            "finished_at": _iso(finished),
            "duration_s": round(time.perf_counter() - clock, 3),
            "command": list(command) if command is not None else None,
            "notebooks_dir": str(selected[0].path.parent),
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

        # ---- 3. move into place, or aside ---------------------------------------------------
        if ok:
            if use_default and dest.exists():
                run_id = _free_name(reports, run_id_base)
                dest = reports / run_id
            _replace_dir(tmp, dest)
            final = dest
            if use_default:
                _point_latest(reports, dest.name)
        else:
            failed_root = dest.parent / FAILED_DIR
            failed_root.mkdir(exist_ok=True)
            final = failed_root / _free_name(failed_root, run_id)
            os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(logs, ignore_errors=True)

    result = RunResult(run_id=run_id, run_dir=final, destination=dest, notebooks=tuple(runs))
    if not result.ok and raise_on_error:
        first = result.failed[0].error or NotebookError(
            "failed", notebook=result.failed[0].notebook
        )
        raise NotebookError(
            f"{first} ({len(result.failed)} of {len(runs)} notebooks failed; "
            f"{dest} was not written; the run, failures marked, is in {final})",
            notebook=first.notebook,
            cell=first.cell,
            ename=first.ename,
            evalue=first.evalue,
        )
    return result
