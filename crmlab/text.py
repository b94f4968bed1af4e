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
    "CLIENT_COLUMNS",
    "MAX_ROWS",
    "NOT_AVAILABLE",
    "Findings",
    "Note",
    "Table",
    "available",
    "column_label",
    "count",
    "data_description",
    "duration",
    "escape_html",
    "escape_markdown",
    "escape_mathtext",
    "figure_title",
    "interval",
    "money",
    "note",
    "number",
    "pct",
    "pvalue",
    "show_findings",
    "source_name",
    "table",
    "unit_word",
    "use_report_display",
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


# ------------------------------------------------------------------------------------ tables
#: Columns shown in a client table; the others are hidden there (the teaching report and the
#: exports keep every column).
CLIENT_COLUMNS = 8
#: Rows shown of a long table (the exports keep every row).
MAX_ROWS = 25

_SHARE_TOKENS = frozenset(
    {"share", "rate", "proportion", "crr", "retention", "probability", "survival"}
)
# Shares that may leave 0..1 (a cumulative profit share peaks above 100%, a loss is negative).
_OPEN_SHARE_TOKENS = frozenset({"share", "proportion"})
# Columns already in percent (``aggregate_error_pct``): plain numbers, never shares or money.
_PERCENT_TOKENS = frozenset({"pct", "percent"})
_MONEY_TOKENS = frozenset(
    {"revenue", "amount", "monetary", "clv", "margin", "profit", "spend", "sales", "discount"}
)
_P_NAMES = frozenset({"p", "pvalue", "p_value", "p_adj", "p_holm", "p_adjusted"})
_LABELS = {
    "clv": "CLV",
    "p_alive": "P(alive)",
    "probability_alive": "P(alive)",
    "T": "Age (T)",
    "crr": "CRR",
    "ari": "ARI",
    "aic": "AIC",
    "bic": "BIC",
    "se": "SE",
    "mae": "MAE",
    "rmse": "RMSE",
    "del": "DEL",
    "derl": "DERL",
    "id": "ID",
}
_DASH = "\u2013"


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[^0-9a-z]+", name.lower()) if t]


def _column_kind(name: str, values: Any) -> str:
    """``"pvalue"``, ``"share"``, ``"money"``, ``"count"``, ``"number"`` or ``"text"``."""
    import pandas as pd

    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if not pd.api.types.is_numeric_dtype(values):
        return "text"
    numeric = pd.to_numeric(values, errors="coerce").astype(float)
    finite = numeric[numeric.map(math.isfinite)] if len(numeric) else numeric
    in_unit = bool(len(finite)) and bool(((finite >= 0) & (finite <= 1)).all())
    tokens = _tokens(name)
    low = name.lower()
    if _PERCENT_TOKENS.intersection(tokens):
        return "number"
    if in_unit and (low in _P_NAMES or low.endswith("_p") or low.startswith("p_value")):
        return "pvalue"
    if in_unit and (_SHARE_TOKENS.intersection(tokens) or low == "p_alive"):
        return "share"
    if _OPEN_SHARE_TOKENS.intersection(tokens):
        bounded = bool(len(finite)) and bool((finite.abs() <= 5).all())
        return "share" if bounded else "number"
    if _MONEY_TOKENS.intersection(tokens) and not _SHARE_TOKENS.intersection(tokens):
        return "money"
    if pd.api.types.is_integer_dtype(values) or (
        len(finite) and bool((finite == finite.round()).all()) and not in_unit
    ):
        return "count"
    return "number"


def _decimals(values: Any, significant: int = 3) -> int:
    import pandas as pd

    numeric = pd.to_numeric(pd.Series(values), errors="coerce").astype(float).abs()
    numeric = numeric[numeric.map(math.isfinite) & (numeric > 0)]
    if not len(numeric):
        return 0
    top = float(numeric.max())
    return int(min(4, max(0, significant - 1 - math.floor(math.log10(top)))))


