"""Problem set 6's relations: how its -axis, -edges, -support, -properties, -stability and -limits cells judge a
function against itself, and the probes that judge with each.

Each relation is stated in words (a :class:`~autograder.checks.probe.Relation`, which ``docs/grading.md``
prints); each builder (``h_slices`` … ``map_narrow``) returns the related calls and the judged call of one
relation on the inputs it is given (:func:`~autograder.checks.probe.related`), which
:mod:`autograder.checks.ps6_information` splices into a cell's probes. The inputs, the seeded ones included,
are that module's: nothing here draws from its generator.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks.probe import Probe, Relation, Within, related
from autograder.checks.relations import Call, Expected, rows_call, same, sliced, unrows

# --- relations: how -axis, -edges, -support, -properties, -stability and -limits judge a function
# against itself. Tolerances: both sides are the same function's results on inputs related exactly (a
# slice, a column of zeros, a hypothesis dropped, the arguments swapped), so 1e-10 relative is the checks'
# own; the bayes shifts keep the contract's 1e-5 where N·max|log-likelihood| > 1e8; the MAP limits allow
# what the limit itself leaves (see map_narrow).
H_SLICES = sliced("entropy", ("p",), reduces=True)
KL_SLICES = sliced("kl_divergence", ("p", "q"), reduces=True)
JS_SLICES = sliced("js_divergence", ("p", "q"), reduces=True)
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
MAP_RATIO = Relation("only the ratio matters", "map_linear_regression(X, y, noise_std, prior_std) = "
                     "map_linear_regression(X, y, 1, prior_std / noise_std): only the ratio of the two matters",
                     rtol=0.0)
MAP_BROAD = Relation("prior_std = inf", "map_linear_regression(X, y, noise_std, inf) = map_linear_regression(X, y, "
                     "noise_std, 1e100): no prior is the limit of a very broad one (least squares)", rtol=0.0)
MAP_NARROW = Relation("prior_std → 0", "map_linear_regression(X, y, noise_std, s) = 4·map_linear_regression(X, y, "
                      "noise_std, s / 2) for a tiny s: the weights shrink like prior_std²", rtol=0.0)


def _norm_within(scale: float, relative: float | np.floating) -> Expected:
    """The contract's accuracy for weights is in the 2-norm: ‖w − w*‖ ≤ relative·‖w*‖, given as a slack per entry
    (each entry may be off by that much; a tiny weight is not held to its own relative accuracy)."""

    def expected(value: ArrayLike) -> Within:
        value = scale * np.asarray(value, dtype=float)
        return Within(value, np.full(value.shape, relative * float(np.linalg.norm(value))))

    return expected


def slices(relation: Relation, label: str, arrays: tuple[ArrayLike, ...], axis: int,
           public: bool = False) -> tuple[Probe, ...]:
    """A reduction of ``arrays`` (of one shape) along ``axis``, judged against the same function on their slices as
    rows: entropy's ``p``, the divergences' ``p`` and ``q``."""
    given = tuple(np.asarray(a, dtype=float) for a in arrays)
    return related(label, given, {"axis": axis}, relation=relation.at(unrows(given[0].shape, axis, True)),
                   calls=rows_call(label, given, axis), public=public)


def h_slices(label: str, p: ArrayLike, axis: int, public: bool = False) -> tuple[Probe, ...]:
    return slices(H_SLICES, label, (p,), axis, public)


def h_zeros(label: str, p: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``entropy(p)`` for slices with zero entries, judged against each slice without them."""
    p = np.asarray(p, dtype=float)
    rows = p.reshape(-1, p.shape[-1])
    calls: tuple[Call, ...]
    calls = tuple((f"{label}: slice {i} without its zero entries", (row[row > 0].copy(),), {})
                  for i, row in enumerate(rows))

    def expected(*values: ArrayLike) -> np.ndarray:
        return np.array([float(np.asarray(v).reshape(-1)[0]) for v in values]).reshape(p.shape[:-1])

    return related(label, (p,), relation=H_ZEROS.at(expected), calls=calls, public=public)


