"""PLSPathModel against published R results (plspm, seminr) on the bundled surveys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_mobi, load_satisfaction
from crmlab.errors import DataError, NotFittedError, ParameterError
from crmlab.satisfaction import (
    ECSI_MOBI_MODEL,
    ECSI_SATISFACTION_MODEL,
    PLSPathModel,
    index_by_segment,
)


@pytest.fixture(scope="module")
def sat_model():
    return PLSPathModel(**ECSI_SATISFACTION_MODEL, scaled=False).fit(load_satisfaction())


def test_satisfaction_paths_and_r2_match_r_plspm(sat_model):
    """R plspm, ``plspm(satisfaction, sat_path, sat_blocks, modes = rep("A", 6),
    scaled = FALSE)`` (centroid scheme), the example of plspm's documentation and Sanchez
    (2013), *PLS Path Modeling with R*, ch. 2/4. Reference values: the R outputs stored in the
    tests of GoogleCloudPlatform/plspm-python, ``tests/data/satisfaction.effects.csv`` (direct
    effects) and ``satisfaction.inner-summary.csv`` (R^2, AVE); agreement to 3 decimals.
    """
    direct = {
        ("IMAG", "EXPE"): 0.579,
        ("IMAG", "SAT"): 0.201,
        ("IMAG", "LOY"): 0.275,
        ("EXPE", "QUAL"): 0.848,
        ("EXPE", "VAL"): 0.105,
        ("EXPE", "SAT"): -0.003,
        ("QUAL", "VAL"): 0.677,
        ("QUAL", "SAT"): 0.122,
        ("VAL", "SAT"): 0.589,
        ("SAT", "LOY"): 0.495,
    }
    paths = sat_model.path_coefficients_
    for (a, b), value in direct.items():
        assert round(paths.loc[a, b], 3) == pytest.approx(value, abs=1e-9), (a, b)
    assert (paths.to_numpy() != 0).sum() == len(direct)
    r2 = {"EXPE": 0.335, "QUAL": 0.720, "VAL": 0.590, "SAT": 0.707, "LOY": 0.510}
    for c, value in r2.items():
        assert round(sat_model.r_squared_[c], 3) == pytest.approx(value, abs=1e-9)
    ave = {"IMAG": 0.582, "EXPE": 0.616, "QUAL": 0.659, "VAL": 0.664, "SAT": 0.759, "LOY": 0.639}
    for c, value in ave.items():
        assert round(sat_model.ave_[c], 3) == pytest.approx(value, abs=1e-9)


def test_satisfaction_outer_model_matches_r_plspm(sat_model):
    """Outer weights and loadings of the same plspm run (plspm-python
    ``tests/data/satisfaction.outer-model.csv``, produced by R plspm), to 1e-6."""
    ref = {
        "imag1": (0.0982418501741741, 0.70932650116601),
        "imag4": (0.0765758587028763, 0.569193430203468),
        "expe2": (0.140693124381936, 0.837418997567575),
        "qual3": (0.117141650592502, 0.794076151381524),
        "val1": (0.174960810051613, 0.864821997997945),
        "sat4": (0.132079076814512, 0.8175253352275),
        "loy2": (0.081728096069474, 0.671101376778201),
    }
    for ind, (w, lam) in ref.items():
        assert sat_model.outer_weights_[ind] == pytest.approx(w, abs=1e-6)
        assert sat_model.outer_loadings_[ind] == pytest.approx(lam, abs=1e-6)


def test_mobi_path_scheme_mode_b_matches_seminr():
    """seminr (R) on ``mobi``: Image -> Expectation; Expectation, Quality (mode B), Complaints
    -> Loyalty; path weighting, as stored in plspm-python
    ``tests/data/seminr-mobi-basic-paths.csv`` and ``seminr-mobi-basic-outer-model.csv``."""
    model = PLSPathModel(
        inner={"EXPE": ["IMAG"], "LOY": ["EXPE", "QUAL", "COMP"]},
        outer={
            "IMAG": [f"IMAG{i}" for i in range(1, 6)],
            "EXPE": ["CUEX1", "CUEX2", "CUEX3"],
            "QUAL": [f"PERQ{i}" for i in range(1, 8)],
            "COMP": ["CUSCO"],
            "LOY": ["CUSL1", "CUSL2", "CUSL3"],
        },
        modes={"QUAL": "B"},
        scheme="path",
        tol=1e-12,
    ).fit(load_mobi())
    p = model.path_coefficients_
    assert p.loc["IMAG", "EXPE"] == pytest.approx(0.512876954138615, abs=1e-5)
    assert p.loc["EXPE", "LOY"] == pytest.approx(0.124534792831633, abs=1e-5)
    assert p.loc["QUAL", "LOY"] == pytest.approx(0.405693671851465, abs=1e-5)
    assert p.loc["COMP", "LOY"] == pytest.approx(0.176081956818542, abs=1e-5)
    assert model.outer_weights_["PERQ6"] == pytest.approx(-0.0862475048715799, abs=1e-5)
    assert model.outer_loadings_["CUSL2"] == pytest.approx(0.205795369057261, abs=1e-5)


def test_mobi_ecsi_model_fits_with_sensible_structure():
    model = PLSPathModel(**ECSI_MOBI_MODEL).fit(load_mobi())
    assert set(model.r_squared_.index) == {"EXPE", "QUAL", "VAL", "SAT", "COMP", "LOY"}
    assert model.path_coefficients_.loc["QUAL", "SAT"] > 0.3
    assert model.path_coefficients_.loc["SAT", "LOY"] > 0.3
    assert np.allclose(model.scores_.std(ddof=0), 1)
    assert (model.composite_reliability_.drop("COMP") > 0.7).all()


def test_scores_standardised_and_summary(sat_model):
    s = sat_model.scores_
    assert np.allclose(s.mean(), 0, atol=1e-10) and np.allclose(s.std(ddof=0), 1)
    summ = sat_model.summary()
    assert summ.loc["IMAG", "type"] == "exogenous" and np.isnan(summ.loc["IMAG", "r_squared"])
    lam = sat_model.outer_loadings_[[f"sat{i}" for i in range(1, 5)]]
    rho = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert summ.loc["SAT", "dillon_goldstein_rho"] == pytest.approx(rho)


def test_index_scores_formula(sat_model):
    """0-100 index = weighted mean of raw indicators with weights summing to 1 (ACSI)."""
    data = load_satisfaction()
    idx = sat_model.index_scores(scale=(0, 10))
    w = sat_model.outer_weights_[[f"sat{i}" for i in range(1, 5)]]
    w = w / w.sum()
    manual = 10 * (data[w.index] @ w)
    assert np.allclose(idx["SAT"], manual)
    assert idx.to_numpy().min() >= 0 and idx.to_numpy().max() <= 100
    # scaled model: standardised weights divided by the sd give the same kind of index
    scaled = PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(data).index_scores()
    assert abs(scaled["SAT"].mean() - idx["SAT"].mean()) < 1.0


def _two_construct_survey(n: int, seed: int, beta: float = 0.5) -> pd.DataFrame:
    """Reflective indicators (loadings 0.9, 0.8, 0.7) of X and Y = beta X + error (unit variances)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = beta * x + np.sqrt(1 - beta**2) * rng.normal(size=n)
    cols = {}
    for name, latent in (("x", x), ("y", y)):
        for j, lam in enumerate((0.9, 0.8, 0.7)):
            cols[f"{name}{j}"] = lam * latent + np.sqrt(1 - lam**2) * rng.normal(size=n)
    return pd.DataFrame(cols)