def column_label(name: Any, kind: str = "number", currency: str = "") -> str:
    """A readable column label: ``revenue_share`` -> ``Revenue share``, money with its currency.

    Examples
    --------
    >>> column_label("mean_clv", "money", "EUR"), column_label("p_alive")
    ('Mean CLV (EUR)', 'P(alive)')
    """
    if isinstance(name, tuple):
        name = " / ".join(str(part) for part in name if str(part))
    text_name = str(name)
    if text_name in _LABELS:
        label = _LABELS[text_name]
    else:
        words = [
            _LABELS.get(w.lower(), w) if w.lower() in _LABELS else w
            for w in text_name.replace("_", " ").split()
        ]
        if words and words[0] == "n" and len(words) > 1:
            words = ["Number of", *words[1:]]
        label = " ".join(words)
        label = label[:1].upper() + label[1:]
    if kind == "money" and currency:
        label = f"{label} ({currency})"
    return label


def _row_kind(label: Any, value: Any) -> str | None:
    """The kind a row label gives a number in a transposed table (``top_20_share`` ...)."""
    import pandas as pd

    if not isinstance(label, str) or not available(value) or isinstance(value, bool):
        return None
    kind = _column_kind(label, pd.Series([float(value)]))
    if kind in ("share", "pvalue", "money"):
        return kind
    counted = label.lower().startswith("n_") or label.lower() in ("n", "count")
    return "count" if counted and float(value) == round(float(value)) else None


def _cell(value: Any, kind: str, digits: int, currency: str) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, str) and _is_missing(value)):
        return _DASH
    if kind == "number" and available(value):
        digits = max(digits, min(3, _decimals([float(value)])))
    if kind == "pvalue":
        return pvalue(value).removeprefix("p = ").removeprefix("p ")
    if kind == "share":
        return pct(value, digits=1)
    if kind == "count":
        return count(value)
    if kind in ("money", "number"):
        return number(value, digits)
    if kind == "bool":
        return "yes" if bool(value) else "no"
    if kind == "date" or isinstance(value, pd.Timestamp):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)
    if isinstance(value, int | float) and not isinstance(value, bool) or _is_numpy_number(value):
        # a number in a mixed (object) column, e.g. a transposed table with a text row:
        # three significant digits, as in a numeric column
        whole = available(value) and float(value).is_integer()
        return number(value, _decimals([float(value)]) if available(value) and not whole else 0)
    return str(value)


