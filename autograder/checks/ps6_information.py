"""Hidden checks for problem set 6: entropy, kl_divergence, js_divergence, bayes_posterior, map_linear_regression.

Probes are fixed (seeded) inputs; the wrong formulas below recreate common
mistakes so that a hint can name the one a submission made.

The notebook's visible self-checks use exactly the public probes (``public=True``):

=============================  ==================================================================
grade_id                       public inputs (expected values from the reference)
=============================  ==================================================================
entropy-basic                  ``entropy([0.5, 0.5])`` = log 2; ``entropy([0.25, 0.25, 0.25, 0.25])`` = log 4
entropy-axis                   ``entropy([[0.5, 0.25], [0.5, 0.75]], axis=0)``;
                               ``entropy(np.full((2, 3, 4), 1/3), axis=1)`` = log 3, shape (2, 4)
entropy-edges                  ``entropy([1.0, 0.0, 0.0])`` = 0.0 exactly; ``entropy([0.5, 0.5, 0.0])`` = log 2;
                               ``SPLIT_P`` (1 − 2^-20 and 1024 entries of 2^-30) against ``MERGED_P`` and the uniform
                               distribution over 1024 (the chain rule)
entropy-errors                 ``entropy([0.2, 0.8])`` (valid); ``entropy([0.5, 0.6])`` and
                               ``entropy([1.5, -0.5])`` raise ValueError
entropy-purity                 ``entropy(np.array([0.5, 0.25, 0.125, 0.125]))`` and the same numbers as a list
kl_divergence-basic            ``kl_divergence([0.5, 0.5], [0.9, 0.1])``;
                               ``kl_divergence([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25])`` = 0;
                               ``KL_NEAR_P``, ``KL_NEAR_Q`` (nearly equal: the result must not be negative)
kl_divergence-support          ``kl_divergence([0.5, 0.5, 0.0], [0.5, 0.25, 0.25])`` = log 2 / 2;
                               ``kl_divergence([0.5, 0.5], [1.0, 0.0])`` = inf (no warning);
                               ``SPLIT_P``, ``SPLIT_Q`` against ``MERGED_P``, ``MERGED_Q`` (the chain rule)
kl_divergence-errors           ``kl_divergence([0.2, 0.8], [0.5, 0.5])`` (valid); ``kl_divergence([0.5, 0.5], [0.7, 0.7])``
                               and ``kl_divergence([-0.1, 1.1], [0.5, 0.5])`` raise ValueError
kl_divergence-purity           the (2, 3) arrays ``P_PURE``, ``Q_PURE`` (dyadic rows that sum to 1 exactly) and the same
                               numbers as nested lists
js_divergence-basic            ``js_divergence([0.5, 0.5], [0.9, 0.1])``; ``js_divergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])`` = 0
js_divergence-properties       ``js_divergence([1.0, 0.0], [0.0, 1.0])`` = log 2;
                               ``js_divergence([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])`` = log 2 / 2;
                               ``SPLIT_P``, ``SPLIT_Q`` against ``MERGED_P``, ``MERGED_Q`` (the chain rule)
js_divergence-errors           ``js_divergence([0.2, 0.8], [0.5, 0.5])`` (valid); ``js_divergence([0.5, 0.5], [0.7, 0.7])``
                               and ``js_divergence([-0.1, 1.1], [0.5, 0.5])`` raise ValueError
js_divergence-purity           as ``kl_divergence-purity``
bayes_posterior-basic          the base-rate test: ``bayes_posterior(np.log([0.01, 0.99]), np.log([0.99, 0.05]))``
                               = [1/6, 5/6] (prior: 1 % ill; sensitivity 0.99; false-positive rate 0.05);
                               a coin: ``bayes_posterior(np.zeros(3), COIN_LL)`` with
                               ``COIN_LL = np.log([[0.2, 0.5, 0.8], [0.2, 0.5, 0.8], [0.8, 0.5, 0.2]])``
                               (heads, heads, tails under θ = 0.2, 0.5, 0.8)
bayes_posterior-stability      ``bayes_posterior(np.log([0.5, 0.5]), np.tile([-1e5, -1e5 - 2.0**-10], (2000, 1)))``
                               = [1, e^-1.953125] / (1 + e^-1.953125) ≈ [0.8758, 0.1242] (every likelihood
                               underflows; rtol 1e-5);
                               ``bayes_posterior([-inf, log 0.5, log 0.5], [[-1.0, -2.0, -0.5]])``: exactly 0 for the
                               impossible first hypothesis, the rest as without it, no RuntimeWarning
bayes_posterior-errors         the base-rate test (valid); ``bayes_posterior(np.zeros(3), np.zeros((4, 2)))`` and
                               ``bayes_posterior(np.zeros(3), np.zeros(2))`` raise ValueError
bayes_posterior-purity         ``BP_PURE`` as arrays and as lists
map_linear_regression-basic    ``map_linear_regression(X3, [1.0, 2.0, 3.0], 1.0, 1.0)`` = [7/8, 11/8] with
                               ``X3 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]`` (λ = 1);
                               ``map_linear_regression(X3, [1.0, 2.0, 3.0], 1.0, 10.0)`` = [30400, 60500] / 30401
                               (λ = 0.01)
map_linear_regression-limits   ``map_linear_regression(X3, [1.0, 2.0, 3.0], 1.0, np.inf)`` = [1, 2] (least squares);
                               ``map_linear_regression(X3, [1.0, 2.0, 3.0], 2.0, 1.0)`` = [19/35, 26/35] (λ = 4, not 1/4);
                               ``map_linear_regression(X3, [1.0, 2.0, 3.0], 1.0, 1e-3)`` ≈ [4e-6, 5e-6] (λ = 1e6)
map_linear_regression-errors   ``map_linear_regression(X3, [1.0, 2.0, 3.0], 1.0, 1.0)`` (valid); ``noise_std=0.0``,
                               ``prior_std=-1.0`` and ``y=[1.0, 2.0]`` raise ValueError
map_linear_regression-purity   ``X3``, ``Y3`` as arrays and as nested lists, noise_std = prior_std = 1
=============================  ==================================================================

What is graded, and what is not (the notebook must claim no more):

* KL "never negative" is graded through values: a formula that can be
  negative on ordinary inputs (``H(p) − H(q)``, a missing minus, a wrong
  mixture in JSD) fails on them. A correct Σ p log(p/q) that rounds to
  −1e-17 on nearly equal distributions is *not* detected: no probe can tell
  that rounding from a correct +1e-17, so no check claims it.
* ``bayes_posterior`` tolerances follow the contract: 1e-10 relative where
  N·max|ℓ| ≤ 1e6, 1e-5 where it exceeds 1e8. No probe lies in between:
  there, the rounding of a plain ``log_prior + ll.sum(axis=0)`` (the ulp of
  a sum of 1e7 is 2e-9) is already above 1e-10, so a correct submission
  could not meet the contract's 1e-10 and no probe asks it to.
* ``map_linear_regression`` probes keep √λ·‖y‖/‖Xᵀy‖ below ~1e6: past
  that (prior_std → 0 with weights of 1e-16) even the contract's stacked
  ``lstsq`` loses digits (its error grows with the residual over
  ‖A‖·‖w‖: measured 6e-9 relative at prior_std = 1e-8 on the 3×2 example).
* ``np.linalg.inv`` in ``map_linear_regression`` is not detected: at the
  contract's cond(X) ≤ 1e3, ``inv(XᵀX + λI) @ Xᵀy`` is off by ~cond(X)²·eps
  = 1e-10, inside the 1e-8 tolerance. The notebook may advise against it
  but must not say it is graded.
* The probability tolerance is the contract's 1e-8: slices off by 1e-9 are
  valid (a test for ``sum == 1`` exactly rejects rows that a division
  normalised to 1 ± 1 ulp), slices off by 1e-6 are not (``np.isclose``'s
  default atol 1e-8 + rtol 1e-5 accepts them).

Forbidden (the contract's list): SciPy's information functions
(``scipy.stats.entropy``, which also computes KL; ``scipy.special.entr``,
``rel_entr``, ``kl_div``; ``scipy.spatial.distance.jensenshannon``) and the
frameworks. ``scipy.special.xlogy`` / ``xlog1py`` /
``logsumexp``, ``np.linalg.lstsq`` and ``scipy.linalg`` stay allowed.
"""

import numpy as np

from autograder.checks.check import Hint, Probe, ProblemSetChecks, Relation, Within, related
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_INFORMATION
from autograder.checks.hints import all_of, kind, label_has, matches_any, raised, scalar_code_on_arrays, warned
from autograder.checks.relations import rows_call, same, unrows

PS = ProblemSetChecks("ps6_information", forbidden=SCIPY_INFORMATION + FRAMEWORKS,
                       allowed="NumPy, scipy.special.xlogy, scipy.special.logsumexp, np.linalg.lstsq and scipy.linalg")
FORBIDDEN = PS.forbidden

#: rtol of bayes_posterior probes whose N·max|log-likelihood| exceeds 1e8 (the contract's).
BIG_SUM_RTOL = 1e-5
#: map_linear_regression: 1e-8 relative (the contract's); weights are O(1), so an absolute
#: 1e-9 stands for the contract's 2-norm bound on components that happen to be small.
MAP_RTOL, MAP_ATOL = 1e-8, 1e-9
#: A divergence of equal distributions is 0 up to rounding (the contract states no exact value for it, only that KL
#: is never negative): the rounding of sums of terms of size up to log K, a few ulps (KL computed as the
#: cross-entropy minus the entropy, each sum in its own order, leaves 2.2e-16: 1e-14 keeps it well inside).
EQUAL_ATOL = 1e-14

_rng = np.random.default_rng(20261126)


