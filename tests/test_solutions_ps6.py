"""Tests of the reference solutions of ps6: entropy, kl_divergence, js_divergence,
bayes_posterior, map_linear_regression.

References: scipy (``scipy.stats.entropy``, ``scipy.special.rel_entr``,
``scipy.spatial.distance.jensenshannon`` squared, ``np.linalg.lstsq`` /
``scipy.linalg.lstsq``) on seeded random inputs, and mpmath at 60 digits
(tests/_mpmath_refs.py: the defining formulas on the same float64 inputs, with
exact sums over observations for the posterior and an LU solve of the
regularised normal equations for MAP) for the extreme cases.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.special as sp
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.spatial.distance import jensenshannon

from solutions.ps6_information import (
    LOG2,
    bayes_posterior,
    entropy,
    js_divergence,
    kl_divergence,
    map_linear_regression,
)
from tests import _mpmath_refs as ref

RTOL = 1e-13
INF = np.inf

SHAPES_AXES = [((7,), -1), ((7,), 0), ((5, 9), -1), ((5, 9), 0), ((3, 4, 6), 1), ((3, 4, 6), -3), ((1, 1), 0)]


def dirichlet(shape, axis=-1, seed=0, alpha=1.0, zeros=0.0):
    """Seeded distributions along ``axis``; a fraction ``zeros`` of the entries set to 0
    (slices that would be all zero keep one entry)."""
    rng = np.random.default_rng(seed)
    g = rng.gamma(alpha, size=shape)
    if zeros:
        g[rng.random(shape) < zeros] = 0.0
        g = np.moveaxis(g, axis, -1)
        empty = g.sum(axis=-1) == 0
        g[empty, 0] = 1.0
        g = np.moveaxis(g, -1, axis)
    return g / g.sum(axis=axis, keepdims=True)


def is_float_scalar(value):
    return (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype == np.float64) or isinstance(
        value, float
    )


# ---- entropy, KL, JSD against scipy ----------------------------------------------------


@pytest.mark.parametrize("zeros", [0.0, 0.4])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_entropy_matches_scipy(shape, axis, zeros):
    p = dirichlet(shape, axis, seed=1, zeros=zeros)
    np.testing.assert_allclose(entropy(p, axis=axis), scipy.stats.entropy(p, axis=axis), rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("zeros", ["none", "in p", "in both"])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_kl_matches_scipy(shape, axis, zeros):
    """Against Σ rel_entr(p, q) and scipy.stats.entropy(p, q): zeros in p only give
    p = 0 terms (finite); zeros in both give inf where q = 0 under p > 0."""
    p = dirichlet(shape, axis, seed=2, zeros=0.0 if zeros == "none" else 0.4)
    q = dirichlet(shape, axis, seed=3, zeros=0.4 if zeros == "in both" else 0.0)
    got = kl_divergence(p, q, axis=axis)
    np.testing.assert_allclose(got, np.sum(sp.rel_entr(p, q), axis=axis), rtol=RTOL, atol=1e-15)
    np.testing.assert_allclose(got, scipy.stats.entropy(p, q, axis=axis), rtol=RTOL, atol=1e-15)
    assert np.isfinite(got).all() == (zeros != "in both") or np.size(got) == 1


@pytest.mark.parametrize("zeros", [0.0, 0.4])
@pytest.mark.parametrize(("shape", "axis"), SHAPES_AXES)
def test_js_matches_scipy_jensenshannon_squared(shape, axis, zeros):
    """scipy's jensenshannon returns the Jensen–Shannon *distance*, sqrt(JSD), in nats by default."""
    p = dirichlet(shape, axis, seed=4, zeros=zeros)
    q = dirichlet(shape, axis, seed=5, zeros=zeros)
    np.testing.assert_allclose(js_divergence(p, q, axis=axis), jensenshannon(p, q, axis=axis) ** 2,
                               rtol=1e-12, atol=1e-15)


