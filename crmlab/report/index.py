"""The run's two index pages: ``index.html`` for the consultant, ``index.client.html`` for the client.

Both are rendered from Jinja2 templates (``crmlab/templates/run_index/``, found through
:mod:`crmlab._paths`) with autoescape on, so every value (titles, parameter values, errors,
file names, client names) is shown as text.

- ``index.html`` (the consultant's and researcher's view): per notebook its status, time,
  parameters (those set for the run in bold), data notes, errors, and links to the client
  report, the client PDF, the full report with code, the executed notebook and the exports.
- ``index.client.html`` (the view to send with the pack): only what a client receives: the
  client reports, their PDFs and the exports of the notebooks that succeeded. No teaching
  report, no notebook or code, no parameters, errors, versions or manifest.

Both list every export with its row count (per sheet for a workbook), size and SHA-256, the same
records ``manifest.json`` holds, so a client can check that the files are the ones sent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from crmlab._paths import templates_dir

__all__ = ["CLIENT_INDEX", "client_files", "export_links", "write_index"]

TEMPLATE_DIR = "run_index"
#: The consultant's index template and the client view's.
TEMPLATE, CLIENT_TEMPLATE = "index.html.j2", "index.client.html.j2"
#: File name of the client view, beside ``index.html``.
CLIENT_INDEX = "index.client.html"


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _size(n: Any) -> str:
    if not isinstance(n, int):
        return ""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return ""  # pragma: no cover


def export_links(records: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Index rows of a notebook's exports (in the records' order: the workbook last).

    Each row: ``href`` (path in the run folder), ``label`` (file name and rows), ``rows``
    (lines: ``["2,357 rows"]``, or one per sheet of a workbook), ``size`` and ``sha256``.
    """
    from crmlab import text

    links = []
    for rec in records:
        href = str(rec.get("path", ""))
        name = href.rsplit("/", 1)[-1]
        rows = rec.get("rows")
        if rows is not None:
            lines = [f"{text.count(rows)} rows"]
        else:
            lines = [
                f"sheet {s.get('sheet', '')}: {text.count(s.get('rows', 0))} rows"
                for s in rec.get("sheets") or []
                if isinstance(s, Mapping)
            ]
        links.append(
            {
                "href": href,
                "label": f"{name} ({lines[0]})" if rows is not None else name,
                "name": name,
                "rows": lines,
                "size": _size(rec.get("bytes")),
                "sha256": str(rec.get("sha256", "")),
            }
        )
    return links


def _value_text(value: Any) -> str:
    if isinstance(value, str | list | dict):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _status_class(status: str) -> str:
    return status if status in ("ok", "prepared") else "failed"


def _row(nb: Mapping[str, Any]) -> dict[str, Any]:
    outputs = set(nb.get("outputs", []))
    stem = str(nb["notebook"])
    client, full, ipynb = f"{stem}.client.html", f"{stem}.html", f"{stem}.ipynb"
    pdf = f"{stem}.client.pdf"
    status = str(nb.get("status", ""))
    overrides = set(nb.get("overrides", []))
    duration = nb.get("duration_s")
    return {
        "stem": stem,
        "title": str(nb.get("title") or stem),
        "client": client if client in outputs else "",
        "pdf": pdf if pdf in outputs else "",
        "links": [
            {"href": name, "label": label}
            for name, label in (
                (pdf, "client PDF"),
                (full, "full report with code"),
                (ipynb, "notebook"),
            )
            if name in outputs
        ],
        "exports": export_links(nb.get("exports") or []),
        "status": status,
        "status_class": _status_class(status),
        "error": str((nb.get("error") or {}).get("message", "")),
        "duration": "" if duration is None else f"{float(duration):.1f} s",
        "notes": [
            {"message": str(n.get("message", "")), "count": int(n.get("count", 1))}
            for n in nb.get("notes") or []
        ],
        "parameters": [
            {"name": str(name), "value": _value_text(value), "override": name in overrides}
            for name, value in (nb.get("parameters") or {}).items()
        ],
    }


def _client_name(notebooks: Sequence[Mapping[str, Any]]) -> str:
    for nb in notebooks:
        name = (nb.get("parameters") or {}).get("client_name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return ""


def client_files(notebooks: Sequence[Mapping[str, Any]]) -> list[str]:
    """The files of the pack a client receives: client reports, PDFs and exports, in order.

    Only notebooks with status ``ok`` count; paths are relative to the run folder.
    """
    files: list[str] = []
    for nb in notebooks:
        if nb.get("status") != "ok":
            continue
        row = _row(nb)
        files += [name for name in (row["client"], row["pdf"]) if name]
        files += [link["href"] for link in row["exports"]]
    return files


def write_index(path: Path, run: Mapping[str, Any], notebooks: Sequence[Mapping[str, Any]]) -> None:
    """Write the run's ``index.html`` and, beside it, its client view ``index.client.html``.

    The client view is written only when at least one notebook succeeded with a client report
    or exports (a dry run has none); ``index.html`` links it then.

    Parameters
    ----------
    path : pathlib.Path
        Where to write ``index.html``; the client view goes to ``path.parent / CLIENT_INDEX``.
    run : mapping
        ``run_id``, ``started_at``, ``crmlab_version``.
    notebooks : sequence of mapping
        Per notebook (the manifest's records): ``notebook`` (stem), ``title``, ``status``,
        ``duration_s``, ``parameters`` (all values used; ``client_name`` names the client in
        the client view), ``overrides`` (names given by the user), ``error`` (mapping with
        ``message`` or None), ``outputs`` (file names), ``notes`` (data notes: ``{"category",
        "message", "count"}``, optional), ``exports`` (records of
        :func:`crmlab.report.exports.collect`, optional).
    """
    rows = [_row(nb) for nb in notebooks]
    values = {
        "run": {
            "run_id": str(run.get("run_id", "")),
            "started_at": str(run.get("started_at", "")),
            "crmlab_version": str(run.get("crmlab_version", "")),
        },
        "client_name": _client_name(notebooks),
        "client_index": CLIENT_INDEX,
    }
    page = (
        _environment()
        .get_template(TEMPLATE)
        .render(
            **values,
            rows=rows,
            n_failed=sum(1 for r in rows if r["status_class"] == "failed"),
            n_prepared=sum(1 for r in rows if r["status"] == "prepared"),
            n_ok=sum(1 for r in rows if r["status"] == "ok"),
        )
    )
    path.write_text(page, encoding="utf-8")
    delivered = [r for r in rows if r["status"] == "ok" and (r["client"] or r["exports"])]
    if not delivered:
        return  # a dry run, or nothing succeeded: nothing to send
    client = _environment().get_template(CLIENT_TEMPLATE).render(**values, rows=delivered)
    (path.parent / CLIENT_INDEX).write_text(client, encoding="utf-8")
