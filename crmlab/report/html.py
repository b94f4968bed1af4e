"""Self-contained HTML: the full and the client report of a notebook, and the run's index.

Reports are opened offline by clients, so nothing is fetched from the network: figures are inlined
as base64 PNG by nbconvert, and crmlab's template (``crmlab/templates/crmlab_report``) removes the
require.js, MathJax and mermaid links of JupyterLab's template; formulas are converted to MathML,
which browsers render natively (:mod:`crmlab.report.math`).
The client version has no code, no prompts and no stderr output. Every value the runner writes
itself (titles, parameter values, errors, file names) is HTML-escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["ReportWriter", "write_index"]

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
TEMPLATE = "crmlab_report"


class ReportWriter:
    """Converts executed notebooks to the full and the client HTML (exporters built once)."""

    def __init__(self) -> None:
        from nbconvert import HTMLExporter

        common = {
            "template_name": TEMPLATE,
            "extra_template_basedirs": [str(TEMPLATES)],
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


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


_INDEX_CSS = """
body { font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif;
  max-width: 1100px; margin: 32px auto; padding: 0 24px; color: #1f2328; }
h1 { font-size: 1.6em; margin-bottom: 4px; }
.meta { color: #57606a; margin-top: 0; }
table { border-collapse: collapse; width: 100%; margin-top: 16px; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid #d0d7de; }
th { background: #f6f8fa; }
.ok { color: #1a7f37; font-weight: 600; }
.failed { color: #b42318; font-weight: 600; }
.params { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em; }
.params .override { font-weight: 700; }
.error { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 0.85em;
  color: #b42318; }
.small { font-size: 0.85em; color: #57606a; }
"""


def write_index(path: Path, run: Mapping[str, Any], notebooks: Sequence[Mapping[str, Any]]) -> None:
    """Write the run's ``index.html``: one row per notebook linking its client report.

    Parameters
    ----------
    path : pathlib.Path
        Where to write.
    run : mapping
        ``run_id``, ``started_at``, ``crmlab_version``, ``status``.
    notebooks : sequence of mapping
        Per notebook: ``notebook`` (stem), ``title``, ``status``, ``duration_s``,
        ``parameters`` (all values used), ``overrides`` (names given by the user),
        ``error`` (mapping with ``message`` or None), ``outputs`` (file names).
    """
    rows = []
    for nb in notebooks:
        outputs = set(nb.get("outputs", []))
        stem = str(nb["notebook"])
        client, full, ipynb = f"{stem}.client.html", f"{stem}.html", f"{stem}.ipynb"
        title = _e(nb.get("title") or stem)
        title_cell = f'<a href="{_e(client)}">{title}</a>' if client in outputs else title
        links = " &middot; ".join(
            f'<a href="{_e(name)}">{label}</a>'
            for name, label in ((full, "full report with code"), (ipynb, "notebook"))
            if name in outputs
        )
        status = str(nb.get("status", ""))
        status_html = f'<span class="{"ok" if status == "ok" else "failed"}">{_e(status)}</span>'
        error = nb.get("error") or {}
        if error:
            status_html += f'<div class="error">{_e(error.get("message", ""))}</div>'
        overrides = set(nb.get("overrides", []))
        params = "<br>".join(
            f'<span class="{"override" if name in overrides else ""}">{_e(name)} = '
            f"{_e(_value_text(value))}</span>"
            for name, value in nb.get("parameters", {}).items()
        )
        duration = nb.get("duration_s")
        rows.append(
            "<tr>"
            f'<td>{title_cell}<div class="small">{_e(stem)}</div>'
            f'<div class="small">{links}</div></td>'
            f"<td>{status_html}</td>"
            f"<td>{'' if duration is None else f'{float(duration):.1f} s'}</td>"
            f'<td class="params">{params or "<em>none</em>"}</td>'
            "</tr>"
        )
    n_failed = sum(1 for nb in notebooks if nb.get("status") != "ok")
    summary = (
        f"all {len(notebooks)} notebooks ran"
        if n_failed == 0
        else f'<span class="failed">{n_failed} of {len(notebooks)} notebooks failed</span>'
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>crmlab reports {_e(run.get("run_id", ""))}</title>
<style>{_INDEX_CSS}</style>
</head>
<body>
<h1>crmlab reports</h1>
<p class="meta">Run {_e(run.get("run_id", ""))} &middot; {_e(run.get("started_at", ""))}
&middot; crmlab {_e(run.get("crmlab_version", ""))} &middot; {summary}</p>
<table>
<thead><tr><th>Report</th><th>Status</th><th>Time</th><th>Parameters (bold: set for this run)</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
<p class="small">Each report opens offline. manifest.json records versions, parameters and input
file hashes of this run.</p>
</body>
</html>
"""
    path.write_text(page, encoding="utf-8")
