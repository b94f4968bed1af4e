"""Exception and warning types of crmlab.

Every error a user can cause raises one of these, with a message that names what is wrong, where
(column, rows, parameter) and what to do about it. Attributes carry the same facts for programs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ConvergenceError",
    "CrmlabError",
    "CrmlabWarning",
    "DataError",
    "NotFittedError",
    "NotebookError",
    "ParameterError",
]


class CrmlabError(Exception):
    """Base class of every crmlab exception."""


class DataError(CrmlabError, ValueError):
    """Input data that cannot be used as it is.

    Attributes
    ----------
    column : str or None
        The offending column (as the user named it), when one is to blame.
    rows : list
        Up to five offending rows: file line numbers when read from a file (the header is line 1),
        index labels otherwise.
    """

    def __init__(
        self, message: str, *, column: str | None = None, rows: Sequence[Any] | None = None
    ) -> None:
        super().__init__(message)
        self.column = column
        self.rows = list(rows) if rows is not None else []


class ParameterError(CrmlabError, ValueError):
    """A parameter (of a function, a model or a notebook) that is unknown or of the wrong type.

    Attributes
    ----------
    parameter : str or None
        The parameter's name.
    """

    def __init__(self, message: str, *, parameter: str | None = None) -> None:
        super().__init__(message)
        self.parameter = parameter


class ConvergenceError(CrmlabError, RuntimeError):
    """A model fit that did not converge or that the data cannot identify.

    Attributes
    ----------
    reason : str or None
        Machine-readable cause, e.g. ``"parameter_at_bound"``, ``"flat_likelihood"``,
        ``"too_few_distinct_rows"``, ``"no_repeat_customers"``, ``"not_converged"``.
    parameter : str or None
        The parameter to blame (e.g. the one at the bound of the search), when there is one.
    """

    def __init__(
        self, message: str, *, reason: str | None = None, parameter: str | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.parameter = parameter


class NotFittedError(CrmlabError, AttributeError):
    """A fitted quantity was asked of a model before ``fit`` was called."""


class NotebookError(CrmlabError, RuntimeError):
    """A notebook failed while the runner executed it.

    Attributes
    ----------
    notebook : str
        The notebook's stem, e.g. ``00_customer_base``.
    cell : int or None
        The 1-based index of the failing code cell.
    ename, evalue : str
        The exception's name and message inside the kernel.
    """

    def __init__(
        self,
        message: str,
        *,
        notebook: str,
        cell: int | None = None,
        ename: str = "",
        evalue: str = "",
    ) -> None:
        super().__init__(message)
        self.notebook = notebook
        self.cell = cell
        self.ename = ename
        self.evalue = evalue


class CrmlabWarning(UserWarning):
    """Warnings issued by crmlab (dropped rows, data quality, weak identification...)."""