TWO = {"inner": {"Y": ["X"]}, "outer": {"X": ["x0", "x1", "x2"], "Y": ["y0", "y1", "y2"]}}


def _path(n: int, seed: int) -> float:
    return float(
        PLSPathModel(**TWO).fit(_two_construct_survey(n, seed)).path_coefficients_.loc["X", "Y"]
    )


def _boot_path(n: int, seed: int, n_boot: int = 200, alpha: float = 0.05) -> pd.Series:
    model = PLSPathModel(**TWO).fit(_two_construct_survey(n, seed))
    boot = model.bootstrap(n=n_boot, seed=seed, alpha=alpha)
    return boot[boot["kind"] == "path"].iloc[0]


def test_bootstrap_se_matches_the_sampling_sd_of_a_known_model():
    """The bootstrap standard error estimates the spread of the path estimate over repeated
    surveys: compared with the standard deviation over 80 independent simulated surveys of the
    same size (Monte Carlo error of that sd about 8%, of the mean bootstrap SE about 5%)."""
    sampling_sd = np.std([_path(200, 1000 + s) for s in range(80)], ddof=1)
    boot_se = np.mean([_boot_path(200, s)["std_error"] for s in range(5)])
    assert 0.75 < boot_se / sampling_sd < 1.33


def test_bootstrap_intervals_shrink_with_n():
    """Standard errors and intervals narrow like 1/sqrt(n): four times the respondents, half the
    width (means over three surveys each; Monte Carlo error of the ratio about 8%)."""
    small = [_boot_path(200, s) for s in range(3)]
    large = [_boot_path(800, s) for s in range(3)]
    se_ratio = np.mean([r["std_error"] for r in small]) / np.mean([r["std_error"] for r in large])
    assert 1.5 < se_ratio < 2.5
    width = [np.mean([r["upper"] - r["lower"] for r in rows]) for rows in (small, large)]
    assert 1.5 < width[0] / width[1] < 2.5