def _dirichlet(shape, alpha=1.0):
    """Rows of probabilities (last axis), normalised by a division: sums are 1 to ~1 ulp."""
    g = _rng.gamma(alpha, size=shape)
    return g / g.sum(axis=-1, keepdims=True)


def _exact(p):
    """``p`` rounded to multiples of 2^-50 with each slice (last axis) summing to exactly 1.

    Every partial sum of such numbers is exact in float64, so a validation that tests ``sum == 1``
    exactly accepts them: that mistake (the tolerance is the -errors cell's property) is charged by the
    -errors cell alone, whose valid probes are normalised by a division (1 ± 1 ulp) or sum to 1 ± 5e-9.
    """
    q = np.round(np.asarray(p, dtype=float) * 2.0**50) / 2.0**50
    top = np.argmax(q, axis=-1)[..., None]
    rest = np.sum(q, axis=-1, keepdims=True) - np.take_along_axis(q, top, axis=-1)
    np.put_along_axis(q, top, 1.0 - rest, axis=-1)
    return q


# --- entropy / KL / JSD data -----------------------------------------------------
#: Rows that each sum to exactly 1 (the whole array sums to 2): valid for the -errors cells.
DYADIC_ROWS = np.array([[0.5, 0.25, 0.25], [0.125, 0.375, 0.5]])
P5 = _exact(_dirichlet(5))
P46_DIV = _dirichlet((4, 6))  # normalised by a division: sums are 1 ± 1 ulp (valid)
Q46_DIV = _dirichlet((4, 6))
P46, Q46 = _exact(P46_DIV), _exact(Q46_DIV)
P_SHARP = _exact(_dirichlet((3, 8), alpha=0.2))  # a few large entries, many tiny ones
P234 = _exact(_dirichlet((2, 3, 4)))
Q234 = _exact(_dirichlet((2, 3, 4)))
COLS_54 = _exact(_dirichlet((4, 5))).T  # (5, 4): columns sum to 1 (axis=0)
P_AXIS1 = np.moveaxis(_exact(_dirichlet((2, 4, 3))), 2, 1)  # (2, 3, 4): sums to 1 along axis 1
Q_AXIS1 = np.moveaxis(_exact(_dirichlet((2, 4, 3))), 2, 1)
ONE_HOT = np.eye(5)
ZEROS_MIXED = np.array([[0.5, 0.0, 0.25, 0.0, 0.25], [0.0, 0.0, 1.0, 0.0, 0.0], [0.1, 0.2, 0.0, 0.3, 0.4]])
TINY = np.array([1.0 - 2e-300, 1e-300, 1e-300])
NEAR_ONE = P46 * (1 + np.array([5e-9, -5e-9, 3e-9, -2e-9])[:, None])  # sums within 1e-8 of 1: valid
# Nearly equal distributions on which Σ p log(p/q) rounds below 0 for every usual way of writing it
# (xlogy(p, p/q), p·(log p − log q), xlogy(p, p) − xlogy(p, q), a math.fsum loop): -9e-17 … -1.5e-16.
# The exact value for these float64 inputs is -1.38e-16 (mpmath, 50 digits; p sums to 1 - 1.1e-16 and
# q to 1 + 2.9e-17, both within the contract's 1e-8): "never negative" asks for max(Σ, 0).
KL_NEAR_P = np.array([0.25874220637767364, 0.01267213406183382, 0.1903451756766999, 0.5382404838837925])
KL_NEAR_Q = np.array([0.2587422063807545, 0.01267213407487658, 0.1903451761757995, 0.5382404833685694])

# KL with zeros: rows mixing p = 0 terms (finite), q = 0 under p > 0 (inf), and plain rows.
KL_P = np.array([[0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 0.4, 0.6], [0.1, 0.2, 0.3, 0.4]])
KL_Q = np.array([[0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0.0, 0.0], [0.3, 0.3, 0.2, 0.2], [0.4, 0.3, 0.2, 0.1]])
DISJOINT_P = np.array([[0.5, 0.5, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.3, 0.0, 0.7]])
DISJOINT_Q = np.array([[0.0, 0.0, 0.5, 0.5], [0.0, 0.2, 0.3, 0.5], [0.6, 0.0, 0.4, 0.0]])
ONE_HOT_VS_FULL = (np.eye(4), np.tile([0.1, 0.2, 0.3, 0.4], (4, 1)))  # KL = -log q_k
TINY_Q = (np.array([0.5, 0.5, 0.0]), np.array([1e-300, 1.0 - 2e-300, 1e-300]))  # a large but finite KL
# Tiny probabilities are probabilities: an outcome of probability b = 2^-20 (9.5e-7) split into k = 1024 equal
# parts of 2^-30 (9.3e-10, below np.isclose's default atol of 1e-8), beside one outcome of 1 - 2^-20. Fixed
# values (no draw from _rng: the seeded probes above stay as they were), dyadic so that every slice sums to 1
# exactly (a validation that asks for `== 1` computes: that mistake is the -errors cell's). By the chain rule
# the split adds b·H(uniform over k) = b·log k to the entropy and nothing to KL or JSD. mpmath at 60 digits
# (tests/test_solutions_ps6.py holds the reference to it): H(SPLIT_P) = 2.0785e-5 nats, of which the 1024
# parts carry 1.9831e-5; dropping every entry below 1e-8 (`np.isclose(p, 0)`) leaves 9.537e-7.
# KL(SPLIT_P ‖ SPLIT_Q) = 9.6947e-4, of which the parts carry -6.6104e-6; JSD = 3.3512e-4.
SPLIT_K, SPLIT_B = 1024, 2.0**-20
SPLIT_P = np.concatenate([[1.0 - SPLIT_B], np.full(SPLIT_K, SPLIT_B / SPLIT_K)])
SPLIT_Q = np.concatenate([[1.0 - 2.0**-10], np.full(SPLIT_K, 2.0**-10 / SPLIT_K)])
MERGED_P, MERGED_Q = np.array([1.0 - SPLIT_B, SPLIT_B]), np.array([1.0 - 2.0**-10, 2.0**-10])
UNIFORM_K = np.full(SPLIT_K, 1.0 / SPLIT_K)
#: The -purity cells' visible examples, as (nested) lists (their array twins are made from them).
#: (Dyadic entries: every row sums to 1 exactly, so even a validation that wrongly asks for `== 1` computes.)
P_PURE = [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]]
Q_PURE = [[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]]
P_PURE_1D, Q_PURE_1D = [0.5, 0.25, 0.125, 0.125], [0.25, 0.25, 0.25, 0.25]

# --- bayes_posterior data ----------------------------------------------------------
BASE_RATE = (np.log([0.01, 0.99]), np.log([0.99, 0.05]))
COIN_LL = np.log([[0.2, 0.5, 0.8], [0.2, 0.5, 0.8], [0.8, 0.5, 0.2]])
# Log-likelihoods on a dyadic grid (multiples of 2^-10 / 2^-12 near -1e5): every partial sum over
# observations is exact in float64, whatever the order of summation, so a correct submission is off
# only by its softmax. (With -1e5 - 1e-3 instead, a plain column sum in order is off by up to
# N²·1e5·eps/2 = 4e-5 in ℓ: more than the contract's 1e-5 allows.)
STABLE_PUBLIC = (np.log([0.5, 0.5]), np.tile([-1e5, -1e5 - 2.0**-10], (2000, 1)))
BP_PRIOR5 = np.log(_dirichlet(5))
BP_LL_20x5 = _rng.normal(-3.0, 1.0, size=(20, 5))
BP_PRIOR_UNNORM = np.log(_dirichlet(4)) + 7.0
BP_LL_8x4 = _rng.normal(-2.0, 0.5, size=(8, 4))
BP_LL_1D = _rng.normal(-1.0, 1.0, size=6)
BP_PRIOR6 = np.log(_dirichlet(6))
# Every likelihood underflows: N·max|ll| = 5000 · 1e5 = 5e8 > 1e8.
BP_BIG_PRIOR = np.log(_dirichlet(4))
BP_BIG_LL = -1e5 + np.round(_rng.normal(0.0, 1e-2, size=(5000, 4)) * 2**12) / 2**12
# -inf prior entries: impossible hypotheses stay at exactly 0.
BP_INF_PRIOR = np.array([np.log(0.3), -np.inf, np.log(0.7), -np.inf, 0.0])
BP_INF_LL = _rng.normal(-700.0, 2.0, size=(30, 5)) / 30  # N·max|ll| ~ 700: the 1e-10 regime
# An observation impossible under one hypothesis (a -inf log-likelihood).
BP_IMPOSSIBLE_LL = np.vstack([_rng.normal(-1.0, 0.3, size=(5, 3)), [[-2.0, -np.inf, -1.0]]])
# Log-likelihoods of -1e3 per observation, sums near -1e3·N: exp overflows/underflows without the shift.
BP_MID_PRIOR = np.log([0.2, 0.3, 0.5])
BP_MID_LL = np.array([[-1000.0, -1001.0, -1003.0]] * 3)

# --- map_linear_regression data --------------------------------------------------
X3 = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
Y3 = [1.0, 2.0, 3.0]
BP_PURE = ([-1.0, -2.0, -0.5], [[-0.5, -1.5, -1.0], [-2.0, -0.3, -0.7]])


def _design(n, d, cond):
    """A seeded (n, d) design with singular values from 1 down to 1/cond."""
    u, _ = np.linalg.qr(_rng.normal(size=(n, d)))
    v, _ = np.linalg.qr(_rng.normal(size=(d, d)))
    return (u * np.logspace(0, -np.log10(cond), d)) @ v.T


def _weights(d):
    return _rng.choice([-1.0, 1.0], size=d) * _rng.uniform(0.5, 2.0, size=d)


