"""crmlab: customer relationship management analytics.

A tested library (this package) behind parameterized notebooks that papermill runs into reports.
Importing crmlab changes no global state: no pandas options, no warning filters, no backends.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crmlab")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = ["__version__"]
