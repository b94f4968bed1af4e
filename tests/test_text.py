"""crmlab.text: number formatting, escaping for HTML/Markdown/Matplotlib, the display objects.

The escaping tests parse what crmlab would put on a page with :mod:`html.parser` and check two
things for many hostile strings: no element comes from the data, and the visible text is the
input exactly.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import matplotlib
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab import text

matplotlib.use("Agg")

HOSTILE = [
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<svg onload=alert(1)>",
    "<script>alert(1)</script>",
    "</ul><b>x</b>",
    "$\\frac$",
    "$x$",
    "$$y$$",
    "\\$5\\$",
    "*bold*",
    "**bold**",
    "_x_",
    "a|b",
    "back\\slash",
    "&amp;",
    "&lt;b&gt;",
    "`code`",
    "[link](javascript:alert(1))",
    "![img](x)",
    "# heading",
    "1. one",
    "- item",
    "> quote",
    "<!-- c -->",
    "a\"b'c",
    "Müller & Söhne *Premium* $5",
    "crmlabformula0x",
    "{}",
    "{0}",
    "~~strike~~",
    "line\nbreak",
]


class _Page(HTMLParser):
    """Elements and visible text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("!--")


def parse(fragment: str) -> _Page:
    page = _Page()
    page.feed(fragment)
    page.close()
    return page


names = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"]), max_size=40),
    st.text(alphabet="<>&\"'$\\*_|`[]#!{}()-+.~ ax/=;", max_size=30),
)


# ------------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(
    ("value", "digits", "signed", "expected"),
    [
        (0.3049, 0, False, "30%"),
        (0.3049, 1, False, "30.5%"),
        (-0.017, 1, True, "-1.7%"),
        (0.017, 1, True, "+1.7%"),
        (-0.001, 0, False, "0%"),
        (-0.0004, 1, True, "0.0%"),
        (12.5, 0, False, "1,250%"),
    ],
)
def test_pct(value, digits, signed, expected):
    assert text.pct(value, digits=digits, signed=signed) == expected


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, -math.inf, "x", float("nan")])
def test_formatters_never_write_nan(bad):
    for out in (
        text.pct(bad),
        text.number(bad, 2),
        text.count(bad),
        text.money(bad, "EUR"),
        text.duration(bad, "W"),
        text.interval(bad, 1.0),
    ):
        assert out == text.NOT_AVAILABLE
    assert "nan" not in text.pvalue(bad) and "inf" not in text.pvalue(bad)
    assert not text.available(bad)


def test_numbers_money_and_units():
    assert text.number(21353.24) == "21,353"
    assert text.number(0.583, 2) == "0.58"
    assert text.number(-0.004, 2) == "0.00"
    assert text.number(0.05, None) == "0.05" and text.number(12345.5, None) == "12,345.5"
    assert text.count(1234567) == "1,234,567"
    assert text.money(21353.2, "USD") == "21,353 USD"
    assert text.money(-5.5, "EUR", digits=2) == "-5.50 EUR"
    assert text.money(1200) == "1,200"
    assert text.duration(52, "W") == "52 weeks"
    assert text.duration(1, "M") == "1 month"
    assert text.duration(30, "days") == "30 days"
    assert text.unit_word("D", 1) == "day" and text.unit_word("Q") == "quarters"
    assert text.pvalue(0.0712) == "p = 0.071"
    assert text.pvalue(0.00002) == "p < 0.001"
    assert text.interval(-0.4, -0.1) == "-0.40 to -0.10"
    assert text.interval(0.1, 0.25, digits=0, percent=True) == "10% to 25%"
    assert text.available(1, 2.5, 0) and not text.available(1, None)


# ----------------------------------------------------------------------------------- escaping
@settings(max_examples=300, deadline=None)
@given(names)
def test_escape_html_keeps_the_text_and_makes_no_element(value):
    for fragment in (f"<p>{text.escape_html(value)}</p>", f'<a title="{text.escape_html(value)}">'):
        page = parse(fragment)
        assert page.tags in (["p"], ["a"])
    assert "".join(parse(f"<p>{text.escape_html(value)}</p>").text) == value


