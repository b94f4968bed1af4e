"""Simulators: the models recover their true parameters (20,000 customers, within 3 SE)."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BGNBD, GammaGamma, ParetoNBD
from crmlab.datasets import simulate_bgnbd, simulate_gammagamma, simulate_paretonbd


@pytest.mark.parametrize(
    ("simulate", "model", "params"),
    [
        (simulate_bgnbd, BGNBD, None),
        (simulate_bgnbd, BGNBD, {"r": 1.5, "alpha": 8.0, "a": 1.2, "b": 4.0}),
        (simulate_paretonbd, ParetoNBD, None),
        (simulate_paretonbd, ParetoNBD, {"r": 1.0, "alpha": 5.0, "s": 1.2, "beta": 30.0}),
        (simulate_gammagamma, GammaGamma, None),
    ],
)
def test_recovers_true_parameters(simulate, model, params):
    sim = simulate(20_000, params=params, seed=7)
    fitted = model().fit(sim.summary)
    z = (fitted.params_ - sim.params) / fitted.standard_errors_
    assert (z.abs() < 3).all(), z


def test_seeded_and_consistent():
    a = simulate_bgnbd(500, seed=1).summary
    b = simulate_bgnbd(500, seed=1).summary
    assert a.equals(b)
    assert (a["recency"] <= a["T"]).all()
    assert ((a["frequency"] == 0) == (a["recency"] == 0)).all()
    # daily resolution: times are whole days in weeks
    np.testing.assert_allclose(a["T"] * 7, np.round(a["T"] * 7))
    c = simulate_paretonbd(500, seed=2, T=39.0, resolution=None).summary
    assert (c["T"] == 39.0).all()
    g = simulate_gammagamma(100, frequency=np.r_[np.zeros(10), np.ones(90)], seed=3).summary
    assert (g["monetary_value"].iloc[:10] == 0).all() and (g["monetary_value"].iloc[10:] > 0).all()
