"""Tests of the reference solutions of ps4: sigmoid, bernoulli_log_pmf,
binary_cross_entropy, binary_cross_entropy_with_logits.

References: scipy.special / scipy.stats on seeded random inputs (rtol 1e-12),
mpmath at 60 significant digits (tests/_mpmath_refs.py) for |z| up to 1e4,
subnormal sigmoids and probabilities at or next to 0 and 1.
"""

import warnings

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sp
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.ps4_bernoulli import (
    bernoulli_log_pmf,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    sigmoid,
)
from tests import _mpmath_refs as ref

RTOL = 1e-12
TINY = 5e-324  # the smallest subnormal: the spacing of float64 below 2.2e-308


def is_float_scalar(value):
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype == np.float64
    return isinstance(value, float)


def scipy_bce(p, y):
    return -np.mean(sp.xlogy(y, p) + sp.xlog1py(1.0 - y, -p))


def random_probs(shape, seed):
    rng = np.random.default_rng(seed)
    return sp.expit(rng.normal(0.0, 4.0, size=shape)), rng.random(shape)


# ---- against scipy, seeded random inputs ---------------------------------------


def test_sigmoid_matches_expit():
    z = np.concatenate([np.random.default_rng(1).normal(0.0, 10.0, 1000), [-700.0, -40.0, -1e-10, 0.0, 1e-10, 40.0, 700.0, 1e4]])
    # (below z = -708 the result is subnormal, and expit returns 0 from -745 on;
    # those are checked against mpmath below)
    np.testing.assert_allclose(sigmoid(z), sp.expit(z), rtol=RTOL, atol=0)


@pytest.mark.parametrize(("xshape", "pshape"), [((500,), (500,)), ((4, 1), (1, 6)), ((), (7,)), ((3,), ())])
def test_bernoulli_log_pmf_matches_scipy(xshape, pshape):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 2, size=xshape)
    p = rng.random(pshape)
    if p.ndim:
        p.ravel()[:2] = [0.0, 1.0][: p.size]  # impossible outcomes give -inf, certain ones 0
    expected = scipy.stats.bernoulli.logpmf(x, p)
    got = bernoulli_log_pmf(x, p)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)


def test_bernoulli_log_pmf_soft_outcomes_match_scipy_formula():
    p, x = random_probs((300,), seed=3)
    np.testing.assert_allclose(bernoulli_log_pmf(x, p), sp.xlogy(x, p) + sp.xlog1py(1.0 - x, -p), rtol=RTOL, atol=0)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize("shape", [(1,), (1000,), (8, 9)])
def test_binary_cross_entropy_matches_scipy(shape, hard):
    p, y = random_probs(shape, seed=4)
    if hard:
        y = np.round(y)
    assert binary_cross_entropy(p, y) == pytest.approx(scipy_bce(p, y), rel=RTOL)


@pytest.mark.parametrize("hard", [False, True])
@pytest.mark.parametrize(("shape", "scale"), [((1,), 1.0), ((1000,), 5.0), ((8, 9), 50.0), ((500,), 1e3)])
def test_bce_with_logits_matches_scipy(shape, scale, hard):
    rng = np.random.default_rng(5)
    z = rng.normal(0.0, scale, size=shape)
    y = rng.random(shape)
    if hard:
        y = np.round(y)
    expected = -np.mean(y * sp.log_expit(z) + (1.0 - y) * sp.log_expit(-z))
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(expected, rel=RTOL)


# ---- extreme inputs against mpmath ------------------------------------------------

SIGMOID_Z = [-1e4, -1000.0, -745.0, -744.0, -740.0, -708.5, -700.0, -40.0, -1e-10, 0.0, 1e-300, 36.0, 37.5, 40.0, 710.0, 1e4]


@pytest.mark.parametrize("z", SIGMOID_Z)
def test_sigmoid_vs_mpmath(z):
    """Reference: 1 / (1 + exp(-z)) in mpmath at 60 digits. Below z = -708 the
    true value is subnormal: it is then right to within one subnormal spacing
    (expit returns 0 there from z = -745 on)."""
    expected = ref.to_float(ref.sigmoid(z))
    got = sigmoid(z)
    assert is_float_scalar(got)
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=TINY)
    if expected >= 2.3e-308:
        assert got == pytest.approx(expected, rel=4.5e-16, abs=0)
    np.testing.assert_allclose(sigmoid(np.array([z])), [expected], rtol=1e-15, atol=TINY)


BCE_LOGITS = [
    (-1000.0, 1.0),  # exactly 1000
    (1e4, 1.0),  # exactly 0 (log(1 + e^-1e4) underflows)
    (-1e4, 1.0),
    (1e4, 0.0),
    (1e4, 0.3),
    (-1e4, 0.3),
    (1e4, 1.0 - 1e-10),  # soft label next to 1 on a huge logit: (1 - y) z = 1e-6
    (-1e4, 1e-10),
    (-745.0, 0.5),
    (40.0, 1.0),  # 4.25e-18
    (0.0, 0.5),  # log 2
    (1e-300, 0.0),
    (-36.7, 0.0),
]


