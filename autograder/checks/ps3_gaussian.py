"""Hidden checks for problem set 3: gaussian_log_pdf, gaussian_log_likelihood, gaussian_mle, mvn_log_pdf.

Probes are fixed (seeded) inputs; the wrong formulas below recreate common
mistakes so that a hint can name the one a submission made.

Tolerances: the univariate functions are sums of same-signed terms (every
probe keeps sigma >= 0.5 or the point far out, so the log density is never
near 0) and are compared at 1e-10 relative. ``mvn_log_pdf`` on the
ill-conditioned covariances (D = 100-300, condition number 1e8-1e10) is only
as accurate as float64 allows: rounding the covariance's entries alone moves
the log density by ~1e-10 relative there, and correct Cholesky-based
implementations (LAPACK's lower or upper factor, NumPy's or SciPy's,
``cho_solve``; also ``slogdet`` with ``solve``) land within 2e-9 of an exact
(fixed-point, 300-bit) computation. That check uses rtol 1e-8;
``tests/test_checks.py`` verifies the reference against the exact computation
on those very probes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.changes import scaled, shifted
from autograder.checks.check import Check
from autograder.checks.declaration import FunctionChecks, ProblemSetChecks, linked
from autograder.checks.failure import VALUE_KINDS, Failure, Hint
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_GAUSSIANS, linear_algebra_allowed
from autograder.checks.hints import (
    Rule,
    all_of,
    any_of,
    axis_out_of_bounds,
    fixed_axis_hint,
    label_has,
    matches,
    matches_any,
    none_of,
    nonfinite,
    numpy_shape_error,
    raised,
    scalar_code_hint,
    warned,
)
from autograder.checks.probe import Probe, Relation, related
from autograder.checks.ps3_gaussian_conditioning import (
    COV_C8,
    COV_C10,
    COV_O,
    COV_U,
    MU_C8,
    MU_C10,
    MU_O,
    MU_U,
    X_C8,
    X_C10,
    X_O,
    X_U,
    skip_ill_conditioned,
)
from autograder.checks.references import reference_function
from autograder.checks.relations import expanded_calls, halves_calls, joined, quadratic, reshaped, toward_center_calls
from autograder.checks.slice_form import SliceForm

PS = ProblemSetChecks("ps3_gaussian", forbidden=SCIPY_GAUSSIANS + FRAMEWORKS, allowed=linear_algebra_allowed(
    "np.linalg.cholesky", "scipy.linalg.solve_triangular", "cho_factor", "cho_solve"))
FORBIDDEN = PS.forbidden

_LOG_2PI = np.log(2.0 * np.pi)
#: log(2π) as single precision gives it (np.log of a float32 2π: a torch tensor made with ``.float()``, or a float32
#: array): 2.9e-8 below the float64 value.
_LOG_2PI_FLOAT32 = float(np.log(np.float32(2.0 * np.pi)))

_rng = np.random.default_rng(20261123)
X50 = _rng.normal(1.5, 2.0, size=50)
X12 = _rng.normal(size=12) * 3
MU12 = _rng.normal(size=12)
X_COL = _rng.normal(size=(7, 1)) * 2
MU_ROW = _rng.normal(size=5)
SIGMA_ROW = _rng.uniform(0.5, 3.0, size=5)
X2D = _rng.normal(0.5, 1.5, size=(5, 8))
SIGMA12 = _rng.uniform(0.5, 2.5, size=12)
FAR = np.array([1e6, -1e6, 3e5, -2.5e4, 7.0])
NEAR = _rng.normal(size=9)
# The -tails probes with a small sigma: mu and sigma dyadic, so mu ± δ·(x − mu) is computed as exactly as
# the student's own (x − mu) / sigma.
NARROW_MU, NARROW_SIGMA = 0.125, 2.0**-20
SAMPLE2000 = _rng.standard_normal(2000)
SAMPLE100 = _rng.normal(3.0, 2.0, size=100)
SAMPLE_INT = np.array([3, 7, 1, 4, 4, 9, 2])


def _spd(d: int, rng: np.random.Generator, cond: float = 10.0) -> np.ndarray:
    """A random symmetric positive definite (d, d) matrix with eigenvalues in [1, cond]."""
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    q = q * np.sign(np.diag(r))
    c = (q * np.linspace(1.0, cond, d)) @ q.T
    return (c + c.T) / 2


COV2 = np.array([[2.0, 0.3], [0.3, 1.0]])
# The inputs of the notebook's visible asserts (a cell never passes hidden and fails visible).
NB_COV = [[2.0, 0.5], [0.5, 1.0]]
NB_D = 300
NB_COV_TIGHT = 0.05 * np.eye(NB_D) + 0.01 * np.ones((NB_D, NB_D))  # det ≈ 1e-388 underflows
NB_COV_WIDE = 20.0 * np.eye(NB_D)  # det = 20**300 overflows
COV3 = _spd(3, _rng, cond=6.0)
MU3 = _rng.normal(size=3)
X3 = MU3 + _rng.normal(size=3)
# Draws no probe uses any more (a 5-D covariance, its mean, two batches), kept so that every later probe stays the
# same: the generator is shared, in this order.
_spd(5, _rng, cond=20.0)
_rng.normal(size=5)
_rng.normal(size=(4, 2))
XB3 = MU3 + _rng.normal(size=(10, 3))
_rng.normal(size=(6, 5))
# The draws of the conditioning cell's former D = 200 ... 300 probes, in order, so that every probe made after them
# stays the same (its probes now: ps3_gaussian_conditioning.py, from a generator of their own).
for _d, _n in ((300, None), (250, None), (200, 5), (300, 3)):
    skip_ill_conditioned(_d, _n, _rng)
_indef_q, _ = np.linalg.qr(_rng.normal(size=(3, 3)))
COV_INDEF3 = (_indef_q * np.array([2.0, 1.0, -0.5])) @ _indef_q.T
COV_INDEF3 = (COV_INDEF3 + COV_INDEF3.T) / 2
COV_NONSYM3 = COV3.copy()
COV_NONSYM3[0, 2] += 0.3


# --- wrong formulas (errstate is handled by hints.matches) -------------------
def _f(v: ArrayLike) -> np.ndarray:
    return np.asarray(v, dtype=float)


def _lpdf_variance(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s2 = _f(x), _f(mu), _f(sigma)
    return -0.5 * (x - mu) ** 2 / s2 - 0.5 * np.log(2 * np.pi * s2)


def _lpdf_no_const(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -0.5 * ((x - mu) / s) ** 2 - np.log(s)


def _lpdf_no_log_sigma(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -0.5 * ((x - mu) / s) ** 2 - 0.5 * _LOG_2PI


def _lpdf_unnormalised(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -0.5 * ((x - mu) / s) ** 2


def _lpdf_no_half(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -(((x - mu) / s) ** 2) - np.log(s) - 0.5 * _LOG_2PI


def _lpdf_direct(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    """The log density as the contract computes it, the reference's own (to tell a mistake from a sum of right
    values)."""
    return np.asarray(reference_function("gaussian_log_pdf")(x, mu, sigma))


def _lpdf_log_of_pdf(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return np.log(np.exp(-0.5 * ((x - mu) / s) ** 2) / (s * np.sqrt(2 * np.pi)))


def _lpdf_float32_constant(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -0.5 * ((x - mu) / s) ** 2 - np.log(s) - 0.5 * _LOG_2PI_FLOAT32


def _summed(lpdf: Callable[..., np.ndarray]) -> Callable[..., float]:
    return lambda x, mu, sigma: np.sum(lpdf(x, mu, sigma))


def _ll_mean(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> float:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return np.mean(-0.5 * ((x - mu) / s) ** 2 - np.log(s) - 0.5 * _LOG_2PI)


def _ll_row_average(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> float:
    """The sum divided by the length of x's first axis: an average per row (the mean, for a 1-D x)."""
    terms = _ll_elementwise(x, mu, sigma)
    return np.sum(terms) / (np.shape(terms)[0] if np.ndim(terms) else 1)


