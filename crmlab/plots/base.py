"""The crmlab figure theme and small helpers shared by every plot module.

Every string drawn from the data (brand, attribute, item, dimension, segment, category, cluster
and model names, and titles built from them) goes through :func:`_text`, so Matplotlib never
reads it as mathtext: a name holding ``$\\frac$`` draws as typed instead of aborting the figure.
Legends with entries named by the data are built with :func:`_legend`, so a name starting with
``_`` is shown (Matplotlib drops such labels from automatic legends).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from crmlab.errors import DataError
from crmlab.text import escape_mathtext

__all__ = ["PALETTE", "crmlab_theme", "use_theme"]

#: Colour-blind-safe palette used by every crmlab figure.
PALETTE = sns.color_palette("colorblind")

_RC = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titleweight": "bold",
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "legend.frameon": False,
}


@contextmanager
def crmlab_theme() -> Iterator[None]:
    """Context manager applying crmlab's theme to the figures drawn inside it only.

    Jupyter's inline backend switches matplotlib's ``interactive`` mode on when the first figure
    is created; if that happens inside ``rc_context``, leaving the context would switch it off
    again and later figures of the notebook would not be shown. The interactive state the body
    left is therefore kept.
    """
    state = None
    try:
        with sns.axes_style("whitegrid"), plt.rc_context(_RC):
            yield
            state = matplotlib.is_interactive()
    finally:
        if state is not None and matplotlib.is_interactive() != state:
            matplotlib.interactive(state)


def use_theme() -> None:
    """Apply crmlab's theme globally (for notebooks); library code never calls this."""
    sns.set_theme(style="whitegrid", palette=PALETTE, rc=_RC)


def _need(table: pd.DataFrame, columns: list[str], source: str) -> None:
    """Raise ``DataError`` unless ``table`` has ``columns`` (plots take analysis tables)."""
    missing = [c for c in columns if c not in table]
    if missing:
        raise DataError(
            f"the table lacks {missing}; pass the output of {source}.", column=missing[0]
        )


def _new_axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    """Return ``ax`` or a fresh Axes of a new figure."""
    if ax is not None:
        return ax
    _, new = plt.subplots(figsize=figsize or _RC["figure.figsize"])
    return new


def _text(value: object) -> str:
    """A data value as a Matplotlib label that draws as typed (``$`` escaped)."""
    return escape_mathtext(value)


def _texts(values: Iterable[object]) -> list[str]:
    """:func:`_text` of each value."""
    return [escape_mathtext(v) for v in values]


def _legend(ax: Axes, entries: Sequence[tuple[object, str]], **kwargs: object) -> None:
    """A legend of ``(handle, label)`` entries given explicitly; labels are escaped here.

    Explicit entries keep a label that starts with ``_`` (an automatic legend would drop it).
    """
    if entries:
        handles, labels = zip(*entries, strict=True)
        ax.legend(list(handles), _texts(labels), **kwargs)  # type: ignore[arg-type]
