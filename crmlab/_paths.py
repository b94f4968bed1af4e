"""Where crmlab's notebooks and bundled data live.

In a source checkout they are the top-level ``notebooks/`` and ``data/`` folders; in an installed
wheel they are ``crmlab/_notebooks/`` and ``crmlab/_data/`` (hatchling ``force-include``). The
report templates are package data in ``crmlab/templates/`` either way. This is the only module
that knows these locations.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "data_file", "notebooks_dir", "templates_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _checkout_root() -> Path | None:
    root = _PACKAGE.parent
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and 'name = "crmlab"' in pyproject.read_text(encoding="utf-8"):
        return root
    return None


def _resolve(checkout_name: str, installed_name: str) -> Path:
    installed = _PACKAGE / installed_name
    if installed.is_dir():
        return installed
    root = _checkout_root()
    if root is not None and (root / checkout_name).is_dir():
        return root / checkout_name
    raise FileNotFoundError(
        f"crmlab cannot find its {checkout_name}/ folder (looked in {installed} and next to "
        "the source tree); reinstall crmlab with `pip install .` from a checkout."
    )


def notebooks_dir() -> Path:
    """The folder holding the ``NN_*.ipynb`` notebooks."""
    return _resolve("notebooks", "_notebooks")


def data_dir() -> Path:
    """The folder holding the bundled data sets."""
    return _resolve("data", "_data")


def data_file(name: str) -> Path:
    """Path of one bundled data file; raises ``FileNotFoundError`` naming the folder searched."""
    path = data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"bundled data file {name!r} is missing from {path.parent}")
    return path


def templates_dir() -> Path:
    """The folder of crmlab's report templates (nbconvert's ``crmlab_report``, the run index)."""
    path = _PACKAGE / "templates"
    if not path.is_dir():
        raise FileNotFoundError(
            f"crmlab's templates folder {path} is missing; reinstall crmlab with `pip install .`"
        )
    return path
