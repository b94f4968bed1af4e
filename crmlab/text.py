"""The one voice of crmlab's reports: formatting of numbers and escaping of every data value.

Every sentence a report prints is built from these formatters, and every value that comes from
the data or from a file name (a brand, an attribute, a customer id, a path) is shown as text:

- :func:`pct`, :func:`number`, :func:`count`, :func:`money`, :func:`duration`, :func:`pvalue`
  and :func:`interval` format numbers; a missing or infinite value becomes
  :data:`NOT_AVAILABLE` (never ``nan``), and :func:`available` tells a findings module when to
  word a sentence differently or leave it out;
- :func:`escape_html`, :func:`escape_markdown` and :func:`escape_mathtext` make a value safe
  for HTML, for Markdown (with TeX: ``$`` never starts a formula) and for Matplotlib labels;
- :class:`Findings` (or :func:`show_findings`) displays a list of plain-text sentences and
  :func:`note` one sentence of a notebook: both render as escaped HTML, so nbconvert exports
  ``text/html`` and no Markdown renderer ever sees the data.

Findings sentences are plain text: no Markdown markup inside them. The display object escapes,
so a finding can never carry markup, whatever the names in the data.

Examples
--------
>>> from crmlab import text
>>> text.pct(0.3049), text.pct(0.3049, digits=1), text.money(21353.2, "USD")
('30%', '30.5%', '21,353 USD')
>>> text.escape_html('<img src=x onerror="alert(1)">')
'&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
>>> text.Findings(["Brand *A* & $5"])._repr_html_()
'<ul class="crmlab-findings tex2jax_ignore"><li>Brand *A* &amp; $5</li></ul>'
"""

from __future__ import annotations

import html
import math
import re
import string
from collections.abc import Iterable
from typing import Any

from crmlab.transactions import TIME_UNITS

__all__ = [
    "NOT_AVAILABLE",
    "Findings",
    "Note",
    "available",
    "count",
    "duration",
    "escape_html",
    "escape_markdown",
    "escape_mathtext",
    "interval",
    "money",
    "note",
    "number",
    "pct",
    "pvalue",
    "show_findings",
    "unit_word",
]

#: What a formatter writes for a missing (None, NaN) or infinite value.
NOT_AVAILABLE = "not available"


# ----------------------------------------------------------------------------------- numbers
def available(*values: Any) -> bool:
    """True when every value is a finite number (not None, NaN or infinite).

    Findings modules use it to word a sentence differently, or to leave it out, instead of
    printing ``nan``.
    """
    for value in values:
        try:
            if value is None or not math.isfinite(float(value)):
                return False
        except (TypeError, ValueError):
            return False
    return True


def _fixed(value: float, digits: int, signed: bool, grouping: bool) -> str:
    spec = f"{'+' if signed else ''}{',' if grouping else ''}.{digits}f"
    out = format(value, spec)
    # "-0" or "+0.0" after rounding reads as a signed zero: drop the sign.
    if out.lstrip("+-").replace(",", "").replace(".", "").strip("0") == "":
        out = format(0.0, spec.replace("+", ""))
    return out


def number(value: Any, digits: int | None = 0, signed: bool = False) -> str:
    """A number with thousands separators and ``digits`` decimals: ``21,353`` or ``0.58``.

    Parameters
    ----------
    value : float
        The number; None, NaN and infinities give :data:`NOT_AVAILABLE`.
    digits : int or None, default 0
        Decimals shown; None writes the number as short as it is (``0.05``, ``12.5``, ``3``),
        with six significant digits at most.
    signed : bool, default False
        Show ``+`` before positive numbers.
    """
    if not available(value):
        return NOT_AVAILABLE
    if digits is None:
        return format(float(value), f"{'+' if signed else ''},.6g")
    return _fixed(float(value), digits, signed, grouping=True)


def count(value: Any) -> str:
    """A whole number with thousands separators: ``12,345``."""
    if not available(value):
        return NOT_AVAILABLE
    return f"{round(float(value)):,}"


def pct(value: Any, digits: int = 0, signed: bool = False) -> str:
    """A share as a percentage: ``pct(0.305)`` is ``"30%"``, ``pct(0.305, digits=1)`` ``"30.5%"``.

    Parameters
    ----------
    value : float
        The share (1 is 100%); None, NaN and infinities give :data:`NOT_AVAILABLE`.
    digits : int, default 0
        Decimals of the percentage.
    signed : bool, default False
        Show ``+`` before positive changes (``+1.7%``).
    """
    if not available(value):
        return NOT_AVAILABLE
    return _fixed(100 * float(value), digits, signed, grouping=True) + "%"


