"""Tests of crmlab.value.drivers: OLS drivers and Johnson's relative weights."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab import value as V
from crmlab.errors import DataError
from crmlab.value import drivers

# ------------------------------------------------------------------------------ drivers


def test_value_drivers_recover_true_coefficients(sim):
    d = V.value_drivers(sim.ratings)
    true = sim.truth.drivers.drop("intercept").reindex(d.index)
    assert (np.abs(d["estimate"] - true) < 3.5 * d["std_error"]).all()
    assert d["relative_weight"].sum() == pytest.approx(d.attrs["r_squared"])
    assert d["derived_share"].sum() == pytest.approx(1.0)
    assert d.loc["money", "kind"] == "cost" and d.loc["money", "estimate"] < 0
    assert d.attrs["n_observations"] == 1600
    assert d["stated_rank"].notna().all()


def test_relative_weights_equal_squared_correlations_for_orthogonal_predictors():
    """Johnson (2000): with uncorrelated predictors the weights are the squared correlations."""
    rng = np.random.default_rng(0)
    x = np.linalg.qr(rng.normal(size=(200, 3)) - 0)[0]
    x = x - x.mean(axis=0)
    x = np.linalg.qr(x)[0]
    y = x @ np.array([3.0, 1.0, 0.5]) + rng.normal(size=200) * 0.1
    w = drivers._relative_weights(x, y)
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
    assert a["estimate"].to_numpy() == pytest.approx(b["estimate"].to_numpy())
