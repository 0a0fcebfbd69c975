"""Tests of the reference solutions of ps5: gaussian_kl, mvn_kl, vae_kl.

References: the closed forms evaluated in mpmath at 60 significant digits
(tests/_mpmath_refs.py) on seeded random and extreme inputs, scipy (numerical
integration with scipy.stats.norm.expect; the textbook scipy.linalg inv/slogdet
formula where it is well-conditioned), and seeded Monte Carlo estimates.
"""

import warnings

import numpy as np
import pytest
import scipy.linalg
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.ps5_gaussian_kl import gaussian_kl, mvn_kl, vae_kl
from tests import _mpmath_refs as ref

RTOL = 1e-12
EPS = ref.EPS


def is_float_scalar(value):
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype == np.float64
    return isinstance(value, float)


def textbook_gaussian_kl(mu1, sigma1, mu2, sigma2):
    return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


def textbook_mvn_kl(mu1, cov1, mu2, cov2):
    """The contract's formula with scipy.linalg.inv and slogdet (fine when well-conditioned)."""
    inv2 = scipy.linalg.inv(cov2)
    diff = mu2 - mu1
    return 0.5 * (
        np.trace(inv2 @ cov1) + diff @ inv2 @ diff - len(mu1)
        + np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1]
    )


def random_kl_params(shape, seed):
    rng = np.random.default_rng(seed)
    return (
        rng.normal(0.0, 3.0, size=shape),
        rng.uniform(0.05, 20.0, size=shape),
        rng.normal(0.0, 3.0, size=shape),
        rng.uniform(0.05, 20.0, size=shape),
    )


# ---- closed forms and scipy, seeded random inputs ------------------------------


def test_gaussian_kl_matches_mpmath_closed_form_on_random_inputs():
    """Reference: log(s2/s1) + (s1² + (m1-m2)²)/(2 s2²) - ½ in mpmath, 60 digits."""
    params = random_kl_params((300,), seed=1)
    expected = np.array([ref.to_float(ref.gaussian_kl(*args)) for args in zip(*params)])
    np.testing.assert_allclose(gaussian_kl(*params), expected, rtol=1e-13, atol=0)


def test_gaussian_kl_matches_textbook_formula():
    params = random_kl_params((1000,), seed=2)
    mu1, s1, mu2, s2 = params
    # the textbook formula cancels (log r against (r² - 1)/2): its error is eps
    # times the size of its terms, not of the result
    scale = np.abs(np.log(s2 / s1)) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) + 0.5
    assert np.all(np.abs(gaussian_kl(*params) - textbook_gaussian_kl(*params)) <= RTOL * scale)


@pytest.mark.parametrize(("mu1", "sigma1", "mu2", "sigma2"), [(0.0, 1.0, 1.0, 1.0), (0.5, 2.0, -1.0, 0.7), (3.0, 0.3, 3.5, 4.0), (-2.0, 5.0, 0.0, 1.5)])
def test_gaussian_kl_matches_scipy_numerical_integration(mu1, sigma1, mu2, sigma2):
    """KL = E_P[log p(x) - log q(x)] by scipy.integrate.quad through
    scipy.stats.norm.expect: an independent check of the closed form."""
    p = scipy.stats.norm(mu1, sigma1)
    q = scipy.stats.norm(mu2, sigma2)
    integral = p.expect(lambda x: p.logpdf(x) - q.logpdf(x), lb=mu1 - 40 * sigma1, ub=mu1 + 40 * sigma1, epsabs=1e-13, epsrel=1e-12)
    assert gaussian_kl(mu1, sigma1, mu2, sigma2) == pytest.approx(integral, rel=1e-8)