@settings(max_examples=300, deadline=None)
@given(st.lists(names, max_size=5))
def test_findings_html_shows_every_sentence_as_typed(lines):
    page = parse(text.Findings(lines)._repr_html_())
    if lines:
        assert page.tags == ["ul"] + ["li"] * len(lines)
        assert "".join(page.text) == "".join(lines)
    else:
        assert page.tags == ["p"]


def test_findings_reprs():
    f = text.Findings(["a *b*", "<b>c</b> $x$"])
    assert repr(f) == "- a *b*\n- <b>c</b> $x$"
    md = f._repr_markdown_()
    assert md.splitlines()[0] == "- a \\*b\\*" and "<b>" not in md and "\\$x\\$" in md
    assert "tex2jax_ignore" in f._repr_html_()
    assert text.Findings([]) == text.Findings(())
    assert "No findings" in text.Findings([])._repr_html_()


def test_show_findings_displays_the_object(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    text.show_findings(["x"])
    assert shown == [text.Findings(["x"])]


def _markdown_to_html(source: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    return markdown2html_mistune(source)


@settings(max_examples=200, deadline=None)
@given(names.filter(lambda s: s == s.strip() and "  " not in s and "\n" not in s))
def test_escape_markdown_renders_as_typed_through_nbconvert(value):
    """nbconvert's own Markdown renderer (mistune, which keeps raw HTML and reads ``$``)."""
    page = parse(_markdown_to_html(f"Brand {text.escape_markdown(value)} end"))
    assert page.tags == ["p"]
    assert "".join(page.text).strip() == f"Brand {value} end".strip()


def test_escape_markdown_in_findings_list_through_nbconvert():
    md = text.Findings(HOSTILE)._repr_markdown_()
    page = parse(_markdown_to_html(md))
    assert set(page.tags) == {"ul", "li"}
    shown = [s for s in "".join(page.text).split("\n") if s]
    assert shown == [h.replace("\n", " ") for h in HOSTILE]


def test_escape_markdown_leaves_no_math_delimiter():
    escaped = text.escape_markdown("$x$ and $$y$$")
    assert all(escaped[i - 1] == "\\" for i, c in enumerate(escaped) if c == "$")


@settings(max_examples=200, deadline=None)
@given(names)
def test_note_values_show_as_typed(value):
    n = text.note("Read {} from `data`.", value)
    page = parse(n._repr_html_())
    assert page.tags == ["p", "code"]
    assert "".join(page.text) == f"Read {value} from data."
    assert str(n) == f"Read {value} from `data`."
    named = text.note("{name}", name=value)
    assert "".join(parse(named._repr_html_()).text) == value


def test_note_fallback_sentence():
    n = text.note("No `product` column: no price tiers.")
    assert n._repr_html_() == (
        '<p class="crmlab-note tex2jax_ignore">No <code>product</code> column: no price tiers.</p>'
    )
    page = parse(_markdown_to_html(n._repr_markdown_()))
    assert page.tags == ["p", "code"]
    assert "".join(page.text).strip() == "No product column: no price tiers."


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.sampled_from([h for h in HOSTILE if "\n" not in h]),
        st.text(alphabet="$\\^_{}*|&<> aZ9", max_size=30),
        st.text(
            alphabet=st.characters(
                min_codepoint=32, max_codepoint=0x24F, exclude_categories=["Cc"]
            ),
            max_size=30,
        ),
    )
)
def test_escape_mathtext_draws_as_typed(value):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        label = ax.set_title(text.escape_mathtext(value))
        ax.set_xticks([0], [text.escape_mathtext(value)])
        fig.canvas.draw()
        # What Matplotlib draws: the text after its own unescaping, and no mathtext.
        shown, is_math = label._preprocess_math(label.get_text())
        assert not is_math
        assert shown == value
    finally:
        plt.close(fig)


def test_table_formats_numbers_in_a_mixed_column():
    """A transposed table with a text row (notebook 03's comparison, whose first row is the
    model's status) holds numbers in object columns: three significant digits, whole numbers
    without decimals, text as typed."""
    frame = pd.DataFrame(
        {"BGNBD": ["identified", 4.0, -9582.43, 0.785454], "NBD": ["not identified", 2, 1.5, 2e-4]},
        index=["status", "n_params", "log_likelihood", "holdout_mae"],
    )
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", text.table(frame)._repr_html_())
    assert cells == ["identified", "not identified", "4", "2", "-9,582", "1.50", "0.785", "0.0002"]
