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
from matplotlib import cycler
from matplotlib.axes import Axes

from crmlab.errors import DataError
from crmlab.text import escape_mathtext

__all__ = ["PALETTE", "crmlab_theme", "use_theme"]

#: Colour-blind-safe palette used by every crmlab figure: seaborn's ``"colorblind"`` palette as RGB
#: tuples (stored, so that drawing a figure does not import seaborn and scipy.stats; a test
#: compares it with ``seaborn.color_palette("colorblind")``).
PALETTE = [
    (0.00392156862745098, 0.45098039215686275, 0.6980392156862745),
    (0.8705882352941177, 0.5607843137254902, 0.0196078431372549),
    (0.00784313725490196, 0.6196078431372549, 0.45098039215686275),
    (0.8352941176470589, 0.3686274509803922, 0.0),
    (0.8, 0.47058823529411764, 0.7372549019607844),
    (0.792156862745098, 0.5686274509803921, 0.3803921568627451),
    (0.984313725490196, 0.6862745098039216, 0.8941176470588236),
    (0.5803921568627451, 0.5803921568627451, 0.5803921568627451),
    (0.9254901960784314, 0.8823529411764706, 0.2),
    (0.33725490196078434, 0.7058823529411765, 0.9137254901960784),
]

# seaborn's "whitegrid" style (``seaborn.axes_style("whitegrid")``) without its default colour map
# ("rocket" exists only once seaborn is imported; every crmlab figure names its colour map), and
# its "notebook" context (``seaborn.plotting_context("notebook")``): stored so that the theme does
# not import seaborn. tests/plots/test_theme_rc.py compares them with seaborn's.
_STYLE = {
    "figure.facecolor": "white",
    "axes.labelcolor": ".15",
    "xtick.direction": "out",
    "ytick.direction": "out",
    "xtick.color": ".15",
    "ytick.color": ".15",
    "axes.axisbelow": True,
    "grid.linestyle": "-",
    "text.color": ".15",
    "font.family": ["sans-serif"],
    "font.sans-serif": [
        "Arial",
        "DejaVu Sans",
        "Liberation Sans",
        "Bitstream Vera Sans",
        "sans-serif",
    ],
    "lines.solid_capstyle": "round",
    "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.top": False,
    "ytick.right": False,
    "axes.grid": True,
    "axes.facecolor": "white",
    "axes.edgecolor": ".8",
    "grid.color": ".8",
    "axes.spines.left": True,
    "axes.spines.bottom": True,
    "axes.spines.right": True,
    "axes.spines.top": True,
    "xtick.bottom": False,
    "ytick.left": False,
}
_CONTEXT = {
    "axes.linewidth": 1.25,
    "grid.linewidth": 1,
    "lines.linewidth": 1.5,
    "lines.markersize": 6,
    "patch.linewidth": 1,
    "xtick.major.width": 1.25,
    "ytick.major.width": 1.25,
    "xtick.minor.width": 1,
    "ytick.minor.width": 1,
    "xtick.major.size": 6,
    "ytick.major.size": 6,
    "xtick.minor.size": 4,
    "ytick.minor.size": 4,
    "font.size": 12,
    "axes.labelsize": 12,
    "axes.titlesize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 12,
}

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
        with plt.rc_context(_STYLE), plt.rc_context(_RC):
            yield
            state = matplotlib.is_interactive()
    finally:
        if state is not None and matplotlib.is_interactive() != state:
            matplotlib.interactive(state)


def use_theme() -> None:
    """Apply crmlab's theme globally (for notebooks); library code never calls this."""
    # what ``seaborn.set_theme(style="whitegrid", palette=PALETTE, rc=_RC)`` sets
    matplotlib.rcParams.update(_CONTEXT)
    matplotlib.rcParams.update(_STYLE)
    matplotlib.rcParams["axes.prop_cycle"] = cycler("color", PALETTE)
    matplotlib.rcParams.update(_RC)


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
