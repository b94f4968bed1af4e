"""Self-contained HTML: the full and the client report of a notebook, and the run's index.

Reports are opened offline by clients, so nothing is fetched from the network: figures are inlined
as base64 PNG by nbconvert, and crmlab's template (``crmlab/templates/crmlab_report``, found through :mod:`crmlab._paths`) removes
the
require.js, MathJax and mermaid links of JupyterLab's template; formulas are converted to MathML,
which browsers render natively (:mod:`crmlab.report.math`).
The client version has no code, no prompts and no stderr output. Every value the runner writes
itself (titles, parameter values, errors, file names) is HTML-escaped; the run's two index pages
are rendered from Jinja2 templates with autoescape (:mod:`crmlab.report.index`).

Two audiences from one notebook: cell tags (cell metadata ``tags``) decide what goes where.

==================== ===================================================================
tag                  meaning
==================== ===================================================================
``teaching``         tutorial narrative, formulas, rule tables: teaching report only; in the
                     client report a Markdown cell keeps only its section heading
``researcher``       researcher-only sections (cross-checks, references, estimates beside
                     true values): teaching report only, heading included
``summary``          the data description and the key findings: first in the client report
``client-only``      client report only
``textbook``         a cell on bundled textbook data whatever the inputs
``textbook:NAME``    a cell on bundled textbook data unless parameter ``NAME`` was given
==================== ===================================================================

A textbook cell is left out of the client report when the user gave their own data (any
``*_path`` parameter), and shown in a box labelled "Illustration on textbook data" otherwise;
the notebook keeps such results out of its findings. The client report opens with a header
(title, client name, currency, run date), an assumptions box and the data notes, both from the
executed notebook's ``metadata["crmlab"]`` (``parameters``: ``{name: {"value", "given"}}``;
``notes``: ``[{"category", "message", "count"}]``); no key, no box.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from crmlab._paths import templates_dir
from crmlab.report.index import write_index

__all__ = ["ASSUMPTIONS", "ReportWriter", "client_notebook", "teaching_notebook", "write_index"]

TEMPLATE = "crmlab_report"

#: Parameters shown in the client report's assumptions box, with their labels.
ASSUMPTIONS = {
    "margin_rate": "Gross margin rate",
    "margin_rates": "Margin rate per category",
    "cost_per_purchase": "Cost to serve per purchase",
    "discount_rate": "Discount rate",
    "horizon": "CLV horizon",
    "calibration_end": "End of the calibration period",
    "time_unit": "Time unit",
    "period": "Retention period",
    "inactivity_threshold": "Days without a purchase that count as churn",
    "overdue_multiple": "Overdue after this many usual gaps",
    "fit_periods": "Periods used to fit the sBG model",
    "alpha": "Significance level",
    "key_account_share": "Key accounts: top share of customers by CLV",
    "key_account_min_active_weeks": "Key accounts: least share of weeks with a purchase",
}
#: Assumptions that only matter when the user gave this input (else their section is textbook).
_ASSUMPTION_NEEDS = {"fit_periods": "subscriptions_path"}
_SHARES = {"margin_rate", "discount_rate", "alpha", "key_account_share"}
_SHARES |= {"key_account_min_active_weeks"}
_MONEY = {"cost_per_purchase"}
TEACHING, RESEARCHER, SUMMARY, CLIENT_ONLY, TEXTBOOK = (
    "teaching",
    "researcher",
    "summary",
    "client-only",
    "textbook",
)
ILLUSTRATION_CLASS = "crmlab-illustration"
_HEADING = re.compile(r"^\s{0,3}(#{2,6})\s+\S")


class ReportWriter:
    """Converts executed notebooks to the full and the client HTML (exporters built once).

    With ``pdf=True`` the client report is also printed to ``NN_name.client.pdf`` by headless
    Chromium (:mod:`crmlab.report.pdf`).
    """

    def __init__(self, pdf: bool = False) -> None:
        from nbconvert import HTMLExporter

        self._pdf = bool(pdf)
        self._browser = None
        if self._pdf:
            from crmlab.report.pdf import find_browser

            self._browser = find_browser()

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
        client_values = client_header(nb, header)
        for exporter, target, is_client in (
            (self._full, full, False),
            (self._client, client, True),
        ):
            resources = {
                "metadata": {"name": str(header.get("title", notebook.stem))},
                "crmlab": {**(client_values if is_client else header), "client": is_client},
            }
            shown = client_notebook(nb) if is_client else teaching_notebook(nb)
            body, _ = exporter.from_notebook_node(shown, resources=resources)
            target.write_text(restore_math(body), encoding="utf-8")
        if self._pdf:
            from crmlab.report.pdf import print_pdf

            print_pdf(client, client.with_suffix(".pdf"), browser=self._browser)


def _tags(cell: Mapping[str, Any]) -> set[str]:
    return {str(t) for t in (cell.get("metadata", {}).get("tags") or [])}


def run_parameters(nb: Any) -> dict[str, dict[str, Any]]:
    """``{name: {"value", "given"}}`` of an executed notebook.

    From ``metadata["crmlab"]["parameters"]`` when the runner wrote it; otherwise the values
    papermill injected (each counted as given).
    """
    meta = nb.metadata.get("crmlab", {}) or {}
    params = meta.get("parameters")
    if isinstance(params, Mapping):
        out = {}
        for name, entry in params.items():
            if isinstance(entry, Mapping):
                out[str(name)] = {"value": entry.get("value"), "given": bool(entry.get("given"))}
        return out
    injected = (nb.metadata.get("papermill", {}) or {}).get("parameters", {}) or {}
    return {str(k): {"value": v, "given": True} for k, v in injected.items()}


def _given(params: Mapping[str, Mapping[str, Any]], name: str) -> bool:
    entry = params.get(name)
    return bool(entry and entry.get("given") and entry.get("value") not in ("", None, {}, []))


def _textbook(tags: set[str], params: Mapping[str, Mapping[str, Any]]) -> bool:
    """Whether a cell shows textbook data in this run."""
    for tag in tags:
        if tag == TEXTBOOK:
            return True
        if tag.startswith(TEXTBOOK + ":") and not _given(params, tag.split(":", 1)[1]):
            return True
    return False


def _headings_only(source: str) -> str:
    lines = [line for line in source.splitlines() if _HEADING.match(line)]
    return "\n\n".join(lines[:1])


def _value_shown(name: str, value: Any, currency: str) -> str:
    from crmlab import text

    if name in _SHARES and isinstance(value, int | float) and not isinstance(value, bool):
        return text.pct(value, digits=1)
    if name in _MONEY and isinstance(value, int | float) and not isinstance(value, bool):
        return text.money(value, currency or None, digits=2)
    if value in ("", None, {}, []):
        return "none (default)" if value in ({}, []) else "from the data"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def assumptions(nb: Any, currency: str = "") -> list[dict[str, str]] | None:
    """Rows of the assumptions box (label, value, given/default), or None without metadata."""
    meta = nb.metadata.get("crmlab", {}) or {}
    params = meta.get("parameters")
    if not isinstance(params, Mapping):
        return None
    rows = []
    for name, label in ASSUMPTIONS.items():
        entry = params.get(name)
        if not isinstance(entry, Mapping):
            continue
        needs = _ASSUMPTION_NEEDS.get(name)
        if needs and not (params.get(needs) or {}).get("value"):
            continue  # an assumption of a textbook section the client report leaves out
        source = "given" if entry.get("given") else "default"
        if source == "default" and entry.get("resolved"):
            source = "default, from the data"  # e.g. the calibration end of the 2/3 rule
        shown = _value_shown(name, entry.get("value"), currency)
        if name == "horizon":
            shown = _with_time_unit(entry.get("value"), params.get("time_unit"), shown)
        elif name == "time_unit" and entry.get("value") in _unit_names():
            shown = f"{_unit_names()[entry['value']]} ({entry['value']})"
        rows.append(
            {
                "name": name,
                "label": label,
                "value": shown,
                "source": source,
            }
        )
    return rows


def _unit_names() -> dict[str, str]:
    from crmlab.transactions import TIME_UNITS

    return {code: unit.plural for code, unit in TIME_UNITS.items()}


def _with_time_unit(value: Any, unit_entry: Any, shown: str) -> str:
    """The CLV horizon with its unit ("52 weeks"), from the run's ``time_unit``."""
    from crmlab import text
    from crmlab.transactions import TIME_UNITS, unit_word

    unit = unit_entry.get("value") if isinstance(unit_entry, Mapping) else None
    if unit not in TIME_UNITS or not isinstance(value, int | float) or isinstance(value, bool):
        return shown
    number = text.count(value) if float(value).is_integer() else f"{value:g}"
    return f"{number} {unit_word(unit, value)}"