X50 = _rng.normal(size=(50, 5))
Y50 = X50 @ _weights(5) + 0.5 * _rng.normal(size=50)
X20x30 = _rng.normal(size=(20, 30))  # D > N: only the prior makes the solution unique
Y20 = _rng.normal(size=20) * 3
X100 = np.column_stack([np.ones(100), _rng.normal(size=(100, 2))])  # an intercept column
Y100 = X100 @ np.array([2.0, -1.0, 0.5]) + 0.3 * _rng.normal(size=100)
X_COND = _design(60, 6, 1e3)  # cond(X) = 1e3, the contract's limit
W_COND = _weights(6)
Y_COND = X_COND @ W_COND + 1e-3 * _rng.normal(size=60)


def _f(a):
    return np.asarray(a, dtype=float)


_gave = matches_any  # one mistake, written several ways


# --- wrong formulas (errstate is handled by hints.matches) -------------------------
def _xlogy(x, y):
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _h(p, axis=-1, log=np.log):
    p = _f(p)
    return -np.sum(np.where(p > 0, p * log(np.where(p > 0, p, 1.0)), 0.0), axis=axis)


def _h_log2(p, axis=-1):
    return _h(p, axis, np.log2)


def _h_no_minus(p, axis=-1):
    return -_h(p, axis)


def _h_mean(p, axis=-1):
    return _h(p, axis) / _f(p).shape[axis]


def _h_other_axis(p, axis=-1):
    p = _f(p)
    return _h(p, 0 if axis in (-1, p.ndim - 1) else -1)


def _h_eps(eps):
    def h(p, axis=-1):
        p = _f(p)
        return -np.sum(p * np.log(p + eps), axis=axis)

    return h


def _h_skip_tiny(p, axis=-1):  # entries within np.isclose's default atol (1e-8) of 0 treated as zeros
    p = _f(p)
    return _h(np.where(np.isclose(p, 0.0), 0.0, p), axis)


def _kl(p, q, axis=-1, log=np.log):
    p, q = _f(p), _f(q)
    ratio = np.where(p > 0, p, 1.0) / np.where(p > 0, q, 1.0)
    return np.sum(np.where(p > 0, p * log(ratio), 0.0), axis=axis)


def _kl_skip_tiny(p, q, axis=-1):
    p = _f(p)
    return _kl(np.where(np.isclose(p, 0.0), 0.0, p), q, axis)


def _kl_swapped(p, q, axis=-1):
    return _kl(q, p, axis)


def _kl_log2(p, q, axis=-1):
    return _kl(p, q, axis, np.log2)


def _kl_entropy_difference(p, q, axis=-1):
    return _h(p, axis) - _h(q, axis)


def _kl_entropy_difference_reversed(p, q, axis=-1):
    return _h(q, axis) - _h(p, axis)


def _kl_cross_entropy(p, q, axis=-1):  # -Σ p log q: forgot to subtract H(p)
    return _kl(p, q, axis) + _h(p, axis)


def _kl_eps(eps):
    def kl(p, q, axis=-1):
        p, q = _f(p), _f(q)
        return np.sum(_xlogy(p, (p + eps) / (q + eps)), axis=axis)

    return kl


def _js(p, q, axis=-1, m=None, half=0.5, log=np.log):
    p, q = _f(p), _f(q)
    m = (p + q) / 2 if m is None else m
    return half * (_kl(p, m, axis, log) + _kl(q, m, axis, log))


def _js_skip_tiny(p, q, axis=-1):
    p, q = _f(p), _f(q)
    return _js(np.where(np.isclose(p, 0.0), 0.0, p), np.where(np.isclose(q, 0.0), 0.0, q), axis, m=(p + q) / 2)


def _js_sum_mixture(p, q, axis=-1):
    return _js(p, q, axis, m=_f(p) + _f(q))


def _js_no_half(p, q, axis=-1):
    return _js(p, q, axis, half=1.0)


def _js_one_term(p, q, axis=-1):
    p, q = _f(p), _f(q)
    return _kl(p, (p + q) / 2, axis)


def _js_one_term_halved(p, q, axis=-1):
    return 0.5 * _js_one_term(p, q, axis)


def _js_symmetric_kl(p, q, axis=-1):
    return 0.5 * (_kl(p, q, axis) + _kl(q, p, axis))


def _js_log2(p, q, axis=-1):
    return _js(p, q, axis, log=np.log2)


def _js_geometric_mixture(p, q, axis=-1):
    p, q = _f(p), _f(q)
    return _js(p, q, axis, m=np.sqrt(p * q))


def _softmax(logits):
    logits = _f(logits)
    e = np.exp(logits - np.max(logits))
    return e / e.sum()


def _ll_total(ll, k):
    return np.sum(_f(ll).reshape(-1, k), axis=0)


def _bp(log_prior, ll, prior_weight=1.0, like_weight=1.0):
    lp = _f(log_prior)
    return _softmax(prior_weight * np.where(np.isneginf(lp), -np.inf, lp) + like_weight * _ll_total(ll, lp.size))


def _bp_prior_ignored(log_prior, ll):
    return _bp(log_prior, ll, prior_weight=0.0)


def _bp_prior_twice(log_prior, ll):
    return _bp(log_prior, ll, prior_weight=2.0)


def _bp_unnormalised(log_prior, ll):
    return np.exp(_f(log_prior) + _ll_total(ll, _f(log_prior).size))


def _bp_unnormalised_shifted(log_prior, ll):  # exp(a - max a): stable, but not divided by the sum
    a = _f(log_prior) + _ll_total(ll, _f(log_prior).size)
    return np.exp(a - np.max(a))


def _bp_product(log_prior, ll):  # prior × Π likelihoods in probability space
    prior = np.exp(_f(log_prior))
    unnormalised = prior * np.prod(np.exp(_f(ll).reshape(-1, prior.size)), axis=0)
    return unnormalised / unnormalised.sum()


def _bp_exp_unshifted(log_prior, ll):  # log space, but exp(a) / Σ exp(a) without subtracting the maximum
    e = np.exp(_f(log_prior) + _ll_total(ll, _f(log_prior).size))
    return e / e.sum()


def _bp_log_posterior(log_prior, ll):
    return np.log(_bp(log_prior, ll))


def _bp_log_unnormalised(log_prior, ll):
    return _f(log_prior) + _ll_total(ll, _f(log_prior).size)


def _bp_1d_summed(log_prior, ll):  # a 1-D log_likelihood summed to one number: the prior comes back
    return _softmax(_f(log_prior) + np.sum(_f(ll), axis=0))


def _bp_mean_ll(log_prior, ll):
    lp = _f(log_prior)
    return _softmax(lp + np.mean(_f(ll).reshape(-1, lp.size), axis=0))


def _ridge(X, y, lam, penalty=None):
    X, y = _f(X), _f(y)
    d = X.shape[1]
    pen = np.eye(d) if penalty is None else penalty
    return np.linalg.solve(X.T @ X + lam * pen, X.T @ y)


def _map_inverted(X, y, noise_std, prior_std):
    return _ridge(X, y, prior_std**2 / noise_std**2)


def _map_prior_precision(X, y, noise_std, prior_std):  # λ = 1/prior_std², the unit-noise shortcut
    return _ridge(X, y, 1.0 / prior_std**2)


def _map_unsquared(X, y, noise_std, prior_std):
    return _ridge(X, y, noise_std / prior_std)


def _map_variance_sum(X, y, noise_std, prior_std):  # λ = noise² + prior⁻²-style mix-ups
    return _ridge(X, y, noise_std**2 * prior_std**2)


def _map_no_prior(X, y, noise_std, prior_std):
    return _ridge(X, y, 0.0)


def _map_bias_unpenalised(X, y, noise_std, prior_std):
    d = _f(X).shape[1]
    pen = np.eye(d)
    pen[0, 0] = 0.0
    return _ridge(X, y, noise_std**2 / prior_std**2, pen)


def _map_lambda_over_n(X, y, noise_std, prior_std):  # sklearn-style mean squared error
    return _ridge(X, y, _f(X).shape[0] * noise_std**2 / prior_std**2)


def _h_naive(p, axis=-1):  # 0 · log 0 = nan
    p = _f(p)
    return -np.sum(p * np.log(p), axis=axis)


def _h_nansum(p, axis=-1):  # right values, but log(0) warns
    p = _f(p)
    return -np.nansum(p * np.log(p), axis=axis)


def _kl_naive(p, q, axis=-1):
    p, q = _f(p), _f(q)
    return np.maximum(np.sum(p * np.log(p / q), axis=axis), 0.0)


def _kl_where(p, q, axis=-1):  # right values where p = 0, but np.where computed 0 · log 0 (and warned) first
    p, q = _f(p), _f(q)
    return np.sum(np.where(p > 0, p * np.log(p / q), 0.0), axis=axis)


def _h_where(p, axis=-1):
    p = _f(p)
    return -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=axis)


def _js_naive(p, q, axis=-1):
    p, q = _f(p), _f(q)
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m) + q * np.log(q / m), axis=axis)


def _bp_log_of_exp_prior(log_prior, ll):
    prior = np.exp(_f(log_prior))
    return _softmax(np.log(prior / prior.sum()) + _ll_total(ll, prior.size))


def _slices_of(probe):
    """A probe's first array argument and its ``axis`` (entropy, kl_divergence, js_divergence)."""
    p = np.asarray(probe.args[0], dtype=float)
    return p, probe.kwargs.get("axis", probe.args[2] if len(probe.args) > 2 else -1)


def _sums(probe):
    """``(each slice's sum, the whole array's sum)`` of a probe's first argument."""
    p, axis = _slices_of(probe)
    return np.sum(p, axis=axis), float(np.sum(p))


