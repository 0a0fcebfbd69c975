"""Tests of the reference solutions of ps3: gaussian_log_pdf,
gaussian_log_likelihood, gaussian_mle, mvn_log_pdf.

References: scipy.stats on seeded random inputs (rtol 1e-12), mpmath at 60
significant digits (tests/_mpmath_refs.py) for far tails and for
ill-conditioned covariances.
"""

import warnings

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from solutions.ps3_gaussian import gaussian_log_likelihood, gaussian_log_pdf, gaussian_mle, mvn_log_pdf
from tests import _mpmath_refs as ref

RTOL = 1e-12
EPS = ref.EPS

BROADCAST_SHAPES = [((1000,), (), ()), ((50, 1), (1, 20), (20,)), ((7,), (7,), (7,)), ((), (3,), (2, 1))]


def random_normal_params(shapes, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 4.0, size=shapes[0])
    mu = rng.normal(0.0, 2.0, size=shapes[1])
    sigma = rng.uniform(0.05, 20.0, size=shapes[2])
    return x, mu, sigma


def logpdf_term_scale(x, mu, sigma):
    """Size of the largest term of the log density: its absolute error is
    bounded by eps times this, whatever cancellation happens between terms."""
    z = (np.asarray(x) - mu) / sigma
    return 0.5 * z * z + np.abs(np.log(sigma)) + 1.0


def spd(d, seed, cond=10.0):
    """A well-conditioned random SPD matrix (for comparisons with scipy)."""
    c, _, _ = ref.ill_conditioned_cov(d, cond, seed)
    return c


def is_float_scalar(value):
    if isinstance(value, np.ndarray):
        return value.ndim == 0 and value.dtype == np.float64
    return isinstance(value, float)


# ---- against scipy, seeded random inputs ---------------------------------------


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_gaussian_log_pdf_matches_scipy(shapes):
    x, mu, sigma = random_normal_params(shapes, seed=1)
    expected = scipy.stats.norm.logpdf(x, mu, sigma)
    got = gaussian_log_pdf(x, mu, sigma)
    assert np.shape(got) == np.shape(expected)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0)
    assert np.all(np.abs(got - expected) <= RTOL * logpdf_term_scale(x, mu, sigma))


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_gaussian_log_likelihood_matches_scipy(shapes):
    x, mu, sigma = random_normal_params(shapes, seed=2)
    terms = scipy.stats.norm.logpdf(x, mu, sigma)
    got = gaussian_log_likelihood(x, mu, sigma)
    assert is_float_scalar(got)
    assert got == pytest.approx(np.sum(terms), rel=RTOL, abs=RTOL * np.sum(np.abs(terms)))


@pytest.mark.parametrize(("n", "loc", "scale"), [(1, 0.0, 1.0), (2, 3.0, 0.1), (1000, -5.0, 7.0), (10**5, 1e3, 1e-3)])
def test_gaussian_mle_matches_scipy(n, loc, scale):
    x = np.random.default_rng(n).normal(loc, scale, size=n)
    mu_hat, sigma_hat = gaussian_mle(x)
    mu_ref, sigma_ref = scipy.stats.norm.fit(x)
    assert mu_hat == pytest.approx(mu_ref, rel=RTOL, abs=1e-300)
    assert sigma_hat == pytest.approx(sigma_ref, rel=RTOL, abs=1e-300)
    assert sigma_hat == pytest.approx(np.std(x, ddof=0), rel=RTOL, abs=1e-300)


@pytest.mark.parametrize(("d", "n"), [(1, 1), (1, 5), (3, 7), (10, 1), (40, 25)])
@pytest.mark.parametrize("batched", [True, False])
def test_mvn_log_pdf_matches_scipy(d, n, batched):
    rng = np.random.default_rng(d * 100 + n)
    cov = spd(d, seed=d, cond=30.0)
    mu = rng.normal(size=d)
    x = mu + rng.normal(size=(n, d))
    expected = scipy.stats.multivariate_normal.logpdf(x, mu, cov)
    if batched:
        got = mvn_log_pdf(x, mu, cov)
        assert got.shape == (n,)
        np.testing.assert_allclose(got, np.atleast_1d(expected), rtol=RTOL, atol=RTOL * d)
    else:
        for row, exp in zip(x, np.atleast_1d(expected)):
            got = mvn_log_pdf(row, mu, cov)
            assert is_float_scalar(got)
            assert got == pytest.approx(exp, rel=RTOL, abs=RTOL * d)


