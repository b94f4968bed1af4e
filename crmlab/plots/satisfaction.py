"""Figures of the satisfaction analyses (:mod:`crmlab.satisfaction`).

Each function draws one table (or fitted model) returned by the analysis and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch
from matplotlib.transforms import Bbox

from crmlab.errors import ParameterError
from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_dimension_gaps",
    "plot_drivers",
    "plot_gap_scores",
    "plot_importance_performance",
    "plot_pls_paths",
]


_SIM = " (simulated data)"


def _title(title: str, simulated: bool) -> str:
    return _text(title + (_SIM if simulated else ""))


def _interval_columns(table: pd.DataFrame, intervals: str) -> tuple[str, str, str]:
    """Columns of the drawn interval and the legend's words for what colours the dots."""
    if intervals not in ("simultaneous", "unadjusted"):
        raise ParameterError(
            f"intervals must be 'simultaneous' or 'unadjusted', got {intervals!r}.",
            parameter="intervals",
        )
    alpha = table.attrs.get("alpha", 0.05)
    level = f"{100 * (1 - alpha):g}%"
    if intervals == "simultaneous" and {"simultaneous_lower", "simultaneous_upper"} <= set(table):
        return ("simultaneous_lower", "simultaneous_upper",
                f"Bonferroni-adjusted: simultaneous {level} intervals")  # fmt: skip
    return "gap_lower", "gap_upper", f"unadjusted {level} intervals"


def _interval_dots(
    table: pd.DataFrame, label: str, ax: Axes, title: str, intervals: str = "simultaneous"
) -> Axes:
    lo_col, hi_col, what = _interval_columns(table, intervals)
    y = np.arange(len(table))[::-1]
    gap = table["gap"].to_numpy(dtype=float)
    lo, hi = table[lo_col].to_numpy(dtype=float), table[hi_col].to_numpy(dtype=float)
    # the colour says what the drawn bar shows: the interval excludes zero, or not
    below, above = hi < 0, lo > 0
    colours = [PALETTE[3] if b else PALETTE[2] if a else "0.55"
               for b, a in zip(below, above, strict=True)]  # fmt: skip
    ax.errorbar(gap, y, xerr=[gap - lo, hi - gap], fmt="none", ecolor="0.4", elinewidth=1.2,
                capsize=3)  # fmt: skip
    ax.scatter(gap, y, c=colours, zorder=3, s=36)
    ax.axvline(0, color="0.2", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels(_texts(table[label]))
    ax.set_xlabel("gap = perception − expectation (scale points)")
    ax.set_title(title)
    entries = [
        (Line2D([], [], ls="", marker="o", color=PALETTE[3]), "shortfall: interval below 0"),
        (Line2D([], [], ls="", marker="o", color=PALETTE[2]), "exceeds: interval above 0"),
        (Line2D([], [], ls="", marker="o", color="0.55"), "interval includes 0"),
    ]
    _legend(ax, entries, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, fontsize=9,
            title=_text(f"bars and colours: {what}"), title_fontsize=9)  # fmt: skip
    return ax


def plot_gap_scores(
    gaps: pd.DataFrame,
    ax: Axes | None = None,
    intervals: str = "simultaneous",
    simulated: bool = False,
) -> Axes:
    """Dot chart of item gaps with intervals, grouped by dimension.

    ``intervals="simultaneous"`` (default) draws the Bonferroni simultaneous intervals of
    :func:`crmlab.satisfaction.gap_scores` (all items covered together at ``1 - alpha``);
    "unadjusted" the per-item intervals. A dot is red when its drawn interval lies below zero,
    green above zero, grey when it includes zero, so colour and bar always say the same thing;
    the legend names the adjustment. ``simulated=True`` flags the title.
    """
    _need(gaps, ["item", "dimension", "gap", "gap_lower", "gap_upper", "significant"],
          "crmlab.satisfaction.gap_scores")  # fmt: skip
    if "segment" in gaps.columns and gaps["segment"].nunique() > 1:
        raise ParameterError("plot one segment at a time: filter the table first.")
    table = gaps.copy()
    table["_o"] = pd.factorize(table["dimension"])[0]
    table = table.sort_values(["_o"], kind="stable")
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(8.0, max(3.0, 0.3 * len(table) + 1.5)))
        _interval_dots(table, "item", ax, _title("Gap scores by item", simulated), intervals)
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
                fontsize=9,
                color="0.3",
            )
    return ax


