"""What a run records so that a researcher can diff two runs: versions, inputs, timings."""

from __future__ import annotations

import glob
import hashlib
import os
import platform
import re
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path
from typing import Any

__all__ = ["declared_packages", "environment", "file_record", "input_files", "sha256_file"]

_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_packages() -> list[str]:
    """The runtime requirements crmlab declares (its installed metadata), canonical names.

    Requirements of optional extras (``dev``, ``spark``) are left out: they do not take part in
    a report. When crmlab is not installed (a bare checkout on ``PYTHONPATH``) the list is empty.
    """
    try:
        requirements = requires("crmlab") or []
    except PackageNotFoundError:
        return []
    names = []
    for text in requirements:
        requirement, _, marker = text.partition(";")
        if "extra" in marker:
            continue
        match = _REQUIREMENT_NAME.match(requirement)
        if match and _canonical(match.group(1)) not in names:
            names.append(_canonical(match.group(1)))
    return sorted(names)


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """crmlab, Python and dependency versions (:func:`declared_packages`), and the platform."""
    from crmlab import __version__

    return {
        "crmlab_version": __version__,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": {name: _version(name) for name in declared_packages()},
    }


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_record(path: Path, shown: str | None = None) -> dict[str, Any]:
    """``{"path", "bytes", "sha256"}`` of one file."""
    return {
        "path": shown if shown is not None else str(path),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
    }


def _expand(pattern: str) -> list[Path]:
    """Files a path parameter designates, as the readers take it: the file, or a glob's files.

    A folder is never walked (the runner refuses one before any kernel starts), a device or a
    pipe never opened, and a pattern matches regular files only, one folder level per ``*``.
    """
    if os.path.lexists(pattern) or not glob.has_magic(pattern):
        return [Path(pattern)] if os.path.isfile(pattern) else []
    path = Path(pattern).expanduser()  # matched as crmlab.io.read_transactions matches it
    anchor = Path(path.anchor) if path.is_absolute() else Path()
    parts = path.parts[1:] if path.is_absolute() else path.parts
    if not parts or "**" in parts:
        return []
    return sorted(p for p in anchor.glob(str(Path(*parts))) if p.is_file())


def bundled_files(data_dir: Path | None) -> list[dict[str, Any]]:
    """Records of every bundled data file (paths relative to the data folder)."""
    if data_dir is None or not data_dir.is_dir():
        return []
    return [
        file_record(f, f.relative_to(data_dir).as_posix())
        for f in sorted(data_dir.rglob("*"))
        if f.is_file() and not f.name.startswith(".")
    ]


def input_files(
    parameters: Mapping[str, Any],
    path_names: Iterable[str],
    bundled: list[dict[str, Any]],
) -> dict[str, Any]:
    """The files a notebook read, hashed.

    Every ``*_path`` parameter with a non-empty value is expanded (a file, or a glob's matching
    files; never a folder's contents) and each file hashed; a value matching nothing is recorded
    as missing. When a
    ``*_path`` parameter is empty, or the notebook has none, the notebook reads crmlab's bundled
    data, so the bundled files' hashes are recorded too.
    """
    files: list[dict[str, Any]] = []
    uses_bundled = True
    names = list(path_names)
    if names:
        uses_bundled = False
    for name in names:
        value = parameters.get(name)
        if not value:
            uses_bundled = True
            continue
        if not isinstance(value, str):
            continue
        found = _expand(value)
        if not found:
            files.append({"parameter": name, "path": value, "missing": True})
        for f in found:
            files.append({"parameter": name, **file_record(f)})
    return {"files": files, "bundled_data": bundled if uses_bundled else []}