def test_kl_and_js_broadcast_p_against_rows_of_q():
    p = dirichlet((6,), seed=6)
    q = dirichlet((4, 6), seed=7)
    np.testing.assert_allclose(kl_divergence(p, q), [kl_divergence(p, row) for row in q], rtol=1e-15)
    np.testing.assert_allclose(js_divergence(p, q), [js_divergence(p, row) for row in q], rtol=1e-15)


# ---- extreme inputs against mpmath --------------------------------------------------------

EDGE_ROWS = [
    [1.0, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [1.0 - 2e-300, 1e-300, 1e-300],
    [1.0 - 1e-15, 1e-15],
    [0.25, 0.25, 0.25, 0.25],
    list(dirichlet((12,), seed=8, alpha=0.05)),  # many entries far below 1e-10
    [1.0 - 2.0**-20] + [2.0**-30] * 1024,  # the -edges probe: tiny entries count (9.5e-7 if dropped, 2.08e-5)
]

KL_PAIRS = [
    ([0.5, 0.5, 0.0], [0.5, 0.25, 0.25]),
    ([0.5, 0.5], [1e-300, 1.0 - 1e-300]),  # a large, finite KL
    ([1.0, 0.0], [5e-324, 1.0]),  # p / q overflows: q is the smallest subnormal
    ([0.9, 0.1], [0.1, 0.9]),
    (list(dirichlet((12,), seed=9, alpha=0.05)), list(dirichlet((12,), seed=10, alpha=0.5))),
    ([1.0 - 2.0**-20] + [2.0**-30] * 1024, [1.0 - 2.0**-10] + [2.0**-20] * 1024),  # the -support probe's pair
]

JS_PAIRS = KL_PAIRS + [
    ([1.0, 0.0], [0.0, 1.0]),
    ([0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.3, 0.7]),
    ([1e-300, 1.0 - 1e-300], [1.0, 0.0]),
]


@pytest.mark.parametrize("row", EDGE_ROWS, ids=lambda r: repr(r)[:40])
def test_entropy_vs_mpmath(row):
    """Reference: -fsum(p log p) over p > 0 in mpmath at 60 digits."""
    assert entropy(row) == pytest.approx(ref.to_float(ref.entropy(row)), rel=1e-14, abs=0)


def test_one_hot_entropy_is_exactly_positive_zero():
    for row in np.eye(4):
        h = entropy(row)
        assert h == 0.0 and np.copysign(1.0, h) == 1.0


@pytest.mark.parametrize(("p", "q"), KL_PAIRS, ids=lambda r: repr(r)[:30])
def test_kl_vs_mpmath(p, q):
    """Reference: fsum(p log(p / q)) over p > 0 in mpmath at 60 digits."""
    assert kl_divergence(p, q) == pytest.approx(ref.to_float(ref.kl_divergence(p, q)), rel=1e-14, abs=0)


@pytest.mark.parametrize(("p", "q"), JS_PAIRS, ids=lambda r: repr(r)[:30])
def test_js_vs_mpmath(p, q):
    """Reference: ½ Σ p log(p/m) + ½ Σ q log(q/m) with the exact m, in mpmath at 60 digits."""
    expected = ref.to_float(ref.js_divergence(p, q))
    assert js_divergence(p, q) == pytest.approx(expected, rel=1e-14, abs=0)
    assert js_divergence(q, p) == pytest.approx(expected, rel=1e-14, abs=0)


def test_js_of_nearly_equal_distributions_keeps_relative_accuracy():
    """p and q differ by 1e-6 relative: JSD ~ 1e-13. The log1p form keeps ~1e-6 of
    it where log(p / m) (an absolute error of eps per term) loses everything."""
    q = dirichlet((6,), seed=11)
    p = q * (1 + 1e-6 * np.array([1, -1, 1, -1, 1, -1]))
    p /= p.sum()
    expected = ref.to_float(ref.js_divergence(p, q))
    assert 1e-14 < expected < 1e-11
    assert js_divergence(p, q) == pytest.approx(expected, rel=1e-3)


def test_kl_of_nearly_equal_distributions_is_accurate_in_absolute_terms():
    """KL = Σ p log(p/q) of nearly equal distributions (4e-18 here) cancels terms of
    size 1e-9: the reference's error is ~eps absolute (documented; the contract grades no
    more), and the result is never negative."""
    p, q = [0.5, 0.5 - 1e-9, 1e-9], [0.5 - 1e-9, 0.5, 1e-9]
    expected = ref.to_float(ref.kl_divergence(p, q))
    assert 0 < expected < 1e-17
    got = kl_divergence(p, q)
    assert got >= 0 and abs(got - expected) <= 2 * ref.EPS
    assert js_divergence(p, q) == pytest.approx(ref.to_float(ref.js_divergence(p, q)), rel=1e-6)


def test_disjoint_supports():
    p, q = [0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.25, 0.75]
    assert kl_divergence(p, q) == INF and kl_divergence(q, p) == INF
    assert js_divergence(p, q) == pytest.approx(LOG2, rel=1e-15)
    assert js_divergence(np.eye(3), np.roll(np.eye(3), 1, axis=0)) == pytest.approx([LOG2] * 3, rel=1e-15)


# ---- properties (hypothesis) ----------------------------------------------------------------


def _normalise(raw):
    raw = np.asarray(raw, dtype=np.float64)
    return raw / raw.sum(axis=-1, keepdims=True)


distributions = hnp.arrays(
    np.float64, st.integers(2, 8), elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0))
).filter(lambda a: a.sum() > 0).map(_normalise)