def plot_dimension_gaps(
    dimensions: pd.DataFrame,
    ax: Axes | None = None,
    intervals: str = "simultaneous",
    simulated: bool = False,
) -> Axes:
    """Dimension gaps (and SERVQUAL scores) with intervals.

    Takes :func:`crmlab.satisfaction.dimension_gaps`; ``intervals`` as in
    :func:`plot_gap_scores` (the SERVQUAL rows are single tests: their simultaneous interval is
    the plain one). With a segment column, one series per segment, dodged within a shaded band
    per dimension so each point sits by its label.
    """
    _need(dimensions, ["dimension", "gap", "gap_lower", "gap_upper", "significant"],
          "crmlab.satisfaction.dimension_gaps")  # fmt: skip
    seg_cols = [c for c in dimensions.columns if c not in _DIM_COLUMNS]
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(8.0, 4.2))
        if not seg_cols:
            _interval_dots(dimensions, "dimension", ax,
                           _title("Gap scores by dimension", simulated), intervals)  # fmt: skip
            return ax
        lo_col, hi_col, what = _interval_columns(dimensions, intervals)
        seg = seg_cols[0]
        dims = list(dict.fromkeys(dimensions["dimension"]))
        base = np.arange(len(dims))[::-1].astype(float)
        for k, b in enumerate(base):
            if k % 2 == 0:
                ax.axhspan(b - 0.45, b + 0.45, color="0.94", zorder=0, lw=0)
        groups = list(dict.fromkeys(dimensions[seg]))
        width = 0.5 / max(len(groups) - 1, 1) if len(groups) > 1 else 0.0
        entries: list[tuple[object, str]] = []
        for k, g in enumerate(groups):
            part = dimensions[dimensions[seg] == g].set_index("dimension").reindex(dims)
            y = base + ((len(groups) - 1) / 2 - k) * width
            gap = part["gap"].to_numpy(dtype=float)
            lo, hi = part[lo_col].to_numpy(dtype=float), part[hi_col].to_numpy(dtype=float)
            bars = ax.errorbar(gap, y, xerr=[gap - lo, hi - gap], fmt="o",
                               color=PALETTE[k % len(PALETTE)], capsize=3)  # fmt: skip
            entries.append((bars, str(g)))
        ax.axvline(0, color="0.2", lw=0.8)
        ax.set_yticks(base)
        ax.set_yticklabels(_texts(dims))
        ax.set_ylim(base.min() - 0.6, base.max() + 0.6)
        ax.set_xlabel(_text(f"gap = perception − expectation (scale points; bars: {what})"))
        ax.set_title(_title(f"Gap scores by dimension and {seg}", simulated))
        _legend(ax, entries, title=_text(seg), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return ax


_DIM_COLUMNS = {
    "dimension", "n_items", "n", "expectation_mean", "perception_mean", "gap", "gap_se",
    "gap_lower", "gap_upper", "t", "p_t", "wilcoxon_w", "p_wilcoxon", "p_adjusted", "significant",
    "simultaneous_lower", "simultaneous_upper",
}  # fmt: skip


_DIRECTIONS = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]


def _overlap(a: Bbox, b: Bbox) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w * h if w > 0 and h > 0 else 0.0


def _repel_labels(
    ax: Axes,
    x: np.ndarray,
    y: np.ndarray,
    labels: list[str],
    fontsize: float = 9,
    avoid: Sequence[Any] = (),
) -> list[Any]:
    """Label points without overlaps: each label tries offsets in eight directions at growing
    distances and takes the first that overlaps no placed label, no other point and stays in
    the axes (else the least overlapping one); far labels get a thin leader line.

    A small repel in the spirit of adjustText, measured on the Agg renderer in display units.
    """
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    centres = ax.transData.transform(np.column_stack([x, y]))
    radius = 4.0 * fig.dpi / 72
    points = [Bbox.from_bounds(cx - radius, cy - radius, 2 * radius, 2 * radius)
              for cx, cy in centres]  # fmt: skip
    placed: list[Bbox] = [a.get_window_extent(renderer) for a in avoid]
    texts = []
    order = np.argsort(-np.asarray(y))  # top first: labels read downwards
    for i in order:
        best, best_cost, best_kw = None, np.inf, {}
        for step in (1.0, 1.8, 2.8, 4.0, 5.5):
            for dx, dy in _DIRECTIONS:
                norm = np.hypot(dx, dy)
                off = (6 * step * dx / norm, 5 * step * dy / norm)
                kw = {
                    "ha": "left" if dx > 0 else "right" if dx < 0 else "center",
                    "va": "bottom" if dy > 0 else "top" if dy < 0 else "center",
                }
                t = ax.annotate(labels[i], (x[i], y[i]), xytext=off, textcoords="offset points",
                                fontsize=fontsize, zorder=4, **kw)  # fmt: skip
                box = t.get_window_extent(renderer).padded(2)
                t.remove()
                cost = sum(_overlap(box, b) for b in placed)
                cost += sum(_overlap(box, b) for k, b in enumerate(points) if k != i)
                inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 \
                    and box.y1 <= frame.y1  # fmt: skip
                cost += 0 if inside else 1e6
                if cost < best_cost:
                    best, best_cost, best_kw = (off, box, step), cost, kw
                if cost == 0:
                    break
            if best_cost == 0:
                break
        off, box, step = best  # type: ignore[misc]
        arrow = {"arrowstyle": "-", "color": "0.6", "lw": 0.6} if step > 1.8 else None
        texts.append(
            ax.annotate(
                labels[i],
                (x[i], y[i]),
                xytext=off,
                textcoords="offset points",
                fontsize=fontsize,
                zorder=4,
                arrowprops=arrow,
                **best_kw,
            )  # fmt: skip
        )
        placed.append(box)
    return texts


