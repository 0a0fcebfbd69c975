"""Problem set 4's hint rules: the wrong formulas each rule recomputes to recognise its mistake, and the rules
(split out of ``ps4_bernoulli.py``, which declares the cells; a set's parts are named ``<ps>_<part>.py``, as
``ps6_information_hints.py``). Every check of a function offers all of that function's rules, so a mistake is
named whichever probe happens to reveal it first.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import xlog1py, xlogy

from autograder.checks.failure import Hint
from autograder.checks.hints import (
    all_of,
    any_of,
    kind,
    matches_any,
    nonfinite,
    one_result_per_element,
    scalar_code_hint,
    soft_labels_rejected,
    warned,
)


def _f(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float)


# --- wrong formulas (errstate is handled by hints.matches) -------------------
def _naive_sigmoid(z: ArrayLike) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-_f(z)))


def _naive_sigmoid_exp2(z: ArrayLike) -> np.ndarray:  # the same through a power of 2 (tinygrad's): exp2 overflows
    return 1.0 / (1.0 + np.exp2(_f(z) * (-1.0 / np.log(2.0))))


def _naive_sigmoid_exp_form(z: ArrayLike) -> np.ndarray:
    e = np.exp(_f(z))
    return e / (1.0 + e)


def _sigmoid_wrong_sign(z: ArrayLike) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(_f(z)))


def _tanh_sigmoid(z: ArrayLike) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * _f(z)))


def _tanh_sigmoid_of_2z(z: ArrayLike) -> np.ndarray:  # ½(1 + tanh(z)): the identity's z/2 lost
    return 0.5 * (1.0 + np.tanh(_f(z)))


def _one_minus_sigmoid(z: ArrayLike) -> np.ndarray:
    z = _f(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), 1.0 - 1.0 / (1.0 + e))


def _clipped_sigmoid(limit: float) -> Callable[..., np.ndarray]:
    return lambda z: _naive_sigmoid(np.clip(_f(z), -limit, limit))


_CLIP_LIMITS = (15.0, 20.0, 30.0, 35.0, 50.0, 88.0, 100.0, 250.0, 500.0, 700.0, 709.0)


def _saturated_sigmoid(eps: float) -> Callable[..., np.ndarray]:
    """A sigmoid guarded by hand: the constant ``eps`` at z ≤ log(eps) and 1 - ``eps`` at z ≥ -log(eps) (a
    textbook's ``sigmoid_range = 34.538776394910684`` for 1e-15), the formula between."""
    limit = -float(np.log(eps))

    def sigmoid(z: ArrayLike) -> np.ndarray:
        z = _f(z)
        between = 1.0 / (1.0 + np.exp(-np.clip(z, -limit, limit)))
        return np.where(z <= -limit, eps, np.where(z >= limit, 1.0 - eps, between))

    return sigmoid


_SATURATIONS = (1e-7, 1e-8, 1e-10, 1e-12, 1e-15)


def _ll_pmf(x: ArrayLike, p: ArrayLike) -> np.ndarray:  # the probability, not its log
    x, p = _f(x), _f(p)
    return p**x * (1.0 - p) ** (1.0 - x)


def _ll_swapped(x: ArrayLike, p: ArrayLike) -> np.ndarray:  # p taken as the probability of 0
    x, p = _f(x), _f(p)
    return xlogy(x, 1.0 - p) + xlogy(1.0 - x, p)


def _ll_negated(x: ArrayLike, p: ArrayLike) -> np.ndarray:
    x, p = _f(x), _f(p)
    return -(xlogy(x, p) + xlog1py(1.0 - x, -p))


def _ll_clip(eps: float, log1p: bool, upper: float | None = None) -> Callable[..., np.ndarray]:
    """p clipped to [eps, 1 - eps] (or to [eps, ``upper``]) before the logs."""
    def ll(x: ArrayLike, p: ArrayLike) -> np.ndarray:
        x, clipped = _f(x), np.clip(_f(p), eps, 1.0 - eps if upper is None else upper)
        return x * np.log(clipped) + (1.0 - x) * (np.log1p(-clipped) if log1p else np.log(1.0 - clipped))

    return ll


def _ll_add_eps(eps: float) -> Callable[..., np.ndarray]:
    def ll(x: ArrayLike, p: ArrayLike) -> np.ndarray:
        x, p = _f(x), _f(p)
        return x * np.log(p + eps) + (1.0 - x) * np.log(1.0 - p + eps)

    return ll


# PyTorch's BCELoss clamps each log at -100
def _ll_clamp_log(floor: float, log1p: bool = True) -> Callable[..., np.ndarray]:
    def ll(x: ArrayLike, p: ArrayLike) -> np.ndarray:
        x, p = _f(x), _f(p)
        log_q = np.log1p(-p) if log1p else np.log(1.0 - p)
        return x * np.maximum(np.log(p), floor) + (1.0 - x) * np.maximum(log_q, floor)

    return ll


def _ll_floor(eps: float) -> Callable[..., np.ndarray]:
    """Each outcome's probability (p, and 1 - p) floored at ``eps`` before its log, the other end left as it is
    (GPy's Bernoulli likelihood: ``log(clip(where(y == 1, p, 1 - p), eps, inf))``): a two-sided clip of p differs
    from it where p is tiny (log(1 - eps), not 0)."""
    def ll(x: ArrayLike, p: ArrayLike) -> np.ndarray:
        x, p = _f(x), _f(p)
        return x * np.log(np.maximum(p, eps)) + (1.0 - x) * np.log(np.maximum(1.0 - p, eps))

    return ll


_EPSILONS = (1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15, 1e-16, float(np.finfo(float).eps), 1e-20)
_SMOOTHED_LL = (
    tuple(_ll_clip(e, lp) for e in _EPSILONS for lp in (False, True))
    # NumPyro's and JAX's clamp_probs: [the smallest normal float, 1 - machine epsilon]
    + tuple(_ll_clip(float(np.finfo(float).tiny), lp, 1.0 - float(np.finfo(float).eps)) for lp in (False, True))
    + tuple(_ll_add_eps(e) for e in _EPSILONS)
    + tuple(_ll_floor(e) for e in _EPSILONS)
    + (_ll_clamp_log(-100.0), _ll_clamp_log(-100.0, log1p=False))
)


def _bce_of(ll: Callable[..., np.ndarray]) -> Callable[..., float]:
    return lambda p, y: -np.mean(ll(y, p))


def _bce_sum(p: ArrayLike, y: ArrayLike) -> float:
    p, y = _f(p), _f(y)
    return -np.sum(xlogy(y, p) + xlog1py(1.0 - y, -p))


def _bce_row_sum_mean(p: ArrayLike, y: ArrayLike) -> float:  # ps2's "sum over classes, mean over rows" by analogy
    p, y = _f(p), _f(y)
    t = xlogy(y, p) + xlog1py(1.0 - y, -p)
    return -np.mean(np.sum(t, axis=-1)) if t.ndim > 1 else -np.sum(t)


def _first_axis_length(y: ArrayLike) -> int:
    """What ``len(y)`` is (1 for a number): the divisor of a sum "averaged" over the rows only."""
    return np.shape(y)[0] if np.ndim(y) else 1


def _bce_over_rows(p: ArrayLike, y: ArrayLike) -> float:  # scikit-learn's binary_log_loss: a mean for 1-D only
    return _bce_sum(p, y) / _first_axis_length(y)


def _bce_positive(p: ArrayLike, y: ArrayLike) -> float:
    p, y = _f(p), _f(y)
    return np.mean(xlogy(y, p) + xlog1py(1.0 - y, -p))


def _bce_hard_branch(p: ArrayLike, y: ArrayLike) -> float:  # a branch on y == 1: right for hard labels only
    p, y = _f(p), _f(y)
    return -np.mean(np.where(y == 1, np.log(p), np.log1p(-p)))


def _bce_threshold(p: ArrayLike, y: ArrayLike) -> float:  # soft labels rounded to 0/1
    p, y = _f(p), _f(y)
    t = (y >= 0.5).astype(float)
    return -np.mean(xlogy(t, p) + xlog1py(1.0 - t, -p))


def _softplus(t: ArrayLike) -> np.ndarray:
    return np.logaddexp(0.0, t)


def _logits_hard_branch(z: ArrayLike, y: ArrayLike) -> float:  # np.where(y == 1, …): a soft label taken as 0
    z, y = _f(z), _f(y)
    return float(np.mean(np.where(y == 1, _softplus(-z), _softplus(z))))


def _logits_threshold(z: ArrayLike, y: ArrayLike) -> float:  # soft labels rounded to 0/1
    z, t = _f(z), (_f(y) >= 0.5).astype(float)
    return np.mean(t * _softplus(-z) + (1.0 - t) * _softplus(z))


def _logits_sum(z: ArrayLike, y: ArrayLike) -> float:
    z, y = _f(z), _f(y)
    return np.sum(y * _softplus(-z) + (1.0 - y) * _softplus(z))


def _logits_over_rows(z: ArrayLike, y: ArrayLike) -> float:
    return _logits_sum(z, y) / _first_axis_length(y)


def _logits_swapped(z: ArrayLike, y: ArrayLike) -> float:  # softplus(z) paired with y: the sign of z flipped
    z, y = _f(z), _f(y)
    return np.mean(y * _softplus(z) + (1.0 - y) * _softplus(-z))


def _logits_negated(z: ArrayLike, y: ArrayLike) -> float:
    z, y = _f(z), _f(y)
    return -np.mean(y * _softplus(-z) + (1.0 - y) * _softplus(z))


def _logits_via_sigmoid(sig: Callable[..., np.ndarray],
                        smooth: Callable[..., np.ndarray] | None = None) -> Callable[..., float]:
    def loss(z: ArrayLike, y: ArrayLike) -> float:
        p, y = sig(z), _f(y)
        if smooth is None:
            return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
        return -np.mean(smooth(y, p))

    return loss


def _stable_sigmoid(z: ArrayLike) -> np.ndarray:
    z = _f(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# Through a sigmoid and then a clipped / smoothed log: finite but wrong values.
# (Without smoothing the result is inf with a divide-by-zero warning, which is
# recognised by the warning: the same inf is what a naive softplus overflows to.)
# (Every eps, 1e-16 and 1e-20 too: a clip's lower bound keeps the loss of a label 1 at z = -1000 finite, where a
# naive softplus gives inf, so the two are told apart on the probes where they differ, whether or not 1 - eps
# rounds to 1; mobula's layer clips at 1e-16, tests/test_corpus.py.)
_VIA_SIGMOID_SMOOTHED = tuple(
    _logits_via_sigmoid(sig, smooth)
    for sig in (_stable_sigmoid, _naive_sigmoid)
    for smooth in (
        tuple(_ll_clip(e, lp) for e in _EPSILONS for lp in (False, True))
        + tuple(_ll_add_eps(e) for e in _EPSILONS)
        + (_ll_clamp_log(-100.0), _ll_clamp_log(-100.0, log1p=False))
    )
)


_VIA_SIGMOID_PLAIN = tuple(_logits_via_sigmoid(sig) for sig in (_stable_sigmoid, _naive_sigmoid))


def _ll_naive(x: ArrayLike, p: ArrayLike) -> np.ndarray:  # 0·log 0 computed as 0 · -inf = nan
    x, p = _f(x), _f(p)
    return x * np.log(p) + (1.0 - x) * np.log(1.0 - p)


def _ll_naive_log1p(x: ArrayLike, p: ArrayLike) -> np.ndarray:
    x, p = _f(x), _f(p)
    return x * np.log(p) + (1.0 - x) * np.log1p(-p)


# through the logit t = log(p / (1 - p)) and the loss of that logit (TensorFlow Probability's Bernoulli made from
# probabilities): t is -inf at p = 0 and +inf at p = 1, where the loss is inf - inf or -inf * 0, nan
def _ll_via_logit(logit: Callable[[np.ndarray], np.ndarray], loss: str) -> Callable[..., np.ndarray]:
    def ll(x: ArrayLike, p: ArrayLike) -> np.ndarray:
        x, p = _f(x), _f(p)
        t = logit(p)
        if loss == "relu":  # max(t, 0) - t·x + log1p(exp(-|t|)): tf.nn.sigmoid_cross_entropy_with_logits
            return -(np.maximum(t, 0.0) - t * x + np.log1p(np.exp(-np.abs(t))))
        if loss == "log-sigmoid":  # (1 - x)·t - log sigmoid(t): PyTorch's CPU kernel (aten's Loss.cpp)
            return -((1.0 - x) * t - (np.minimum(t, 0.0) - np.log1p(np.exp(-np.abs(t)))))
        return -(np.logaddexp(0.0, t) - t * x)  # softplus(t) - t·x
    return ll


_VIA_LOGIT = tuple(_ll_via_logit(logit, loss)
                   for logit in (lambda p: np.log(p) - np.log1p(-p), lambda p: np.log(p / (1.0 - p)))
                   for loss in ("relu", "softplus"))


def _clamped_logit(eps: float) -> Callable[[np.ndarray], np.ndarray]:
    """PyTorch's ``probs_to_logits``: p clamped to [eps, 1 - eps] (``clamp_probs``, eps the dtype's machine
    epsilon), then log(p) - log1p(-p)."""
    def logit(p: np.ndarray) -> np.ndarray:
        clamped = np.clip(p, eps, 1.0 - eps)
        return np.log(clamped) - np.log1p(-clamped)

    return logit


# PyTorch's Bernoulli(probs).log_prob: the clamped logit, then minus binary_cross_entropy_with_logits (as its CPU
# kernel computes it, or in the relu form)
_CLAMPED_VIA_LOGIT = tuple(_ll_via_logit(_clamped_logit(float(np.finfo(t).eps)), loss)
                           for t in (np.float64, np.float32) for loss in ("log-sigmoid", "relu"))


# the label's complement inside the second log, where p's belongs
def _bce_log_one_minus_y(p: ArrayLike, y: ArrayLike) -> float:
    p, y = _f(p), _f(y)
    return -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - y))