# ---- extreme inputs against mpmath ------------------------------------------------

TAILS = [(k, mu, sigma) for k in (40.0, -40.0, 1e6, -1e6, 1e150) for mu, sigma in ((0.0, 1.0), (3.0, 0.5), (-1e3, 1e-3), (2.0, 1e100))]


@pytest.mark.parametrize(("k", "mu", "sigma"), TAILS)
def test_gaussian_log_pdf_far_tails_vs_mpmath(k, mu, sigma):
    """x = mu + k sigma with k = ±40 (the pdf underflows: e^-800), ±1e6 and 1e150.
    Reference: -((x - mu)/sigma)²/2 - log sigma - log(2π)/2 in mpmath at 60
    digits, from the float64 x, mu, sigma (x is rounded, so z is not exactly k)."""
    x = mu + k * sigma
    expected = ref.to_float(ref.gaussian_log_pdf(x, mu, sigma))
    assert np.isfinite(expected)
    assert gaussian_log_pdf(x, mu, sigma) == pytest.approx(expected, rel=1e-14, abs=0)


def test_gaussian_log_pdf_tiny_and_huge_sigma_vs_mpmath():
    """sigma from 1e-300 to 1e300 and z up to 1e10; mpmath reference at 60 digits."""
    x = np.array([1e-290, 0.0, 1e300, -3e-300, 5.0])
    mu = np.array([0.0, 1e-300, -1e300, 0.0, 5.0])
    sigma = np.array([1e-300, 1e-300, 1e300, 1e-300, 1e300])
    expected = np.array([ref.to_float(ref.gaussian_log_pdf(*args)) for args in zip(x, mu, sigma)])
    np.testing.assert_allclose(gaussian_log_pdf(x, mu, sigma), expected, rtol=1e-14, atol=0)


def test_gaussian_log_likelihood_far_tails_vs_mpmath():
    """A sample 40 to 1e6 sigmas out: the likelihood underflows, the log-likelihood
    must not. Reference: mpmath fsum of the per-point log densities."""
    x = np.array([40.0, -40.0, 1e6, 123.0, -7e5])
    mu, sigma = 0.5, 1.5
    import mpmath as mp

    with mp.workdps(ref.DPS):
        expected = ref.to_float(mp.fsum(ref.gaussian_log_pdf(v, mu, sigma) for v in x))
    assert gaussian_log_likelihood(x, mu, sigma) == pytest.approx(expected, rel=1e-14)


def test_gaussian_mle_large_offset_vs_mpmath():
    """Data 1e9 + N(0, 1): E[x²] - E[x]² would lose every digit of the variance.
    Reference: mean and sqrt(mean squared deviation) in mpmath at 60 digits."""
    import mpmath as mp

    x = 1e9 + np.random.default_rng(3).normal(size=1001)
    with mp.workdps(ref.DPS):
        xs = [ref.mpf(v) for v in x]
        mean = mp.fsum(xs) / len(xs)
        std = mp.sqrt(mp.fsum((v - mean) ** 2 for v in xs) / len(xs))
    mu_hat, sigma_hat = gaussian_mle(x)
    assert mu_hat == pytest.approx(float(mean), rel=1e-15)
    assert sigma_hat == pytest.approx(float(std), rel=1e-12)


def _points(rng, mu, q, eigs, n_typical=3):
    """n_typical draws from N(mu, Q diag(eigs) Qᵀ) (Mahalanobis² ~ D) and one
    point at a random direction (Mahalanobis² ~ cond: dominated by the smallest
    eigenvalues)."""
    d = len(mu)
    typical = [mu + q @ (np.sqrt(eigs) * rng.standard_normal(d)) for _ in range(n_typical)]
    return np.array(typical + [mu + rng.standard_normal(d)])


