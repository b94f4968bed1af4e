"""Figures of the satisfaction analyses (:mod:`crmlab.satisfaction`).

Each function draws one table (or fitted model) returned by the analysis and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch

from crmlab.errors import ParameterError
from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_dimension_gaps",
    "plot_drivers",
    "plot_gap_scores",
    "plot_importance_performance",
    "plot_pls_paths",
]


def _interval_dots(table: pd.DataFrame, label: str, ax: Axes, title: str) -> Axes:
    y = np.arange(len(table))[::-1]
    gap = table["gap"].to_numpy()
    colours = [PALETTE[3] if s and g < 0 else PALETTE[2] if s else "0.55"
               for s, g in zip(table["significant"], gap, strict=True)]  # fmt: skip
    ax.errorbar(
        gap,
        y,
        xerr=[gap - table["gap_lower"].to_numpy(), table["gap_upper"].to_numpy() - gap],
        fmt="none",
        ecolor="0.4",
        elinewidth=1.2,
        capsize=3,
    )
    ax.scatter(gap, y, c=colours, zorder=3, s=36)
    ax.axvline(0, color="0.2", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(_texts(table[label]))
    ax.set_xlabel("gap = perception − expectation (with confidence interval)")
    ax.set_title(title)
    return ax


def plot_gap_scores(gaps: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Dot chart of item gaps with confidence intervals, grouped by dimension.

    Red dots: significant shortfalls; green: significantly above expectations; grey: not
    significant (adjusted p, see :func:`crmlab.satisfaction.gap_scores`).
    """
    _need(gaps, ["item", "dimension", "gap", "gap_lower", "gap_upper", "significant"],
          "crmlab.satisfaction.gap_scores")  # fmt: skip
    if "segment" in gaps.columns and gaps["segment"].nunique() > 1:
        raise ParameterError("plot one segment at a time: filter the table first.")
    table = gaps.copy()
    table["_o"] = pd.factorize(table["dimension"])[0]
    table = table.sort_values(["_o"], kind="stable")
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, max(3.0, 0.28 * len(table) + 1)))
        _interval_dots(table, "item", ax, "Gap scores by item")
        y = np.arange(len(table))[::-1]
        codes = table["_o"].to_numpy()
        for b in np.flatnonzero(np.diff(codes)):
            ax.axhline((y[b] + y[b + 1]) / 2, color="0.8", lw=0.8)
        for code in np.unique(codes):
            rows = y[codes == code]
            ax.annotate(
                _text(table["dimension"].to_numpy()[codes == code][0]),
                xy=(1.01, rows.mean()),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=8,
                color="0.3",
            )
    return ax