def money(value: Any, currency: str | None = None, digits: int = 0) -> str:
    """An amount with thousands separators and its currency: ``21,353 USD``.

    Parameters
    ----------
    value : float
        The amount; None, NaN and infinities give :data:`NOT_AVAILABLE`.
    currency : str, optional
        Currency code or word written after the amount; without one the amount is shown in
        the currency of the data, bare (crmlab never assumes a currency symbol).
    digits : int, default 0
        Decimals shown.
    """
    if not available(value):
        return NOT_AVAILABLE
    amount = _fixed(float(value), digits, signed=False, grouping=True)
    return f"{amount} {currency}" if currency else amount


def unit_word(unit: str, n: float = 2) -> str:
    """The word of a time unit code (``"W"`` -> ``"weeks"``), singular when ``n`` is 1.

    An unknown code is returned as it is, so a word such as ``"days"`` passes through.
    """
    spec = TIME_UNITS.get(str(unit))
    if spec is None:
        return str(unit)
    return spec.singular if n == 1 else spec.plural


def duration(value: Any, unit: str, digits: int | None = 0) -> str:
    """A length of time with its unit word: ``duration(52, "W")`` is ``"52 weeks"``."""
    if not available(value):
        return NOT_AVAILABLE
    shown = number(value, digits)
    return f"{shown} {unit_word(unit, 1 if shown == '1' else 2)}"


def pvalue(p: Any, digits: int = 3) -> str:
    """A p-value as a report writes it: ``p = 0.071``, or ``p < 0.001`` below the last digit."""
    if not available(p):
        return f"p {NOT_AVAILABLE}"
    floor = 10.0**-digits
    if float(p) < floor:
        return f"p < {floor:.{digits}f}"
    return f"p = {float(p):.{digits}f}"


def interval(lower: Any, upper: Any, digits: int = 2, percent: bool = False) -> str:
    """An interval written in words, ``0.41 to 0.73`` (no dash that a minus sign could join).

    With ``percent=True`` both ends are shares shown as percentages.
    """
    fmt = pct if percent else number
    if not available(lower, upper):
        return NOT_AVAILABLE
    return f"{fmt(lower, digits)} to {fmt(upper, digits)}"


# ---------------------------------------------------------------------------------- escaping
def escape_html(value: Any) -> str:
    """``str(value)`` with ``& < > " '`` as HTML entities: safe in element text and attributes."""
    return html.escape(str(value), quote=True)


# Every ASCII punctuation character CommonMark lets a backslash escape, except the five that
# escape_html turns into entities.
_MD_SPECIALS = frozenset(string.punctuation) - set("&<>\"'")
_MD_ESCAPE = str.maketrans({c: "\\" + c for c in _MD_SPECIALS})
_NEWLINES = re.compile(r"\r\n|\r|\n")


def escape_markdown(value: Any) -> str:
    """``str(value)`` as Markdown text that shows as typed and never starts markup or math.

    Each ASCII punctuation character Markdown could read as markup or TeX (``\\ ` * _ { } [ ] ( )
    # + - . ! | $ ~`` and the rest) is escaped with a backslash, so ``$x$`` is no formula and
    ``*bold*`` no emphasis; then ``& < > " '`` become HTML entities, so no tag from the data
    reaches the page. Line breaks become spaces (a Markdown line break could end the paragraph
    or the list item the value stands in).
    """
    escaped = _NEWLINES.sub(" ", str(value)).translate(_MD_ESCAPE)
    return html.escape(escaped, quote=True)


def escape_mathtext(value: Any) -> str:
    """``str(value)`` for a Matplotlib label: every ``$`` escaped, so no formula is parsed.

    Matplotlib reads a label with an even number of unescaped ``$`` as mathtext; a brand named
    ``$\\frac$`` would then abort the figure. With ``\\$`` Matplotlib draws a plain dollar sign,
    and the label reads as typed.
    """
    return str(value).replace("$", r"\$")