def data_notes(nb: Any) -> list[dict[str, str]] | None:
    """Rows of the data-notes box, or None when the notebook's metadata has no notes key."""
    meta = nb.metadata.get("crmlab", {}) or {}
    notes = meta.get("notes")
    if not isinstance(notes, list):
        return None
    rows = []
    for entry in notes:
        if isinstance(entry, Mapping):
            n = entry.get("count")
            rows.append(
                {
                    "category": str(entry.get("category", "")),
                    "message": str(entry.get("message", "")),
                    "count": "" if n is None else str(n),
                }
            )
    return rows


def teaching_notebook(nb: Any) -> Any:
    """A copy of ``nb`` for the teaching report: every cell but the ``client-only`` ones."""
    from crmlab.report.resolved import strip_records

    out = strip_records(copy.deepcopy(nb))
    out.cells = [c for c in out.cells if CLIENT_ONLY not in _tags(c)]
    return out


def client_notebook(nb: Any) -> Any:
    """A copy of ``nb`` for the client report (see the module docstring for the tags).

    Cells tagged ``summary`` come first (after a "Key findings" heading when one of them
    holds the findings), then the other cells in order; ``teaching`` Markdown cells are reduced
    to their heading, ``teaching`` code cells and ``researcher`` cells are dropped, textbook
    cells are dropped on the user's own data and boxed on the bundled data.
    """
    import nbformat

    from crmlab.report.resolved import strip_records

    nb = strip_records(copy.deepcopy(nb))
    params = run_parameters(nb)
    own_data = any(_given(params, name) for name in params if name.endswith("_path"))
    summary, body = [], []
    for cell in copy.deepcopy(nb.cells):
        tags = _tags(cell)
        if RESEARCHER in tags or "injected-parameters" in tags or "parameters" in tags:
            continue
        if _textbook(tags, params):
            if own_data:
                continue
            cell.setdefault("metadata", {})["tags"] = sorted(tags | {ILLUSTRATION_CLASS})
        if TEACHING in tags:
            if cell.get("cell_type") != "markdown":
                continue
            heading = _headings_only(str(cell.get("source", "")))
            if not heading:
                continue
            cell["source"] = heading
        if SUMMARY in tags:
            if cell.get("cell_type") == "markdown":
                continue  # the summary's own heading: the client report writes one
            summary.append(cell)
        else:
            body.append(cell)
    out = copy.deepcopy(nb)
    out.cells = summary and [nbformat.v4.new_markdown_cell("## Key findings"), *summary]
    out.cells = [*(out.cells or []), *_drop_empty_sections(body)]
    return out