def _is_numpy_number(value: Any) -> bool:
    import numpy as np

    return isinstance(value, np.integer | np.floating)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class Table:
    """A table formatted for a report: escaped HTML with readable labels and numbers.

    Built by :func:`table`; displayed as ``text/html`` (every label and cell escaped) and
    ``text/plain``. Columns after :data:`CLIENT_COLUMNS` carry the class ``crmlab-extra``,
    which the client report hides (a caption says how many columns the full report has).
    """

    def __init__(
        self,
        frame: Any,
        *,
        currency: str = "",
        caption: str = "",
        max_rows: int = MAX_ROWS,
        client_columns: int = CLIENT_COLUMNS,
    ) -> None:
        import pandas as pd

        if isinstance(frame, pd.Series):
            frame = frame.to_frame(name=frame.name if frame.name is not None else "value")
        frame = frame.copy()
        if isinstance(frame.columns, pd.MultiIndex):
            frame.columns = [
                " / ".join(str(p) for p in col if str(p) != "") for col in frame.columns
            ]
        frame.columns = [str(c) for c in frame.columns]
        frame = frame.loc[:, ~frame.isna().all(axis=0)] if len(frame) else frame
        index_names: list[str] = []
        if not isinstance(frame.index, pd.RangeIndex):
            names = [str(n) if n is not None else "" for n in frame.index.names]
            taken = set(frame.columns)
            index_names = [n if n and n not in taken else f"{n or ''} " for n in names]
            frame.index.names = index_names
            frame = frame.reset_index()
        self.frame = frame
        self.n_index = len(index_names)
        self.currency = str(currency or "")
        self.caption = str(caption)
        self.max_rows = int(max_rows)
        self.client_columns = int(client_columns)

    def _columns(self) -> list[tuple[str, str, str, int]]:
        out = []
        for position, name in enumerate(self.frame.columns):
            values = self.frame.iloc[:, position]
            kind = _column_kind(name, values)
            digits = (
                0
                if kind == "money" and _decimals(values, 2) == 0
                else 2
                if kind == "money"
                else _decimals(values)
            )
            out.append((name, kind, column_label(name.strip(), kind, self.currency), digits))
        return out

    def _repr_html_(self) -> str:
        columns = self._columns()
        n_rows = len(self.frame)
        shown = self.frame.head(self.max_rows)
        head = []
        for position, (_, kind, label, _) in enumerate(columns):
            classes = ["num" if kind not in ("text", "date", "bool") else "txt"]
            if position >= self.client_columns:
                classes.append("crmlab-extra")
            head.append(f'<th class="{" ".join(classes)}">{escape_html(label)}</th>')
        body = []
        for row in shown.itertuples(index=False, name=None):
            cells = []
            for position, (value, (_, kind, _, digits)) in enumerate(
                zip(row, columns, strict=True)
            ):
                classes = ["num" if kind not in ("text", "date", "bool") else "txt"]
                if position >= self.client_columns:
                    classes.append("crmlab-extra")
                tag = "th" if position < self.n_index else "td"
                if kind in ("number", "count") and self.n_index:
                    kind = _row_kind(row[0], value) or kind
                text_value = escape_html(_cell(value, kind, digits, self.currency))
                cells.append(f'<{tag} class="{" ".join(classes)}">{text_value}</{tag}>')
            body.append(f"<tr>{''.join(cells)}</tr>")
        notes = []
        if self.caption:
            notes.append(f"<caption>{escape_html(self.caption)}</caption>")
        foot = []
        if n_rows > len(shown):
            foot.append(f"First {count(len(shown))} of {count(n_rows)} rows.")
        if len(columns) > self.client_columns:
            foot.append(
                f'<span class="crmlab-more">{count(self.client_columns)} of '
                f"{count(len(columns))} columns shown; the teaching report shows all.</span>"
            )
        footer = f'<p class="crmlab-table-note">{" ".join(foot)}</p>' if foot else ""
        return (
            '<div class="crmlab-table-wrap tex2jax_ignore"><table class="crmlab-table">'
            f"{''.join(notes)}<thead><tr>{''.join(head)}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{footer}</div>"
        )

    def __repr__(self) -> str:
        return self.frame.head(self.max_rows).to_string(index=False)


def table(frame: Any, currency: str = "", caption: str = "", max_rows: int = MAX_ROWS) -> Table:
    """A DataFrame or Series formatted for a report (see :class:`Table`).

    Shares (``*_share``, ``*_rate``, ... with values in 0..1) become percentages, p-values
    ``< 0.001``, money columns (``revenue``, ``clv``, ``margin``, ...) get thousands separators
    and ``currency`` in the label, other numbers three significant digits; a RangeIndex is
    dropped, another index becomes the first column(s); all-empty columns are dropped; missing
    values show as a dash. Every label and value is escaped.

    Examples
    --------
    >>> import pandas as pd
    >>> html = table(pd.DataFrame({"revenue_share": [0.175223], "p": [0.0]}))._repr_html_()
    >>> "17.5%" in html and "&lt; 0.001" in html and "dtype" not in html
    True
    """
    return Table(frame, currency=currency, caption=caption, max_rows=max_rows)