@pytest.mark.parametrize("d", [1, 2, 5, 20])
def test_mvn_kl_matches_scipy_textbook(d):
    rng = np.random.default_rng(d)
    cov1, _, _ = ref.ill_conditioned_cov(d, 30.0, seed=d)
    cov2, _, _ = ref.ill_conditioned_cov(d, 30.0, seed=d + 1000, eigs=rng.uniform(0.5, 3.0, d))
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    expected = textbook_mvn_kl(mu1, cov1, mu2, cov2)
    got = mvn_kl(mu1, cov1, mu2, cov2)
    assert is_float_scalar(got)
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("d", [3, 8])
def test_mvn_kl_matches_mpmath(d):
    """Reference: ½[tr(cov2⁻¹cov1) + Δμᵀcov2⁻¹Δμ - D + log det cov2 - log det cov1]
    with mpmath's inverse and determinants of the same float64 matrices, 60 digits."""
    rng = np.random.default_rng(10 + d)
    cov1, _, _ = ref.ill_conditioned_cov(d, 1e3, seed=d)
    cov2, _, _ = ref.ill_conditioned_cov(d, 1e2, seed=d + 1)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    expected = ref.to_float(ref.mvn_kl(mu1, cov1, mu2, cov2))
    assert mvn_kl(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=RTOL)


def test_mvn_kl_with_diagonal_covariances_is_a_sum_of_gaussian_kls():
    rng = np.random.default_rng(3)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    s1, s2 = rng.uniform(0.1, 3.0, 6), rng.uniform(0.1, 3.0, 6)
    expected = np.sum(gaussian_kl(mu1, s1, mu2, s2))
    assert mvn_kl(mu1, np.diag(s1**2), mu2, np.diag(s2**2)) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("shape", [(7,), (20, 7), (3, 4, 5)])
def test_vae_kl_matches_mpmath_and_mvn_kl(shape):
    """Reference: -½ Σ(1 + v - mu² - e^v) per row in mpmath at 60 digits."""
    rng = np.random.default_rng(4)
    mu = rng.normal(size=shape)
    logvar = rng.normal(0.0, 1.5, size=shape)
    rows_mu = mu.reshape(-1, shape[-1])
    rows_lv = logvar.reshape(-1, shape[-1])
    expected = np.array([ref.to_float(ref.vae_kl(m, v)) for m, v in zip(rows_mu, rows_lv)]).reshape(shape[:-1])
    got = vae_kl(mu, logvar)
    assert np.shape(got) == shape[:-1]
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=0)
    k = shape[-1]
    for m, v, e in zip(rows_mu[:3], rows_lv[:3], np.ravel(expected)[:3]):
        assert mvn_kl(m, np.diag(np.exp(v)), np.zeros(k), np.eye(k)) == pytest.approx(e, rel=1e-12)


def test_vae_kl_matches_textbook_formula():
    rng = np.random.default_rng(5)
    mu = rng.normal(size=(50, 16))
    logvar = rng.normal(size=(50, 16))
    textbook = -0.5 * np.sum(1 + logvar - mu**2 - np.exp(logvar), axis=-1)
    scale = 0.5 * np.sum(1 + np.abs(logvar) + mu**2 + np.exp(logvar), axis=-1)
    assert np.all(np.abs(vae_kl(mu, logvar) - textbook) <= RTOL * scale)


# ---- extreme inputs against mpmath ------------------------------------------------

NEARLY_EQUAL = [
    (0.0, 1.0, 0.0, 1.0 + 1e-4),
    (0.0, 1.0 + 1e-8, 0.0, 1.0),
    (0.0, 3.0, 0.0, 3.0 * (1 + 1e-12)),
    (0.0, 1.0, 0.0, 1.0 + 2**-52),  # adjacent floats: KL = 4.9e-32
    (1.0, 2.0, 1.0 + 1e-9, 2.0 * (1 - 1e-9)),
    (0.0, 7.5, 1e-12, 7.5),  # only the means differ
    (5.0, 0.1, 5.0, 0.10000001),
]


@pytest.mark.parametrize("args", NEARLY_EQUAL, ids=repr)
def test_gaussian_kl_nearly_equal_sigmas_keeps_relative_accuracy(args):
    """KL down to 1e-32, where the textbook formula returns rounding noise (its
    error is ~1e-16 absolute). Reference: the closed form in mpmath at 60 digits,
    from the same float64 arguments."""
    expected = ref.to_float(ref.gaussian_kl(*args))
    assert expected > 0
    assert gaussian_kl(*args) == pytest.approx(expected, rel=1e-13, abs=0)