def _is_heading_only(cell: Mapping[str, Any]) -> bool:
    source = str(cell.get("source", "")).strip()
    return (
        cell.get("cell_type") == "markdown"
        and bool(source)
        and all(_HEADING.match(line) for line in source.splitlines() if line.strip())
    )


def _shows_nothing(cell: Mapping[str, Any]) -> bool:
    return cell.get("cell_type") == "code" and not cell.get("outputs")


def _drop_empty_sections(cells: list[Any]) -> list[Any]:
    """Drop code cells without output and headings with nothing under them before the next."""
    cells = [c for c in cells if not _shows_nothing(c)]
    kept: list[Any] = []
    for i, cell in enumerate(cells):
        if _is_heading_only(cell):
            level = len(str(cell.get("source", "")).lstrip().split(" ", 1)[0])
            following = cells[i + 1] if i + 1 < len(cells) else None
            if following is None:
                continue
            if _is_heading_only(following):
                next_level = len(str(following.get("source", "")).lstrip().split(" ", 1)[0])
                if next_level <= level:
                    continue
        kept.append(cell)
    return kept


def client_header(nb: Any, header: Mapping[str, Any]) -> dict[str, Any]:
    """The client report's header values: ``header`` plus client name, currency and boxes."""
    params = run_parameters(nb)
    name = str((params.get("client_name") or {}).get("value") or "")
    currency = str((params.get("currency") or {}).get("value") or "")
    title = str(header.get("title", ""))
    running = " \u00b7 ".join(part for part in (name, title) if part)
    return {
        **header,
        "client_name": name,
        "currency": currency,
        "assumptions": assumptions(nb, currency),
        "notes": data_notes(nb),
        "page_header": css_string(running),
    }


def css_string(value: str) -> str:
    """``value`` as a quoted CSS string that cannot end the string or the style element."""
    out = []
    for ch in str(value):
        if ch.isalnum() or ch in " .,:;-_()&+!?/\u00b7" and ch not in "<>":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):x} ")
    return '"' + "".join(out) + '"'
