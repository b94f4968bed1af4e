"""The course glossary (docs/glossary.md) names real crmlab functions and every notebook it cites."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
NAME = re.compile(r"`(crmlab(?:\.[A-Za-z_][A-Za-z0-9_]*)+)`")


def _rows() -> list[list[str]]:
    lines = [ln for ln in GLOSSARY.read_text(encoding="utf-8").splitlines() if ln.startswith("| ")]
    return [[cell.strip() for cell in ln.strip("|").split("|")] for ln in lines[1:]]


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def test_glossary_has_both_languages_for_every_term():
    rows = _rows()
    assert len(rows) >= 40
    for english, italian, meaning, *_ in rows:
        assert english and italian and meaning, (english, italian)


@pytest.mark.parametrize("dotted", sorted(set(NAME.findall(GLOSSARY.read_text(encoding="utf-8")))))
def test_glossary_names_exist(dotted):
    assert callable(_resolve(dotted)) or _resolve(dotted) is not None


def test_glossary_notebooks_exist():
    stems = {p.name[:2] for p in (ROOT / "notebooks").glob("*.ipynb")}
    for row in _rows():
        for nn in re.findall(r"\b(\d\d)\b", row[-1]):
            assert nn in stems, (row[0], nn)