def h_one_hot(label: str, p: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    shape = np.shape(p)[:-1]
    return related(label, (p,), relation=H_ONE_HOT.at(lambda: np.zeros(shape)), calls=(), public=public)


def h_chain(label: str, p: np.ndarray, merged: np.ndarray, uniform: np.ndarray, b: float,
            public: bool = False) -> tuple[Probe, ...]:
    """``entropy(p)`` judged against the entropy of ``merged`` (``p`` with its k equal parts, ``b`` in all, merged
    into one outcome) and of ``uniform``, the uniform distribution over k."""
    return related(label, (p,), relation=H_CHAIN.at(lambda merged, uniform: merged + b * uniform),
                   calls=((f"{label}, its {uniform.size} parts merged into one outcome", (merged,), {}),
                          (f"the uniform distribution over {uniform.size} outcomes", (uniform,), {})), public=public)


def kl_chain(label: str, pq: tuple[np.ndarray, np.ndarray], merged: tuple[np.ndarray, np.ndarray], uniform: np.ndarray,
             b: float, public: bool = False) -> tuple[Probe, ...]:
    """``kl_divergence(p, q)`` of the pair ``pq`` judged against the ``merged`` pair (each with its k equal parts,
    ``b`` in all for p, merged into one outcome) and ``uniform``, the uniform distribution over k, against itself."""
    return related(label, pq, relation=KL_CHAIN.at(lambda merged, uniform: merged + b * uniform),
                   calls=((f"{label}, the {uniform.size} parts of each merged into one outcome", merged, {}),
                          (f"the uniform distribution over {uniform.size} outcomes against itself",
                           (uniform, uniform.copy()), {})), public=public)


def js_chain(label: str, pq: tuple[np.ndarray, np.ndarray], merged: tuple[np.ndarray, np.ndarray], parts: int,
             public: bool = False) -> tuple[Probe, ...]:
    """``js_divergence(p, q)`` of the pair ``pq`` judged against the ``merged`` pair (each with its ``parts`` equal
    parts merged into one outcome)."""
    return related(label, pq, relation=JS_CHAIN.at(same),
                   calls=((f"{label}, the {parts} parts of each merged into one outcome", merged, {}),), public=public)


def kl_nonnegative(label: str, p: ArrayLike, q: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    return related(label, (p, q), relation=KL_NONNEGATIVE.at(lambda got: np.maximum(got, 0.0)), calls=(),
                   public=public)


def _split(p: ArrayLike, q: ArrayLike, axis: int) -> tuple[np.ndarray, np.ndarray]:
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


def kl_split(label: str, p: ArrayLike, q: ArrayLike, axis: int | None = None,
             public: bool = False) -> tuple[Probe, ...]:
    kwargs = {} if axis is None else {"axis": axis}
    p2, q2 = _split(p, q, -1 if axis is None else axis)
    return related(label, (p, q), kwargs, relation=KL_SPLIT.at(same),
                   calls=((f"{label}, with q's mass on an outcome where p = 0 split over a new outcome", (p2, q2),
                           kwargs),), public=public)


UNIT_CALL: tuple[str, tuple[np.ndarray, np.ndarray], dict[str, object]]
UNIT_CALL = ("js_divergence([1.0, 0.0], [0.0, 1.0]) (disjoint supports: the largest value)",
             (np.array([1.0, 0.0]), np.array([0.0, 1.0])), {})


def js_symmetric(label: str, p: ArrayLike, q: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    return related(label, (p, q), relation=JS_SYMMETRIC.at(same),
                   calls=((f"{label} with p and q swapped", (q, p), {}),), public=public)


def js_disjoint(label: str, p: ArrayLike, q: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    shape = np.broadcast_shapes(np.shape(p), np.shape(q))[:-1]
    return related(label, (p, q), relation=JS_DISJOINT.at(lambda unit: np.full(shape, float(np.ravel(unit)[0]))),
                   calls=(UNIT_CALL,), public=public)


def js_bounded(label: str, p: ArrayLike, q: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    def expected(unit: ArrayLike, got: ArrayLike) -> np.ndarray:
        return np.clip(got, 0.0, float(np.ravel(unit)[0]))

    return related(label, (p, q), relation=JS_BOUNDED.at(expected), calls=(UNIT_CALL,), public=public)


def js_split(label: str, p: ArrayLike, q: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    zeros = np.zeros(p.shape[:-1] + (1,))
    return related(label, (p, q), relation=JS_SPLIT.at(same),
                   calls=((f"{label} with an outcome of probability 0 under both added",
                           (np.concatenate([p, zeros], axis=-1), np.concatenate([q, zeros], axis=-1)), {}),),
                   public=public)


def bp_shift(label: str, log_prior: ArrayLike, ll: ArrayLike, public: bool = False,
             rtol: float | None = None) -> tuple[Probe, ...]:
    """``bayes_posterior`` judged against the call with each observation's log-likelihoods shifted to near 0."""
    log_prior, ll = np.asarray(log_prior, dtype=float), np.asarray(ll, dtype=float)
    rows = np.atleast_2d(ll)
    c = np.round(np.max(np.where(np.isfinite(rows), rows, -np.inf), axis=1, keepdims=True))
    shifted = (rows - c).reshape(ll.shape)
    a = float(np.round(np.max(log_prior[np.isfinite(log_prior)])))
    return related(label, (log_prior, ll), relation=BP_SHIFT.at(same),
                   calls=((f"{label}, each observation's log-likelihoods shifted to near 0 (and the log prior too)",
                           (log_prior - a, shifted), {}),), public=public, rtol=rtol)


def bp_impossible(label: str, log_prior: ArrayLike, ll: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``bayes_posterior`` with impossible hypotheses judged against the call without them."""
    log_prior, ll = np.asarray(log_prior, dtype=float), np.asarray(ll, dtype=float)
    rows = np.atleast_2d(ll)
    possible = np.isfinite(log_prior) & np.all(np.isfinite(rows), axis=0)

    def expected(others: ArrayLike) -> np.ndarray:
        out = np.zeros(log_prior.shape)
        out[possible] = np.asarray(others, dtype=float).reshape(-1)
        return out

    return related(label, (log_prior, ll), relation=BP_IMPOSSIBLE.at(expected),
                   calls=((f"{label} without the impossible hypotheses",
                           (log_prior[possible], rows[:, possible].reshape(ll.shape[:-1] + (-1,))), {}),),
                   public=public)


def map_ratio(label: str, X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float, *, accuracy: float,
              public: bool = False) -> tuple[Probe, ...]:
    """``map_linear_regression`` judged against the call with noise_std = 1 and the same ratio: each call is
    within ``accuracy`` (relative, the function's tolerance) of the truth, so the two may differ by both."""
    return related(label, (X, y, noise_std, prior_std), relation=MAP_RATIO.at(_norm_within(1.0, 2 * accuracy)),
                   calls=((f"{label}, with noise_std = 1 and prior_std / noise_std", (X, y, 1.0,
                                                                                        prior_std / noise_std), {}),),
                   public=public)


def map_broad(label: str, X: ArrayLike, y: ArrayLike, noise_std: float, *, accuracy: float,
              public: bool = False) -> tuple[Probe, ...]:
    """``map_linear_regression`` with prior_std = inf judged against prior_std = 1e100 (each call within ``accuracy``)."""
    return related(label, (X, y, noise_std, np.inf), relation=MAP_BROAD.at(_norm_within(1.0, 2 * accuracy)),
                   calls=((f"{label} but prior_std = 1e100", (X, y, noise_std, 1e100), {}),), public=public)


def map_narrow(label: str, X: ArrayLike, y: ArrayLike, noise_std: float, prior_std: float, *, accuracy: float,
               public: bool = False) -> tuple[Probe, ...]:
    """``w(s) = 4·w(s/2)`` for a tiny s. With A = XᵀX and λ = noise_std²/s², w(s) = Xᵀy/λ − A·Xᵀy/λ² + …, so
    w(s) − 4·w(s/2) = −¾·A·Xᵀy/λ² + …: true to ¾‖A‖/λ relative in the 2-norm. The relation allows twice that
    plus both calls' ``accuracy`` (the function's tolerance: the contract's 1e-8)."""
    X_ = np.asarray(X, dtype=float)
    lam = (noise_std / prior_std) ** 2
    relative = 2 * accuracy + 1.5 * np.linalg.norm(X_.T @ X_, 2) / lam
    return related(label, (X, y, noise_std, prior_std), relation=MAP_NARROW.at(_norm_within(4.0, relative)),
                   calls=((f"{label} but prior_std halved", (X, y, noise_std, prior_std / 2), {}),), public=public)