@pytest.mark.parametrize("cond", [1e8, 1e10])
def test_mvn_log_pdf_ill_conditioned_d300_vs_mpmath_eigendecomposition(cond):
    """D = 300, cov = Q diag(eigs) Qᵀ with eigs log-spaced from 1 to 1/cond and a
    seeded orthogonal Q, rounded to float64 and symmetrised with (C + C.T) / 2.

    Reference (mpmath, 60 digits): the closed form from the known
    eigendecomposition, log det = Σ log eigs and Mahalanobis = Σ (Qᵀ(x - mu))_i² /
    eigs_i, with the D-vector Qᵀ(x - mu) projected in mpmath from the float64 Q.
    (A full mpmath Cholesky at D = 300 would take minutes; see the D = 50 test.)

    Tolerance: cond · eps relative. The float64 cov differs from Q diag(eigs) Qᵀ
    by one rounding per entry; that perturbation alone moves the density by up
    to ~cond · eps relative, so no float64 algorithm can promise more. Observed
    errors are 1e-12..1e-10 (typical points) and up to 2e-8 (far points at
    cond 1e10). inv/det-based code fails outright here: det underflows to 0
    (log det ≈ -3450) and scipy.stats.multivariate_normal rejects cond 1e10 as
    singular.
    """
    d = 300
    cov, q, eigs = ref.ill_conditioned_cov(d, cond, seed=300)
    columns = ref.orthogonal(d, 300)[1]()
    rng = np.random.default_rng(int(np.log10(cond)))
    mu = rng.normal(size=d)
    x = _points(rng, mu, q, eigs)
    expected = np.array([ref.to_float(ref.mvn_log_pdf_eig(row, mu, columns, eigs)) for row in x])
    got = mvn_log_pdf(x, mu, cov)
    assert got.shape == (len(x),)
    np.testing.assert_allclose(got, expected, rtol=cond * EPS, atol=0)
    # one point at a time gives the same numbers as the batch
    np.testing.assert_allclose([mvn_log_pdf(row, mu, cov) for row in x], got, rtol=1e-13)


def test_mvn_log_pdf_ill_conditioned_d50_vs_mpmath_cholesky():
    """D = 50, cond 1e10, built as in the D = 300 test. Reference: the density of
    the very same float64 matrix, from an mpmath Cholesky factorisation at 60
    digits (no modelling error: what is left is the solution's own error).

    Tolerance cond · eps relative: a Cholesky factorisation in float64 is exact
    for a matrix within ~eps of the input, which again moves the density by up
    to ~cond · eps relative (observed: 3e-10 typical points, 3e-8 far point)."""
    d, cond = 50, 1e10
    cov, q, eigs = ref.ill_conditioned_cov(d, cond, seed=50)
    rng = np.random.default_rng(50)
    mu = rng.normal(size=d)
    x = _points(rng, mu, q, eigs, n_typical=2)
    expected = np.array([ref.to_float(ref.mvn_log_pdf_chol(row, mu, cov)) for row in x])
    np.testing.assert_allclose(mvn_log_pdf(x, mu, cov), expected, rtol=cond * EPS, atol=0)


def test_mvn_log_pdf_well_conditioned_vs_mpmath_cholesky():
    """D = 12, cond 10: here float64 allows ~1e-14, and that is what we get."""
    d = 12
    cov, q, eigs = ref.ill_conditioned_cov(d, 10.0, seed=12)
    rng = np.random.default_rng(12)
    mu = rng.normal(size=d)
    x = _points(rng, mu, q, eigs)
    expected = np.array([ref.to_float(ref.mvn_log_pdf_chol(row, mu, cov)) for row in x])
    np.testing.assert_allclose(mvn_log_pdf(x, mu, cov), expected, rtol=1e-13, atol=0)


