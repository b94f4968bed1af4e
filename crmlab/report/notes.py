"""Data notes: the ``CrmlabWarning``s a notebook raises, recorded in its kernel, read by the runner.

The runner starts every report kernel with this module loaded as an IPython extension
(``--ext crmlab.report.notes``) and the environment variable :data:`NOTES_ENV` naming a file in
the run's work folder. :func:`install` then records every warning of category
:class:`crmlab.errors.CrmlabWarning` (duplicates kept or dropped, returns dropped, zero amounts,
a model not identified, ...) as one JSON line in that file, the moment it is shown, so the notes
of a notebook that fails half-way are kept too. In the notebook itself each distinct message is
shown once, as before. After the run, :func:`read_notes` gives the distinct notes with their
counts, which the runner prints after the notebook's progress line and writes to
``manifest.json``, ``index.html`` and the executed notebook's ``metadata["crmlab"]["notes"]``.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from crmlab.errors import CrmlabWarning

__all__ = ["NOTES_ENV", "install", "load_ipython_extension", "read_notes"]

#: Environment variable naming the file a report kernel appends its notes to.
NOTES_ENV = "CRMLAB_NOTES_FILE"


def install(path: str | os.PathLike[str] | None) -> None:
    """Record every CrmlabWarning shown from now on as a JSON line in ``path`` (None: no-op).

    Every CrmlabWarning reaches the hook (the filter ``always`` is added for the category, so
    repeats are counted); each distinct message is passed on to the previous
    ``warnings.showwarning`` once, so the notebook's output looks as without the hook.
    """
    if not path:
        return
    target = Path(path)
    original = warnings.showwarning
    shown: set[tuple[str, str]] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        if isinstance(category, type) and issubclass(category, CrmlabWarning):
            key = (category.__name__, str(message))
            try:
                with target.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"category": key[0], "message": key[1]}) + "\n")
            except OSError:  # a note must never break the notebook
                pass
            if key in shown:
                return
            shown.add(key)
        original(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    warnings.filterwarnings("always", category=CrmlabWarning)


def load_ipython_extension(ipython: Any) -> None:
    """IPython entry point: :func:`install` with the file named by :data:`NOTES_ENV`."""
    install(os.environ.get(NOTES_ENV))


def read_notes(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The distinct notes recorded in ``path``, in order of first appearance, with counts.

    Returns
    -------
    list of dict
        ``{"category": str, "message": str, "count": int}``; empty when the file is missing.
        Lines that are not valid records (a kernel killed mid-write) are skipped.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    notes: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        try:
            record = json.loads(line)
            key = (str(record["category"]), str(record["message"]))
        except (ValueError, KeyError, TypeError):
            continue
        if key in notes:
            notes[key]["count"] += 1
        else:
            notes[key] = {"category": key[0], "message": key[1], "count": 1}
    return list(notes.values())
