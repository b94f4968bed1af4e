"""Loyalty usage, campaign effects and the programme simulator: recovered known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import simulate_programme
from crmlab.errors import DataError, ParameterError
from crmlab.programmes import (
    SELECTION_CAVEAT,
    campaign_effect,
    coupon_redemption_rates,
    default_campaign,
    loyalty_usage,
    loyalty_usage_summary,
    programme_effect,
    twfe,
)


def test_simulated_programme_effect_recovered_and_naive_biased():
    panel, truth = simulate_programme(n_customers=600, n_weeks=40, effect=5.0, seed=3)
    est = programme_effect(panel)
    fe = est.loc["two-way fixed effects"]
    assert fe["lower"] < truth["effect"] < fe["upper"]
    assert abs(fe["estimate"] - 5.0) < 0.3
    naive = est.loc["naive", "estimate"]
    assert naive > fe["upper"] + 5  # self-selection of heavy buyers inflates the naive gap
    assert truth["baseline_gap"] > 5


def test_simulator_without_selection_or_effect():
    panel, truth = simulate_programme(n_customers=400, n_weeks=20, effect=0.0, selection=0.0)
    est = programme_effect(panel)
    assert est.loc["two-way fixed effects", "lower"] < 0 < est.loc["two-way fixed effects", "upper"]
    a, _ = simulate_programme(n_customers=50, n_weeks=10, seed=9)
    b, _ = simulate_programme(n_customers=50, n_weeks=10, seed=9)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError):
        simulate_programme(join_share=1.0)


def test_twfe_unbalanced_matches_dummy_regression():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(1)
    rows = [(i, t) for i in range(30) for t in range(6) if not (i % 4 == 0 and t == 5)]
    panel = pd.DataFrame(rows, columns=["customer_id", "week"])
    panel["x"] = rng.normal(size=len(panel))
    panel["y"] = 2.0 * panel["x"] + panel["customer_id"] * 0.3 + rng.normal(size=len(panel))
    ours = twfe(panel, "y", ["x"])
    ref = smf.ols("y ~ x + C(customer_id) + C(week)", data=panel).fit()
    assert ours.loc["x", "estimate"] == pytest.approx(ref.params["x"], rel=1e-8)


def _campaign_log(effect: float = 6.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    n, start = 200, pd.Timestamp("2020-03-02")
    rows = []
    treated = np.arange(n) < 80
    base = 20 + 30 * treated + rng.normal(0, 3, n)  # targeted customers spend more already
    for w in range(-6, 6):
        day = start + pd.Timedelta(weeks=w)
        amount = base + (effect * treated if w >= 0 else 0) + 2 * w + rng.normal(0, 4, n)
        rows.append(pd.DataFrame({"customer_id": np.arange(n), "date": day, "amount": amount}))
    tx = pd.concat(rows, ignore_index=True)
    campaigns = pd.DataFrame(
        {"start_date": [start], "n_households": [80], "campaign_type": ["A"]},
        index=pd.Index([7], name="campaign_id"),
    )
    receipts = pd.DataFrame({"customer_id": np.arange(80), "campaign_id": 7})
    return tx, campaigns, receipts


def test_campaign_effect_recovers_the_effect():
    tx, campaigns, receipts = _campaign_log()
    res = campaign_effect(tx, campaigns, receipts, 7, window=(6, 6))
    s = res.summary.iloc[0]
    assert s["lower"] < 6.0 < s["upper"] and abs(s["estimate"] - 6) < 1.0
    assert s["n_treated"] == 80 and s["n_control"] == 120
    assert s["naive_difference"] > 30  # the pre-existing gap
    assert res.event_study.loc[-1, "estimate"] == 0
    pre = res.event_study.loc[res.event_study.index < -1]
    assert (
        pre["estimate"].abs().max() < 3
    )  # about 3.5 standard errors; parallel trends hold by construction
    ev = res.event_study["estimate"]
    # balanced panel: the DiD estimate is the mean post coefficient minus the mean pre one
    assert ev[ev.index >= 0].mean() - ev[ev.index < 0].mean() == pytest.approx(s["estimate"])
    assert res.caveat == SELECTION_CAVEAT and "parallel" in res.caveat
    assert list(res.weekly.columns) == ["treated", "control"] and len(res.weekly) == 12
    assert default_campaign(campaigns, tx, min_households=50, weeks_before=4) == 7
    with pytest.raises(ParameterError):
        campaign_effect(tx, campaigns, receipts, 99)
    with pytest.raises(DataError):
        default_campaign(campaigns, tx, min_households=500)


def test_default_campaign_on_complete_journey(journey):
    assert default_campaign(journey.campaigns, journey.transactions) == 8


def test_loyalty_usage_known_shares():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2, 3, 1],
            "date": pd.to_datetime(["2020-01-01"] * 5 + ["2020-03-01"]),
            "amount": [10.0, 30, 20, 20, 5, 1],
            "retail_disc": [2.0, 0, 1, 1, 0, 0],
        }
    )
    u = loyalty_usage(tx, split_date="2020-02-01", n_tiers=2)
    assert u.loc[1, "loyalty_share"] == pytest.approx(0.25)
    assert u.loc[2, "loyalty_share"] == pytest.approx(1.0)
    assert u.loc[1, "discount_rate"] == pytest.approx(2 / 42)
    assert list(u["tier"]) == ["tier 1", "tier 2", "none"]
    assert list(u["retained"]) == [True, False, False]
    s = loyalty_usage_summary(u)
    assert list(s.index) == ["none", "tier 1", "tier 2"]
    assert s.loc["tier 1", "retention"] == 1.0


def test_coupon_redemption_rates():
    receipts = pd.DataFrame({"customer_id": [1, 2, 3, 1], "campaign_id": [10, 10, 10, 11]})
    redemptions = pd.DataFrame({"customer_id": [1, 1, 3], "campaign_id": [10, 10, 11]})
    r = coupon_redemption_rates(receipts, redemptions)
    assert r.loc[10, "rate"] == pytest.approx(1 / 3) and r.loc[10, "coupons"] == 2
    assert r.loc[11, "redeemed"] == 0  # customer 3 redeemed a campaign they did not receive
    seg = pd.Series({1: "gold", 2: "grey", 3: "grey"}, name="tier")
    s = coupon_redemption_rates(receipts, redemptions, segments=seg)
    assert s.index.name == "tier"
    assert s.loc["gold", "rate"] == 0.5 and s.loc["grey", "rate"] == 0


def test_resolve_campaign():
    tx, campaigns, _ = _campaign_log()
    from crmlab.programmes import resolve_campaign

    assert resolve_campaign(campaigns, tx, "7") == 7
    assert resolve_campaign(campaigns.iloc[:0], tx, "") is None
    with pytest.raises(ParameterError, match="campaign_id"):
        resolve_campaign(campaigns, tx, "x")


def test_programme_effect_naive_row_is_welchs_t_interval_at_alpha():
    panel, _ = simulate_programme(n_customers=120, n_weeks=12, effect=2.0, seed=5)
    means = panel.groupby("customer_id").agg(y=("spend", "mean"), ever=("join_week", "first"))
    joined = means.loc[means["ever"].notna(), "y"]
    never = means.loc[means["ever"].isna(), "y"]
    from scipy import stats

    for alpha in (0.05, 0.2):
        est = programme_effect(panel, alpha=alpha)
        ref = stats.ttest_ind(joined, never, equal_var=False).confidence_interval(1 - alpha)
        naive = est.loc["naive"]
        assert naive["estimate"] == pytest.approx(joined.mean() - never.mean())
        assert (naive["lower"], naive["upper"]) == pytest.approx((ref.low, ref.high), rel=1e-10)
        assert est.attrs["alpha"] == alpha
    wide, narrow = programme_effect(panel, alpha=0.01), programme_effect(panel, alpha=0.3)
    assert (wide["upper"] - wide["lower"] > narrow["upper"] - narrow["lower"]).all()


def test_twfe_and_campaign_effect_take_alpha_and_warn_on_level():
    panel, _ = simulate_programme(n_customers=80, n_weeks=8, seed=2)
    at_alpha = twfe(panel, "spend", ["member"], alpha=0.1)
    with pytest.warns(DeprecationWarning, match="alpha=0.1"):
        at_level = twfe(panel, "spend", ["member"], level=0.9)
    pd.testing.assert_frame_equal(at_alpha, at_level)
    assert list(at_alpha.columns) == ["estimate", "std_error", "p_value", "lower", "upper"]
    from scipy import stats

    q = stats.norm.ppf(0.95)  # statsmodels' cluster-robust OLS uses normal quantiles
    row = at_alpha.iloc[0]
    assert row["upper"] - row["estimate"] == pytest.approx(q * row["std_error"], rel=1e-6)
    tx, campaigns, receipts = _campaign_log()
    new = campaign_effect(tx, campaigns, receipts, 7, window=(4, 4), alpha=0.1)
    with pytest.warns(DeprecationWarning, match="campaign_effect"):
        old = campaign_effect(tx, campaigns, receipts, 7, window=(4, 4), level=0.9)
    pd.testing.assert_frame_equal(new.summary, old.summary)
    pd.testing.assert_frame_equal(new.event_study, old.event_study)
    with pytest.raises(ParameterError, match="alpha"):
        twfe(panel, "spend", ["member"], alpha=1.5)


def test_wald_test_matches_an_independent_cluster_robust_sandwich():
    """W = b' V^-1 b with the cluster-robust V of statsmodels' OLS on the within-transformed data
    (small-sample factor G/(G-1) (N-1)/(N-K)), computed here from dummy regressions in numpy."""
    from scipy import stats

    from crmlab.programmes import wald_test

    rng = np.random.default_rng(5)
    n_units, n_t = 40, 6
    panel = pd.DataFrame(
        [(i, t) for i in range(n_units) for t in range(n_t)], columns=["customer_id", "week"]
    )
    panel["x1"] = rng.normal(size=len(panel))
    panel["x2"] = rng.normal(size=len(panel)) + 0.3 * panel["x1"]
    panel["y"] = 0.4 * panel["x1"] - 0.2 * panel["x2"] + 0.1 * panel["customer_id"]
    panel["y"] += rng.normal(size=len(panel))
    table = twfe(panel, "y", ["x1", "x2"])
    ours = wald_test(table, ["x1", "x2"])

    dummies = np.column_stack(
        [
            np.ones(len(panel)),
            pd.get_dummies(panel["customer_id"], drop_first=True).to_numpy(float),
            pd.get_dummies(panel["week"], drop_first=True).to_numpy(float),
        ]
    )

    def within(v):
        coef, *_ = np.linalg.lstsq(dummies, v, rcond=None)
        return v - dummies @ coef

    x = np.column_stack([within(panel[c].to_numpy(float)) for c in ("x1", "x2")])
    y = within(panel["y"].to_numpy(float))
    bread = np.linalg.inv(x.T @ x)
    b = bread @ x.T @ y
    u = y - x @ b
    meat = np.zeros((2, 2))
    for g in range(n_units):
        rows = (panel["customer_id"] == g).to_numpy()
        s = x[rows].T @ u[rows]
        meat += np.outer(s, s)
    n, k = len(panel), 2
    v = bread @ meat @ bread * n_units / (n_units - 1) * (n - 1) / (n - k)
    w = float(b @ np.linalg.inv(v) @ b)
    assert ours["chi2"] == pytest.approx(w, rel=1e-6)
    assert ours["dof"] == 2 and ours["p_value"] == pytest.approx(stats.chi2.sf(w, 2), rel=1e-6)
    single = wald_test(table, ["x1"])  # one term: the squared z statistic
    z = table.loc["x1", "estimate"] / table.loc["x1", "std_error"]
    assert single["chi2"] == pytest.approx(z**2, rel=1e-8)
    with pytest.raises(ParameterError):
        wald_test(table, ["x3"])


def test_pretrend_test_flags_groups_that_drift_apart_before_the_campaign():
    tx, campaigns, receipts = _campaign_log()
    parallel = campaign_effect(tx, campaigns, receipts, 7, window=(6, 6)).summary.iloc[0]
    assert parallel["pretrend_dof"] == 5  # weeks -6 .. -2 against week -1
    # parallel trends by construction: a statistic far in the tail would be a bug (p ~ 1e-5)
    assert parallel["pretrend_chi2"] < 30
    drift = tx.copy()
    week = ((drift["date"] - pd.Timestamp("2020-03-02")).dt.days // 7).to_numpy()
    treated = drift["customer_id"].to_numpy() < 80
    drift.loc[treated & (week < 0), "amount"] += 4.0 * week[treated & (week < 0)]
    res = campaign_effect(drift, campaigns, receipts, 7, window=(6, 6))
    s = res.summary.iloc[0]
    assert s["pretrend_p_value"] < 1e-6 and not res.parallel_pretrends


def test_households_of_overlapping_campaigns_are_left_out_or_counted():
    tx, campaigns, receipts = _campaign_log()
    start = campaigns.loc[7, "start_date"]
    campaigns = pd.concat(
        [
            campaigns.assign(end_date=start + pd.Timedelta(weeks=4)),
            pd.DataFrame(  # 8 runs inside the window; 9 long after it
                {
                    "start_date": [start + pd.Timedelta(weeks=2), start + pd.Timedelta(weeks=30)],
                    "end_date": [start + pd.Timedelta(weeks=5), start + pd.Timedelta(weeks=34)],
                    "n_households": [40, 100],
                    "campaign_type": ["B", "B"],
                },
                index=pd.Index([8, 9], name="campaign_id"),
            ),
        ]
    )
    receipts = pd.concat(
        [
            receipts,
            pd.DataFrame({"customer_id": np.arange(60, 100), "campaign_id": 8}),
            pd.DataFrame({"customer_id": np.arange(100, 200), "campaign_id": 9}),
        ],
        ignore_index=True,
    )
    out = campaign_effect(tx, campaigns, receipts, 7, window=(6, 6))
    s = out.summary.iloc[0]
    assert out.overlapping_campaigns == [8]
    assert (s["n_overlap_treated"], s["n_overlap_control"]) == (20, 20)  # 60-79 and 80-99
    assert (s["n_treated"], s["n_control"]) == (60, 100)
    assert s["overlapping"] == "exclude" and s["n_overlapping_campaigns"] == 1
    kept = campaign_effect(tx, campaigns, receipts, 7, window=(6, 6), overlapping="keep")
    k = kept.summary.iloc[0]
    assert (k["n_treated"], k["n_control"]) == (80, 120) and k["n_overlap_treated"] == 20
    with pytest.raises(ParameterError, match="overlapping"):
        campaign_effect(tx, campaigns, receipts, 7, overlapping="control")


def test_choose_campaign_states_the_rule():
    from crmlab.programmes import choose_campaign

    tx, campaigns, _ = _campaign_log()
    chosen, why = choose_campaign(campaigns, tx, "", min_households=50, weeks_before=4)
    assert chosen == 7
    assert "first campaign (by start date)" in why and "at least 50 households" in why
    assert "4 weeks of data before its start" in why
    chosen, why = choose_campaign(campaigns, tx, "7")
    assert chosen == 7 and "campaign_id" in why
    assert choose_campaign(campaigns.iloc[:0], tx) == (None, "")


def test_programme_effect_carries_the_staggered_adoption_caveat():
    from crmlab.programmes import STAGGERED_CAVEAT

    panel, _ = simulate_programme(n_customers=100, n_weeks=12, seed=1)
    est = programme_effect(panel)
    assert est.attrs["caveat"] == STAGGERED_CAVEAT
    assert "Goodman-Bacon" in STAGGERED_CAVEAT and "Callaway" in STAGGERED_CAVEAT


def test_overview_and_event_study_show_the_pretrend_test():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from crmlab import plots

    tx, campaigns, receipts = _campaign_log()
    res = campaign_effect(tx, campaigns, receipts, 7, window=(6, 6))
    table = res.overview()
    s = res.summary.iloc[0]
    assert table.loc["pre-trend test: p-value", "value"] == f"{s['pretrend_p_value']:.3f}"
    assert table.loc["receiving households", "value"] == "80"
    lower, upper = table.loc["95% interval", "value"].split(" to ")
    assert float(lower) == pytest.approx(s["lower"], abs=0.005)
    assert float(upper) == pytest.approx(s["upper"], abs=0.005)
    assert res.overview("EUR").loc["95% interval", "value"].endswith(" EUR")
    ax = plots.plot_event_study(res, currency="EUR")
    assert ax.get_title() == "Event study of campaign 7"
    assert any("joint test of the pre-campaign weeks" in t.get_text() for t in ax.texts)
    assert ax.get_ylabel() == "difference in weekly spend per household (EUR)"
    plt.close("all")


def _dynamic_panel(noise: float, seed: int = 0):
    """Cohorts joining in weeks 3, 5 and 7 of 10, an effect that grows by 2 a week since joining
    (1 in the joining week), unit and week effects; the true group-time effects are known."""
    rng = np.random.default_rng(seed)
    rows = []
    join = {**{i: 3 for i in range(30)}, **{i: 5 for i in range(30, 50)}}
    join.update({i: 7 for i in range(50, 60)})
    for i in range(100):
        g = join.get(i)
        alpha = rng.normal(20, 5)
        for t in range(10):
            effect = 1 + 2 * (t - g) if g is not None and t >= g else 0.0
            y = alpha + 0.5 * t**1.5 + effect + noise * rng.normal()
            rows.append((i, t, y, np.nan if g is None else g, int(g is not None and t >= g)))
    panel = pd.DataFrame(rows, columns=["customer_id", "week", "spend", "join_week", "member"])
    sizes = {3: 30, 5: 20, 7: 10}
    cells = [(g, t - g) for g in sizes for t in range(g, 10)]
    truth = sum(sizes[g] * (1 + 2 * e) for g, e in cells) / sum(sizes[g] for g, _ in cells)
    return panel, truth


def test_callaway_santanna_recovers_a_growing_effect_that_twfe_misses():
    from crmlab.programmes import callaway_santanna

    panel, truth = _dynamic_panel(noise=0.0)
    cs = callaway_santanna(panel, n_bootstrap=0)
    # without noise every ATT(g, t) equals the true 1 + 2 (t - g) exactly
    gt = cs.group_time
    assert gt.loc[(3, 3), "att"] == pytest.approx(1.0, abs=1e-9)
    assert gt.loc[(5, 9), "att"] == pytest.approx(9.0, abs=1e-9)
    assert cs.overall.loc[0, "estimate"] == pytest.approx(truth, abs=1e-9)
    np.testing.assert_allclose(cs.by_event_time["estimate"], 1 + 2 * np.arange(7), atol=1e-9)
    assert list(cs.by_event_time["cohorts"]) == [3, 3, 3, 2, 2, 1, 1]
    assert cs.overall.loc[0, "n_never"] == 40 and cs.overall.loc[0, "n_dropped"] == 0
    fe = twfe(panel, "spend", ["member"]).loc["member", "estimate"]
    assert abs(fe - truth) > 1.5  # already-joined cohorts as controls bias the TWFE estimate


def test_callaway_santanna_two_periods_is_the_difference_in_differences_of_means():
    rng = np.random.default_rng(3)
    n = 50
    treated = np.arange(n) < 20
    y0 = rng.normal(10, 2, n)
    y1 = y0 + 1.5 + 3.0 * treated + rng.normal(0, 1, n)
    panel = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(n), 2),
            "week": np.tile([0, 1], n),
            "spend": np.column_stack([y0, y1]).ravel(),
            "join_week": np.repeat(np.where(treated, 1.0, np.nan), 2),
        }
    )
    from crmlab.programmes import callaway_santanna

    cs = callaway_santanna(panel, n_bootstrap=200, seed=0)
    did = (y1 - y0)[treated].mean() - (y1 - y0)[~treated].mean()
    assert cs.overall.loc[0, "estimate"] == pytest.approx(did, rel=1e-12)
    # the bootstrap SE is close to the analytic SE of a difference of two means of changes
    d = y1 - y0
    se = np.sqrt(d[treated].var(ddof=1) / 20 + d[~treated].var(ddof=1) / 30)
    assert 0.7 * se < cs.overall.loc[0, "std_error"] < 1.3 * se
    with pytest.raises(DataError, match="balanced"):
        callaway_santanna(panel.iloc[1:])


def test_simulated_growing_effect_biases_twfe_and_callaway_santanna_recovers_it():
    from crmlab.programmes import callaway_santanna

    panel, truth = simulate_programme(
        n_customers=800, n_weeks=40, effect=2.0, effect_growth=0.5, seed=4
    )
    member = panel["member"] == 1
    since = panel["week"] - panel["join_week"]
    assert truth["att"] == pytest.approx((2.0 + 0.5 * since[member]).mean())
    cs = callaway_santanna(panel, n_bootstrap=50, seed=0).overall.iloc[0]
    assert 0.1 < cs["std_error"] < 0.6
    assert abs(cs["estimate"] - truth["att"]) < 1.0  # about 3.5 standard errors
    fe = programme_effect(panel).loc["two-way fixed effects"]
    # the staggered-adoption bias: about 1.5 below the truth (5 of its standard errors)
    assert fe["estimate"] < truth["att"] - 1.0
    constant, t0 = simulate_programme(n_customers=50, n_weeks=10, seed=9)
    assert t0["att"] == pytest.approx(t0["effect"])
    with pytest.raises(ParameterError):
        simulate_programme(n_weeks=7)
