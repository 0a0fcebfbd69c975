"""Hidden checks for problem set 2: cross_entropy and cross_entropy_grad.

Probes are fixed (seeded) inputs; the wrong formulas below recreate common
mistakes so that a hint can name the one a submission made.

Tolerances: losses are sums of non-negative terms and are compared at 1e-10
relative (plus an absolute 1e-14, a few ulps of the O(1) terms they are made of). A correct implementation computed another way (``lse - z[y]`` instead
of ``-(z[y] - lse)``, ``lse - Σ t·z`` for soft labels) differs by a few ulps of
the *logits*, so the stability check, whose logits reach 1e4, also allows an
absolute 1e-9 (≈ 5e4 ulps of 1e4). Gradient entries are ``(p - t) / N`` where
``p`` may be within an ulp of ``t``: the difference then has no relative
accuracy left in float64, so gradients allow an absolute 1e-14 (≈ 45 ulps of 1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.changes import others_lowered, relabelled
from autograder.checks.declaration import ProblemSetChecks, linked
from autograder.checks.failure import Failure, Hint
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_SOFTMAX, SKLEARN_LOG_LOSS
from autograder.checks.hints import all_of, any_of, matches, matches_any, raised, warned
from autograder.checks.probe import Probe, Relation, related
from autograder.checks.relations import Call, class_mixture, combination, halves_calls, joined, plus, same

PS = ProblemSetChecks("ps2_cross_entropy", forbidden=SCIPY_SOFTMAX + FRAMEWORKS + SKLEARN_LOG_LOSS,
                       allowed="NumPy (np.exp, np.log, np.max, np.take_along_axis) and your own log-softmax")
FORBIDDEN = PS.forbidden

_rng = np.random.default_rng(20261122)
SMALL = _rng.normal(size=(6, 4)) * 2
SMALL_Y = np.array([0, 3, 1, 1, 2, 0])
BATCH = _rng.normal(size=(64, 10)) * 3
BATCH_Y = _rng.integers(0, 10, size=64)
ONE_ROW = _rng.normal(size=(1, 5))
ONE_ROW_Y = np.array([3])
TWO_CLASSES = _rng.normal(size=(5, 2)) * 4
TWO_CLASSES_Y = np.array([1, 0, 0, 1, 1])
ONE_HOT = np.eye(4)[SMALL_Y]
_SOFT_DRAW = _rng.dirichlet(np.ones(4), size=6)
# Soft rows that are permutations of one probability vector (each row ordered like its own draw): a mixture of
# 4 integer target vectors (relations.class_mixture), so the -soft relations take 4 calls, not 19.
SOFT = np.sort(_SOFT_DRAW[0])[np.argsort(np.argsort(_SOFT_DRAW, axis=1), axis=1)]
SMOOTHED = 0.9 * ONE_HOT + 0.1 / 4
# Rows that are permutations of one probability vector with three non-zero entries: a mixture of 3 integer target
# vectors (relations.class_mixture), so the -soft cells' linearity takes 3 calls, not 577.
BATCH_SOFT = np.concatenate([_rng.dirichlet(np.full(3, 0.5)), np.zeros(7)])[np.argsort(_rng.random(size=(64, 10)),
                                                                                   axis=1)]
E3 = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0], [1000.0, 999.0, 998.0]])
E4 = np.array([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0], [1e4, 1e4 - 0.5, 1e4 - 3.0]])
E4_Y = np.array([1, 2, 1])
_rng.dirichlet(np.ones(3), size=3)  # a draw no probe uses any more, kept so that every later probe stays the same
# Multiples of 2^-10: shifting every entry by an integer is exact (the -stability relations).
MIXED = np.round(_rng.normal(size=(4, 5)) * np.array([[1e-2], [1.0], [1e2], [1e4]]) * 1024) / 1024
MIXED_Y = np.array([4, 0, 2, 3])
HIDDEN_2X3 = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]])
HIDDEN_2X3_Y = np.array([0, 1])
# The inputs of the notebook's visible asserts (public probes: a cell never passes hidden and fails visible).
NB_LOGITS = np.array([[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]])
NB_SOFT = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
NB_LABELS = np.array([0, 2])


# --- wrong formulas (errstate is handled by hints.matches) -------------------
def _dense(targets: ArrayLike, c: int) -> np.ndarray:
    t = np.asarray(targets)
    return np.eye(c)[t] if np.issubdtype(t.dtype, np.integer) else t.astype(float)


def _log_softmax_rows(logits: ArrayLike, axis: int = 1) -> np.ndarray:
    z = np.asarray(logits, float)
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def _softmax_rows(logits: ArrayLike, axis: int = 1) -> np.ndarray:
    return np.exp(_log_softmax_rows(logits, axis))


def _ce_from_logp(logp: np.ndarray, targets: ArrayLike) -> float:
    t = _dense(targets, logp.shape[1])
    return -np.sum(np.where(t != 0, t * logp, 0.0)) / logp.shape[0]


def _ce_rows_from_logp(logp: np.ndarray, targets: ArrayLike) -> np.ndarray:
    """Each row's loss, where :func:`_ce_from_logp` gives their mean."""
    t = _dense(targets, logp.shape[1])
    return -np.sum(np.where(t != 0, t * logp, 0.0), axis=1)