def _ll_normaliser_per_row(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> float:
    """The normalising term counted once per row of x (``N = x.shape[0]``) where each element has one: right for a
    1-D x. One sigma only (an array of sigmas has no single normaliser to count)."""
    x, mu, s = _f(x), _f(mu), _f(sigma)
    if s.ndim:
        raise ValueError("one sigma only")
    rows = x.shape[0] if x.ndim else 1
    return -0.5 * np.sum(((x - mu) / s) ** 2) - rows * (np.log(s) + 0.5 * _LOG_2PI)


def _mle_ddof1(x: ArrayLike) -> tuple[float, float]:
    x = _f(x)
    return np.mean(x), np.sqrt(np.sum((x - np.mean(x)) ** 2) / (x.size - 1))


def _mle_variance(x: ArrayLike) -> tuple[float, float]:
    x = _f(x)
    return np.mean(x), np.mean((x - np.mean(x)) ** 2)


def _mle_variance_ddof1(x: ArrayLike) -> tuple[float, float]:
    x = _f(x)
    return np.mean(x), np.sum((x - np.mean(x)) ** 2) / (x.size - 1)


#: What code that smooths a variance adds to it (naive Bayes classifiers: 1e-9 to 1e-3; 1e-6 the most common).
_VARIANCE_SMOOTHINGS = (1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3)


def _mle_variance_smoothed(smoothing: float) -> Callable[[ArrayLike], tuple[float, float]]:
    """sigma_hat as the square root of the variance plus ``smoothing``."""
    def wrong(x: ArrayLike) -> tuple[float, float]:
        x = _f(x)
        return np.mean(x), np.sqrt(np.mean((x - np.mean(x)) ** 2) + smoothing)
    return wrong


def _mle_swapped(x: ArrayLike) -> tuple[float, float]:
    x = _f(x)
    return np.std(x), np.mean(x)


def _mvn_parts(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> tuple[int, np.ndarray, float]:
    """(D, Mahalanobis term(s), log det) computed accurately, for building wrong formulas."""
    x, mu, cov = _f(x), _f(mu), _f(cov)
    L = np.linalg.cholesky(cov)
    y = np.linalg.solve(L, (x - mu).T)
    return cov.shape[0], np.sum(y * y, axis=0), 2 * np.sum(np.log(np.diag(L)))


def _mvn_no_2pi(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    d, maha, logdet = _mvn_parts(x, mu, cov)
    return -0.5 * (maha + logdet)


def _mvn_no_half_maha(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    d, maha, logdet = _mvn_parts(x, mu, cov)
    return -maha - 0.5 * (d * _LOG_2PI + logdet)


def _mvn_logdet_of_L(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    d, maha, logdet = _mvn_parts(x, mu, cov)
    return -0.5 * (d * _LOG_2PI + logdet / 2 + maha)


def _mvn_no_half_logdet(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    d, maha, logdet = _mvn_parts(x, mu, cov)
    return -0.5 * (d * _LOG_2PI + maha) - logdet


def _mvn_inv_det(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    x, mu, cov = _f(x), _f(mu), _f(cov)
    diff = x - mu
    maha = np.einsum("...i,ij,...j->...", diff, np.linalg.inv(cov), diff)
    return -0.5 * (cov.shape[0] * _LOG_2PI + np.log(np.linalg.det(cov)) + maha)


def _mvn_batch_matrix(x: ArrayLike, mu: ArrayLike, cov: ArrayLike) -> np.ndarray:
    """The Mahalanobis term as a matrix product of all rows with all rows: an (N, N) result for x of shape (N, D)."""
    x, mu, cov = _f(x), _f(mu), _f(cov)
    diff = x - mu
    maha = diff @ np.linalg.solve(cov, diff.T)
    return -0.5 * (cov.shape[0] * _LOG_2PI + np.linalg.slogdet(cov)[1] + maha)


def _ll_elementwise(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    x, mu, s = _f(x), _f(mu), _f(sigma)
    return -0.5 * ((x - mu) / s) ** 2 - np.log(s) - 0.5 * _LOG_2PI


def _ll_rows(x: ArrayLike, mu: ArrayLike, sigma: ArrayLike) -> np.ndarray:
    """The log densities summed along the last axis only: one number per row of a 2-D x."""
    return np.sum(_ll_elementwise(x, mu, sigma), axis=-1)


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
ARRAYS = scalar_code_hint(
    "The function is written for one number at a time (the error shows it: a `math` function, `float()`, or an "
    "`if` was given an array): the inputs may be lists or arrays of any shape, and NumPy's functions (and np.where) work "
    "on all their elements at once.")


def _pdf_or_sum(wrong: Callable[..., np.ndarray], rtol: float = 1e-9) -> Rule:
    """The submission made ``wrong``'s mistake, per element (log pdf) or summed (log-likelihood).

    rtol 1e-9 by default, so that the tail probes tell apart formulas that differ only by a constant.
    """
    return any_of(matches(wrong, rtol=rtol), matches(_summed(wrong), rtol=rtol))


SIGMA_IS_SD = Hint(
    "sigma is a standard deviation, and the result treats it as a variance: where the density has sigma "
    "squared, the result has sigma (and half the log of sigma where the density has its log).",
    _pdf_or_sum(_lpdf_variance),
    "sigma-as-variance",
)
NORMALISER = Hint(
    "The normalising constant is missing: the result differs from the log density by one number that depends "
    "on neither x, mu nor sigma (the 2π of the density's normaliser).",
    _pdf_or_sum(_lpdf_no_const),
    "pdf-missing-constant",
)
LOG_SIGMA = Hint(
    "The log sigma term is missing: the density is divided by sigma, so its log depends on sigma also outside "
    "the quadratic term.",
    _pdf_or_sum(_lpdf_no_log_sigma),
    "pdf-missing-log-sigma",
)
UNNORMALISED = Hint(
    "Both normalising terms of the density are missing, the one with sigma and the one with 2π: the result is only "
    "the quadratic term, so at x = mu it is 0 for every sigma, where the log density's peak depends on sigma.",
    _pdf_or_sum(_lpdf_unnormalised),
    "pdf-unnormalised",
)
HALF = Hint(
    "The quadratic term lacks its factor ½: the result falls off twice as fast as the log density away from mu.",
    _pdf_or_sum(_lpdf_no_half),
    "pdf-missing-half",
)
LOG_OF_PDF = Hint(
    "The log is taken of the density itself, which underflows to 0 far in the tails: its log is then -inf where "
    "the log density is a finite quadratic. Compute the log density directly, never the density first.",
    # (summed, only where the tails show it: on moderate inputs a sum of log(pdf) is the sum of the right log
    # densities, so it would name this mistake for a function whose only mistake is the sum)
    any_of(matches(_lpdf_log_of_pdf),
           all_of(matches(_summed(_lpdf_log_of_pdf)), none_of(matches(_summed(_lpdf_direct)))),
           all_of(nonfinite(), warned("divide by zero encountered in log"))),
    "log-of-pdf",
)
FLOAT32_CONSTANT = Hint(
    "log(2π) is computed in single precision (a float32 array, or a tensor made with .float()), which keeps 7 "
    "digits: every log density is off by about 1.5e-8. Compute the constants in float64, NumPy's default.",
    _pdf_or_sum(_lpdf_float32_constant, rtol=1e-12),  # (the constant is 3e-8 off: tighter than the others)
    "float32-constant",
)
MLE_DDOF = Hint(
    "The spread is divided by n − 1 (the unbiased estimate of the variance): the likelihood is not largest "
    "there, as the derivation's (b) finds.",
    any_of(matches(_mle_ddof1), matches(_mle_variance_ddof1), all_of(label_has("single observation"), nonfinite())),
    "mle-ddof-1",
)
MLE_VARIANCE = Hint(
    "sigma_hat comes out as a variance: the contract's sigma is always a standard deviation.",
    matches(_mle_variance),
    "mle-returns-variance",
)
MLE_SMOOTHED = Hint(
    "sigma_hat is the square root of the variance plus a small constant (a smoothing such as 1e-6, which naive "
    "Bayes classifiers add so that no variance is 0): the maximum-likelihood estimate is the square root of the "
    "variance alone, 0 for observations that are all equal.",
    matches_any(*(_mle_variance_smoothed(eps) for eps in _VARIANCE_SMOOTHINGS), atol=0),
    "mle-variance-smoothed",
)
MLE_ORDER = Hint("The pair comes in the other order: the contract returns (mu_hat, sigma_hat).", matches(_mle_swapped),
                 "mle-swapped")
MLE_TUPLE = Hint(
    "The two estimates come back as one array (or one number): return them as a pair, a tuple of two numbers.",
    lambda f: f.outcome is not None and f.outcome.value is not None and not isinstance(f.outcome.value, tuple),
    "mle-not-a-pair",
    kinds=("type", "shape"),
)
CHOLESKY = Hint(
    "np.linalg.det over- or underflows in hundreds of dimensions (a product of hundreds of eigenvalues), and an "
    "explicit inverse loses accuracy at condition number 1e10: one Cholesky factor of cov gives both the "
    "log-determinant and the Mahalanobis term accurately.",
    any_of(matches(_mvn_inv_det), all_of(nonfinite(), warned("encountered in log"))),
    "mvn-inv-det",
)
MVN_2PI = Hint(
    "The normalising constant with 2π is missing: the result differs from the log density by one number that "
    "depends only on the dimension D.",
    matches(_mvn_no_2pi),
    "mvn-missing-2pi",
)
MVN_HALF_MAHA = Hint("The Mahalanobis term lacks its factor ½.", matches(_mvn_no_half_maha), "mvn-missing-half-maha")
MVN_LOGDET_L = Hint(
    "The log-determinant is that of the Cholesky factor L, which is half the log-determinant of cov "
    "(the determinant of cov is the square of L's).",
    matches(_mvn_logdet_of_L),
    "mvn-logdet-of-factor",
)
MVN_HALF_LOGDET = Hint("The log-determinant term lacks its factor ½.", matches(_mvn_no_half_logdet),
                       "mvn-missing-half-logdet")
MVN_BATCH = Hint(
    "For x of shape (N, D) the result is an (N, N) matrix: the Mahalanobis term is one number per row, so the "
    "quadratic form is taken row by row, not as one matrix product of all rows with all rows.",
    matches(_mvn_batch_matrix),
    "mvn-batch-matrix",
)


def _points_as_rows(f: Failure) -> bool:
    """The failing call handed in x as a 2-D array of points (rows)."""
    return f.probe is not None and bool(f.probe.args) and np.ndim(f.probe.args[0]) == 2


MVN_ONE_POINT = Hint(
    "The code is written for one point x of shape (D,): given points as the rows of an (N, D) array, a product or "
    "solve took that whole array where it expects one point, and the library raised a shape error. Each row of x is a "
    "point with a log density of its own: write every step so that it works on all rows at once, keeping D as the "
    "last axis, and the result has shape (N,).",
    # (SciPy's triangular and Cholesky solves say "shapes of a (2, 2) and b (1, 2) are incompatible")
    all_of(any_of(numpy_shape_error(), raised("ValueError", "are incompatible")), _points_as_rows),
    "mvn-one-point-only",
    kinds=("raised",),
)
SPD = Hint(
    "A `cov` that is not symmetric positive definite was accepted: a Cholesky factorisation (NumPy's or SciPy's) "
    "reads only one triangle, so a matrix that is not symmetric passes it unnoticed. Check symmetry before "
    "factorising, and "
    "raise ValueError naming `cov` when either test fails.",
    label_has("not symmetric"),
    "cov-unchecked",
    kinds=("no-raise",),
)
#: (a symmetric cov with an eigenvalue <= 0: a factorisation that gives nan, or a formula through the determinant's
#: absolute value, accepts it; the hint above would blame symmetry, which this input has)
NOT_POSITIVE_DEFINITE = Hint(
    "A symmetric `cov` that is not positive definite (an eigenvalue of 0 or below) was accepted: no Gaussian has "
    "that covariance. A factorisation that refuses it (np.linalg.cholesky raises LinAlgError, a ValueError) is the "
    "test; one that gives nan or a number instead must be checked, and `cov` named in the ValueError.",
    any_of(label_has("indefinite"), label_has("negative")),
    "cov-not-positive-definite-accepted",
    kinds=("no-raise",),
)

LL_MEAN = Hint("The log densities are averaged (over all elements, or their sum divided by the number of rows): the "
               "log-likelihood of independent observations is their sum.",
               any_of(matches(_ll_mean, rtol=1e-9), matches(_ll_row_average, rtol=1e-9)), "ll-mean")
LL_NORMALISER_ROWS = Hint(
    "The normalising term (log sigma and ½ log 2π) is counted once per row of x, as many times as x has rows: every element "
    "is an observation with a normaliser of its own, so for a 2-D x (or a mu that broadcasts x to more elements) "
    "it is counted once per element.",
    matches(_ll_normaliser_per_row, rtol=1e-9), "ll-normaliser-per-row")
LL_AXIS = Hint(
    "The sum runs along one axis (as over a batch of rows), which a 1-D x does not have or which leaves one number "
    "per row: the log-likelihood is one number, the sum over all elements whatever x's shape (a sum with no axis).",
    any_of(axis_out_of_bounds(), matches(_ll_rows, rtol=1e-9)),
    "ll-one-axis",
    kinds=(*VALUE_KINDS, "no-result"),
)
LL_SHAPE = Hint("The result is one log density per element: the log-likelihood is one number, their sum.",
                matches(_ll_elementwise), "ll-not-summed")

# Every check of a function offers all of its hints: each rule matches one signature only.
# The univariate rules compare at rtol 1e-9: far in the tails (values ~1e6) the formulas
# that drop different constants are within 1e-6 of each other.
PDF_FIXED_AXIS = fixed_axis_hint(
    "The result is reduced over a fixed axis (a sum or mean with axis=1, or torch's dim=1, as a policy's log "
    "density over a batch of actions has it) that this input does not have: gaussian_log_pdf is elementwise, one "
    "log density for each element of the broadcast x, mu and sigma, with nothing summed.",
    "pdf-reduced-over-fixed-axis")
_UNIVARIATE = (SIGMA_IS_SD, NORMALISER, LOG_SIGMA, UNNORMALISED, HALF, ARRAYS)
PDF_HINTS = (LOG_OF_PDF,) + _UNIVARIATE + (FLOAT32_CONSTANT, PDF_FIXED_AXIS)
LL_HINTS = (LL_SHAPE, LL_AXIS, LOG_OF_PDF, LL_MEAN, LL_NORMALISER_ROWS) + _UNIVARIATE + (FLOAT32_CONSTANT,)
MLE_HINTS = (MLE_DDOF, MLE_VARIANCE, MLE_SMOOTHED, MLE_ORDER, MLE_TUPLE)
MVN_HINTS = (CHOLESKY, MVN_2PI, MVN_HALF_MAHA, MVN_LOGDET_L, MVN_HALF_LOGDET, MVN_BATCH, MVN_ONE_POINT)

# --- relations: how -broadcast, -tails and -batch judge a function against itself -------------
# Tolerances: the broadcast and batch relations compare a call with the same numbers computed another
# way (expanded, row by row): the checks' 1e-10. The tails relation extrapolates a quadratic from three
# moderate calls: its rounding grows like the result does (relations.quadratic), and on top of that
# slack the relation allows 1e-9 relative, ten times the basic cells' 1e-10 (three calls, each within it).
PDF_BROADCAST = Relation("broadcasting", "gaussian_log_pdf(x, mu, sigma) = gaussian_log_pdf of the three arguments "
                         "expanded to their broadcast shape as equal-length 1-D arrays, put back in that shape")
PDF_QUADRATIC = Relation("a quadratic in x", "for fixed mu and sigma the log density is a quadratic polynomial in x: "
                         "its values far out follow from its values at mu and at mu ± δ(x - mu) near the centre",
                         rtol=1e-9, shape_free=True)
LL_QUADRATIC = Relation("a quadratic in the spread", "gaussian_log_likelihood(mu + t(x - mu), mu, sigma) is a "
                        "quadratic polynomial in t: its value at t = 1 follows from its values at t = 0, ±δ",
                        rtol=1e-9, shape_free=True)
MVN_ROWS = Relation("row by row", "mvn_log_pdf(x, mu, cov) for x of shape (N, D) = the results for its first k "
                    "rows and for the other N - k, one after the other")

#: Why the conditioning cell compares with the reference (written in docs/grading.md).
CONDITIONING_WHY = (
    "Accuracy at condition number 1e10 is a property of the value itself. Every exact relation (scaling by a "
    "power of 2, permuting coordinates, translating x and mu) maps the problem to one just as ill-conditioned, "
    "on which an inaccurate method (inv, det) is inaccurate in the same way; relating it to a well-conditioned "
    "problem (rotating to the eigenbasis) holds only up to cond·eps ≈ 1e-6, the very error to detect.")


def _broadcast(label: str, x: ArrayLike, mu: ArrayLike, sigma: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``gaussian_log_pdf(x, mu, sigma)`` judged against the call on the expanded, flattened arguments."""
    shape = np.broadcast_shapes(np.shape(x), np.shape(mu), np.shape(sigma))
    return related(label, (x, mu, sigma), relation=PDF_BROADCAST.at(reshaped(shape)),
                   calls=expanded_calls(label, (x, mu, sigma)), public=public)


def _far(relation: Relation, label: str, x: ArrayLike, mu: ArrayLike, sigma: ArrayLike,
         public: bool = False) -> tuple[Probe, ...]:
    """``f(x, mu, sigma)`` far in the tails, judged by quadratic extrapolation from points pulled towards mu."""
    calls, delta, slack = toward_center_calls(label, x, mu, sigma, public, total=relation is LL_QUADRATIC)
    return related(label, (x, mu, sigma), relation=relation.at(quadratic(1.0, delta, slack)), calls=calls,
                   public=public)


def _rows(label: str, x: ArrayLike, mu: ArrayLike, cov: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``mvn_log_pdf`` of N points judged against its two halves as batches (a batch's shape is the reference's)."""
    calls, n, k = halves_calls(label, (np.asarray(x, dtype=float), mu, cov), (0,))
    return related(label, (x, mu, cov), relation=MVN_ROWS.at(joined(n, k)), calls=calls, public=public)


# --- probes shared by the log pdf and the log-likelihood (each declared once) ---------
POINTS_50 = Probe("50 points with scalar mu and sigma=2", (X50, 1.5, 2.0))
FAR_TAIL = ("points up to 1e6 standard deviations from the mean", FAR, 0.0, 1.0)
NARROW = ("sigma ≈ 1e-6 with x - mu of order 1", NEAR, NARROW_MU, NARROW_SIGMA)
MLE_1234 = Probe("x=[1.0, 2.0, 3.0, 4.0] (an array)", (np.array([1.0, 2.0, 3.0, 4.0]),), public=True)
#: The -purity cells' visible example: arrays (a twin probe passes the same numbers as lists).
PURE_PDF_LISTS = ([0.5, -1.0, 2.0], [0.0, 0.5, 1.0], 2.0)
PURE_PDF = Probe("the arrays x=[0.5, -1.0, 2.0], mu=[0.0, 0.5, 1.0] with sigma=2.0",
                 (np.array(PURE_PDF_LISTS[0]), np.array(PURE_PDF_LISTS[1]), 2.0), public=True)
PURE_MVN_X, PURE_MVN_MU = [[0.0, 0.0], [1.0, -1.0]], [0.5, 0.0]

# --- -basic probes a -shape cell asks again, for the container alone (each declared once) ---
LL_VISIBLE = (
    Probe("x=[0.0, 1.0, 2.0], mu=0.0, sigma=1.0", ([0.0, 1.0, 2.0], 0.0, 1.0), public=True),
    Probe("x=[[0.0, 1.0], [2.0, 3.0]], mu=[0.0, 1.0], sigma=2.0", ([[0.0, 1.0], [2.0, 3.0]], [0.0, 1.0], 2.0),
          public=True),
)
POINTS_12 = Probe("12 points, each with its own mu and sigma", (X12, MU12, SIGMA12))
LL_BROADCAST = (
    Probe("a (5, 8) array of points", (X2D, 0.5, 1.5)),
    POINTS_12,
    Probe("x of shape (7, 1) with mu of shape (5,) (sum over all 35 pairs)", (X_COL, MU_ROW, 1.3)),
)
MLE_SAMPLES = (
    Probe("x=[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] (an array)",
          (np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]),), public=True),
    MLE_1234,
    Probe("100 draws from a normal distribution", (SAMPLE100,)),
    Probe("two observations", (np.array([1.0, 4.0]),)),
)

# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------
# (the univariate functions' advice names no linear algebra: they need none)
# (changes: the function's own work, asked in every cell but -basic's values and -purity: autograder/checks/changes.py)
# (the parameters mu, sigma and cov are the value cells' business: x is what every cell needs the function to read)
PDF_CHANGES = (shifted(0, "x", 0.01),)
GAUSSIAN_LOG_PDF = PS.function("gaussian_log_pdf", hints=PDF_HINTS, allowed="NumPy (np.log, np.pi)",
                               changes=PDF_CHANGES,
                               points={"basic": 3, "broadcast": 2, "tails": 3, "purity": 1}, minutes=20,
                               demo="0.5, 0.0, 1.0",
                               contract=("element-wise log N(x; mu, sigma²) with broadcasting: −½((x − mu)/sigma)² − "
                                         "log sigma − ½ log 2π. Accurate in the far tails (never the log of an "
                                         "underflowed density)."))
GAUSSIAN_LOG_LIKELIHOOD = PS.function("gaussian_log_likelihood", hints=LL_HINTS, allowed="NumPy (np.log, np.sum)",
                                      slice_form=SliceForm(arrays=3, total=True, broadcast=True), changes=PDF_CHANGES,
                                      points={"basic": 2, "shape": 1, "tails": 2, "purity": 1}, minutes=10,
                                      demo="np.array([0.5, 1.0]), 0.0, 1.0",
                                      contract=("the sum over all elements of `gaussian_log_pdf(x, mu, sigma)`, as a "
                                                "float."))
GAUSSIAN_MLE = PS.function("gaussian_mle", hints=MLE_HINTS, returns=("mu_hat", "sigma_hat"),
                           allowed="NumPy (np.mean, np.sqrt)", changes=(scaled(0, "x"),),
                           points={"basic": 3, "shape": 1, "purity": 1}, minutes=15, demo="np.array([0.5, 1.0, 2.0])",
                           contract=("the maximum-likelihood `(mu_hat, sigma_hat)` of a 1-D sample: the mean, and the "
                                     "square root of the mean squared deviation (ddof = 0)."))
# (one log density per row of an (N, D) x: its stack judged in -batch and -shape, -basic being one point; code
# written for one point keeps the other cells it passes with the rows handed over one at a time)
MVN_LOG_PDF = PS.function("mvn_log_pdf", hints=MVN_HINTS, slice_form=SliceForm(arrays=1, cells=("batch", "shape")),
                          changes=(shifted(0, "x", 0.01),),
                          points={"basic": 3, "batch": 2, "shape": 1, "conditioning": 4, "errors": 1, "purity": 1},
                          minutes=75, demo="np.array([0.5, 1.0]), np.zeros(2), np.eye(2)",
                          contract=("the log density of N(mu, cov). `x` of shape (D,) gives a float; (N, D) gives "
                                    "shape (N,). Accurate for D in the hundreds and condition numbers up to 1e10: "
                                    "work with a Cholesky factor, not `inv`/`det`. A `cov` that is not symmetric "
                                    "positive definite raises `ValueError`."))


def _pdf_purity(function: FunctionChecks, own: Probe) -> Check:
    """The purity cell of gaussian_log_pdf and gaussian_log_likelihood: their shared probes and ``own``, third."""
    return function.purity(inputs="inputs", probes=(
        PURE_PDF,
        Probe("the same numbers as lists", PURE_PDF_LISTS, public=True, twin=0),
        own,
        Probe("a (5, 8) array of points with scalar mu and sigma", (X2D, 0.5, 1.5)),
    ))


CHECKS = linked((
    # --------------------------------------------------------- gaussian_log_pdf
    GAUSSIAN_LOG_PDF.check(
        "basic",
        summary="log N(x; mu, sigma²) for scalars and 1-D arrays, with sigma a standard deviation.",
        probes=(
            Probe("x=0.0, mu=0.0, sigma=1.0", (0.0, 0.0, 1.0), public=True),
            Probe("x=1.0, mu=0.0, sigma=2.0", (1.0, 0.0, 2.0), public=True),
            Probe("x=[0.0, 1.0, 2.0] (an array), mu=0.0, sigma=1.0", (np.array([0.0, 1.0, 2.0]), 0.0, 1.0), public=True),
            Probe("a scalar x with sigma=0.6", (-0.4, 0.35, 0.6)),
            POINTS_50,
            Probe("12 points with 12 means and scalar sigma=0.7", (X12, MU12, 0.7)),
            Probe("x given as a Python list", ([0.5, -1.0, 2.0], 0.3, 1.5)),
        ),
    ),
    GAUSSIAN_LOG_PDF.check(
        "broadcast",
        summary="x, mu and sigma broadcast together ((N,) with scalars, (N, 1) against (M,), arrays of sigma): the "
                "result equals the call on the three arguments expanded to their common shape.",
        probes=(
            *_broadcast("x=[[0.0], [1.0], [2.0]], mu=[0.0, 1.0], sigma=[1.0, 2.0]",
                        [[0.0], [1.0], [2.0]], [0.0, 1.0], [1.0, 2.0], public=True),
            *_broadcast("x=0.5, mu=0.0, sigma=2.0", 0.5, 0.0, 2.0, public=True),
            *_broadcast("x of shape (7, 1) with mu of shape (5,)", X_COL, MU_ROW, 1.3),
            *_broadcast("x of shape (7, 1) with sigma of shape (5,)", X_COL, 0.0, SIGMA_ROW),
            *_broadcast("x (7, 1), mu (5,) and sigma (5,)", X_COL, MU_ROW, SIGMA_ROW),
            *_broadcast("a scalar x with arrays mu (12,) and sigma (12,)", 0.4, MU12, SIGMA12),
        ),
        shapes=True,
    ),
    GAUSSIAN_LOG_PDF.check(
        "tails",
        summary="finite and warning-free up to 1e6 standard deviations from the mean, and there still the quadratic "
                "in x it is near the mean (no log of an underflowed density).",
        probes=(
            *_far(PDF_QUADRATIC, "x=40.0, mu=0.0, sigma=1.0", 40.0, 0.0, 1.0, public=True),
            *_far(PDF_QUADRATIC, "x=-1000.0, mu=0.0, sigma=0.5", -1e3, 0.0, 0.5, public=True),
            *_far(PDF_QUADRATIC, *FAR_TAIL),
            *_far(PDF_QUADRATIC, *NARROW),
        ),
        no_warnings=True,
        finite=True,
    ),
    _pdf_purity(GAUSSIAN_LOG_PDF,
                Probe("x of shape (7, 1) with mu and sigma of shape (5,)", (X_COL, MU_ROW, SIGMA_ROW))),
    # -------------------------------------------------- gaussian_log_likelihood
    GAUSSIAN_LOG_LIKELIHOOD.check(
        "basic",
        summary="the sum of log N(x_i; mu, sigma²) over all elements, a float.",
        probes=(*LL_VISIBLE, POINTS_50, *LL_BROADCAST),
    ),
    GAUSSIAN_LOG_LIKELIHOOD.shape(
        summary="returns one number, the sum over all elements (a float or a 0-d array), whatever the shapes of x, "
                "mu and sigma (values are not judged).",
        probes=(*LL_VISIBLE, *LL_BROADCAST),
    ),
    GAUSSIAN_LOG_LIKELIHOOD.check(
        "tails",
        summary="finite and warning-free for 2000 observations and for points far in the tails, and there still "
                "the quadratic in the points' spread it is near the mean (no log of a product of densities).",
        probes=(
            *_far(LL_QUADRATIC, "x=[0.0, 40.0], mu=0.0, sigma=1.0", np.array([0.0, 40.0]), 0.0, 1.0, public=True),
            *_far(LL_QUADRATIC, "2000 standard-normal observations (the likelihood itself underflows)", SAMPLE2000,
                  0.0, 1.0),
            *_far(LL_QUADRATIC, *FAR_TAIL),
            *_far(LL_QUADRATIC, *NARROW),
        ),
        no_warnings=True,
        finite=True,
    ),
    _pdf_purity(GAUSSIAN_LOG_LIKELIHOOD, POINTS_12),
    # ------------------------------------------------------------- gaussian_mle
    GAUSSIAN_MLE.check(
        "basic",
        summary="(mu_hat, sigma_hat): the maximum-likelihood estimates of the mean and the standard deviation.",
        probes=(
            *MLE_SAMPLES,
            Probe("a sample of integers", (SAMPLE_INT,)),
            Probe("a single observation", (np.array([3.5]),)),
            # an ordinary sample whose scale is small: no threshold on the spread belongs in an MLE (pybasicbayes
            # calls a sample whose sum of squares is below 1e-6 degenerate and returns a placeholder)
            Probe("a sample of small spread (entries of order 1e-4)", (np.array([1.2e-4, -0.7e-4, 3.1e-4, 0.4e-4]),)),
        ),
    ),
    GAUSSIAN_MLE.shape(
        summary="returns a tuple of two numbers, (mu_hat, sigma_hat), each a float or a 0-d array (values are not "
                "judged).",
        probes=MLE_SAMPLES,
    ),
    GAUSSIAN_MLE.purity(
        probes=(
            MLE_1234,
            Probe("x=[1.0, 2.0, 3.0, 4.0] (a list)", ([1.0, 2.0, 3.0, 4.0],), public=True, twin=0),
            Probe("a float array of 100 draws", (SAMPLE100,)),
            Probe("a float array of 20 draws", (SAMPLE100[:20].copy(),)),
            Probe("the same 20 draws as a Python list of floats", (list(SAMPLE100[:20]),), twin=3),
            Probe("an integer array", (np.array([3, 7, 1, 4, 4, 9, 2]),)),
            Probe("the same integers as a Python list", ([3, 7, 1, 4, 4, 9, 2],), twin=5),
        ),
    ),
    # -------------------------------------------------------------- mvn_log_pdf
    MVN_LOG_PDF.check(
        "basic",
        summary="log N(x; mu, cov) of one point x of shape (D,), a float, for D = 2 and 3.",
        probes=(
            Probe("x=[0.0, 0.0], mu=[0.0, 0.0], cov=np.eye(2)", ([0.0, 0.0], [0.0, 0.0], np.eye(2)), public=True),
            Probe("x=[1.0, -1.0], mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]", ([1.0, -1.0], [0.0, 0.0], NB_COV),
                  public=True),
            Probe("x=[1.0], mu=[0.0], cov=[[4.0]]", ([1.0], [0.0], [[4.0]]), public=True),
            Probe("a 2-D point with a correlated covariance", (np.array([1.0, 2.0]), np.array([0.0, 0.0]), COV2)),
            Probe("a 3-D point with a correlated covariance", (X3, MU3, COV3)),
            Probe("a 2-D point given as lists", ([0.5, -1.5], [1.0, 0.0], [[1.5, -0.4], [-0.4, 0.8]])),
            Probe("a 3-D point with a diagonal covariance", (X3, MU3, np.diag([0.5, 2.0, 4.0]))),
        ),
    ),
    MVN_LOG_PDF.check(
        "batch",
        summary="x of shape (N, D) gives the N log densities, shape (N,): each the call on that one point.",
        probes=(
            *_rows("x=[[0.0, 0.0], [1.0, -1.0], [1.0, 1.0]], mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]",
                   [[0.0, 0.0], [1.0, -1.0], [1.0, 1.0]], [0.0, 0.0], NB_COV, public=True),
            *_rows("x=[[1.0, 2.0], [0.0, 0.0]], mu=[1.0, 2.0], cov=np.diag([4.0, 9.0])",
                   [[1.0, 2.0], [0.0, 0.0]], [1.0, 2.0], np.diag([4.0, 9.0]), public=True),
            *_rows("10 points in 3-D", XB3, MU3, COV3),
            *_rows("one point in 3-D as a (1, 3) array (the result has shape (1,))", XB3[:1], MU3, COV3),
        ),
        shapes=True,
    ),
    MVN_LOG_PDF.shape(
        summary="a point x of shape (D,) gives one number (a float or a 0-d array); points of shape (N, D) give "
                "shape (N,), (1,) for a single row (values are not judged).",
        probes=(
            Probe("x=[0.0, 0.0], mu=[0.0, 0.0], cov=np.eye(2)", ([0.0, 0.0], [0.0, 0.0], np.eye(2)), public=True),
            Probe("x=[[0.0, 0.0], [1.0, -1.0], [1.0, 1.0]], mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]",
                  ([[0.0, 0.0], [1.0, -1.0], [1.0, 1.0]], [0.0, 0.0], NB_COV), public=True),
            Probe("x=[1.0], mu=[0.0], cov=[[4.0]]", ([1.0], [0.0], [[4.0]]), public=True),
            Probe("x=[[0.5, -0.5]] (one point as a (1, 2) row), mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]",
                  ([[0.5, -0.5]], [0.0, 0.0], NB_COV), public=True),
            Probe("a 3-D point with a correlated covariance", (X3, MU3, COV3)),
            Probe("10 points in 3-D", (XB3, MU3, COV3)),
            Probe("one point in 3-D as a (1, 3) array", (XB3[:1], MU3, COV3)),
        ),
    ),
    MVN_LOG_PDF.check(
        "conditioning",
        summary="accurate (1e-8 relative) and warning-free for D = 100-300 and condition numbers 1e8-1e10.",
        probes=(
            # The notebook's 300-D examples: public, but not echoed (their repr would be 300 numbers long).
            Probe("the notebook's example x=ones(300), mu=zeros(300), cov=0.05 I + 0.01 (det underflows)",
                  (np.ones(NB_D), np.zeros(NB_D), NB_COV_TIGHT)),
            Probe("the notebook's example x=ones(300), mu=zeros(300), cov=20 I (det overflows)",
                  (np.ones(NB_D), np.zeros(NB_D), NB_COV_WIDE)),
            Probe("x=[1.0, 1e-5], mu=[0.0, 0.0], cov=np.diag([1.0, 1e-10])",
                  ([1.0, 1e-5], [0.0, 0.0], np.diag([1.0, 1e-10])), public=True),
            Probe("D=100, condition number 1e10, eigenvalues 1e-8 to 1e2 (det underflows)", (X_U, MU_U, COV_U)),
            Probe("D=100, condition number 1e10, eigenvalues 1e-2 to 1e8 (det overflows)", (X_O, MU_O, COV_O)),
            # one point each: accuracy is this cell's aspect, and the batch's shape is the -batch cell's (a
            # result of shape (N, N) for N points is charged there, not again here)
            Probe("a point, D=100, condition number 1e8", (X_C8, MU_C8, COV_C8)),
            Probe("a point, D=100, condition number 1e10", (X_C10, MU_C10, COV_C10)),
        ),
        rtol=1e-8,
        no_warnings=True,
        why_reference=CONDITIONING_WHY,
    ),
    MVN_LOG_PDF.check(
        "errors",
        summary="a covariance that is not symmetric positive definite raises ValueError (and a valid one gives a "
                "log density).",
        probes=(
            Probe("x=[1.0, -1.0], mu=[0.0, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]] (valid)",
                  (np.array([1.0, -1.0]), np.zeros(2), NB_COV), expect="call", public=True),
            Probe("a 3-D point with a correlated covariance (valid)", (X3, MU3, COV3), expect="call"),
            Probe("cov=[[1.0, 2.0], [2.0, 1.0]] (symmetric, indefinite)",
                  ([0.0, 0.0], [0.0, 0.0], [[1.0, 2.0], [2.0, 1.0]]), expect="raises", public=True),
            Probe("cov=[[2.0, 1.0], [0.0, 2.0]] (not symmetric)",
                  ([0.0, 0.0], [0.0, 0.0], [[2.0, 1.0], [0.0, 2.0]]), expect="raises", public=True),
            Probe("a 2-D cov that is not symmetric", (np.zeros(2), np.zeros(2), np.array([[2.0, 0.5], [0.1, 1.0]])),
                  expect="raises"),
            Probe("cov = -I in 3-D (negative definite)", (X3, MU3, -np.eye(3)), expect="raises"),
            Probe("a symmetric 3-D cov with one negative eigenvalue", (X3, MU3, COV_INDEF3), expect="raises"),
            Probe("a 3-D cov whose lower triangle is positive definite but which is not symmetric",
                  (X3, MU3, COV_NONSYM3), expect="raises"),
        ),
        hints=(SPD, NOT_POSITIVE_DEFINITE),
    ),
    MVN_LOG_PDF.purity(
        inputs="inputs",
        lists="nested lists",
        probes=(
            Probe("the arrays x=[[0.0, 0.0], [1.0, -1.0]], mu=[0.5, 0.0], cov=[[2.0, 0.5], [0.5, 1.0]]",
                  (np.array(PURE_MVN_X), np.array(PURE_MVN_MU), np.array(NB_COV)), public=True),
            Probe("the same numbers as nested lists", (PURE_MVN_X, PURE_MVN_MU, [[2.0, 0.5], [0.5, 1.0]]),
                  public=True, twin=0),
            Probe("10 points in 3-D", (XB3, MU3, COV3)),
            Probe("a single 3-D point", (X3, MU3, COV3)),
        ),
    ),
))