def figure_title(figure: Any) -> str:
    """A Matplotlib figure's title (its suptitle, else its first axes title), or ``""``."""
    suptitle = getattr(figure, "_suptitle", None)
    if suptitle is not None and suptitle.get_text():
        return str(suptitle.get_text())
    for ax in getattr(figure, "axes", []):
        for loc in ("center", "left", "right"):
            title = ax.get_title(loc=loc)
            if title:
                return str(title)
    for ax in getattr(figure, "axes", []):
        if ax.get_ylabel() or ax.get_xlabel():
            return f"{ax.get_ylabel()} against {ax.get_xlabel()}".strip()
    return ""


def use_report_display(currency: str = "") -> None:
    """Show every DataFrame and Series of the running notebook through :func:`table`.

    Called once per notebook (after ``import crmlab.plots``): registers ``text/html``
    formatters for DataFrames and Series (no ``dtype:`` printouts, money in ``currency``), and
    gives every Matplotlib figure its title as alt text. Outside IPython it does nothing.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return
    shell = get_ipython()
    if shell is None:
        return
    import pandas as pd

    formatters = shell.display_formatter.formatters
    html_formatter = formatters["text/html"]
    html_formatter.for_type(pd.DataFrame, lambda df: table(df, currency)._repr_html_())
    html_formatter.for_type(pd.Series, lambda s: table(s, currency)._repr_html_())
    try:
        import matplotlib
        import matplotlib.pyplot as plt
        from matplotlib.figure import Figure

        # Load the backend now: the inline backend registers its PNG formatter when it is
        # loaded, which would otherwise happen at the first figure and replace ours.
        plt.switch_backend(matplotlib.get_backend())
        png = formatters["image/png"]
        original = png.lookup_by_type(Figure)
    except (ImportError, KeyError):
        return
    if getattr(original, "_crmlab_alt", False):
        return

    def with_alt(fig: Any) -> Any:
        data = original(fig)
        title = figure_title(fig)
        return (data, {"alt": title}) if title and data is not None else data

    with_alt._crmlab_alt = True  # type: ignore[attr-defined]
    png.for_type(Figure, with_alt)


def source_name(path: str, default: str) -> str:
    """How a report names its data: the file name of ``path``, or ``default`` when empty."""
    if not path:
        return default
    return re.split(r"[\\/]", str(path).rstrip("/\\"))[-1] or str(path)


def data_description(
    frame: Any,
    source: str,
    *,
    currency: str = "",
    customer_column: str = "customer_id",
    date_column: str = "date",
    amount_column: str = "amount",
) -> Note:
    """One computed sentence describing the data used: source, period, customers, currency.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2], "date": pd.to_datetime(
    ...     ["2024-01-02", "2024-03-01", "2024-02-01"]), "amount": [5.0, 7.0, 3.0]})
    >>> str(data_description(tx, "orders.csv", currency="EUR"))
    'Data: orders.csv, 2024-01-02 to 2024-03-01; 2 customers (1 one-time buyer, 50%); 3 transaction lines; amounts in EUR.'
    """
    import pandas as pd

    parts = [f"Data: {source}"]
    if date_column in frame and len(frame):
        dates = pd.to_datetime(frame[date_column])
        parts[0] += f", {dates.min():%Y-%m-%d} to {dates.max():%Y-%m-%d}"
    sentence = parts[0]
    if customer_column in frame:
        n = int(frame[customer_column].nunique())
        sentence += f"; {count(n)} {'customer' if n == 1 else 'customers'}"
        if date_column in frame and n:
            days = frame.assign(_d=pd.to_datetime(frame[date_column]).dt.normalize())
            per = days.groupby(customer_column)["_d"].nunique()
            ones = int((per == 1).sum())
            sentence += (
                f" ({count(ones)} one-time {'buyer' if ones == 1 else 'buyers'}, {pct(ones / n)})"
            )
    sentence += f"; {count(len(frame))} transaction {'line' if len(frame) == 1 else 'lines'}"
    if amount_column in frame:
        sentence += f"; amounts in {currency}" if currency else "; amounts in the data's currency"
    return note("{}", sentence + ".")