# the label inside the first log, where p belongs (alone, or with the second term weighted by 1 - p, not 1 - y)
def _bce_arguments_swapped(p: ArrayLike, y: ArrayLike) -> float:  # the logs of the labels, weighted by p
    p, y = _f(p), _f(y)
    return -np.mean(p * np.log(y) + (1.0 - p) * np.log(1.0 - y))


def _bce_log_of_y(p: ArrayLike, y: ArrayLike) -> float:
    p, y = _f(p), _f(y)
    return -np.mean(y * np.log(y) + (1.0 - y) * np.log(1.0 - p))


def _bce_log_of_y_weighted_by_p(p: ArrayLike, y: ArrayLike) -> float:
    p, y = _f(p), _f(y)
    return -np.mean(y * np.log(y) + (1.0 - p) * np.log(1.0 - p))


def _bce_elementwise(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    p, y = _f(p), _f(y)
    return -(xlogy(y, p) + xlog1py(1.0 - y, -p))


def _logits_elementwise(z: ArrayLike, y: ArrayLike) -> np.ndarray:
    z, y = _f(z), _f(y)
    return y * _softplus(-z) + (1.0 - y) * _softplus(z)


def _bce_bits(p: ArrayLike, y: ArrayLike) -> float:
    return np.mean(_bce_elementwise(p, y)) / np.log(2.0)


def _logits_bits(z: ArrayLike, y: ArrayLike) -> float:
    return np.mean(_logits_elementwise(z, y)) / np.log(2.0)


def _per_example(losses: np.ndarray) -> np.ndarray:
    """One sum per entry of the leading axis, the rest of each entry summed (a summed loss mapped over a batch, as
    ``jax.vmap`` maps it); raises on one number, which has no axis to map over."""
    if np.ndim(losses) == 0:
        raise ValueError("one number has no leading axis")
    return np.reshape(losses, (np.shape(losses)[0], -1)).sum(axis=1)


def _bce_per_example(p: ArrayLike, y: ArrayLike) -> np.ndarray:
    return _per_example(_bce_elementwise(p, y))


def _logits_per_example(z: ArrayLike, y: ArrayLike) -> np.ndarray:
    return _per_example(_logits_elementwise(z, y))


def _logits_naive_softplus(z: ArrayLike, y: ArrayLike) -> float:
    z, y = _f(z), _f(y)
    return np.mean(y * np.log(1.0 + np.exp(-z)) + (1.0 - y) * np.log(1.0 + np.exp(z)))


# z − z·y + log(1 + exp(−z)): the rewrite that still overflows for z ≪ 0
def _logits_naive_linear(z: ArrayLike, y: ArrayLike) -> float:
    z, y = _f(z), _f(y)
    return np.mean(z - z * y + np.log(1.0 + np.exp(-z)))


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
SIGMOID_SIGN = Hint("The exponent has the wrong sign: sigmoid grows with z (sigmoid(2) is above ½), so a large "
                    "positive logit must give a probability close to 1.", matches_any(_sigmoid_wrong_sign),
                    "sigmoid-sign")
ARRAYS = scalar_code_hint(
    "The function is written for one number at a time (the error shows it: a `math` function, `float()`, or an "
    "`if` was given an array): the inputs may be lists or arrays of any shape, and NumPy's functions (and np.where) work "
    "on all their elements at once.")
MEAN = Hint("The loss is summed (over all elements, or over each row and then averaged, as a sum divided by the number "
            "of rows is): binary cross-entropy is the mean over all elements, one number per call.",
            matches_any(_bce_sum, _bce_row_sum_mean, _bce_over_rows, _logits_sum, _logits_over_rows), "bce-not-mean")
BITS = Hint("The loss is in bits (log base 2, or divided by log 2): the course's losses are in nats, with the natural "
            "logarithm.", matches_any(_bce_bits, _logits_bits), "bce-in-bits")
PER_ELEMENT = Hint("The result is one loss per element: binary cross-entropy is one number per call, the mean over "
                   "all elements.", any_of(matches_any(_bce_elementwise, _logits_elementwise),
                                           one_result_per_element()), "bce-per-element")
PER_EXAMPLE = Hint("The result is one loss per example, each entry of the first axis with the rest of it summed (what "
                   "a summed loss mapped over a batch gives; for a 1-D input, one loss per element): binary "
                   "cross-entropy is one number per call, the mean over all elements.",
                   matches_any(_bce_per_example, _logits_per_example), "bce-per-example")
NEGATIVE_LOSS = Hint("The loss has the wrong sign: it is the *negative* log-likelihood, which is never below 0.",
                     matches_any(_bce_positive, _logits_negated), "bce-sign")
NAN_AT_EDGES = Hint("At p = 0 or p = 1 one term is 0 · log 0, which floating point computes as nan (0 times -inf): "
                    "the contract takes such a term as 0, and so do the building blocks made for it "
                    "(scipy.special.xlogy and xlog1py).",
                    matches_any(_ll_naive, _ll_naive_log1p, _bce_of(_ll_naive), _bce_of(_ll_naive_log1p), atol=0),
                    "zero-log-zero-nan")
CLIPPED = Hint("p is clipped (or an epsilon is added, or each log clamped or floored): that changes the results near "
               "0 and 1, so a confident wrong prediction costs far less than it should (and, with p clipped at both "
               "ends, a perfect one no longer costs 0). The loss needs no clipping once 0 · log 0 is taken as 0.",
               matches_any(*_SMOOTHED_LL, *_CLAMPED_VIA_LOGIT, *(_bce_of(ll) for ll in _SMOOTHED_LL + _CLAMPED_VIA_LOGIT),
                           atol=0), "clipped-p")
VIA_LOGIT = Hint("The log-probability goes through the logit log(p / (1 − p)), which is −inf at p = 0 and +inf at p = 1: "
                 "the loss of an infinite logit is inf − inf, nan, where the certain outcome has log-probability 0. "
                 "Take the logs of p and 1 − p themselves, with 0 · log 0 taken as 0 (as the building blocks "
                 "scipy.special.xlogy and xlog1py do), and no logit is ever formed.",
                 # (bernoulli_log_pmf only: binary_cross_entropy's mean hides the entries where the logit's loss and
                 # the naive formula's 0 · log 0 differ, so there the naive formula's hint is the one that stands)
                 matches_any(*_VIA_LOGIT, atol=0), "via-logit-nan")
LOG_OF_ZERO_WARNS = Hint("A log of 0 is computed on the way (the RuntimeWarning): the contract asks for no warning, so "
                         "only ever take the log of a positive number (np.where, for one, evaluates both of its "
                         "branches for every element before it chooses).",
                         any_of(warned("divide by zero encountered in log"), warned("invalid value encountered in")),
                         "log-of-zero-warns", kinds=("warning",))
BCE_LOG_ONE_MINUS_Y = Hint("The second term takes the log of 1 − y where the loss has the log of 1 − p: the label "
                           "weights the two terms, and both logs are of the predicted probabilities.",
                           matches_any(_bce_log_one_minus_y, atol=0), "bce-log-one-minus-y")
BCE_LOG_OF_Y = Hint("The first term takes the log of the label y where the loss has the log of p: the label "
                    "weights the two terms, and both logs are of the predicted probabilities.",
                    matches_any(_bce_log_of_y, _bce_log_of_y_weighted_by_p, atol=0), "bce-log-of-label")
BCE_ARGUMENTS_SWAPPED = Hint("p and y are the other way round: the logs are of the predicted probabilities p, and the "
                             "labels y weight them (a hard label makes the log of 0 here, so the loss is inf).",
                             matches_any(_bce_arguments_swapped, atol=0), "bce-arguments-swapped")
NAIVE_SIGMOID = Hint("np.exp overflows for arguments above about 709, so the textbook formula warns for z below "
                     "about -709 (a formula with exp(z) warns for z above 709; silencing the warning with np.errstate "
                     "leaves the overflow) and gives 0 where the answer is not: "
                     "split by the sign of z, so that exp only ever sees a number ≤ 0.",
                     any_of(matches_any(_naive_sigmoid, _naive_sigmoid_exp_form, _naive_sigmoid_exp2, atol=0),
                            all_of(kind("value", "nonfinite"), warned("overflow encountered in exp"))),
                     "sigmoid-naive-overflow")
BOTH_BRANCHES_EXP = Hint("exp overflows on the way (the RuntimeWarning), even where that result is then thrown away "
                         "(np.where evaluates both of its branches for every element before it chooses): give exp "
                         "only numbers ≤ 0, in both branches.",
                         warned("overflow encountered in exp"), "exp-overflow-warns", kinds=("warning",))
CLIPPED_Z = Hint("z is clipped, which changes the result for large |z|: far out, the result is a tiny positive "
                 "number, not the sigmoid of the clip limit. No clipping is needed once exp only sees numbers ≤ 0.",
                 matches_any(*(_clipped_sigmoid(c) for c in _CLIP_LIMITS), atol=0), "sigmoid-clipped-z")
SATURATED = Hint("Beyond some |z| the result is a constant written by hand (such as 1e-15, or 1 - 1e-15): far out the "
                 "sigmoid keeps shrinking (sigmoid(-40) is about 4e-18) and reaches 0 only below about -745. No guard is "
                 "needed once exp only sees numbers ≤ 0.",
                 matches_any(*(_saturated_sigmoid(e) for e in _SATURATIONS), atol=0), "sigmoid-saturated")
TANH = Hint("½(1 + tanh(z/2)) equals the sigmoid mathematically, but for negative z the sum 1 + tanh(z/2) cancels: "
            "already at z = -30 most digits are gone. Exponentiate only numbers ≤ 0 instead.",
            matches_any(_tanh_sigmoid, atol=0), "sigmoid-tanh")
TANH_OF_Z = Hint("½(1 + tanh(z)) is the sigmoid of 2z, not of z: the identity takes the tanh of z/2.",
                 matches_any(_tanh_sigmoid_of_2z, atol=0), "sigmoid-tanh-of-z")
ONE_MINUS = Hint("For z < 0 the result is one minus a number close to 1, which cancels: it is exactly 0 from "
                 "z ≈ -37 on. For negative z, build the result from exp(z) without a subtraction.",
                 matches_any(_one_minus_sigmoid, atol=0), "sigmoid-one-minus")

VIA_SIGMOID = Hint("Going through the probability sigmoid(z) and then its log loses everything once it rounds to 0 "
                   "or 1 (z = -1000 gives the log of 0): the log of a sigmoid is a softplus of the logit, which "
                   "np.logaddexp computes without ever forming the probability.",
                   # (atol=0: the failing call can be a label's loss that is about 0, where a clipped formula
                   # gives 1e-16; the default 1e-12 would take that for the correct 0 and the rule would not stand)
                   any_of(all_of(nonfinite(), warned("divide by zero encountered in log")),
                          matches_any(*_VIA_SIGMOID_SMOOTHED, atol=0),
                          # (unsmoothed and silent, as torch code is: told from a naive softplus by z = 40, where
                          # the probability rounds to 1 and the softplus does not overflow)
                          matches_any(*_VIA_SIGMOID_PLAIN, atol=0)), "logits-via-sigmoid")
LOGITS_SWAPPED = Hint("The sign of z is the other way round: a large positive z means p close to 1, so a label 1 "
                      "costs little there and a label 0 costs about z.", matches_any(_logits_swapped), "logits-swapped")
NAIVE_SOFTPLUS = Hint("np.exp overflows for arguments above about 709, so the log of 1 + exp(t) is inf for a large t "
                      "where its value is about t: compute the softplus so that exp only ever sees numbers ≤ 0 "
                      "(np.logaddexp does).",
                      any_of(matches_any(_logits_naive_softplus, _logits_naive_linear),
                             all_of(kind("value", "nonfinite"), warned("overflow encountered in exp"))),
                      "naive-softplus")

# --- every check of a function offers all of that function's rules, so a
# mistake is named whichever probe happens to reveal it first ---------------
SIGMOID_HINTS = (NAIVE_SIGMOID, CLIPPED_Z, SATURATED, TANH, TANH_OF_Z, ONE_MINUS, BOTH_BRANCHES_EXP, SIGMOID_SIGN,
                 ARRAYS)
BERNOULLI_HINTS = (
    NAN_AT_EDGES, VIA_LOGIT, CLIPPED, LOG_OF_ZERO_WARNS,
    Hint("The result is the probability itself: bernoulli_log_pmf is its log.", matches_any(_ll_pmf), "ll-pmf-not-log"),
    Hint("p is taken as the probability of x = 0: p is the probability of x = 1.", matches_any(_ll_swapped),
         "ll-swapped"),
    Hint("The result is negated: a log-probability is at most 0 (negated, it is the loss).", matches_any(_ll_negated),
         "ll-negated"),
    ARRAYS,
)
SOFT_REJECTED = Hint("Soft labels were rejected: y may be any number in [0, 1] (a soft label such as 0.3 weighs both "
                     "terms), so a check of the labels accepts every y from 0 to 1.",
                     soft_labels_rejected(), "soft-labels-rejected", kinds=("raised",))
HARD_LABELS = Hint("y is treated as a hard label (a branch on y == 1, or y rounded): y may be soft (0.25, 0.7 …), and "
                   "a soft label weighs both terms.",
                   matches_any(_bce_hard_branch, _bce_threshold, _logits_hard_branch, _logits_threshold),
                   "bce-hard-labels")
BCE_HINTS = (
    BCE_LOG_ONE_MINUS_Y, BCE_LOG_OF_Y, BCE_ARGUMENTS_SWAPPED, NAN_AT_EDGES, CLIPPED, LOG_OF_ZERO_WARNS,
    HARD_LABELS,
    MEAN,
    BITS,
    PER_ELEMENT,
    PER_EXAMPLE,
    NEGATIVE_LOSS,
    Hint("p is taken as the probability of y = 0: p is the predicted probability of y = 1, so a label 1 costs little "
         "where p is close to 1.", matches_any(_bce_of(_ll_swapped)), "bce-swapped"),
    ARRAYS, SOFT_REJECTED,
)
LOGITS_HINTS = (VIA_SIGMOID, NAIVE_SOFTPLUS, LOGITS_SWAPPED, HARD_LABELS, MEAN, BITS, PER_ELEMENT, PER_EXAMPLE,
                NEGATIVE_LOSS, ARRAYS, SOFT_REJECTED)
