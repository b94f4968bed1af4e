"""Figures of the customer-base analyses (:mod:`crmlab.rfm`, :mod:`crmlab.profitability`).

Each function draws one table returned by the analysis modules and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from crmlab.errors import ParameterError
from crmlab.plots.base import PALETTE, _need, _new_axes, _texts, crmlab_theme

__all__ = [
    "plot_cross_buying",
    "plot_interpurchase_histogram",
    "plot_profit_deciles",
    "plot_rfm_heatmap",
    "plot_segments",
    "plot_whale_curve",
]


def _unit(label: str, unit: str) -> str:
    """An axis label with its unit in brackets (no brackets without a unit)."""
    return f"{label} ({unit})" if unit else label


#: Columns that hold the M measure of RFM scores, newest first (``attrs["monetary_column"]``).
_MONETARY_COLUMNS = ("spend_per_purchase_day", "monetary_value", "spend_per_day")
_MONETARY_WORDS = {
    "spend_per_purchase_day": "mean spend per purchase day",
    "monetary_value": "mean spend per repeat purchase day",
    "spend_per_day": "mean spend per purchase day",
}


def plot_rfm_heatmap(
    scores: pd.DataFrame, value: str = "count", ax: Axes | None = None, currency: str = ""
) -> Axes:
    """R x F grid of customer counts or of mean spend per purchase day.

    Parameters
    ----------
    scores : DataFrame
        Output of :func:`crmlab.rfm.rfm_scores_all_days` or :func:`crmlab.rfm.rfm_scores`.
    value : {"count", "monetary"}
        Number of customers per cell, or the mean M measure per cell (the column named in
        ``scores.attrs["monetary_column"]``: spend per purchase day, or per repeat purchase day).
    ax : Axes, optional
    currency : str, optional
        Currency of the amounts, shown in the colour bar's label (e.g. ``"EUR"``).

    Returns
    -------
    Axes
        Rows are R scores (best on top), columns F scores; each cell is annotated.
    """
    monetary = scores.attrs.get("monetary_column") or next(
        (c for c in _MONETARY_COLUMNS if c in scores), _MONETARY_COLUMNS[0]
    )
    _need(scores, ["R", "F", monetary], "crmlab.rfm.rfm_scores_all_days")
    if value not in ("count", "monetary"):
        raise ParameterError(
            f"value must be 'count' or 'monetary', got {value!r}.", parameter="value"
        )
    n_bins = int(scores.attrs.get("n_bins", max(scores["R"].max(), scores["F"].max())))
    levels = list(range(1, n_bins + 1))
    if value == "count":
        grid = pd.crosstab(scores["R"], scores["F"]).reindex(
            index=levels, columns=levels, fill_value=0
        )
        fmt, label = "d", "customers"
    else:
        grid = scores.pivot_table(
            index="R", columns="F", values=monetary, aggfunc="mean", observed=False
        ).reindex(index=levels, columns=levels)
        fmt, label = ".0f", _unit(_MONETARY_WORDS.get(monetary, monetary), currency)
    grid = grid.iloc[::-1]
    with crmlab_theme():
        ax = _new_axes(ax)
        import seaborn as sns  # here: seaborn imports scipy.stats (1 s)

        sns.heatmap(
            grid,
            ax=ax,
            annot=True,
            fmt=fmt,
            cmap="Blues",
            cbar_kws={"label": label},
            linewidths=0.5,
        )
        ax.grid(False)
        ax.set_xlabel(f"F score 1-{n_bins} (number of purchase days; {n_bins} = most)")
        ax.set_ylabel(f"R score 1-{n_bins} (recency; {n_bins} = most recent)")
        ax.set_title(f"RFM grid: {label}")
    return ax


def plot_segments(segment_table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of customers and share of revenue of each RFM segment, side by side.

    Parameters
    ----------
    segment_table : DataFrame
        Output of :func:`crmlab.rfm.segment_summary`; segments with no customers are skipped.
    ax : Axes, optional

    Returns
    -------
    Axes
        Horizontal bars, two per segment (customers, revenue), in percent.
    """
    _need(segment_table, ["share", "revenue_share", "customers"], "crmlab.rfm.segment_summary")
    table = segment_table.loc[segment_table["customers"] > 0].iloc[::-1]
    y = np.arange(len(table))
    height = 0.4
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.0, 0.45 * len(table) + 1.5))
        ax.barh(y + height / 2, table["share"], height, color=PALETTE[0], label="customers")
        ax.barh(y - height / 2, table["revenue_share"], height, color=PALETTE[1], label="revenue")
        ax.set_yticks(y, _texts(table.index))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("share of all customers / of total revenue (%)")
        ax.set_title("RFM segments: customers and revenue")
        ax.legend(loc="lower right")
    return ax


