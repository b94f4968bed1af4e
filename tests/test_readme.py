"""README states what the notebooks declare: every parameter of every notebook is in its table row."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crmlab.report import list_notebooks

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _parameter_rows() -> dict[str, str]:
    section = README.split("## Parameters", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `(\d\d_[a-z_]+)` \| (.*) \|$", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


@pytest.mark.parametrize("notebook", list_notebooks(), ids=lambda nb: nb.stem)
def test_readme_lists_every_parameter(notebook):
    rows = _parameter_rows()
    assert notebook.stem in rows, f"README's parameter table has no row for {notebook.stem}"
    named = set(re.findall(r"`([a-z_]+)`", rows[notebook.stem]))
    missing = [p.name for p in notebook.parameters if p.name not in named]
    assert not missing, f"README's row for {notebook.stem} lacks {missing}"