@settings(max_examples=150, deadline=None)
@given(p=distributions, data=st.data())
def test_kl_nonnegative_zero_iff_equal_js_symmetric_bounded(p, data):
    q = data.draw(hnp.arrays(np.float64, p.shape, elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0)))
                  .filter(lambda a: a.sum() > 0).map(_normalise))
    kl = kl_divergence(p, q)
    assert kl >= 0
    assert kl_divergence(p, p) == 0.0 and js_divergence(p, p) == 0.0
    if np.max(np.abs(p - q)) > 1e-3:
        assert kl > 0 and js_divergence(p, q) > 0
    js = js_divergence(p, q)
    assert js == js_divergence(q, p)  # exactly: the formula is symmetric term by term
    assert 0 <= js <= LOG2
    # convexity of KL in its second argument: KL(p ‖ m) <= ½ KL(p ‖ q), KL(q ‖ m) <= ½ KL(q ‖ p)
    assert js <= 0.25 * (kl + kl_divergence(q, p)) + 1e-15
    assert 0 <= entropy(p) <= np.log(p.size) * (1 + 1e-15)
    # cross-entropy = entropy + KL (ps2's link): -Σ p log q = H(p) + KL(p ‖ q)
    if np.isfinite(kl):
        cross = -np.sum(sp.xlogy(p, q))
        assert cross == pytest.approx(entropy(p) + kl, rel=1e-12, abs=1e-15)


# ---- bayes_posterior ------------------------------------------------------------------------


def test_base_rate_example():
    """1 % prevalence, sensitivity 0.99, false-positive rate 0.05: P(ill | +) = 0.0099 / 0.0594 = 1/6."""
    post = bayes_posterior(np.log([0.01, 0.99]), np.log([0.99, 0.05]))
    np.testing.assert_allclose(post, [1 / 6, 5 / 6], rtol=1e-14)


def test_posterior_matches_direct_bayes_when_nothing_underflows():
    rng = np.random.default_rng(12)
    prior = dirichlet((5,), seed=13)
    like = rng.uniform(0.05, 1.0, size=(7, 5))
    direct = prior * like.prod(axis=0)
    np.testing.assert_allclose(bayes_posterior(np.log(prior), np.log(like)), direct / direct.sum(), rtol=1e-13)