def plot_importance_performance(
    ipa: pd.DataFrame, ax: Axes | None = None, label: bool = True, simulated: bool = False
) -> Axes:
    """IPA scatter: performance (x) against importance (y), crosshair and quadrant labels.

    Takes :func:`crmlab.satisfaction.importance_performance`; the crosshair is read from
    ``ipa.attrs["crosshair"]`` (means when absent). Points are coloured by quadrant and, with
    ``label=True``, annotated with the item, labels placed so that none overlaps another label,
    a point or the frame (:func:`_repel_labels`). ``simulated=True`` flags the title.
    """
    _need(ipa, ["item", "importance", "performance", "quadrant"],
          "crmlab.satisfaction.importance_performance")  # fmt: skip
    ci, cp = ipa.attrs.get("crosshair", (ipa["importance"].mean(), ipa["performance"].mean()))
    quads = ["concentrate here", "keep up the good work", "low priority", "possible overkill"]
    colours = dict(zip(quads, [PALETTE[3], PALETTE[2], PALETTE[7], PALETTE[0]], strict=True))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(9.0, 6.5))
        for q in quads:
            part = ipa[ipa["quadrant"] == q]
            if len(part):
                ax.scatter(part["performance"], part["importance"], color=colours[q],
                           label=_text(q), s=40, zorder=3)  # fmt: skip
        ax.axvline(cp, color="0.3", lw=1, ls="--")
        ax.axhline(ci, color="0.3", lw=1, ls="--")
        # room for the labels and the quadrant captions
        px, py = ipa["performance"].to_numpy(float), ipa["importance"].to_numpy(float)
        spanx, spany = np.ptp(px) or 1.0, np.ptp(py) or 1.0
        ax.set_xlim(px.min() - 0.3 * spanx, px.max() + 0.3 * spanx)
        ax.set_ylim(py.min() - 0.18 * spany, py.max() + 0.18 * spany)
        corners = {
            "concentrate here": (0.01, 0.99, "left", "top"),
            "keep up the good work": (0.99, 0.99, "right", "top"),
            "low priority": (0.01, 0.01, "left", "bottom"),
            "possible overkill": (0.99, 0.01, "right", "bottom"),
        }
        captions = [
            ax.text(x, y, q.capitalize(), transform=ax.transAxes, ha=ha, va=va, fontsize=10,
                    color=colours[q], fontweight="bold", zorder=2,
                    bbox={"fc": "white", "ec": "none", "pad": 1})
            for q, (x, y, ha, va) in corners.items()
        ]  # fmt: skip
        method = ipa.attrs.get("method", "")
        unit = {
            "derived": "derived: standardised regression coefficient",
            "stated": "stated: mean importance rating, scale points",
        }.get(method, method)
        ax.set_xlabel("performance (mean perception, scale points)")
        ax.set_ylabel(_text(f"importance ({unit})") if unit else "importance")
        ax.set_title(_title("Importance-performance analysis", simulated))
        if label:
            _repel_labels(ax, px, py, _texts(ipa["item"]), avoid=captions)
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
        outcome = drivers.attrs.get("outcome")
        ax.set_title(_text(f"Associations with {outcome}" if outcome else
                           "Associations with the outcome"))  # fmt: skip
    return ax


#: Fixed positions (axes fractions) of the ECSI constructs, after Tenenhaus et al. (2005, fig.
#: 2): antecedents in a column on the left, value below the centre, satisfaction in the middle,
#: complaints and loyalty on the right, so that no arrow passes through a box.
ECSI_LAYOUT: dict[str, tuple[float, float]] = {
    "IMAG": (0.09, 0.86),
    "EXPE": (0.09, 0.50),
    "QUAL": (0.09, 0.12),
    "VAL": (0.42, 0.20),
    "SAT": (0.56, 0.60),
    "COMP": (0.91, 0.33),
    "LOY": (0.91, 0.82),
}

_BOX_W, _BOX_H = 0.12, 0.11


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


