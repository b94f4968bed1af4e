"""Reading executed notebooks in the notebook tests."""

from __future__ import annotations


def markdown_text(executed) -> str:
    """The text/plain form of every Markdown-capable output (findings and notes), one a line."""
    return "\n".join(
        o["data"]["text/plain"]
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if "text/markdown" in o.get("data", {})
    )