POSTERIOR_CASES = {
    "N=5000, ll ~ -1e5 (every likelihood underflows)": (
        np.log(dirichlet((4,), seed=14)), -1e5 + np.random.default_rng(15).normal(0.0, 1e-3, size=(5000, 4))),
    "N=3000, ll from -1e5 to -1 across hypotheses": (
        np.zeros(3), np.random.default_rng(16).uniform(-1e5, -1.0, size=(3000, 1)) * [1.0, 1.0 + 1e-9, 1.0 - 1e-9]),
    "-inf prior entries": (np.array([np.log(0.3), -INF, np.log(0.7), -INF, 0.0]),
                           np.random.default_rng(17).normal(-23.0, 0.1, size=(30, 5))),
    "an impossible observation": (np.log([0.2, 0.5, 0.3]), np.array([[-1.0, -2.0, -0.5], [-2.0, -INF, -1.0]])),
    "the first hypothesis ruled out, N=4000 near -1e5": (
        np.log([0.2, 0.5, 0.3]),
        np.vstack([-1e5 + np.random.default_rng(28).normal(0.0, 0.01, size=(4000, 3)), [[-INF, -7.0, -7.5]]])),
    "unnormalised prior, one observation": (np.array([1e3, 1e3 + 1.0, 1e3 - 2.0]), np.array([-3.0, -1.0, -2.0])),
}


@pytest.mark.parametrize("case", POSTERIOR_CASES)
def test_posterior_vs_mpmath(case):
    """Reference: exact sums of the float64 inputs (mpmath fsum at 1200 bits), then
    softmax at 60 digits. The reference is within 1e-12 relative even at N = 5000 with
    log-likelihoods of -1e5 (the contract allows 1e-5 there), thanks to subtracting
    each observation's largest log-likelihood before summing."""
    log_prior, ll = POSTERIOR_CASES[case]
    expected = ref.to_float(ref.bayes_posterior(log_prior, ll))
    got = bayes_posterior(log_prior, ll)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)
    assert np.all(got[expected == 0] == 0.0)
    assert got.sum() == pytest.approx(1.0, abs=1e-15)


finite_ll = hnp.arrays(np.float64, st.tuples(st.integers(1, 20), st.integers(1, 6)),
                       elements=st.floats(-50.0, 0.0))


@settings(max_examples=100, deadline=None)
@given(ll=finite_ll, shift=st.floats(-1e3, 1e3), data=st.data())
def test_posterior_invariant_to_constants(ll, shift, data):
    """Only differences matter: a constant added to the log prior, or to one observation's
    log-likelihoods (its normaliser p(x_n)), leaves the posterior unchanged (up to the
    rounding of the shifted inputs: |shift|·eps ~ 1e-13 per entry)."""
    k = ll.shape[1]
    log_prior = data.draw(hnp.arrays(np.float64, k, elements=st.floats(-20.0, 5.0)))
    post = bayes_posterior(log_prior, ll)
    assert post.shape == (k,) and np.all(post >= 0)
    assert post.sum() == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(bayes_posterior(log_prior + shift, ll), post, rtol=1e-10, atol=1e-300)
    row = data.draw(st.integers(0, ll.shape[0] - 1))
    shifted = ll.copy()
    shifted[row] += shift
    np.testing.assert_allclose(bayes_posterior(log_prior, shifted), post, rtol=1e-10, atol=1e-300)
    # one observation as a 1-D array is the same as a (1, K) array
    np.testing.assert_array_equal(bayes_posterior(log_prior, ll[0]), bayes_posterior(log_prior, ll[:1]))


def test_posterior_with_no_observations_is_the_normalised_prior():
    prior = dirichlet((4,), seed=18)
    np.testing.assert_allclose(bayes_posterior(np.log(prior) + 3.0, np.zeros((0, 4))), prior, rtol=1e-14)


# ---- map_linear_regression --------------------------------------------------------------------


def design(n, d, cond, seed):
    """(n, d) with singular values from 1 to 1/cond, and targets from known weights plus noise."""
    rng = np.random.default_rng(seed)
    k = min(n, d)
    u, _ = np.linalg.qr(rng.normal(size=(n, k)))
    v, _ = np.linalg.qr(rng.normal(size=(d, k)))
    X = (u * np.geomspace(1.0, 1.0 / cond, k)) @ v.T
    return X, X @ rng.normal(size=d) + 0.01 * rng.normal(size=n)


