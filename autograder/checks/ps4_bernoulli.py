"""Hidden checks for problem set 4: sigmoid, bernoulli_log_pmf, binary_cross_entropy,
binary_cross_entropy_with_logits.

Probes are fixed (seeded) inputs; the wrong formulas of ``ps4_bernoulli_hints.py``
recreate common mistakes so that a hint can name the one a submission made.

Tolerances: everything is compared at 1e-10 relative, with no absolute slack,
because the values that tell a careful implementation from a careless one
are tiny: ``sigmoid(-700)`` is 9.9e-305 (the naive ``1/(1+exp(-z))`` is exact
there but 0 from z = -710 on, with an overflow warning), and a perfect
prediction costs exactly 0 (one clipped at eps = 1e-15 costs 1e-15). The
exceptions: ``sigmoid-stability`` adds an absolute 1e-320 for z in
(-745, -708), where the true result is subnormal and float64 itself has
fewer digits (≈ 2000 units in the last place of a subnormal, 1e-16 of
sigmoid(-700)); and the tiny-p probes of the ``-edges`` checks (results
≈ -p) are judged to 1e-15 absolute, so that the textbook ``log(1 - p)``
passes like ``log1p(-p)`` (that refinement is "going further", not graded)
while clipping p to 1e-7 still fails.

Warnings: ``sigmoid`` and the logit form are "stable" in the contract (no
overflow warning); for ``bernoulli_log_pmf`` and ``binary_cross_entropy`` the
notebooks' visible ``-edges`` asserts turn warnings into errors, so the hidden
``-edges`` checks ask for no RuntimeWarning too (a visible assert must never
be stricter than its hidden check). A submission that gets the values right
through ``np.where(x == 1, np.log(p), ...)`` therefore loses the edge points:
``np.where`` evaluates ``log(0)`` in the branch it then discards.

What the logit-form probes leave out, on purpose: every probe's mean loss is
at least ~1e-3 (or exactly 0), and no soft label is within 1e-4 of 0 or 1. So both
common rewrites ``max(z, 0) - z·y + log1p(exp(-|z|))`` and the same with a
plain ``log(1 + exp(-|z|))`` pass, as the course intends: they differ from
the reference only for a mean loss below ~1e-8 (z = 40, y = 1 costs 4e-18,
which the plain log rounds to 0) or for labels within ~1e-8 of 0 or 1 on
logits of 1e4 (where ``z - z·y`` cancels).

Forbidden, each the very function asked for, ready-made:
``scipy.special.expit`` (the sigmoid), ``scipy.special.log_expit`` (log σ, i.e.
minus the logit-form loss for y = 1), ``scipy.stats.bernoulli`` (its ``logpmf``
is bernoulli_log_pmf), ``sklearn.metrics.log_loss`` (binary cross-entropy), and
torch / jax / tensorflow (all of them). Building blocks stay allowed:
``np.logaddexp``, ``scipy.special.xlogy`` / ``xlog1py`` / ``softplus``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.changes import flipped, scaled, toward_half
from autograder.checks.declaration import ProblemSetChecks, linked
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_SIGMOID, SKLEARN_LOG_LOSS
from autograder.checks.probe import Probe, Relation, Within, related, twinned
from autograder.checks.ps4_bernoulli_hints import BCE_HINTS, BERNOULLI_HINTS, LOGITS_HINTS, SIGMOID_HINTS
from autograder.checks.relations import EPS, Call, combination, label_layers
from autograder.checks.slice_form import SliceForm

PS = ProblemSetChecks("ps4_bernoulli", forbidden=SCIPY_SIGMOID + SKLEARN_LOG_LOSS + FRAMEWORKS,
                       allowed="NumPy (np.logaddexp, np.log1p) and scipy.special.xlogy and xlog1py")
FORBIDDEN = PS.forbidden

_rng = np.random.default_rng(20261124)

# --- sigmoid -----------------------------------------------------------------
SIG_PUBLIC = np.array([[-2.0, -0.5], [0.5, 3.0]])
SIG_SMALL = _rng.normal(size=(3, 4)) * 3
SIG_PUBLIC_EXTREME = np.array([-1000.0, -40.0, 40.0, 1000.0])
# The naive formula is exact down to z = -709 and 0 (with a warning) below:
# -745 … -710 are subnormal results, -800 underflows to 0 for everyone.
SIG_MIXED = np.array([
    -800.0, -745.0, -740.0, -720.0, -710.0, -709.0, -700.0, -100.0, -37.0, -1.0,
    0.0, 1.0, 37.0, 100.0, 700.0, 709.0, 710.0, 720.0, 800.0,
])
SIG_HUGE = np.array([[1e4, -1e4], [-1e4, 1e4], [1e3, -1e3]])
SIG_WIDE = _rng.normal(size=(64, 10)) * 400

# --- bernoulli_log_pmf / binary_cross_entropy --------------------------------
BER_X = (_rng.random(size=(4, 5)) < 0.5).astype(float)
BER_P = _rng.uniform(0.01, 0.99, size=(4, 5))
# Soft labels in steps of 1/8 (and never 0 or 1): a mixture of at most 8 hard-label arrays (relations.label_layers).
SOFT_Y = np.clip(np.round(_rng.uniform(0.0, 1.0, size=(4, 5)) * 8), 1, 7) / 8
SOFT_P = _rng.uniform(0.02, 0.98, size=(4, 5))
TINY_P = np.array([1e-8, 1e-10, 1e-12, 1e-16, 1e-300])
NEAR_EDGE_P = np.array([1e-300, 1e-20, 1.0 - 1e-12, 1.0 - 2.0**-53])
EDGE_GRID_P = np.array([[0.0, 1.0, 0.25, 1e-5], [1.0, 0.0, 0.75, 1.0 - 1e-5]])
EDGE_GRID_X = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]])
#: The -purity cells' visible examples, as lists (their array twins are made from them).
SIG_PURE = [[-2.0, 0.5], [3.0, -0.5]]
BER_PURE = ([0.0, 1.0, 1.0], [0.2, 0.7, 0.5])
BCE_PURE = ([0.9, 0.2, 0.6], [1.0, 0.0, 0.25])

# --- binary_cross_entropy_with_logits ----------------------------------------
LOGIT_Z = _rng.normal(size=(4, 5)) * 3
LOGIT_BIG = np.array([[1000.0, -1000.0], [1e4, -1e4]])
LOGIT_BIG_Y = np.array([[1.0, 0.0], [0.0, 1.0]])
LOGIT_SOFT_Z = np.array([1e4, -1e4, 800.0, -800.0, 50.0, -50.0])
LOGIT_SOFT_Y = np.array([0.25, 0.75, 0.5, 0.25, 0.75, 0.5])
LOGIT_WIDE = _rng.normal(size=(64, 10)) * 300
LOGIT_WIDE_Y = (_rng.random(size=(64, 10)) < 0.5).astype(float)
# Soft labels in steps of 1/4: a mixture of 5 hard-label arrays (relations.label_layers).
LOGIT_WIDE_SOFT = np.round(_rng.uniform(0.0, 1.0, size=(64, 10)) * 4) / 4


# --- relations: how -stability and -soft judge a function against itself -------------------------
# sigmoid and the logit form are judged up to the sign convention (a sign slip is -basic's): the pair of
# values at z and -z must be the right pair, whichever is which. Both pairs are pinned by a sum the
# contract fixes and by a product (sigmoid) or the other label's loss (logit form); the grader computes
# the closed forms stably, and a correct implementation is within 1e-10 relative of them (1e-320 absolute
# in the subnormal range, as the -stability cell always allowed).
SIGMOID_PAIR = Relation(
    "the pair at ±z", "sigmoid(z) and sigmoid(-z) have the sum and the product that the exact sigmoid's values at ±z "
    "have (the grader computes both stably): the values at z and -z are the correct pair, whichever is which (the "
    "sign is -basic's)", atol=1e-320, shape_free=True)
BCE_SOFT = Relation("affine in the labels", "binary_cross_entropy(p, Σ_k w_k·h_k) = Σ_k w_k·binary_cross_entropy(p, "
                    "h_k) for 0/1 label arrays h_k and weights w_k summing to 1", atol=1e-13)
LOGITS_PAIR = Relation(
    "both labels", "L(z, y) + L(z, 1 - y), the losses of the two labellings of the same logits with 0/1 labels y, "
    "add up to the exact total for those logits (the grader computes it stably; about |z| for a large |z|): the two "
    "are the right pair, whichever is which (the sign is -basic's)", shape_free=True)
LOGITS_SOFT = Relation("affine in the labels", "binary_cross_entropy_with_logits(z, Σ_k w_k·h_k) = Σ_k w_k·"
                       "binary_cross_entropy_with_logits(z, h_k) for 0/1 label arrays h_k and weights w_k summing "
                       "to 1", atol=1e-12, shape_free=True)

#: Why the -edges cells compare with the reference.
EDGES_WHY = ("The edge values are the contract's own numbers: 0 for a certain outcome, -inf for an impossible one, "
             "about -p for a tiny p, never nan. They are values, and no relation between calls pins them: a p "
             "clipped to [eps, 1 - eps] satisfies every symmetry of the formula (x ↔ 1 - x with p ↔ 1 - p). Each "
             "probe is one element or an array of perfect predictions (loss 0), so the mean over elements stays "
             "-basic's.")


def _sigmoid_pair(label: str, z: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``sigmoid(z)`` judged with ``sigmoid(-z)``: the right pair, in either order."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    product = e / (1.0 + e) ** 2

    def expected(other: ArrayLike) -> Within:
        other = np.asarray(other, dtype=float)
        if other.shape != z.shape and other.size == z.size:
            other = other.reshape(z.shape)
        big = other >= 0.5  # the mirror is the larger value: this one is the small one, product / larger
        with np.errstate(divide="ignore", invalid="ignore"):
            small = np.where(big, product / np.where(big, other, 1.0), 1.0 - other)
        return Within(small, 4 * EPS * np.abs(small))

    return related(label, (z,), relation=SIGMOID_PAIR.at(expected),
                   calls=((f"{label}, negated" if public else f"{label} with every sign flipped", (-z,), {}),),
                   public=public)


def _layers(relation: Relation, label: str, first: ArrayLike, y: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``f(first, y)`` for soft labels y, judged against the 0/1 label arrays y is a mixture of."""
    weights, layers = label_layers(y)
    calls: tuple[Call, ...]
    calls = tuple((f"{label}: the same {'p' if relation is BCE_SOFT else 'z'} with 0/1 labels, part {k + 1}",
                   (first, h), {}) for k, h in enumerate(layers))
    return related(label, (first, y), relation=relation.at(combination(weights)), calls=calls, public=public)


