"""Formulas in reports without MathJax: TeX in markdown cells becomes MathML.

Reports are opened offline, so the MathJax that JupyterLab's template would fetch from a CDN is
not available. Browsers render MathML natively (Chromium since 109, Firefox, Safari), so the
``$...$`` and ``$$...$$`` spans of markdown cells are converted to ``<math>`` elements before the
HTML export (``latex2mathml``). Code spans and fenced code blocks are left alone, ``\\$`` stays a
dollar sign, and a formula the converter cannot read is kept as its TeX source.
"""

from __future__ import annotations

import copy
import re
import secrets
from collections.abc import Callable
from typing import Any

__all__ = ["markdown_math_to_mathml", "notebook_math_to_mathml", "tex_to_mathml"]

# Fenced code blocks and inline code spans are protected; then display and inline math.
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]+`)", re.S)
_DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]+?)(?<![\s\\])\$(?!\d)")


def tex_to_mathml(tex: str, display: bool = False) -> str | None:
    """MathML for one TeX formula, or ``None`` when it cannot be converted."""
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises assorted errors on TeX it does not know
        return None
    return mathml.replace("\n", "")


class _Formulas:
    """Formulas found in markdown, each replaced by a placeholder token until after the export.

    nbconvert re-parses every inline HTML fragment of markdown when it embeds images, which tears
    MathML apart; plain alphanumeric tokens pass through markdown untouched and are swapped for
    the MathML in the finished HTML. Each conversion draws its own random key into the tokens,
    so text from the data that looks like a token is never replaced.
    """

    def __init__(self) -> None:
        self.mathml: list[str] = []
        self._key = secrets.token_hex(8)
        self._token = re.compile(rf"crmlabformula{self._key}n(\d+)x")

    def token(self, mathml: str) -> str:
        self.mathml.append(mathml)
        return f"crmlabformula{self._key}n{len(self.mathml) - 1}x"

    def convert_text(self, text: str) -> str:
        def display(match: re.Match[str]) -> str:
            mathml = tex_to_mathml(match.group(1), display=True)
            return match.group(0) if mathml is None else f"\n\n{self.token(mathml)}\n\n"

        def inline(match: re.Match[str]) -> str:
            mathml = tex_to_mathml(match.group(1))
            return match.group(0) if mathml is None else self.token(mathml)

        return _INLINE.sub(inline, _DISPLAY.sub(display, text))

    def convert_markdown(self, source: str) -> str:
        parts = _CODE.split(source)
        return "".join(part if i % 2 else self.convert_text(part) for i, part in enumerate(parts))

    def restore(self, html: str) -> str:
        """Put the MathML in place of the tokens of ``html``."""
        if not self.mathml:
            return html
        return self._token.sub(lambda m: self.mathml[int(m.group(1))], html)


def markdown_math_to_mathml(source: str) -> str:
    """Replace the ``$...$`` and ``$$...$$`` formulas of a markdown text by MathML."""
    formulas = _Formulas()
    return formulas.restore(formulas.convert_markdown(source))


def notebook_math_to_mathml(nb: Any) -> tuple[Any, Callable[[str], str]]:
    """A copy of notebook ``nb`` with formula tokens in its markdown cells, and the function that
    puts the MathML in place of the tokens in the exported HTML."""
    out = copy.deepcopy(nb)
    formulas = _Formulas()
    for cell in out.cells:
        if cell.cell_type == "markdown" and "$" in cell.source:
            cell.source = formulas.convert_markdown(cell.source)
    return out, formulas.restore