def stacked_lstsq(X, y, noise_std, prior_std):
    d = X.shape[1]
    A = np.vstack([X, (noise_std / prior_std) * np.eye(d)])
    return np.linalg.lstsq(A, np.concatenate([y, np.zeros(d)]), rcond=None)[0]


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


@pytest.mark.parametrize(("n", "d", "cond"), [(50, 5, 10.0), (60, 6, 1e3), (20, 30, 1.0), (200, 12, 1e2)])
@pytest.mark.parametrize(("noise_std", "prior_std"), [(1.0, 1.0), (0.5, 2.0), (3.0, 0.1), (0.01, 100.0)])
def test_map_matches_stacked_lstsq(n, d, cond, noise_std, prior_std):
    X, y = design(n, d, cond, seed=n + d)
    assert rel_err(map_linear_regression(X, y, noise_std, prior_std), stacked_lstsq(X, y, noise_std, prior_std)) < 1e-11


@pytest.mark.parametrize(("n", "d", "cond"), [(50, 5, 10.0), (60, 6, 1e3), (40, 8, 1e3)])
def test_map_with_infinite_prior_std_is_least_squares(n, d, cond):
    X, y = design(n, d, cond, seed=3 * n)
    w = map_linear_regression(X, y, 0.7, np.inf)
    assert rel_err(w, scipy.linalg.lstsq(X, y)[0]) < 1e-12
    assert rel_err(w, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-12


@pytest.mark.parametrize("cond", [1.0, 1e3])
@pytest.mark.parametrize(("noise_std", "prior_std"), [(1.0, 1.0), (2.0, 0.5), (0.1, 1e4), (1.0, 1e-6)])
def test_map_vs_mpmath(cond, noise_std, prior_std):
    """Reference: (XᵀX + λI)⁻¹Xᵀy by an mpmath LU solve at 60 digits with
    λ = noise_std² / prior_std² exact. The contract asks for 1e-8 in the 2-norm up to
    cond(X) = 1e3; the reference is within 1e-12."""
    X, y = design(40, 6, cond, seed=int(cond) + 7)
    lam = (ref.mpf(noise_std) / ref.mpf(prior_std)) ** 2
    expected = ref.to_float(ref.map_weights(X, y, lam))
    assert rel_err(map_linear_regression(X, y, noise_std, prior_std), expected) < 1e-12


def test_map_small_example_by_hand():
    """X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3]: (XᵀX + I) w = Xᵀy is [[3, 1], [1, 3]] w = [4, 5],
    so w = [7/8, 11/8]; least squares fits y exactly with w = [1, 2]."""
    X, y = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 3.0]
    np.testing.assert_allclose(map_linear_regression(X, y, 1.0, 1.0), [7 / 8, 11 / 8], rtol=1e-15)
    np.testing.assert_allclose(map_linear_regression(X, y, 3.0, 3.0), [7 / 8, 11 / 8], rtol=1e-15)
    np.testing.assert_allclose(map_linear_regression(X, y, 1.0, INF), [1.0, 2.0], rtol=1e-15)
    # λ = 4: [[6, 1], [1, 6]] w = [4, 5] → w = [19/35, 26/35]
    np.testing.assert_allclose(map_linear_regression(X, y, 2.0, 1.0), [19 / 35, 26 / 35], rtol=1e-15)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), log_ratio=st.floats(-6.0, 6.0))
def test_map_limits_and_shrinkage(seed, log_ratio):
    """As prior_std → ∞ the MAP weights tend to the least-squares ones (|w − w_LS| = O(λ));
    as prior_std → 0 they tend to 0 (w ≈ Xᵀy / λ); and ‖w‖ shrinks as λ grows."""
    X, y = design(30, 4, 10.0, seed=seed % 1000)
    w_ls = map_linear_regression(X, y, 1.0, INF)
    assert rel_err(map_linear_regression(X, y, 1.0, 1e8), w_ls) < 1e-12
    tiny = map_linear_regression(X, y, 1.0, 1e-8)
    np.testing.assert_allclose(tiny, X.T @ y * 1e-16, rtol=1e-12)
    prior = 10.0**log_ratio
    w1 = map_linear_regression(X, y, 1.0, prior)
    w2 = map_linear_regression(X, y, 1.0, prior / 2)  # λ four times larger
    assert np.linalg.norm(w2) <= np.linalg.norm(w1) <= np.linalg.norm(w_ls) * (1 + 1e-12)


