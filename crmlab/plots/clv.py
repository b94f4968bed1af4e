"""Figures of the buy-till-you-die models (:mod:`crmlab.clv`).

Each function draws one table returned by :mod:`crmlab.clv.validation` and returns the Axes;
the figures are those of Fader, Hardie and Lee (2005, Marketing Science, Figures 1-4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crmlab.errors import DataError
from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_frequency_recency_matrix",
    "plot_heterogeneity",
    "plot_history_alive",
    "plot_holdout_by_frequency",
    "plot_repeat_frequency",
    "plot_tracking",
]


def _unit_plural(unit) -> str:
    """The plural word of a time-unit code (``"W"`` -> ``"weeks"``), empty when unknown."""
    from crmlab.transactions import TIME_UNITS

    spec = TIME_UNITS.get(str(unit)) if unit else None
    return spec.plural if spec is not None else ""


def _with_unit(label: str, unit) -> str:
    word = _unit_plural(unit)
    return f"{label} ({word})" if word else label


def plot_frequency_recency_matrix(
    matrix: pd.DataFrame,
    title: str | None = None,
    ax: Axes | None = None,
    band: tuple[pd.DataFrame, pd.DataFrame] | None = None,
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
    band : (DataFrame, DataFrame), optional
        Lower and upper bounds from :func:`crmlab.clv.validation.frequency_recency_band`: drawn
        as white contour lines of the relative width ``(upper - lower) / value`` (labelled in
        percent), so the reader sees where the heat map is uncertain.

    Returns
    -------
    Axes
    """
    with crmlab_theme():
        ax = _new_axes(ax)
        values = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
        image = ax.imshow(values, aspect="auto", origin="lower", cmap="viridis")
        ax.figure.colorbar(image, ax=ax)
        if band is not None:
            lower, upper = (np.asarray(b, dtype=float) for b in band)
            with np.errstate(divide="ignore", invalid="ignore"):
                width = 100 * (upper - lower) / matrix.to_numpy(dtype=float)
            width = np.ma.masked_invalid(width)
            if width.count() and float(width.max()) > float(width.min()):
                contours = ax.contour(width, levels=5, colors="white", linewidths=0.8)
                ax.clabel(contours, fmt="%.0f%%", fontsize=7)
        n_rec = matrix.shape[1]
        ticks = np.unique(np.linspace(0, n_rec - 1, min(n_rec, 6)).round().astype(int))
        ax.set_xticks(ticks, [f"{matrix.columns[i]:.3g}" for i in ticks])
        n_freq = matrix.shape[0]
        fticks = np.unique(np.linspace(0, n_freq - 1, min(n_freq, 8)).round().astype(int))
        ax.set_yticks(fticks, _texts(matrix.index[i] for i in fticks))
        ax.set_xlabel(_with_unit("recency", matrix.attrs.get("time_unit")))
        ax.set_ylabel("frequency (repeat purchases)")
        ax.grid(False)
        ax.set_title(_text(title) if title else "By frequency and recency")
    return ax


