"""Tests of the reference solutions of ps1: logsumexp, softmax, log_softmax.

References: scipy.special on seeded random inputs (rtol 1e-12), and mpmath at
60 significant digits (tests/_mpmath_refs.py: the defining formula evaluated on
the same float64 inputs, no numerical tricks) for the extreme cases.
"""

import warnings

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.ps1_softmax import log_softmax, logsumexp, softmax
from tests import _mpmath_refs as ref

RTOL = 1e-12
INF = np.inf

SHAPES_AXES = [
    ((7,), -1),
    ((7,), 0),
    ((5, 9), -1),
    ((5, 9), 0),
    ((5, 9), 1),
    ((3, 4, 6), 1),
    ((3, 4, 6), -3),
    ((3, 4, 6), 2),
    ((1, 1), 0),
]

# Rows whose naive evaluation overflows, underflows, or loses the answer.
EXTREME_ROWS = [
    [1e3, -1e3, 0.0, 999.5],  # exp(1000) overflows
    [-1e3, -1e3 + 1.0, -999.0, -1e3],  # every exp underflows to 0
    [1e300, 1e300, -1e300],  # ±1e300: only the shift keeps these finite
    [-1e300, -5e299, -1e299],
    [1.7e308, -1.7e308, 0.0],  # the shift itself overflows to -inf (benign)
    [0.0, -40.0],  # logsumexp = log(1 + e^-40) = 4.25e-18: needs log1p
    [0.0, -40.0, -45.0, -1e3],
    [700.0, 650.0],
    [0.0, -INF, 1.0, -INF],  # -inf masks
    [-INF, 5.0, -INF],
    [-INF, -1e300, -INF, 1e300],
    [3.0],
    [2.5, 2.5, 2.5],  # ties at the maximum
]


def random_logits(shape, seed, scale=5.0):
    return np.random.default_rng(seed).normal(0.0, scale, size=shape)


def is_float_scalar(value):
    """A Python float (np.float64 is one) or a 0-d float64 array."""
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype == np.float64
    return isinstance(value, float)


# ---- against scipy, seeded random inputs ---------------------------------------


@pytest.mark.parametrize("scale", [1.0, 30.0])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_logsumexp_matches_scipy(shape, axis, scale):
    z = random_logits(shape, seed=1, scale=scale)
    # LSE moves by at most max|Δz| when z moves: its absolute error is bounded by
    # the inputs' magnitude, hence the atol (the relative error of an LSE close to
    # 0 is not float64's to give).
    np.testing.assert_allclose(
        logsumexp(z, axis=axis), sp.logsumexp(z, axis=axis), rtol=RTOL, atol=RTOL * scale
    )


@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.7])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_softmax_matches_scipy(shape, axis, temperature):
    z = random_logits(shape, seed=2, scale=10.0)
    np.testing.assert_allclose(
        softmax(z, axis=axis, temperature=temperature),
        sp.softmax(z / temperature, axis=axis),
        rtol=RTOL,
        atol=0,
    )


@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_log_softmax_matches_scipy(shape, axis):
    z = random_logits(shape, seed=3, scale=10.0)
    # scipy.special.log_softmax takes log(s), not log1p, so its entries close to 0
    # carry an absolute error of ~eps (relative error up to 1e-9 was seen on
    # these inputs); the mpmath tests below check those entries tightly.
    np.testing.assert_allclose(
        log_softmax(z, axis=axis),
        sp.log_softmax(z, axis=axis),
        rtol=RTOL,
        atol=RTOL * np.max(np.abs(z)),
    )


def test_softmax_default_temperature_is_one():
    z = random_logits((4, 6), seed=4)
    np.testing.assert_array_equal(softmax(z), softmax(z, axis=-1, temperature=1.0))


# ---- extreme inputs against mpmath ------------------------------------------------


def _as_axis(rows, axis):
    """One row as a (1, n) or (n, 1) array, so both code paths are exercised:
    the last axis (argmax) and any other axis (a mask of the maxima)."""
    arr = np.array(rows, dtype=np.float64)[None, :]
    return (arr, 1) if axis == -1 else (arr.T.copy(), 0)


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("row", EXTREME_ROWS, ids=repr)
def test_logsumexp_extreme_vs_mpmath(row, axis):
    """Reference: log(fsum(exp(z_i))) in mpmath at 60 digits, no shift."""
    expected = ref.to_float(ref.logsumexp(row))
    assert logsumexp(row) == pytest.approx(expected, rel=1e-14, abs=0)
    z, ax = _as_axis(row, axis)
    np.testing.assert_allclose(logsumexp(z, axis=ax), [expected], rtol=1e-14, atol=0)


