"""Tests of crmlab.satisfaction.chain: the ECSI value chain against PLSPathModel."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlab.datasets import load_mobi, load_satisfaction
from crmlab.errors import ParameterError
from crmlab.satisfaction import (
    ECSI_MOBI_MODEL,
    ECSI_SATISFACTION_MODEL,
    PLSPathModel,
    value_chain,
)


def test_value_chain_pls_uses_satisfaction_model():
    chain = value_chain(load_mobi(), **ECSI_MOBI_MODEL, n_bootstrap=10, seed=0)
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
        value_chain(load_satisfaction())
    with pytest.raises(ParameterError, match="DataFrame"):
        value_chain("satisfaction", **ECSI_SATISFACTION_MODEL)
    with pytest.raises(ParameterError, match="n_bootstrap"):
        value_chain(load_satisfaction(), **ECSI_SATISFACTION_MODEL, n_bootstrap=1)


def test_value_chain_bootstrap_is_plspathmodel_bootstrap():
    data = load_satisfaction()
    chain = value_chain(data, **ECSI_SATISFACTION_MODEL, n_bootstrap=30, seed=4)
    boot = PLSPathModel(**ECSI_SATISFACTION_MODEL).fit(data).bootstrap(n=30, seed=4)
    paths = boot[boot["kind"] == "path"].set_index(["from", "to"])
    draws = boot.attrs["path_draws"]  # the joint draws behind the path intervals
    assert draws.shape == (paths["n_boot"].iloc[0], len(paths))
    assert draws.quantile(0.025).to_numpy() == pytest.approx(paths["lower"].to_numpy())
    for _, row in chain.iloc[:-1].iterrows():
        expected = paths.loc[(row["from"], row["to"])]
        assert row["lower"] == pytest.approx(expected["lower"])
        assert row["upper"] == pytest.approx(expected["upper"])
    total = chain.iloc[-1]
    assert total["lower"] < total["estimate"] < total["upper"]
    assert chain.attrs["n_bootstrap"] == 30 and chain.attrs["survey"] == "your"


def test_deprecated_value_chain_alias_loads_bundled_survey():
    from crmlab import value as V

    with pytest.warns(DeprecationWarning, match="crmlab.satisfaction.value_chain"):
        old = V.value_chain
    chain = old("mobi", n_bootstrap=0)
    new = value_chain(load_mobi(), **ECSI_MOBI_MODEL, n_bootstrap=0, label="mobile-phone customer")
    pd.testing.assert_frame_equal(chain, new)
    assert chain.attrs["survey"] == "mobile-phone customer"
    with pytest.raises(ParameterError, match="survey"):
        old("bank")
    with pytest.raises(ParameterError, match="method"):
        old("satisfaction", method="means")
