"""Gamma-Gamma spend model: published CDNOW estimates, lifetimes agreement, data checks."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import GammaGamma
from crmlab.clv.gammagamma import gammagamma_loglik
from crmlab.errors import DataError


@pytest.fixture(scope="module")
def model(cdnow):
    return GammaGamma().fit(cdnow)


def test_reproduces_fader_hardie_2013(model):
    """Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (brucehardie.com note
    025), CDNOW 946 repeat customers, mean spend per repeat transaction over the 39-week
    calibration period: p = 6.25, q = 3.74, gamma = 15.44. The log-likelihood -4055.9177 is the
    reference value of CLVTools' correctness test (tests/testthat/test_correctness_gg.R)."""
    assert round(model.params_["p"], 2) == 6.25
    assert round(model.params_["q"], 2) == 3.74
    assert round(model.params_["gamma"], 2) == 15.44
    assert model.n_customers_ == 946
    assert model.log_likelihood_ == pytest.approx(-4055.9177, abs=1e-4)


def test_agrees_with_lifetimes(model, cdnow, lifetimes):
    rep = cdnow[cdnow["frequency"] > 0]
    ref = lifetimes.GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(model.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-3)
    spend = ref.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"])
    np.testing.assert_allclose(model.expected_average_spend(), spend, rtol=1e-3)


def test_gradient(cdnow):
    rep = cdnow[cdnow["frequency"] > 0]
    x, m = rep["frequency"].to_numpy(), rep["monetary_value"].to_numpy()
    theta = np.array([6.0, 3.5, 15.0])
    _, grad = gammagamma_loglik(theta, x, m)
    for j in range(3):
        step = np.eye(3)[j] * 1e-6 * theta[j]
        num = gammagamma_loglik(theta + step, x, m)[0] - gammagamma_loglik(theta - step, x, m)[0]
        np.testing.assert_allclose(grad[:, j], num / (2 * step[j]), rtol=1e-5, atol=1e-7)


def test_zero_frequency_customers_get_population_mean(model, cdnow):
    spend = model.expected_average_spend()
    zero = cdnow["frequency"] == 0
    p, q, g = model.params_
    np.testing.assert_allclose(spend[zero], p * g / (q - 1))
    assert model.population_mean_spend() == pytest.approx(p * g / (q - 1))


def test_nonpositive_spend_is_a_data_error(cdnow):
    bad = cdnow.copy()
    row = bad.index[bad["frequency"] > 0][2]
    bad.loc[row, "monetary_value"] = -3.0
    with pytest.raises(DataError) as info:
        GammaGamma().fit(bad)
    assert info.value.column == "monetary_value"
    assert info.value.rows == [row]
