"""Figures of the customer-portfolio analyses (segments, portfolio, categories, campaigns)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from crmlab import text as words
from crmlab._deprecation import renamed
from crmlab.plots.base import PALETTE, _legend, _new_axes, _text, _texts, crmlab_theme

__all__ = [
    "plot_associations",
    "plot_category_profitability",
    "plot_channel_mix",
    "plot_cluster_profiles",
    "plot_cluster_selection",
    "plot_concentration",
    "plot_cross_buying_frequency",
    "plot_event_study",
    "plot_portfolio_map",
    "plot_price_tiers",
]


def plot_cluster_selection(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Silhouette (or BIC) against the number of clusters, the chosen k marked.

    Parameters
    ----------
    curve : DataFrame
        ``ClusterResult.selection_curve``.
    ax : Axes, optional
        Where to draw.
    """
    with crmlab_theme():
        ax = _new_axes(ax)
        col = "silhouette" if "silhouette" in curve else "bic"
        ax.plot(curve.index, curve[col], marker="o", color=PALETTE[0])
        chosen = curve.loc[curve["chosen"]]
        ax.scatter(chosen.index, chosen[col], s=120, color=PALETTE[3], zorder=3, label="chosen")
        ax.set_xlabel("number of clusters k")
        ax.set_ylabel("mean silhouette" if col == "silhouette" else "BIC")
        ax.set_title("Choosing the number of clusters")
        ax.legend()
    return ax


def plot_cluster_profiles(
    profiles: Any,
    features: list[str] | None = None,
    ax: Axes | None = None,
    differences: pd.DataFrame | None = None,
) -> Axes:
    """Heatmap of cluster profiles: cells show cluster means, colours standardised differences.

    A cell's colour is the standardised difference of the cluster's mean from the mean of all
    customers, in standard deviations of all customers (``ClusterResult.differences``), so two
    clusters whose means differ by a hundredth of a standard deviation look alike.

    Parameters
    ----------
    profiles : ClusterResult or DataFrame
        A :func:`crmlab.segments.cluster_customers` result (its profiles and differences), or
        ``ClusterResult.profiles`` with ``differences``.
    features : list of str, optional
        Columns to show; default every feature column of the profiles.
    ax : Axes, optional
        Where to draw.
    differences : DataFrame, optional
        ``ClusterResult.differences`` when ``profiles`` is a table. Without it the colour is the
        rank-free fallback: each feature's cluster means standardised across clusters (labelled
        so).
    """
    if hasattr(profiles, "profiles"):
        differences = profiles.differences if differences is None else differences
        profiles = profiles.profiles
    skip = {"customers", "share", "revenue_share", "profit_share"}
    cols = features or [c for c in profiles.columns if c not in skip]
    values = profiles[cols].astype(float)
    if differences is not None and len(differences) and set(cols) <= set(differences.columns):
        z = differences[cols].reindex(values.index).astype(float).fillna(0.0)
        label = "cluster mean minus overall mean (SDs of all customers)"
    else:
        sd = values.std(axis=0).replace(0, 1).fillna(1)
        z = ((values - values.mean(axis=0)) / sd).fillna(0.0)
        label = "standardised across clusters"
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(max(6, 0.7 * len(cols) + 2), 0.5 * len(profiles) + 2.5))
        lim = max(1.0, float(np.abs(z.to_numpy()).max()))
        import seaborn  # noqa: F401  (registers the "vlag" colour map; imported here, 1 s)

        image = ax.imshow(z.to_numpy(), cmap="vlag", vmin=-lim, vmax=lim, aspect="auto")
        for (i, j), v in np.ndenumerate(values.to_numpy()):
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=8)
        ax.figure.colorbar(image, ax=ax, label=label)
        ax.set_xticks(np.arange(len(cols)), _texts(cols), rotation=45, ha="right")
        ax.set_yticks(np.arange(len(profiles)))
        ax.grid(False)
        labels = [f"{i} ({s:.0%})" for i, s in zip(profiles.index, profiles["share"], strict=True)]
        ax.set_yticklabels(_texts(labels), rotation=0)
        ax.set_ylabel("cluster (share of customers)")
        ax.set_title("Cluster profiles (cell = cluster mean)")
    return ax


