"""Deprecated: the notebook-facing CLV tables moved to :mod:`crmlab.clv.selection`,
:mod:`crmlab.clv.actions`, :mod:`crmlab.clv.tables` and :mod:`crmlab.clv.findings` (all of them
importable from :mod:`crmlab.clv`)."""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = {
    "MODELS": "selection",
    "make_models": "selection",
    "best_model": "selection",
    "default_calibration_end": "selection",
    "CLV_TIERS": "actions",
    "ACTION_RULES": "actions",
    "action_rules": "actions",
    "clv_segments": "actions",
    "action_table": "actions",
    "action_summary": "actions",
    "parameter_table": "tables",
    "spend_frequency_check": "tables",
    "clv_crosstab": "tables",
    "clv_findings": "findings",
}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import importlib

        module = f"crmlab.clv.{_MOVED[name]}"
        warnings.warn(
            f"crmlab.clv.report is deprecated; import {name} from crmlab.clv ({module}).",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