def _valid_rejected(rejected, accepted):
    """A valid input was rejected (ValueError) where ``rejected(probe)``, and every input the function accepted
    among the check's others satisfies ``accepted(probe)``: the rejection is that one test of the sum."""
    def rule(f):
        if not rejected(f.probe):
            return False
        return all(accepted(probe) for probe, outcome, _, _ in f.seen() if outcome.status == "returned")

    return all_of(raised("ValueError"), rule)


def _whole_sum_off(probe):
    sums, total = _sums(probe)
    return np.ndim(sums) > 0 and bool(np.all(sums == 1)) and abs(total - 1) > 1e-8


def _whole_sum_one(probe):
    return abs(_sums(probe)[1] - 1) <= 1e-8


def _sum_rounded(probe):
    sums, total = _sums(probe)
    return bool(np.all(np.abs(sums - 1) <= 1e-8) and np.any(sums != 1))


def _sums_exact(probe):
    return bool(np.all(_sums(probe)[0] == 1))


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
ZERO_LOG_ZERO = Hint(
    "A term with p = 0 is 0 · log 0, which floating point computes as nan (0 times -inf), with a RuntimeWarning: "
    "such a term is 0 by convention, so the log is needed only where p > 0 (scipy.special.xlogy is made for it).",
    _gave(_h_naive, _h_nansum, _h_where, _kl_naive, _kl_where, _js_naive),
    "zero-log-zero-nan",
)
SCALAR_CODE = Hint(
    "The function is written for one number, or one 1-D slice, at a time (the error shows it: an `if` or a "
    "`math` function was given an array): `p` may have any number of axes, and NumPy's functions, with `axis`, "
    "work on all of them at once.",
    scalar_code_on_arrays(),
    "scalar-code-on-arrays",
    kinds=("raised", "no-result"),
)
NATS = Hint("The result is in bits (or another base): the course measures information in nats, with the natural "
            "logarithm.", _gave(_h_log2, _kl_log2, _js_log2), "not-nats")
VALIDATE = Hint(
    "An input that is not a probability vector was accepted: check that no entry is negative and that each slice "
    "along `axis` sums to 1 within 1e-8 (for KL and JSD, both p and q), and raise ValueError naming the argument.",
    lambda f: True,
    "distribution-unchecked",
    kinds=("no-raise",),
)
TOLERANCE_LOOSE = Hint(
    "A slice that sums to 1 ± 1e-6 was accepted: the contract's tolerance is 1e-8, while np.isclose and "
    "np.allclose allow about 1e-5 by default.",
    label_has("1e-6"),
    "sum-tolerance-loose",
    kinds=("no-raise",),
)
WHOLE_ARRAY_SUM = Hint(
    "A valid input of several slices was rejected: each slice along `axis` sums to 1, not the whole array, so the "
    "check is of each slice's sum.",
    all_of(lambda f: not scalar_code_on_arrays()(f), _valid_rejected(_whole_sum_off, _whole_sum_one)),
    "sum-checked-over-whole-array",
)
EXACT_SUM = Hint(
    "A valid input was rejected whose slices sum to 1 only up to rounding (rows normalised by a division sum to "
    "1 ± 2e-16): the contract accepts sums within 1e-8 of 1, so never test the sum with `== 1`.",
    all_of(lambda f: not scalar_code_on_arrays()(f), _valid_rejected(_sum_rounded, _sums_exact)),
    "sum-checked-exactly",
)
EPS_IN_LOG = Hint(
    "An epsilon inside the logarithm changes every term: a one-hot distribution no longer gives exactly 0, and "
    "q = 0 under p > 0 no longer gives inf. Terms with p = 0 are 0 by convention, and the log needs no epsilon.",
    # rtol 1e-12: an epsilon formula is recomputed exactly, and a renormalised p (p / p.sum(), legitimate)
    # differs from p by as little as an epsilon does.
    _gave(*(_h_eps(e) for e in (1e-16, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7)),
          *(_kl_eps(e) for e in (1e-16, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7)), rtol=1e-12),
    "epsilon-in-log",
)
TINY_COUNTS = Hint(
    "Entries near 0 are treated as zeros (a threshold, such as np.isclose's default of 1e-8): only exact zeros "
    "count 0, and a probability of 1e-9 is a probability (a thousand of them carry 2e-5 nats of entropy).",
    _gave(_h_skip_tiny, _kl_skip_tiny, _js_skip_tiny),
    "tiny-probabilities-skipped",
)
AXIS = Hint("The sum runs along another axis than `axis`: the result has the input's shape without that axis.",
            _gave(_h_other_axis), "entropy-other-axis")

_DISTRIBUTION_CHECKS = (SCALAR_CODE, TOLERANCE_LOOSE, VALIDATE, WHOLE_ARRAY_SUM, EXACT_SUM)
H_HINTS = (
    Hint("The minus sign is missing: entropy is never negative.", _gave(_h_no_minus), "entropy-sign"),
    Hint("The terms are averaged over the outcomes: entropy is their sum.", _gave(_h_mean), "entropy-mean"),
    NATS, TINY_COUNTS, EPS_IN_LOG, ZERO_LOG_ZERO, AXIS, *_DISTRIBUTION_CHECKS,
)
KL_HINTS = (
    Hint("The result is below 0 by rounding (about -1e-16 on nearly equal p and q): KL is never negative, and the "
         "contract asks for a sum that rounds below 0 to be clamped at 0.",
         all_of(kind("value"), label_has("nearly equal"), lambda f: f.outcome is not None
                and f.outcome.value is not None and np.all(np.asarray(f.outcome.value) > -1e-12)), "kl-unclamped"),
    Hint("The result is KL(q ‖ p): kl_divergence(p, q) weights the terms by p, and KL is not symmetric.",
         _gave(_kl_swapped), "kl-swapped"),
    Hint("The result is a difference of two entropies, which can be negative: KL compares p with q outcome by "
         "outcome, weighted by p.", _gave(_kl_entropy_difference, _kl_entropy_difference_reversed),
         "kl-entropy-difference"),
    Hint("The result is the cross-entropy of p and q, which is the KL plus the entropy of p: the entropy part is "
         "left in.", _gave(_kl_cross_entropy), "kl-cross-entropy-only"),
    NATS, TINY_COUNTS, EPS_IN_LOG,
    Hint("Where q = 0 under p > 0 the result is inf, as it should be, but the division by 0 warns: the contract "
         "asks for that inf without a RuntimeWarning.",
         all_of(label_has("inf"), warned("divide by zero")), "kl-zero-q-warns", kinds=("warning",)),
    ZERO_LOG_ZERO, *_DISTRIBUTION_CHECKS,
)
JS_HINTS = (
    Hint("The mixture is p + q, which sums to 2: the mixture is the average of the two distributions.",
         _gave(_js_sum_mixture), "js-sum-mixture"),
    Hint("This is a symmetrised KL(p ‖ q), infinite where the supports differ: Jensen–Shannon compares each "
         "distribution with their mixture instead.", _gave(_js_symmetric_kl, _js_geometric_mixture),
         "js-symmetrised-kl"),
    Hint("Both terms are there, but without their ½: the result is twice the JSD.", _gave(_js_no_half),
         "js-no-halves"),
    Hint("Only one of the two terms is there: JSD compares both p and q with their mixture.",
         _gave(_js_one_term, _js_one_term_halved), "js-one-term"),
    NATS, TINY_COUNTS, ZERO_LOG_ZERO, *_DISTRIBUTION_CHECKS,
)
BP_HINTS = (
    Hint("log_prior is already a log: exponentiating it and taking the log again computes the log of 0 for an "
         "impossible hypothesis (a divide-by-zero RuntimeWarning). Use it as it is.",
         _gave(_bp_log_of_exp_prior), "prior-exp-log"),
    Hint("The unnormalised posterior, a product of thousands of likelihoods, underflows to 0 (and 0/0 is nan): "
         "work in log space, and subtract the largest log-posterior before exponentiating (the max shift of "
         "problem set 1).", _gave(_bp_product, _bp_exp_unshifted), "posterior-underflow"),
    Hint("The prior is missing: the posterior is proportional to the prior times the likelihood.",
         _gave(_bp_prior_ignored), "prior-ignored"),
    Hint("The prior is counted twice: it enters the posterior once.", _gave(_bp_prior_twice), "prior-twice"),
    Hint("The result does not sum to 1: the posterior is normalised over the K hypotheses.",
         _gave(_bp_unnormalised, _bp_unnormalised_shifted, _bp_log_posterior, _bp_log_unnormalised),
         "posterior-unnormalised"),
    Hint("A 1-D log_likelihood of shape (K,) is one observation, and it was summed as K observations: make it one "
         "row first.", _gave(_bp_1d_summed), "one-observation-summed"),
    Hint("The log-likelihoods of the observations are averaged: independent observations multiply, so their logs "
         "add up.", _gave(_bp_mean_ll), "log-likelihoods-averaged"),
    Hint("Shapes that do not fit were accepted (NumPy's broadcasting made something of them): log_prior is (K,) "
         "and log_likelihood is (N, K) or (K,) with the same K, and anything else raises ValueError.",
         lambda f: True, "shapes-unchecked", kinds=("no-raise",)),
)
MAP_HINTS = (
    Hint("λ is inverted (prior over noise): a broad prior, a large prior_std, means little regularisation.",
         _gave(_map_inverted), "lambda-inverted"),
    Hint("λ is taken as the prior precision alone, which holds only when noise_std = 1: the noise variance belongs "
         "in λ too.", _gave(_map_prior_precision, _map_variance_sum), "lambda-prior-precision-only"),
    Hint("λ is a ratio of standard deviations where it is a ratio of variances.", _gave(_map_unsquared),
         "lambda-not-squared"),
    Hint("The prior is missing: these are the least-squares weights, which the MAP weights equal only for "
         "prior_std = inf.", _gave(_map_no_prior), "map-no-prior"),
    Hint("The first (intercept) weight is left out of the penalty: the prior N(0, prior_std² I) covers every "
         "weight.", _gave(_map_bias_unpenalised), "intercept-unpenalised"),
    Hint("The squared error is averaged over the N observations, which scales λ by N: the objective has the sum "
         "of squares.", _gave(_map_lambda_over_n), "map-mean-squared-error"),
    Hint("A noise_std or prior_std ≤ 0, or X and y of shapes that do not fit, was accepted: check the arguments "
         "first and raise ValueError naming the one that is wrong.", lambda f: True, "map-arguments-unchecked",
         kinds=("no-raise",)),
)