def test_bootstrap_percentiles_at_alpha_reproducible_and_level_deprecated(sat_model):
    boot = sat_model.bootstrap(n=60, seed=1, alpha=0.1)
    paths = boot[boot["kind"] == "path"]
    assert len(paths) == 10 and (boot["n_boot"] == 60).all()
    draws = boot.attrs["path_draws"]
    assert paths["lower"].to_numpy() == pytest.approx(draws.quantile(0.05).to_numpy())
    assert paths["upper"].to_numpy() == pytest.approx(draws.quantile(0.95).to_numpy())
    assert paths["std_error"].to_numpy() == pytest.approx(draws.std(ddof=1).to_numpy())
    val_sat = paths[(paths["from"] == "VAL") & (paths["to"] == "SAT")].iloc[0]
    assert val_sat["lower"] > 0.3
    again = sat_model.bootstrap(n=60, seed=1, alpha=0.1)
    pd.testing.assert_frame_equal(boot, again)
    with pytest.warns(DeprecationWarning, match="alpha=0.1"):
        old = sat_model.bootstrap(n=60, seed=1, level=0.9)
    pd.testing.assert_frame_equal(boot, old)


def test_index_by_segment_welch():
    data = load_satisfaction()
    model = PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(data)
    table = index_by_segment(model.index_scores(), data["gender"])
    assert list(table.columns[:3]) == ["construct", "mean_female", "mean_male"]
    row = table.set_index("construct").loc["SAT"]
    assert row["difference"] == pytest.approx(row["mean_male"] - row["mean_female"])
    assert 0 < row["p_value"] < 1


def test_errors():
    data = load_satisfaction()
    with pytest.raises(NotFittedError):
        PLSPathModel(**ECSI_SATISFACTION_MODEL).index_scores()
    with pytest.raises(ParameterError, match="cycle"):
        PLSPathModel(inner={"A": ["B"], "B": ["A"]}, outer={"A": ["sat1"], "B": ["loy1"]}).fit(data)
    with pytest.raises(ParameterError, match="constructs without indicators"):
        PLSPathModel(inner={"A": ["C"]}, outer={"A": ["sat1"]}).fit(data)
    bad = data.copy()
    bad.loc[[3, 7], "sat2"] = np.nan
    with pytest.raises(DataError) as err:
        PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(bad)
    assert err.value.column == "sat2" and err.value.rows == [3, 7]
    with pytest.raises(DataError, match="missing"):
        PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(data.drop(columns="loy4"))


_MOBI_SIMPLE = {
    "inner": {"SAT": ["IMAG", "EXPE", "VAL"]},
    "outer": {
        "IMAG": [f"IMAG{i}" for i in range(1, 6)],
        "EXPE": ["CUEX1", "CUEX2", "CUEX3"],
        "VAL": ["PERV1", "PERV2"],
        "SAT": ["CUSA1", "CUSA2", "CUSA3"],
    },
}


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [
        ("path", (0.447003896753383, 0.171830104491586, 0.316425319256027)),
        ("factorial", (0.446873985519376, 0.172941539187286, 0.315219423208024)),
    ],
)
def test_standardised_mobi_model_matches_seminr(scheme, expected):
    """seminr 2.x (R), ``estimate_pls(mobi, mobi_mm, mobi_sm, inner_weights = path_weighting |
    path_factorial)``: Image, Expectation, Value -> Satisfaction, mode A, standardised data.
    Fixtures of sem-in-r/seminr ``tests/fixtures/V_3_6_0/inner_weights_coefficients.csv`` and
    ``factorial_coefficients.csv`` (from ``tests/testthat/test-inner_weighting.R``), to 1e-5."""
    model = PLSPathModel(**_MOBI_SIMPLE, scheme=scheme, tol=1e-12).fit(load_mobi())
    got = model.path_coefficients_.loc[["IMAG", "EXPE", "VAL"], "SAT"].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_rho_c_and_ave_match_seminr():
    """seminr's ``summary(model)$reliability`` (rhoC, AVE) for the path-weighting model above,
    fixture sem-in-r/seminr ``tests/fixtures/V_3_6_0/reliability.csv`` (test-summary.R)."""
    model = PLSPathModel(**_MOBI_SIMPLE, scheme="path", tol=1e-12).fit(load_mobi())
    rho = {"IMAG": 0.818325774056256, "EXPE": 0.733177801505283, "VAL": 0.917897281748515,
           "SAT": 0.871457927643628}  # fmt: skip
    ave = {"IMAG": 0.477979834838268, "EXPE": 0.480507046633952, "VAL": 0.84831067540365,
           "SAT": 0.693363990925202}  # fmt: skip
    for c in rho:
        assert model.composite_reliability_[c] == pytest.approx(rho[c], abs=1e-5)
        assert model.ave_[c] == pytest.approx(ave[c], abs=1e-5)
