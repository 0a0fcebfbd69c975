"""Tests of the reference solutions of ps2: cross_entropy, cross_entropy_grad.

References: scipy.special.log_softmax / softmax on seeded random inputs
(rtol 1e-12), mpmath at 60+ significant digits (tests/_mpmath_refs.py) for
logits up to ±1e4, and central finite differences for the gradient.
"""

import warnings

import numpy as np
import pytest
import scipy.special as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.ps2_cross_entropy import cross_entropy, cross_entropy_grad
from tests import _mpmath_refs as ref

RTOL = 1e-12


def random_problem(n, c, seed, scale=5.0, soft=False):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, scale, size=(n, c))
    targets = rng.dirichlet(np.ones(c), size=n) if soft else rng.integers(0, c, size=n)
    return logits, targets


def onehot(targets, c):
    out = np.zeros((len(targets), c))
    out[np.arange(len(targets)), targets] = 1.0
    return out


def scipy_cross_entropy(logits, targets):
    logp = sp.log_softmax(logits, axis=1)
    dense = targets if targets.ndim == 2 else onehot(targets, logits.shape[1])
    return -np.sum(dense * logp) / logits.shape[0]


# Logits up to ±1e4, where exp overflows and the naive loss is inf or nan.
EXTREME = [
    ([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4 - 1.0]], [0, 2]),
    ([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4 - 1.0]], [1, 0]),  # confidently wrong: loss 2e4/2
    ([[-1e4, -1e4 + 30.0, -1e4 + 60.0]], [0]),  # every exp underflows
    ([[40.0, 0.0], [0.0, -40.0]], [0, 0]),  # confidently right: loss 4.25e-18
    ([[1e4, 1e4, 1e4]], [1]),  # ties: log 3
    ([[1e4, -1e4], [3.0, 3.0 - 1e-9]], [1, 1]),
]


# ---- against scipy, seeded random inputs ---------------------------------------


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize(("n", "c", "scale"), [(1, 1, 1.0), (1, 5, 5.0), (17, 3, 5.0), (64, 10, 30.0), (8, 100, 2.0)])
def test_cross_entropy_matches_scipy(n, c, scale, soft):
    logits, targets = random_problem(n, c, seed=n * c, scale=scale, soft=soft)
    assert cross_entropy(logits, targets) == pytest.approx(scipy_cross_entropy(logits, targets), rel=RTOL, abs=1e-15)


@pytest.mark.parametrize("soft", [False, True])
@pytest.mark.parametrize(("n", "c", "scale"), [(1, 1, 1.0), (1, 5, 5.0), (17, 3, 5.0), (64, 10, 30.0), (8, 100, 2.0)])
def test_cross_entropy_grad_matches_scipy(n, c, scale, soft):
    logits, targets = random_problem(n, c, seed=n + c, scale=scale, soft=soft)
    dense = targets if soft else onehot(targets, c)
    expected = (sp.softmax(logits, axis=1) - dense) / n
    # An entry p - t with p ≈ t cancels: its absolute error is ~eps / N, not relative.
    np.testing.assert_allclose(cross_entropy_grad(logits, targets), expected, rtol=RTOL, atol=1e-16 / n)


def test_integer_and_onehot_targets_agree():
    logits, targets = random_problem(9, 4, seed=5)
    dense = onehot(targets, 4)
    assert cross_entropy(logits, targets) == pytest.approx(cross_entropy(logits, dense), rel=1e-14)
    np.testing.assert_allclose(cross_entropy_grad(logits, targets), cross_entropy_grad(logits, dense), rtol=0, atol=1e-17)


# ---- extreme inputs against mpmath ------------------------------------------------


@pytest.mark.parametrize(("logits", "targets"), EXTREME, ids=repr)
def test_cross_entropy_extreme_vs_mpmath(logits, targets):
    """Reference: mean of log(fsum(exp(l_j))) - l_t in mpmath, 60 digits after the
    point of the largest logit (so 1e4 + tiny is not rounded away)."""
    expected = ref.to_float(ref.cross_entropy(logits, targets))
    assert cross_entropy(logits, targets) == pytest.approx(expected, rel=1e-14, abs=0)
    # the same with one-hot float targets (the log_softmax path)
    dense = onehot(np.array(targets), len(logits[0]))
    assert cross_entropy(logits, dense) == pytest.approx(expected, rel=1e-14, abs=0)


@pytest.mark.parametrize(("logits", "targets"), EXTREME, ids=repr)
def test_cross_entropy_grad_extreme_vs_mpmath(logits, targets):
    """Reference: (softmax(l) - onehot) / N, softmax from mpmath at 60 digits."""
    n, c = len(logits), len(logits[0])
    probs = np.array([ref.to_float(ref.softmax(row)) for row in logits])
    expected = (probs - onehot(np.array(targets), c)) / n
    got = cross_entropy_grad(logits, targets)
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)


def test_confident_correct_prediction_keeps_relative_accuracy():
    # log(1 + e^-40) = 4.248354255291589e-18 (mpmath): 0 if computed as log(s)
    assert cross_entropy([[40.0, 0.0]], [0]) == pytest.approx(4.248354255291589e-18, rel=1e-14)