@pytest.mark.parametrize(("z", "y"), BCE_LOGITS)
def test_bce_with_logits_extreme_vs_mpmath(z, y):
    """Reference: y log(1 + e^-z) + (1 - y) log(1 + e^z) in mpmath at 60 digits."""
    expected = ref.to_float(ref.bce_with_logits(z, y))
    got = binary_cross_entropy_with_logits(z, y)
    assert is_float_scalar(got)
    assert got == pytest.approx(expected, rel=1e-14, abs=0)


def test_bce_with_logits_batch_vs_mpmath():
    """All the cases above in one call, against the mpmath mean."""
    z, y = map(np.array, zip(*BCE_LOGITS))
    expected = ref.to_float(ref.bce_with_logits(z, y))
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(expected, rel=1e-14)


def test_bce_with_logits_documented_values():
    assert binary_cross_entropy_with_logits(-1000.0, 1.0) == 1000.0
    assert binary_cross_entropy_with_logits(1e4, 1.0) == 0.0
    assert binary_cross_entropy_with_logits(-1e4, 0.0) == 0.0


@pytest.mark.parametrize(
    ("x", "p"),
    [(1.0, 1e-300), (0.0, 1e-300), (0.0, 1.0 - 2**-52), (1.0, 1.0 - 2**-52), (0.5, 1e-12), (0.0, 0.5), (0.25, 0.75)],
)
def test_bernoulli_log_pmf_vs_mpmath(x, p):
    """Reference: x log p + (1 - x) log(1 - p) in mpmath at 60 digits, log(1 - p)
    as mpmath's log1p(-p) (at 60 digits 1 - 1e-300 would round to 1; the log of
    1 - p = 2^-52 is -36.04)."""
    with mp.workdps(ref.DPS):
        xm, pm = ref.mpf(x), ref.mpf(p)
        expected = float(xm * mp.log(pm) + (1 - xm) * mp.log1p(-pm))
    assert bernoulli_log_pmf(x, p) == pytest.approx(expected, rel=1e-14, abs=0)
    assert binary_cross_entropy(p, x) == pytest.approx(-expected, rel=1e-14, abs=0)


def test_probabilities_zero_and_one():
    # matching hard labels: 0, not nan (0 log 0 = 0)
    assert binary_cross_entropy([0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0]) == 0.0
    np.testing.assert_array_equal(bernoulli_log_pmf([0, 1, 1, 0], [0.0, 1.0, 0.0, 1.0]), [0.0, 0.0, -np.inf, -np.inf])
    # confidently wrong: +inf loss (the data are impossible under p), not nan
    assert binary_cross_entropy(1.0, 0.0) == np.inf
    assert binary_cross_entropy([0.0, 0.5], [1.0, 0.5]) == np.inf
    assert binary_cross_entropy(1.0, 0.5) == np.inf
    # mixed batch: the 0 log 0 entries next to ordinary ones
    p = np.array([0.0, 1.0, 0.25, 0.9])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    assert binary_cross_entropy(p, y) == pytest.approx(-(np.log(0.25) + np.log1p(-0.9)) / 4, rel=1e-15)


# ---- properties (hypothesis) -----------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    z=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-15, 15)),
    data=st.data(),
)
def test_bce_with_logits_equals_bce_of_sigmoid(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    # sigmoid(z) is rounded before log(1 - p) sees it: 1 - p ~ 3e-7 at z = 15 has a
    # relative error up to ~4e-10, hence the tolerance of this comparison.
    assert binary_cross_entropy_with_logits(z, y) == pytest.approx(binary_cross_entropy(sigmoid(z), y), rel=1e-8, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    z=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e4, 1e4)),
    data=st.data(),
)
def test_losses_nonnegative_and_finite(z, data):
    y = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(0, 1)))
    loss = binary_cross_entropy_with_logits(z, y)
    assert np.isfinite(loss) and loss >= 0
    p = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(1e-300, 1 - 2**-53)))
    assert np.isfinite(binary_cross_entropy(p, y)) and binary_cross_entropy(p, y) >= 0
    assert np.all(bernoulli_log_pmf(y, p) <= 0)


@settings(max_examples=100, deadline=None)
@given(z=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e308, 1e308)))
def test_sigmoid_symmetric_bounded_monotone(z):
    s = sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    # σ(z) and σ(-z) share exp(-|z|) and 1 + exp(-|z|): a few roundings apart
    np.testing.assert_allclose(s + sigmoid(-z), 1.0, rtol=0, atol=2 * ref.EPS)
    # monotone up to rounding (a vectorised exp need not be monotone in the last ulp)
    order = np.argsort(z, kind="stable")
    assert np.all(np.diff(s[order]) >= -2 * ref.EPS * s[order][1:])