@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("row", EXTREME_ROWS, ids=repr)
def test_log_softmax_extreme_vs_mpmath(row, axis):
    """Reference: z_i - log(fsum(exp(z_j))) in mpmath at 60 digits. Includes
    log_softmax([0, -40])[0] = -4.25e-18 (relative accuracy near 0)."""
    expected = ref.to_float(ref.log_softmax(row))
    np.testing.assert_allclose(log_softmax(row), expected, rtol=1e-14, atol=0)
    z, ax = _as_axis(row, axis)
    got = log_softmax(z, axis=ax)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-14, atol=0)


@pytest.mark.parametrize("temperature", [1.0, 0.25, 40.0])
@pytest.mark.parametrize("axis", [-1, 0])
@pytest.mark.parametrize("row", EXTREME_ROWS, ids=repr)
def test_softmax_extreme_vs_mpmath(row, axis, temperature):
    """Reference: exp(z_i/T) / fsum(exp(z_j/T)) in mpmath at 60 digits, with z/T
    exact. Entries whose true value is below the float64 range come out 0."""
    expected = ref.to_float(ref.softmax(row, temperature))
    np.testing.assert_allclose(softmax(row, temperature=temperature), expected, rtol=1e-13, atol=0)
    z, ax = _as_axis(row, axis)
    got = softmax(z, axis=ax, temperature=temperature)
    np.testing.assert_allclose(got.ravel(), expected, rtol=1e-13, atol=0)


@pytest.mark.parametrize(
    ("row", "temperature"),
    [([1e300, 0.0], 1e-10), ([1e300, -1e300, 1e300], 1e-5), ([-1e308, 1e308], 0.5), ([1.0, 2.0], 1e-300)],
)
def test_softmax_small_temperature_on_huge_logits(row, temperature):
    """z / T overflows float64 here, yet softmax(z / T) is finite: the reference
    (mpmath, 60 digits, exact z / T) is a one-hot or tie-split vector."""
    expected = ref.to_float(ref.softmax(row, temperature))
    np.testing.assert_allclose(softmax(row, temperature=temperature), expected, rtol=1e-13, atol=0)


def test_log_softmax_does_not_take_log_of_underflow():
    np.testing.assert_array_equal(log_softmax([0.0, -1000.0]), [0.0, -1000.0])


def test_masks_give_exact_zero_probability():
    z = np.array([[0.0, -INF, 2.0, -INF], [-INF, -INF, -INF, 1.0]])
    for axis, arr in ((-1, z), (0, z.T)):
        p = softmax(arr, axis=axis)
        lp = log_softmax(arr, axis=axis)
        assert np.all(p[np.isneginf(arr)] == 0.0)
        assert np.all(np.isneginf(lp[np.isneginf(arr)]))
        np.testing.assert_allclose(np.sum(p, axis=axis), 1.0, rtol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0])
def test_logsumexp_of_only_minus_inf_is_minus_inf(axis):
    z = np.array([[-INF, -INF, -INF], [0.0, -INF, 1.0]])
    arr = z if axis == -1 else z.T
    out = logsumexp(arr, axis=axis)
    assert np.isneginf(out[0])
    assert out[1] == pytest.approx(np.log(1.0 + np.e))
    assert np.isneginf(logsumexp([-INF]))


# ---- properties (hypothesis) -----------------------------------------------------

finite_logits = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=8),
    elements=st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=100, deadline=None)
@given(z=finite_logits, shift=st.floats(-1e3, 1e3), temperature=st.sampled_from([1.0, 0.3, 7.0]))
def test_softmax_shift_invariant_and_normalised(z, shift, temperature):
    p = softmax(z, temperature=temperature)
    assert p.shape == z.shape
    assert np.all(np.isfinite(p)) and np.all(p >= 0)
    np.testing.assert_allclose(np.sum(p, axis=-1), 1.0, rtol=0, atol=1e-14)
    # z + shift is rounded (error <= 1.2e-13 per entry), which moves each
    # probability by that much relatively; underflowed entries may differ.
    np.testing.assert_allclose(softmax(z + shift, temperature=temperature), p, rtol=1e-10, atol=1e-300)