def _clip_to_box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
    """Where the segment from the centre (x0, y0) towards (x1, y1) leaves the box at (x0, y0)."""
    dx, dy = x1 - x0, y1 - y0
    tx = (_BOX_W / 2 + 0.012) / abs(dx) if dx else np.inf
    ty = (_BOX_H / 2 + 0.012) / abs(dy) if dy else np.inf
    t = min(tx, ty)
    return x0 + t * dx, y0 + t * dy


def _segment_distance(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    ab = b - a
    t = np.clip(np.dot(p - a, ab) / max(np.dot(ab, ab), 1e-12), 0, 1)
    return float(np.hypot(*(p - (a + t * ab))))


def plot_pls_paths(
    model: Any,
    ax: Axes | None = None,
    layout: dict[str, tuple[float, float]] | None = None,
    boot: pd.DataFrame | None = None,
    title: str | None = None,
) -> Axes:
    """Path diagram of a fitted :class:`crmlab.satisfaction.PLSPathModel`.

    Constructs are boxes (endogenous ones show R²); straight arrows carry the path
    coefficients (solid when positive, dashed when negative, width by size). Each coefficient
    sits *on its own arrow*, at the point along it farthest from the other arrows, labels and
    boxes, on a white ground. With ``boot`` (:meth:`PLSPathModel.bootstrap`), a path whose
    percentile interval includes zero is drawn grey and dotted and labelled "n.s.".
    ``layout`` maps construct -> (x, y) in axes fractions; by default the ECSI constructs sit
    at fixed places and others in columns by their distance from the exogenous constructs.
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
    unclear: set[tuple[str, str]] = set()
    if boot is not None and len(boot):
        rows = boot[boot["kind"] == "path"]
        unclear = {(f, t) for f, t, lo, hi in rows[["from", "to", "lower", "upper"]].itertuples(
            index=False) if lo <= 0 <= hi}  # fmt: skip
    arrows = []
    for i, a in enumerate(constructs):
        for j, b in enumerate(constructs):
            if adj[i, j]:
                (x0, y0), (x1, y1) = pos[a], pos[b]
                start = np.array(_clip_to_box(x0, y0, x1, y1))
                end = np.array(_clip_to_box(x1, y1, x0, y0))
                arrows.append((a, b, float(paths.iloc[i, j]), start, end))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(9.5, 6.0))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        for c in constructs:
            x, y = pos[c]
            ax.add_patch(
                FancyBboxPatch(
                    (x - _BOX_W / 2, y - _BOX_H / 2),
                    _BOX_W,
                    _BOX_H,
                    boxstyle="round,pad=0.01",
                    fc="#e8eef7",
                    ec=PALETTE[0],
                    lw=1.5,
                    zorder=2,
                )  # fmt: skip
            )
            text = c if c not in r2.index else f"{c}\nR² = {r2[c]:.2f}"
            ax.text(x, y, _text(text), ha="center", va="center", fontsize=11, zorder=3)
        taken: list[np.ndarray] = []
        boxes = [np.array(pos[c]) for c in constructs]
        for a, b, coef, start, end in arrows:
            faint = (a, b) in unclear
            ax.annotate(
                "",
                xy=tuple(end),
                xytext=tuple(start),
                arrowprops={
                    "arrowstyle": "-|>",
                    "color": "0.6" if faint else "0.25",
                    "lw": 0.8 + 3 * min(abs(coef), 1),
                    "ls": ":" if faint else ("-" if coef >= 0 else "--"),
                    "shrinkA": 0,
                    "shrinkB": 0,
                    "mutation_scale": 14,
                },
                zorder=1,
            )
            best, best_score = None, -np.inf
            for t in np.linspace(0.25, 0.75, 21):
                p = start + t * (end - start)
                others = [_segment_distance(p, s0, e0) for a2, b2, _, s0, e0 in arrows
                          if (a2, b2) != (a, b)]  # fmt: skip
                near = min([*others, 1.0])
                labels = min([float(np.hypot(*(p - q))) for q in taken] + [1.0])
                box = min(max(abs(p[0] - q[0]) - _BOX_W / 2, abs(p[1] - q[1]) - _BOX_H / 2)
                          for q in boxes)  # fmt: skip
                score = min(near / 0.05, labels / 0.09, box / 0.03, 1.0) - 0.05 * abs(t - 0.5)
                if score > best_score:
                    best, best_score = p, score
            taken.append(best)
            label = f"{coef:.2f}" + (" n.s." if faint else "")
            ax.text(best[0], best[1], _text(label), ha="center", va="center", fontsize=10,
                    color="0.45" if faint else "0.05", zorder=4,
                    bbox={"fc": "white", "ec": "0.75", "lw": 0.5,
                          "boxstyle": "round,pad=0.2"})  # fmt: skip
        ax.set_title(_text(title or "PLS path model: path coefficients and R²"))
    return ax