EXTREME_SIGMAS = [
    (0.0, 1e-300, 0.0, 1e300),  # sigma1/sigma2 underflows: KL = 1381.05
    (0.0, 1e-200, 0.0, 1e200),
    (0.0, 1e-160, 0.0, 1.0),  # (sigma1/sigma2)² underflows
    (0.0, 1e-155, 0.0, 1.0),  # ... to a subnormal (few significant bits)
    (0.0, 1.2e154, 0.0, 1.0),  # r² = 1.44e308, just below overflow
    (0.0, 1e150, 0.0, 1.0),  # KL = 5e299
    (0.0, 1e300, 0.0, 1.02e300),
    (3.0, 1e-100, -2.0, 1e-100),  # KL = 1.25e201
    (1e300, 1.0, -1e300, 1e300),
]


@pytest.mark.parametrize("args", EXTREME_SIGMAS, ids=repr)
def test_gaussian_kl_extreme_sigma_ratios_vs_mpmath(args):
    """Reference: the closed form in mpmath at 60 digits (finite in float64 in all
    these cases, though sigma1/sigma2 or its square is not)."""
    expected = ref.to_float(ref.gaussian_kl(*args))
    assert np.isfinite(expected)
    assert gaussian_kl(*args) == pytest.approx(expected, rel=1e-14, abs=0)
    # and inside an array, next to ordinary entries
    batch = np.array([args, (0.0, 1.0, 0.5, 2.0)]).T
    np.testing.assert_allclose(gaussian_kl(*batch)[0], expected, rtol=1e-14)


@pytest.mark.parametrize("cond", [1e8, 1e10])
def test_mvn_kl_ill_conditioned_d300_vs_mpmath_eigendecomposition(cond):
    """D = 300: cov1 = Q diag(a) Qᵀ, cov2 = Q diag(b) Qᵀ with a log-spaced from 1
    to 1/cond, b = a · U(0.5, 2), a seeded orthogonal Q, each rounded to float64
    and symmetrised with (C + C.T) / 2.

    Reference (mpmath, 60 digits): the closed form for covariances with common
    eigenvectors, ½ Σ [a_i/b_i - 1 - log(a_i/b_i)] + ½ Σ (Qᵀ Δμ)_i² / b_i, with
    the D-vector Qᵀ Δμ projected in mpmath from the float64 Q.

    Tolerance cond · eps relative: rounding the matrices to float64 already moves
    the KL by up to ~cond · eps relative (observed: 2e-10 at 1e8, 1e-8 at 1e10)."""
    d = 300
    columns = ref.orthogonal(d, 300)[1]()
    rng = np.random.default_rng(int(np.log10(cond)))
    a = np.geomspace(1.0, 1.0 / cond, d)
    b = a * rng.uniform(0.5, 2.0, d)
    cov1, q, _ = ref.ill_conditioned_cov(d, cond, seed=300, eigs=a)
    cov2, _, _ = ref.ill_conditioned_cov(d, cond, seed=300, eigs=b)
    mu1 = rng.normal(size=d)
    for scale in (0.0, 1.0):
        mu2 = mu1 + scale * (q @ (np.sqrt(b) * rng.standard_normal(d)))
        expected = ref.to_float(ref.mvn_kl_eig(mu1, a, mu2, b, columns))
        assert mvn_kl(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=cond * EPS, abs=0)


@pytest.mark.parametrize("delta", [1e-3, 1e-4, 1e-6, 1e-8])
def test_mvn_kl_nearly_equal_covariances_keeps_relative_accuracy(delta):
    """cov2 = cov1 · (1 + delta) (rounded), D = 20, cond 10: KL ≈ D δ²/4, down to
    5e-16. Reference: mpmath inverse/determinants of the same float64 matrices at
    60 digits. The textbook inv/slogdet formula is off by 5e-5 relative at
    delta = 1e-6 and by 450% at 1e-8; the sum of non-negative terms stays within
    1e-9."""
    d = 20
    cov1, _, _ = ref.ill_conditioned_cov(d, 10.0, seed=20)
    cov2 = cov1 * (1 + delta)
    mu1 = np.random.default_rng(20).normal(size=d)
    mu2 = mu1 + delta * 1e-2
    expected = ref.to_float(ref.mvn_kl(mu1, cov1, mu2, cov2))
    assert mvn_kl(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-8, abs=0)


