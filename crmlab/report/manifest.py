"""What a run records so that a researcher can diff two runs: versions, inputs, timings."""

from __future__ import annotations

import glob
import hashlib
import os
import platform
import sys
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["environment", "file_record", "input_files", "sha256_file"]

#: Packages whose versions every manifest records.
PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "lifetimes",
    "papermill",
    "matplotlib",
    "seaborn",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "pyarrow",
)


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def environment() -> dict[str, Any]:
    """crmlab, Python and dependency versions, and the platform."""
    from crmlab import __version__

    return {
        "crmlab_version": __version__,
        "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": {name: _version(name) for name in PACKAGES},
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
    """Files a path parameter designates: the file, every file of a folder, or a glob's matches."""
    matches = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
    files: list[Path] = []
    for match in matches:
        p = Path(match)
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
    return files


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

    Every ``*_path`` parameter with a non-empty value is expanded (a file, a folder's files, or a
    glob's matches) and each file hashed; a value matching nothing is recorded as missing. When a
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