def test_map_depends_only_on_the_ratio_of_the_two_stds():
    X, y = design(25, 5, 30.0, seed=19)
    np.testing.assert_allclose(map_linear_regression(X, y, 2.0, 4.0), map_linear_regression(X, y, 0.5, 1.0),
                               rtol=1e-14)


def test_map_rank_deficient_without_prior_is_the_minimum_norm_solution():
    X, y = design(10, 3, 1.0, seed=20)
    X = np.column_stack([X, X[:, 0]])  # a repeated column
    np.testing.assert_allclose(map_linear_regression(X, y, 1.0, INF), np.linalg.lstsq(X, y, rcond=None)[0],
                               rtol=1e-12)


def test_map_prior_std_so_small_that_lambda_overflows_gives_zero():
    X, y = design(10, 3, 1.0, seed=21)
    np.testing.assert_array_equal(map_linear_regression(X, y, 1e10, 1e-300), np.zeros(3))


# ---- no warnings, inputs untouched, lists, return types -------------------------------------


def test_no_runtime_warning_on_edge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5], [1e-300, 0.0, 1.0 - 1e-300]])
        q = np.array([[0.0, 1.0, 0.0], [0.5, 0.5, 0.0], [0.0, 5e-324, 1.0]])
        for axis, (a, b) in ((-1, (p, q)), (0, (p.T, q.T))):
            entropy(a, axis=axis)
            kl_divergence(a, b, axis=axis)
            kl_divergence(b, a, axis=axis)
            js_divergence(a, b, axis=axis)
        bayes_posterior([-INF, 0.0, -1e300], np.full((5000, 3), -1e5))
        X, y = design(10, 3, 1.0, seed=22)
        map_linear_regression(X, y, 1e10, 1e-300)
        map_linear_regression(X, y, 1.0, INF)


def test_inputs_not_modified():
    p, q = dirichlet((3, 4), seed=23, zeros=0.3), dirichlet((3, 4), seed=24, zeros=0.3)
    lp, ll = np.log(dirichlet((4,), seed=25)), np.full((6, 4), -2.0)
    X, y = design(8, 4, 5.0, seed=26)
    before = [a.copy() for a in (p, q, lp, ll, X, y)]
    entropy(p), kl_divergence(p, q), js_divergence(p.T, q.T, axis=0), bayes_posterior(lp, ll)
    map_linear_regression(X, y, 1.0, 2.0)
    for a, b in zip((p, q, lp, ll, X, y), before):
        np.testing.assert_array_equal(a, b)


def test_lists_and_return_types():
    assert is_float_scalar(entropy([0.5, 0.5]))
    assert is_float_scalar(kl_divergence([0.5, 0.5], [0.25, 0.75]))
    assert is_float_scalar(js_divergence([0.5, 0.5], [0.25, 0.75]))
    p = dirichlet((2, 3, 4), seed=27)
    assert entropy(p).shape == (2, 3)
    assert kl_divergence(p, p, axis=-1).shape == (2, 3)
    assert js_divergence(np.swapaxes(p, 1, 2), np.swapaxes(p, 1, 2), axis=1).shape == (2, 3)
    post = bayes_posterior([0, 0], [[-1, -2]])
    assert isinstance(post, np.ndarray) and post.dtype == np.float64 and post.shape == (2,)
    w = map_linear_regression([[1, 0], [0, 1], [1, 1]], [1, 2, 3], 1, 1)
    assert isinstance(w, np.ndarray) and w.dtype == np.float64 and w.shape == (2,)


