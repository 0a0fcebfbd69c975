"""Hidden checks for problem set 6: entropy, kl_divergence, js_divergence, bayes_posterior, map_linear_regression.

Probes are fixed (seeded) inputs, drawn here in a fixed order. Two modules hold
the rest, so that this one reads as the probes and the cells: the hint rules,
with the wrong formulas that recreate common mistakes so that a hint can name
the one a submission made (``ps6_information_hints.py``), and the relations the
property cells judge a function against itself with, with the builders of their
probes (``ps6_information_relations.py``).

The notebook's visible self-checks use exactly the public probes (``public=True``):

=============================  ==================================================================
grade_id                       public inputs (expected values from the reference)
=============================  ==================================================================
entropy-basic                  ``entropy([0.5, 0.5])`` = log 2; ``entropy([0.25, 0.25, 0.25, 0.25])`` = log 4
entropy-axis                   ``entropy([[0.5, 0.1], [0.5, 0.9]], axis=0)``;
                               ``entropy(np.full((2, 3, 4), 1/3), axis=1)`` = log 3, shape (2, 4)
entropy-edges                  ``entropy([1.0, 0.0, 0.0])`` = 0.0 exactly; ``entropy([0.5, 0.5, 0.0])`` = log 2;
                               ``SPLIT_P`` (1 − 2^-20 and 1024 entries of 2^-30) against ``MERGED_P`` and the uniform
                               distribution over 1024 (the chain rule)
entropy-errors                 ``entropy([0.2, 0.8])`` (valid); ``entropy([0.5, 0.6])`` and
                               ``entropy([1.5, -0.5])`` raise ValueError
entropy-purity                 ``entropy(np.array([0.5, 0.25, 0.125, 0.125]))`` and the same numbers as a list
kl_divergence-basic            ``kl_divergence([0.5, 0.5], [0.9, 0.1])``;
                               ``kl_divergence([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25])`` = 0;
                               ``KL_NEAR_P``, ``KL_NEAR_Q`` (nearly equal: the result must not be negative;
                               ``p_one``, ``q_one``: a second such pair, whose sums are exactly 1.0 in float64)
kl_divergence-axis             ``kl_divergence([[0.5, 0.25], [0.5, 0.75]], [[0.25, 0.5], [0.75, 0.5]], axis=0)``
kl_divergence-shape            ``kl_divergence([0.5, 0.5], [0.9, 0.1])``, ``kl_divergence([0.25]*4, [0.25]*4)``: one
                               number each; ``p = q = np.full((2, 3, 4), 1/3)`` with ``axis=1``: shape (2, 4)
kl_divergence-support          ``kl_divergence([0.5, 0.5, 0.0], [0.5, 0.25, 0.25])`` = log 2 / 2;
                               ``kl_divergence([0.5, 0.5], [1.0, 0.0])`` = inf (no warning);
                               ``SPLIT_P``, ``SPLIT_Q`` against ``MERGED_P``, ``MERGED_Q`` (the chain rule)
kl_divergence-errors           ``kl_divergence([0.2, 0.8], [0.5, 0.5])`` (valid); ``kl_divergence([0.5, 0.5], [0.7, 0.7])``
                               and ``kl_divergence([-0.1, 1.1], [0.5, 0.5])`` raise ValueError
kl_divergence-purity           the (2, 3) arrays ``P_PURE``, ``Q_PURE`` (dyadic rows that sum to 1 exactly) and the same
                               numbers as nested lists
js_divergence-basic            ``js_divergence([0.5, 0.5], [0.9, 0.1])``; ``js_divergence([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])`` = 0
js_divergence-axis             as ``kl_divergence-axis``
js_divergence-shape            ``js_divergence([0.5, 0.5], [0.9, 0.1])``: one number; ``p = q = np.full((2, 3, 4), 1/3)``
                               with ``axis=1``: shape (2, 4)
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

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.changes import scaled, sharpened
from autograder.checks.check import Check
from autograder.checks.declaration import FunctionChecks, ProblemSetChecks, linked
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_INFORMATION
from autograder.checks.probe import Probe, Relation, twinned
from autograder.checks.ps6_information_hints import BP_HINTS, H_HINTS, JS_HINTS, KL_HINTS, MAP_HINTS
from autograder.checks.ps6_information_relations import (
    JS_SLICES,
    KL_SLICES,
    bp_impossible,
    bp_shift,
    h_chain,
    h_one_hot,
    h_slices,
    h_zeros,
    js_bounded,
    js_chain,
    js_disjoint,
    js_split,
    js_symmetric,
    kl_chain,
    kl_nonnegative,
    kl_split,
    map_broad,
    map_narrow,
    map_ratio,
    slices,
)
from autograder.checks.slice_form import SliceForm

PS = ProblemSetChecks("ps6_information", forbidden=SCIPY_INFORMATION + FRAMEWORKS,
                       allowed="NumPy, scipy.special.xlogy, scipy.special.logsumexp, np.linalg.lstsq and scipy.linalg")
FORBIDDEN = PS.forbidden
#: What the advice names for a function of ps6 whose ready-made version was used: each function's own tools.
_DIVERGENCE_TOOLS = "NumPy and scipy.special.xlogy"

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


def _dirichlet(shape: int | tuple[int, ...], alpha: float = 1.0) -> np.ndarray:
    """Rows of probabilities (last axis), normalised by a division: sums are 1 to ~1 ulp."""
    g = _rng.gamma(alpha, size=shape)
    return g / g.sum(axis=-1, keepdims=True)


def _exact(p: ArrayLike) -> np.ndarray:
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
# A second such pair whose sums are exactly 1.0 in float64 (np.sum, math.fsum and Python's sum alike), so that code
# dividing by the sums first (as scipy.stats.entropy and torchmetrics do) computes on the same numbers and still
# rounds below 0 (-5.6e-17 … -2.2e-16; the pair above gives +6.3e-17 once divided by its sums). The exact value
# for these float64 inputs is -8.2e-17 (mpmath, 50 digits; their exact sums are 1 - 5.6e-17 and 1 + 2.8e-17).
KL_NEAR_P_SUM_1 = np.array([0.29083006075559376, 0.24785217049220767, 0.19900409299026686, 0.26231367576193165])
KL_NEAR_Q_SUM_1 = np.array([0.29083006081190804, 0.24785217008799815, 0.1990040927524245, 0.26231367634766933])

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


def _design(n: int, d: int, cond: float) -> np.ndarray:
    """A seeded (n, d) design with singular values from 1 down to 1/cond."""
    u, _ = np.linalg.qr(_rng.normal(size=(n, d)))
    v, _ = np.linalg.qr(_rng.normal(size=(d, d)))
    return (u * np.logspace(0, -np.log10(cond), d)) @ v.T


def _weights(d: int) -> np.ndarray:
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


# --- probes shared by kl_divergence and js_divergence (each declared once) -------------
ROWS_46 = Probe("two (4, 6) arrays of distributions (one per row)", (P46, Q46))
ALONG_AXIS_1 = Probe("two (2, 3, 4) arrays with axis=1", (P_AXIS1, Q_AXIS1), {"axis": 1})
#: a 3-D input along the last axis: code that takes any number of dimensions but checks the last axis accepts it, code
#: written for 2-D batches rejects it (so that a rejection of ALONG_AXIS_1 is not read as the last axis's check)
ALONG_LAST_AXIS = Probe("two (2, 3, 4) arrays with axis=-1", (P234, Q234), {"axis": -1})
#: the divergences' public 3-D input (their shape cells' visible asserts call it)
FLAT_PQ_AXIS_1 = Probe("p = q = np.full((2, 3, 4), 1/3) with axis=1", (np.full((2, 3, 4), 1 / 3),
                                                                       np.full((2, 3, 4), 1 / 3)), {"axis": 1},
                       public=True)
ONE_HOT_P = Probe("one-hot p against full-support q", ONE_HOT_VS_FULL)
PURE_PQ, PURE_PQ_LISTS = twinned("the (2, 3) arrays p = [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]], "
                                 "q = [[0.5, 0.25, 0.25], [0.125, 0.125, 0.75]]", (P_PURE, Q_PURE), "nested lists")
PURE_PQ_1D, PURE_PQ_1D_LISTS = twinned("the 1-D arrays p = [0.5, 0.25, 0.125, 0.125], q = [0.25, 0.25, 0.25, 0.25]",
                                       (P_PURE_1D, Q_PURE_1D), at=2, public=False)

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
# (changes: the function's own work, asked in every cell but the value cells and -purity: autograder/checks/changes.py;
# the log prior in -stability, the cell of its -inf entries; the MAP weights' noise and prior standard deviations in
# -limits, the cell of the prior's limits)
PQ_CHANGES = (sharpened(0, "p"), sharpened(1, "q"))
ENTROPY = PS.function("entropy", hints=H_HINTS, slice_form=SliceForm(arrays=1), allowed=_DIVERGENCE_TOOLS,
                      changes=(sharpened(0, "p"),),
                      points={"basic": 5, "axis": 2, "shape": 1, "edges": 3, "errors": 1, "purity": 1}, minutes=25,
                      demo="np.array([0.2, 0.3, 0.5])",
                      contract=("the Shannon entropy −Σ p log p, with 0·log 0 = 0 (a one-hot slice gives exactly 0 "
                                "and no warning). Only exact zeros count 0: a probability of 1e-9 is a probability "
                                "(no threshold such as `np.isclose(p, 0)`, no epsilon)."))
KL_DIVERGENCE = PS.function("kl_divergence", hints=KL_HINTS, slice_form=SliceForm(arrays=2), allowed=_DIVERGENCE_TOOLS,
                            changes=PQ_CHANGES,
                            points={"basic": 4, "axis": 1, "shape": 1, "support": 3, "errors": 1, "purity": 1},
                            minutes=30, demo="np.array([0.2, 0.3, 0.5]), np.array([0.3, 0.3, 0.4])",
                            contract=("the discrete KL(p ‖ q) = Σ p log(p/q). Terms with p = 0 contribute 0 (exact "
                                      "zeros only, as in `entropy`; so in `js_divergence`); where some p > 0 meets q "
                                      "= 0 the result is `inf`, with no `RuntimeWarning`. Never negative (−1e-17 is a "
                                      "bug): on nearly equal p and q a sum of terms of both signs rounds to about "
                                      "−1e-16, so the result is clamped, max(Σ, 0)."))
JS_DIVERGENCE = PS.function("js_divergence", hints=JS_HINTS, slice_form=SliceForm(arrays=2), allowed=_DIVERGENCE_TOOLS,
                            changes=PQ_CHANGES,
                            points={"basic": 4, "axis": 1, "shape": 1, "properties": 3, "errors": 1, "purity": 1},
                            minutes=20, demo="np.array([0.2, 0.3, 0.5]), np.array([0.3, 0.3, 0.4])",
                            contract=("the Jensen–Shannon divergence ½KL(p ‖ m) + ½KL(q ‖ m) with m = (p + q)/2: "
                                      "finite for every p, q (disjoint supports give log 2), symmetric, never "
                                      "negative, at most log 2 up to rounding."))
BAYES_POSTERIOR = PS.function("bayes_posterior", hints=BP_HINTS, allowed="NumPy and scipy.special.logsumexp",
                              changes=(scaled(1, "log_likelihood"), scaled(0, "log_prior", cells=("stability",))),
                              points={"basic": 5, "shape": 1, "stability": 2, "errors": 1, "purity": 1}, minutes=30,
                              demo="np.log(np.array([0.5, 0.5])), np.log(np.array([[0.2, 0.7]]))",
                              contract=("posterior probabilities over K hypotheses after N independent observations. "
                                        "`log_prior` has shape (K,) and may be unnormalised (only differences matter; "
                                        "−inf means impossible). `log_likelihood` has shape (N, K), entry [n, k] = "
                                        "log p(x_n | h_k); a 1-D `log_likelihood` of shape (K,) is one observation. "
                                        "Returns shape (K,), summing to 1. Stable when every likelihood underflows (N "
                                        "in the thousands, log-likelihoods of −1e5): work in log space. Accurate to "
                                        "1e-10 relative, or 1e-5 where N·max|log-likelihood| exceeds 1e8 (rounding "
                                        "the inputs' sum allows no better). A shape mismatch raises `ValueError`."))
MAP_LINEAR_REGRESSION = PS.function("map_linear_regression", hints=MAP_HINTS, rtol=MAP_RTOL, atol=MAP_ATOL,
                                    allowed="NumPy, np.linalg.lstsq and scipy.linalg",
                                    changes=(scaled(0, "X"), scaled(1, "y"), scaled(2, "noise_std", 2.0, ("limits",)),
                                             scaled(3, "prior_std", 2.0, ("limits",))),
                                    points={"basic": 5, "shape": 1, "limits": 3, "errors": 1, "purity": 1}, minutes=40,
                                    demo=("np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([1.0, 2.0, 3.0]), "
                                          "1.0, 1.0"),
                                    contract=("the MAP weights of y = Xw + ε, ε ~ N(0, noise_std²), with prior w ~ "
                                              "N(0, prior_std² I): the minimiser of ‖y − Xw‖² + λ‖w‖², λ = "
                                              "noise_std²/prior_std² (L2 regularisation, i.e. weight decay). `X` is "
                                              "(N, D), `y` is (N,), the result (D,). `prior_std = inf` gives the "
                                              "least-squares (maximum-likelihood) weights. No explicit inverse: a "
                                              "Cholesky solve of the regularised normal equations, or `lstsq` on the "
                                              "stacked system [X; √λ I] w ≈ [y; 0]. Accurate to ‖w − w*‖ ≤ 1e-8 ‖w*‖ "
                                              "for cond(X) up to 1e3. `noise_std <= 0`, `prior_std <= 0` or "
                                              "mismatched shapes raise `ValueError`."))


def _pq_errors_and_purity(function: FunctionChecks) -> tuple[Check, Check]:
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
            probes=(PURE_PQ, PURE_PQ_LISTS, PURE_PQ_1D, PURE_PQ_1D_LISTS, ROWS_46, ALONG_AXIS_1,
                    # zeros in both (q = 0 only where p = 0): a patch only they trigger (q[q == 0] = eps) would write
                    # into the caller's arrays; their warnings are -support's and -edges', not judged here
                    Probe("distributions with zero entries (q = 0 only where p = 0)",
                          (np.array([[0.5, 0.5, 0.0], [0.2, 0.0, 0.8]]), np.array([[0.25, 0.25, 0.5], [0.1, 0.0, 0.9]])),
                          warnings_judged=False)),
        ),
    )

def _pq_axis(relation: Relation) -> tuple[Probe, ...]:
    """The -axis probes of a divergence: p and q along axis 0, 1 and -1, against the same function on their rows."""
    return (
        *slices(relation, "[[0.5, 0.25], [0.5, 0.75]] against [[0.25, 0.5], [0.75, 0.5]] with axis=0",
                ([[0.5, 0.25], [0.5, 0.75]], [[0.25, 0.5], [0.75, 0.5]]), 0, public=True),
        *slices(relation, "two (2, 3, 4) arrays with axis=1", (P_AXIS1, Q_AXIS1), 1),
        *slices(relation, "two (6, 4) arrays whose columns are distributions, axis=0", (P46.T.copy(), Q46.T.copy()), 0),
        *slices(relation, "two (2, 3, 4) arrays with axis=-1", (P234, Q234), -1),
    )


CHECKS = linked((
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
            # (not [[0.5, 0.25], [0.5, 0.75]]: its rows and its columns have the same entropies, -0.25 log 0.25
            # being -0.5 log 0.5, so an entropy that ignores `axis` passed it, and the self-check built on it)
            *h_slices("[[0.5, 0.1], [0.5, 0.9]] with axis=0", [[0.5, 0.1], [0.5, 0.9]], 0, public=True),
            *h_slices("np.full((2, 3, 4), 1/3) with axis=1 (log 3, shape (2, 4))", np.full((2, 3, 4), 1 / 3), 1,
                      public=True),
            *h_slices("a (5, 4) array whose columns are distributions, axis=0", COLS_54, 0),
            *h_slices("a (2, 3, 4) array with axis=1", P_AXIS1, 1),
            *h_slices("a (2, 3, 4) array with axis=-1", P234, -1),
        ),
        shapes=True,
    ),
    ENTROPY.shape(
        summary="returns p's shape with `axis` removed: one number (a float or a 0-d array) for a 1-D p, shape (2,) "
                "for a (2, 2) p, (2, 4) for a (2, 3, 4) p with axis=1 (values are not judged).",
        probes=(
            Probe("entropy([0.5, 0.5])", ([0.5, 0.5],), public=True),
            Probe("[[0.5, 0.1], [0.5, 0.9]] with axis=0", ([[0.5, 0.1], [0.5, 0.9]],), {"axis": 0}, public=True),
            Probe("np.full((2, 3, 4), 1/3) with axis=1", (np.full((2, 3, 4), 1 / 3),), {"axis": 1}, public=True),
            H_ROWS_46,
            Probe("a (2, 3, 4) array with axis=-1", (P234,), {"axis": -1}),
        ),
    ),
    ENTROPY.check(
        "edges",
        summary="0 · log 0 = 0: one-hot distributions give exactly 0, zero entries add nothing, with no RuntimeWarning.",
        probes=(
            *h_one_hot("entropy([1.0, 0.0, 0.0]) (exactly 0)", [1.0, 0.0, 0.0], public=True),
            *h_zeros("entropy([0.5, 0.5, 0.0]) (log 2)", [0.5, 0.5, 0.0], public=True),
            *h_one_hot("the 5 one-hot rows of np.eye(5) (each exactly 0)", ONE_HOT),
            *h_zeros("rows with several zero entries", ZEROS_MIXED),
            Probe("a distribution with entries of 1e-300", (TINY,), expect="call"),
            Probe("sharply peaked rows with many tiny entries", (P_SHARP,), expect="call"),
            *h_chain("1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10)", SPLIT_P, MERGED_P, UNIFORM_K, SPLIT_B,
                    public=True),
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
            *twinned("the array [0.5, 0.25, 0.125, 0.125]", (P_PURE_1D,), "a list"),
            *twinned("the (2, 3) array [[0.25, 0.25, 0.5], [0.5, 0.375, 0.125]]", (P_PURE,), "a nested list", at=2,
                     public=False),
            Probe("the 1-D array [0.125, 0.875]", (np.array([0.125, 0.875]),)),
            Probe("a (4, 6) array of distributions", (P46,)),
            Probe("a (2, 3, 4) array with axis=1", (P_AXIS1,), {"axis": 1}),
            # zero entries: a patch only they trigger (p[p == 0] = eps) would write into the caller's array; their
            # warnings are -edges' (0 · log 0), not judged here
            Probe("distributions with zero entries [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]",
                  (np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]]),), warnings_judged=False),
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
            *kl_nonnegative("two nearly equal distributions (Σ p log(p/q) rounds to about -1e-16)", KL_NEAR_P,
                            KL_NEAR_Q, public=True),
            *kl_nonnegative("two nearly equal distributions whose sums are exactly 1.0 in float64 (Σ p log(p/q) "
                            "rounds to about -1e-16 also after dividing by the sums)", KL_NEAR_P_SUM_1,
                            KL_NEAR_Q_SUM_1, public=True),
        ),
    ),
    KL_DIVERGENCE.check(
        "axis",
        summary="p and q are distributions along `axis` (0, 1, -1; 2-D and 3-D inputs), which the result drops: each "
                "result is the divergence of the 1-D slices of p and q along `axis` there.",
        probes=_pq_axis(KL_SLICES),
        shapes=True,
    ),
    KL_DIVERGENCE.shape(
        summary="returns the shape of p with `axis` removed: one number (a float or a 0-d array) for 1-D p and q "
                "(values are not judged).",
        probes=(
            KL_PUBLIC,
            Probe("kl_divergence([0.25]*4, [0.25]*4)", ([0.25] * 4, [0.25] * 4), public=True),
            FLAT_PQ_AXIS_1,
            ROWS_46,
            ALONG_AXIS_1,
            ALONG_LAST_AXIS,
        ),
    ),
    KL_DIVERGENCE.check(
        "support",
        summary="terms with p = 0 add 0 (so q's mass where p = 0 does not matter), p > 0 where q = 0 gives inf, with "
                "no RuntimeWarning.",
        probes=(
            *kl_split("kl_divergence([0.5, 0.5, 0.0], [0.5, 0.25, 0.25]) (a p = 0 term)",
                      np.array([0.5, 0.5, 0.0]), np.array([0.5, 0.25, 0.25]), public=True),
            Probe("kl_divergence([0.5, 0.5], [1.0, 0.0]) (inf)", ([0.5, 0.5], [1.0, 0.0]), expect="call",
                  public=True),
            *kl_split("rows mixing p = 0 terms, q = 0 under p > 0 (inf) and plain rows", KL_P, KL_Q),
            Probe("rows with disjoint supports (all inf)", (DISJOINT_P, DISJOINT_Q), expect="call"),
            *kl_split("one-hot p against full-support q", *ONE_HOT_VS_FULL),
            *kl_split("q with entries of 1e-300 under p > 0 (large, finite)", *TINY_Q),
            *kl_split("the KL rows with zeros along axis=0 (inf in places)", KL_P.T.copy(), KL_Q.T.copy(), axis=0),
            *kl_chain("p: 1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10); q: 1 - 2**-10 and 1024 of 2**-20",
                      (SPLIT_P, SPLIT_Q), (MERGED_P, MERGED_Q), UNIFORM_K, SPLIT_B, public=True),
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
            Probe("a distribution over 5 outcomes against the uniform one", (P5, np.full(5, 0.2))),
        ),
    ),
    JS_DIVERGENCE.check(
        "axis",
        summary="p and q are distributions along `axis` (0, 1, -1; 2-D and 3-D inputs), which the result drops: each "
                "result is the divergence of the 1-D slices of p and q along `axis` there.",
        probes=_pq_axis(JS_SLICES),
        shapes=True,
    ),
    JS_DIVERGENCE.shape(
        summary="returns the shape of p with `axis` removed: one number (a float or a 0-d array) for 1-D p and q "
                "(values are not judged).",
        probes=(
            JS_PUBLIC,
            FLAT_PQ_AXIS_1,
            ROWS_46,
            ALONG_AXIS_1,
            ALONG_LAST_AXIS,
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
            *js_symmetric("js_divergence([0.5, 0.5, 0.0], [0.0, 0.5, 0.5])", np.array([0.5, 0.5, 0.0]),
                          np.array([0.0, 0.5, 0.5]), public=True),
            *js_disjoint("rows with disjoint supports (each log 2)", DISJOINT_P, DISJOINT_Q),
            *js_symmetric("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *js_bounded("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *js_split("rows mixing zeros in p, in q, and in both", KL_P, KL_Q),
            *js_bounded("one-hot p against full-support q", *ONE_HOT_VS_FULL),
            *js_symmetric("sharply peaked rows with many tiny entries, against each other", P_SHARP,
                          np.roll(P_SHARP, 1, axis=-1)),
            *js_chain("p: 1 - 2**-20 and 1024 probabilities of 2**-30 (9.3e-10); q: 1 - 2**-10 and 1024 of 2**-20",
                      (SPLIT_P, SPLIT_Q), (MERGED_P, MERGED_Q), SPLIT_K, public=True),
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
            *bp_shift("N = 2000 rows of log-likelihoods [-1e5, -1e5 - 2**-10] with a uniform prior", *STABLE_PUBLIC,
                      public=True, rtol=BIG_SUM_RTOL),
            *bp_shift("log-likelihoods of -1000 per observation, N = 3", BP_MID_PRIOR, BP_MID_LL),
            *bp_shift("K = 4, N = 5000, every log-likelihood near -1e5", BP_BIG_PRIOR, BP_BIG_LL, rtol=BIG_SUM_RTOL),
            *bp_impossible("-inf entries in the log prior: [-inf, log 0.5, log 0.5] with one observation "
                           "[-1.0, -2.0, -0.5] (the first hypothesis gets exactly 0)", [-np.inf, np.log(0.5), np.log(0.5)],
                           [[-1.0, -2.0, -0.5]], public=True),
            *bp_impossible("-inf entries in the log prior (those hypotheses get exactly 0)", BP_INF_PRIOR,
                           BP_INF_LL),
            *bp_impossible("an observation with log-likelihood -inf under one hypothesis (it gets exactly 0)",
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
            *twinned("the arrays log_prior = [-1.0, -2.0, -0.5], log_likelihood = [[-0.5, -1.5, -1.0], [-2.0, -0.3, -0.7]]",
                     BP_PURE),
            BP_K5,
            BP_1D,
        ),
    ),
    # ---------------------------------------------------- map_linear_regression
    MAP_LINEAR_REGRESSION.check(
        "basic",
        summary="the MAP weights of y = Xw + noise, noise ~ N(0, noise_std²), under the prior w ~ N(0, prior_std² I), "
                "here with noise_std = 1; shape (D,).",
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
        summary="only the ratio prior_std / noise_std matters (the right way up), "
                "prior_std = inf gives the limit of a very broad prior (least squares), and prior_std → 0 shrinks "
                "every weight like prior_std².",
        probes=(
            *map_broad("X = [[1, 0], [0, 1], [1, 1]], y = [1, 2, 3], noise_std = 1, prior_std = inf (least squares)",
                       X3, Y3, 1.0, accuracy=MAP_RTOL, public=True),
            *map_ratio("the same X and y with noise_std = 2, prior_std = 1 (λ = 4)", X3, Y3, 2.0, 1.0,
                       accuracy=MAP_RTOL, public=True),
            *map_narrow("the same X and y with noise_std = 1, prior_std = 1e-3 (λ = 1e6: weights near 0)", X3, Y3,
                        1.0, 1e-3, accuracy=MAP_RTOL, public=True),
            *map_broad("N = 60, D = 6, cond(X) = 1e3, prior_std = inf", X_COND, Y_COND, 0.1, accuracy=MAP_RTOL),
            *map_ratio("N = 50, D = 5 with noise_std = 5, prior_std = 0.5 (λ = 100)", X50, Y50, 5.0, 0.5,
                       accuracy=MAP_RTOL),
            *map_ratio("N = 50, D = 5 with noise_std = 0.125, prior_std = 0.0625 (λ = 4)", X50, Y50, 0.125, 0.0625,
                       accuracy=MAP_RTOL),
            *map_narrow("N = 50, D = 5 with noise_std = 2, prior_std = 1e-6 (weights near 0)", X50, Y50, 2.0, 1e-6,
                        accuracy=MAP_RTOL),
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
))