# --- relations: how -axis, -edges, -support, -properties, -stability and -limits judge a function
# against itself. Tolerances: both sides are the same function's results on inputs related exactly (a
# slice, a column of zeros, a hypothesis dropped, the arguments swapped), so 1e-10 relative is the checks'
# own; the bayes shifts keep the contract's 1e-5 where N·max|log-likelihood| > 1e8; the MAP limits allow
# what the limit itself leaves (see _narrow).
H_SLICES = Relation("slice by slice", "entropy(p, axis) = entropy of p's slices along axis laid out as the rows of a "
                    "2-D array (default axis), one result per slice")
H_ZEROS = Relation("zero entries add nothing", "entropy(p) = entropy(p without its zero entries), slice by slice",
                   shape_free=True)
H_ONE_HOT = Relation("one-hot is certain", "entropy of a one-hot slice = 0 exactly", atol=0.0, shape_free=True)
H_CHAIN = Relation("tiny probabilities count", "entropy(p) = entropy(p′) + b·entropy(uniform over k) when p′ merges "
                   "k equal parts of p (b in all), however small: the chain rule", shape_free=True)
KL_NONNEGATIVE = Relation("never negative", "kl_divergence(p, q) ≥ 0 (clamp a sum that rounds below 0)", atol=0.0,
                          shape_free=True, uses_result=True)
KL_SPLIT = Relation("outcomes with p = 0 add nothing", "kl_divergence(p, q) is unchanged when q's mass on an outcome "
                    "with p = 0 is split over a new outcome (p = 0 there too), or an outcome with p = q = 0 is "
                    "added", shape_free=True)
KL_CHAIN = Relation("tiny probabilities count", "kl_divergence(p, q) = kl_divergence(p′, q′) + b·kl_divergence(u, u) "
                    "when p′, q′ merge k equal parts of p (b in all) and of q, u uniform over k, however small: the "
                    "chain rule", shape_free=True)
JS_SYMMETRIC = Relation("symmetric", "js_divergence(p, q) = js_divergence(q, p)", shape_free=True)
JS_DISJOINT = Relation("disjoint supports give the maximum", "js_divergence(p, q) for disjoint supports = "
                       "js_divergence([1, 0], [0, 1]) (log 2 in nats)", shape_free=True)
JS_BOUNDED = Relation("between 0 and the maximum", "0 ≤ js_divergence(p, q) ≤ js_divergence([1, 0], [0, 1])",
                      atol=1e-15, shape_free=True, uses_result=True)
JS_SPLIT = Relation("outcomes outside both supports add nothing", "js_divergence(p, q) is unchanged when an outcome "
                    "with p = q = 0 is added", shape_free=True)
JS_CHAIN = Relation("tiny probabilities count", "js_divergence(p, q) = js_divergence(p′, q′) when p′, q′ merge k equal "
                    "parts of p and of q, however small: the chain rule", shape_free=True)
BP_SHIFT = Relation("only differences matter", "bayes_posterior(log_prior + a, log_likelihood + c) = "
                    "bayes_posterior(log_prior, log_likelihood) for a number a and a number c_n per observation "
                    "(the shift that brings the log-likelihoods near 0)", shape_free=True)
BP_IMPOSSIBLE = Relation("impossible hypotheses", "a hypothesis with log prior -inf or a log-likelihood -inf gets "
                         "exactly 0, and the others the posterior computed without it", shape_free=True)
MAP_RATIO = Relation("λ = noise_std² / prior_std²", "map_linear_regression(X, y, noise_std, prior_std) = "
                     "map_linear_regression(X, y, 1, prior_std / noise_std): only the ratio of the two matters",
                     rtol=0.0)
MAP_BROAD = Relation("prior_std = inf", "map_linear_regression(X, y, noise_std, inf) = map_linear_regression(X, y, "
                     "noise_std, 1e100): no prior is the limit of a very broad one (least squares)", rtol=0.0)
MAP_NARROW = Relation("prior_std → 0", "map_linear_regression(X, y, noise_std, s) = 4·map_linear_regression(X, y, "
                      "noise_std, s / 2) for a tiny s: the weights shrink like prior_std²", rtol=0.0)


def _norm_within(scale, relative):
    """The contract's accuracy for weights is in the 2-norm: ‖w − w*‖ ≤ relative·‖w*‖, given as a slack per entry
    (each entry may be off by that much; a tiny weight is not held to its own relative accuracy)."""

    def expected(value):
        value = scale * np.asarray(value, dtype=float)
        return Within(value, np.full(value.shape, relative * float(np.linalg.norm(value))))

    return expected


def _h_slices(label, p, axis, public=False):
    p = np.asarray(p, dtype=float)
    return related(label, (p,), {"axis": axis}, relation=H_SLICES.at(unrows(p.shape, axis, True)),
                   calls=rows_call(label, (p,), axis), public=public)


def _h_zeros(label, p, public=False):
    """``entropy(p)`` for slices with zero entries, judged against each slice without them."""
    p = np.asarray(p, dtype=float)
    rows = p.reshape(-1, p.shape[-1])
    calls = tuple((f"{label}: slice {i} without its zero entries", (row[row > 0].copy(),), {})
                  for i, row in enumerate(rows))

    def expected(*values):
        return np.array([float(np.asarray(v).reshape(-1)[0]) for v in values]).reshape(p.shape[:-1])

    return related(label, (p,), relation=H_ZEROS.at(expected), calls=calls, public=public)


def _h_one_hot(label, p, public=False):
    shape = np.shape(p)[:-1]
    return related(label, (p,), relation=H_ONE_HOT.at(lambda: np.zeros(shape)), calls=(), public=public)


def _h_chain(label, public=False):
    """``entropy(SPLIT_P)`` judged against the entropy of ``MERGED_P`` and of the uniform distribution over k."""
    return related(label, (SPLIT_P,), relation=H_CHAIN.at(lambda merged, uniform: merged + SPLIT_B * uniform),
                   calls=((f"{label}, its {SPLIT_K} parts merged into one outcome", (MERGED_P,), {}),
                          (f"the uniform distribution over {SPLIT_K} outcomes", (UNIFORM_K,), {})), public=public)


def _kl_chain(label, public=False):
    """``kl_divergence(SPLIT_P, SPLIT_Q)`` judged against the merged pair and the uniform against itself."""
    return related(label, (SPLIT_P, SPLIT_Q), relation=KL_CHAIN.at(lambda merged, uniform: merged + SPLIT_B * uniform),
                   calls=((f"{label}, the {SPLIT_K} parts of each merged into one outcome", (MERGED_P, MERGED_Q), {}),
                          (f"the uniform distribution over {SPLIT_K} outcomes against itself",
                           (UNIFORM_K, UNIFORM_K.copy()), {})), public=public)


def _js_chain(label, public=False):
    """``js_divergence(SPLIT_P, SPLIT_Q)`` judged against the merged pair."""
    return related(label, (SPLIT_P, SPLIT_Q), relation=JS_CHAIN.at(same),
                   calls=((f"{label}, the {SPLIT_K} parts of each merged into one outcome", (MERGED_P, MERGED_Q),
                           {}),), public=public)


def _kl_nonnegative(label, p, q, public=False):
    return related(label, (p, q), relation=KL_NONNEGATIVE.at(lambda got: np.maximum(got, 0.0)), calls=(),
                   public=public)


def _split(p, q, axis):
    """``(p', q')`` with one outcome more along ``axis``: half of q's mass on the first outcome where p = 0 moves
    there (p = 0 there too); slices without such an outcome get p = q = 0 there."""
    p, q = np.moveaxis(np.asarray(p, dtype=float), axis, -1), np.moveaxis(np.asarray(q, dtype=float), axis, -1)
    new_p = np.concatenate([p, np.zeros(p.shape[:-1] + (1,))], axis=-1)
    new_q = np.concatenate([q, np.zeros(q.shape[:-1] + (1,))], axis=-1)
    for index in np.ndindex(*p.shape[:-1]):
        zero = np.flatnonzero((p[index] == 0) & (q[index] > 0))
        if zero.size:
            j = zero[0]
            half = q[index][j] / 2  # exact: a division by 2
            new_q[index + (j,)] = half
            new_q[index + (-1,)] = q[index][j] - half
    return np.moveaxis(new_p, -1, axis), np.moveaxis(new_q, -1, axis)


def _kl_split(label, p, q, axis=None, public=False):
    kwargs = {} if axis is None else {"axis": axis}
    p2, q2 = _split(p, q, -1 if axis is None else axis)
    return related(label, (p, q), kwargs, relation=KL_SPLIT.at(same),
                   calls=((f"{label}, with q's mass on an outcome where p = 0 split over a new outcome", (p2, q2),
                           kwargs),), public=public)


UNIT_CALL: tuple[str, tuple[np.ndarray, np.ndarray], dict[str, object]]
UNIT_CALL = ("js_divergence([1.0, 0.0], [0.0, 1.0]) (disjoint supports: the largest value)",
             (np.array([1.0, 0.0]), np.array([0.0, 1.0])), {})


