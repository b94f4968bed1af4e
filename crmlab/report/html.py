"""Self-contained HTML: the full and the client report of a notebook, and the run's index.

Reports are opened offline by clients, so nothing is fetched from the network: figures are inlined
as base64 PNG by nbconvert, and crmlab's template (``crmlab/templates/crmlab_report``, found through :mod:`crmlab._paths`) removes
the
require.js, MathJax and mermaid links of JupyterLab's template; formulas are converted to MathML,
which browsers render natively (:mod:`crmlab.report.math`).
The client version has no code, no prompts and no stderr output. Every value the runner writes
itself (titles, parameter values, errors, file names) is HTML-escaped: the run's ``index.html`` is
rendered from a Jinja2 template with autoescape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from crmlab._paths import templates_dir

__all__ = ["ReportWriter", "write_index"]

TEMPLATE = "crmlab_report"
INDEX_TEMPLATE_DIR = "run_index"
INDEX_TEMPLATE = "index.html.j2"


class ReportWriter:
    """Converts executed notebooks to the full and the client HTML (exporters built once)."""

    def __init__(self) -> None:
        from nbconvert import HTMLExporter

        common = {
            "template_name": TEMPLATE,
            "extra_template_basedirs": [str(templates_dir())],
            "embed_images": True,
        }
        self._full = HTMLExporter(**common)
        self._client = HTMLExporter(
            **common, exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
        )

    def write(self, notebook: Path, full: Path, client: Path, header: Mapping[str, Any]) -> None:
        """Write both HTML versions of the executed ``notebook``.

        ``header`` holds ``title``, ``run_date``, ``version`` and ``status`` (shown escaped).
        """
        import nbformat

        from crmlab.report.math import notebook_math_to_mathml

        nb, restore_math = notebook_math_to_mathml(nbformat.read(notebook, as_version=4))
        for exporter, target, is_client in (
            (self._full, full, False),
            (self._client, client, True),
        ):
            resources = {
                "metadata": {"name": str(header.get("title", notebook.stem))},
                "crmlab": {**header, "client": is_client},
            }
            body, _ = exporter.from_notebook_node(nb, resources=resources)
            target.write_text(restore_math(body), encoding="utf-8")


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


@cache
def _index_template() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / INDEX_TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(INDEX_TEMPLATE)


def write_index(path: Path, run: Mapping[str, Any], notebooks: Sequence[Mapping[str, Any]]) -> None:
    """Write the run's ``index.html``: one row per notebook linking its client report.

    The page is rendered from ``crmlab/templates/run_index/index.html.j2`` by Jinja2 with
    autoescape on: every value (titles, parameter values, errors, file names) is shown as text.

    Parameters
    ----------
    path : pathlib.Path
        Where to write.
    run : mapping
        ``run_id``, ``started_at``, ``crmlab_version``.
    notebooks : sequence of mapping
        Per notebook: ``notebook`` (stem), ``title``, ``status``, ``duration_s``,
        ``parameters`` (all values used), ``overrides`` (names given by the user),
        ``error`` (mapping with ``message`` or None), ``outputs`` (file names), ``notes``
        (data notes: ``{"category", "message", "count"}``, optional).
    """
    rows = []
    for nb in notebooks:
        outputs = set(nb.get("outputs", []))
        stem = str(nb["notebook"])
        client, full, ipynb = f"{stem}.client.html", f"{stem}.html", f"{stem}.ipynb"
        status = str(nb.get("status", ""))
        overrides = set(nb.get("overrides", []))
        duration = nb.get("duration_s")
        rows.append(
            {
                "stem": stem,
                "title": str(nb.get("title") or stem),
                "client": client if client in outputs else "",
                "links": [
                    {"href": name, "label": label}
                    for name, label in ((full, "full report with code"), (ipynb, "notebook"))
                    if name in outputs
                ],
                "status": status,
                "status_class": status if status in ("ok", "prepared") else "failed",
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
        )
    page = _index_template().render(
        run={
            "run_id": str(run.get("run_id", "")),
            "started_at": str(run.get("started_at", "")),
            "crmlab_version": str(run.get("crmlab_version", "")),
        },
        rows=rows,
        n_failed=sum(1 for r in rows if r["status_class"] == "failed"),
        n_prepared=sum(1 for r in rows if r["status"] == "prepared"),
        n_ok=sum(1 for r in rows if r["status"] == "ok"),
    )
    path.write_text(page, encoding="utf-8")
