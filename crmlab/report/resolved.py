"""Parameter values a notebook resolves itself, recorded for the manifest and the assumptions box.

Some parameters mean "decide from the data" when left empty: notebook 03's ``calibration_end``
becomes the date of the two-thirds rule (or CDNOW's published 1997-09-30 on the bundled data).
The manifest and the client report's assumptions box must show that date, not ``""``. The
notebook says which value it used with :func:`record_resolved` (one line, after it computed it);
the call adds an output of its own media type (:data:`MIMETYPE`, with a ``text/plain`` line for
Jupyter) to the cell, so the executed notebook itself carries the value. After the notebook ran, the runner reads those outputs
(:func:`read_resolved`) and :func:`apply` puts each value into the parameter's provenance
(``metadata["crmlab"]["parameters"]``, marked ``"resolved": true``) and into the manifest's
``parameters``, with ``resolved`` listing what the notebook declared and what it used. The
reports never show these outputs (:func:`strip_records`).

Only parameters the notebook declares and the run did not set count: a value given on the
command line is the value used.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = ["MIMETYPE", "apply", "read_resolved", "record_resolved", "strip_records"]

#: Media type of the outputs :func:`record_resolved` adds to a notebook.
MIMETYPE = "application/vnd.crmlab.resolved+json"


def _plain(value: Any) -> Any:
    """``value`` as JSON: dates as ISO text (a midnight as the date alone), numpy as Python."""
    if isinstance(value, _dt.datetime):  # pandas Timestamp included
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return _plain(value.item())
    return json.loads(json.dumps(value, default=str))


def record_resolved(name: str, value: Any) -> None:
    """In a notebook: record the value used for parameter ``name`` (e.g. a computed default).

    Parameters
    ----------
    name : str
        The parameter, as declared in the notebook's ``parameters`` cell.
    value : Any
        The value the notebook used; dates and timestamps are recorded as ISO text.

    Outside IPython (a script) nothing happens.

    Examples
    --------
    >>> cal_end = clv.calibration_end_or_default(calibration_end, tx)  # doctest: +SKIP
    >>> record_resolved("calibration_end", cal_end)  # doctest: +SKIP
    """
    from IPython.core.interactiveshell import InteractiveShell

    if not InteractiveShell.initialized():
        return
    from IPython.display import publish_display_data

    plain = _plain(value)
    shown = f"{name} used: {plain}"  # what Jupyter shows; the reports never do
    publish_display_data({"text/plain": shown, MIMETYPE: {"name": str(name), "value": plain}})


def _records(cell: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    for output in cell.get("outputs") or []:
        data = output.get("data") or {}
        record = data.get(MIMETYPE)
        if isinstance(record, Mapping) and isinstance(record.get("name"), str):
            found.append(record)
    return found


def read_resolved(nb: Any) -> dict[str, Any]:
    """``{name: value}`` recorded by :func:`record_resolved` in an executed notebook (last wins).

    ``nb`` is a notebook node or a path to one.
    """
    if not hasattr(nb, "cells"):
        import nbformat

        nb = nbformat.read(nb, as_version=4)
    out: dict[str, Any] = {}
    for cell in nb.cells:
        for record in _records(cell):
            out[str(record["name"])] = record.get("value")
    return out


def apply(
    resolved: Mapping[str, Any],
    provenance: MutableMapping[str, Any],
    parameters: MutableMapping[str, Any],
    overrides: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """Put the resolved values into a notebook's provenance and manifest parameters.

    Parameters
    ----------
    resolved : mapping
        :func:`read_resolved` of the executed notebook.
    provenance : mutable mapping
        ``{name: {"value", "given", "help"}}`` (the executed notebook's
        ``metadata["crmlab"]["parameters"]``); a resolved entry gets the used ``value`` and
        ``"resolved": True``, and keeps ``"given": False`` (it is still an assumption).
    parameters : mutable mapping
        The manifest's ``parameters`` of the notebook (every value used): updated.
    overrides : mapping
        The values set for this run: those parameters are not replaced.

    Returns
    -------
    dict
        ``{name: {"declared": <the notebook's value>, "value": <the value used>}}`` for the
        manifest's ``resolved``.
    """
    out: dict[str, dict[str, Any]] = {}
    for name, value in resolved.items():
        entry = provenance.get(name)
        if name in overrides or not isinstance(entry, MutableMapping):
            continue
        out[name] = {"declared": entry.get("value"), "value": value}
        entry["value"] = value
        entry["resolved"] = True
        parameters[name] = value
    return out


def strip_records(nb: Any) -> Any:
    """``nb`` without the outputs of :func:`record_resolved` (changed in place, returned)."""
    for cell in nb.cells:
        if cell.get("outputs"):
            cell["outputs"] = [o for o in cell["outputs"] if MIMETYPE not in (o.get("data") or {})]
    return nb