@pytest.mark.parametrize(
    ("mu", "logvar"),
    [
        ([0.0, 0.0], [1e-9, -1e-9]),  # each term v²/2 = 5e-19: expm1(v) - v cancels
        ([1e-5, 0.0], [1e-12, 0.04]),
        ([0.0], [-0.049]),
        ([2.0, -1.0, 0.0], [-700.0, 700.0, 1e-300]),
        ([0.0], [-1e4]),  # variance e^-10000
    ],
    ids=repr,
)
def test_vae_kl_extreme_vs_mpmath(mu, logvar):
    """Reference: -½ Σ(1 + v - mu² - e^v) in mpmath at 60 digits."""
    expected = ref.to_float(ref.vae_kl(mu, logvar))
    assert vae_kl(mu, logvar) == pytest.approx(expected, rel=1e-13, abs=0)


def test_equal_arguments_give_zero():
    rng = np.random.default_rng(6)
    mu, sigma = rng.normal(size=50), rng.uniform(1e-3, 1e3, 50)
    np.testing.assert_array_equal(gaussian_kl(mu, sigma, mu, sigma), 0.0)
    for cond in (10.0, 1e10):
        cov, _, _ = ref.ill_conditioned_cov(60, cond, seed=60)
        m = rng.normal(size=60)
        assert 0.0 <= mvn_kl(m, cov, m, cov) <= 1e-12
    np.testing.assert_array_equal(vae_kl(np.zeros((3, 4)), np.zeros((3, 4))), 0.0)


# ---- properties (hypothesis) -----------------------------------------------------

means = st.floats(-1e3, 1e3)
sigmas = st.floats(1e-3, 1e3)


@settings(max_examples=100, deadline=None)
@given(mu1=means, s1=sigmas, mu2=means, s2=sigmas)
def test_gaussian_kl_nonnegative_and_zero_iff_equal(mu1, s1, mu2, s2):
    kl = gaussian_kl(mu1, s1, mu2, s2)
    assert np.isfinite(kl) and kl >= 0
    assert gaussian_kl(mu1, s1, mu1, s1) == 0.0
    if s1 != s2 or abs(mu1 - mu2) > 1e-150 * s2:  # else the true KL may underflow
        assert kl > 0


@st.composite
def spd_matrices(draw, d):
    a = draw(hnp.arrays(np.float64, (d, d), elements=st.floats(-3, 3)))
    return a @ a.T + 0.1 * np.eye(d)


@settings(max_examples=60, deadline=None)
@given(data=st.data(), d=st.integers(1, 5))
def test_mvn_kl_nonnegative_and_zero_for_equal_arguments(data, d):
    cov1 = data.draw(spd_matrices(d))
    cov2 = data.draw(spd_matrices(d))
    mu1 = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-10, 10)))
    mu2 = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-10, 10)))
    kl = mvn_kl(mu1, cov1, mu2, cov2)
    assert np.isfinite(kl) and kl >= 0
    assert 0.0 <= mvn_kl(mu1, cov1, mu1, cov1) <= 1e-12
    assert 0.0 <= mvn_kl(mu2, cov2, mu2, cov2) <= 1e-12


@settings(max_examples=100, deadline=None)
@given(
    mu=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 6)), elements=st.floats(-100, 100)),
    data=st.data(),
)
def test_vae_kl_nonnegative(mu, data):
    logvar = data.draw(hnp.arrays(np.float64, mu.shape, elements=st.floats(-50, 50)))
    kl = vae_kl(mu, logvar)
    assert kl.shape == mu.shape[:-1]
    assert np.all(np.isfinite(kl)) and np.all(kl >= 0)
    np.testing.assert_array_equal(vae_kl(np.zeros_like(mu), np.zeros_like(mu)), 0.0)


