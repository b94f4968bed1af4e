"""Figures of the retention analyses (:mod:`crmlab.retention`).

Each function draws one table (or fitted model output) of :mod:`crmlab.retention` and returns
the Axes; nothing is computed here beyond what drawing needs.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter, PercentFormatter

from crmlab.errors import DataError
from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme
from crmlab.transactions import unit_word

__all__ = [
    "plot_cohort_heatmap",
    "plot_hazard_ratios",
    "plot_overdue",
    "plot_retention_rates",
    "plot_sbg_projection",
    "plot_sbg_projections",
    "plot_survival_curves",
]


def plot_retention_rates(rates: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Customer retention rate (and churn rate) by calendar period.

    Parameters
    ----------
    rates : DataFrame
        Output of :func:`crmlab.retention.retention_rates`. Incomplete periods (``complete``
        False) are drawn as hollow markers.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    _need(rates, ["retention_rate"], "crmlab.retention.retention_rates")
    with crmlab_theme():
        ax = _new_axes(ax)
        x = np.arange(len(rates))
        crr = rates["retention_rate"].to_numpy(dtype=float)
        ax.plot(x, crr, marker="o", color=PALETTE[0], label="retention rate")
        if "complete" in rates:
            partial = ~rates["complete"].to_numpy(dtype=bool)
            if partial.any():
                ax.plot(
                    x[partial],
                    crr[partial],
                    linestyle="none",
                    marker="o",
                    markerfacecolor="white",
                    color=PALETTE[0],
                    label="incomplete period",
                )
        mean = np.nanmean(crr) if np.isfinite(crr).any() else np.nan
        if np.isfinite(mean):
            ax.axhline(mean, color="grey", linestyle=":", linewidth=1, label=f"mean {mean:.1%}")
        step = max(1, len(x) // 12)
        ax.set_xticks(x[::step], _texts(rates.index[::step]), rotation=45, ha="right")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylim(0, min(1.0, np.nanmax(np.append(crr, 0)) * 1.15 + 0.02))
        ax.set_xlabel(f"calendar period ({_period_words(rates.index).removesuffix('s')})")
        ax.set_ylabel("customers retained from the previous period (%)")
        ax.set_title("Customer retention rate")
        ax.legend()
    return ax


def _period_words(index: pd.Index) -> str:
    """ "months" for a monthly PeriodIndex (weeks, quarters, years ...), "periods" otherwise."""
    freq = getattr(index, "freqstr", None)
    return unit_word(str(freq)[:1].upper(), 2) if freq else "periods"


def _tick_step(n: int, most: int) -> int:
    """Label every ``step``-th of ``n`` ticks so that at most ``most`` labels are drawn."""
    return max(1, int(np.ceil(n / most)))


#: Largest figure of a cohort heat map (inches); cells shrink instead, down to no annotation.
_HEATMAP_MAX = (12.0, 9.0)


def plot_cohort_heatmap(
    table: pd.DataFrame,
    annotate: bool = True,
    max_periods: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of an acquisition-cohort table (seaborn).

    Labels never collide: at most about 20 column and 25 row labels are written (every k-th
    otherwise), column labels are rotated when long, and the cell annotations shrink with the
    cells (no annotation once a cell is too small for a legible percentage).

    Parameters
    ----------
    table : DataFrame
        :func:`crmlab.retention.cohort_retention_table` (shares, shown as percentages) or
        :func:`crmlab.retention.cohort_counts_table` (counts).
    annotate : bool, default True
        Write the values in the cells (when they fit).
    max_periods : int, optional
        Show only periods since acquisition 0..max_periods.
    ax : Axes, optional

    Returns
    -------
    Axes
        The axis labels name the calendar period of the cohorts ("periods since acquisition
        (months)").
    """
    if not isinstance(table, pd.DataFrame) or table.empty:
        raise DataError(
            "pass a non-empty cohort table from crmlab.retention.cohort_retention_table."
        )
    data = table if max_periods is None else table.loc[:, table.columns[: max_periods + 1]]
    values = data.to_numpy(dtype=float)
    shares = np.nanmax(values) <= 1.0 + 1e-12
    n_rows, n_cols = data.shape
    width = min(_HEATMAP_MAX[0], max(6.0, 0.55 * n_cols + 2))
    height = min(_HEATMAP_MAX[1], max(3.0, 0.4 * n_rows + 1.5))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(width, height))
        fig_w, fig_h = ax.figure.get_size_inches()
        box = ax.get_position()
        # cell size in points (the colour bar takes about a fifth of the width)
        cell_w = 72 * fig_w * box.width * 0.8 / max(n_cols, 1)
        cell_h = 72 * fig_h * box.height / max(n_rows, 1)
        longest = 4 if shares else len(f"{np.nanmax(values):.0f}")
        size = float(min(8.0, 0.9 * cell_h, 1.6 * cell_w / max(longest, 1)))
        write = bool(annotate and size >= 5.0)
        rows = data.index
        if isinstance(rows, pd.PeriodIndex) and rows.freqstr.startswith("W"):
            rows = pd.Index([str(p.start_time.date()) for p in rows])  # a week by its first day
        frame = pd.DataFrame(values, index=_texts(rows), columns=_texts(data.columns))
        x_step, y_step = _tick_step(n_cols, 20), _tick_step(n_rows, 25)
        import seaborn as sns  # here: seaborn imports scipy.stats (1 s)

        sns.heatmap(
            frame,
            ax=ax,
            cmap="Blues",
            annot=write,
            fmt=".0%" if shares else ".0f",
            vmin=0,
            vmax=float(np.nanmax(values[:, 1:])) if shares and n_cols > 1 else None,
            cbar_kws={"format": PercentFormatter(1.0)} if shares else None,
            annot_kws={"fontsize": round(size, 1)},
            linewidths=0.3 if n_cols <= 40 else 0.0,
            xticklabels=x_step,
            yticklabels=y_step,
        )
        long_labels = max((len(t.get_text()) for t in ax.get_xticklabels()), default=0) > 3
        ax.tick_params(axis="x", labelrotation=45 if long_labels else 0)
        ax.tick_params(axis="y", labelrotation=0)
        ax.grid(False)  # no theme grid through the cells not yet observable
        words = _period_words(data.index)
        ax.set_xlabel(f"periods since acquisition ({words})")
        ax.set_ylabel(f"cohort ({words.removesuffix('s')} of first purchase)")
        ax.set_title("Share of cohort active" if shares else "Active customers by cohort")
    return ax