# ----------------------------------------------------------------------------- display objects
class Findings:
    """A notebook's key findings: plain-text sentences displayed as an escaped bulleted list.

    Parameters
    ----------
    lines : iterable of str
        One plain-text sentence per finding (no Markdown markup: any markup is shown as typed).
    empty : str
        Sentence shown when there are no findings.

    Notes
    -----
    Jupyter and nbconvert prefer ``text/html``, which this object builds with
    :func:`html.escape` (class ``tex2jax_ignore``, so JupyterLab's MathJax leaves ``$`` alone); the ``text/markdown`` form is escaped with :func:`escape_markdown` and
    the ``text/plain`` form holds the sentences as they are (plain text is never rendered).
    """

    def __init__(
        self,
        lines: Iterable[str],
        empty: str = "No findings could be computed from these data.",
    ) -> None:
        self.lines = [str(line) for line in lines]
        self.empty = str(empty)

    def _repr_html_(self) -> str:
        if not self.lines:
            return f'<p class="crmlab-findings tex2jax_ignore">{escape_html(self.empty)}</p>'
        items = "".join(f"<li>{escape_html(line)}</li>" for line in self.lines)
        return f'<ul class="crmlab-findings tex2jax_ignore">{items}</ul>'

    def _repr_markdown_(self) -> str:
        if not self.lines:
            return escape_markdown(self.empty)
        return "\n".join(f"- {escape_markdown(line)}" for line in self.lines)

    def __repr__(self) -> str:
        if not self.lines:
            return self.empty
        return "\n".join(f"- {line}" for line in self.lines)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Findings) and other.lines == self.lines

    __hash__ = None  # type: ignore[assignment]


def show_findings(lines: Iterable[str]) -> None:
    """Display :class:`Findings` of ``lines`` in the running notebook."""
    from IPython.display import display

    display(Findings(lines))


_CODE_SPAN = re.compile(r"`([^`]+)`")


class Note:
    """One sentence of a notebook (a fallback such as "No `product` column: no price tiers.").

    Built by :func:`note`: a list of ``(kind, text)`` parts, where kind is ``"text"`` (the
    author's words), ``"code"`` (a backtick span of the author's words) or ``"value"`` (a data
    value, shown as typed). Displayed as escaped HTML.
    """

    def __init__(self, parts: list[tuple[str, str]]) -> None:
        self.parts = parts

    def _repr_html_(self) -> str:
        out = []
        for kind, part in self.parts:
            text = escape_html(part)
            out.append(f"<code>{text}</code>" if kind == "code" else text)
        return f'<p class="crmlab-note tex2jax_ignore">{"".join(out)}</p>'

    def _repr_markdown_(self) -> str:
        out = []
        for kind, part in self.parts:
            if kind == "code":
                out.append(f"<code>{escape_html(part)}</code>")
            else:
                out.append(escape_markdown(part))
        return "".join(out)

    def __repr__(self) -> str:
        return "".join(f"`{part}`" if kind == "code" else part for kind, part in self.parts)

    def __str__(self) -> str:
        return self.__repr__()


def note(sentence: str, /, *args: Any, **kwargs: Any) -> Note:
    """A sentence for a notebook, its data values escaped, as a display object.

    Parameters
    ----------
    sentence : str
        The author's sentence (a literal in the notebook, never data), with ``{}`` or
        ``{name}`` fields as in :meth:`str.format`; backtick spans of it show as code.
    *args, **kwargs
        Values of the fields: shown as typed (escaped), whatever they hold.

    Examples
    --------
    >>> note("No `product` column: no price tiers.")._repr_html_()
    '<p class="crmlab-note tex2jax_ignore">No <code>product</code> column: no price tiers.</p>'
    >>> note("Survey read from {}.", "<b>x</b>.csv")._repr_html_()
    '<p class="crmlab-note tex2jax_ignore">Survey read from &lt;b&gt;x&lt;/b&gt;.csv.</p>'
    >>> str(note("{}", "a sentence computed elsewhere"))
    'a sentence computed elsewhere'
    >>> str(note("No `product` column."))
    'No `product` column.'
    """
    formatter = string.Formatter()
    parts: list[tuple[str, str]] = []
    auto = 0
    for literal, field, spec, conversion in formatter.parse(sentence):
        for i, piece in enumerate(_CODE_SPAN.split(literal)):
            if piece:
                parts.append(("code" if i % 2 else "text", piece))
        if field is None:
            continue
        if field == "":
            key: int | str = auto
            auto += 1
        else:
            key = int(field) if field.isdigit() else field
        value, _ = formatter.get_field(str(key), args, kwargs)
        value = formatter.convert_field(value, conversion)
        parts.append(("value", formatter.format_field(value, spec or "")))
    return Note(parts)
