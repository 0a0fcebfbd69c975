"""Problem set 6's hint rules: each names one mistake, recognised by recomputing the wrong formula that makes it.

The wrong formulas below (``_h_*`` for entropy, ``_kl_*``, ``_js_*``, ``_bp_*`` for bayes_posterior, ``_map_*``
for map_linear_regression) recreate common mistakes: :func:`~autograder.checks.hints.matches` asks whether a
submission computed one of them, on the failing input and on the cell's other inputs too. The rules of the
-errors cells read which valid input a wrong test of the sum rejected. :mod:`autograder.checks.ps6_information`
gives each function its rules (``H_HINTS``, ``KL_HINTS``, ``JS_HINTS``, ``BP_HINTS``, ``MAP_HINTS``), tried in
order; ``tests/test_hint_texts.py`` reads every text.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.failure import Failure, Hint
from autograder.checks.hints import (
    Rule,
    all_of,
    any_of,
    fixed_axis_hint,
    kind,
    label_has,
    matches_any,
    none_of,
    numpy_shape_error,
    one_flat_vector,
    raised,
    scalar_code_hint,
    scalar_code_on_arrays,
    warned,
)
from autograder.checks.probe import Probe

#: The log of the smallest positive float64 (a subnormal, about -745.13): exp of anything below it is 0.
_LOG_SMALLEST = float(np.log(np.nextafter(0.0, 1.0)))


def _f(a: ArrayLike) -> np.ndarray:
    return np.asarray(a, dtype=float)


# --- wrong formulas (errstate is handled by hints.matches) -------------------------
def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def _h(p: ArrayLike, axis: int = -1, log: np.ufunc = np.log) -> np.ndarray:
    p = _f(p)
    return -np.sum(np.where(p > 0, p * log(np.where(p > 0, p, 1.0)), 0.0), axis=axis)


def _h_log2(p: ArrayLike, axis: int = -1) -> np.ndarray:
    return _h(p, axis, np.log2)


def _h_log2_whole(p: ArrayLike, axis: int = -1) -> np.ndarray:
    """Bits, over the whole array flattened (three real course and library entropies, ``ravel`` then ``log2``): the
    -basic cell's 2-D input gives one number, so only this form of the bits mistake agrees there too."""
    return _h(np.ravel(_f(p)), -1, np.log2)


def _h_bits_times_log2e(p: ArrayLike, axis: int = -1) -> np.ndarray:
    """Bits converted to nats the wrong way round: times log2(e) where it is ln 2 (statsmodels' sandbox
    ``logbasechange(2, e)``), so (log2 e)² times the entropy in nats."""
    return _h_log2(p, axis) * np.log2(np.e)


def _h_bits_times_log2e_whole(p: ArrayLike, axis: int = -1) -> np.ndarray:
    """The same over the whole array flattened (as :func:`_h_log2_whole`)."""
    return _h_log2_whole(p, axis) * np.log2(np.e)


def _h_no_minus(p: ArrayLike, axis: int = -1) -> np.ndarray:
    return -_h(p, axis)


def _h_mean(p: ArrayLike, axis: int = -1) -> np.ndarray:
    return _h(p, axis) / _f(p).shape[axis]


def _h_normalised(p: ArrayLike, axis: int = -1) -> np.ndarray:  # divided by log K: 1 for the uniform distribution
    p = _f(p)
    return _h(p, axis) / np.log(p.shape[axis])


def _h_other_axis(p: ArrayLike, axis: int = -1) -> np.ndarray:
    p = _f(p)
    return _h(p, 0 if axis in (-1, p.ndim - 1) else -1)


def _h_eps(eps: float) -> Callable[..., np.ndarray]:
    def h(p: ArrayLike, axis: int = -1) -> np.ndarray:
        p = _f(p)
        return -np.sum(p * np.log(p + eps), axis=axis)

    return h


# entries within np.isclose's default atol (1e-8) of 0 treated as zeros
def _h_skip_tiny(p: ArrayLike, axis: int = -1) -> np.ndarray:
    p = _f(p)
    return _h(np.where(np.isclose(p, 0.0), 0.0, p), axis)


def _kl(p: ArrayLike, q: ArrayLike, axis: int = -1, log: np.ufunc = np.log) -> np.ndarray:
    p, q = _f(p), _f(q)
    ratio = np.where(p > 0, p, 1.0) / np.where(p > 0, q, 1.0)
    return np.sum(np.where(p > 0, p * log(ratio), 0.0), axis=axis)