def plot_interpurchase_histogram(
    gaps: pd.DataFrame, ax: Axes | None = None, bins: int = 40, unit: str = "days"
) -> Axes:
    """Histogram of the times between consecutive purchase days, with the median marked.

    Parameters
    ----------
    gaps : DataFrame
        Output of :func:`crmlab.rfm.interpurchase_times` (column ``gap``).
    ax : Axes, optional
    bins : int
        Number of histogram bins.
    unit : str
        Word for the gaps' time unit, used in the axis label.

    Returns
    -------
    Axes
        One bar per bin and one vertical line at the median gap.
    """
    _need(gaps, ["gap"], "crmlab.rfm.interpurchase_times")
    values = gaps["gap"].to_numpy(dtype=float)
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.hist(values, bins=bins, color=PALETTE[0], edgecolor="white")
        if len(values):
            median = float(np.median(values))
            ax.axvline(
                median, color=PALETTE[3], linestyle="--", label=f"median {median:.0f} {unit}"
            )
            ax.legend()
        ax.set_xlabel(f"time since the previous purchase ({unit})")
        ax.set_ylabel("repeat purchases (count)")
        ax.set_title("Interpurchase times")
    return ax


def plot_whale_curve(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """The whale curve: cumulative share of profit against the share of customers.

    Parameters
    ----------
    curve : DataFrame
        Output of :func:`crmlab.profitability.whale_curve`.
    ax : Axes, optional

    Returns
    -------
    Axes
        The curve, a dashed line at 100% of total profit and the peak marked with its value.
    """
    _need(curve, ["customer_share", "cumulative_profit_share"], "whale_curve")
    x = curve["customer_share"].to_numpy(dtype=float)
    y = curve["cumulative_profit_share"].to_numpy(dtype=float)
    peak = int(np.argmax(y))
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.plot(x, y, color=PALETTE[0], linewidth=2, label="cumulative profit")
        ax.axhline(1.0, color="grey", linestyle="--", linewidth=1, label="100% of total profit")
        ax.plot([x[peak]], [y[peak]], marker="o", color=PALETTE[3], linestyle="none", label="peak")
        ax.annotate(
            f"peak {100 * y[peak]:.0f}% at {100 * x[peak]:.0f}% of customers",
            xy=(x[peak], y[peak]),
            xytext=(0.35, 0.35),
            textcoords="axes fraction",
            arrowprops={"arrowstyle": "->", "color": "grey"},
        )
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlim(0, 1)
        ax.set_ylim(min(0.0, float(y.min())), max(1.05, float(y.max()) * 1.05))
        ax.set_xlabel("share of customers, most profitable first (%)")
        ax.set_ylabel("cumulative share of total profit (%)")
        ax.set_title("Whale curve")
        ax.legend(loc="lower right")
    return ax


def plot_profit_deciles(deciles: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of total profit earned by each profit decile (negative bars lose money).

    Parameters
    ----------
    deciles : DataFrame
        Output of :func:`crmlab.profitability.profit_deciles`.
    ax : Axes, optional

    Returns
    -------
    Axes
        One bar per decile; loss-making deciles in a second colour.
    """
    _need(deciles, ["profit_share"], "crmlab.profitability.profit_deciles")
    share = deciles["profit_share"].to_numpy(dtype=float)
    colors = [PALETTE[0] if s >= 0 else PALETTE[3] for s in share]
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.arange(len(share))
        ax.bar(x, share, color=colors)
        ax.set_xticks(x, _texts(deciles.index))
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("profit decile (1 = most profitable 10% of customers)")
        ax.set_ylabel("share of total profit (%)")
        ax.set_title("Profit by customer decile")
    return ax


def plot_cross_buying(
    cross_summary: pd.DataFrame, ax: Axes | None = None, currency: str = ""
) -> Axes:
    """Mean revenue per customer by number of categories bought, bars labelled with customers.

    Parameters
    ----------
    cross_summary : DataFrame
        Output of :func:`crmlab.profitability.cross_buying_summary`.
    ax : Axes, optional
    currency : str, optional
        Currency of the amounts, shown in the axis label (e.g. ``"EUR"``).

    Returns
    -------
    Axes
        One bar per number of categories; each labelled with its number of customers.
    """
    _need(cross_summary, ["mean_revenue", "customers"], "cross_buying_summary")
    labels = _texts(cross_summary.index)
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.arange(len(labels))
        bars = ax.bar(x, cross_summary["mean_revenue"], color=PALETTE[2])
        ax.set_xticks(x, labels)
        ax.bar_label(bars, labels=[f"n={c:,}" for c in cross_summary["customers"]], padding=2)
        ax.set_xlabel("number of categories bought")
        ax.set_ylabel(_unit("mean revenue per customer", currency))
        ax.set_title("Cross-buying")
    return ax