def _both_labels(label: str, z: ArrayLike, y: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``L(z, y)`` for 0/1 labels judged with ``L(z, 1 - y)``: they add up to mean(softplus(z) + softplus(-z))."""
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    total = float(np.mean(np.abs(z) + 2.0 * np.log1p(np.exp(-np.abs(z)))))

    def expected(other: ArrayLike) -> Within:
        other = np.asarray(other, dtype=float)
        return Within(total - other, 4 * EPS * (abs(total) + np.abs(other)))

    return related(label, (z, y), relation=LOGITS_PAIR.at(expected),
                   calls=((f"{label} with the other label (1 - y)", (z, 1.0 - y), {}),), public=public)


# --- probes two cells of a function share (each declared once) --------------------------
SIG_MODERATE = Probe("a (3, 4) array of moderate logits", (SIG_SMALL,))
SIG_RANGE = Probe("11 logits from -10 to 10", (np.linspace(-10.0, 10.0, 11),))
BER_45 = Probe("(4, 5) arrays of outcomes and probabilities", (BER_X, BER_P))
BCE_45 = Probe("(4, 5) arrays of predictions and 0/1 labels", (BER_P, BER_X))
#: The -basic probes of binary_cross_entropy, which its -shape cell asks again (for the container alone).
BCE_VALUES = (
    Probe("p = [0.8], y = [1]", ([0.8], [1]), public=True),
    Probe("p = [0.9, 0.2, 0.6], y = [1, 0, 0]", ([0.9, 0.2, 0.6], [1, 0, 0]), public=True),
    BCE_45,
    Probe("a single prediction p = 0.3 for label 0", (np.array([0.3]), np.array([0.0]))),
)
#: The -basic probes of binary_cross_entropy_with_logits with 0/1 labels, which its -shape cell asks again.
LOGITS_HARD = (
    Probe("z = np.array([0.0]), y = np.array([1.0])", (np.array([0.0]), np.array([1.0])), public=True),
    Probe("z = [-2.0, 0.5, 3.0], y = [0.0, 1.0, 0.25]",
          (np.array([-2.0, 0.5, 3.0]), np.array([0.0, 1.0, 0.25])), public=True),
    Probe("(4, 5) logits with 0/1 labels", (LOGIT_Z, BER_X)),
)

# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------
# (changes: the function's own work, asked in every cell but the value cells and -purity: autograder/checks/changes.py)
SIGMOID = PS.function("sigmoid", hints=SIGMOID_HINTS, changes=(scaled(0, "z"),),
                      points={"basic": 4, "stability": 4, "purity": 1}, minutes=25, demo="np.array([-1.0, 0.0, 1.0])",
                      contract="1 / (1 + exp(−z)) element-wise, stable (no overflow warning at z = −1000).")
BERNOULLI_LOG_PMF = PS.function("bernoulli_log_pmf", hints=BERNOULLI_HINTS,
                                changes=(flipped(0, "x"), toward_half(1, "p")),
                                points={"basic": 4, "edges": 3, "purity": 1}, minutes=20,
                                demo="np.array([1.0, 0.0]), np.array([0.3, 0.6])",
                                contract=("element-wise x·log p + (1 − x)·log(1 − p) with 0·log 0 = 0 (p = 1, x = 1 "
                                          "gives 0, not nan)."))
# one number for every shape, the mean over all elements: code written for one layout of the batch (a (1, m) row, as
# a course's vectorised notes have it) is charged for that in -basic and -shape only (docs/contract.md)
BINARY_CROSS_ENTROPY = PS.function("binary_cross_entropy", hints=BCE_HINTS,
                                   slice_form=SliceForm(arrays=2, mean=True, purity=False),
                                   changes=(toward_half(0, "p"), flipped(1, "y", cells=("soft",))),
                                   points={"basic": 4, "soft": 2, "shape": 1, "edges": 3, "purity": 1}, minutes=20,
                                   demo="np.array([0.3, 0.6]), np.array([1.0, 0.0])",
                                   contract=("the mean over elements of −[y·log p + (1 − y)·log(1 − p)]: the "
                                             "Bernoulli negative log-likelihood per element. `y` may be soft (in [0, "
                                             "1]). p ∈ {0, 1} agreeing with y gives 0, not nan. No epsilon clipping."))
BINARY_CROSS_ENTROPY_WITH_LOGITS = PS.function("binary_cross_entropy_with_logits", hints=LOGITS_HINTS,
                                               slice_form=SliceForm(arrays=2, mean=True, purity=False),
                                               changes=(scaled(0, "z"), flipped(1, "y", cells=("stability",))),
                                               points={"basic": 5, "shape": 1, "stability": 5, "purity": 1}, minutes=25,
                                               demo="np.array([0.3, -0.6]), np.array([1.0, 0.0])",
                                               contract=("the same loss with p = sigmoid(z), computed from the "
                                                         "logits: stable and accurate for |z| up to 1e4 (z = −1000, y "
                                                         "= 1 gives 1000)."))

CHECKS = linked((
    # ------------------------------------------------------------------ sigmoid
    SIGMOID.check(
        "basic",
        summary="1 / (1 + exp(-z)) element-wise for moderate z; the output has the input's shape.",
        probes=(
            Probe("the scalar 0.0", (0.0,), public=True),
            Probe("the (2, 2) array [[-2.0, -0.5], [0.5, 3.0]]", (SIG_PUBLIC,), public=True),
            SIG_MODERATE,
            Probe("the list [-2.0, -1.0, 0.0, 1.0, 2.0]", ([-2.0, -1.0, 0.0, 1.0, 2.0],)),
            # moderate: |z| ≤ 10 keeps 1 - sigmoid(|z|) accurate to 1e-12, so the tail forms are the -stability cell's
            SIG_RANGE,
        ),
    ),
    SIGMOID.check(
        "stability",
        summary="finite, free of RuntimeWarnings and accurate for |z| up to 1e4, tiny results included "
                "(sigmoid(-700) ≈ 1e-304; 1e-320 absolute below e^-708, where results are subnormal): the values at "
                "z and -z are the right pair, whichever is which (a sign slip is the -basic cell's).",
        probes=(
            # (the public pair first: a failure there is told with its entry and value, a hidden one's is not)
            *_sigmoid_pair("the logits [-1000.0, -40.0, 40.0, 1000.0]", SIG_PUBLIC_EXTREME, public=True),
            *_sigmoid_pair("logits from -800 to 800 of both signs (results down to the subnormal range)", SIG_MIXED),
            *_sigmoid_pair("the scalar -1000.0", -1000.0),
            *_sigmoid_pair("a 2-D array of logits ±1e4 and ±1e3", SIG_HUGE),
            *_sigmoid_pair("a (64, 10) array of logits with spread 400", SIG_WIDE),
        ),
        no_warnings=True,
        finite=True,
    ),
    SIGMOID.purity(
        probes=(
            *twinned("the array [[-2.0, 0.5], [3.0, -0.5]]", (SIG_PURE,), "a nested list"),
            SIG_MODERATE,
            SIG_RANGE,
        ),
    ),
    # -------------------------------------------------------- bernoulli_log_pmf
    BERNOULLI_LOG_PMF.check(
        "basic",
        # (x and p of one shape: the contract says element-wise, and names broadcasting for gaussian_log_pdf and
        # gaussian_kl only, so outcomes and probabilities of different shapes are left open: docs/contract.md)
        summary="x·log p + (1 − x)·log(1 − p) element-wise for outcomes 0/1 (x and p of one shape).",
        probes=(
            Probe("x = 1, p = 0.8", (1, 0.8), public=True),
            Probe("the lists [0, 1, 1, 0] and [0.3, 0.3, 0.9, 0.9]", ([0, 1, 1, 0], [0.3, 0.3, 0.9, 0.9]), public=True),
            BER_45,
            Probe("x = 0, p = 0.25", (0.0, 0.25)),
        ),
    ),
    BERNOULLI_LOG_PMF.check(
        "edges",
        summary="p = 0 or 1 gives 0 for the certain outcome and -inf for the impossible one (never nan), p near 0 "
                "and 1 is not clipped, and no RuntimeWarning is raised.",
        probes=(
            Probe("x = [1, 0, 1, 0] with p = [1, 0, 0, 1] (results 0, 0, -inf, -inf)",
                  ([1.0, 0.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]), public=True),
            Probe("a (2, 4) array mixing p in {0, 1} (outcomes matching) with ordinary p", (EDGE_GRID_X, EDGE_GRID_P)),
            # log(1 - p) ≈ -p for tiny p: judged to 1e-15 absolute, so that log(1 - p) and log1p(-p) both pass
            # (the log1p refinement is "going further", not graded) while clipping p to 1e-7 fails.
            Probe("x = 0 with tiny p from 1e-8 to 1e-300 (the result is ≈ -p)", (np.zeros(5), TINY_P), atol=1e-15),
            Probe("x = 1 with p within 1e-12 of 0 and of 1", (np.ones(4), NEAR_EDGE_P)),
            Probe("x = 0 with p within 1e-12 of 0 and of 1", (np.zeros(4), NEAR_EDGE_P), atol=1e-15),
        ),
        no_warnings=True,
        why_reference=EDGES_WHY.replace(" Each probe is one element or an array of perfect predictions (loss 0), so "
                                        "the mean over elements stays -basic's.", ""),
    ),
    BERNOULLI_LOG_PMF.purity(
        inputs="inputs",
        probes=(
            *twinned("the arrays x = [0.0, 1.0, 1.0], p = [0.2, 0.7, 0.5]", BER_PURE),
            BER_45,
            Probe("integer outcomes [[0, 1], [1, 1]] with p of the same shape",
                  (np.array([[0, 1], [1, 1]]), np.array([[0.3, 0.6], [0.3, 0.6]]))),
            # probabilities of exactly 1 and 0: a clip or patch only they trigger (np.clip(p, eps, 1 - eps, p)) would
            # write into the caller's p; their warnings are -edges' (a naive log of 0), not judged here
            Probe("outcomes x = [1, 0, 1] with probabilities of exactly 1 and 0 (p = [1, 0, 0.3])",
                  (np.array([1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.3])), warnings_judged=False),
        ),
    ),
    # ----------------------------------------------------- binary_cross_entropy
    BINARY_CROSS_ENTROPY.check(
        "basic",
        summary="the mean over all elements of −[y·log p + (1 − y)·log(1 − p)] for hard labels, as one number.",
        probes=BCE_VALUES,
    ),
    BINARY_CROSS_ENTROPY.check(
        "soft",
        summary="soft labels y in [0, 1] weight both terms: the loss is affine in y, the mixture of the losses of "
                "the 0/1 labellings y is made of.",
        probes=(
            *_layers(BCE_SOFT, "p = [0.3], y = [0.3]", np.array([0.3]), np.array([0.3]), public=True),
            *_layers(BCE_SOFT, "p = [0.9, 0.5], y = [0.25, 0.75]", np.array([0.9, 0.5]), np.array([0.25, 0.75]),
                     public=True),
            *_layers(BCE_SOFT, "(4, 5) arrays of predictions and soft labels", SOFT_P, SOFT_Y),
        ),
    ),
    BINARY_CROSS_ENTROPY.shape(
        summary="returns one number, the mean over all elements (a float or a 0-d array), whatever the shapes of p "
                "and y (values are not judged).",
        probes=BCE_VALUES,
    ),
    BINARY_CROSS_ENTROPY.check(
        "edges",
        summary="p in {0, 1} matching y costs exactly 0 (not nan), predictions near 0 and 1 are not clipped, and no "
                "RuntimeWarning is raised (single predictions, and arrays of perfect ones).",
        probes=(
            Probe("p = [1e-300] for y = [1]", ([1e-300], [1.0]), public=True),
            Probe("perfect predictions p = [1.0, 0.0] for y = [1.0, 0.0] (the loss is 0)",
                  ([1.0, 0.0], [1.0, 0.0]), public=True),
            Probe("a prediction of 1e-20 for label 1", (np.array([1e-20]), np.array([1.0]))),
            Probe("a perfect prediction p = 1 for y = 1 alone", (np.array([1.0]), np.array([1.0]))),
            Probe("a (2, 4) array of perfect predictions in {0, 1}", (EDGE_GRID_X, EDGE_GRID_X.copy())),
            # to 1e-15 absolute: log(1 - p) and log1p(-p) both pass (not graded), clipping fails
            *(Probe(f"a tiny prediction of about 1e{int(np.floor(np.log10(p)))} for label 0",
                    (np.array([p]), np.zeros(1)), atol=1e-15) for p in TINY_P[[0, 3, 4]]),
            *(Probe("a prediction within 1e-12 of 1 for label 1", (np.array([p]), np.ones(1))) for p in NEAR_EDGE_P[2:]),
        ),
        no_warnings=True,
        why_reference=EDGES_WHY,
    ),
    BINARY_CROSS_ENTROPY.purity(
        inputs="inputs",
        probes=(
            *twinned("the arrays p = [0.9, 0.2, 0.6], y = [1.0, 0.0, 0.25]", BCE_PURE),
            BCE_45,
            Probe("(4, 5) arrays of predictions and soft labels", (SOFT_P, SOFT_Y)),
            Probe("predictions of exactly 1 and 0 (p = [1, 0, 0.3], y = [1, 0, 1])",  # (see bernoulli_log_pmf's)
                  (np.array([1.0, 0.0, 0.3]), np.array([1.0, 0.0, 1.0])), warnings_judged=False),
        ),
    ),
    # ----------------------------------------- binary_cross_entropy_with_logits
    BINARY_CROSS_ENTROPY_WITH_LOGITS.check(
        "basic",
        summary="the binary cross-entropy of p = sigmoid(z), computed from moderate logits z, as one number.",
        probes=(*LOGITS_HARD, Probe("(4, 5) logits with soft labels", (LOGIT_Z, SOFT_Y))),
    ),
    BINARY_CROSS_ENTROPY_WITH_LOGITS.shape(
        summary="returns one number, the mean over all elements (a float or a 0-d array), whatever the shapes of z "
                "and y (values are not judged).",
        probes=LOGITS_HARD,
    ),
    BINARY_CROSS_ENTROPY_WITH_LOGITS.check(
        "stability",
        summary="finite, exact and warning-free for |z| up to 1e4 (z = -1000, y = 1 costs 1000): with 0/1 labels the "
                "losses of the two labellings add up to their exact total, whichever is which, and soft labels give "
                "the mixture of the 0/1 losses.",
        probes=(
            # arrays, not lists: accepting lists is the -purity cell's property
            *_both_labels("z = np.array([-1000.0]), y = np.array([1.0]) (the loss is 1000)",
                          np.array([-1000.0]), np.array([1.0]), public=True),
            *_both_labels("z = np.array([1000.0]), y = np.array([1.0]) (the loss is 0)",
                          np.array([1000.0]), np.array([1.0]), public=True),
            *_both_labels("z = np.array([1e4]), y = np.array([0.0]) (the loss is 1e4)", np.array([1e4]),
                          np.array([0.0]), public=True),
            # (a moderate logit where the probability, not the loss, rounds: sigmoid(40) is 1 in float64, so a loss
            # taken through it is inf where a naive softplus is still right; it tells the two apart where torch code,
            # which warns of neither, gives both the same inf or nan at ±1000)
            *_both_labels("z = np.array([40.0]), y = np.array([0.0]) (the loss is 40)", np.array([40.0]),
                          np.array([0.0])),
            *_both_labels("a 2-D array of logits ±1000 and ±1e4 with 0/1 labels", LOGIT_BIG, LOGIT_BIG_Y),
            *_layers(LOGITS_SOFT, "logits from ±50 to ±1e4 with soft labels", LOGIT_SOFT_Z, LOGIT_SOFT_Y),
            *_both_labels("(64, 10) logits with spread 300 and 0/1 labels", LOGIT_WIDE, LOGIT_WIDE_Y),
        ),
        no_warnings=True,
        finite=True,
    ),
    BINARY_CROSS_ENTROPY_WITH_LOGITS.purity(
        inputs="inputs",
        probes=(
            Probe("the arrays z = [-3.0, 0.0, 2.5], y = [1.0, 0.5, 0.0]",
                  (np.array([-3.0, 0.0, 2.5]), np.array([1.0, 0.5, 0.0])), public=True),
            Probe("the lists z = [-3.0, 0.0, 2.5], y = [1.0, 0.5, 0.0]", ([-3.0, 0.0, 2.5], [1.0, 0.5, 0.0]),
                  public=True, twin=0),
            Probe("(2, 3) arrays: float logits and integer labels",
                  (np.array([[1.0, -2.0, 0.5], [-0.5, 4.0, -1.0]]), np.array([[1, 0, 1], [0, 1, 0]]))),
            Probe("the same as nested lists", ([[1.0, -2.0, 0.5], [-0.5, 4.0, -1.0]], [[1, 0, 1], [0, 1, 0]]), twin=2),
            Probe("(4, 5) float arrays of moderate logits with soft labels", (LOGIT_Z, SOFT_Y)),
        ),
    ),
))
