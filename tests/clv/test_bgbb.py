"""BG/BB: published donations estimates, lifetimes agreement, predictions."""

from __future__ import annotations

import numpy as np
import pytest

from crmlab.clv import BGBB
from crmlab.clv.bgbb import bgbb_loglik
from crmlab.datasets import load_donations
from crmlab.errors import DataError


@pytest.fixture(scope="module")
def donations():
    return load_donations()


@pytest.fixture(scope="module")
def model(donations):
    return BGBB().fit(donations)


def test_reproduces_fader_hardie_shang_2010(model):
    """Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
    Setting", Marketing Science 29(6), Table 2 (1995 donor cohort, 11,104 donors, 6 years):
    alpha = 1.204, beta = 0.750, gamma = 0.657, delta = 2.783, LL = -33,225.6."""
    expected = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in expected.items():
        assert round(model.params_[name], 3) == value
    assert round(model.log_likelihood_, 1) == -33225.6
    assert model.n_customers_ == 11104


def test_gradient(donations):
    x, tx, n = (donations[c].to_numpy(dtype=float) for c in ("frequency", "recency", "n_periods"))
    theta = np.array([1.1, 0.8, 0.7, 2.5])
    _, grad = bgbb_loglik(theta, x, tx, n)
    for j in range(4):
        step = np.eye(4)[j] * 1e-6 * theta[j]
        num = bgbb_loglik(theta + step, x, tx, n)[0] - bgbb_loglik(theta - step, x, tx, n)[0]
        np.testing.assert_allclose(grad[:, j], num / (2 * step[j]), rtol=1e-5, atol=1e-8)


def test_agrees_with_lifetimes(model, donations, lifetimes):
    f, r, n = donations["frequency"], donations["recency"], donations["n_periods"]
    ref = lifetimes.BetaGeoBetaBinomFitter().fit(f, r, n, weights=donations["weight"])
    np.testing.assert_allclose(model.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4)
    cond = ref.conditional_expected_number_of_purchases_up_to_time(5, f, r, n)
    np.testing.assert_allclose(model.conditional_expected_purchases(5), cond, rtol=1e-5)
    alive = ref.conditional_probability_alive(1, f, r, n)
    np.testing.assert_allclose(model.probability_alive(), alive, rtol=1e-5)


def test_distribution_and_mean(model):
    p = model.probability_of_purchases(np.arange(7), 6)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (p * np.arange(7)).sum() == pytest.approx(model.expected_purchases(6), rel=1e-10)


def test_fitted_distribution_matches_observed_counts(model, donations):
    """FHS (2010) Figure 3: the model reproduces the number of repeat donations closely."""
    observed = donations.groupby("frequency")["weight"].sum().to_numpy() / 11104
    expected = model.probability_of_purchases(np.arange(7), 6)
    np.testing.assert_allclose(expected, observed, atol=0.01)


def test_inconsistent_patterns(donations):
    bad = donations.copy()
    bad.loc[3, "recency"] = 0
    with pytest.raises(DataError) as info:
        BGBB().fit(bad)
    assert info.value.rows == [3]
