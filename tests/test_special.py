"""crmlab._special against mpmath: every hypergeometric function crmlab uses, tested directly."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlab._special import (
    hyp2f1_one,
    hyp2f1_positive,
    log_hyp2f1,
    log_hyp2f1_c_eq_a_plus_1,
    log_hyp2f1_fast,
)

mpmath.mp.dps = 40

positive = st.floats(0.01, 300.0)
argument = st.floats(0.0, 0.98)


def ref_log(a, b, c, z) -> float:
    """log 2F1(a, b; c; z) with 40 significant digits."""
    return float(mpmath.log(mpmath.hyp2f1(a, b, c, z)))


@settings(max_examples=60, deadline=None)
@given(a=positive, b=positive, c=positive, z=argument)
def test_log_hyp2f1_matches_mpmath(a, b, c, z):
    expected = ref_log(a, b, c, z)
    assert float(log_hyp2f1(a, b, c, z)) == pytest.approx(expected, rel=1e-11, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(a=positive, b=positive, c=positive, z=argument)
def test_log_hyp2f1_fast_matches_mpmath(a, b, c, z):
    expected = ref_log(a, b, c, z)
    assert float(log_hyp2f1_fast(a, b, c, z)) == pytest.approx(expected, rel=1e-9, abs=1e-10)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"),
    [
        (300.5, 250.0, 2.0, 0.97),  # scipy's hyp2f1 overflows here: the series takes over
        (1000.0, 1000.0, 3.0, 0.9),
        (0.5, 0.5, 1.0, 0.0),
        (1e-3, 5.0, 7.0, 0.5),
    ],
)
def test_log_hyp2f1_fast_where_scipy_overflows(a, b, c, z):
    assert float(log_hyp2f1_fast(a, b, c, z)) == pytest.approx(ref_log(a, b, c, z), rel=1e-11)


def test_log_hyp2f1_broadcasts():
    a = np.array([[0.5], [2.0]])
    z = np.array([0.1, 0.5, 0.9])
    out = log_hyp2f1(a, 1.5, 3.0, z)
    assert out.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert out[i, j] == pytest.approx(ref_log(a[i, 0], 1.5, 3.0, z[j]), rel=1e-12)


@pytest.mark.parametrize(
    ("a", "b", "c", "z"), [(-1.0, 1.0, 1.0, 0.5), (1.0, 1.0, 0.0, 0.5), (1.0, 1.0, 2.0, 1.0)]
)
def test_log_hyp2f1_refuses_arguments_outside_its_range(a, b, c, z):
    with pytest.raises(ValueError, match="needs"):
        log_hyp2f1(a, b, c, z)


@settings(max_examples=40, deadline=None)
@given(m=st.floats(0.05, 200.0), b=st.floats(0.05, 200.0), z=st.floats(0.0, 0.95))
def test_c_eq_a_plus_1_value_and_derivatives_match_mpmath(m, b, z):
    """The Pareto/NBD form 2F1(m, b; m + 1; z) and d log F / d(m, b, z) (c moves with m)."""
    val, d_m, d_b, d_z = (float(v) for v in log_hyp2f1_c_eq_a_plus_1(m, b, z))

    def f(mm, bb, zz):
        return mpmath.log(mpmath.hyp2f1(mm, bb, mm + 1, zz))

    assert val == pytest.approx(float(f(m, b, z)), rel=1e-11, abs=1e-12)
    assert d_m == pytest.approx(float(mpmath.diff(lambda v: f(v, b, z), m)), rel=1e-8, abs=1e-10)
    assert d_b == pytest.approx(float(mpmath.diff(lambda v: f(m, v, z), b)), rel=1e-8, abs=1e-10)
    if z > 0:
        ref_z = float(mpmath.diff(lambda v: f(m, b, v), z))
        assert d_z == pytest.approx(ref_z, rel=1e-8, abs=1e-10)


@settings(max_examples=40, deadline=None)
@given(a=positive, b=positive, c=st.floats(0.05, 300.0), z=st.floats(0.0, 0.9))
def test_hyp2f1_positive_matches_mpmath(a, b, c, z):
    expected = mpmath.hyp2f1(a, b, c, z)
    value = float(hyp2f1_positive(a, b, c, z))
    if mpmath.isinf(expected) or expected > 1e300:
        assert np.isinf(value) or value > 1e300
    else:
        assert value == pytest.approx(float(expected), rel=1e-10)


def ref_hyp2f1_one(b, c, z) -> float:
    """2F1(1, b; c; z) = sum_k (b)_k / (c)_k z^k summed in 40-digit arithmetic.

    (mpmath.hyp2f1 itself returns 1.7e4169 for b = 33365, c = b + 5816, z = 0.875, where every
    term is below z^k and the sum below 1 / (1 - z).)
    """
    b, c, z = mpmath.mpf(b), mpmath.mpf(c), mpmath.mpf(z)
    total, term, k = mpmath.mpf(1), mpmath.mpf(1), 0
    while term > total * mpmath.mpf(10) ** -25:
        term *= (b + k) / (c + k) * z
        total += term
        k += 1
    return float(total)


@settings(max_examples=40, deadline=None)
@given(b=st.floats(0.01, 5e4), extra=st.floats(0.01, 5e4), z=st.floats(0.01, 0.99))
def test_hyp2f1_one_matches_mpmath(b, extra, z):
    """2F1(1, b; c; z) of the sBG discounted lifetimes, 0 < b < c, including large b and c."""
    c = b + extra
    assert float(hyp2f1_one(b, c, z)) == pytest.approx(ref_hyp2f1_one(b, c, z), rel=1e-9)
    if b < 300 and c < 300:
        assert float(hyp2f1_one(b, c, z)) == pytest.approx(
            float(mpmath.hyp2f1(1, b, c, z)), rel=1e-9
        )


def test_hyp2f1_one_series_path_for_large_parameters():
    """Where scipy returns inf/nan the series is summed; compare with the reference there."""
    b = np.array([2e5, 4e5])
    c = b + 3.0
    z = 1 / 1.05
    np.testing.assert_allclose(
        hyp2f1_one(b, c, z),
        [ref_hyp2f1_one(bi, ci, z) for bi, ci in zip(b, c, strict=True)],
        rtol=1e-9,
    )
