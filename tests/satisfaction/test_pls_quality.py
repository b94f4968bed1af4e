"""Effects, cross-loadings, discriminant validity and GoF of PLSPathModel.

Published numbers: R plspm's ``satisfaction`` run with ``scaled = FALSE`` (Sanchez 2013, *PLS
Path Modeling with R*, ch. 4; the R outputs stored in the tests of GoogleCloudPlatform/plspm-python,
``tests/data/satisfaction.effects.csv``, ``satisfaction.crossloadings.csv`` and the GoF asserted
in ``tests/test_regression_metric.py``), and seminr (R) on ``mobi`` (fixtures of sem-in-r/seminr
``tests/fixtures/V_3_6_0/boot_report_htmt.csv``, column "Original Est.", from
``tests/testthat/test-summary.R``; ``fl_table.csv`` from ``tests/testthat/test-validity.R``).
Closed forms: total = direct + indirect = (I - B)^-1 - I, products of paths along a chain, and
HTMT on constructed correlation matrices.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlab.datasets import load_mobi, load_satisfaction
from crmlab.satisfaction import (
    ECSI_SATISFACTION_MODEL,
    PLSPathModel,
    effects_table,
    htmt,
)


@pytest.fixture(scope="module")
def sanchez():
    return PLSPathModel(**ECSI_SATISFACTION_MODEL, scaled=False).fit(load_satisfaction())


_MOBI_SIMPLE = {
    "inner": {"SAT": ["IMAG", "EXPE", "VAL"]},
    "outer": {
        "IMAG": [f"IMAG{i}" for i in range(1, 6)],
        "EXPE": ["CUEX1", "CUEX2", "CUEX3"],
        "VAL": ["PERV1", "PERV2"],
        "SAT": ["CUSA1", "CUSA2", "CUSA3"],
    },
}


def test_effects_match_r_plspm(sanchez):
    """plspm ``satpls$effects`` (plspm-python ``satisfaction.effects.csv``), to 1e-6."""
    ref = {
        ("IMAG", "QUAL"): (0.0, 0.491156739303251, 0.491156739303251),
        ("IMAG", "SAT"): (0.200724200280665, 0.290246937598827, 0.490971137879492),
        ("IMAG", "LOY"): (0.275149575748467, 0.243266046562688, 0.518415622311155),
        ("EXPE", "SAT"): (-0.00275399457916834, 0.504079430753709, 0.501325436174541),
        ("EXPE", "LOY"): (0.0, 0.248396387262645, 0.248396387262645),
        ("QUAL", "SAT"): (0.122144565609107, 0.398773842804961, 0.520918408414068),
        ("VAL", "LOY"): (0.0, 0.292001150957277, 0.292001150957277),
        ("SAT", "LOY"): (0.495479322090817, 0.0, 0.495479322090817),
    }
    eff = sanchez.effects().set_index(["from", "to"])
    assert len(eff) == 15  # every ordered pair joined by a directed path, as plspm lists them
    for key, values in ref.items():
        np.testing.assert_allclose(eff.loc[key, ["direct", "indirect", "total"]], values,
                                   atol=1e-6)  # fmt: skip


def test_total_is_direct_plus_indirect_and_the_matrix_series(sanchez):
    eff = sanchez.effects()
    np.testing.assert_allclose(eff["total"], eff["direct"] + eff["indirect"], atol=1e-12)
    b = sanchez.path_coefficients_.to_numpy()
    series = sum(np.linalg.matrix_power(b, k) for k in range(1, 7))  # B nilpotent: B^6 = 0
    got = eff.set_index(["from", "to"])["total"]
    names = list(sanchez.path_coefficients_.index)
    for (a, c), value in got.items():
        assert value == pytest.approx(series[names.index(a), names.index(c)], abs=1e-12)
    # VAL reaches LOY only through SAT: its indirect effect is the product of the two paths
    p = sanchez.path_coefficients_
    assert got[("VAL", "LOY")] == pytest.approx(p.loc["VAL", "SAT"] * p.loc["SAT", "LOY"])


def test_effects_on_a_chain_closed_form():
    paths = pd.DataFrame(
        [[0, 0.5, 0.2], [0, 0, 0.4], [0, 0, 0]],
        index=["X", "M", "Y"],
        columns=["X", "M", "Y"],
        dtype=float,
    )
    eff = effects_table(paths).set_index(["from", "to"])
    assert list(eff.index) == [("X", "M"), ("X", "Y"), ("M", "Y")]
    assert eff.loc[("X", "Y"), "indirect"] == pytest.approx(0.5 * 0.4)
    assert eff.loc[("X", "Y"), "total"] == pytest.approx(0.2 + 0.5 * 0.4)


def test_effect_intervals_from_the_bootstrap_draws(sanchez):
    boot = sanchez.bootstrap(n=40, seed=2)
    eff = sanchez.effects(boot, alpha=0.1).set_index(["from", "to"])
    draws = boot.attrs["path_draws"]
    product = draws[("VAL", "SAT")] * draws[("SAT", "LOY")]
    row = eff.loc[("VAL", "LOY")]
    assert row["total_lower"] == pytest.approx(product.quantile(0.05))
    assert row["total_upper"] == pytest.approx(product.quantile(0.95))
    direct_only = eff.loc[("SAT", "LOY")]
    assert direct_only["indirect_lower"] == direct_only["indirect_upper"] == 0.0


def test_cross_loadings_match_r_plspm(sanchez):
    """plspm ``satpls$crossloadings`` (plspm-python ``satisfaction.crossloadings.csv``)."""
    ref = {
        "imag1": (0.70932650116601, 0.313711252533208, 0.397233341502283),
        "expe2": (0.510654617972405, 0.837418997567575, 0.420130318123777),
        "val4": (0.63683707023224, 0.590615674757676, 0.60720687258454),
        "loy4": (0.374463004925759, 0.222617240267192, 0.681874238346727),
    }
    cl = sanchez.cross_loadings_
    assert cl.loc["sat3", "construct"] == "SAT"
    for ind, values in ref.items():
        np.testing.assert_allclose(cl.loc[ind, ["IMAG", "EXPE", "LOY"]], values, atol=1e-6)
    own = [cl.loc[i, cl.loc[i, "construct"]] for i in cl.index]
    np.testing.assert_allclose(own, sanchez.outer_loadings_.to_numpy(), atol=1e-12)


def test_gof_matches_r_plspm(sanchez):
    """plspm ``satpls$gof`` = 0.609741624338411 (plspm-python test_regression_metric.py)."""
    assert sanchez.gof_ == pytest.approx(0.609741624338411, abs=1e-9)
    comm = sanchez.outer_model_["communality"].mean()
    assert sanchez.gof_ == pytest.approx(np.sqrt(comm * sanchez.r_squared_.mean()))


def test_htmt_matches_seminr_on_mobi():
    model = PLSPathModel(**_MOBI_SIMPLE, scheme="path", tol=1e-12).fit(load_mobi())
    ref = {
        ("IMAG", "EXPE"): 0.88803042750925,
        ("IMAG", "VAL"): 0.651659392487802,
        ("IMAG", "SAT"): 0.910100923782741,
        ("EXPE", "VAL"): 0.588628982316289,
        ("EXPE", "SAT"): 0.865108193553153,
        ("VAL", "SAT"): 0.740808927759395,
    }
    table = model.htmt()
    for (a, b), value in ref.items():
        assert table.loc[a, b] == pytest.approx(value, abs=1e-9)
        assert table.loc[b, a] == table.loc[a, b]
    assert np.isnan(np.diag(table.to_numpy())).all()


def test_fornell_larcker_matches_seminr_on_mobi():
    model = PLSPathModel(**_MOBI_SIMPLE, scheme="path", tol=1e-12).fit(load_mobi())
    fl = model.fornell_larcker().to_numpy()
    ref = np.array(
        [
            [0.691360857178267, np.nan, np.nan, np.nan],
            [0.505728413396833, 0.693186155829696, np.nan, np.nan],
            [0.510787425945094, 0.358245251153116, 0.921037825175302, np.nan],
            [0.695529337198367, 0.511250543946958, 0.606306608005369, 0.832684808871402],
        ]
    )
    np.testing.assert_allclose(fl, ref, atol=1e-5)


def _correlation(blocks: dict[str, list[float]], phi: np.ndarray) -> pd.DataFrame:
    """Model-implied correlations of reflective indicators: r = l_g l_h phi_ij off the diagonal."""
    names = [f"{b}{k}" for b, lam in blocks.items() for k in range(len(lam))]
    lam = np.array([v for lam in blocks.values() for v in lam])
    which = np.array([i for i, lam in enumerate(blocks.values()) for _ in lam])
    r = np.outer(lam, lam) * phi[np.ix_(which, which)]
    np.fill_diagonal(r, 1.0)
    return pd.DataFrame(r, index=names, columns=names)


def test_htmt_closed_form_on_constructed_correlations():
    # tau-equivalent blocks: HTMT equals the latent correlation (Henseler et al. 2015, p. 121)
    phi = np.array([[1, 0.6, 0.3], [0.6, 1, 0.45], [0.3, 0.45, 1]])
    r = _correlation({"a": [0.8] * 3, "b": [0.7] * 4, "c": [0.9]}, phi)
    outer = {"A": ["a0", "a1", "a2"], "B": ["b0", "b1", "b2", "b3"], "C": ["c0"]}
    table = htmt(r, outer)
    assert table.loc["A", "B"] == pytest.approx(0.6)
    # a single-indicator block has monotrait mean 1: HTMT = mean cross r / sqrt(mono_B)
    assert table.loc["B", "C"] == pytest.approx(0.7 * 0.9 * 0.45 / np.sqrt(0.49))
    # congeneric loadings: the formula, by hand
    r2 = _correlation({"a": [0.9, 0.6], "b": [0.8, 0.5]}, np.array([[1, 0.5], [0.5, 1]]))
    hand = np.mean([0.9 * 0.8, 0.9 * 0.5, 0.6 * 0.8, 0.6 * 0.5]) * 0.5 / np.sqrt(0.54 * 0.40)
    assert htmt(r2, {"A": ["a0", "a1"], "B": ["b0", "b1"]}).loc["A", "B"] == pytest.approx(hand)


def test_htmt_absolute_ignores_reverse_coding():
    data = load_mobi()
    outer = {"IMAG": [f"IMAG{i}" for i in range(1, 6)], "SAT": ["CUSA1", "CUSA2", "CUSA3"]}
    plain = htmt(data, outer).loc["IMAG", "SAT"]
    flipped = data.assign(CUSA2=-data["CUSA2"])
    assert htmt(flipped, outer, absolute=True).loc["IMAG", "SAT"] == pytest.approx(plain)
    # the paper's signed form: SAT's monotrait mean turns negative, the ratio is undefined
    assert np.isnan(htmt(flipped, outer).loc["IMAG", "SAT"])


def test_discriminant_validity_flags(sanchez):
    table = sanchez.discriminant_validity(threshold=0.85)
    assert len(table) == 15
    row = table.set_index(["construct_a", "construct_b"]).loc[("EXPE", "QUAL")]
    # EXPE and QUAL correlate 0.85 with sqrt(AVE) 0.79 and 0.81: both criteria fail
    assert not row["htmt_ok"] and not row["fl_ok"]
    assert row["htmt"] == pytest.approx(sanchez.htmt().loc["EXPE", "QUAL"])
    fl = sanchez.fornell_larcker()
    assert row["correlation"] == pytest.approx(fl.loc["QUAL", "EXPE"])
