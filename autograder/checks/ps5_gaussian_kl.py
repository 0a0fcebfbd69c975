"""Hidden checks for problem set 5: gaussian_kl, mvn_kl, vae_kl.

Probes are fixed (seeded) inputs; the wrong formulas below recreate common
mistakes so that a hint can name the one a submission made.

Tolerances. Values are compared at 1e-10 relative unless a probe says
otherwise, with three honest exceptions, each measured:

* ``gaussian_kl`` on nearly equal standard deviations (ratio 1 ± 1e-5 …
  1e-3, equal means): the contract's own formula, evaluated as written, adds
  terms of size ½ that cancel down to a KL of 1e-10, so it keeps only about 6
  of 16 digits there (measured relative error up to 1e-6). That probe asks
  for 1e-4 relative: enough to tell a factor-of-4 mistake (σ used as a
  variance) or a missing −½ from the truth, not more than float64 gives the
  formula the course teaches.
* ``gaussian_kl-properties``: the contract states no exact value for equal
  arguments and no exact sign, so both are judged up to rounding, 1e-14
  absolute (:data:`ROUNDING_ATOL`): the boxed formula gives exactly 0 there,
  but a correct formula evaluated in another order does not (OpenAI's
  ``normal_kl``, from log-variances, leaves ±1.1e-16 for equal arguments and
  -1.1e-16 where the KL is 0 on the grid). docs/contract.md, "Exact, or up to
  rounding".
* ``mvn_kl`` with ``basic`` inputs allows an absolute 1e-12, because a
  Cholesky-based KL(P ‖ P) of a 2×2 or 3×3 matrix is 0 only to rounding.
* ``mvn_kl-highdim`` probes with condition numbers 1e8 … 1e10 (D = 100,
  covariances ``Q diag(eigs) Qᵀ`` with a seeded orthogonal Q, symmetrised
  by ``(C + C.T) / 2``): correct implementations differ from the reference by
  up to 2e-8 relative at such condition numbers (measured at D = 200 … 300:
  Cholesky with triangular solves 2e-9, ``cho_solve`` 9e-9,
  ``np.linalg.solve`` + ``slogdet`` 1e-8, ``eigh`` 2e-8), because the data of
  the problem are only known to rounding, and KL's sensitivity to them grows
  with the condition number. Those probes ask for 1e-6 relative (each wrong
  formula of the bug zoo is off by 1e-2 or more on at least one of them). The
  notebook's visible D = 200 examples are well-conditioned and are held to
  1e-9. ``tests/test_checks_ps45.py`` checks the reference on these probes
  against an independent closed form from the known eigendecompositions,
  evaluated with mpmath, and every correct implementation of the zoo within a
  tenth of the tolerance.

What catches ``inv``/``det`` is not their rounding but their range: every
high-dimension probe has a determinant that overflows or underflows float64
(a product of D eigenvalues: det(cov2) is 1e693 in the first hidden probe and
1e-891 in the second, so that even its square root, the product of a Cholesky
factor's diagonal, is out of range; det(cov1) of the visible D = 200 example
is 1e-600), so ``np.log(np.linalg.det(…))`` is ±inf and the KL is nan or inf.
(``inv`` together with ``slogdet`` stays within 2e-8 at condition 1e10 and
passes: the contract says to prefer Cholesky, the grade checks accuracy.)
The hidden probes were D = 200 … 300 with eigenvalues spread evenly over the
same ranges; D = 100 with most eigenvalues near one end of the range gives
the same properties, and the same verdicts on every implementation the
project holds (issue 85: the zoo, every rewrite of its ``mvn_kl``
specimens, the corpus's fixtures, the independent versions and their hand
copies, ``python -m testkit.probe_verdicts``), for about a fifth of the bytes
and a tenth of the work a notebook.

Forbidden: torch / jax / tensorflow (``torch.distributions.kl_divergence`` and
its kin are the very functions asked for); ``scipy.stats.multivariate_normal``
and ``scipy.stats.norm`` (their ``logpdf`` / ``entropy`` hand over the
Mahalanobis term and the log-determinants that ``mvn_kl`` and ``gaussian_kl``
are made of, via SciPy's own decomposition). ``np.linalg`` and
``scipy.linalg`` (``cholesky``, ``solve_triangular``, ``cho_factor``,
``cho_solve``, ``slogdet``) are the building blocks and stay allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.changes import scaled, shifted
from autograder.checks.declaration import ProblemSetChecks, linked
from autograder.checks.failure import Failure, Hint
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_GAUSSIANS, linear_algebra_allowed
from autograder.checks.hints import (
    all_of,
    any_of,
    axis_out_of_bounds,
    label_has,
    matches_any,
    matches_where_it_returned,
    nonfinite,
    scalar_code_hint,
    warned,
)
from autograder.checks.probe import Probe, Relation, Within, related, twinned
from autograder.checks.ps5_gaussian_kl_highdim import (
    HD_BASES,
    HD_COND8,
    HD_COND10,
    HD_D,
    HD_ROTATED,
    HD_SAME_COV,
    covariance,
)
from autograder.checks.relations import (
    EPS,
    Call,
    expanded_calls,
    halves_calls,
    joined,
    reshaped,
    rows_call,
    same,
    unrows,
)
from autograder.checks.slice_form import SliceForm

PS = ProblemSetChecks("ps5_gaussian_kl", forbidden=FRAMEWORKS + SCIPY_GAUSSIANS, allowed=linear_algebra_allowed(
    "np.linalg.cholesky", "slogdet", "scipy.linalg.solve_triangular", "cho_solve"))
FORBIDDEN = PS.forbidden

#: rtol of the ill-conditioned mvn_kl probes (see the module docstring).
HIGHDIM_RTOL = 1e-6
#: rtol of the nearly-equal-sigma gaussian_kl probe (see the module docstring).
NEAR_EQUAL_RTOL = 1e-4

_rng = np.random.default_rng(20261125)

# --- gaussian_kl ---------------------------------------------------------------
GK_MU1 = _rng.normal(size=10)
GK_SIG1 = _rng.uniform(0.2, 3.0, size=10)
GK_MU2 = _rng.normal(size=10) * 2
GK_SIG2 = _rng.uniform(0.2, 3.0, size=10)
GK_GRID_MU = np.linspace(-3, 3, 7)[:, None, None]
GK_GRID_S1 = np.array([0.1, 0.5, 1.0, 2.0, 10.0])[None, :, None]
GK_GRID_S2 = np.array([0.1, 0.5, 1.0, 2.0, 10.0])[None, None, :]
GK_NEAR_S2 = np.array([0.3, 1.0, 2.7, 0.05, 7.5, 1.0, 0.6, 4.0])
GK_NEAR_S1 = GK_NEAR_S2 * np.array([1 + 1e-3, 1 - 1e-3, 1 + 1e-4, 1 - 1e-4, 1 + 1e-5, 1 - 1e-5, 1 + 3e-5, 1 - 3e-4])
GK_NEAR_MU = _rng.normal(size=8)
#: The -purity cells' visible examples, as lists (their array twins are made from them).
GK_PURE = ([0.0, 1.0], 1.0, [0.5, -0.5], 2.0)
VAE_PURE = ([[0.0, 1.0, -1.0], [0.5, 0.5, 0.0]], [[0.0, -1.0, 1.0], [0.2, 0.0, -0.5]])

# --- mvn_kl ----------------------------------------------------------------------
def _orthogonal(d: int) -> np.ndarray:
    q, r = np.linalg.qr(_rng.normal(size=(d, d)))
    return q * np.sign(np.diag(r))


def _random_spd(d: int, cond: float) -> np.ndarray:
    return covariance(_orthogonal(d), np.logspace(0, np.log10(cond), d) * _rng.uniform(0.5, 2.0))


MVN_PUBLIC_MU = np.array([0.5, -1.0])
MVN_PUBLIC_COV = np.array([[2.0, 0.3], [0.3, 1.0]])
MVN_DIAG = (np.array([0.0, 1.0, -2.0]), np.diag([1.0, 0.5, 3.0]), np.array([1.0, 1.0, 0.0]), np.diag([2.0, 0.5, 1.0]))
MVN_D2 = (_rng.normal(size=2), _random_spd(2, 5.0), _rng.normal(size=2), _random_spd(2, 20.0))
MVN_D3 = (_rng.normal(size=3), _random_spd(3, 10.0), _rng.normal(size=3), _random_spd(3, 4.0))
_C3 = _random_spd(3, 30.0)
MVN_D3_SAME_COV = (_rng.normal(size=3), _C3, _rng.normal(size=3), _C3)
MVN_D2_SAME_MEAN = (np.array([0.3, 0.3]), _random_spd(2, 3.0), np.array([0.3, 0.3]), _random_spd(2, 8.0))

# The notebook's visible D = 200 example (its -highdim cell): diagonal, then reflected (well-conditioned), built as
# the cell builds it.
_D = 200
_V0, _V1 = np.logspace(-4, -2, _D), np.linspace(1e-3, 3e-3, _D)
_M0, _M1 = np.zeros(_D), np.full(_D, 0.01)
_w = np.random.default_rng(0).standard_normal(_D)
_H = np.eye(_D) - 2 * np.outer(_w, _w) / (_w @ _w)


def _turn(v: np.ndarray) -> np.ndarray:
    """``H diag(v) H``, exactly symmetric (the cell's ``turn``)."""
    return ((_H * v) @ _H + ((_H * v) @ _H).T) / 2


HD_PUBLIC_DIAG = (_M0, np.diag(_V0), _M1, np.diag(_V1))
HD_PUBLIC_REFLECTED = (_H @ _M0, _turn(_V0), _H @ _M1, _turn(_V1))

# The hidden high-dimension probes are made in ps5_gaussian_kl_highdim.py, from a generator of their own. Here, the
# draws of the D = 200 ... 300 probes they replaced, in their order, so that every probe made after them from the
# shared generator stays the same.
for _size in (200 * 200, 3 * 200, 300 * 300, 4 * 300, 250 * 250, 250 * 250, 2 * 250, 256 * 256, 256 * 256, 256):
    _rng.normal(size=_size)
MVN_PURITY = (_rng.normal(size=50), _random_spd(50, 1e3), _rng.normal(size=50), _random_spd(50, 1e2))

# --- vae_kl ----------------------------------------------------------------------
VAE_MU = _rng.normal(size=6)
VAE_LOGVAR = _rng.normal(size=6)
_pub = np.random.default_rng(1)
VAE_PUBLIC_MU, VAE_PUBLIC_LOGVAR = _pub.standard_normal((5, 3)), _pub.standard_normal((5, 3))
VAE_BATCH_MU, VAE_BATCH_LOGVAR = _rng.normal(size=(7, 4)), _rng.normal(size=(7, 4))
VAE_3D_MU, VAE_3D_LOGVAR = _rng.normal(size=(2, 5, 3)), _rng.normal(size=(2, 5, 3))
VAE_K1_MU, VAE_K1_LOGVAR = _rng.normal(size=(4, 1)), _rng.normal(size=(4, 1))
VAE_WIDE_LOGVAR = np.linspace(-30.0, 30.0, 13)
VAE_WIDE_MU = _rng.normal(size=13) * 1e3
VAE_BATCH_EXTREME_MU = _rng.normal(size=(8, 16)) * np.logspace(0, 100, 8)[:, None]
VAE_BATCH_EXTREME_LOGVAR = _rng.uniform(-30.0, 30.0, size=(8, 16))


def _f(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float)


# --- wrong formulas (errstate is handled by hints.matches) -------------------
def _gk(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return np.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def _gk_reversed(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    return _gk(mu2, s2, mu1, s1)


def _gk_sigma_as_variance(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return 0.5 * np.log(s2 / s1) + (s1 + (mu1 - mu2) ** 2) / (2 * s2) - 0.5


def _gk_unsquared_numerator(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return np.log(s2 / s1) + (s1 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def _gk_no_minus_half(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    return _gk(mu1, s1, mu2, s2) + 0.5


def _gk_no_half_denominator(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return np.log(s2 / s1) + (s1**2 + (mu1 - mu2) ** 2) / s2**2 - 0.5


# log(σ2²/σ1²) without its ½
def _gk_log_variances(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return np.log(s2**2 / s1**2) + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2) - 0.5


def _mvn(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike, swap_trace: bool = False,
         maha_cov1: bool = False, swap_logdet: bool = False, maha_uninverted: bool = False) -> float:
    mu1, c1, mu2, c2 = _f(mu1), _f(c1), _f(mu2), _f(c2)
    d = mu1.shape[0]
    tr = np.trace(np.linalg.solve(c1, c2) if swap_trace else np.linalg.solve(c2, c1))
    dm = mu2 - mu1
    maha = dm @ c2 @ dm if maha_uninverted else dm @ np.linalg.solve(c1 if maha_cov1 else c2, dm)
    ld = np.linalg.slogdet(c2)[1] - np.linalg.slogdet(c1)[1]
    return 0.5 * (tr + maha - d + (-ld if swap_logdet else ld))


def _mvn_reversed(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu2, c2, mu1, c1)


def _mvn_trace_swapped(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu1, c1, mu2, c2, swap_trace=True)


def _mvn_maha_cov1(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu1, c1, mu2, c2, maha_cov1=True)


# (mu2 − mu1)ᵀ cov2 (mu2 − mu1): real code (a lab's utilities) multiplies by cov2 where the KL has its inverse
def _mvn_maha_uninverted(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu1, c1, mu2, c2, maha_uninverted=True)


def _mvn_logdet_swapped(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu1, c1, mu2, c2, swap_logdet=True)


def _mvn_no_half(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return 2 * _mvn(mu1, c1, mu2, c2)


def _mvn_no_minus_d(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    return _mvn(mu1, c1, mu2, c2) + 0.5 * _f(mu1).shape[0]


def _mvn_jitter(eps: float) -> Callable[..., float]:
    def kl(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
        c1, c2 = _f(c1), _f(c2)
        i = np.eye(c1.shape[0])
        return _mvn(mu1, c1 + eps * i, mu2, c2 + eps * i)

    return kl


def _vae(mu: ArrayLike, logvar: ArrayLike, axis: int | tuple[int, ...] | None = -1, reduce: Callable[..., Any] = np.sum) -> np.ndarray:
    mu, v = _f(mu), _f(logvar)
    return -0.5 * reduce(1 + v - mu**2 - np.exp(v), axis=axis)


def _vae_sum_all(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return _vae(mu, logvar, axis=None)


def _vae_axis0(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return _vae(mu, logvar, axis=0)


def _vae_per_leading(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    """One KL per entry of the first axis, summed over all the others (a map over the batch's first axis, JAX's
    ``vmap`` of one code's KL): right for (N, K), one number per (N, K) block of a (B, N, K) stack. (A single code
    (K,) gives its terms, which is the missing reduction's signature: said there, not here.)"""
    mu = _f(mu)
    if mu.ndim < 2:
        raise ValueError("mu: a single code, the missing sum's own signature")
    return _vae(mu, logvar, axis=tuple(range(1, mu.ndim)))


def _vae_axis1(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:  # a batch's dim=1, as PyTorch code writes it
    return _vae(mu, logvar, axis=1)


def _vae_batch_mean(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:  # each code's KL, then the batch's mean
    return np.mean(_vae(mu, logvar))


def _vae_batch_mean_axis0(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    """The same with the batch's mean over the first axis (PyTorch's ``.mean(dim=0)``): one code of shape (K,) has
    no axis left to average, and raises."""
    return np.mean(_vae(mu, logvar), axis=0)


def _vae_mean_k(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return _vae(mu, logvar, reduce=np.mean)


def _vae_mean_all(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return _vae(mu, logvar, axis=None, reduce=np.mean)


def _vae_no_half(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return 2 * _vae(mu, logvar)


def _vae_positive_half(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:
    return -_vae(mu, logvar)


def _vae_logstd(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:  # logvar taken as log σ: variance exp(2·logvar)
    mu, v = _f(mu), _f(logvar)
    return -0.5 * np.sum(1 + 2 * v - mu**2 - np.exp(2 * v), axis=-1)


def _vae_std_squared(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:  # std = exp(logvar), then var = std²
    mu, v = _f(mu), _f(logvar)
    return -0.5 * np.sum(1 + v - mu**2 - np.exp(v) ** 2, axis=-1)


def _vae_half_logvar(mu: ArrayLike, logvar: ArrayLike) -> np.ndarray:  # std = exp(logvar / 2) used as the variance
    mu, v = _f(mu), _f(logvar)
    return -0.5 * np.sum(1 + v - mu**2 - np.exp(0.5 * v), axis=-1)


# sigma used as the variance everywhere but in the log term
def _gk_unsquared(mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike) -> np.ndarray:
    mu1, s1, mu2, s2 = _f(mu1), _f(s1), _f(mu2), _f(s2)
    return np.log(s2 / s1) + (s1 + (mu1 - mu2) ** 2) / (2 * s2) - 0.5


def _mvn_inv_det(mu1: ArrayLike, c1: ArrayLike, mu2: ArrayLike, c2: ArrayLike) -> float:
    mu1, c1, mu2, c2 = _f(mu1), _f(c1), _f(mu2), _f(c2)
    inv2 = np.linalg.inv(c2)
    d = mu2 - mu1
    return 0.5 * (np.trace(inv2 @ c1) + d @ inv2 @ d - len(d) + np.log(np.linalg.det(c2) / np.linalg.det(c1)))


def _det_out_of_range(f: Failure) -> bool:
    """On the failing call, the determinant of a covariance is 0 or infinite in float64 (the product of hundreds of
    eigenvalues): a result that is not finite there comes from det, also where no warning says so (real code
    returns inf on its own when det is 0, taking the covariance for singular)."""
    if f.probe is None or len(f.probe.args) != 4:
        return False
    with np.errstate(all="ignore"):
        dets = [np.linalg.det(np.asarray(c, dtype=float)) for c in (f.probe.args[1], f.probe.args[3])]
    return any(d == 0 or not np.isfinite(d) for d in dets)


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
GK_REVERSED = Hint("The result is KL(Q ‖ P): gaussian_kl(mu1, sigma1, mu2, sigma2) is KL(P ‖ Q), P the first "
                   "distribution and Q the second, and KL is not symmetric.", matches_any(_gk_reversed), "gk-reversed")
GK_VARIANCE = Hint("sigma is a standard deviation, and the result treats it as a variance: where the KL has a sigma "
                   "squared, the result has sigma.",
                   matches_any(_gk_sigma_as_variance, _gk_unsquared_numerator, _gk_unsquared), "sigma-as-variance")
GK_MINUS_HALF = Hint("The constant −½ is missing: equal distributions then give ½ instead of 0.",
                     matches_any(_gk_no_minus_half), "gk-missing-minus-half")
GK_HALF_DENOMINATOR = Hint("The quadratic term lacks its factor ½: its denominator is sigma2 squared where the KL "
                           "has twice that.", matches_any(_gk_no_half_denominator), "gk-missing-half-denominator")
GK_LOG_VARIANCES = Hint("The log term is the log of the ratio of the variances, twice the log of the ratio of the "
                        "standard deviations that the KL has.", matches_any(_gk_log_variances), "gk-log-variance-ratio")
SCALAR_CODE = scalar_code_hint(
    "The function is written for one number at a time (the error shows it: a `math` function, `float()`, or an "
    "`if` was given an array): the four arguments may be arrays that broadcast together, and NumPy's functions work on "
    "all their elements at once.")

MVN_REVERSED = Hint("The result is KL(N2 ‖ N1): mvn_kl(mu1, cov1, mu2, cov2) is KL(N1 ‖ N2), and KL is not symmetric.",
                    matches_any(_mvn_reversed), "mvn-reversed")
MVN_TRACE = Hint("The trace term inverts cov1 where the KL inverts cov2, the second distribution's covariance.",
                 matches_any(_mvn_trace_swapped), "mvn-trace-swapped")
MVN_MAHA = Hint("The Mahalanobis term uses cov1 where the KL uses cov2.", matches_any(_mvn_maha_cov1), "mvn-maha-cov1")
MVN_MAHA_UNINVERTED = Hint("The Mahalanobis term multiplies by cov2 itself where the KL has its inverse: "
                           "(mu2 − mu1)ᵀ cov2⁻¹ (mu2 − mu1), which a solve with cov2 gives without forming the inverse.",
                           matches_any(_mvn_maha_uninverted), "mvn-maha-uninverted")
MVN_LOGDET = Hint("The two log-determinants are subtracted the other way round: the KL has cov2's minus cov1's.",
                  matches_any(_mvn_logdet_swapped), "mvn-logdet-swapped")
MVN_HALF = Hint("The ½ in front of the whole bracket is missing: the result is twice the KL.",
                matches_any(_mvn_no_half), "mvn-missing-half")
MVN_MINUS_D = Hint("The −D is missing: equal distributions then give D/2 instead of 0.", matches_any(_mvn_no_minus_d),
                   "mvn-missing-minus-d")
MVN_JITTER = Hint("A 'jitter' is added to the diagonal: the covariances are positive definite as given, and a "
                  "multiple of the identity changes the KL (a lot, where an eigenvalue is 1e-10).",
                  matches_any(*(_mvn_jitter(e) for e in (1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-9, 1e-10, 1e-12))),
                  "mvn-jitter")
MVN_HIGHDIM = Hint("At D in the hundreds det(cov) over- or underflows (it is a product of hundreds of eigenvalues), "
                   "and an explicit inverse loses accuracy at condition number 1e10: Cholesky factors give the "
                   "log-determinants and the solves accurately.",
                   any_of(matches_any(_mvn_inv_det),
                          all_of(nonfinite(), any_of(*(label_has(f"D = {d}") for d in (HD_D, _D))),
                                 any_of(warned("overflow"), warned("underflow"), warned("divide by zero"),
                                        warned("invalid value"), _det_out_of_range))),
                   "mvn-inv-det")
VAE_AXIS = Hint("The sum (or mean) runs over more than the last axis, or over another one (a fixed axis=1 is one, and "
                "a single code of shape (K,) has no axis 1; a map over the first axis, JAX's vmap, sums over all the "
                "others): each code's KL is a sum over its own K latent dimensions, so mu of shape (N, K) gives N "
                "numbers.",
                any_of(matches_any(_vae_sum_all, _vae_axis0, _vae_mean_all, _vae_axis1, _vae_per_leading),
                       axis_out_of_bounds()),
                "vae-sum-axis")
VAE_BATCH_MEAN = Hint("Each code's KL (the sum over its K latent dimensions) is right, and then averaged over the "
                      "batch: the function gives one KL per code, N numbers for mu of shape (N, K); the mean over "
                      "the batch belongs to the loss that uses it.",
                      # (one code's AxisError, where every batch got that mean: told by what it did there)
                      any_of(matches_any(_vae_batch_mean, _vae_batch_mean_axis0),
                             all_of(axis_out_of_bounds(), matches_where_it_returned(_vae_batch_mean_axis0))),
                      "vae-batch-averaged", kinds=("value", "nonfinite", "shape", "raised", "no-result"))
VAE_MEAN = Hint("The terms of the K latent dimensions are averaged: the KL of a diagonal Gaussian is their sum.",
                matches_any(_vae_mean_k), "vae-mean-over-latents")
VAE_HALF = Hint("The factor −½ in front of the sum is missing or has the wrong sign: the KL is never negative, and it "
                "is 0 for the prior itself.", matches_any(_vae_no_half, _vae_positive_half), "vae-half")
VAE_LOG_SIGMA = Hint("logvar is the log of the variance, and the result treats it as the log of a standard deviation "
                     "(or exponentiates a standard deviation twice): the variance is exp(logvar) itself.",
                     matches_any(_vae_logstd, _vae_std_squared, _vae_half_logvar), "vae-logvar-as-logstd")

# --- every check of a function offers all of that function's rules, so a
# mistake is named whichever probe happens to reveal it first ---------------
GK_HINTS = (GK_REVERSED, GK_VARIANCE, GK_MINUS_HALF, GK_HALF_DENOMINATOR, GK_LOG_VARIANCES, SCALAR_CODE)
MVN_HINTS = (MVN_HIGHDIM, MVN_JITTER, MVN_REVERSED, MVN_TRACE, MVN_MAHA, MVN_MAHA_UNINVERTED, MVN_LOGDET, MVN_HALF,
             MVN_MINUS_D)
VAE_HINTS = (VAE_MEAN, VAE_BATCH_MEAN, VAE_AXIS, VAE_HALF, VAE_LOG_SIGMA, SCALAR_CODE)

# --- relations: how -broadcast, -properties, -shape and -stability judge a function against itself ----
GK_BROADCAST = Relation("broadcasting", "gaussian_kl(mu1, sigma1, mu2, sigma2) = gaussian_kl of the four arguments "
                        "expanded to their broadcast shape as equal-length 1-D arrays, put back in that shape")
GK_AFFINE = Relation("a common change of units", "gaussian_kl(a·mu1 + b, a·sigma1, a·mu2 + b, a·sigma2) = "
                     "gaussian_kl(mu1, sigma1, mu2, sigma2) for a > 0 (KL does not depend on the units of x)",
                     atol=1e-14, shape_free=True)
#: Equal arguments and the sign are judged up to rounding (the contract states neither exactly): a few ulps of the
#: O(1) terms the KL is made of, and the -properties cell's other tolerance already.
ROUNDING_ATOL = 1e-14
GK_ZERO = Relation("equal arguments", "gaussian_kl(mu, sigma, mu, sigma) = 0, up to rounding (1e-14)",
                   atol=ROUNDING_ATOL, shape_free=True)
GK_NONNEGATIVE = Relation("never negative", "gaussian_kl(…) ≥ 0, up to rounding (1e-14)", atol=ROUNDING_ATOL,
                          shape_free=True, uses_result=True)
VAE_ROWS = Relation("code by code", "vae_kl of a batch of codes = vae_kl of the codes laid out as the rows of a 2-D "
                    "array, or of its first k rows and the other N - k, one result per code")
VAE_SEPARABLE = Relation("means and variances add up", "vae_kl(mu, logvar) + vae_kl(0, 0) = vae_kl(mu, 0) + "
                         "vae_kl(0, logvar): the mean term and the variance term are separate",
                         shape_free=True)

#: Why the -highdim cell compares with the reference (written in docs/grading.md).
HIGHDIM_WHY = (
    "Accuracy at condition number 1e10 is a property of the value itself. Every exact relation (a common "
    "scaling by a power of 2, permuting coordinates, translating the means) maps the problem to one just as "
    "ill-conditioned, on which an inaccurate method (inv, det) is inaccurate in the same way; relating it to a "
    "well-conditioned problem (rotating to a common eigenbasis) holds only up to cond·eps ≈ 1e-6, the very "
    "error to detect.")


def _broadcast(label: str, *args: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return related(label, args, relation=GK_BROADCAST.at(reshaped(shape)), calls=expanded_calls(label, args),
                   public=public)


def _affine(label: str, mu1: ArrayLike, s1: ArrayLike, mu2: ArrayLike, s2: ArrayLike, a: float = 4.0, b: float = 0.75,
            public: bool = False) -> tuple[Probe, ...]:
    """``gaussian_kl`` judged against the same distributions in other units: x → a·x + b (a a power of 2)."""
    args = tuple(np.asarray(v, dtype=float) for v in (mu1, s1, mu2, s2))
    other = (a * args[0] + b, a * args[1], a * args[2] + b, a * args[3])
    return related(label, args, relation=GK_AFFINE.at(same),
                   calls=((f"{label} in other units (x → {a:g}·x + {b:g})", other, {}),), public=public)


def _zero(label: str, mu: ArrayLike, sigma: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``gaussian_kl(mu, sigma, mu, sigma)`` is 0, up to rounding."""
    shape = np.broadcast_shapes(np.shape(mu), np.shape(sigma))
    return related(label, (mu, sigma, mu, sigma), relation=GK_ZERO.at(lambda: np.zeros(shape)), calls=(),
                   public=public)


def _nonnegative(label: str, *args: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    return related(label, args, relation=GK_NONNEGATIVE.at(lambda got: np.maximum(got, 0.0)), calls=(),
                   public=public)


def _codes(label: str, mu: ArrayLike, logvar: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``vae_kl`` of a batch judged against the same codes as rows of a 2-D array (3-D input), or against its
    two halves (2-D input): one KL per code, whatever the batch."""
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    if mu.ndim > 2:
        return related(label, (mu, logvar), relation=VAE_ROWS.at(unrows(mu.shape, -1, True)),
                       calls=rows_call(label, (mu, logvar), -1), public=public)
    if mu.ndim == 1:  # one code: its number is the one entry of the batch of that one code
        return related(label, (mu, logvar), relation=VAE_ROWS.at(reshaped(())),
                       calls=((f"{label} as a batch of one code, shape (1, {mu.shape[0]})",
                               (mu[None, :].copy(), logvar[None, :].copy()), {}),), public=public)
    calls, n, k = halves_calls(label, (mu, logvar), (0, 1))
    return related(label, (mu, logvar), relation=VAE_ROWS.at(joined(n, k)), calls=calls, public=public)


def _separable(label: str, mu: ArrayLike, logvar: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    mu, logvar = np.asarray(mu, dtype=float), np.asarray(logvar, dtype=float)
    zeros = np.zeros_like(mu)

    def expected(at_mu: ArrayLike, at_logvar: ArrayLike, at_zero: ArrayLike) -> Within:
        at_mu, at_logvar, at_zero = (np.asarray(v, dtype=float) for v in (at_mu, at_logvar, at_zero))
        value = at_mu + at_logvar - at_zero
        return Within(value, 8 * EPS * (np.abs(at_mu) + np.abs(at_logvar) + np.abs(at_zero)))

    calls: tuple[Call, ...]
    calls = ((f"{label} with logvar = 0", (mu, zeros), {}), (f"{label} with mu = 0", (zeros, logvar), {}),
             (f"{label} with mu = 0 and logvar = 0", (zeros, zeros.copy()), {}))
    return related(label, (mu, logvar), relation=VAE_SEPARABLE.at(expected), calls=calls, public=public)


# --- probes two cells of a function share (each declared once) --------------------------
MVN_KL_D1 = Probe("D = 1: mvn_kl([1.0], [[4.0]], [0.0], [[1.0]])",
                  (np.array([1.0]), np.array([[4.0]]), np.array([0.0]), np.array([[1.0]])), public=True)
MVN_KL_FULL = (Probe("D = 2 with full covariances", MVN_D2), Probe("D = 3 with full covariances", MVN_D3))
VAE_UNIT_MEAN = Probe("mu = [1.0, 0.0], logvar = [0.0, 0.0]", ([1.0, 0.0], [0.0, 0.0]), public=True)
VAE_K6 = Probe("a code with K = 6", (VAE_MU, VAE_LOGVAR))
VAE_BATCH_74 = Probe("a batch of shape (7, 4)", (VAE_BATCH_MU, VAE_BATCH_LOGVAR))

# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------
# (the univariate and diagonal KLs' advice names no linear algebra: they need none)
# (changes: the function's own work, asked in every cell but the value cells and -purity: autograder/checks/changes.py)
GAUSSIAN_KL = PS.function("gaussian_kl", hints=GK_HINTS, allowed="NumPy (np.log)",
                          changes=(shifted(0, "mu1"), scaled(1, "sigma1"), shifted(2, "mu2"), scaled(3, "sigma2")),
                          points={"basic": 3, "broadcast": 2, "properties": 2, "purity": 1}, minutes=25,
                          demo="0.0, 1.0, 1.0, 2.0",
                          contract=("KL(N(mu1, sigma1²) ‖ N(mu2, sigma2²)) = log(sigma2/sigma1) + (sigma1² + (mu1 − "
                                    "mu2)²)/(2 sigma2²) − ½, element-wise with broadcasting."))
MVN_KL = PS.function("mvn_kl", hints=MVN_HINTS, atol=1e-12,
                     changes=(shifted(0, "mu1"), scaled(1, "cov1"), shifted(2, "mu2"), scaled(3, "cov2")),
                     points={"basic": 3, "shape": 1, "highdim": 3, "purity": 1}, minutes=50,
                     demo="np.zeros(2), np.eye(2), np.ones(2), 2 * np.eye(2)",
                     contract=("KL(N(mu1, cov1) ‖ N(mu2, cov2)) for full D×D covariances: ½[tr(cov2⁻¹cov1) + (mu2 − "
                               "mu1)ᵀcov2⁻¹(mu2 − mu1) − D + log det cov2 − log det cov1]. Accurate for D in the "
                               "hundreds (Cholesky solves and log-determinants, never `inv` or `det`)."))
# a batch of codes is a stack of slices along the last axis: its cells are -batch and -shape (-basic is one code)
VAE_KL = PS.function("vae_kl", hints=VAE_HINTS, allowed="NumPy (np.exp, np.sum)",
                     slice_form=SliceForm(arrays=2, cells=("batch", "shape")),
                     changes=(shifted(0, "mu"), shifted(1, "logvar", 0.3)),
                     points={"basic": 3, "batch": 2, "shape": 1, "stability": 1, "purity": 1}, minutes=20,
                     demo="np.array([0.1, -0.2]), np.array([0.0, 0.3])",
                     contract=("KL(N(mu, diag(exp(logvar))) ‖ N(0, I)) summed over the last axis: −½ Σ(1 + logvar − "
                               "mu² − exp(logvar)). The result has the input's shape without its last axis."))

CHECKS = linked((
    # -------------------------------------------------------------- gaussian_kl
    GAUSSIAN_KL.check(
        "basic",
        summary="KL(N(mu1, sigma1²) ‖ N(mu2, sigma2²)) for scalars and equal-shaped arrays, in both orders (it is "
                "not symmetric), small and accurate for nearly equal distributions.",
        probes=(
            Probe("gaussian_kl(0, 1, 0, 1) (the result is 0)", (0.0, 1.0, 0.0, 1.0), public=True),
            Probe("gaussian_kl(1, 1, 0, 1) (a pure mean shift)", (1.0, 1.0, 0.0, 1.0), public=True),
            Probe("gaussian_kl(0, 1, 0, 2)", (0.0, 1.0, 0.0, 2.0), public=True),
            Probe("four arrays of 10 means and standard deviations", (GK_MU1, GK_SIG1, GK_MU2, GK_SIG2)),
            Probe("scalars with different means and standard deviations", (-0.5, 0.3, 1.2, 2.5)),
            Probe(f"sigmas in ratios 1 ± 1e-5 … 1e-3 with equal means (results 1e-10 … 1e-6, to {NEAR_EQUAL_RTOL:g} "
                  "relative)", (GK_NEAR_MU, GK_NEAR_S1, GK_NEAR_MU, GK_NEAR_S2), rtol=NEAR_EQUAL_RTOL),
            Probe("the same distributions in both orders (KL(P ‖ Q) then KL(Q ‖ P))",
                  (np.concatenate([GK_MU1, GK_MU2]), np.concatenate([GK_SIG1, GK_SIG2]),
                   np.concatenate([GK_MU2, GK_MU1]), np.concatenate([GK_SIG2, GK_SIG1]))),
        ),
    ),
    GAUSSIAN_KL.check(
        "broadcast",
        summary="the four arguments broadcast together, element-wise: the result equals the call on the four "
                "arguments expanded to their common shape.",
        probes=(
            *_broadcast("mu1 of shape (3, 1) against mu2 of shape (4,), sigmas 1.0 and 2.0",
                        np.array([[0.0], [1.0], [2.0]]), 1.0, np.array([0.0, 0.5, -1.0, 3.0]), 2.0, public=True),
            *_broadcast("sigma1 of shape (10,) against scalar mu1, mu2 and sigma2", 0.5, GK_SIG1, -0.25, 1.5),
            *_broadcast("sigma1 of shape (10, 1) against sigma2 of shape (10,)",
                        GK_MU1[:, None], GK_SIG1[:, None], GK_MU2, GK_SIG2),
            *_broadcast("arguments of shapes (2, 3, 1), (4,), (3, 1) and ()",
                        GK_MU1[:6].reshape(2, 3, 1), GK_SIG2[:4], GK_MU2[:3].reshape(3, 1), 1.7),
        ),
        shapes=True,
    ),
    GAUSSIAN_KL.check(
        "properties",
        summary="KL ≥ 0 and 0 for equal arguments (both up to rounding), and independent of the units of x (a common "
                "change x → a·x + b of both distributions leaves it unchanged).",
        probes=(
            *_affine("a (7, 5, 5) grid of means and sigmas against N(0, sigma2²)", GK_GRID_MU, GK_GRID_S1, 0.0,
                     GK_GRID_S2, public=True),
            *_nonnegative("a (7, 5, 5) grid of means and sigmas against N(0, sigma2²)", GK_GRID_MU, GK_GRID_S1, 0.0,
                          GK_GRID_S2, public=True),
            *_zero("equal arguments mu = 1.5, sigma = [0.1, 1.0, 10.0] (the result is 0)", 1.5,
                   np.array([0.1, 1.0, 10.0]), public=True),
            *_affine("gaussian_kl(0, 1, 0, 3)", 0.0, 1.0, 0.0, 3.0, public=True),
            *_affine("gaussian_kl(0, 3, 0, 1)", 0.0, 3.0, 0.0, 1.0, public=True),
            *_zero("equal arrays of means and sigmas (the result is 0)", GK_MU1, GK_SIG1),
            *_affine("four arrays of 10 means and standard deviations", GK_MU1, GK_SIG1, GK_MU2, GK_SIG2, a=0.25,
                     b=-2.5),
        ),
    ),
    GAUSSIAN_KL.purity(
        inputs="inputs",
        probes=(
            Probe("the arrays mu1=[0.0, 1.0], mu2=[0.5, -0.5] with sigma1=1.0, sigma2=2.0",
                  (np.array(GK_PURE[0]), 1.0, np.array(GK_PURE[2]), 2.0), public=True),
            Probe("the same numbers as lists", GK_PURE, public=True, twin=0),
            Probe("four arrays of 10 means and standard deviations", (GK_MU1, GK_SIG1, GK_MU2, GK_SIG2)),
            Probe("sigma1 of shape (10, 1) against sigma2 of shape (10,)",
                  (GK_MU1[:, None], GK_SIG1[:, None], GK_MU2, GK_SIG2)),
        ),
    ),
    # ------------------------------------------------------------------- mvn_kl
    MVN_KL.check(
        "basic",
        summary="KL(N(mu1, cov1) ‖ N(mu2, cov2)) for D = 1, 2, 3: 0 for P = Q, the univariate KL for D = 1, diagonal "
                "and full covariances.",
        probes=(
            Probe("P = Q with mu = [0.5, -1.0], cov = [[2.0, 0.3], [0.3, 1.0]] (the result is 0)",
                  (MVN_PUBLIC_MU, MVN_PUBLIC_COV, MVN_PUBLIC_MU, MVN_PUBLIC_COV), public=True),
            MVN_KL_D1,
            Probe("D = 3 with the diagonal covariances diag([1, 0.5, 3]) and diag([2, 0.5, 1])", MVN_DIAG, public=True),
            *MVN_KL_FULL,
            Probe("D = 3 with equal covariances and different means", MVN_D3_SAME_COV),
            Probe("D = 2 with equal means and different covariances", MVN_D2_SAME_MEAN),
        ),
    ),
    MVN_KL.shape(
        summary="returns one number (a float or a 0-d array) for every D (values are not judged).",
        probes=(
            Probe("P = Q with mu = [0.5, -1.0], cov = [[2.0, 0.3], [0.3, 1.0]]",
                  (MVN_PUBLIC_MU, MVN_PUBLIC_COV, MVN_PUBLIC_MU, MVN_PUBLIC_COV), public=True),
            MVN_KL_D1,
            *MVN_KL_FULL,
        ),
    ),
    MVN_KL.check(
        "highdim",
        summary="accurate where the determinants are far outside float64's range and condition numbers reach 1e10 "
                f"(the ill-conditioned cases to {HIGHDIM_RTOL:g} relative), for D = 100 and the notebook's D = 200.",
        probes=(
            Probe("D = 200 with diagonal covariances (det(cov1) = 1e-600 underflows)", HD_PUBLIC_DIAG, public=True),
            Probe("the same D = 200 distributions in a reflected basis (full covariances)", HD_PUBLIC_REFLECTED,
                  public=True),
            Probe("D = 100, condition number 1e8, covariances sharing their eigenvectors (det(cov2) overflows)",
                  HD_COND8, rtol=HIGHDIM_RTOL),
            Probe("D = 100, condition number 1e10, covariances sharing their eigenvectors (det(cov2) underflows)",
                  HD_COND10, rtol=HIGHDIM_RTOL),
            Probe("D = 100, condition number 1e10, equal covariances and different means", HD_SAME_COV,
                  rtol=HIGHDIM_RTOL),
            Probe("D = 100, condition numbers 1e3 and 1e9, unrelated eigenvectors", HD_BASES, rtol=HIGHDIM_RTOL),
            Probe("D = 100, condition number 1e9, slightly rotated eigenvectors", HD_ROTATED, rtol=HIGHDIM_RTOL),
        ),
        rtol=1e-9,
        atol=0.0,
        why_reference=HIGHDIM_WHY,
    ),
    MVN_KL.purity(
        inputs="inputs",
        lists="nested lists",
        probes=(
            Probe("the arrays mu1 = [0, 1], cov1 = [[1, 0.2], [0.2, 0.5]], "
                  "mu2 = [0.5, -0.5], cov2 = [[2, -0.3], [-0.3, 1]]",
                  (np.array([0.0, 1.0]), np.array([[1.0, 0.2], [0.2, 0.5]]), np.array([0.5, -0.5]),
                   np.array([[2.0, -0.3], [-0.3, 1.0]])), public=True),
            Probe("the same as nested lists",
                  ([0.0, 1.0], [[1.0, 0.2], [0.2, 0.5]], [0.5, -0.5], [[2.0, -0.3], [-0.3, 1.0]]), public=True,
                  twin=0),
            Probe("D = 50 float arrays", MVN_PURITY),
        ),
    ),
    # ------------------------------------------------------------------- vae_kl
    VAE_KL.check(
        "basic",
        summary="KL(N(mu, diag(exp(logvar))) ‖ N(0, I)) for a single code of K latent dimensions.",
        probes=(
            Probe("mu = logvar = zeros(4) (the prior itself: KL is 0)", (np.zeros(4), np.zeros(4)), public=True),
            VAE_UNIT_MEAN,
            Probe("mu = [0.0], logvar = [log 2]", ([0.0], [np.log(2.0)]), public=True),
            VAE_K6,
            # the formula holds for every logvar (the -stability cell goes to ±100): a code far from the prior has
            # the closed form's values too, where a clamp of logvar (Stable Diffusion's to [-30, 20]) does not
            Probe("a code far from the prior: mu = [0.5, 0.0], logvar = [25.0, -40.0]", ([0.5, 0.0], [25.0, -40.0])),
        ),
    ),
    VAE_KL.check(
        "batch",
        summary="sums over the last axis only: a batch of codes gives one KL per code, each the KL of that one code "
                "(the shape of the result is the -shape cell's).",
        probes=(
            *_codes("mu, logvar of shape (5, 3)", VAE_PUBLIC_MU, VAE_PUBLIC_LOGVAR, public=True),
            *_codes("mu, logvar of shape (2, 5, 3)", np.stack([VAE_PUBLIC_MU] * 2), np.stack([VAE_PUBLIC_LOGVAR] * 2),
                    public=True),
            *_codes("a batch of shape (7, 4)", VAE_BATCH_MU, VAE_BATCH_LOGVAR),
            *_codes("a batch of shape (2, 5, 3)", VAE_3D_MU, VAE_3D_LOGVAR),
            *_codes("a batch of shape (4, 1) (K = 1)", VAE_K1_MU, VAE_K1_LOGVAR),
        ),
        shapes=True,
    ),
    VAE_KL.shape(
        summary="returns mu's shape without its last axis: one number (a float or a 0-d array) for a code of shape "
                "(K,), (N,) for (N, K), (B, N) for (B, N, K) (values are not judged).",
        probes=(
            VAE_UNIT_MEAN,
            Probe("mu, logvar of shape (5, 3)", (VAE_PUBLIC_MU, VAE_PUBLIC_LOGVAR), public=True),
            Probe("mu, logvar of shape (2, 5, 3)", (np.stack([VAE_PUBLIC_MU] * 2), np.stack([VAE_PUBLIC_LOGVAR] * 2)),
                  public=True),
            VAE_K6,
            VAE_BATCH_74,
            Probe("a batch of shape (4, 1) (K = 1)", (VAE_K1_MU, VAE_K1_LOGVAR)),
        ),
    ),
    VAE_KL.check(
        "stability",
        summary="finite and warning-free for log-variances from -100 to 100 and large means, where the mean term "
                "and the variance term still add up as they do for moderate inputs.",
        probes=(
            *_separable("mu = [0, 0], logvar = [-100, 100]", [0.0, 0.0], [-100.0, 100.0], public=True),
            *_separable("log-variances from -30 to 30 with means of size 1e3", VAE_WIDE_MU, VAE_WIDE_LOGVAR),
            *_separable("a code of K = 128 with means from 1 to 1e100 and log-variances in [-30, 30]",
                        VAE_BATCH_EXTREME_MU.ravel(), VAE_BATCH_EXTREME_LOGVAR.ravel()),
        ),
        no_warnings=True,
        finite=True,
    ),
    VAE_KL.purity(
        inputs="inputs",
        lists="nested lists",
        probes=(
            *twinned("the (2, 3) arrays mu=[[0.0, 1.0, -1.0], [0.5, 0.5, 0.0]], "
                     "logvar=[[0.0, -1.0, 1.0], [0.2, 0.0, -0.5]]", VAE_PURE, "nested lists"),
            VAE_BATCH_74,
            Probe("a batch of shape (2, 5, 3)", (VAE_3D_MU, VAE_3D_LOGVAR)),
        ),
    ),
))