def _js_symmetric(label, p, q, public=False):
    return related(label, (p, q), relation=JS_SYMMETRIC.at(same),
                   calls=((f"{label} with p and q swapped", (q, p), {}),), public=public)


def _js_disjoint(label, p, q, public=False):
    shape = np.broadcast_shapes(np.shape(p), np.shape(q))[:-1]
    return related(label, (p, q), relation=JS_DISJOINT.at(lambda unit: np.full(shape, float(np.ravel(unit)[0]))),
                   calls=(UNIT_CALL,), public=public)


def _js_bounded(label, p, q, public=False):
    def expected(unit, got):
        return np.clip(got, 0.0, float(np.ravel(unit)[0]))

    return related(label, (p, q), relation=JS_BOUNDED.at(expected), calls=(UNIT_CALL,), public=public)


def _js_split(label, p, q, public=False):
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    zeros = np.zeros(p.shape[:-1] + (1,))
    return related(label, (p, q), relation=JS_SPLIT.at(same),
                   calls=((f"{label} with an outcome of probability 0 under both added",
                           (np.concatenate([p, zeros], axis=-1), np.concatenate([q, zeros], axis=-1)), {}),),
                   public=public)


def _bp_shift(label, log_prior, ll, public=False, rtol=None):
    """``bayes_posterior`` judged against the call with each observation's log-likelihoods shifted to near 0."""
    log_prior, ll = np.asarray(log_prior, dtype=float), np.asarray(ll, dtype=float)
    rows = np.atleast_2d(ll)
    c = np.round(np.max(np.where(np.isfinite(rows), rows, -np.inf), axis=1, keepdims=True))
    shifted = (rows - c).reshape(ll.shape)
    a = float(np.round(np.max(log_prior[np.isfinite(log_prior)])))
    return related(label, (log_prior, ll), relation=BP_SHIFT.at(same),
                   calls=((f"{label}, each observation's log-likelihoods shifted to near 0 (and the log prior too)",
                           (log_prior - a, shifted), {}),), public=public, rtol=rtol)


def _bp_impossible(label, log_prior, ll, public=False):
    """``bayes_posterior`` with impossible hypotheses judged against the call without them."""
    log_prior, ll = np.asarray(log_prior, dtype=float), np.asarray(ll, dtype=float)
    rows = np.atleast_2d(ll)
    possible = np.isfinite(log_prior) & np.all(np.isfinite(rows), axis=0)

    def expected(others):
        out = np.zeros(log_prior.shape)
        out[possible] = np.asarray(others, dtype=float).reshape(-1)
        return out

    return related(label, (log_prior, ll), relation=BP_IMPOSSIBLE.at(expected),
                   calls=((f"{label} without the impossible hypotheses",
                           (log_prior[possible], rows[:, possible].reshape(ll.shape[:-1] + (-1,))), {}),),
                   public=public)


def _map_ratio(label, X, y, noise_std, prior_std, public=False):
    return related(label, (X, y, noise_std, prior_std), relation=MAP_RATIO.at(_norm_within(1.0, 2 * MAP_RTOL)),
                   calls=((f"{label}, with noise_std = 1 and prior_std / noise_std", (X, y, 1.0,
                                                                                        prior_std / noise_std), {}),),
                   public=public)


def _map_broad(label, X, y, noise_std, public=False):
    return related(label, (X, y, noise_std, np.inf), relation=MAP_BROAD.at(_norm_within(1.0, 2 * MAP_RTOL)),
                   calls=((f"{label} but prior_std = 1e100", (X, y, noise_std, 1e100), {}),), public=public)


def _narrow(label, X, y, noise_std, prior_std, public=False):
    """``w(s) = 4·w(s/2)`` for a tiny s. With A = XᵀX and λ = noise_std²/s², w(s) = Xᵀy/λ − A·Xᵀy/λ² + …, so
    w(s) − 4·w(s/2) = −¾·A·Xᵀy/λ² + …: true to ¾‖A‖/λ relative in the 2-norm. The relation allows twice that
    plus both calls' 1e-8 (the contract's accuracy)."""
    X_ = np.asarray(X, dtype=float)
    lam = (noise_std / prior_std) ** 2
    relative = 2 * MAP_RTOL + 1.5 * np.linalg.norm(X_.T @ X_, 2) / lam
    return related(label, (X, y, noise_std, prior_std), relation=MAP_NARROW.at(_norm_within(4.0, relative)),
                   calls=((f"{label} but prior_std halved", (X, y, noise_std, prior_std / 2), {}),), public=public)


# --- probes shared by kl_divergence and js_divergence (each declared once) -------------
ROWS_46 = Probe("two (4, 6) arrays of distributions (one per row)", (P46, Q46))
ALONG_AXIS_1 = Probe("two (2, 3, 4) arrays with axis=1", (P_AXIS1, Q_AXIS1), {"axis": 1})
ONE_HOT_P = Probe("one-hot p against full-support q", ONE_HOT_VS_FULL)
PURE_PQ = Probe("the (2, 3) arrays p = [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]], "
                "q = [[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]]", (np.array(P_PURE), np.array(Q_PURE)), public=True)
PURE_PQ_LISTS = Probe("the same numbers as nested lists", (P_PURE, Q_PURE), public=True, twin=0)
PURE_PQ_1D = Probe("the 1-D arrays p = [0.5, 0.25, 0.125, 0.125], q = [0.25, 0.25, 0.25, 0.25]",
                   (np.array(P_PURE_1D), np.array(Q_PURE_1D)))
PURE_PQ_1D_LISTS = Probe("the same numbers as lists", (P_PURE_1D, Q_PURE_1D), twin=2)

# --- probes two cells of a function share (each declared once) --------------------------
H_ROWS_46 = Probe("a (4, 6) array of distributions (one per row)", (P46,))
KL_PUBLIC = Probe("kl_divergence([0.5, 0.5], [0.9, 0.1])", ([0.5, 0.5], [0.9, 0.1]), public=True)
JS_PUBLIC = Probe("js_divergence([0.5, 0.5], [0.9, 0.1])", ([0.5, 0.5], [0.9, 0.1]), public=True)
#: bayes_posterior's visible -basic probes, which its -shape cell asks again
BP_VISIBLE = (
    Probe("the base-rate test: log_prior = log([0.01, 0.99]), log_likelihood = log([0.99, 0.05])",
          BASE_RATE, public=True),
    Probe("a uniform log prior np.zeros(3) and three coin flips (H, H, T) under θ = 0.2, 0.5, 0.8",
          (np.zeros(3), COIN_LL), public=True),
)
BP_K5 = Probe("K = 5 hypotheses and N = 20 observations", (BP_PRIOR5, BP_LL_20x5))
BP_1D = Probe("one observation as a 1-D log_likelihood of shape (6,)", (BP_PRIOR6, BP_LL_1D))
MAP_WIDE_TALL = (
    Probe("N = 50, D = 5 with noise_std = 1, prior_std = 2", (X50, Y50, 1.0, 2.0)),
    Probe("N = 20, D = 30 (more weights than observations) with noise_std = 1, prior_std = 0.5",
          (X20x30, Y20, 1.0, 0.5)),
)

# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------
ENTROPY = PS.function("entropy", hints=H_HINTS)
KL_DIVERGENCE = PS.function("kl_divergence", hints=KL_HINTS)
JS_DIVERGENCE = PS.function("js_divergence", hints=JS_HINTS)
BAYES_POSTERIOR = PS.function("bayes_posterior", hints=BP_HINTS)
MAP_LINEAR_REGRESSION = PS.function("map_linear_regression", hints=MAP_HINTS, rtol=MAP_RTOL, atol=MAP_ATOL)


def _pq_errors_and_purity(function):
    """The "errors" and purity checks ``kl_divergence`` and ``js_divergence`` share: the same contract for p and
    q (non-negative, each slice summing to 1 within 1e-8), the same inputs; only the function's name differs."""
    return (
        function.check(
            "errors",
            summary="a negative entry or a slice that does not sum to 1 (within 1e-8) in p or q raises ValueError, "
                    "and valid input, rows normalised by a division or summing to 1 within 1e-8 included, gives "
                    "results.",
            probes=(
                Probe(f"{function.name}([0.2, 0.8], [0.5, 0.5]) (valid)", ([0.2, 0.8], [0.5, 0.5]), expect="call",
                      public=True),
                # dyadic rows, each summing to exactly 1 (the whole array does not): an input that tells a test of
                # the whole array's sum apart from a test of each row's with == 1 (the hints name which)
                Probe("rows of dyadic probabilities (valid)", (DYADIC_ROWS, DYADIC_ROWS[::-1].copy()), expect="call"),
                Probe("rows that sum to 1 up to rounding (valid)", (P46_DIV, Q46_DIV), expect="call"),
                Probe("rows that sum to 1 ± 5e-9 (valid: within 1e-8)", (NEAR_ONE, Q46), expect="call"),
                Probe("q = [0.7, 0.7] (sums to 1.4)", ([0.5, 0.5], [0.7, 0.7]), expect="raises", public=True),
                Probe("p = [-0.1, 1.1] (a negative entry)", ([-0.1, 1.1], [0.5, 0.5]), expect="raises",
                      public=True),
                Probe("p with one row summing to 0.9", (np.array([[0.5, 0.5], [0.45, 0.45]]), np.full((2, 2), 0.5)),
                      expect="raises"),
                Probe("q with a negative entry that still sums to 1",
                      (np.full(3, 1 / 3), np.array([0.6, 0.6, -0.2])), expect="raises"),
                Probe("q summing to 1 + 1e-6", (np.array([0.3, 0.7]), np.array([0.4, 0.6 + 1e-6])),
                      expect="raises"),
            ),
        ),
        function.purity(
            inputs="inputs",
            lists="nested lists",
            probes=(PURE_PQ, PURE_PQ_LISTS, PURE_PQ_1D, PURE_PQ_1D_LISTS, ROWS_46, ALONG_AXIS_1),
        ),
    )