# Monte Carlo: KL(P‖Q) = E_P[log p(X) - log q(X)], estimated from n seeded draws,
# must lie within 4 standard errors. derandomize=True: hypothesis draws the same
# parameters every run, so with the seeded sample the test is deterministic.
N_MC = 20000


@settings(max_examples=50, deadline=None, derandomize=True)
@given(mu1=st.floats(-3, 3), s1=st.floats(0.2, 5), mu2=st.floats(-3, 3), s2=st.floats(0.2, 5))
def test_gaussian_kl_matches_monte_carlo(mu1, s1, mu2, s2):
    x = np.random.default_rng(12345).normal(mu1, s1, size=N_MC)
    log_ratio = scipy.stats.norm.logpdf(x, mu1, s1) - scipy.stats.norm.logpdf(x, mu2, s2)
    estimate = np.mean(log_ratio)
    stderr = np.std(log_ratio, ddof=1) / np.sqrt(N_MC)
    assert abs(gaussian_kl(mu1, s1, mu2, s2) - estimate) <= 4 * stderr + 1e-12


@settings(max_examples=50, deadline=None, derandomize=True)
@given(data=st.data(), d=st.integers(1, 3))
def test_mvn_kl_matches_monte_carlo(data, d):
    cov1 = data.draw(spd_matrices(d))
    cov2 = data.draw(spd_matrices(d))
    mu1 = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-2, 2)))
    mu2 = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(-2, 2)))
    x = np.random.default_rng(54321).multivariate_normal(mu1, cov1, size=N_MC, method="cholesky")
    log_ratio = scipy.stats.multivariate_normal.logpdf(x, mu1, cov1) - scipy.stats.multivariate_normal.logpdf(x, mu2, cov2)
    log_ratio = np.atleast_1d(log_ratio)
    estimate = np.mean(log_ratio)
    stderr = np.std(log_ratio, ddof=1) / np.sqrt(N_MC)
    assert abs(mvn_kl(mu1, cov1, mu2, cov2) - estimate) <= 4 * stderr + 1e-10


# ---- no warnings, inputs untouched, lists accepted --------------------------------


def test_no_runtime_warning_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for args in NEARLY_EQUAL + EXTREME_SIGMAS:
            gaussian_kl(*args)
        gaussian_kl(*np.array(NEARLY_EQUAL + EXTREME_SIGMAS).T)
        gaussian_kl(0.0, 1e300, 0.0, 1e-300)  # the true KL (5e1199) overflows: inf, silently
        for cond in (1e8, 1e10):
            cov, _, _ = ref.ill_conditioned_cov(300, cond, seed=300)
            mvn_kl(np.zeros(300), cov, np.ones(300), cov * 1.5)
        vae_kl([[2.0, -1.0, 0.0, 0.0]], [[-700.0, 700.0, 1e-300, -1e4]])
        vae_kl([0.0], [800.0])  # e^800 overflows: inf, silently


def test_inputs_not_modified():
    params = random_kl_params((4, 3), seed=7)
    rng = np.random.default_rng(8)
    cov1, _, _ = ref.ill_conditioned_cov(3, 1e3, seed=3)
    cov2, _, _ = ref.ill_conditioned_cov(3, 1e2, seed=4)
    mu1, mu2 = rng.normal(size=3), rng.normal(size=3)
    mu, logvar = rng.normal(size=(4, 3)), np.array([[1e-9, 0.01, -3.0]] * 4)
    arrays = list(params) + [cov1, cov2, mu1, mu2, mu, logvar]
    saved = [a.copy() for a in arrays]
    gaussian_kl(*params)
    gaussian_kl(params[0], params[1][0], params[2], 1.0)
    mvn_kl(mu1, cov1, mu2, cov2)
    vae_kl(mu, logvar)
    for a, b in zip(arrays, saved):
        np.testing.assert_array_equal(a, b)


