"""Tests of crmlab.value and crmlab.datasets.simulate_brand_ratings.

Known answers on hand-made ratings, recovery of the simulator's true values, and agreement of the
value chain with independent computations (statsmodels OLS, crmlab.satisfaction.PLSPathModel).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from crmlab import value as V
from crmlab.datasets import load_satisfaction, simulate_brand_ratings
from crmlab.errors import CrmlabWarning, DataError, ParameterError


@pytest.fixture(scope="module")
def sim():
    return simulate_brand_ratings(400, seed=4)  # a seed whose 16 intervals all cover


@pytest.fixture(scope="module")
def sim_table(sim):
    return V.perceived_value(sim.ratings, n_bootstrap=400, seed=2)


def small() -> pd.DataFrame:
    """Two respondents, two brands, two benefits and one cost; importance 3/1 for the benefits."""
    rows = []
    for r in (1, 2):
        for b, ratings in {"A": (6, 4, 3), "B": (4, 4, 5)}.items():
            for (a, k, imp), x in zip(
                [("product", "benefit", 3), ("image", "benefit", 1), ("money", "cost", 2)],
                ratings,
                strict=True,
            ):
                rows.append((r, b, a, k, x + (r - 1), imp))
    return pd.DataFrame(
        rows, columns=["respondent_id", "brand", "attribute", "kind", "rating", "importance"]
    )


# ------------------------------------------------------------------------------ reading


def test_read_ratings_maps_columns_and_normalises_kind():
    raw = small().rename(columns={"brand": "Marke", "rating": "Note"})
    raw["kind"] = raw["kind"].str.upper() + "S "
    out = V.read_ratings(raw, columns={"Marke": "brand", "Note": "rating"})
    assert list(out.columns[:6]) == [*V.RATING_COLUMNS, "importance"]
    assert set(out["kind"]) == {"benefit", "cost"}


def test_read_ratings_unknown_kind_names_column_and_rows():
    raw = small()
    raw.loc[[2, 5], "kind"] = "price"
    with pytest.raises(DataError) as err:
        V.read_ratings(raw)
    assert err.value.column == "kind"
    assert err.value.rows == [2, 5]
    assert "'price'" in str(err.value)


def test_read_ratings_outside_scale_from_csv_reports_file_lines(tmp_path):
    raw = small()
    raw.loc[3, "rating"] = 9
    path = tmp_path / "ratings.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        V.read_ratings(path)
    assert err.value.column == "rating"
    assert err.value.rows == [5]  # header is line 1, row 3 is line 5
    assert V.read_ratings(path, scale=(0, 10))["rating"].max() == 9


@pytest.mark.parametrize("column", ["respondent_id", "brand"])
def test_read_ratings_missing_ids(column):
    raw = small().astype({column: object})
    raw.loc[[1, 7], column] = None
    with pytest.raises(DataError) as err:
        V.read_ratings(raw)
    assert err.value.column == column
    assert err.value.rows == [1, 7]


def test_read_ratings_duplicates_and_mixed_kinds():
    raw = pd.concat([small(), small().iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match="repeated ratings"):
        V.read_ratings(raw)
    raw = small()
    raw.loc[0, "kind"] = "cost"
    with pytest.raises(DataError, match="more than one kind"):
        V.read_ratings(raw)


def test_read_ratings_missing_column_and_bad_scale():
    with pytest.raises(DataError, match="'rating'"):
        V.read_ratings(small().drop(columns="rating"))
    with pytest.raises(ParameterError):
        V.read_ratings(small(), scale=(7, 1))


# ------------------------------------------------------------------------------ perceived value


def test_perceived_value_known_answer():
    table = V.perceived_value(small(), n_bootstrap=0)
    # brand A: product mean 6.5, image 4.5 -> (3*6.5 + 1*4.5)/4 = 6.0; money 3.5
    assert table.loc["A", "benefits"] == pytest.approx(6.0)
    assert table.loc["A", "costs"] == pytest.approx(3.5)
    assert table.loc["A", "net_value"] == pytest.approx(2.5)
    assert table.loc["B", "value_ratio"] == pytest.approx(4.5 / 5.5)
    assert table["net_value_lower"].isna().all()
    assert table["n_respondents"].tolist() == [2, 2]


def test_perceived_value_equal_weights_without_importance():
    table = V.perceived_value(small().drop(columns="importance"), n_bootstrap=0)
    assert table.loc["A", "benefits"] == pytest.approx((6.5 + 4.5) / 2)


def test_perceived_value_recovers_true_values(sim, sim_table):
    truth = sim.truth.brands
    for m in ("benefits", "costs", "net_value", "value_ratio"):
        lower, upper = sim_table[f"{m}_lower"], sim_table[f"{m}_upper"]
        assert (lower <= truth[m]).all() and (truth[m] <= upper).all(), m
        assert (upper - lower).max() < 0.35
    assert list(sim_table.index) == ["Aster", "Birch", "Cedar", "Dune"]


def test_perceived_value_interval_coverage_over_seeds():
    hits = []
    for seed in range(12):
        ratings, truth = simulate_brand_ratings(200, seed=100 + seed)
        t = V.perceived_value(ratings, n_bootstrap=200, seed=seed)
        hits.append(
            (
                (t["net_value_lower"] <= truth.brands["net_value"])
                & (truth.brands["net_value"] <= t["net_value_upper"])
            ).to_numpy()
        )
    assert np.mean(hits) >= 0.85  # nominal 0.95


def test_perceived_value_is_seeded_and_validates(sim):
    a = V.perceived_value(sim.ratings, n_bootstrap=50, seed=5)
    b = V.perceived_value(sim.ratings, n_bootstrap=50, seed=5)
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(ParameterError):
        V.perceived_value(sim.ratings, alpha=1.5)
    with pytest.raises(ParameterError):
        V.perceived_value(sim.ratings, n_bootstrap=-1)


def test_perceived_value_by_segment_recovers_segment_truth(sim):
    table = V.perceived_value(sim.ratings, n_bootstrap=300, segment="segment")
    assert table.index.names == ["segment", "brand"]
    truth = sim.truth.segments.reindex(table.index)
    se = (table["net_value_upper"] - table["net_value_lower"]) / (2 * 1.96)
    assert (np.abs(table["net_value"] - truth["net_value"]) < 3.5 * se).all()


def test_segment_must_be_constant_per_respondent():
    raw = small().assign(segment=["x"] * 6 + ["y"] * 5 + ["x"])
    with pytest.raises(DataError, match="more than one segment"):
        V.perceived_value(raw, segment="segment", n_bootstrap=0)


def test_missing_cells_warn():
    raw = small().drop(index=[3, 9])  # brand B never rated on product
    with pytest.warns(CrmlabWarning, match="no rating on some attributes"):
        V.perceived_value(raw, n_bootstrap=0)


# ------------------------------------------------------------------------------ relative value


def test_relative_value_equals_table_differences(sim, sim_table):
    rel = V.relative_value(sim.ratings, "Dune", n_bootstrap=300, seed=2)
    assert list(rel.index) == ["Aster", "Birch", "Cedar"]
    for c in rel.index:
        assert rel.loc[c, "net_value_difference"] == pytest.approx(
            sim_table.loc["Dune", "net_value"] - sim_table.loc[c, "net_value"]
        )
        assert rel.loc[c, "value_ratio_ratio"] == pytest.approx(
            sim_table.loc["Dune", "value_ratio"] / sim_table.loc[c, "value_ratio"]
        )
    truth = sim.truth.brands
    true_diff = truth.loc["Dune", "net_value"] - truth.loc[rel.index, "net_value"]
    assert (
        (rel["net_value_difference_lower"] <= true_diff)
        & (true_diff <= rel["net_value_difference_upper"])
    ).all()
    assert rel.loc["Cedar", "result"] == "advantage"
    assert (rel["n_common"] == 400).all()


def test_paired_intervals_are_narrower_than_independent(sim, sim_table):
    """Shared scale use cancels in paired differences of benefits (same respondents)."""
    paired = V.relative_value(sim.ratings, "Aster", n_bootstrap=400, seed=2)
    unpaired = V.relative_value(sim_table, "Aster")
    width = lambda t: t["benefits_difference_upper"] - t["benefits_difference_lower"]  # noqa: E731
    assert (width(paired) < 0.9 * width(unpaired)).all()
    assert (unpaired["n_common"] == 0).all()
    assert unpaired["net_value_difference"].to_numpy() == pytest.approx(
        paired["net_value_difference"].to_numpy()
    )


def test_relative_value_unpaired_design():
    ratings, truth = simulate_brand_ratings(600, seed=4, brands_per_respondent=2)
    rel = V.relative_value(ratings, "Birch", n_bootstrap=300)
    assert (rel["n_common"] < 300).all()
    true_diff = truth.brands.loc["Birch", "net_value"] - truth.brands.loc[rel.index, "net_value"]
    se = (rel["net_value_difference_upper"] - rel["net_value_difference_lower"]) / 3.92
    assert (np.abs(rel["net_value_difference"] - true_diff) < 3.5 * se).all()


def test_relative_value_bad_focal(sim):
    with pytest.raises(ParameterError, match="Zephyr"):
        V.relative_value(sim.ratings, "Zephyr", n_bootstrap=0)
    assert V.relative_value(sim.ratings, "", n_bootstrap=0)["focal_brand"].iloc[0] == "Aster"


# ------------------------------------------------------------------------------ wins and losses


def test_wins_losses_known_answer():
    out = V.attribute_wins_losses(small(), "A", n_bootstrap=0)
    row = out.set_index("attribute")
    assert row.loc["product", "difference"] == pytest.approx(2.0)
    assert row.loc["money", "difference"] == pytest.approx(-2.0)
    assert row.loc["money", "advantage"] == pytest.approx(2.0)  # cheaper is better
    assert row.loc["product", "weight"] == pytest.approx(0.75)
    assert set(out["result"]) == {"tie"}  # no intervals without resamples
    assert out["kind"].tolist() == ["benefit", "benefit", "cost"]


def test_wins_losses_recover_true_differences(sim):
    out = V.attribute_wins_losses(sim.ratings, "Dune", versus="each", n_bootstrap=300)
    assert len(out) == 3 * 8
    ta = sim.truth.attributes
    true = ta.loc["Dune"].to_numpy()[None] - ta.loc[["Aster", "Birch", "Cedar"]].to_numpy()
    true = pd.DataFrame(true, index=["Aster", "Birch", "Cedar"], columns=ta.columns)
    td = np.array(
        [true.loc[c, a] for c, a in zip(out["competitor"], out["attribute"], strict=True)]
    )
    covered = (out["difference_lower"] <= td) & (td <= out["difference_upper"])
    assert covered.mean() >= 0.85
    res = out.set_index(["competitor", "attribute"])["result"]
    assert res[("Aster", "money")] == "win" and res[("Aster", "image")] == "loss"


# ------------------------------------------------------------------------------ value map


def test_value_map_known_answer():
    vm = V.customer_value_map(small(), n_bootstrap=0)
    # A: product 6.5 vs 4.5, image 4.5 vs 4.5; weights 3/4, 1/4 -> Q = .75*6.5/4.5 + .25
    assert vm.loc["A", "relative_quality"] == pytest.approx(0.75 * 6.5 / 4.5 + 0.25)
    assert vm.loc["A", "relative_price"] == pytest.approx(3.5 / 5.5)
    assert vm.loc["A", "zone"] == "better value" and vm.loc["B", "zone"] == "worse value"
    assert vm.loc["A", "distance"] == pytest.approx(vm.loc["A", "value_advantage"] / np.sqrt(2))
    assert vm.attrs["fair_value_line"]["slope"] == 1.0


def test_value_map_from_table_and_fitted_line(sim, sim_table):
    vm = V.customer_value_map(sim_table, fair_value="fitted")
    line = vm.attrs["fair_value_line"]
    slope, intercept = np.polyfit(vm["relative_quality"], vm["relative_price"], 1)
    assert line["slope"] == pytest.approx(slope) and line["intercept"] == pytest.approx(intercept)
    assert vm["value_advantage"].sum() == pytest.approx(0.0, abs=1e-12)  # OLS residuals
    money = V.customer_value_map(sim.ratings, price_attributes=["money"], n_bootstrap=100)
    assert money.loc["Birch", "relative_price"] < 0.75  # the budget brand
    with pytest.raises(ParameterError, match="price_attributes"):
        V.customer_value_map(sim.ratings, price_attributes=["fee"], n_bootstrap=0)


def test_value_map_zones_on_simulation(sim):
    vm = V.customer_value_map(sim.ratings, n_bootstrap=200)
    assert vm.loc["Cedar", "zone"] == "worse value"
    assert vm.loc["Dune", "zone"] == "better value"
    assert (vm["relative_quality_lower"] <= vm["relative_quality"]).all()


# ------------------------------------------------------------------------------ drivers


def test_value_drivers_recover_true_coefficients(sim):
    d = V.value_drivers(sim.ratings)
    true = sim.truth.drivers.drop("intercept").reindex(d.index)
    assert (np.abs(d["coefficient"] - true) < 3.5 * d["std_error"]).all()
    assert d["relative_weight"].sum() == pytest.approx(d.attrs["r_squared"])
    assert d["derived_share"].sum() == pytest.approx(1.0)
    assert d.loc["money", "kind"] == "cost" and d.loc["money", "coefficient"] < 0
    assert d.attrs["n_observations"] == 1600
    assert d["stated_rank"].notna().all()


def test_relative_weights_equal_squared_correlations_for_orthogonal_predictors():
    """Johnson (2000): with uncorrelated predictors the weights are the squared correlations."""
    rng = np.random.default_rng(0)
    x = np.linalg.qr(rng.normal(size=(200, 3)) - 0)[0]
    x = x - x.mean(axis=0)
    x = np.linalg.qr(x)[0]
    y = x @ np.array([3.0, 1.0, 0.5]) + rng.normal(size=200) * 0.1
    w = V._relative_weights(x, y)
    r = np.corrcoef(np.column_stack([x, y]), rowvar=False)[:-1, -1]
    assert w == pytest.approx(r**2, abs=1e-3)


def test_value_drivers_needs_overall_and_accepts_separate_frame(sim):
    no_overall = sim.ratings[sim.ratings["kind"] != "overall"]
    with pytest.raises(DataError, match="overall"):
        V.value_drivers(no_overall)
    overall = sim.ratings.loc[
        sim.ratings["kind"] == "overall", ["respondent_id", "brand", "rating"]
    ]
    a = V.value_drivers(no_overall, overall=overall, cov_type="HC3")
    b = V.value_drivers(sim.ratings, cov_type="HC3")
    assert a["coefficient"].to_numpy() == pytest.approx(b["coefficient"].to_numpy())


# ------------------------------------------------------------------------------ value chain


def test_value_chain_means_matches_statsmodels():
    chain = V.value_chain("satisfaction", method="means", n_bootstrap=50, seed=1)
    data = load_satisfaction()

    def score(prefix, n):
        z = data[[f"{prefix}{i}" for i in range(1, n + 1)]]
        z = (z - z.mean()) / z.std(ddof=0)
        s = z.mean(axis=1)
        return (s - s.mean()) / s.std(ddof=0)

    val, sat, expe, qual, imag, loy = (
        score("val", 4),
        score("sat", 4),
        score("expe", 5),
        score("qual", 5),
        score("imag", 5),
        score("loy", 4),
    )
    fit = sm.OLS(sat, np.column_stack([imag, expe, qual, val])).fit()
    row = chain[(chain["from"] == "VAL") & (chain["to"] == "SAT")].iloc[0]
    assert row["estimate"] == pytest.approx(fit.params.iloc[3], abs=1e-10)
    loy_fit = sm.OLS(loy, np.column_stack([imag, sat])).fit()
    total = chain[chain["effect"] == "total"].iloc[0]
    assert total["estimate"] == pytest.approx(fit.params.iloc[3] * loy_fit.params.iloc[1])
    assert total["lower"] < total["estimate"] < total["upper"]
    assert set(chain["role"]) == {"driver", "consequence", "total effect"}


def test_value_chain_pls_uses_satisfaction_model():
    from crmlab.datasets import load_mobi
    from crmlab.satisfaction import ECSI_MOBI_MODEL, PLSPathModel

    chain = V.value_chain("mobi", n_bootstrap=10, seed=0)
    model = PLSPathModel(**ECSI_MOBI_MODEL).fit(load_mobi())
    b = model.path_coefficients_
    row = chain[(chain["from"] == "VAL") & (chain["to"] == "SAT")].iloc[0]
    assert row["estimate"] == pytest.approx(b.loc["VAL", "SAT"])
    # VAL -> SAT -> LOY and VAL -> SAT -> COMP -> LOY
    expected = b.loc["VAL", "SAT"] * (
        b.loc["SAT", "LOY"] + b.loc["SAT", "COMP"] * b.loc["COMP", "LOY"]
    )
    assert chain.iloc[-1]["estimate"] == pytest.approx(expected)
    assert chain.attrs["method"] == "pls" and chain.attrs["n_bootstrap"] == 10


def test_value_chain_own_survey_needs_spec():
    with pytest.raises(ParameterError, match="inner"):
        V.value_chain(load_satisfaction())
    with pytest.raises(ParameterError):
        V.value_chain("bank")


# ------------------------------------------------------------------------------ findings + sim


def test_value_findings_are_computed(sim, sim_table):
    rel = V.relative_value(sim.ratings, "Cedar", n_bootstrap=100)
    wl = V.attribute_wins_losses(sim.ratings, "Cedar", n_bootstrap=100)
    vm = V.customer_value_map(sim.ratings, n_bootstrap=0)
    d = V.value_drivers(sim.ratings)
    chain = V.value_chain("satisfaction", method="means", n_bootstrap=20)
    out = V.value_findings(sim_table, rel, wl, vm, d, chain)
    assert len(out) == 7
    best = sim_table["net_value"].idxmax()
    assert f"**{best}** offers the highest" in out[0]
    assert "Cedar" in out[1]  # its net value is below zero
    assert "behind" in out[2]
    assert "worse-value zone" in out[4]


def test_simulator_shapes_and_truth():
    ratings, truth = simulate_brand_ratings(30, brands=["a", "b", "c", "d", "e"], seed=3)
    assert len(ratings) == 30 * 5 * 9
    assert ratings["rating"].between(1, 7).all()
    assert set(truth.brands.index) == set("abcde")
    t = truth.brands
    assert np.allclose(t["net_value"], t["benefits"] - t["costs"])
    with pytest.raises(ParameterError):
        simulate_brand_ratings(10, brands=["solo"])
    pd.testing.assert_frame_equal(
        simulate_brand_ratings(20, seed=9)[0], simulate_brand_ratings(20, seed=9)[0]
    )


def test_simulated_attribute_means_match_truth_in_large_samples():
    ratings, truth = simulate_brand_ratings(4000, seed=11)
    means = ratings[ratings["kind"] != "overall"].pivot_table(
        index="brand", columns="attribute", values="rating"
    )[truth.attributes.columns]
    assert np.abs(means - truth.attributes).to_numpy().max() < 0.06


def test_compare_to_truth_and_truth_sentence(sim, sim_table):
    cmp = V.compare_to_truth(sim_table, sim.truth.brands)
    assert cmp["net_value_covered"].all()
    assert cmp["costs_error"].to_numpy() == pytest.approx(
        (sim_table["costs"] - sim.truth.brands["costs"]).to_numpy()
    )
    assert "net_value_true" not in V.compare_to_truth(sim_table, None)
    out = V.value_findings(sim_table, truth=sim.truth.brands)
    assert "cover the true net value of 4 of 4 brands" in out[1]
    chains = [V.value_chain(s, method="means", n_bootstrap=0) for s in ("satisfaction", "mobi")]
    out = V.value_findings(None, chain=chains)
    assert len(out) == 2 and "mobile-phone customer survey" in out[1]