# ---- documented ValueErrors ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "axis", "match"),
    [
        ([0.5, 0.6], -1, "sum to 1"),
        ([1.5, -0.5], -1, "non-negative"),
        ([0.3, 0.7 + 2e-8], -1, "sum to 1"),  # just outside the 1e-8 tolerance
        ([[0.5, 0.5], [0.45, 0.45]], -1, "sum to 1"),
        ([[0.5, 0.5], [0.5, 0.5]], 0, None),  # valid: columns sum to 1
        ([[0.2, 0.8], [0.2, 0.8]], 0, "axis 0"),
        ([0.5, np.nan, 0.5], -1, "non-negative"),
        ([], -1, "at least one"),
        (0.5, -1, "p must have at least 1"),
        ([0.5, 0.5], 1, "axis"),
        ([0.5, 0.5], 0.0, "axis"),
        (["a", "b"], -1, "real numbers"),
    ],
)
def test_bad_distributions_raise(p, axis, match):
    for call in (lambda: entropy(p, axis=axis), lambda: kl_divergence(p, p, axis=axis),
                 lambda: js_divergence(p, p, axis=axis)):
        if match is None:
            call()
            continue
        with pytest.raises(ValueError, match=match):
            call()


def test_within_tolerance_sums_are_valid():
    p = np.array([0.3, 0.7 + 5e-9])
    assert entropy(p) > 0 and kl_divergence(p, [0.5, 0.5]) > 0 and js_divergence([0.5, 0.5], p) > 0


@pytest.mark.parametrize(
    ("p", "q", "match"),
    [
        ([0.5, 0.5], [0.7, 0.7], "q"),
        ([-0.1, 1.1], [0.5, 0.5], "p must be non-negative"),
        ([0.5, 0.5], [0.6, 0.6, -0.2], "same"),
    ],
)
def test_bad_pairs_raise(p, q, match):
    for func in (kl_divergence, js_divergence):
        with pytest.raises(ValueError, match=match):
            func(p, q)


@pytest.mark.parametrize(
    ("log_prior", "ll", "match"),
    [
        (np.zeros(3), np.zeros((4, 2)), "K = 3"),
        (np.zeros(3), np.zeros(2), "K = 3"),
        (np.zeros(3), np.zeros((5, 1)), "K = 3"),
        (np.zeros(3), np.zeros((2, 4, 3)), "log_likelihood must be 1-D or 2-D"),
        (np.zeros((1, 3)), np.zeros((4, 3)), "log_prior must be 1-D"),
        (np.zeros(0), np.zeros((4, 0)), "at least one hypothesis"),
        (np.array([0.0, np.nan]), np.zeros(2), "nan"),
        (np.zeros(2), np.array([[0.0, INF]]), "nan or \\+inf"),
        (np.array([-INF, 0.0]), np.array([[0.0, -INF]]), "every hypothesis"),
    ],
)
def test_bayes_bad_input_raises(log_prior, ll, match):
    with pytest.raises(ValueError, match=match):
        bayes_posterior(log_prior, ll)


X3, Y3 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 3.0]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((X3, Y3, 0.0, 1.0), "noise_std"),
        ((X3, Y3, -2.0, 1.0), "noise_std"),
        ((X3, Y3, INF, 1.0), "noise_std"),
        ((X3, Y3, np.nan, 1.0), "noise_std"),
        ((X3, Y3, "1", 1.0), "noise_std"),
        ((X3, Y3, 1.0, 0.0), "prior_std"),
        ((X3, Y3, 1.0, -1.0), "prior_std"),
        ((X3, Y3, 1.0, np.nan), "prior_std"),
        ((X3, Y3, 1.0, [1.0, 2.0]), "prior_std"),
        ((X3, Y3, 1.0, None), "prior_std"),
        ((X3, [1.0, 2.0], 1.0, 1.0), "y must have shape"),
        ((X3, [[1.0], [2.0], [3.0]], 1.0, 1.0), "y must be 1-D"),
        (([1.0, 2.0, 3.0], Y3, 1.0, 1.0), "X must be 2-D"),
        ((np.zeros((0, 2)), [], 1.0, 1.0), "at least one row"),
        (([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]], Y3, 1.0, 1.0), "finite"),
    ],
)
def test_map_bad_input_raises(args, match):
    with pytest.raises(ValueError, match=match):
        map_linear_regression(*args)