def plot_survival_curves(
    km: pd.DataFrame, bands: bool = True, unit: str = "", ax: Axes | None = None
) -> Axes:
    """Kaplan-Meier survival curves, one step line per group, with pointwise bands.

    Parameters
    ----------
    km : DataFrame
        Output of :func:`crmlab.retention.kaplan_meier`.
    bands : bool, default True
        Shade the ``lower``-``upper`` interval.
    unit : str, optional
        Word for the time unit, used in the axis label ("days").
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    _need(km, ["group", "time", "survival", "lower", "upper"], "crmlab.retention.kaplan_meier")
    with crmlab_theme():
        ax = _new_axes(ax)
        entries: list[tuple[object, str]] = []
        for i, (name, piece) in enumerate(km.groupby("group", sort=True)):
            color = PALETTE[i % len(PALETTE)]
            (line,) = ax.step(
                piece["time"], piece["survival"], where="post", color=color, label=_text(name)
            )
            entries.append((line, str(name)))
            if bands:
                ax.fill_between(
                    piece["time"],
                    piece["lower"],
                    piece["upper"],
                    step="post",
                    color=color,
                    alpha=0.2,
                    linewidth=0,
                )
        ax.set_ylim(0, 1.02)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(
            f"time since first purchase ({unit})" if unit else "time since first purchase"
        )
        ax.set_ylabel("share not churned (%)")
        ax.set_title("Kaplan-Meier survival")
        _legend(ax, entries, title=None)
    return ax


def plot_hazard_ratios(cox: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Forest plot of Cox hazard ratios with their confidence intervals (log scale).

    Parameters
    ----------
    cox : DataFrame
        Output of :func:`crmlab.retention.cox_effects` (a logged covariate's hazard ratio per
        doubling, labelled so) or of :func:`crmlab.retention.cox_model` (per unit).
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    _need(cox, ["hazard_ratio", "lower", "upper"], "crmlab.retention.cox_model")
    names = list(cox.index)
    if "change" in cox.columns:
        shown = cox["variable"] if "variable" in cox.columns else pd.Series(cox.index, cox.index)
        names = [
            f"{v} (per doubling)" if c == "doubling" else str(n)
            for n, v, c in zip(cox.index, shown, cox["change"], strict=True)
        ]
    level = round(100 * (1 - float(cox.attrs.get("alpha", 0.05))))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(6.5, 1.2 + 0.5 * len(cox)))
        y = np.arange(len(cox))[::-1]
        hr = cox["hazard_ratio"].to_numpy(dtype=float)
        err = np.vstack([hr - cox["lower"].to_numpy(float), cox["upper"].to_numpy(float) - hr])
        ax.errorbar(hr, y, xerr=err, fmt="o", color=PALETTE[0], capsize=3)
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        low, high = float(np.nanmin(cox["lower"])), float(np.nanmax(cox["upper"]))
        ticks = [
            v for v in (0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 4.0) if low <= v <= high
        ]
        if 1.0 not in ticks:
            ticks.append(1.0)
        ax.set_xticks(sorted(ticks))
        ax.set_yticks(y, _texts(names))
        ax.set_ylim(-0.7, len(cox) - 0.3)
        ax.set_xlabel(f"hazard ratio (< 1: lower churn rate, > 1: higher), {level}% interval")
        ax.set_title("Churn hazard ratios (Cox model, associations)")
    return ax


def _period_axis(projection: pd.DataFrame) -> str:
    """ "years" for a projection of yearly cohorts (``attrs["period"]``), "periods" without."""
    period = projection.attrs.get("period")
    return unit_word(str(period), 2) if period else "periods"


def plot_sbg_projection(
    projection: pd.DataFrame,
    actual: pd.Series | None = None,
    fit_periods: int | None = None,
    ax: Axes | None = None,
    band_label: str | None = None,
) -> Axes:
    """sBG projected survivors with their interval, against the observed survivors.

    Parameters
    ----------
    projection : DataFrame
        Output of :meth:`crmlab.retention.ShiftedBetaGeometric.project`.
    actual : Series, optional
        Observed survivors by period.
    fit_periods : int, optional
        Last period of the fit window, shaded.
    ax : Axes, optional
    band_label : str, optional
        Words for the band in the legend; default "95% interval (parameter uncertainty)"
        (the level of ``projection.attrs["alpha"]`` when present).

    Returns
    -------
    Axes
    """
    _need(projection, ["expected", "lower", "upper"], "ShiftedBetaGeometric.project")
    alpha = float(projection.attrs.get("alpha", 0.05))
    with crmlab_theme():
        ax = _new_axes(ax)
        x = projection.index.to_numpy()
        if fit_periods is not None:
            ax.axvspan(0, fit_periods, color="grey", alpha=0.12, label="fit window")
        band = band_label or f"{round(100 * (1 - alpha)):d}% interval (parameter uncertainty)"
        ax.fill_between(
            x,
            projection["lower"],
            projection["upper"],
            color=PALETTE[0],
            alpha=0.25,
            linewidth=0,
            label=band,
        )
        ax.plot(x, projection["expected"], color=PALETTE[0], label="sBG projection")
        if actual is not None:
            ax.plot(
                actual.index.to_numpy(),
                actual.to_numpy(dtype=float),
                linestyle="none",
                marker="o",
                color=PALETTE[1],
                label="actual",
            )
        ax.set_ylim(0, None)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(f"{_period_axis(projection)} since acquisition")
        ax.set_ylabel("customers still active (count)")
        ax.set_title("Projected vs actual survivors")
        ax.legend()
    return ax


def plot_sbg_projections(projections: dict, fit_periods: int | None = None) -> Figure:
    """One panel per fitted cohort: the sBG projection against the observed survivors.

    Parameters
    ----------
    projections : dict
        Output of :func:`crmlab.retention.sbg_projections` (cohort name ->
        :func:`crmlab.retention.sbg_projection_table`, with its ``actual`` column).
    fit_periods : int, optional
        Last period of the fit window, shaded.

    Returns
    -------
    Figure
        One Axes per cohort, titled with the cohort's name.
    """
    if not projections:
        raise DataError("projections is empty: build them with crmlab.retention.sbg_projections.")
    with crmlab_theme():
        fig, axes = plt.subplots(
            1, len(projections), figsize=(5.2 * len(projections), 3.8), squeeze=False
        )
        for ax, (name, table) in zip(axes[0], projections.items(), strict=True):
            _need(
                table, ["expected", "lower", "upper", "actual"], "crmlab.retention.sbg_projections"
            )
            plot_sbg_projection(table, table["actual"].dropna(), fit_periods, ax=ax)
            ax.set_title(f"{_text(name)}: projected vs actual survivors")
        fig.tight_layout()
    return fig


def plot_overdue(overdue: pd.DataFrame, ax: Axes | None = None, unit: str = "days") -> Axes:
    """Time since the last purchase against the usual gap, overdue customers highlighted.

    Parameters
    ----------
    overdue : DataFrame
        Output of :func:`crmlab.retention.overdue_customers`; customers with too few purchases
        are left out. The dashed line is the overdue threshold (``multiple * median_gap``).
    ax : Axes, optional
    unit : str, default "days"
        Word for the time unit of the gaps (``overdue_customers``' ``time_unit``), shown on both
        axes; a code such as ``"W"`` is written out.

    Returns
    -------
    Axes
    """
    _need(
        overdue,
        ["median_gap", "time_since_last", "threshold", "overdue"],
        "crmlab.retention.overdue_customers",
    )
    judged = overdue.loc[overdue["overdue"].notna()]
    with crmlab_theme():
        ax = _new_axes(ax)
        flag = judged["overdue"].astype(bool).to_numpy()
        for mask, label, color in (
            (~flag, "on schedule", PALETTE[0]),
            (flag, "overdue", PALETTE[3]),
        ):
            ax.scatter(
                judged["median_gap"].to_numpy()[mask],
                judged["time_since_last"].to_numpy()[mask],
                s=10,
                alpha=0.6,
                color=color,
                label=f"{label} ({int(mask.sum()):,})",
            )
        if len(judged):
            ratio = float(np.nanmedian(judged["threshold"] / judged["median_gap"]))
            top = float(judged["median_gap"].max())
            ax.plot(
                [0, top],
                [0, ratio * top],
                color="grey",
                linestyle="--",
                linewidth=1,
                label=f"threshold ({ratio:g} x usual gap)",
            )
        words = unit_word(unit, 2, default=unit) if len(unit) == 1 else unit
        ax.set_xlabel(f"usual gap: median interpurchase time ({words})")
        ax.set_ylabel(f"time since the last purchase ({words})")
        ax.set_title("Overdue customers")
        ax.legend()
    return ax