def _money_label(what: str, currency: str) -> str:
    return f"{what} ({currency})" if currency else what


def plot_portfolio_map(
    portfolio: pd.DataFrame,
    ax: Axes | None = None,
    log: bool = True,
    max_points: int = 5000,
    currency: str = "",
    current_label: str = "current value",
    future_label: str = "future value",
) -> Axes:
    """Customers by current and future value, coloured by strategy, with the thresholds.

    Parameters
    ----------
    portfolio : DataFrame
        :func:`crmlab.segments.relationship_portfolio` output.
    ax : Axes, optional
        Where to draw.
    log : bool
        Symmetric-log axes (values are skewed); ticks are written as plain amounts.
    max_points : int
        At most this many customers are drawn (an evenly spaced subset).
    currency : str
        Currency of both values, written in the axis labels.
    current_label, future_label : str
        What the two values are, e.g. ``"revenue in the last 91 days"``.
    """
    from matplotlib.ticker import FuncFormatter

    step = max(1, len(portfolio) // max_points)
    pts = portfolio.iloc[::step]
    th = portfolio.attrs.get("thresholds", {})
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(8.5, 5.5))
        colours = [PALETTE[0], PALETTE[2], PALETTE[1], PALETTE[7]]
        entries: list[tuple[object, str]] = []
        for i, name in enumerate(portfolio["strategy"].cat.categories):
            sub = pts.loc[pts["strategy"] == name]
            label = f"{name} ({(portfolio['strategy'] == name).mean():.0%})"
            points = ax.scatter(
                sub["current_value"],
                sub["future_value"],
                s=10,
                alpha=0.6,
                color=colours[i % len(colours)],
                label=_text(label),
            )
            entries.append((points, label))
        if "current" in th:
            ax.axvline(th["current"], color="grey", lw=1, ls="--")
        if "future" in th:
            ax.axhline(th["future"], color="grey", lw=1, ls="--")
        if log:
            for setter, col in ((ax.set_xscale, "current_value"), (ax.set_yscale, "future_value")):
                positive = portfolio[col].loc[portfolio[col] > 0]
                scale = float(positive.quantile(0.05)) if len(positive) else 1.0
                setter("symlog", linthresh=max(scale, 1e-9))
            if (portfolio["current_value"] >= 0).all():
                ax.set_xlim(left=0)
            if (portfolio["future_value"] >= 0).all():
                ax.set_ylim(bottom=0)
            plain = FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1 else f"{v:g}")
            ax.xaxis.set_major_formatter(plain)
            ax.yaxis.set_major_formatter(plain)
        ax.set_xlabel(_text(_money_label(current_label, currency)))
        ax.set_ylabel(_text(_money_label(future_label, currency)))
        ax.set_title("Relationship portfolio")
        # outside the axes: the legend never covers the points or another label
        _legend(
            ax,
            entries,
            loc="upper left",
            bbox_to_anchor=(1.02, 1),
            fontsize=10,
            markerscale=2,
            title="strategy (share of customers)",
        )
    return ax


