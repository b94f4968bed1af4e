"""Figures of the perceived-value analyses (:mod:`crmlab.value`).

Each function draws one table returned by :mod:`crmlab.value` and returns the Axes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from crmlab.errors import DataError, ParameterError
from crmlab.plots.base import PALETTE, _legend, _need, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_brand_value",
    "plot_relative_value",
    "plot_value_chain",
    "plot_value_drivers",
    "plot_value_map",
    "plot_wins_losses",
]

_GOOD, _BAD, _NEUTRAL = PALETTE[2], PALETTE[3], PALETTE[7]


def _flag(ax: Axes, simulated: bool) -> None:
    """Say in the title that the figure shows simulated data."""
    if simulated:
        ax.set_title(ax.get_title() + " (simulated data)")


def _err(table: pd.DataFrame, name: str) -> np.ndarray:
    """Asymmetric error-bar lengths (2, n) from ``name``, ``name_lower``, ``name_upper``."""
    est = table[name].to_numpy(dtype=float)
    lower = table.get(f"{name}_lower", pd.Series(np.nan, index=table.index)).to_numpy(float)
    upper = table.get(f"{name}_upper", pd.Series(np.nan, index=table.index)).to_numpy(float)
    return np.nan_to_num(np.vstack([est - lower, upper - est]), nan=0.0)


def plot_brand_value(
    table: pd.DataFrame,
    kind: str = "map",
    truth: pd.DataFrame | None = None,
    ax: Axes | None = None,
    simulated: bool = False,
) -> Axes:
    """Benefits against costs of each brand, or net value bars, with bootstrap intervals.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`crmlab.value.perceived_value` (one row per brand).
    kind : {"map", "net_value"}
        ``map``: costs (x) against benefits (y) with the line benefits = costs (above it, value
        is positive); ``net_value``: horizontal bars of benefits - costs.
    truth : DataFrame, optional
        True values (e.g. ``truth.brands`` of a simulation): drawn as black crosses.
    ax : Axes, optional
    simulated : bool
        The ratings are simulated: the title says so.

    Returns
    -------
    Axes
    """
    _need(table, ["benefits", "costs", "net_value"], "crmlab.value.perceived_value")
    if kind not in ("map", "net_value"):
        raise ParameterError(f"kind must be 'map' or 'net_value', not {kind!r}.", parameter="kind")
    if table.index.nlevels != 1:
        raise DataError("Pass one row per brand (select a segment with table.loc[segment]).")
    names = [str(b) for b in table.index]
    brands = _texts(names)
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(brands))]
    entries: list[tuple[object, str]] = []
    with crmlab_theme():
        ax = _new_axes(ax)
        if kind == "map":
            x_err, y_err = _err(table, "costs"), _err(table, "benefits")
            for i, brand in enumerate(brands):
                bar = ax.errorbar(
                    table["costs"].iloc[i],
                    table["benefits"].iloc[i],
                    xerr=x_err[:, [i]],
                    yerr=y_err[:, [i]],
                    fmt="o",
                    color=colours[i],
                    capsize=3,
                    label=brand,
                )
                entries.append((bar, names[i]))
                ax.annotate(
                    brand,
                    (table["costs"].iloc[i], table["benefits"].iloc[i]),
                    xytext=(6, 6),
                    textcoords="offset points",
                )
            if truth is not None:
                t = truth.reindex(table.index)
                cross = ax.scatter(
                    t["costs"], t["benefits"], marker="x", color="black", label="true"
                )
                entries.append((cross, "true"))
            lo = float(np.nanmin(table[["benefits", "costs"]].to_numpy())) - 0.5
            hi = float(np.nanmax(table[["benefits", "costs"]].to_numpy())) + 0.5
            (line,) = ax.plot(
                [lo, hi], [lo, hi], color="grey", linestyle="--", label="benefits = costs"
            )
            entries.append((line, "benefits = costs"))
            ax.set_xlabel("total costs (importance-weighted rating points; higher = costlier)")
            ax.set_ylabel("total benefits (importance-weighted rating points)")
            ax.set_title("Perceived benefits and costs by brand")
        else:
            y = np.arange(len(brands))
            ax.barh(y, table["net_value"], xerr=_err(table, "net_value"), color=colours, capsize=3)
            if truth is not None:
                t = truth.reindex(table.index)
                cross = ax.scatter(
                    t["net_value"], y, marker="x", color="black", zorder=3, label="true"
                )
                entries.append((cross, "true"))
            ax.axvline(0, color="grey", linewidth=1)
            ax.set_yticks(y, brands)
            ax.invert_yaxis()
            ax.set_xlabel("net value = benefits - costs (rating points)")
            ax.set_title("Perceived net value by brand")
        _legend(ax, entries, loc="best")
        _flag(ax, simulated)
    return ax


def plot_relative_value(
    relative: pd.DataFrame, ax: Axes | None = None, simulated: bool = False
) -> Axes:
    """The focal brand minus each competitor in benefits, costs and net value, with intervals.

    Parameters
    ----------
    relative : DataFrame
        Output of :func:`crmlab.value.relative_value`.
    ax : Axes, optional
    simulated : bool
        The ratings are simulated: the title says so.

    Returns
    -------
    Axes
        One row per competitor; three markers (benefits, costs, net value) with intervals.
    """
    measures = ["benefits_difference", "costs_difference", "net_value_difference"]
    _need(relative, measures, "crmlab.value.relative_value")
    labels = {"benefits_difference": "benefits", "costs_difference": "costs (lower is better)"}
    labels["net_value_difference"] = "net value"
    competitors = _texts(relative.index)
    y = np.arange(len(competitors))
    with crmlab_theme():
        ax = _new_axes(ax)
        for j, name in enumerate(measures):
            ax.errorbar(
                relative[name],
                y + (j - 1) * 0.22,
                xerr=_err(relative, name),
                fmt="os^"[j],
                color=PALETTE[j],
                capsize=3,
                label=labels[name],
            )
        ax.axvline(0, color="grey", linewidth=1)
        ax.set_yticks(y, [f"vs {c}" for c in competitors])
        ax.invert_yaxis()
        focal = _text(relative["focal_brand"].iloc[0]) if "focal_brand" in relative else "focal"
        ax.set_xlabel(f"{focal} minus competitor (rating points)")
        ax.set_title(f"{focal}'s value relative to each competitor")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
        _flag(ax, simulated)
    return ax


def plot_wins_losses(
    wins_losses: pd.DataFrame, ax: Axes | None = None, simulated: bool = False
) -> Axes:
    """Diverging bars of the focal brand's advantage per attribute (right: wins, left: losses).

    Parameters
    ----------
    wins_losses : DataFrame
        Output of :func:`crmlab.value.attribute_wins_losses`; with ``versus="each"`` only the
        first competitor is drawn.
    ax : Axes, optional
    simulated : bool
        The ratings are simulated: the title says so.

    Returns
    -------
    Axes
        Bars coloured by result (win, loss, tie); costs are signed so that right is better.
    """
    _need(
        wins_losses,
        ["attribute", "kind", "advantage", "difference_lower", "difference_upper", "result"],
        "crmlab.value.attribute_wins_losses",
    )
    first = wins_losses["competitor"].iloc[0] if "competitor" in wins_losses else "market"
    table = wins_losses
    if "competitor" in wins_losses:
        table = wins_losses[wins_losses["competitor"] == first]
    sign = np.where(table["kind"] == "cost", -1.0, 1.0)
    lo = np.minimum(sign * table["difference_lower"], sign * table["difference_upper"])
    hi = np.maximum(sign * table["difference_lower"], sign * table["difference_upper"])
    adv = table["advantage"].to_numpy(float)
    err = np.nan_to_num(np.vstack([adv - lo, hi - adv]), nan=0.0)
    colour = {"win": _GOOD, "loss": _BAD, "tie": _NEUTRAL}
    labels = _texts(f"{a} ({k})" for a, k in zip(table["attribute"], table["kind"], strict=True))
    y = np.arange(len(table))
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.barh(
            y, adv, xerr=err, color=[colour.get(r, _NEUTRAL) for r in table["result"]], capsize=3
        )
        ax.axvline(0, color="grey", linewidth=1)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        focal = _text(table["focal_brand"].iloc[0]) if "focal_brand" in table else "focal brand"
        vs = "the competitors' average" if first == "market" else _text(first)
        ax.set_xlabel("advantage in rating points (benefit: higher, cost: lower is better)")
        ax.set_title(f"{focal} vs {vs}: attribute wins and losses")
        ax.legend(handles=[Patch(color=c, label=r) for r, c in colour.items()], loc="lower right")
        _flag(ax, simulated)
    return ax


def plot_value_map(
    value_map: pd.DataFrame, ax: Axes | None = None, simulated: bool = False
) -> Axes:
    """Gale's (1994) customer value map: relative quality (x) against relative price (y).

    Parameters
    ----------
    value_map : DataFrame
        Output of :func:`crmlab.value.customer_value_map`.
    ax : Axes, optional
    simulated : bool
        The ratings are simulated: the title says so.

    Returns
    -------
    Axes
        Brands with intervals and labels, the fair-value line, the better-value zone (below the
        line) and the worse-value zone (above it) shaded.
    """
    _need(value_map, ["relative_quality", "relative_price", "zone"], "customer_value_map")
    line = value_map.attrs.get("fair_value_line", {"intercept": 0.0, "slope": 1.0})
    q = value_map["relative_quality"].to_numpy(float)
    p = value_map["relative_price"].to_numpy(float)
    pad = 0.1
    lo = min(q.min(), p.min(), 1.0) - pad
    hi = max(q.max(), p.max(), 1.0) + pad
    xs = np.linspace(lo, hi, 50)
    fair = line["intercept"] + line["slope"] * xs
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.fill_between(xs, lo - 10, fair, color=_GOOD, alpha=0.12, label="better value")
        ax.fill_between(xs, fair, hi + 10, color=_BAD, alpha=0.12, label="worse value")
        ax.plot(xs, fair, color="black", linewidth=1.2, label="fair-value line")
        ax.errorbar(
            q,
            p,
            xerr=_err(value_map, "relative_quality"),
            yerr=_err(value_map, "relative_price"),
            fmt="o",
            color=PALETTE[0],
            capsize=3,
        )
        for brand, x, y in zip(value_map.index, q, p, strict=True):
            ax.annotate(_text(brand), (x, y), xytext=(6, 6), textcoords="offset points")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xlabel("relative perceived quality (ratio to competitors' mean; 1 = equal)")
        ax.set_ylabel("relative perceived price (ratio to competitors' mean; 1 = equal)")
        ax.set_title("Customer value map")
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
        _flag(ax, simulated)
    return ax


def plot_value_drivers(
    drivers: pd.DataFrame, ax: Axes | None = None, simulated: bool = False
) -> Axes:
    """Derived importance (share of explained variance) beside stated importance, per attribute.

    Parameters
    ----------
    drivers : DataFrame
        Output of :func:`crmlab.value.value_drivers`.
    ax : Axes, optional
    simulated : bool
        The ratings are simulated: the title says so.

    Returns
    -------
    Axes
        Two horizontal bars per attribute, sorted by derived importance.
    """
    _need(drivers, ["derived_share", "stated_share"], "crmlab.value.value_drivers")
    table = drivers.sort_values("derived_share", ascending=False)
    y = np.arange(len(table))
    with crmlab_theme():
        ax = _new_axes(ax)
        ax.barh(y - 0.2, table["derived_share"], height=0.4, color=PALETTE[0], label="derived")
        if table["stated_share"].notna().any():
            ax.barh(y + 0.2, table["stated_share"], height=0.4, color=PALETTE[1], label="stated")
        ax.set_yticks(y, _texts(table.index))
        ax.invert_yaxis()
        r2 = drivers.attrs.get("r_squared")
        ax.set_xlabel("share of importance (derived: relative weights, Johnson 2000)")
        ax.set_title(
            "Predictors of overall perceived value"
            + (f" (R² = {r2:.2f})" if r2 is not None else "")
        )
        ax.legend(loc="lower right")
        _flag(ax, simulated)
    return ax


def plot_value_chain(chain: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Path diagram of value's drivers and consequences with standardised coefficients.

    Parameters
    ----------
    chain : DataFrame
        Output of :func:`crmlab.value.value_chain`.
    ax : Axes, optional

    Returns
    -------
    Axes
        Drivers on the left, value in the middle, consequences on the right; arrows labelled
        with the path coefficient (dashed when the interval includes 0), and the total effect
        on the outcome in the title.
    """
    _need(chain, ["from", "to", "role", "estimate"], "crmlab.value.value_chain")
    value = chain.attrs.get("value") or chain.loc[chain["role"] == "total effect", "from"].iloc[0]
    drivers = chain.loc[chain["role"] == "driver", "from"].tolist()
    consequences = chain.loc[chain["role"] == "consequence", "to"].tolist()
    total = chain[chain["role"] == "total effect"]
    outcome = total["to"].iloc[0] if len(total) else None
    paths = chain.attrs.get("paths")
    onward = pd.DataFrame(columns=["from", "to", "estimate", "lower", "upper"])
    if isinstance(paths, pd.DataFrame) and outcome is not None and outcome not in consequences:
        onward = paths[paths["from"].isin(consequences) & (paths["to"] == outcome)]
    right = 0.65 if len(onward) else 0.9
    pos = {value: (0.4 if len(onward) else 0.5, 0.5)}
    for i, d in enumerate(drivers):
        pos[d] = (0.08, (i + 1) / (len(drivers) + 1))
    for i, c in enumerate(consequences):
        pos[c] = (right, (i + 1) / (len(consequences) + 1))
    if len(onward):
        pos[outcome] = (0.92, 0.5)
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.0, 3.6))
        ax.set_axis_off()
        for name, (x, y) in pos.items():
            ax.text(
                x,
                y,
                _text(name),
                ha="center",
                va="center",
                fontsize=11,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": PALETTE[0]},
            )
        arrows = pd.concat([chain[chain["effect"] == "direct"], onward], ignore_index=True)
        for _, row in arrows.iterrows():
            start, end = pos[row["from"]], pos[row["to"]]
            uncertain = (
                "lower" in row and np.isfinite(row["lower"]) and row["lower"] <= 0 <= row["upper"]
            )
            ax.annotate(
                "",
                xy=end,
                xytext=start,
                arrowprops={
                    "arrowstyle": "->",
                    "shrinkA": 22,
                    "shrinkB": 22,
                    "linestyle": "--" if uncertain else "-",
                    "color": "grey" if uncertain else "black",
                },
            )
            mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.04)
            ax.text(mid[0], mid[1], f"{row['estimate']:.2f}", ha="center", fontsize=10)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        title = f"Perceived value in the ECSI model ({chain.attrs.get('survey', '')})"
        if len(total):
            t = total.iloc[0]
            title += f"\ntotal effect of {t['from']} on {t['to']}: {t['estimate']:.2f}"
        ax.set_title(_text(title))
    return ax