# ---- no warnings, inputs untouched, lists accepted --------------------------------


def test_no_runtime_warning_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigmoid(np.array(SIGMOID_Z + [-1.7e308, 1.7e308]))
        for z in SIGMOID_Z:
            sigmoid(z)
        for z, y in BCE_LOGITS:
            binary_cross_entropy_with_logits(z, y)
        binary_cross_entropy_with_logits(-1.7e308, 0.5)
        binary_cross_entropy_with_logits(np.array([-1e4, 1e4, 0.0]), np.array([1.0, 0.0, 0.5]))
        p01 = np.array([0.0, 1.0, 0.0, 1.0])
        y01 = np.array([0.0, 1.0, 1.0, 0.0])
        binary_cross_entropy(p01, y01)
        binary_cross_entropy(p01[:2], y01[:2])
        bernoulli_log_pmf(y01, p01)
        bernoulli_log_pmf(1.0, 0.0)
        bernoulli_log_pmf(0.0, 1.0)
        binary_cross_entropy(1e-300, 1.0)


def test_inputs_not_modified():
    rng = np.random.default_rng(6)
    z = rng.normal(0.0, 100.0, size=(5, 4))
    p, y = random_probs((5, 4), seed=7)
    p[0, 0], y[0, 0] = 0.0, 0.0
    x = np.round(y)
    saved = [a.copy() for a in (z, p, y, x)]
    sigmoid(z)
    bernoulli_log_pmf(x, p)
    binary_cross_entropy(p, y)
    binary_cross_entropy_with_logits(z, y)
    binary_cross_entropy_with_logits(z, y[0])
    for a, b in zip((z, p, y, x), saved):
        np.testing.assert_array_equal(a, b)


def test_lists_accepted():
    assert sigmoid([-1.0, 0.0, 2.0]).tolist() == sigmoid(np.array([-1.0, 0.0, 2.0])).tolist()
    assert bernoulli_log_pmf([0, 1], [0.3, 0.3]).tolist() == bernoulli_log_pmf(np.array([0.0, 1.0]), 0.3).tolist()
    assert binary_cross_entropy([0.2, 0.9], [0, 1]) == binary_cross_entropy(np.array([0.2, 0.9]), np.array([0.0, 1.0]))
    assert binary_cross_entropy_with_logits([[3, -2]], [[1, 0]]) == binary_cross_entropy_with_logits(
        np.array([[3.0, -2.0]]), np.array([[1.0, 0.0]])
    )


# ---- return types and shapes -------------------------------------------------


def test_return_types_and_shapes():
    assert is_float_scalar(sigmoid(0.0))
    assert sigmoid(np.zeros((2, 3))).shape == (2, 3)
    assert is_float_scalar(bernoulli_log_pmf(1, 0.5))
    assert bernoulli_log_pmf(np.zeros((2, 1)), np.full(3, 0.5)).shape == (2, 3)
    assert is_float_scalar(binary_cross_entropy(np.full((2, 3), 0.5), 1.0))
    assert is_float_scalar(binary_cross_entropy_with_logits(np.zeros((2, 3)), np.ones(3)))
    assert binary_cross_entropy(0.5, [0.0, 1.0]) == pytest.approx(np.log(2))


# ---- documented ValueErrors --------------------------------------------------


@pytest.mark.parametrize("bad", [-0.1, 1.5, np.nan, [0.5, 2.0], [-1e-300, 0.5]])
def test_probability_out_of_range_raises(bad):
    with pytest.raises(ValueError, match="p"):
        bernoulli_log_pmf(1.0, bad)
    with pytest.raises(ValueError, match="p"):
        binary_cross_entropy(bad, 1.0)
    with pytest.raises(ValueError, match="x"):
        bernoulli_log_pmf(bad, 0.5)
    with pytest.raises(ValueError, match="y"):
        binary_cross_entropy(0.5, bad)
    with pytest.raises(ValueError, match="y"):
        binary_cross_entropy_with_logits(0.0, bad)


def test_non_broadcasting_shapes_raise():
    with pytest.raises(ValueError, match="x and p"):
        bernoulli_log_pmf(np.zeros(3), np.full(2, 0.5))
    with pytest.raises(ValueError, match="p and y"):
        binary_cross_entropy(np.full(3, 0.5), np.zeros(4))
    with pytest.raises(ValueError, match="z and y"):
        binary_cross_entropy_with_logits(np.zeros((2, 3)), np.zeros(2))


@pytest.mark.parametrize("z", [["a"], [1j], [[1.0], [1.0, 2.0]]], ids=["str", "complex", "ragged"])
def test_bad_logits_raise(z):
    with pytest.raises(ValueError, match="z"):
        sigmoid(z)
    with pytest.raises(ValueError, match="z"):
        binary_cross_entropy_with_logits(z, 1.0)
