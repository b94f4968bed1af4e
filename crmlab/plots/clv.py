"""Figures of the buy-till-you-die models (:mod:`crmlab.clv`).

Each function draws one table returned by :mod:`crmlab.clv.validation` and returns the Axes;
the figures are those of Fader, Hardie and Lee (2005, Marketing Science, Figures 1-4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_frequency_recency_matrix",
    "plot_holdout_by_frequency",
    "plot_repeat_frequency",
    "plot_tracking",
]


def plot_frequency_recency_matrix(
    matrix: pd.DataFrame, title: str | None = None, ax: Axes | None = None
) -> Axes:
    """Heat map of expected purchases or P(alive) by frequency (rows) and recency (columns).

    Parameters
    ----------
    matrix : DataFrame
        Output of :func:`crmlab.clv.validation.frequency_recency_matrix`.
    title : str, optional
        Figure title.
    ax : Axes, optional
        Where to draw; a new figure otherwise.

    Returns
    -------
    Axes
    """
    with crmlab_theme():
        ax = _new_axes(ax)
        values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
        image = ax.imshow(values, aspect="auto", origin="lower", cmap="viridis")
        ax.figure.colorbar(image, ax=ax)
        n_rec = matrix.shape[1]
        ticks = np.unique(np.linspace(0, n_rec - 1, min(n_rec, 6)).round().astype(int))
        ax.set_xticks(ticks, [f"{matrix.columns[i]:.3g}" for i in ticks])
        n_freq = matrix.shape[0]
        fticks = np.unique(np.linspace(0, n_freq - 1, min(n_freq, 8)).round().astype(int))
        ax.set_yticks(fticks, _texts(matrix.index[i] for i in fticks))
        ax.set_xlabel("recency")
        ax.set_ylabel("frequency (repeat purchases)")
        ax.grid(False)
        ax.set_title(_text(title) if title else "By frequency and recency")
    return ax


def plot_holdout_by_frequency(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs predicted (FHL 2005, Fig. 4).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.clv.validation.holdout_by_frequency`.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    _need(table, ["actual", "predicted"], "crmlab.clv.validation.holdout_by_frequency")
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.asarray(table.index)
        ax.plot(x, table["actual"], marker="o", color=PALETTE[0], label="actual")
        ax.plot(x, table["predicted"], marker="s", ls="--", color=PALETTE[1], label="model")
        labels = [str(v) for v in x]
        labels[-1] = f"{labels[-1]}+"
        ax.set_xticks(x, _texts(labels))
        ax.set_xlabel("repeat purchases in calibration")
        ax.set_ylabel("mean purchases in holdout")
        ax.set_title("Conditional expectations")
        ax.legend()
    return ax


def plot_tracking(tracking: pd.DataFrame, cumulative: bool = True, ax: Axes | None = None) -> Axes:
    """Actual and expected repeat transactions per period (FHL 2005, Figures 2-3).

    Parameters
    ----------
    tracking : DataFrame
        Output of :func:`crmlab.clv.validation.tracking_data` (with models).
    cumulative : bool, default True
        Cumulative totals (Figure 2) or per-period counts (Figure 3).
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    _need(
        tracking, ["actual", "actual_cumulative", "holdout"], "crmlab.clv.validation.tracking_data"
    )
    models = [c[: -len("_cumulative")] for c in tracking.columns if c.endswith("_cumulative")]
    models = [m for m in models if m != "actual"]
    suffix = "_cumulative" if cumulative else ""
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.asarray(tracking.index)
        (line,) = ax.plot(x, tracking[f"actual{suffix}"], color="black", label="actual")
        entries: list[tuple[object, str]] = [(line, "actual")]
        for i, name in enumerate(models):
            (line,) = ax.plot(
                x,
                tracking[f"{name}{suffix}"],
                ls="--",
                color=PALETTE[i % len(PALETTE)],
                label=_text(name),
            )
            entries.append((line, name))
        hold = tracking.index[tracking["holdout"].to_numpy()]
        if len(hold):
            ax.axvline(hold[0] - 0.5, color="grey", ls=":", lw=1)
        ax.set_xlabel("period")
        ax.set_ylabel("cumulative repeat transactions" if cumulative else "repeat transactions")
        ax.set_title("Tracking: cumulative" if cumulative else "Tracking: per period")
        _legend(ax, entries)
    return ax


def plot_repeat_frequency(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customers by number of repeat purchases, actual vs model (FHL 2005, Figure 1).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.clv.validation.repeat_frequency_distribution`.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    _need(table, ["actual", "expected"], "crmlab.clv.validation.repeat_frequency_distribution")
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.arange(len(table))
        width = 0.4
        ax.bar(x - width / 2, table["actual"], width, color=PALETTE[0], label="actual")
        ax.bar(x + width / 2, table["expected"], width, color=PALETTE[1], label="model")
        labels = [str(v) for v in table.index]
        labels[-1] = f"{labels[-1]}+"
        ax.set_xticks(x, _texts(labels))
        ax.set_xlabel("repeat purchases in calibration")
        ax.set_ylabel("customers")
        ax.set_title("Repeat-purchase distribution")
        ax.legend()
    return ax