def _kl_skip_tiny(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p = _f(p)
    return _kl(np.where(np.isclose(p, 0.0), 0.0, p), q, axis)


def _kl_swapped(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _kl(q, p, axis)


def _kl_log2(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _kl(p, q, axis, np.log2)


def _kl_entropy_difference(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _h(p, axis) - _h(q, axis)


def _kl_entropy_difference_reversed(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _h(q, axis) - _h(p, axis)


def _kl_cross_entropy(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:  # -Σ p log q: forgot to subtract H(p)
    return _kl(p, q, axis) + _h(p, axis)


def _kl_eps(eps: float) -> Callable[..., np.ndarray]:
    def kl(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
        p, q = _f(p), _f(q)
        return np.sum(_xlogy(p, (p + eps) / (q + eps)), axis=axis)

    return kl


def _kl_eps_weighted(eps: float) -> Callable[..., np.ndarray]:
    """Σ (p + eps)·log((p + eps) / (q + eps)): the epsilon in the weights too (the logs of p + eps and q + eps taken
    first, each term weighted by exp of the first: a JAX loss library's form)."""
    def kl(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
        p, q = _f(p) + eps, _f(q) + eps
        return np.sum(p * np.log(p / q), axis=axis)

    return kl


def _js_eps(kl: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
    """The JSD made of an epsilon KL ``kl`` (:func:`_kl_eps`, :func:`_kl_eps_weighted`), each distribution against
    their mixture."""
    def js(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
        p, q = _f(p), _f(q)
        return 0.5 * (kl(p, (p + q) / 2, axis) + kl(q, (p + q) / 2, axis))

    return js


#: Epsilons real code adds inside a logarithm of probabilities (machine epsilon: a JAX loss library's).
#: (1e-6 and 1e-5: domain-adaptation code's entropies, SHOT's and CDAN's, take log(p + 1e-5))
_LOG_EPSILONS = (float(np.finfo(float).eps), 1e-16, 1e-15, 1e-12, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5)
_KL_EPS = tuple(form(e) for e in _LOG_EPSILONS for form in (_kl_eps, _kl_eps_weighted))


def _js(p: ArrayLike, q: ArrayLike, axis: int = -1, m: ArrayLike | None = None, half: float = 0.5,
        log: np.ufunc = np.log) -> np.ndarray:
    p, q = _f(p), _f(q)
    m = (p + q) / 2 if m is None else m
    return half * (_kl(p, m, axis, log) + _kl(q, m, axis, log))


def _js_skip_tiny(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    return _js(np.where(np.isclose(p, 0.0), 0.0, p), np.where(np.isclose(q, 0.0), 0.0, q), axis, m=(p + q) / 2)


def _js_sum_mixture(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _js(p, q, axis, m=_f(p) + _f(q))


def _js_no_half(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _js(p, q, axis, half=1.0)


def _js_one_term(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    return _kl(p, (p + q) / 2, axis)


def _js_one_term_halved(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return 0.5 * _js_one_term(p, q, axis)


def _js_symmetric_kl(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return 0.5 * (_kl(p, q, axis) + _kl(q, p, axis))


def _js_log2(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    return _js(p, q, axis, log=np.log2)


def _js_geometric_mixture(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    return _js(p, q, axis, m=np.sqrt(p * q))


def _softmax(logits: ArrayLike) -> np.ndarray:
    logits = _f(logits)
    e = np.exp(logits - np.max(logits))
    return e / e.sum()


def _ll_total(ll: ArrayLike, k: int) -> np.ndarray:
    return np.sum(_f(ll).reshape(-1, k), axis=0)


def _bp(log_prior: ArrayLike, ll: ArrayLike, prior_weight: float = 1.0, like_weight: float = 1.0) -> np.ndarray:
    lp = _f(log_prior)
    return _softmax(prior_weight * np.where(np.isneginf(lp), -np.inf, lp) + like_weight * _ll_total(ll, lp.size))


def _bp_prior_ignored(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return _bp(log_prior, ll, prior_weight=0.0)


def _bp_prior_twice(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return _bp(log_prior, ll, prior_weight=2.0)


def _bp_unnormalised(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return np.exp(_f(log_prior) + _ll_total(ll, _f(log_prior).size))


# exp(a - max a): stable, but not divided by the sum
def _bp_unnormalised_shifted(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    a = _f(log_prior) + _ll_total(ll, _f(log_prior).size)
    return np.exp(a - np.max(a))


def _bp_product(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:  # prior × Π likelihoods in probability space
    prior = np.exp(_f(log_prior))
    unnormalised = prior * np.prod(np.exp(_f(ll).reshape(-1, prior.size)), axis=0)
    return unnormalised / unnormalised.sum()


def _bp_every_product_underflows(f: Failure) -> bool:
    """The failing call's unnormalised posterior underflows to 0 for every hypothesis (each log-posterior below the
    log of the smallest subnormal): code in probability space finds a total of 0 there."""
    if f.probe is None or len(f.probe.args) < 2:
        return False
    log_prior = _f(f.probe.args[0])
    with np.errstate(invalid="ignore"):
        log_posterior = log_prior + _ll_total(f.probe.args[1], log_prior.size)
    return bool(np.all(log_posterior < _LOG_SMALLEST))


def _bp_uniform_for_underflow(f: Failure) -> bool:
    """A uniform result where every hypothesis's product underflows (a total of 0 replaced by the uniform
    distribution, as a discrete Bayes filter's ``normalize`` does) and the correct posterior is not uniform."""
    value = f.outcome.value if f.outcome is not None else None
    if not isinstance(value, np.ndarray) or value.ndim != 1 or value.size < 2 or not _bp_every_product_underflows(f):
        return False
    reference = np.asarray(f.reference, dtype=float) if f.reference is not None else None
    uniform = np.full(value.size, 1.0 / value.size)
    return bool(np.allclose(value, uniform, rtol=1e-12, atol=0)
                and (reference is None or not np.allclose(reference, uniform, rtol=1e-6, atol=0)))


# log space, but exp(a) / Σ exp(a) without subtracting the maximum
def _bp_exp_unshifted(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    e = np.exp(_bp_log_unnormalised(log_prior, ll))
    return e / e.sum()


def _bp_lse_unshifted(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    """exp(a - log Σ exp(a)) with no maximum subtracted (a mixture library's log-normalisation): the sum underflows to
    0, its log is -inf, and every entry is inf."""
    a = _bp_log_unnormalised(log_prior, ll)
    return np.exp(a - np.log(np.sum(np.exp(a))))


def _bp_likelihood_floored(eps: float) -> Callable[..., np.ndarray]:
    """Each likelihood exponentiated, an epsilon added and its log taken again (log(exp(ll) + eps)), then the
    log-posterior normalised in log space: a log-likelihood far below log(eps) becomes log(eps) for every hypothesis."""
    def wrong(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
        return _softmax(_bp_log_unnormalised(log_prior, np.log(np.exp(_f(ll)) + eps)))

    return wrong


#: Epsilons added to a likelihood before its log in real code (a floor against log 0).
_LIKELIHOOD_EPSILONS = (1e-300, 1e-200, 1e-100, 1e-50, 1e-30, 1e-20, 1e-16, 1e-12, 1e-10, 1e-8)


def _bp_log_posterior(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return np.log(_bp(log_prior, ll))


def _bp_log_unnormalised(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return _f(log_prior) + _ll_total(ll, _f(log_prior).size)


# a 1-D log_likelihood summed to one number: the prior comes back
def _bp_1d_summed(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    return _softmax(_f(log_prior) + np.sum(_f(ll), axis=0))


def _bp_mean_ll(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    lp = _f(log_prior)
    return _softmax(lp + np.mean(_f(ll).reshape(-1, lp.size), axis=0))


def _ridge(X: ArrayLike, y: ArrayLike, lam: float, penalty: np.ndarray | None = None) -> np.ndarray:
    X, y = _f(X), _f(y)
    d = X.shape[1]
    pen = np.eye(d) if penalty is None else penalty
    return np.linalg.solve(X.T @ X + lam * pen, X.T @ y)


def _map_inverted(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, prior_std**2 / noise_std**2)


# λ = 1/prior_std², the unit-noise shortcut
def _map_prior_precision(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, 1.0 / prior_std**2)


def _map_unsquared(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, noise_std / prior_std)


# λ = noise² + prior⁻²-style mix-ups
def _map_variance_sum(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, noise_std**2 * prior_std**2)


def _map_no_prior(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, 0.0)


def _map_bias_unpenalised(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    d = _f(X).shape[1]
    pen = np.eye(d)
    pen[0, 0] = 0.0
    return _ridge(X, y, noise_std**2 / prior_std**2, pen)


def _intercept_added(failure: Failure) -> bool:
    """One weight more than X has columns: a column of ones (an intercept) added to X inside the function."""
    probe, outcome = failure.probe, failure.outcome
    if probe is None or outcome is None or outcome.value is None or not probe.args:
        return False
    try:
        columns = np.shape(probe.args[0])[1]
    except (IndexError, ValueError):  # (an X that is not 2-D: not this mistake's input)
        return False
    return bool(np.size(outcome.value) == columns + 1)


# sklearn-style mean squared error
def _map_lambda_over_n(X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float) -> np.ndarray:
    return _ridge(X, y, _f(X).shape[0] * noise_std**2 / prior_std**2)


def _h_naive(p: ArrayLike, axis: int = -1) -> np.ndarray:  # 0 · log 0 = nan
    p = _f(p)
    return -np.sum(p * np.log(p), axis=axis)


def _h_nansum(p: ArrayLike, axis: int = -1) -> np.ndarray:  # right values, but log(0) warns
    p = _f(p)
    return -np.nansum(p * np.log(p), axis=axis)


def _kl_naive(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    return np.maximum(np.sum(p * np.log(p / q), axis=axis), 0.0)


# right values where p = 0, but np.where computed 0 · log 0 (and warned) first
def _kl_where(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    return np.sum(np.where(p > 0, p * np.log(p / q), 0.0), axis=axis)


def _h_where(p: ArrayLike, axis: int = -1) -> np.ndarray:
    p = _f(p)
    return -np.sum(np.where(p > 0, p * np.log(p), 0.0), axis=axis)


def _js_naive(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    p, q = _f(p), _f(q)
    m = (p + q) / 2
    return 0.5 * np.sum(p * np.log(p / m) + q * np.log(q / m), axis=axis)


def _bp_log_of_exp_prior(log_prior: ArrayLike, ll: ArrayLike) -> np.ndarray:
    prior = np.exp(_f(log_prior))
    return _softmax(np.log(prior / prior.sum()) + _ll_total(ll, prior.size))


def _slices_of(probe: Probe) -> tuple[np.ndarray, int]:
    """A probe's first array argument and its ``axis`` (entropy, kl_divergence, js_divergence)."""
    p = np.asarray(probe.args[0], dtype=float)
    return p, probe.kwargs.get("axis", probe.args[2] if len(probe.args) > 2 else -1)


def _sums(probe: Probe) -> tuple[np.ndarray, float]:
    """``(each slice's sum, the whole array's sum)`` of a probe's first argument."""
    p, axis = _slices_of(probe)
    return np.sum(p, axis=axis), float(np.sum(p))


def _valid_rejected(rejected: Callable[[Probe], bool], accepted: Callable[[Probe], bool]) -> Rule:
    """A valid input was rejected (ValueError, not one of NumPy's own shape errors: code that fails on the way
    checked nothing) where ``rejected(probe)``, and every input the function accepted among the check's others
    satisfies ``accepted(probe)``: the rejection is that one test of the sum."""
    def rule(f: Failure) -> bool:
        if f.probe is None or not rejected(f.probe) or numpy_shape_error()(f):
            return False
        return all(accepted(probe) for probe in f.returned())

    return all_of(raised("ValueError"), rule)


def _whole_sum_off(probe: Probe) -> bool:
    sums, total = _sums(probe)
    return np.ndim(sums) > 0 and bool(np.all(sums == 1)) and abs(total - 1) > 1e-8


def _whole_sum_one(probe: Probe) -> bool:
    return abs(_sums(probe)[1] - 1) <= 1e-8


def _sum_rounded(probe: Probe) -> bool:
    sums, total = _sums(probe)
    return bool(np.all(np.abs(sums - 1) <= 1e-8) and np.any(sums != 1))


def _sums_exact(probe: Probe) -> bool:
    return bool(np.all(_sums(probe)[0] == 1))


def _kl_last_axis(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    """KL along the last axis whatever ``axis`` says."""
    return _kl(p, q)


def _js_last_axis(p: ArrayLike, q: ArrayLike, axis: int = -1) -> np.ndarray:
    """JSD along the last axis whatever ``axis`` says."""
    return _js(p, q)


def _last_axis_sums_one(probe: Probe) -> bool:
    """The slices of a probe's first argument along the last axis each sum to 1 (within 1e-8)."""
    p, _ = _slices_of(probe)
    return p.ndim == 0 or bool(np.all(np.abs(np.sum(p, axis=-1) - 1) <= 1e-8))


def _last_axis_sums_off(probe: Probe) -> bool:
    """``axis`` is not the last, and the slices along the last axis do not all sum to 1 (those along ``axis`` do)."""
    p, axis = _slices_of(probe)
    return p.ndim > 1 and axis % p.ndim != p.ndim - 1 and not _last_axis_sums_one(probe)


def _returned_dimensions(f: Failure) -> list[int]:
    """The number of dimensions of each of the check's inputs the function returned for."""
    return [_slices_of(probe)[0].ndim for probe in f.returned()]


def _as_many_dimensions_accepted(f: Failure) -> bool:
    """The function returned for another of the check's inputs with at least as many dimensions as the failing one:
    so the rejection is not of the number of dimensions (code written for 2-D batches rejects every 3-D input)."""
    return f.probe is not None and any(n >= _slices_of(f.probe)[0].ndim for n in _returned_dimensions(f))


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
def _has_zero(a: object) -> bool:
    return isinstance(a, list | np.ndarray) and np.ndim(a) >= 1 and bool(np.any(_f(a) == 0))


def _zero_in_p(f: Failure) -> bool:
    """The failing call's first distribution, p, holds an entry of exactly 0."""
    return f.probe is not None and bool(f.probe.args) and _has_zero(f.probe.args[0])


def _zero_in_p_only(f: Failure) -> bool:
    """p holds a 0 and no other distribution of the call does: a log of 0 there can only be p's."""
    return f.probe is not None and _zero_in_p(f) and not any(_has_zero(a) for a in f.probe.args[1:])


ZERO_LOG_ZERO = Hint(
    "A term with p = 0 is 0 · log 0, which floating point computes as nan (0 times -inf), with a RuntimeWarning: "
    "such a term is 0 by convention, so the log is needed only where p > 0 (scipy.special.xlogy is made for it).",
    any_of(matches_any(_h_naive, _h_nansum, _h_where, _kl_naive, _kl_where, _js_naive),
           # the symptom alone, where a second mistake (a sum along another axis) keeps the formulas from matching:
           # nan from a multiplication that warned 0 · (-inf), at an input with a 0 entry
           all_of(kind("nonfinite"), warned("invalid value encountered in multiply"), _zero_in_p),
           # or dropped afterwards (np.nansum), where a second mistake (bits) keeps _h_nansum from matching: the
           # result is right there, and the log of 0 and the nan it made both warned
           all_of(kind("warning"), warned("divide by zero encountered in log"),
                  warned("invalid value encountered in multiply"), _zero_in_p)),
    "zero-log-zero-nan",
)
#: (before ZERO_LOG_ZERO: a log of 0 that warns, masked or dropped before it meets a 0, never makes the nan that
#: hint tells of; a formula that does make it warns "invalid value" too)
LOG_OF_ZERO_DROPPED = Hint(
    "The log of a 0 probability is still taken (the RuntimeWarning: divide by zero), even though its term is then "
    "set aside: np.where, for one, evaluates both of its branches for every element before it chooses. The result "
    "is right; take the log only where p > 0 so that nothing warns (scipy.special.xlogy does).",
    all_of(kind("warning"), warned("divide by zero encountered in log"),
           none_of(warned("invalid value encountered"))),
    "log-of-zero-set-aside",
)
#: math.log(0)'s ValueError ("math domain error" up to CPython 3.13, "expected a positive input, got 0.0" from 3.14)
_MATH_LOG_OF_ZERO = raised("ValueError", "math domain error", "expected a positive input")
ZERO_LOG_ZERO_RAISES = Hint(
    "math.log(0) raises ValueError at a term with p = 0: such a term is 0 by convention "
    "(0 · log 0 = 0), so the log is needed only where p > 0 (scipy.special.xlogy is made for it).",
    all_of(_MATH_LOG_OF_ZERO, _zero_in_p_only),
    "zero-log-zero-raises",
    kinds=("raised",),
)
#: JSD's terms are p·log(p/m) and q·log(q/m), with m > 0 wherever p or q is: a log of 0 is a zero of p or of q
JS_ZERO_LOG_ZERO_RAISES = Hint(
    "math.log(0) raises ValueError at a term with p = 0 or q = 0: such a term is 0 by convention "
    "(0 · log 0 = 0), so each log is needed only where its weight is > 0 (scipy.special.xlogy is made for it).",
    all_of(_MATH_LOG_OF_ZERO, lambda f: f.probe is not None and any(_has_zero(a) for a in f.probe.args[:2])),
    "js-zero-log-zero-raises",
    kinds=("raised",),
)
SCALAR_CODE = scalar_code_hint(
    "The function is written for one number, or one 1-D slice, at a time (the error shows it: an `if` or a "
    "`math` function was given an array): `p` may have any number of axes, and NumPy's functions, with `axis`, "
    "work on all of them at once.")
FLAT_VECTOR = Hint(
    "The function handles one flat vector at a time (Python's sum or max, or a loop over the entries): `p` may "
    "have any number of axes, each slice along `axis` a distribution of its own, and NumPy's functions, with "
    "`axis`, work on all of them at once.",
    one_flat_vector(),
    "one-flat-vector",
    kinds=("raised",),
)
NATS = Hint("The result is in bits (or another base), or converted from bits the wrong way round: the course "
            "measures information in nats, with the natural logarithm (an entropy in bits times ln 2 is the entropy "
            "in nats).", any_of(matches_any(_h_log2, _kl_log2, _js_log2, _h_bits_times_log2e),
                                # (whole-array bits name the values' mistake; a one-number shape is the
                                # generic reduced-to-one-number hint's, which names the flattening)
                                all_of(kind("value"), matches_any(_h_log2_whole, _h_bits_times_log2e_whole))),
            "not-nats")
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
    all_of(none_of(scalar_code_on_arrays()), _valid_rejected(_whole_sum_off, _whole_sum_one)),
    "sum-checked-over-whole-array",
)
EXACT_SUM = Hint(
    "A valid input was rejected whose slices sum to 1 only up to rounding (rows normalised by a division sum to "
    "1 ± 2e-16): the contract accepts sums within 1e-8 of 1, so never test the sum with `== 1`.",
    all_of(none_of(scalar_code_on_arrays()), _valid_rejected(_sum_rounded, _sums_exact)),
    "sum-checked-exactly",
)
EPS_IN_LOG = Hint(
    "An epsilon inside the logarithm (or added to the probabilities) changes every term: a one-hot distribution no "
    "longer gives exactly 0, tiny probabilities are weighed wrong, and in a KL q = 0 under p > 0 no longer gives inf. "
    "Terms with p = 0 are 0 by convention, and the log needs no epsilon.",
    # rtol 1e-12: an epsilon formula is recomputed exactly, and a renormalised p (p / p.sum(), legitimate)
    # differs from p by as little as an epsilon does.
    # (the JSD's atol 0: on many tiny probabilities an epsilon moves a JSD of 3e-4 by 1e-9 relative, 6e-13, which the
    # default atol would take for the correct result)
    any_of(matches_any(*(_h_eps(e) for e in _LOG_EPSILONS), *_KL_EPS, rtol=1e-12),
           matches_any(*(_js_eps(kl) for kl in _KL_EPS), rtol=1e-12, atol=0)),
    "epsilon-in-log",
)
TINY_COUNTS = Hint(
    "Entries near 0 are treated as zeros (a threshold, such as np.isclose's default of 1e-8): only exact zeros "
    "count 0, and a probability of 1e-9 is a probability (a thousand of them carry 2e-5 nats of entropy).",
    matches_any(_h_skip_tiny, _kl_skip_tiny, _js_skip_tiny),
    "tiny-probabilities-skipped",
)
AXIS = Hint("The sum runs along another axis than `axis`: the result has the input's shape without that axis.",
            matches_any(_h_other_axis), "entropy-other-axis")
FIXED_AXIS = fixed_axis_hint(
    "A reduction names a fixed axis (such as dim=1 or axis=1, as code for a batch of rows has it) that the input "
    "does not have (a 1-D p has only axis 0): every reduction takes the function's `axis` argument, so that the "
    "same code serves one distribution and each slice of a larger array.")

_DISTRIBUTION_CHECKS = (SCALAR_CODE, FLAT_VECTOR, TOLERANCE_LOOSE, VALIDATE, WHOLE_ARRAY_SUM, EXACT_SUM)
#: The divergences' `axis` taken as the last axis whatever it says: in the check of the sums, or in the sum.
LAST_AXIS_CHECK = Hint(
    "A valid input along `axis` was rejected: where `axis` is not the last axis, each slice along `axis` is a "
    "distribution and the slices along the last axis need not sum to 1, so the check of the sums, like the sum "
    "itself, takes `axis`.",
    # (not an error NumPy raises for code written for one flat vector: an `if` on an array, a 1-D-only norm)
    all_of(none_of(scalar_code_on_arrays(), numpy_shape_error()), _valid_rejected(_last_axis_sums_off, _last_axis_sums_one),
           _as_many_dimensions_accepted),
    "divergence-checks-last-axis",
)


def _fewer_dimensions_only(f: Failure) -> bool:
    """The failing input has more dimensions than any the function returned for, and it returned for some."""
    returned = _returned_dimensions(f)
    return f.probe is not None and bool(returned) and _slices_of(f.probe)[0].ndim > max(returned)


#: Code written for one batch of rows (torchmetrics' KL: "Expected both p and q distribution to be 2D").
DIMENSIONS = Hint(
    "A valid input with more dimensions than the function takes was rejected: p may have any number of "
    "dimensions, each slice along `axis` a distribution, and the result drops that axis (a (2, 3, 4) input with "
    "axis=1 gives shape (2, 4)).",
    all_of(raised("ValueError"), none_of(scalar_code_on_arrays(), numpy_shape_error()), _fewer_dimensions_only),
    "fixed-dimensions",
    kinds=("raised",),
)
H_HINTS = (
    Hint("The minus sign is missing: entropy is never negative.", matches_any(_h_no_minus), "entropy-sign"),
    Hint("The terms are averaged over the outcomes: entropy is their sum.", matches_any(_h_mean), "entropy-mean"),
    Hint("The entropy is divided by log K (K outcomes), so the uniform distribution gives 1: that is the normalised "
         "entropy. The contract's entropy is in nats, log K for the uniform distribution.",
         matches_any(_h_normalised), "entropy-normalised"),
    NATS, TINY_COUNTS, EPS_IN_LOG, LOG_OF_ZERO_DROPPED, ZERO_LOG_ZERO, ZERO_LOG_ZERO_RAISES, AXIS, FIXED_AXIS,
    # (after the checks of the sums: a sum checked over the whole array rejects the same input, and a 1-D one's
    # whole sum is its last axis's)
    *_DISTRIBUTION_CHECKS, LAST_AXIS_CHECK, DIMENSIONS,
)
KL_HINTS = (
    Hint("The result is below 0 by rounding (about -1e-16 on nearly equal p and q): KL is never negative, and the "
         "contract asks for a sum that rounds below 0 to be clamped at 0.",
         all_of(kind("value"), label_has("nearly equal"), lambda f: f.outcome is not None
                and f.outcome.value is not None and bool(np.all(np.asarray(f.outcome.value) > -1e-12))),
         "kl-unclamped"),
    Hint("The result is KL(q ‖ p): kl_divergence(p, q) weights the terms by p, and KL is not symmetric.",
         matches_any(_kl_swapped), "kl-swapped"),
    Hint("The result is a difference of two entropies, which can be negative: KL compares p with q outcome by "
         "outcome, weighted by p.", matches_any(_kl_entropy_difference, _kl_entropy_difference_reversed),
         "kl-entropy-difference"),
    Hint("The result is the cross-entropy of p and q, which is the KL plus the entropy of p: the entropy part is "
         "left in.", matches_any(_kl_cross_entropy), "kl-cross-entropy-only"),
    NATS, TINY_COUNTS, EPS_IN_LOG,
    Hint("Where q = 0 under p > 0 the result is inf, as it should be, but the division by 0 warns: the contract "
         "asks for that inf without a RuntimeWarning.",
         all_of(label_has("inf"), warned("divide by zero")), "kl-zero-q-warns", kinds=("warning",)),
    LOG_OF_ZERO_DROPPED, ZERO_LOG_ZERO, ZERO_LOG_ZERO_RAISES, LAST_AXIS_CHECK,
    Hint("The sum of the KL terms runs along another axis than `axis`: the result has the inputs' shape without "
         "that axis.", matches_any(_kl_last_axis), "kl-other-axis"),
    FIXED_AXIS,
    *_DISTRIBUTION_CHECKS, DIMENSIONS,  # (last: a sum checked over the whole array rejects a 2-D input too)
)
JS_HINTS = (
    Hint("The mixture is p + q, which sums to 2: the mixture is the average of the two distributions.",
         matches_any(_js_sum_mixture), "js-sum-mixture"),
    Hint("This is a symmetrised KL(p ‖ q), infinite where the supports differ: Jensen–Shannon compares each "
         "distribution with their mixture instead.", matches_any(_js_symmetric_kl, _js_geometric_mixture),
         "js-symmetrised-kl"),
    Hint("Both terms are there, but without their ½: the result is twice the JSD.", matches_any(_js_no_half),
         "js-no-halves"),
    Hint("Only one of the two terms is there: JSD compares both p and q with their mixture.",
         matches_any(_js_one_term, _js_one_term_halved), "js-one-term"),
    NATS, TINY_COUNTS, EPS_IN_LOG, LOG_OF_ZERO_DROPPED, ZERO_LOG_ZERO, ZERO_LOG_ZERO_RAISES, JS_ZERO_LOG_ZERO_RAISES,
    LAST_AXIS_CHECK,
    Hint("The sums of the two KL terms run along another axis than `axis`: the result has the inputs' shape "
         "without that axis.", matches_any(_js_last_axis), "js-other-axis"),
    FIXED_AXIS,
    *_DISTRIBUTION_CHECKS, DIMENSIONS,
)
BP_HINTS = (
    Hint("log_prior is already a log: exponentiating it and taking the log again computes the log of 0 for an "
         "impossible hypothesis (a divide-by-zero RuntimeWarning). Use it as it is.",
         matches_any(_bp_log_of_exp_prior), "prior-exp-log"),
    Hint("Each log-likelihood is exponentiated and, with an epsilon added against log 0, logged again: a "
         "log-likelihood far below the log of that epsilon (-1e5 is) becomes the same number for every hypothesis, "
         "so the data say nothing and the result is about the prior. log_likelihood holds logs already: add them up "
         "as they are.",
         matches_any(*(_bp_likelihood_floored(e) for e in _LIKELIHOOD_EPSILONS)), "likelihood-floored"),
    Hint("The unnormalised posterior, a product of thousands of likelihoods, underflows to 0 (and 0/0 is nan, or the "
         "log of that 0 is -inf): work in log space, and subtract the largest log-posterior before exponentiating "
         "(the max shift of problem set 1).", matches_any(_bp_product, _bp_exp_unshifted, _bp_lse_unshifted),
         "posterior-underflow"),
    Hint("The unnormalised posterior, a product of thousands of likelihoods, underflows to 0 for every hypothesis, and "
         "the code puts the uniform distribution in its place (a total of 0 taken as 'no information'): the data do "
         "tell the hypotheses apart. Work in log space, and subtract the largest log-posterior before exponentiating "
         "(the max shift of problem set 1).", all_of(kind("value"), _bp_uniform_for_underflow),
         "posterior-underflow-uniform"),
    Hint("The unnormalised posterior, a product of thousands of likelihoods, underflows to 0 for every hypothesis, so "
         "its total is 0 and the code stops there (the error it raised): work in log space, and subtract the largest "
         "log-posterior before exponentiating (the max shift of problem set 1).",
         all_of(any_of(raised("ValueError"), raised("ZeroDivisionError"), raised("FloatingPointError")),
                _bp_every_product_underflows),
         "posterior-underflow-raises", kinds=("raised",)),
    Hint("The prior is missing: the posterior is proportional to the prior times the likelihood.",
         matches_any(_bp_prior_ignored), "prior-ignored"),
    Hint("The code is written for a fixed number of hypotheses (the error shows it indexing one that this input "
         "lacks): K is the length of log_prior, any K ≥ 1, so the posterior is computed for all K at once, with no "
         "hypothesis named by its position.",
         raised("IndexError", "out of range", "is out of bounds for axis"),
         "fixed-number-of-hypotheses", kinds=("raised", "no-result")),
    Hint("The prior is counted twice: it enters the posterior once.", matches_any(_bp_prior_twice), "prior-twice"),
    Hint("The result is the log of the posterior (log-probabilities, every one ≤ 0): bayes_posterior returns the "
         "probabilities themselves, the exp of the normalised log-posterior.", matches_any(_bp_log_posterior),
         "posterior-as-log"),
    Hint("The result does not sum to 1: the posterior is normalised over the K hypotheses.",
         matches_any(_bp_unnormalised, _bp_unnormalised_shifted, _bp_log_unnormalised),
         "posterior-unnormalised"),
    Hint("A 1-D log_likelihood of shape (K,) is one observation, and it was summed as K observations: make it one "
         "row first.", matches_any(_bp_1d_summed), "one-observation-summed"),
    Hint("The log-likelihoods of the observations are averaged: independent observations multiply, so their logs "
         "add up.", matches_any(_bp_mean_ll), "log-likelihoods-averaged"),
    Hint("Shapes that do not fit were accepted (NumPy's broadcasting made something of them): log_prior is (K,) "
         "and log_likelihood is (N, K) or (K,) with the same K, and anything else raises ValueError.",
         lambda f: True, "shapes-unchecked", kinds=("no-raise",)),
)
MAP_HINTS = (
    Hint("The result has one weight more than X has columns: a column of ones (an intercept) is added to X. X is "
         "used as it is, and the result has one weight per column of X (a model with an intercept gets its column "
         "of ones from whoever builds X).", _intercept_added, "map-intercept-added", kinds=("shape",)),
    Hint("λ is inverted (prior over noise): a broad prior, a large prior_std, means little regularisation.",
         matches_any(_map_inverted), "lambda-inverted"),
    Hint("λ is taken as the prior precision alone, which holds only when noise_std = 1: the noise variance belongs "
         "in λ too.", matches_any(_map_prior_precision, _map_variance_sum), "lambda-prior-precision-only"),
    Hint("λ is a ratio of standard deviations where it is a ratio of variances.", matches_any(_map_unsquared),
         "lambda-not-squared"),
    Hint("The prior is missing: these are the least-squares weights, which the MAP weights equal only for "
         "prior_std = inf.", matches_any(_map_no_prior), "map-no-prior"),
    Hint("The first (intercept) weight is left out of the penalty: the prior N(0, prior_std² I) covers every "
         "weight.", matches_any(_map_bias_unpenalised), "intercept-unpenalised"),
    Hint("The squared error is averaged over the N observations, which scales λ by N: the objective has the sum "
         "of squares.", matches_any(_map_lambda_over_n), "map-mean-squared-error"),
    Hint("A noise_std or prior_std ≤ 0, or X and y of shapes that do not fit, was accepted: check the arguments "
         "first and raise ValueError naming the one that is wrong.", lambda f: True, "map-arguments-unchecked",
         kinds=("no-raise",)),
)