def plot_dimension_gaps(dimensions: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Dimension gaps (and SERVQUAL scores) with confidence intervals.

    Takes :func:`crmlab.satisfaction.dimension_gaps`; with a segment column, one series per
    segment (dodged).
    """
    _need(dimensions, ["dimension", "gap", "gap_lower", "gap_upper", "significant"],
          "crmlab.satisfaction.dimension_gaps")  # fmt: skip
    seg_cols = [c for c in dimensions.columns if c not in _DIM_COLUMNS]
    with crmlab_theme():
        ax = _new_axes(ax)
        if not seg_cols:
            _interval_dots(dimensions, "dimension", ax, "Gap scores by dimension")
            return ax
        seg = seg_cols[0]
        dims = list(dict.fromkeys(dimensions["dimension"]))
        base = np.arange(len(dims))[::-1].astype(float)
        groups = list(dict.fromkeys(dimensions[seg]))
        width = 0.6 / max(len(groups) - 1, 1)
        entries: list[tuple[object, str]] = []
        for k, g in enumerate(groups):
            part = dimensions[dimensions[seg] == g].set_index("dimension").reindex(dims)
            y = base + (k - (len(groups) - 1) / 2) * width
            gap = part["gap"].to_numpy()
            bars = ax.errorbar(
                gap,
                y,
                xerr=[gap - part["gap_lower"].to_numpy(), part["gap_upper"].to_numpy() - gap],
                fmt="o",
                color=PALETTE[k % len(PALETTE)],
                capsize=3,
                label=_text(g),
            )
            entries.append((bars, str(g)))
        ax.axvline(0, color="0.2", lw=0.8)
        ax.set_yticks(base)
        ax.set_yticklabels(_texts(dims))
        ax.set_xlabel("gap = perception − expectation (with confidence interval)")
        ax.set_title(_text(f"Gap scores by dimension and {seg}"))
        _legend(ax, entries, title=_text(seg))
    return ax


_DIM_COLUMNS = {
    "dimension", "n_items", "n", "expectation_mean", "perception_mean", "gap", "gap_se",
    "gap_lower", "gap_upper", "t", "p_t", "wilcoxon_w", "p_wilcoxon", "p_adjusted", "significant",
}  # fmt: skip


def plot_importance_performance(
    ipa: pd.DataFrame, ax: Axes | None = None, label: bool = True
) -> Axes:
    """IPA scatter: performance (x) against importance (y), crosshair and quadrant labels.

    Takes :func:`crmlab.satisfaction.importance_performance`; the crosshair is read from
    ``ipa.attrs["crosshair"]`` (means when absent). Points are coloured by quadrant and, with
    ``label=True``, annotated with the item.
    """
    _need(ipa, ["item", "importance", "performance", "quadrant"],
          "crmlab.satisfaction.importance_performance")  # fmt: skip
    ci, cp = ipa.attrs.get("crosshair", (ipa["importance"].mean(), ipa["performance"].mean()))
    quads = ["concentrate here", "keep up the good work", "low priority", "possible overkill"]
    colours = dict(zip(quads, [PALETTE[3], PALETTE[2], PALETTE[7], PALETTE[0]], strict=True))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, 5.5))
        for q in quads:
            part = ipa[ipa["quadrant"] == q]
            if len(part):
                ax.scatter(part["performance"], part["importance"], color=colours[q], label=q,
                           s=40, zorder=3)  # fmt: skip
        if label:
            for _, row in ipa.iterrows():
                ax.annotate(_text(row["item"]), (row["performance"], row["importance"]),
                            xytext=(3, 3), textcoords="offset points", fontsize=7)  # fmt: skip
        ax.axvline(cp, color="0.3", lw=1, ls="--")
        ax.axhline(ci, color="0.3", lw=1, ls="--")
        corners = {
            "concentrate here": (0.02, 0.98, "left", "top"),
            "keep up the good work": (0.98, 0.98, "right", "top"),
            "low priority": (0.02, 0.02, "left", "bottom"),
            "possible overkill": (0.98, 0.02, "right", "bottom"),
        }
        for q, (x, y, ha, va) in corners.items():
            ax.text(x, y, q.capitalize(), transform=ax.transAxes, ha=ha, va=va, fontsize=9,
                    color=colours[q], fontweight="bold")  # fmt: skip
        method = ipa.attrs.get("method", "")
        ax.set_xlabel("performance (mean perception)")
        ax.set_ylabel(_text(f"importance ({method})") if method else "importance")
        ax.set_title("Importance-performance analysis")
    return ax


def plot_drivers(drivers: pd.DataFrame, ax: Axes | None = None, standardised: bool = True) -> Axes:
    """Coefficient plot of a driver model with confidence intervals (intercept/thresholds left out).

    Takes :func:`crmlab.satisfaction.driver_model`. With ``standardised=True`` and an OLS table
    the standardised betas are drawn (intervals rescaled by the same factor).
    """
    _need(drivers, ["term", "estimate", "lower", "upper", "kind"],
          "crmlab.satisfaction.driver_model")  # fmt: skip
    table = drivers[drivers["kind"] == "coefficient"].copy()
    use_std = standardised and "standardized" in table and table["standardized"].notna().all()
    if use_std:
        factor = table["standardized"] / table["estimate"]
        table["lower"], table["upper"] = table["lower"] * factor, table["upper"] * factor
        table["estimate"] = table["standardized"]
    table = table.sort_values("estimate")
    with crmlab_theme():
        ax = _new_axes(ax)
        y = np.arange(len(table))
        c = table["estimate"].to_numpy()
        ax.errorbar(c, y, xerr=[c - table["lower"].to_numpy(), table["upper"].to_numpy() - c],
                    fmt="o", color=PALETTE[0], capsize=3)  # fmt: skip
        ax.axvline(0, color="0.2", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels(_texts(table["term"]))
        kind = drivers.attrs.get("kind", "ols")
        ax.set_xlabel(
            "standardised coefficient" if use_std else
            ("log odds ratio" if kind == "ordered_logit" else "coefficient")
        )  # fmt: skip
        ax.set_title("Drivers of the outcome")
    return ax


#: Fixed positions (axes fractions) of the ECSI constructs, as drawn by Tenenhaus et al. (2005).
ECSI_LAYOUT: dict[str, tuple[float, float]] = {
    "IMAG": (0.12, 0.85),
    "EXPE": (0.08, 0.45),
    "QUAL": (0.3, 0.1),
    "VAL": (0.5, 0.3),
    "SAT": (0.6, 0.62),
    "COMP": (0.9, 0.3),
    "LOY": (0.9, 0.85),
}


def _layout(constructs: list[str], adj: np.ndarray) -> dict[str, tuple[float, float]]:
    """ECSI constructs at fixed places; otherwise columns by longest path from an exogenous
    construct, rows spread within a column and columns staggered so arrows do not overlap."""
    if set(constructs) <= set(ECSI_LAYOUT):
        return {c: ECSI_LAYOUT[c] for c in constructs}
    k = len(constructs)
    level = np.zeros(k, int)
    for _ in range(k):
        for i in range(k):
            for j in np.flatnonzero(adj[i]):
                level[j] = max(level[j], level[i] + 1)
    pos = {}
    for lv in np.unique(level):
        members = [i for i in range(k) if level[i] == lv]
        for r, i in enumerate(members):
            y = (
                0.5 + (0.2 if lv % 2 else -0.2)
                if len(members) == 1
                else 0.1 + 0.8 * r / (len(members) - 1)
            )
            pos[constructs[i]] = (0.08 + 0.84 * lv / max(level.max(), 1), y)
    return pos


def plot_pls_paths(
    model: Any,
    ax: Axes | None = None,
    layout: dict[str, tuple[float, float]] | None = None,
) -> Axes:
    """Path diagram of a fitted :class:`crmlab.satisfaction.PLSPathModel`.

    Constructs are boxes (endogenous ones show R²), arrows carry the path coefficients (solid
    when positive, dashed when negative, width by size). ``layout`` maps construct -> (x, y) in
    axes fractions; by default constructs are placed in columns by their distance from the
    exogenous constructs.
    """
    if not hasattr(model, "path_coefficients_"):
        raise ParameterError("plot_pls_paths needs a fitted PLSPathModel (call fit first).")
    paths = model.path_coefficients_
    constructs = list(paths.index)
    adj = (paths.to_numpy() != 0).astype(float)
    pos = dict(_layout(constructs, adj))
    if layout:
        pos.update(layout)
    r2 = model.r_squared_
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(8.5, 5.0))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        w, h = 0.1, 0.09
        for c in constructs:
            x, y = pos[c]
            ax.add_patch(
                FancyBboxPatch(
                    (x - w / 2, y - h / 2),
                    w,
                    h,
                    boxstyle="round,pad=0.01",
                    fc="#e8eef7",
                    ec=PALETTE[0],
                    lw=1.5,
                    zorder=2,
                )  # fmt: skip
            )
            text = c if c not in r2.index else f"{c}\nR²={r2[c]:.2f}"
            ax.text(x, y, _text(text), ha="center", va="center", fontsize=8, zorder=3)
        for i, a in enumerate(constructs):
            for j, b in enumerate(constructs):
                if not adj[i, j]:
                    continue
                coef = paths.iloc[i, j]
                (x0, y0), (x1, y1) = pos[a], pos[b]
                ax.annotate(
                    "",
                    xy=(x1, y1),
                    xytext=(x0, y0),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "0.25",
                        "lw": 0.8 + 3 * min(abs(coef), 1),
                        "ls": "-" if coef >= 0 else "--",
                        "shrinkA": 24,
                        "shrinkB": 24,
                        "connectionstyle": "arc3,rad=0.08",
                    },
                    zorder=1,
                )
                ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.02, f"{coef:.2f}", ha="center",
                        fontsize=8, color="0.1", zorder=4,
                        bbox={"fc": "white", "ec": "none", "pad": 0.5})  # fmt: skip
        ax.set_title("PLS path model: path coefficients and R²")
    return ax