def _naive_log_softmax(z: np.ndarray) -> np.ndarray:
    """The log-softmax of each row without the max shift: exp overflows from about 709 on."""
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def _ce_sum(logits: ArrayLike, targets: ArrayLike) -> float:
    z = np.asarray(logits, float)
    return _ce_from_logp(_log_softmax_rows(z), targets) * z.shape[0]


def _ce_softmax_axis0(logits: ArrayLike, targets: ArrayLike) -> float:
    return _ce_from_logp(_log_softmax_rows(logits, axis=0), targets)


def _argmax_labels(targets: ArrayLike) -> np.ndarray:
    """Target rows reduced to their largest entry's class (integer labels as they are)."""
    t = np.asarray(targets)
    return t.argmax(axis=1) if t.ndim == 2 else t


def _ce_argmax(logits: ArrayLike, targets: ArrayLike) -> float:
    return _ce_from_logp(_log_softmax_rows(logits), _argmax_labels(targets))


def _ce_log_eps(eps: float) -> Callable[..., float]:
    def wrong(logits: ArrayLike, targets: ArrayLike) -> float:
        return _ce_from_logp(np.log(_softmax_rows(logits) + eps), targets)

    return wrong


def _ce_argmax_log_eps(eps: float) -> Callable[..., float]:
    """Soft targets reduced to their argmax, in the epsilon form (a textbook's cross_entropy_error: t.argmax(axis=1)
    for one-hot rows, then log(y + 1e-7)): the argmax is -soft's mistake, the epsilon -basic's."""
    def wrong(logits: ArrayLike, targets: ArrayLike) -> float:
        return _ce_log_eps(eps)(logits, _argmax_labels(targets))

    return wrong


def _ce_log_clip(eps: float) -> Callable[..., float]:
    def wrong(logits: ArrayLike, targets: ArrayLike) -> float:
        return _ce_from_logp(np.log(np.clip(_softmax_rows(logits), eps, 1 - eps)), targets)

    return wrong


def _ce_log_floor(eps: float) -> Callable[..., float]:
    """The probabilities floored at ``eps`` from below only (``np.log(np.maximum(p, eps))``, a dlstudy-style
    network's loss): a two-sided clip differs from it where a probability is 1 (log(1 - eps), not 0)."""
    def wrong(logits: ArrayLike, targets: ArrayLike) -> float:
        return _ce_from_logp(np.log(np.maximum(_softmax_rows(logits), eps)), targets)

    return wrong


