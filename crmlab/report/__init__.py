"""The report runner: parameterized notebooks executed by papermill into a run folder.

``run_notebooks`` validates parameters before any kernel starts, executes each notebook into a
temporary folder, writes the executed notebook, a full and a client HTML report per notebook, an
``index.html`` and a ``manifest.json``, and moves the folder into place only when every notebook
succeeded (see :mod:`crmlab.report.run` for the failure policy). ``list_notebooks`` tells which
notebooks and parameters there are. The ``crmlab`` command (:mod:`crmlab.cli`) is a thin layer
over both.
"""

from __future__ import annotations

from crmlab.report.exports import export
from crmlab.report.parameters import (
    NotebookInfo,
    NotebookParameter,
    list_notebooks,
)
from crmlab.report.paramfile import load_parameter_file
from crmlab.report.resolved import record_resolved
from crmlab.report.run import NotebookRun, RunResult, run_notebooks

__all__ = [
    "NotebookInfo",
    "NotebookParameter",
    "NotebookRun",
    "RunResult",
    "export",
    "list_notebooks",
    "load_parameter_file",
    "record_resolved",
    "run_notebooks",
]
