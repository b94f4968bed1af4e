"""Every plot draws names from the data as typed: ``$\\frac$``, ``$x$``, ``_``, ``*``, ``\\``.

Matplotlib reads a label with two unescaped ``$`` as mathtext: a brand named ``$\\frac$`` used to
abort notebook 01. Each plot function below draws (``fig.canvas.draw()``) a table whose
categorical names are hostile; the test reads back every Text of the figure and checks that
each name is shown as typed and that no Text is parsed as mathtext.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from crmlab import plots as P

NAMES = ["$\\frac$", "$x$ and $y$", "_x_", "*bold*", "back\\slash", "a|b"]
N = len(NAMES)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def shown_texts(fig) -> list[str]:
    """What the figure shows: each Text after Matplotlib's own unescaping; none is mathtext."""
    fig.canvas.draw()
    out = []
    for t in fig.findobj(Text):
        raw = t.get_text()
        if not raw:
            continue
        shown, is_math = t._preprocess_math(raw)
        assert not is_math, f"{raw!r} is drawn as mathtext"
        out.append(shown)
    return out


def assert_names_shown(ax, names=NAMES):
    shown = shown_texts(ax.figure)
    joined = "\n".join(shown)
    for name in names:
        assert name in joined, f"{name!r} not drawn as typed; drawn: {shown}"


def _intervals(n, seed=0):
    rng = np.random.default_rng(seed)
    est = rng.normal(size=n)
    return est, est - 0.5, est + 0.5


# -------------------------------------------------------------------------------- customer base
def test_customer_base_plots():
    seg = pd.DataFrame(
        {"share": np.full(N, 1 / N), "revenue_share": np.full(N, 1 / N), "customers": 1},
        index=NAMES,
    )
    assert_names_shown(P.plot_segments(seg))
    deciles = pd.DataFrame({"profit_share": np.linspace(0.4, -0.1, N)}, index=NAMES)
    assert_names_shown(P.plot_profit_deciles(deciles))
    cross = pd.DataFrame({"mean_revenue": np.arange(1.0, N + 1), "customers": 3}, index=NAMES)
    assert_names_shown(P.plot_cross_buying(cross))


# ------------------------------------------------------------------------------------------ clv
def test_clv_plots():
    matrix = pd.DataFrame(np.ones((N, 3)), index=NAMES, columns=[0.0, 1.0, 2.0])
    assert_names_shown(P.plot_frequency_recency_matrix(matrix, title=NAMES[0]))
    tracking = pd.DataFrame(
        {"actual": np.arange(4.0), "actual_cumulative": np.arange(4.0).cumsum()}
        | {f"{n}": np.arange(4.0) for n in NAMES}
        | {f"{n}_cumulative": np.arange(4.0).cumsum() for n in NAMES},
    )
    tracking["holdout"] = [False, False, True, True]
    for cumulative in (True, False):
        assert_names_shown(P.plot_tracking(tracking, cumulative=cumulative))
    repeat = pd.DataFrame({"actual": np.arange(N), "expected": np.arange(N)}, index=NAMES)
    assert_names_shown(P.plot_repeat_frequency(repeat), NAMES[:-1])


# ------------------------------------------------------------------------------------ portfolio
def test_portfolio_plots():
    profiles = pd.DataFrame(
        np.arange(N * N, dtype=float).reshape(N, N), index=NAMES, columns=NAMES
    ).assign(customers=10, share=1 / N)
    assert_names_shown(P.plot_cluster_profiles(profiles))
    strategy = pd.Categorical(NAMES * 3, categories=NAMES)
    portfolio = pd.DataFrame(
        {"strategy": strategy, "current_value": np.arange(3.0 * N), "future_value": 1.0}
    )
    assert_names_shown(P.plot_portfolio_map(portfolio, log=False))
    cats = pd.DataFrame(
        {"net_revenue": np.arange(1.0, N + 1), "margin": 1.0, "discount": 0.5},
        index=pd.Index(NAMES, name="$dept$"),
    )
    assert_names_shown(P.plot_category_profitability(cats), [*NAMES, "$dept$"])
    shares = pd.DataFrame(np.full((N, N), 1 / N), index=NAMES, columns=NAMES)
    assert_names_shown(P.plot_price_tiers(shares))
    rules = pd.DataFrame(
        {
            "antecedent": NAMES,
            "consequent": NAMES[1:] + NAMES[:1],
            "lift": np.linspace(3, 1.5, N),
            "confidence": 0.5,
        }
    )
    assert_names_shown(P.plot_associations(rules))
    mix = pd.DataFrame({f"share_{n}": np.full(N, 1 / N) for n in NAMES}, index=NAMES)
    assert_names_shown(P.plot_channel_mix(mix))


