"""The HTML export turns the notebook's own TeX into MathML and leaves data in outputs as text.

crmlab.report.math converts formulas of markdown cells through placeholder tokens swapped in the
finished page; text from the data that looks like a token, or holds ``$`` and escaped HTML,
must come out as typed.
"""

from __future__ import annotations

from html.parser import HTMLParser

import nbformat
import pytest

from crmlab import text

DATA = [
    "crmlabformula0x",
    "crmlabformula7x",
    "$\\frac$",
    "$x$ and $$y$$",
    "\\$5\\$",
    "&amp; &lt;b&gt;",
    "<img src=x onerror=\"document.title='PWNED'\">",
]


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    from crmlab.report.html import ReportWriter

    tmp = tmp_path_factory.mktemp("math")
    nb = nbformat.v4.new_notebook()
    findings = text.Findings(DATA)
    cell = nbformat.v4.new_code_cell("findings")
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            data={
                "text/html": findings._repr_html_(),
                "text/markdown": findings._repr_markdown_(),
                "text/plain": repr(findings),
            },
            execution_count=1,
        )
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("Profit $\\pi_i = R_i - c$."), cell]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    src = tmp / "m.ipynb"
    nbformat.write(nb, src)
    full, client = tmp / "m.html", tmp / "m.client.html"
    ReportWriter().write(src, full, client, {"title": "m", "run_date": "d", "version": "v"})
    return full.read_text(encoding="utf-8"), client.read_text(encoding="utf-8")


def test_data_that_looks_like_a_formula_token_stays_text(exported):
    for page in exported:
        parser = _Text()
        parser.feed(page)
        shown = "".join(parser.parts)
        for value in DATA:
            assert value in shown
        assert "img" not in parser.tags
        assert page.count("<math") == 1  # the markdown cell's formula, nothing from the data