CHECKS = (
    # ------------------------------------------------------------------ entropy
    ENTROPY.check(
        "basic",
        summary="H(p) = −Σ p log p in nats, over the last axis, for small distributions.",
        probes=(
            Probe("entropy([0.5, 0.5]) (log 2)", ([0.5, 0.5],), public=True),
            Probe("entropy([0.25, 0.25, 0.25, 0.25]) (log 4)", ([0.25, 0.25, 0.25, 0.25],), public=True),
            Probe("a distribution over 5 outcomes", (P5,)),
            Probe("[0.625, 0.25, 0.125]", ([0.625, 0.25, 0.125],)),
            H_ROWS_46,
        ),
    ),
    ENTROPY.check(
        "axis",
        summary="the distribution lies along `axis` (0, 1, -1; 2-D and 3-D inputs), which the result drops: each "
                "result is the entropy of the 1-D slice along `axis` there.",
        probes=(
            *_h_slices("[[0.5, 0.25], [0.5, 0.75]] with axis=0", [[0.5, 0.25], [0.5, 0.75]], 0, public=True),
            *_h_slices("np.full((2, 3, 4), 1/3) with axis=1 (log 3, shape (2, 4))", np.full((2, 3, 4), 1 / 3), 1,
                       public=True),
            *_h_slices("a (5, 4) array whose columns are distributions, axis=0", COLS_54, 0),
            *_h_slices("a (2, 3, 4) array with axis=1", P_AXIS1, 1),
            *_h_slices("a (2, 3, 4) array with axis=-1", P234, -1),
        ),
        shapes=True,
    ),
    ENTROPY.shape(
        summary="returns p's shape with `axis` removed: one number (a float or a 0-d array) for a 1-D p, shape (2,) "
                "for a (2, 2) p, (2, 4) for a (2, 3, 4) p with axis=1 (values are not judged).",
        probes=(
            Probe("entropy([0.5, 0.5])", ([0.5, 0.5],), public=True),
            Probe("[[0.5, 0.25], [0.5, 0.75]] with axis=0", ([[0.5, 0.25], [0.5, 0.75]],), {"axis": 0}, public=True),
            Probe("np.full((2, 3, 4), 1/3) with axis=1", (np.full((2, 3, 4), 1 / 3),), {"axis": 1}, public=True),
            H_ROWS_46,
            Probe("a (2, 3, 4) array with axis=-1", (P234,), {"axis": -1}),
        ),
    ),
    ENTROPY.check(
        "edges",
        summary="0 · log 0 = 0: one-hot distributions give exactly 0, zero entries add nothing, with no RuntimeWarning.",
        probes=(
            *_h_one_hot("entropy([1.0, 0.0, 0.0]) (exactly 0)", [1.0, 0.0, 0.0], public=True),
            *_h_zeros("entropy([0.5, 0.5, 0.0]) (log 2)", [0.5, 0.5, 0.0], public=True),
            *_h_one_hot("the 5 one-hot rows of np.eye(5) (each exactly 0)", ONE_HOT),
            *_h_zeros("rows with several zero entries", ZEROS_MIXED),
            Probe("a distribution with entries of 1e-300", (TINY,), expect="call"),
            Probe("sharply peaked rows with many tiny entries", (P_SHARP,), expect="call"),
            *_h_chain("1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10)", public=True),
        ),
        no_warnings=True,
        finite=True,
    ),
    ENTROPY.check(
        "errors",
        summary="a negative entry or a slice that does not sum to 1 (within 1e-8) raises ValueError, and valid "
                "input, rows normalised by a division or summing to 1 within 1e-8 included, gives results.",
        probes=(
            Probe("entropy([0.2, 0.8]) (valid)", ([0.2, 0.8],), expect="call", public=True),
            Probe("rows of dyadic probabilities (valid)", (DYADIC_ROWS,), expect="call"),
            Probe("rows that sum to 1 up to rounding (valid)", (P46_DIV,), expect="call"),
            Probe("rows that sum to 1 ± 5e-9 (valid: within 1e-8)", (NEAR_ONE,), expect="call"),
            Probe("entropy([0.5, 0.6]) (sums to 1.1)", ([0.5, 0.6],), expect="raises", public=True),
            Probe("entropy([1.5, -0.5]) (a negative entry)", ([1.5, -0.5],), expect="raises", public=True),
            Probe("a 2-D array with one row summing to 0.9", (np.array([[0.5, 0.5], [0.45, 0.45]]),),
                  expect="raises"),
            Probe("a row summing to 1 + 1e-6", (np.array([0.3, 0.7 + 1e-6]),), expect="raises"),
            Probe("columns that sum to 1 checked along axis=1 (rows do not)", (COLS_54,), {"axis": 1},
                  expect="raises"),
            Probe("a row with a negative entry that still sums to 1", (np.array([[0.6, 0.6, -0.2]]),),
                  expect="raises"),
        ),
    ),
    ENTROPY.purity(
        lists="nested lists",
        probes=(
            Probe("the array [0.5, 0.25, 0.125, 0.125]", (np.array(P_PURE_1D),), public=True),
            Probe("the same numbers as a list", (P_PURE_1D,), public=True, twin=0),
            Probe("the (2, 3) array [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]]", (np.array(P_PURE),)),
            Probe("the same numbers as a nested list", (P_PURE,), twin=2),
            Probe("the 1-D array [0.125, 0.875]", (np.array([0.125, 0.875]),)),
            Probe("a (4, 6) array of distributions", (P46,)),
            Probe("a (2, 3, 4) array with axis=1", (P_AXIS1,), {"axis": 1}),
        ),
    ),
    # ------------------------------------------------------------ kl_divergence
    KL_DIVERGENCE.check(
        "basic",
        summary="KL(p ‖ q) = Σ p log(p / q) in nats over the last axis; 0 for p = q; not symmetric; never negative "
                "(a sum that rounds below 0 is clamped to 0).",
        probes=(
            KL_PUBLIC,
            Probe("kl_divergence([0.25]*4, [0.25]*4) (0, up to rounding)", ([0.25] * 4, [0.25] * 4), public=True,
                  atol=EQUAL_ATOL),
            ROWS_46,
            Probe("the same two arrays in the other order", (Q46, P46)),
            Probe("equal (4, 6) arrays (each 0, up to rounding)", (P46, P46.copy()), atol=EQUAL_ATOL),
            ALONG_AXIS_1,
            *_kl_nonnegative("two nearly equal distributions (Σ p log(p/q) rounds to about -1e-16)", KL_NEAR_P,
                             KL_NEAR_Q, public=True),
        ),
    ),
    KL_DIVERGENCE.shape(
        summary="returns the shape of p with `axis` removed: one number (a float or a 0-d array) for 1-D p and q "
                "(values are not judged).",
        probes=(
            KL_PUBLIC,
            Probe("kl_divergence([0.25]*4, [0.25]*4)", ([0.25] * 4, [0.25] * 4), public=True),
            ROWS_46,
            ALONG_AXIS_1,
        ),
    ),
    KL_DIVERGENCE.check(
        "support",
        summary="terms with p = 0 add 0 (so q's mass where p = 0 does not matter), p > 0 where q = 0 gives inf, with "
                "no RuntimeWarning.",
        probes=(
            *_kl_split("kl_divergence([0.5, 0.5, 0.0], [0.5, 0.25, 0.25]) (a p = 0 term)",
                       np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.25, 0.25]), public=True),
            Probe("kl_divergence([0.5, 0.5], [1.0, 0.0]) (inf)", ([0.5, 0.5], [1.0, 0.0]), expect="call",
                  public=True),
            *_kl_split("rows mixing p = 0 terms, q = 0 under p > 0 (inf) and plain rows", KL_P, KL_Q),
            Probe("rows with disjoint supports (all inf)", (DISJOINT_P, DISJOINT_Q), expect="call"),
            *_kl_split("one-hot p against full-support q", *ONE_HOT_VS_FULL),
            *_kl_split("q with entries of 1e-300 under p > 0 (large, finite)", *TINY_Q),
            *_kl_split("the KL rows with zeros along axis=0 (inf in places)", KL_P.T.copy(), KL_Q.T.copy(), axis=0),
            *_kl_chain("p: 1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10); q: 1 - 2**-10 and 1024 of 2**-20",
                       public=True),
        ),
        no_warnings=True,
        finite=True,
    ),
    *_pq_errors_and_purity(KL_DIVERGENCE),
    # ------------------------------------------------------------ js_divergence
    JS_DIVERGENCE.check(
        "basic",
        summary="JSD = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2, in nats over the last axis.",
        probes=(
            JS_PUBLIC,
            Probe("js_divergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) (0, up to rounding)",
                  ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), public=True, atol=EQUAL_ATOL),
            ROWS_46,
            ALONG_AXIS_1,
            Probe("a distribution over 5 outcomes against the uniform one", (P5, np.full(5, 0.2))),
        ),
    ),
    JS_DIVERGENCE.shape(
        summary="returns the shape of p with `axis` removed: one number (a float or a 0-d array) for 1-D p and q "
                "(values are not judged).",
        probes=(
            JS_PUBLIC,
            ROWS_46,
            ALONG_AXIS_1,
        ),
    ),
    JS_DIVERGENCE.check(
        "properties",
        summary="finite where KL is not, symmetric, between 0 and its value on disjoint supports (log 2), the same "
                "for every pair of disjoint supports, outcomes outside both supports add nothing, and no "
                "RuntimeWarning.",
        probes=(
            Probe("js_divergence([1.0, 0.0], [0.0, 1.0]) (log 2)", ([1.0, 0.0], [0.0, 1.0]), expect="call",
                  public=True),
            *_js_symmetric("js_divergence([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])", np.array([0.5, 0.5, 0.0]),
                           np.array([0.0, 0.5, 0.5]), public=True),
            *_js_disjoint("rows with disjoint supports (each log 2)", DISJOINT_P, DISJOINT_Q),
            *_js_symmetric("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *_js_bounded("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *_js_split("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *_js_bounded("one-hot p against full-support q", *ONE_HOT_VS_FULL),
            *_js_symmetric("sharply peaked rows with many tiny entries, against each other", P_SHARP,
                           np.roll(P_SHARP, 1, axis=-1)),
            *_js_chain("p: 1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10); q: 1 - 2**-10 and 1024 of 2**-20",
                       public=True),
        ),
        no_warnings=True,
        finite=True,
    ),
    *_pq_errors_and_purity(JS_DIVERGENCE),
    # ---------------------------------------------------------- bayes_posterior
    BAYES_POSTERIOR.check(
        "basic",
        summary="posterior ∝ prior × Π likelihoods, normalised to sum to 1, from a (K,) log prior and (N, K) or (K,) "
                "log-likelihoods.",
        probes=(
            *BP_VISIBLE,
            BP_K5,
            Probe("an unnormalised log prior (log probabilities + 7) and N = 8", (BP_PRIOR_UNNORM, BP_LL_8x4)),
            BP_1D,
        ),
    ),
    BAYES_POSTERIOR.shape(
        summary="returns one probability per hypothesis, shape (K,), for a (N, K) or a (K,) log_likelihood (values "
                "are not judged).",
        probes=(*BP_VISIBLE, BP_K5, BP_1D),
    ),
    BAYES_POSTERIOR.check(
        "stability",
        summary="stable in log space, with no RuntimeWarning: thousands of observations whose likelihoods all "
                "underflow give what the same function gives with each observation's log-likelihoods shifted to "
                "near 0 (only differences matter; to 1e-5 relative where N·max|log-likelihood| > 1e8), and -inf "
                "log priors and log-likelihoods give exactly 0 (the rest as without those hypotheses).",
        probes=(
            *_bp_shift("N = 2000 rows of log-likelihoods [-1e5, -1e5 - 2**-10] with a uniform prior", *STABLE_PUBLIC,
                       public=True, rtol=BIG_SUM_RTOL),
            *_bp_shift("log-likelihoods of -1000 per observation, N = 3", BP_MID_PRIOR, BP_MID_LL),
            *_bp_shift("K = 4, N = 5000, every log-likelihood near -1e5", BP_BIG_PRIOR, BP_BIG_LL, rtol=BIG_SUM_RTOL),
            *_bp_impossible("-inf entries in the log prior: [-inf, log 0.5, log 0.5] with one observation "
                            "[-1.0, -2.0, -0.5] (the first hypothesis gets exactly 0)", [-np.inf, np.log(0.5), np.log(0.5)],
                            [[-1.0, -2.0, -0.5]], public=True),
            *_bp_impossible("-inf entries in the log prior (those hypotheses get exactly 0)", BP_INF_PRIOR,
                            BP_INF_LL),
            *_bp_impossible("an observation with log-likelihood -inf under one hypothesis (it gets exactly 0)",
                            np.log([0.2, 0.5, 0.3]), BP_IMPOSSIBLE_LL),
        ),
        no_warnings=True,
        finite=True,
    ),
    BAYES_POSTERIOR.check(
        "errors",
        summary="a log_likelihood whose shape does not match log_prior's (K,) raises ValueError (and valid input "
                "gives results).",
        probes=(
            Probe("the base-rate test (valid)", BASE_RATE, expect="call", public=True),
            Probe("K = 4 and N = 8 (valid)", (BP_PRIOR_UNNORM, BP_LL_8x4), expect="call"),
            Probe("log_prior of shape (3,) with log_likelihood of shape (4, 2)", (np.zeros(3), np.zeros((4, 2))),
                  expect="raises", public=True),
            Probe("log_prior of shape (3,) with log_likelihood of shape (2,)", (np.zeros(3), np.zeros(2)),
                  expect="raises", public=True),
            Probe("log_likelihood of shape (5, 1) for K = 3 (broadcasting would accept it)",
                  (np.log([0.2, 0.3, 0.5]), np.full((5, 1), -1.0)), expect="raises"),
            Probe("a 3-D log_likelihood of shape (2, 4, 3) for K = 3",
                  (np.log([0.2, 0.3, 0.5]), np.full((2, 4, 3), -1.0)), expect="raises"),
            Probe("a 2-D log_prior of shape (1, 3)", (np.zeros((1, 3)), np.full((4, 3), -1.0)), expect="raises"),
        ),
    ),
    BAYES_POSTERIOR.purity(
        inputs="inputs",
        probes=(
            Probe("the arrays log_prior = [-1.0, -2.0, -0.5], log_likelihood = [[-0.5, -1.5, -1.0], [-2.0, -0.3, -0.7]]",
                  tuple(np.array(a) for a in BP_PURE), public=True),
            Probe("the same numbers as lists", BP_PURE, public=True, twin=0),
            BP_K5,
            BP_1D,
        ),
    ),
    # ---------------------------------------------------- map_linear_regression
    MAP_LINEAR_REGRESSION.check(
        "basic",
        summary="the MAP weights minimise ‖y − Xw‖² + λ‖w‖², λ = noise_std² / prior_std², here with noise_std = 1 "
                "(λ = 1 / prior_std²); shape (D,).",
        probes=(
            Probe("X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], noise_std = 1, prior_std = 1 (λ = 1)",
                  (X3, Y3, 1.0, 1.0), public=True),
            Probe("the same X and y with noise_std = 1, prior_std = 10 (λ = 0.01)", (X3, Y3, 1.0, 10.0),
                  public=True),
            *MAP_WIDE_TALL,
            Probe("N = 100 with an intercept column of ones, noise_std = 1, prior_std = 0.5", (X100, Y100, 1.0, 0.5)),
        ),
    ),
    MAP_LINEAR_REGRESSION.shape(
        summary="returns one weight per column of X, shape (D,) (values are not judged).",
        probes=(
            Probe("X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], noise_std = 1, prior_std = 1",
                  (X3, Y3, 1.0, 1.0), public=True),
            *MAP_WIDE_TALL,
        ),
    ),
    MAP_LINEAR_REGRESSION.check(
        "limits",
        summary="λ = noise_std² / prior_std² (only the ratio prior_std / noise_std matters, not its inverse), "
                "prior_std = inf gives the limit of a very broad prior (least squares), and prior_std → 0 shrinks "
                "every weight like prior_std².",
        probes=(
            *_map_broad("X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], noise_std = 1, prior_std = inf (least squares)",
                        X3, Y3, 1.0, public=True),
            *_map_ratio("the same X and y with noise_std = 2, prior_std = 1 (λ = 4)", X3, Y3, 2.0, 1.0, public=True),
            *_narrow("the same X and y with noise_std = 1, prior_std = 1e-3 (λ = 1e6: weights near 0)", X3, Y3, 1.0,
                     1e-3, public=True),
            *_map_broad("N = 60, D = 6, cond(X) = 1e3, prior_std = inf", X_COND, Y_COND, 0.1),
            *_map_ratio("N = 50, D = 5 with noise_std = 5, prior_std = 0.5 (λ = 100)", X50, Y50, 5.0, 0.5),
            *_map_ratio("N = 50, D = 5 with noise_std = 0.125, prior_std = 0.0625 (λ = 4)", X50, Y50, 0.125, 0.0625),
            *_narrow("N = 50, D = 5 with noise_std = 2, prior_std = 1e-6 (weights near 0)", X50, Y50, 2.0, 1e-6),
        ),
    ),
    MAP_LINEAR_REGRESSION.check(
        "errors",
        summary="noise_std <= 0, prior_std <= 0 or a y whose length is not X's number of rows raise ValueError (and "
                "valid input gives weights).",
        probes=(
            Probe("X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], noise_std = 1, prior_std = 1 (valid)",
                  (X3, Y3, 1.0, 1.0), expect="call", public=True),
            Probe("N = 50, D = 5 with noise_std = 0.5, prior_std = 2 (valid)", (X50, Y50, 0.5, 2.0), expect="call"),
            Probe("noise_std = 0.0", (X3, Y3, 0.0, 1.0), expect="raises", public=True),
            Probe("prior_std = -1.0", (X3, Y3, 1.0, -1.0), expect="raises", public=True),
            Probe("y = [1.0, 2.0] for X with 3 rows", (X3, [1.0, 2.0], 1.0, 1.0), expect="raises", public=True),
            Probe("noise_std = -2.0", (X50, Y50, -2.0, 1.0), expect="raises"),
            Probe("prior_std = 0.0", (X50, Y50, 1.0, 0.0), expect="raises"),
            Probe("y with one entry more than X has rows", (X50, np.append(Y50, 1.0), 1.0, 1.0), expect="raises"),
        ),
    ),
    MAP_LINEAR_REGRESSION.purity(
        inputs="inputs",
        lists="nested lists",
        probes=(
            Probe("the arrays X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3] with noise_std = 1, prior_std = 1",
                  (np.array(X3), np.array(Y3), 1.0, 1.0), public=True),
            Probe("the same numbers as nested lists", (X3, Y3, 1.0, 1.0), public=True, twin=0),
            Probe("N = 50, D = 5 with noise_std = 0.5, prior_std = 2", (X50, Y50, 0.5, 2.0)),
            Probe("N = 100 with an intercept column, noise_std = 0.3, prior_std = 1", (X100, Y100, 0.3, 1.0)),
        ),
    ),
)