def test_lists_accepted():
    assert gaussian_kl([0, 1], [1, 2], [0.5, 0.5], [1, 1]).tolist() == gaussian_kl(
        np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([0.5, 0.5]), np.array([1.0, 1.0])
    ).tolist()
    cov1, cov2 = [[2.0, 0.3], [0.3, 1.0]], [[1.0, 0.0], [0.0, 3.0]]
    assert mvn_kl([0, 1], cov1, [1, 1], cov2) == mvn_kl(np.array([0.0, 1.0]), np.array(cov1), np.array([1.0, 1.0]), np.array(cov2))
    assert vae_kl([[0, 1], [2, 3]], [[0, 0.5], [1, -1]]).tolist() == vae_kl(
        np.array([[0.0, 1.0], [2.0, 3.0]]), np.array([[0.0, 0.5], [1.0, -1.0]])
    ).tolist()


# ---- return types and shapes -------------------------------------------------


def test_return_types_and_shapes():
    assert is_float_scalar(gaussian_kl(0.0, 1.0, 1.0, 2.0))
    assert gaussian_kl(np.zeros((2, 1)), 1.0, np.zeros(3), 2.0).shape == (2, 3)
    assert is_float_scalar(mvn_kl(np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2)))
    assert is_float_scalar(vae_kl([0.5, 1.0], [0.1, 0.2]))
    assert vae_kl(np.zeros((5, 3)), np.zeros((5, 3))).shape == (5,)
    assert vae_kl(np.zeros((2, 5, 3)), np.zeros((2, 5, 3))).shape == (2, 5)


# ---- documented ValueErrors --------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, [1.0, 0.0], [1.0, -1e-300]])
def test_nonpositive_sigma_raises(bad):
    with pytest.raises(ValueError, match="sigma1"):
        gaussian_kl(0.0, bad, 0.0, 1.0)
    with pytest.raises(ValueError, match="sigma2"):
        gaussian_kl(0.0, 1.0, 0.0, bad)


def test_gaussian_kl_non_broadcasting_shapes_raise():
    with pytest.raises(ValueError, match="mu1, sigma1, mu2 and sigma2"):
        gaussian_kl(np.zeros(3), 1.0, np.zeros(4), 1.0)


@pytest.mark.parametrize(
    ("bad_cov", "which"),
    [
        (np.array([[1.0, 0.5], [0.4, 1.0]]), "cov1"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "cov1"),
        (np.zeros((2, 2)), "cov1"),
        (np.ones((2, 3)), "cov1"),
        (np.array([[1.0, 0.5], [0.4, 1.0]]), "cov2"),
        (np.array([[1.0, 2.0], [2.0, 1.0]]), "cov2"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "cov2"),
    ],
)
def test_mvn_kl_bad_covariance_raises(bad_cov, which):
    good = np.eye(2)
    cov1, cov2 = (bad_cov, good) if which == "cov1" else (good, bad_cov)
    with pytest.raises(ValueError, match=which):
        mvn_kl(np.zeros(2), cov1, np.zeros(2), cov2)


@pytest.mark.parametrize(
    ("mu1", "cov1", "mu2", "cov2", "pattern"),
    [
        (np.zeros(2), np.eye(2), np.zeros(3), np.eye(3), "cov1 and cov2"),
        (np.zeros(3), np.eye(2), np.zeros(2), np.eye(2), "mu1"),
        (np.zeros(2), np.eye(2), np.zeros((2, 1)), np.eye(2), "mu2"),
    ],
)
def test_mvn_kl_shape_mismatch_raises(mu1, cov1, mu2, cov2, pattern):
    with pytest.raises(ValueError, match=pattern):
        mvn_kl(mu1, cov1, mu2, cov2)


def test_vae_kl_bad_shapes_raise():
    with pytest.raises(ValueError, match="mu and logvar"):
        vae_kl(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="mu"):
        vae_kl(0.0, np.zeros(1))
    with pytest.raises(ValueError, match="logvar"):
        vae_kl(np.zeros(1), 0.0)