# ---- properties (hypothesis) -----------------------------------------------------


@st.composite
def small_problems(draw, max_abs=5.0):
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 5))
    logits = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(-max_abs, max_abs)))
    if draw(st.booleans()):
        targets = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    else:
        raw = draw(hnp.arrays(np.float64, (n, c), elements=st.floats(0.0, 1.0)))
        raw[:, 0] += 1e-3  # rows that can be normalised
        targets = raw / raw.sum(axis=1, keepdims=True)
    return logits, targets


@settings(max_examples=100, deadline=None)
@given(problem=small_problems())
def test_grad_matches_central_finite_differences(problem):
    logits, targets = problem
    grad = cross_entropy_grad(logits, targets)
    assert grad.shape == logits.shape
    h = 1e-5
    fd = np.empty_like(logits)
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        step = up[idx] - down[idx]  # 2h as actually represented
        fd[idx] = (cross_entropy(up, targets) - cross_entropy(down, targets)) / step
    # truncation error h² · |L'''| / 6 < 1e-11, rounding error ~eps · |L| / h < 1e-9
    np.testing.assert_allclose(grad, fd, rtol=0, atol=1e-8)


@settings(max_examples=100, deadline=None)
@given(problem=small_problems(max_abs=1e4))
def test_loss_nonnegative_and_grad_rows_sum_to_zero(problem):
    logits, targets = problem
    loss = cross_entropy(logits, targets)
    assert np.isfinite(loss) and loss >= 0
    grad = cross_entropy_grad(logits, targets)
    assert np.all(np.isfinite(grad))
    n = logits.shape[0]
    # Σ_c (p_c - t_c) / N = (1 - Σ t) / N = 0 up to rounding
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15 * logits.shape[1] / n + 1e-16)


# ---- no warnings, inputs untouched, lists accepted --------------------------------


def test_no_runtime_warning_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for logits, targets in EXTREME:
            dense = onehot(np.array(targets), len(logits[0]))
            for t in (targets, dense):
                cross_entropy(logits, t)
                cross_entropy_grad(logits, t)
        # zero-probability soft targets next to hugely negative logits: 0 · (-2e4) terms
        cross_entropy([[1e4, -1e4]], np.array([[1.0, 0.0]]))


def test_inputs_not_modified():
    logits, targets = random_problem(6, 4, seed=8, scale=1e3)
    soft = np.random.default_rng(9).dirichlet(np.ones(4), size=6)
    copies = logits.copy(), targets.copy(), soft.copy()
    for t in (targets, soft):
        cross_entropy(logits, t)
        cross_entropy_grad(logits, t)
    np.testing.assert_array_equal(logits, copies[0])
    np.testing.assert_array_equal(targets, copies[1])
    np.testing.assert_array_equal(soft, copies[2])


def test_lists_accepted():
    logits = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
    targets = [2, 0]
    soft = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]]
    arr = np.array(logits)
    assert cross_entropy(logits, targets) == cross_entropy(arr, np.array(targets))
    assert cross_entropy(logits, soft) == cross_entropy(arr, np.array(soft))
    np.testing.assert_array_equal(cross_entropy_grad(logits, targets), cross_entropy_grad(arr, np.array(targets)))
    np.testing.assert_array_equal(cross_entropy_grad(logits, soft), cross_entropy_grad(arr, np.array(soft)))


# ---- return types and shapes -------------------------------------------------


def test_return_types_and_shapes():
    logits, targets = random_problem(5, 3, seed=10)
    loss = cross_entropy(logits, targets)
    assert isinstance(loss, float) or (isinstance(loss, np.ndarray) and loss.ndim == 0)
    grad = cross_entropy_grad(logits, targets)
    assert isinstance(grad, np.ndarray) and grad.shape == (5, 3) and grad.dtype == np.float64


# ---- documented ValueErrors --------------------------------------------------


@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize("targets", [[0, 3], [-1, 0], [0, 100]])
def test_out_of_range_targets_raise(func, targets):
    with pytest.raises(ValueError, match="targets"):
        func(np.zeros((2, 3)), np.array(targets))


@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize(
    "targets",
    [np.array([0, 1, 2]), np.array([[0], [1]]), np.zeros((2, 4)), np.zeros(3), np.array([True, False]), np.array(["a", "b"])],
    ids=["3-indices", "column-indices", "rows-too-wide", "float-1d", "bool", "str"],
)
def test_badly_shaped_or_typed_targets_raise(func, targets):
    with pytest.raises(ValueError, match="targets"):
        func(np.zeros((2, 3)), targets)


@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
@pytest.mark.parametrize("logits", [np.zeros(3), np.zeros((2, 3, 1)), np.zeros((0, 3)), [["a", "b"]]], ids=["1-D", "3-D", "empty", "str"])
def test_bad_logits_raise(func, logits):
    with pytest.raises(ValueError, match="logits"):
        func(logits, np.zeros(np.shape(logits)[:1], dtype=int))