# ---- properties (hypothesis) -----------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    x=hnp.arrays(np.float64, st.integers(2, 30), elements=st.floats(-100, 100)),
    dmu=st.floats(-1, 1),
    log_factor=st.floats(-1, 1),
)
def test_mle_maximises_the_likelihood(x, dmu, log_factor):
    mu_hat, sigma_hat = gaussian_mle(x)
    if sigma_hat < 1e-6 * (1 + np.max(np.abs(x))):
        return  # (nearly) constant sample: the likelihood has no finite maximum
    best = gaussian_log_likelihood(x, mu_hat, sigma_hat)
    other = gaussian_log_likelihood(x, mu_hat + dmu * sigma_hat, sigma_hat * np.exp(log_factor))
    assert other <= best + 1e-9 * abs(best)


@settings(max_examples=60, deadline=None)
@given(
    d=st.integers(1, 6),
    data=st.data(),
)
def test_mvn_with_diagonal_cov_is_a_sum_of_univariate_densities(d, data):
    floats = st.floats(-50, 50)
    x = data.draw(hnp.arrays(np.float64, (3, d), elements=floats))
    mu = data.draw(hnp.arrays(np.float64, (d,), elements=floats))
    sigma = data.draw(hnp.arrays(np.float64, (d,), elements=st.floats(1e-3, 1e3)))
    expected = np.sum(gaussian_log_pdf(x, mu, sigma), axis=1)
    got = mvn_log_pdf(x, mu, np.diag(sigma**2))
    scale = np.sum(logpdf_term_scale(x, mu, sigma), axis=1)
    assert np.all(np.abs(got - expected) <= 1e-13 * scale)


# ---- no warnings, inputs untouched, lists accepted --------------------------------


def test_no_runtime_warning_on_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for k, mu, sigma in TAILS:
            gaussian_log_pdf(mu + k * sigma, mu, sigma)
            gaussian_log_likelihood([mu + k * sigma, mu], mu, sigma)
        gaussian_log_pdf([1e-290, 1e300], [0.0, -1e300], [1e-300, 1e300])
        gaussian_mle(1e9 + np.arange(5.0))
        gaussian_mle([3.0])
        for cond in (1e8, 1e10):
            cov, q, eigs = ref.ill_conditioned_cov(300, cond, seed=300)
            mu = np.zeros(300)
            mvn_log_pdf(np.ones((2, 300)), mu, cov)
            mvn_log_pdf(np.ones(300), mu, cov)


def test_inputs_not_modified():
    x, mu, sigma = random_normal_params(((6, 4), (4,), (6, 1)), seed=4)
    cov = spd(4, seed=4)
    mvn_mu = mu.copy()
    saved = [a.copy() for a in (x, mu, sigma, cov)]
    gaussian_log_pdf(x, mu, sigma)
    gaussian_log_likelihood(x, mu, sigma)
    gaussian_mle(x[:, 0])
    mvn_log_pdf(x, mvn_mu, cov)
    mvn_log_pdf(x[0], mvn_mu, cov)
    for a, b in zip((x, mu, sigma, cov), saved):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mvn_mu, mu)


def test_lists_accepted():
    assert gaussian_log_pdf([1.0, 2.0], [0.0, 0.5], [1.0, 2.0]).tolist() == gaussian_log_pdf(
        np.array([1.0, 2.0]), np.array([0.0, 0.5]), np.array([1.0, 2.0])
    ).tolist()
    assert gaussian_log_likelihood([1, 2, 3], 2, 1) == gaussian_log_likelihood(np.array([1.0, 2.0, 3.0]), 2.0, 1.0)
    assert gaussian_mle([1, 2, 3, 4]) == gaussian_mle(np.array([1.0, 2.0, 3.0, 4.0]))
    cov = [[2.0, 0.3], [0.3, 1.0]]
    assert mvn_log_pdf([[1, 2], [0, 0]], [0, 1], cov).tolist() == mvn_log_pdf(
        np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([0.0, 1.0]), np.array(cov)
    ).tolist()


# ---- return types and shapes -------------------------------------------------