@settings(max_examples=100, deadline=None)
@given(
    z=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=8),
        elements=st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False),
    )
)
def test_softmax_and_logsumexp_finite_for_any_magnitude(z):
    p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(np.sum(p, axis=-1), 1.0, rtol=0, atol=1e-14)
    lse = logsumexp(z)
    assert np.all(np.isfinite(lse))
    assert np.all(lse >= np.max(z, axis=-1))
    assert np.all(np.isfinite(log_softmax(z)))


@settings(max_examples=100, deadline=None)
@given(z=finite_logits)
def test_log_softmax_is_log_of_softmax_where_not_tiny(z):
    lp = log_softmax(z)
    p = softmax(z)
    keep = p > 1e-300  # log of an underflowed probability is -inf: not comparable
    # p carries a relative error of ~eps·|z_i - max z| <= 1.6e-13 (|z| <= 1e3),
    # which is an absolute error of log p.
    np.testing.assert_allclose(lp[keep], np.log(p[keep]), rtol=1e-12, atol=1e-12)
    assert np.all(lp <= 0)
    np.testing.assert_allclose(logsumexp(lp), 0.0, atol=1e-13)


# ---- no warnings, inputs untouched, lists accepted --------------------------------


def test_no_runtime_warning_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for row in EXTREME_ROWS + [[-INF, -INF]]:
            logsumexp(row)
            z, ax = _as_axis(row, 0)
            logsumexp(z, axis=ax)
        for row in EXTREME_ROWS:
            for axis in (-1, 0):
                z, ax = _as_axis(row, axis)
                for temperature in (1.0, 1e-10, 1e10):
                    softmax(z, axis=ax, temperature=temperature)
                log_softmax(z, axis=ax)


def test_inputs_not_modified():
    z = np.array([[1e300, -INF, 0.5, -1e3], [3.0, 3.0, -40.0, 2.0]])
    z_copy = z.copy()
    for axis in (-1, 0):
        logsumexp(z, axis=axis)
        softmax(z, axis=axis, temperature=0.5)
        softmax(z, axis=axis)
        log_softmax(z, axis=axis)
    np.testing.assert_array_equal(z, z_copy)


def test_lists_accepted():
    rows = [[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]]
    arr = np.array(rows)
    np.testing.assert_array_equal(logsumexp(rows), logsumexp(arr))
    np.testing.assert_array_equal(softmax(rows), softmax(arr))
    np.testing.assert_array_equal(log_softmax(rows, axis=0), log_softmax(arr, axis=0))
    assert logsumexp([1, 2, 3]) == pytest.approx(sp.logsumexp([1.0, 2.0, 3.0]), rel=RTOL)


# ---- return types and shapes -------------------------------------------------


def test_return_types_and_shapes():
    assert is_float_scalar(logsumexp([1.0, 2.0]))
    z = random_logits((3, 4, 5), seed=5)
    assert logsumexp(z).shape == (3, 4)
    assert logsumexp(z, axis=0).shape == (4, 5)
    assert logsumexp(z, axis=1).shape == (3, 5)
    for func in (softmax, log_softmax):
        for axis in (0, 1, 2, -1):
            out = func(z, axis=axis)
            assert isinstance(out, np.ndarray) and out.shape == z.shape and out.dtype == np.float64
    assert softmax([1, 2, 3]).dtype == np.float64  # integer input


# ---- documented ValueErrors --------------------------------------------------


@pytest.mark.parametrize("temperature", [0.0, -1.0, np.nan, np.inf, "hot", [1.0, 2.0], None])
def test_bad_temperature_raises(temperature):
    with pytest.raises(ValueError, match="temperature"):
        softmax([1.0, 2.0], temperature=temperature)


@pytest.mark.parametrize("func", [logsumexp, softmax, log_softmax])
@pytest.mark.parametrize("axis", [2, -3, 1.0, "0", None])
def test_bad_axis_raises(func, axis):
    with pytest.raises(ValueError, match="axis"):
        func(np.zeros((2, 3)), axis=axis)


@pytest.mark.parametrize("func", [logsumexp, softmax, log_softmax])
@pytest.mark.parametrize("z", [3.0, ["a", "b"], [1 + 2j, 3.0], [[1.0, 2.0], [3.0]]])
def test_bad_logits_raise(func, z):
    with pytest.raises(ValueError, match="z"):
        func(z)