def plot_holdout_by_frequency(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Mean holdout purchases by calibration frequency, actual vs predicted (FHL 2005, Fig. 4).

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.clv.validation.holdout_by_frequency` (its
        ``predicted_lower``/``predicted_upper`` columns, with ``n_draws``, are drawn as a band).
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
        if {"predicted_lower", "predicted_upper"} <= set(table.columns):
            ax.fill_between(
                x,
                table["predicted_lower"],
                table["predicted_upper"],
                color=PALETTE[1],
                alpha=0.25,
                label="model interval",
            )
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
        Output of :func:`crmlab.clv.validation.tracking_data` (with models; with ``n_draws``
        each model's band is shaded).
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
    models = [m for m in models if not m.endswith(("_lower", "_upper"))]
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
            lo, hi = f"{name}{suffix}_lower", f"{name}{suffix}_upper"
            if lo in tracking.columns and hi in tracking.columns:
                ax.fill_between(
                    x, tracking[lo], tracking[hi], color=PALETTE[i % len(PALETTE)], alpha=0.2
                )
        hold = tracking.index[tracking["holdout"].to_numpy()]
        if len(hold):
            ax.axvline(hold[0] - 0.5, color="grey", ls=":", lw=1)
        unit = tracking.attrs.get("time_unit")
        word = _unit_plural(unit)
        ax.set_xlabel(f"{word} since the cohort's first purchase" if word else "period")
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
        ax.set_xlabel(_text(table.attrs.get("xlabel", "repeat purchases in calibration")))
        ax.set_ylabel("customers")
        ax.set_title(_text(table.attrs.get("title", "Repeat-purchase distribution")))
        ax.legend()
    return ax


def plot_history_alive(path: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """P(alive) of one customer over her history, purchases marked (lifetimes'
    ``plot_history_alive``).

    Parameters
    ----------
    path : DataFrame
        Output of :func:`crmlab.clv.validation.probability_alive_path`.
    ax : Axes, optional
        Where to draw.

    Returns
    -------
    Axes
    """
    _need(path, ["date", "probability_alive", "purchase"], "crmlab.clv.probability_alive_path")
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.plot(path["date"], path["probability_alive"], color=PALETTE[0], label="P(alive)")
        for day in path.loc[path["purchase"].to_numpy(), "date"]:
            ax.axvline(day, color="grey", ls="--", lw=0.8)
        ax.set_ylim(0, 1.05)
        ax.set_xlabel("date")
        ax.set_ylabel("P(alive)")
        ax.set_title("P(alive) over the customer's history (dashed: repeat purchases)")
    return ax


def plot_heterogeneity(model, axes: Sequence[Axes] | None = None) -> np.ndarray:
    """Distributions of the purchase rate and of the drop-out across customers.

    Left: the gamma density of the purchase rate ``lambda ~ Gamma(r, alpha)`` (per time unit;
    for the (M)BG/CNBD-k the rate of purchases is ``lambda / k``). Right: the beta density of
    the drop-out probability ``p ~ Beta(a, b)`` (BG/NBD family) or the gamma density of the
    drop-out rate ``mu ~ Gamma(s, beta)`` (Pareto/NBD, GGom/NBD).

    Parameters
    ----------
    model : fitted transaction model with parameters ``r, alpha`` and ``a, b`` or ``s, beta``
    axes : two Axes, optional
        Where to draw; a new figure with two panels otherwise.

    Returns
    -------
    ndarray of two Axes
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    params = getattr(model, "params_", None)
    if params is None or not {"r", "alpha"} <= set(params.index):
        raise DataError(
            "plot_heterogeneity needs a fitted transaction model with parameters r and alpha "
            "(BGNBD, MBGNBD, ParetoNBD, BGCNBD, ...); fit it first.",
        )
    with crmlab_theme():
        if axes is None:
            fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        axes = np.asarray(axes)
        k = float(getattr(model, "_k", 1) or 1)
        rate = stats.gamma(params["r"], scale=1 / (k * params["alpha"]))
        top = float(rate.ppf(0.99))
        grid = np.linspace(top / 400, top, 400)
        axes[0].plot(grid, rate.pdf(grid), color=PALETTE[0])
        axes[0].axvline(float(rate.mean()), color="grey", ls=":", lw=1)
        axes[0].set_xlabel("purchase rate per time unit")
        axes[0].set_ylabel("density")
        axes[0].set_title("Purchase rate across customers")
        if {"a", "b"} <= set(params.index):
            drop = stats.beta(params["a"], params["b"])
            grid = np.linspace(0.0025, 0.9975, 400)
            axes[1].set_xlabel("drop-out probability after a purchase")
        elif {"s", "beta"} <= set(params.index):
            drop = stats.gamma(params["s"], scale=1 / params["beta"])
            top = float(drop.ppf(0.99))
            grid = np.linspace(top / 400, top, 400)
            axes[1].set_xlabel("drop-out rate per time unit")
        else:
            raise DataError(
                "plot_heterogeneity: the model has neither a, b (BG/NBD family) nor s, beta "
                "(Pareto/NBD) among its parameters.",
            )
        axes[1].plot(grid, drop.pdf(grid), color=PALETTE[1])
        axes[1].axvline(float(drop.mean()), color="grey", ls=":", lw=1)
        axes[1].set_ylabel("density")
        axes[1].set_title("Drop-out across customers")
    return axes