def plot_concentration(curve: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Bars: share of value held by the top p of customers.

    Parameters
    ----------
    curve : DataFrame
        :func:`crmlab.segments.concentration_curve` output.
    ax : Axes, optional
        Where to draw.
    """
    with crmlab_theme():
        ax = _new_axes(ax)
        labels = [f"top {p:.0%}" for p in curve.index]
        bars = ax.bar(labels, curve["value_share"], color=PALETTE[0])
        for bar, v in zip(bars, curve["value_share"], strict=True):
            ax.text(bar.get_x() + bar.get_width() / 2, v, f"{v:.0%}", ha="center", va="bottom")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("share of total value")
        ax.set_title("Concentration of value: key accounts")
    return ax


def plot_category_profitability(
    table: pd.DataFrame, top: int = 15, ax: Axes | None = None, currency: str = ""
) -> Axes:
    """Horizontal bars of net revenue, margin and discounts for the largest categories.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlab.profitability.category_profitability` output.
    top : int
        Number of categories shown (by net revenue).
    ax : Axes, optional
        Where to draw.
    currency : str
        Currency of the amounts, written in the axis label.
    """
    t = table.sort_values("net_revenue", ascending=False).head(top).iloc[::-1]
    y = np.arange(len(t))
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, 0.35 * len(t) + 1.5))
        ax.barh(y + 0.2, t["net_revenue"], height=0.4, color=PALETTE[0], label="net revenue")
        if t["margin"].notna().any():
            ax.barh(y - 0.2, t["margin"], height=0.4, color=PALETTE[2], label="margin")
        if t["discount"].sum() > 0:
            ax.barh(y - 0.2, -t["discount"], height=0.4, color=PALETTE[3], label="discounts")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, _texts(t.index))
        from matplotlib.ticker import FuncFormatter

        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_xlabel(_text(_money_label("amount", currency)))
        ax.set_title(_text(f"Profitability by {table.index.name or 'category'}"))
        ax.legend(loc="lower right")
    return ax


def plot_price_tiers(shares: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars: each customer value decile's spend split over the price tiers.

    Parameters
    ----------
    shares : DataFrame
        ``PriceTiers.shares``.
    ax : Axes, optional
        Where to draw.
    """
    with crmlab_theme():
        ax = _new_axes(ax)
        bottom = np.zeros(len(shares))
        x = np.arange(len(shares))
        entries: list[tuple[object, str]] = []
        for i, tier in enumerate(shares.columns):
            bars = ax.bar(
                x, shares[tier], bottom=bottom, color=PALETTE[i % len(PALETTE)], label=_text(tier)
            )
            entries.append((bars, str(tier)))
            bottom += shares[tier].to_numpy()
        ax.set_xticks(x, _texts(shares.index))
        ax.set_xlabel("customer value decile (10 = best)")
        ax.set_ylabel("share of spend")
        ax.set_title("Price tiers bought by customer value")
        _legend(ax, entries, loc="upper left", bbox_to_anchor=(1, 1))
    return ax


def plot_associations(rules: pd.DataFrame, top: int = 12, ax: Axes | None = None) -> Axes:
    """Horizontal bars of the lift of the strongest rules (one direction per pair).

    Parameters
    ----------
    rules : DataFrame
        :func:`crmlab.profitability.category_associations` output.
    top : int
        Number of rules shown.
    ax : Axes, optional
        Where to draw.
    """
    pair = [tuple(sorted(p)) for p in zip(rules["antecedent"], rules["consequent"], strict=True)]
    r = rules.loc[~pd.Series(pair, index=rules.index).duplicated()].head(top).iloc[::-1]
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, 0.35 * len(r) + 1.5))
        labels = _texts(f"{a} → {b}" for a, b in zip(r["antecedent"], r["consequent"], strict=True))
        ax.barh(np.arange(len(r)), r["lift"], color=PALETTE[1])
        ax.set_yticks(np.arange(len(r)), labels)
        for i, c in enumerate(r["confidence"]):
            ax.text(r["lift"].iloc[i], i, f" conf {c:.0%}", va="center", fontsize=8)
        ax.axvline(1, color="grey", ls="--", lw=1)
        ax.set_xlabel("lift")
        ax.set_title("Strongest cross-selling associations")
    return ax


def plot_event_study(effect: Any, ax: Axes | None = None, currency: str = "") -> Axes:
    """Event study: treated-minus-control weekly spend by week relative to the campaign start.

    Parameters
    ----------
    effect : CampaignEffect or DataFrame
        :func:`crmlab.programmes.campaign_effect` output, or its ``event_study`` table.
    ax : Axes, optional
        Where to draw.
    currency : str
        Currency of the spend, written in the axis label.
    """
    event = effect if isinstance(effect, pd.DataFrame) else effect.event_study
    with crmlab_theme():
        ax = _new_axes(ax)
        err = np.vstack([event["estimate"] - event["lower"], event["upper"] - event["estimate"]])
        ax.errorbar(event.index, event["estimate"], yerr=err, fmt="o", color=PALETTE[0], capsize=3)
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(-0.5, color=PALETTE[3], ls="--", lw=1, label="campaign start")
        summary = getattr(effect, "summary", None)
        if summary is not None and "pretrend_p_value" in summary:
            row = summary.iloc[0]
            ax.set_title(_text(f"Event study of campaign {row['campaign_id']}"))
            ax.text(
                0.01,
                0.02,
                _text(
                    "joint test of the pre-campaign weeks: chi2 = "
                    f"{words.number(row['pretrend_chi2'], 1)} ({int(row['pretrend_dof'])} df), "
                    f"{words.pvalue(row['pretrend_p_value'])}"
                ),
                transform=ax.transAxes,
                fontsize=9,
                va="bottom",
            )
        ax.set_xlabel("week relative to the campaign start (week -1 = reference)")
        ax.set_ylabel(_text(_money_label("difference in weekly spend per household", currency)))
        if not ax.get_title():
            ax.set_title("Event study of the campaign")
        ax.legend()
    return ax


def plot_channel_mix(
    mix: pd.DataFrame, ax: Axes | None = None, title: str = "Spend mix by channel"
) -> Axes:
    """Stacked horizontal bars of the category mix of spend by group (channel, customer type).

    Parameters
    ----------
    mix : DataFrame
        :func:`crmlab.channels.channel_mix` output.
    ax : Axes, optional
        Where to draw.
    title : str
        Figure title, e.g. ``"Spend mix by customer type and region"``.
    """
    cols = [c for c in mix.columns if c.startswith("share_")]
    labels = _texts(
        " / ".join(map(str, i)) if isinstance(i, tuple) else str(i) for i in mix.index.tolist()
    )
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, 0.45 * len(mix) + 1.5))
        left = np.zeros(len(mix))
        y = np.arange(len(mix))
        entries: list[tuple[object, str]] = []
        for i, c in enumerate(cols):
            bars = ax.barh(
                y, mix[c], left=left, color=PALETTE[i % len(PALETTE)], label=_text(c[6:])
            )
            entries.append((bars, c[6:]))
            left += mix[c].to_numpy()
        ax.set_yticks(y, labels)
        ax.set_xlabel("share of spend")
        ax.set_title(_text(title))
        _legend(ax, entries, loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
    return ax


def plot_cross_buying_frequency(
    table: pd.DataFrame, ax: Axes | None = None, currency: str = ""
) -> Axes:
    """Mean revenue of narrower and broader buyers within each purchase-frequency band.

    Parameters
    ----------
    table : DataFrame
        :func:`crmlab.profitability.cross_buying_frequency` output.
    ax : Axes, optional
        Where to draw.
    currency : str
        Currency of the revenue, written in the axis label.
    """
    bands = list(dict.fromkeys(table.index.get_level_values("frequency_band")))
    x = np.arange(len(bands))
    word = table.attrs.get("category_word", "categories")
    with crmlab_theme():
        ax = _new_axes(ax, figsize=(7.5, 4.5))
        for i, (breadth, label) in enumerate(
            (
                ("narrower", f"fewer {word} than the band's median"),
                ("broader", f"median or more {word}"),
            )
        ):
            rows = table.xs(breadth, level="breadth").reindex(bands)
            ax.bar(
                x + (i - 0.5) * 0.38,
                rows["mean_revenue"],
                width=0.38,
                color=PALETTE[i * 2],
                label=_text(label),
            )
        ax.set_xticks(x, _texts(bands))
        ax.set_xlabel("purchase frequency band (distinct purchase days)")
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.set_ylabel(_text(_money_label("mean revenue per customer", currency)))
        ax.set_title(_text(f"Cross-buying and revenue within frequency bands ({word})"))
        ax.legend(loc="upper left")
    return ax


#: Old names of the figures above (before every figure was ``plot_*``), deprecated.
RENAMED: dict[str, str] = {
    "cluster_selection_plot": "plot_cluster_selection",
    "cluster_profile_plot": "plot_cluster_profiles",
    "portfolio_map": "plot_portfolio_map",
    "concentration_plot": "plot_concentration",
    "category_profitability_plot": "plot_category_profitability",
    "price_tier_plot": "plot_price_tiers",
    "association_plot": "plot_associations",
    "event_study_plot": "plot_event_study",
    "channel_mix_plot": "plot_channel_mix",
}

__getattr__ = renamed(
    __name__, {old: (lambda new=new: globals()[new]) for old, new in RENAMED.items()}
)