def test_return_types_and_shapes():
    assert is_float_scalar(gaussian_log_pdf(1.0, 0.0, 1.0))
    assert gaussian_log_pdf(np.zeros((2, 1)), np.zeros(3), 1.0).shape == (2, 3)
    assert is_float_scalar(gaussian_log_likelihood(np.zeros((2, 3)), 0.0, 1.0))
    mle = gaussian_mle([1.0, 2.0, 4.0])
    assert isinstance(mle, tuple) and len(mle) == 2 and all(is_float_scalar(v) for v in mle)
    assert gaussian_mle([5.0]) == (5.0, 0.0)
    cov = spd(3, seed=1)
    assert is_float_scalar(mvn_log_pdf(np.zeros(3), np.zeros(3), cov))
    assert mvn_log_pdf(np.zeros((1, 3)), np.zeros(3), cov).shape == (1,)
    assert mvn_log_pdf(np.zeros((4, 3)), np.zeros(3), cov).shape == (4,)


# ---- documented ValueErrors --------------------------------------------------


@pytest.mark.parametrize("func", [gaussian_log_pdf, gaussian_log_likelihood])
@pytest.mark.parametrize("sigma", [0.0, -1.0, [1.0, 0.0], [1.0, -2.0], np.nan, [1.0, np.nan]])
def test_nonpositive_sigma_raises(func, sigma):
    with pytest.raises(ValueError, match="sigma"):
        func([0.0, 1.0], 0.0, sigma)


@pytest.mark.parametrize("func", [gaussian_log_pdf, gaussian_log_likelihood])
def test_non_broadcasting_shapes_raise(func):
    with pytest.raises(ValueError, match="x, mu and sigma"):
        func(np.zeros(3), np.zeros(4), 1.0)
    with pytest.raises(ValueError, match="x, mu and sigma"):
        func(np.zeros(3), 0.0, np.ones(2))


@pytest.mark.parametrize("x", [[], np.zeros((3, 2)), 5.0, ["a"]], ids=["empty", "2-D", "0-D", "str"])
def test_gaussian_mle_bad_sample_raises(x):
    with pytest.raises(ValueError, match="x"):
        gaussian_mle(x)


def _not_spd():
    q, _ = ref.orthogonal(4, 1)
    return (q * np.array([1.0, 0.5, 0.0, -1e-3])) @ q.T


@pytest.mark.parametrize(
    "cov",
    [
        np.array([[1.0, 0.5], [0.4, 1.0]]),  # not symmetric
        np.array([[1.0, 2.0], [2.0, 1.0]]),  # symmetric, indefinite
        np.zeros((2, 2)),  # singular
        np.array([[-1.0, 0.0], [0.0, 1.0]]),
        np.ones((2, 3)),  # not square
        np.ones(2),  # 1-D
        np.array([[1.0, np.nan], [np.nan, 1.0]]),
        np.array([[np.inf, 0.0], [0.0, 1.0]]),
    ],
    ids=["asymmetric", "indefinite", "zero", "negative", "non-square", "1-D", "nan", "inf"],
)
def test_mvn_bad_cov_raises(cov):
    with pytest.raises(ValueError, match="cov"):
        mvn_log_pdf(np.zeros(2), np.zeros(2), cov)


def test_mvn_not_positive_definite_d4_raises():
    cov = _not_spd()
    with pytest.raises(ValueError, match="cov"):
        mvn_log_pdf(np.zeros(4), np.zeros(4), (cov + cov.T) / 2)


@pytest.mark.parametrize(
    ("x", "mu", "name"),
    [
        (np.zeros(2), np.zeros(3), "mu"),
        (np.zeros(2), np.zeros((2, 1)), "mu"),
        (np.zeros(3), np.zeros(2), "x"),
        (np.zeros((4, 3)), np.zeros(2), "x"),
        (np.zeros((1, 2, 2)), np.zeros(2), "x"),
    ],
)
def test_mvn_shape_mismatch_raises(x, mu, name):
    with pytest.raises(ValueError, match=name):
        mvn_log_pdf(x, mu, np.eye(2))