def _grad_sum(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return _softmax_rows(z) - _dense(targets, z.shape[1])


def _grad_wrong_sign(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return (_dense(targets, z.shape[1]) - _softmax_rows(z)) / z.shape[0]


def _grad_wrong_sign_sum(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    return _grad_wrong_sign(logits, targets) * np.shape(logits)[0]


def _grad_argmax(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return (_softmax_rows(z) - np.eye(z.shape[1])[_argmax_labels(targets)]) / z.shape[0]


def _grad_softmax_axis0(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return (_softmax_rows(z, axis=0) - _dense(targets, z.shape[1])) / z.shape[0]


def _grad_through_probabilities(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    """The chain rule taken through the probabilities: dL/dp = -t / (N p), then the softmax's Jacobian,
    p · (g - Σ g p); a probability that underflowed to 0 is divided by."""
    z = np.asarray(logits, float)
    p = _softmax_rows(z)
    g = -_dense(targets, z.shape[1]) / (z.shape[0] * p)
    return p * (g - np.sum(g * p, axis=1, keepdims=True))


def _grad_without_softmax(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return (z - _dense(targets, z.shape[1])) / z.shape[0]


def _ce_log_of_softmax(logits: ArrayLike, targets: ArrayLike) -> float:
    return _ce_from_logp(np.log(_softmax_rows(logits)), targets)


def _ce_naive(logits: ArrayLike, targets: ArrayLike) -> float:
    return _ce_from_logp(_naive_log_softmax(np.asarray(logits, float)), targets)


def _ce_naive_dense(logits: ArrayLike, targets: ArrayLike) -> float:
    """The same, with every entry weighted (0 · inf is nan where the target is 0)."""
    z = np.asarray(logits, float)
    return -np.sum(_dense(targets, z.shape[1]) * _naive_log_softmax(z)) / z.shape[0]


def _ce_per_row(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    return _ce_rows_from_logp(_log_softmax_rows(np.asarray(logits, float)), targets)


def _ce_naive_per_row(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    """Both at once, as real code has them: no max shift, and each row's loss where the mean belongs. Only where
    exp overflows: elsewhere it is :func:`_ce_per_row`'s signature (raising says nothing there, so that a per-row
    loss on moderate logits is told about its shape, not about a shift it does not need there)."""
    z = np.asarray(logits, float)
    naive = _ce_rows_from_logp(_naive_log_softmax(z), targets)
    if np.allclose(naive, _ce_per_row(z, targets), rtol=1e-12, atol=0, equal_nan=True):
        raise ValueError("no overflow on this input: the per-row loss's own signature")
    return naive


def _grad_naive(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True) - _dense(targets, z.shape[1])) / z.shape[0]


def _ce_targets_as_columns(shift: bool) -> Callable[..., float]:
    """``x[:, y]`` for ``x[np.arange(N), y]``: every row's entries at every row's target (an N × N block) summed,
    with each row's log-sum-exp, over N (CS231n-style code, on logits shifted by each row's maximum or not); the
    right loss for N = 1 only."""
    def wrong(logits: ArrayLike, targets: ArrayLike) -> float:
        z, t = np.asarray(logits, float), np.asarray(targets)
        if t.ndim != 1 or t.dtype.kind not in "iu":
            raise ValueError("targets: integer labels only")
        x = z - z.max(axis=1, keepdims=True) if shift else z
        return float((np.sum(np.log(np.sum(np.exp(x), axis=1))) - np.sum(x[:, t])) / z.shape[0])

    return wrong


# Targets always multiplied with the (N, C) rows, as one-hot rows are: integer labels of shape (N,) then broadcast
# along the classes (each class's term weighted by a label's value), or fail to broadcast when N is neither 1 nor C.
def _ce_targets_as_rows(logits: ArrayLike, targets: ArrayLike) -> float:
    z = np.asarray(logits, float)
    return -np.sum(np.asarray(targets, float) * _log_softmax_rows(z)) / z.shape[0]


def _grad_targets_as_rows(logits: ArrayLike, targets: ArrayLike) -> np.ndarray:
    z = np.asarray(logits, float)
    return (_softmax_rows(z) - np.asarray(targets, float)) / z.shape[0]


def _integer_labels(probe: Probe | None) -> bool:
    """The probe's targets are integer class labels, shape (N,)."""
    if probe is None or len(probe.args) < 2:
        return False
    targets = np.asarray(probe.args[1])
    return targets.ndim == 1 and targets.dtype.kind in "iu"


def _labels_broadcast_but_rows_work(f: Failure) -> bool:
    """Integer labels met the (N, C) rows in a broadcasting error, while the check's calls with target rows (one-hot
    or soft, N ≥ 2) returned: code for one-hot rows only (a missing keepdims would fail on rows too)."""
    if not _integer_labels(f.probe) or f.outcome is None or f.outcome.status != "raised" \
            or "broadcast" not in (f.outcome.error_message or ""):
        return False
    return any(np.ndim(p.args[1]) == 2 and np.shape(p.args[1])[0] >= 2 and o.status == "returned"
               for p, o, *_ in f.seen() if len(p.args) >= 2)


_EPSILONS = (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16)

# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
MEAN = Hint(
    "The losses of the N rows are summed: cross_entropy is their mean, so the result is N times too large.",
    matches(_ce_sum),
    "ce-sum-not-mean",
)
GRAD_MEAN = Hint(
    "This is the gradient of the sum of the row losses, N times too large: the loss is a mean over the N rows, "
    "and its gradient keeps that 1/N.",
    matches(_grad_sum),
    "grad-missing-1-over-n",
)
GRAD_SIGN = Hint(
    "The gradient's sign is flipped: it points where the loss decreases. Compare it with finite differences of "
    "your cross_entropy, as in the lesson.",
    matches_any(_grad_wrong_sign, _grad_wrong_sign_sum),
    "grad-wrong-sign",
)
ROWS = Hint(
    "The softmax normalises over the batch (axis 0): each row of logits is one example, whose probabilities are "
    "over its own C classes.",
    matches_any(_ce_softmax_axis0, _grad_softmax_axis0),
    "softmax-over-batch",
)
SOFT_ARGMAX = Hint(
    "Soft targets are reduced to their argmax: a soft label weights every class, so every entry of a target row "
    "counts, not only its largest.",
    matches_any(_ce_argmax, _grad_argmax, *(_ce_argmax_log_eps(e) for e in _EPSILONS), rtol=1e-12),  # (as CLIPPED)
    "soft-targets-argmax",
)
FLOAT_TARGETS = Hint(
    "Float targets are used as indices (the IndexError): targets are either integer class indices of shape (N,) "
    "or float rows of shape (N, C), and the two are told apart by their dtype.",
    all_of(raised("IndexError", "integer", "indices"),
           lambda f: f.probe is not None and np.ndim(f.probe.args[1]) == 2),
    "float-targets-as-indices",
)
LABELS_AS_ROWS = Hint(
    "Integer class labels are used as if they were one-hot rows (multiplied with the (N, C) probabilities): "
    "targets are either integer class indices of shape (N,) or rows of shape (N, C), told apart by their dtype, "
    "and an integer label picks one entry of its row.",
    # (a call that warned is explained by what warned, not by this: the labels are not what overflows)
    any_of(all_of(lambda f: _integer_labels(f.probe) and not f.outcome.warnings,
                  matches_any(_ce_targets_as_rows, _grad_targets_as_rows)),
           _labels_broadcast_but_rows_work),
    "labels-as-one-hot-rows",
    kinds=("value", "nonfinite", "shape", "raised", "no-result"),
)
LOG_OF_SOFTMAX = Hint(
    "The log is taken of softmax probabilities, and one that underflows to 0 gives an infinite loss where the "
    "true loss is finite: work in log space (a log-softmax), so that no probability is ever formed.",
    matches(_ce_log_of_softmax),
    "ce-log-of-softmax",
)
CLIPPED = Hint(
    "An epsilon added inside the log (or a clip of the probabilities) caps every loss term at -log ε, so a "
    "confidently wrong prediction is under-counted: computed in log space, the loss needs no epsilon.",
    # rtol 1e-12, as ps6's epsilon rule: an epsilon formula is recomputed exactly, and a loss computed in float32
    # (relative errors near 1e-8) lands within 1e-6 of the 1e-8 to 1e-10 epsilons by chance
    matches_any(*(_ce_log_eps(e) for e in _EPSILONS), *(_ce_log_clip(e) for e in _EPSILONS),
                *(_ce_log_floor(e) for e in _EPSILONS), rtol=1e-12),
    "ce-epsilon-in-log",
)
OVERFLOW = Hint(
    "np.exp overflows for logits above about 709, which turns the result into inf or nan: here the raw logits "
    "are exponentiated. Problem set 1's section 4 (the max shift) shows how to do without that.",
    matches_any(_ce_naive, _ce_naive_dense, _ce_naive_per_row, _grad_naive),
    "no-max-shift",
)
TARGET_RANGE = Hint(
    "Class indices outside [0, C) are not checked (NumPy's indexing, for one, wraps a negative index around "
    "silently and raises IndexError, not ValueError, past the end): check the range of `targets` before using it "
    "and raise ValueError naming it.",
    lambda f: f.kind == "no-raise" or f.outcome.error_type == "IndexError",
    "target-range-unchecked",
    kinds=("no-raise", "wrong-exception"),
)
LOSS_SHAPE = Hint(
    "The result is one loss per row: cross_entropy returns one number, the mean over the batch.",
    matches(_ce_per_row),
    "ce-per-row",
)
NO_SOFTMAX = Hint(
    "The gradient is built from the logits themselves: the loss depends on them through the softmax, so its "
    "gradient is made of probabilities, not of logits.",
    matches(_grad_without_softmax),
    "grad-without-softmax",
)
THROUGH_PROBABILITIES = Hint(
    "The gradient is taken through the probabilities (-t/p, then the softmax's Jacobian): a probability that "
    "underflows to 0 is divided by, which gives inf and nan. Carried through on paper (the derivation's (b)), "
    "the chain rule gives the gradient with respect to the logits in a form that never divides by a probability.",
    matches(_grad_through_probabilities),
    "grad-through-probabilities",
)
GRAD_LOG_WARNS = Hint(
    "The call takes the log of a probability that underflowed to 0 (a divide-by-zero RuntimeWarning in log): the "
    "gradient needs no log, and a loss computed on the way (a forward pass) is stable only in log space.",
    warned("divide by zero encountered in log"),
    "grad-logs-underflowed-probability",
    kinds=("warning",),
)

TARGETS_AS_COLUMNS = Hint(
    "x[:, targets] picks, in every row, the entries of every row's target (an N × N block), where each row needs "
    "only its own class: index the rows too, x[np.arange(N), targets] (with one row the two agree, so a batch of "
    "one row does not show it).",
    matches_any(_ce_targets_as_columns(True), _ce_targets_as_columns(False)),
    "targets-as-columns",
)

# Every check of a function offers all of its hints: each rule matches one signature only,
# so whichever probe fails first, the submission's mistake is named.
def _rows_not_averaged(f: Failure) -> bool:
    """Float targets of N >= 2 rows, and a result N times the correct one: the mean's 1/N taken for integer labels
    (which pass) but not for rows."""
    if f.probe is None or len(f.probe.args) < 2 or f.outcome is None or f.outcome.value is None:
        return False
    targets = np.asarray(f.probe.args[1])
    if targets.ndim != 2 or targets.dtype.kind != "f" or targets.shape[0] < 2:
        return False
    got, ref = np.asarray(f.outcome.value, dtype=float), np.asarray(f.reference, dtype=float)
    return got.shape == ref.shape and bool(np.allclose(got, targets.shape[0] * ref, rtol=1e-9, atol=1e-14))


ROWS_NOT_AVERAGED = Hint(
    "With float targets (rows) the result is N times the correct one, while integer labels get it right: the mean "
    "over the N rows (its 1/N) is taken for the labels but not for the rows. Whatever the form of the targets, the "
    "loss is the mean over the rows, and its gradient keeps that 1/N.",
    _rows_not_averaged,
    "rows-not-averaged",
)
LOSS_HINTS = (LABELS_AS_ROWS, LOG_OF_SOFTMAX, CLIPPED, OVERFLOW, SOFT_ARGMAX, FLOAT_TARGETS, MEAN, ROWS_NOT_AVERAGED,
              ROWS, LOSS_SHAPE, TARGETS_AS_COLUMNS)
GRAD_HINTS = (LABELS_AS_ROWS, OVERFLOW, SOFT_ARGMAX, FLOAT_TARGETS, GRAD_SIGN, GRAD_MEAN, ROWS_NOT_AVERAGED, ROWS,
              NO_SOFTMAX, THROUGH_PROBABILITIES, GRAD_LOG_WARNS)

# The purity checks' hidden list inputs (each also passed as arrays: "accepts lists" is judged by the pair).
PURE_LOGITS = [[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]
PURE_SOFT = [[0.0, 1.0, 0.0], [0.2, 0.0, 0.8]]

# --- relations: how -soft, -stability and -batch judge a function against itself ----------------
# Tolerances: a correct implementation computes each call to a few ulps; a soft-label mixture adds the
# rounding of its weights (relations.combination), a target difference that of the logit difference it
# adds (relations.plus), and the checks' own 1e-14 / 1e-9 absolute slack stays (see the module docstring).
CE_SOFT = Relation("linear in the targets", "cross_entropy(logits, Σ_k w_k·onehot(y_k)) = Σ_k w_k·cross_entropy(logits, "
                   "y_k) for integer targets y_k and weights w_k summing to 1", atol=1e-13)
CE_SHIFT = Relation("shift", "cross_entropy(logits - c, targets) = cross_entropy(logits, targets) for a constant c",
                    atol=1e-9, shape_free=True)
CE_GAP = Relation("target difference", "cross_entropy([z], [j]) - cross_entropy([z], [k]) = z[k] - z[j] for one row z",
                  atol=1e-9, shape_free=True)
GRAD_SOFT = Relation("linear in the targets", "cross_entropy_grad(logits, Σ_k w_k·onehot(y_k)) = Σ_k w_k·"
                     "cross_entropy_grad(logits, y_k) for integer targets y_k and weights w_k summing to 1",
                     rtol=1e-9, atol=1e-14)
GRAD_SHIFT = Relation("shift", "cross_entropy_grad(logits - c, targets) = cross_entropy_grad(logits, targets) for a "
                      "constant c", rtol=1e-9, atol=1e-14, shape_free=True)
GRAD_ROWS = Relation("the mean's 1/N", "for a batch of N rows split into its first k rows and the other N - k, "
                     "cross_entropy_grad(logits, targets) = the two halves' own gradients times k/N and (N - k)/N, "
                     "one after the other", rtol=1e-9, atol=1e-14)


def _soft(relation: Relation, label: str, logits: ArrayLike, targets: ArrayLike,
          public: bool = False) -> tuple[Probe, ...]:
    """``f(logits, targets)`` for float targets, judged against the integer-target calls they mix."""
    weights, labels = class_mixture(targets)
    calls: tuple[Call, ...]
    calls = tuple((f"{label}: the same logits with the integer targets of mixture part {k + 1}", (logits, y), {})
                  for k, y in enumerate(labels))
    return related(label, (logits, targets), relation=relation.at(combination(weights)), calls=calls, public=public)


def _shifted(relation: Relation, label: str, logits: ArrayLike, targets: ArrayLike,
             public: bool = False) -> tuple[Probe, ...]:
    """``f(logits, targets)`` judged against ``f(logits - c, targets)``, c an integer near the largest logit
    (exact for the probes here, whose entries are multiples of 2^-10)."""
    logits = np.asarray(logits, dtype=float)
    c = float(np.round(np.max(logits)))
    return related(label, (logits, targets), relation=relation.at(same),
                   calls=((f"{label}, every logit minus {c:g}" if public else f"{label}, shifted by a constant",
                           (logits - c, targets), {}),), public=public)


def _gap(label: str, row: ArrayLike, target: int, other: int, public: bool = False) -> tuple[Probe, ...]:
    """``cross_entropy([row], [target])`` judged against ``cross_entropy([row], [other]) + row[other] - row[target]``."""
    row = np.asarray(row, dtype=float)
    return related(label, (row[None, :], np.array([target])),
                   relation=CE_GAP.at(plus(row[other] - row[target])),
                   calls=((f"{label}, then the same row with target [{other}]" if public else f"{label}, with another target",
                           (row[None, :], np.array([other])), {}),), public=public)


def _rows(label: str, logits: ArrayLike, targets: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``cross_entropy_grad`` of N rows judged against its two halves as batches, each times its share k/N."""
    logits, targets = np.asarray(logits, dtype=float), np.asarray(targets)
    calls, n, k = halves_calls(label, (logits, targets), (0, 1))
    return related(label, (logits, targets), relation=GRAD_ROWS.at(joined(n, k, scaled_by_count=True)), calls=calls,
                   public=public)


# --- probes shared by the loss and its gradient (each declared once) -----------------
ONE_ROW_PUBLIC = Probe("logits [[2.0, 1.0, 0.1]] with target [0]", (np.array([[2.0, 1.0, 0.1]]), np.array([0])), public=True)
#: The notebook's two rows: a failure that only a batch shows (each row's loss right alone, the batch's not: code
#: that picks x[:, y], an N×N block) is told with its input.
TWO_ROWS_PUBLIC = Probe("logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with targets [0, 2]", (NB_LOGITS, NB_LABELS),
                        public=True)
INT_2X3 = Probe("(2, 3) logits with integer targets", (HIDDEN_2X3, HIDDEN_2X3_Y))
INT_6X4 = Probe("(6, 4) logits with integer targets", (SMALL, SMALL_Y))
INT_N1 = Probe("a single row (N = 1) of 5 classes", (ONE_ROW, ONE_ROW_Y))
INT_TWO_CLASSES = Probe("two classes, 5 rows", (TWO_CLASSES, TWO_CLASSES_Y))
INT_64X10 = Probe("(64, 10) logits with integer targets", (BATCH, BATCH_Y))
#: The hidden float-target probes of both -soft cells: (label, logits, targets).
SOFT_HIDDEN = (
    ("(6, 4) logits with one-hot float target rows", SMALL, ONE_HOT),
    ("(6, 4) logits with soft labels (rows of probabilities)", SMALL, SOFT),
    ("(6, 4) logits with label smoothing 0.1", SMALL, SMOOTHED),
    ("(64, 10) logits with soft labels", BATCH, BATCH_SOFT),
)
#: Why the -soft cells compare two calls with the reference (check.py asks a cell other than -basic to say it).
ROWS_WHY = ("Where the cell is asked again with the related calls' integer labels as the one-hot rows they stand for "
            "(a function written for rows keeps the cell: docs/contract.md, \"A form of the targets is one cell\"), "
            "a float path that drops the mean's 1/N, or sums the rows, agrees with itself, so there two batches of "
            "rows are judged by their values: rows are this cell's.")
#: Float targets judged by their values (each -soft cell's last probes, asked where the cell is asked again with its
#: integer labels as rows): the notebook's two rows of soft labels, and the hidden (6, 4) soft labels, where a mean's
#: 1/N shows. A function that takes both forms is judged on its rows by the relations to its own integer labels, so a
#: sum where the mean belongs, in both forms, is charged in -basic and -batch alone.
ROWS_AS_VALUES = (
    Probe("logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with the soft labels [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]] (a "
          "batch of two rows: the mean over them)", (NB_LOGITS, NB_SOFT), public=True, other_form_only=True),
    Probe("(6, 4) logits with soft labels (rows of probabilities), compared with the correct values", (SMALL, SOFT),
          other_form_only=True),
)
#: The first two probes of both -purity cells (the notebook's visible inputs).
PURE_PUBLIC = (
    Probe("the array logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with the array labels [0, 2]",
          (NB_LOGITS, NB_LABELS), public=True),
    Probe("the array logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with soft labels "
          "[[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]", (NB_LOGITS, NB_SOFT), public=True),
)
PURE_INT_64X10 = Probe("(64, 10) float logits with integer targets", (BATCH, BATCH_Y))
PURE_SOFT_6X4 = Probe("(6, 4) float logits with soft labels", (SMALL, SOFT))
PURE_INT_ARRAY = Probe("(2, 3) float logits with an integer array of class indices",
                       (np.array(PURE_LOGITS), np.array([1, 2])))


def _pure_int_lists(twin: int) -> Probe:
    """The list twin of PURE_INT_ARRAY, which stands at index ``twin`` of the check."""
    return Probe("the same as nested lists for logits and a list of class indices", (PURE_LOGITS, [1, 2]), twin=twin)


# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------


def labels_as_rows(args: tuple) -> tuple | None:
    """``(logits, targets, …)`` with integer labels of shape (N,) given as the one-hot rows of shape (N, C) they stand
    for (a list stays a list), or None when the targets are not such labels. The contract accepts both forms: the
    integer form is judged in ``-basic``, rows in ``-soft`` (:attr:`~autograder.checks.check.Check.other_form`)."""
    if len(args) < 2:
        return None
    logits, targets = np.asarray(args[0]), np.asarray(args[1])
    if logits.ndim != 2 or targets.ndim != 1 or targets.dtype.kind not in "iu" or len(targets) != len(logits) \
            or not np.all((targets >= 0) & (targets < logits.shape[1])):
        return None
    rows = np.eye(logits.shape[1])[targets]
    return (args[0], rows.tolist() if isinstance(args[1], list) else rows, *args[2:])


# (changes: the function's own work, asked in every cell but -basic's values and -purity: autograder/checks/changes.py)
# (the targets: in -soft, the cell of their form; a function that ignores them is charged there and in -basic)
CE_CHANGES = (others_lowered(0, "logits"), relabelled(1, "targets", cells=("soft",)))
CROSS_ENTROPY = PS.function("cross_entropy", hints=LOSS_HINTS, atol=1e-14, other_form=labels_as_rows,
                            changes=CE_CHANGES,
                            points={"basic": 4, "soft": 3, "shape": 1, "stability": 6, "errors": 1, "purity": 1},
                            minutes=45, demo="np.array([[2.0, 1.0, 0.1]]), np.array([0])",
                            contract=("the mean over the N rows of −Σ_c t_c · log softmax(logits)_c, computed through "
                                      "log-softmax so that it is stable for logits up to ±1e4. Integer targets "
                                      "outside [0, C) raise `ValueError`."))
CROSS_ENTROPY_GRAD = PS.function("cross_entropy_grad", hints=GRAD_HINTS, rtol=1e-9, atol=1e-14,
                                 other_form=labels_as_rows, changes=CE_CHANGES,
                                 points={"basic": 4, "batch": 3, "soft": 2, "stability": 6, "purity": 1}, minutes=30,
                                 demo="np.array([[2.0, 1.0, 0.1]]), np.array([0])",
                                 contract=("the gradient of `cross_entropy` with respect to `logits`: "
                                           "(softmax(logits) − onehot(targets)) / N, shape (N, C)."))

CHECKS = linked((
    # ------------------------------------------------------------ cross_entropy
    CROSS_ENTROPY.check(
        "basic",
        summary="the mean over rows of -log softmax(logits)[target] for integer class targets.",
        probes=(
            ONE_ROW_PUBLIC,
            TWO_ROWS_PUBLIC,
            Probe("a row of equal logits with another row (targets [0, 2])",
                  (np.array([[2.0, 1.0, 0.1], [0.0, 0.0, 0.0]]), np.array([0, 2]))),
            INT_2X3, INT_6X4, INT_N1, INT_TWO_CLASSES, INT_64X10,
        ),
    ),
    CROSS_ENTROPY.check(
        "soft",
        summary="float targets of shape (N, C) (one-hot rows, soft labels, label smoothing) give the mixture of the "
                "integer-target losses they are made of: -Σ t·log softmax is linear in t.",
        probes=(
            *_soft(CE_SOFT, "logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with one-hot rows [[1, 0, 0], [0, 0, 1]]",
                   NB_LOGITS, np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]), public=True),
            *_soft(CE_SOFT, "logits [[2.0, 1.0, 0.1]] with the soft label [[0.7, 0.2, 0.1]]",
                   np.array([[2.0, 1.0, 0.1]]), np.array([[0.7, 0.2, 0.1]]), public=True),
            *(p for label, z, t in SOFT_HIDDEN[1:] for p in _soft(CE_SOFT, label, z, t)),
            *ROWS_AS_VALUES,  # (as cross_entropy_grad-soft's: a float path that sums is judged on its values)
        ),
        why_reference=ROWS_WHY,
    ),
    CROSS_ENTROPY.shape(
        summary="returns one number, the mean loss over the batch (a float or a 0-d array), for every number of "
                "rows N (values are not judged).",
        probes=(
            ONE_ROW_PUBLIC,
            TWO_ROWS_PUBLIC,
            INT_6X4, INT_N1, INT_64X10,
        ),
    ),
    CROSS_ENTROPY.check(
        "stability",
        summary="finite and warning-free for logits of magnitude 1e3 and 1e4 and rows of different scale, and "
                "consistent with itself there: shifting every logit changes nothing, and the losses of two targets "
                "of one row differ by the difference of their logits (integer targets: float targets are the "
                "-soft cell's).",
        probes=(
            *_gap("logits [[1e4, 0.0]] with target [1]", [1e4, 0.0], 1, 0, public=True),
            *_gap("logits [[1e4, 0.0]] with target [0]", [1e4, 0.0], 0, 1, public=True),
            *_gap("logits [[-1e4, 1e4]] with target [0]", [-1e4, 1e4], 0, 1, public=True),
            *_shifted(CE_SHIFT, "logits of magnitude 1e4 with integer targets", E4, E4_Y),
            *_shifted(CE_SHIFT, "rows of very different scale (1e-2 to 1e4)", MIXED, MIXED_Y),
            *_gap("a row [1e3, 0, -1e3] with its smallest logit as the target", E3[0], 2, 0),
            *_gap("a row [-1e4, 1e4, 0] with target 0", E4[1], 0, 1),
        ),
        no_warnings=True,
        finite=True,
    ),
    CROSS_ENTROPY.check(
        "errors",
        summary="integer targets outside [0, C), negative ones included, raise ValueError (and valid targets give "
                "a loss).",
        probes=(
            Probe("logits [[1.0, 2.0, 3.0]] with the valid target [2]", (np.array([[1.0, 2.0, 3.0]]), np.array([2])),
                  expect="call", public=True),
            Probe("(6, 4) logits with valid integer targets", (SMALL, SMALL_Y), expect="call"),
            Probe("logits [[1.0, 2.0, 3.0]] with target [3] (= C)", (np.array([[1.0, 2.0, 3.0]]), np.array([3])), expect="raises", public=True),
            Probe("logits [[1.0, 2.0, 3.0]] with target [-1]", (np.array([[1.0, 2.0, 3.0]]), np.array([-1])), expect="raises", public=True),
            Probe("(6, 4) logits with one target equal to 4", (SMALL, np.array([0, 1, 4, 2, 3, 0])), expect="raises"),
            Probe("(6, 4) logits with one negative target", (SMALL, np.array([0, 1, 2, -2, 3, 0])), expect="raises"),
            Probe("(64, 10) logits with one target far above C", (BATCH, np.where(np.arange(64) == 17, 25, BATCH_Y)), expect="raises"),
        ),
        hints=(TARGET_RANGE,),
    ),
    CROSS_ENTROPY.purity(
        inputs="inputs",
        probes=(
            *PURE_PUBLIC,
            Probe("the lists [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] and [0, 2]",
                  ([[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]], [0, 2]), public=True, twin=0),
            PURE_INT_64X10,
            PURE_SOFT_6X4,
            PURE_INT_ARRAY,
            _pure_int_lists(twin=5),
            Probe("(2, 3) float logits with soft-label rows as an array", (np.array(PURE_LOGITS), np.array(PURE_SOFT))),
            Probe("the same as nested lists for logits and for soft-label rows", (PURE_LOGITS, PURE_SOFT), twin=7),
        ),
    ),
    # ------------------------------------------------------- cross_entropy_grad
    CROSS_ENTROPY_GRAD.check(
        "basic",
        summary="the gradient with respect to the logits, for integer class targets.",
        probes=(ONE_ROW_PUBLIC, INT_2X3, INT_6X4, INT_TWO_CLASSES),
    ),
    CROSS_ENTROPY_GRAD.check(
        "batch",
        summary="shape (N, C), N = 1 included, and the 1/N of the mean: each row of a batch's gradient is that row's "
                "own gradient (a batch of one) divided by N.",
        probes=(
            *_rows("logits [[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]] with targets [0, 2]",
                   np.array([[2.0, 1.0, 0.1], [0.5, -1.0, 3.0]]), np.array([0, 2]), public=True),
            *_rows("logits np.zeros((4, 5)) with targets [0, 1, 2, 3]", np.zeros((4, 5)), np.array([0, 1, 2, 3]),
                   public=True),
            *_rows("a single row (N = 1) of 5 classes", ONE_ROW, ONE_ROW_Y),
            *_rows("(64, 10) logits with integer targets", BATCH, BATCH_Y),
        ),
        shapes=True,
    ),
    CROSS_ENTROPY_GRAD.check(
        "soft",
        summary="float targets of shape (N, C) (one-hot, soft and smoothed labels) give the mixture of the "
                "integer-target gradients they are made of: the gradient is linear in the targets.",
        probes=(
            *_soft(GRAD_SOFT, "logits [[2.0, 1.0, 0.1]] with the soft label [[0.7, 0.2, 0.1]]",
                   np.array([[2.0, 1.0, 0.1]]), np.array([[0.7, 0.2, 0.1]]), public=True),
            *_soft(GRAD_SOFT, "logits [[2.0, 1.0, 0.1]] with the one-hot row [[1.0, 0.0, 0.0]]",
                   np.array([[2.0, 1.0, 0.1]]), np.array([[1.0, 0.0, 0.0]]), public=True),
            *(p for label, z, t in SOFT_HIDDEN[1:] for p in _soft(GRAD_SOFT, label, z, t)),
            *ROWS_AS_VALUES,
        ),
        why_reference=ROWS_WHY,
    ),
    CROSS_ENTROPY_GRAD.check(
        "stability",
        summary="finite and warning-free for logits of magnitude 1e3 and 1e4 and rows of different scale, and "
                "unchanged when every logit is shifted by a constant (integer targets: float targets are the "
                "-soft cell's).",
        probes=(
            *_shifted(GRAD_SHIFT, "logits [[1e4, 0.0]] with target [1]", np.array([[1e4, 0.0]]), np.array([1]),
                      public=True),
            *_shifted(GRAD_SHIFT, "logits [[-1e4, 1e4]] with target [0]", np.array([[-1e4, 1e4]]), np.array([0]),
                      public=True),
            *_shifted(GRAD_SHIFT, "logits of magnitude 1e4 with integer targets", E4, E4_Y),
            *_shifted(GRAD_SHIFT, "rows of very different scale (1e-2 to 1e4)", MIXED, MIXED_Y),
        ),
        no_warnings=True,
        finite=True,
    ),
    CROSS_ENTROPY_GRAD.purity(
        inputs="inputs",
        probes=(
            *PURE_PUBLIC,
            Probe("the arrays [[2.0, 1.0, 0.1]] and [0]", (np.array([[2.0, 1.0, 0.1]]), np.array([0])), public=True),
            Probe("the lists [[2.0, 1.0, 0.1]] and [0]", ([[2.0, 1.0, 0.1]], [0]), public=True, twin=2),
            PURE_INT_64X10,
            PURE_SOFT_6X4,
            PURE_INT_ARRAY,
            _pure_int_lists(twin=6),
        ),
    ),
))