# ------------------------------------------------------------------------------------ retention
def test_retention_plots():
    rates = pd.DataFrame({"retention_rate": np.linspace(0.5, 0.7, N)}, index=NAMES)
    assert_names_shown(P.plot_retention_rates(rates))
    cohorts = pd.DataFrame(np.full((N, 3), 0.5), index=NAMES, columns=[0, 1, 2])
    assert_names_shown(P.plot_cohort_heatmap(cohorts))
    km = pd.DataFrame(
        {
            "group": np.repeat(NAMES, 3),
            "time": np.tile([0.0, 10.0, 20.0], N),
            "survival": np.tile([1.0, 0.8, 0.6], N),
        }
    )
    km["lower"], km["upper"] = km["survival"] - 0.1, km["survival"] + 0.05
    assert_names_shown(P.plot_survival_curves(km))
    cox = pd.DataFrame({"hazard_ratio": 1.2, "lower": 0.9, "upper": 1.6}, index=NAMES)
    assert_names_shown(P.plot_hazard_ratios(cox))


# --------------------------------------------------------------------------------- satisfaction
def test_satisfaction_plots():
    gap, lo, hi = _intervals(N)
    gaps = pd.DataFrame(
        {
            "item": NAMES,
            "dimension": NAMES[::-1],
            "gap": gap,
            "gap_lower": lo,
            "gap_upper": hi,
            "significant": [True, False] * (N // 2),
        }
    )
    assert_names_shown(P.plot_gap_scores(gaps))
    dims = gaps.drop(columns="item")
    assert_names_shown(P.plot_dimension_gaps(dims))
    by_segment = pd.concat([dims.assign(**{"$seg$": g}) for g in NAMES[:3]], ignore_index=True)
    assert_names_shown(P.plot_dimension_gaps(by_segment), [*NAMES, "$seg$"])
    ipa = pd.DataFrame(
        {
            "item": NAMES,
            "importance": np.linspace(0, 1, N),
            "performance": np.linspace(1, 0, N),
            "quadrant": "concentrate here",
        }
    )
    ipa.attrs["method"] = "$r$"
    assert_names_shown(P.plot_importance_performance(ipa), [*NAMES, "$r$"])
    drivers = pd.DataFrame(
        {"term": NAMES, "estimate": gap, "lower": lo, "upper": hi, "kind": "coefficient"}
    )
    assert_names_shown(P.plot_drivers(drivers, standardised=False))
    k = 3
    paths = pd.DataFrame(np.zeros((k, k)), index=NAMES[:k], columns=NAMES[:k])
    paths.iloc[0, 1] = paths.iloc[1, 2] = 0.5
    model = SimpleNamespace(
        path_coefficients_=paths, r_squared_=pd.Series({NAMES[1]: 0.3, NAMES[2]: 0.4})
    )
    assert_names_shown(P.plot_pls_paths(model), NAMES[:k])


# ---------------------------------------------------------------------------------------- value
def test_value_plots():
    est, lo, hi = _intervals(N)
    brands = pd.DataFrame(
        {"benefits": est + 5, "costs": 5 - est, "net_value": 2 * est}, index=NAMES
    )
    for col in ("benefits", "costs", "net_value"):
        brands[f"{col}_lower"], brands[f"{col}_upper"] = brands[col] - 0.3, brands[col] + 0.3
    assert_names_shown(P.plot_brand_value(brands))
    assert_names_shown(P.plot_brand_value(brands, kind="net_value"))
    relative = pd.DataFrame(
        {
            "benefits_difference": est,
            "costs_difference": est,
            "net_value_difference": est,
            "focal_brand": "$focal$",
        },
        index=NAMES,
    )
    assert_names_shown(P.plot_relative_value(relative), [*NAMES, "$focal$"])
    wins = pd.DataFrame(
        {
            "attribute": NAMES,
            "kind": "benefit",
            "advantage": est,
            "difference_lower": lo,
            "difference_upper": hi,
            "result": "win",
            "competitor": "$rival$",
            "focal_brand": "$focal$",
        }
    )
    assert_names_shown(P.plot_wins_losses(wins), [*NAMES, "$rival$", "$focal$"])
    vmap = pd.DataFrame(
        {"relative_quality": 1 + est / 10, "relative_price": 1 - est / 10, "zone": "better"},
        index=NAMES,
    )
    assert_names_shown(P.plot_value_map(vmap))
    drivers = pd.DataFrame(
        {"derived_share": np.full(N, 1 / N), "stated_share": np.full(N, 1 / N)}, index=NAMES
    )
    assert_names_shown(P.plot_value_drivers(drivers))
    chain = pd.DataFrame(
        {
            "from": [NAMES[0], NAMES[1], NAMES[2]],
            "to": [NAMES[1], NAMES[2], NAMES[3]],
            "role": ["driver", "consequence", "total effect"],
            "effect": ["direct", "direct", "total"],
            "estimate": [0.5, 0.4, 0.2],
            "lower": [0.1, -0.1, 0.0],
            "upper": [0.9, 0.8, 0.4],
        }
    )
    chain.attrs.update(value=NAMES[1], survey="$survey$")
    assert_names_shown(P.plot_value_chain(chain), [*NAMES[:3], "$survey$"])
