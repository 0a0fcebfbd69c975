"""Hidden checks for problem set 1: logsumexp, softmax, log_softmax.

Probes are fixed (seeded) inputs; the wrong formulas below recreate common
mistakes so that a hint can name the one a submission made.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from autograder.checks import hints
from autograder.checks.changes import hotter, other_axis, others_lowered
from autograder.checks.declaration import ProblemSetChecks, linked
from autograder.checks.failure import Failure, Hint
from autograder.checks.forbidden import FRAMEWORKS, SCIPY_SOFTMAX
from autograder.checks.hints import all_of, label_has, matches, matches_any, one_flat_vector, raised, warned
from autograder.checks.probe import Probe, Relation, Within, related
from autograder.checks.relations import EPS, Call, along, plus, rows_call, same, same_within, slice_max, sliced, unrows
from autograder.checks.slice_form import SliceForm

PS = ProblemSetChecks("ps1_softmax", forbidden=SCIPY_SOFTMAX + FRAMEWORKS,
                       allowed="NumPy (np.exp, np.log, np.max, np.sum with axis and keepdims)")
FORBIDDEN = PS.forbidden

_rng = np.random.default_rng(20261121)
SMALL_2D = _rng.normal(size=(4, 5)) * 3
SMALL_3D = _rng.normal(size=(2, 3, 4)) * 2
MIXED_SCALE = np.array([[1000.0, 999.0, 998.0], [0.5, 0.1, -0.2], [-1000.0, -1001.0, -999.5]])
HUGE = np.array([[1e300, -1e300, 0.0], [-1e300, -1e300 * 0.5, -1e300 * 0.25]])
BIG = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]])
MASKED = np.array([[2.0, -np.inf, 0.5, -np.inf], [-np.inf, 1.0, -np.inf, 3.0]])
LARGE_BATCH = _rng.normal(size=(64, 10)) * 50

# Log-space results near 0 (log Σ exp of a dominant 0 plus terms below 1e-16)
# are only accurate to an absolute ~eps with the textbook log(Σ exp(z - m));
# the reference keeps full relative accuracy there with log1p; a correct
# np.logaddexp.reduce is off by an ulp of the logits (2.8e-14 at |z| ~ 190).
# All are right answers for this course, so log-space values get this
# absolute tolerance.
LOG_ATOL = 1e-12


# --- wrong formulas (errstate is handled by hints.matches) -------------------
def _softmax_axis(z: ArrayLike, axis: int) -> np.ndarray:
    x = np.asarray(z, float)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _naive_softmax(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    e = np.exp(np.asarray(z, float) / temperature)
    return e / e.sum(axis=axis, keepdims=True)


def _global_shift_softmax(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    x = np.asarray(z, float) / temperature
    e = np.exp(x - np.max(x))
    return e / e.sum(axis=axis, keepdims=True)


def _other_axis(z: ArrayLike, axis: int, fixed: int) -> np.ndarray:
    """``z`` as floats, for a formula along ``fixed`` whatever ``axis`` says; raises where ``fixed`` is the axis asked:
    there that formula is the right reduction, so it tells nothing about an ignored ``axis``, and what it returns
    differently (a slice of only -inf, which these helpers do not guard) is another mistake's to tell."""
    x = np.asarray(z, float)
    if x.ndim and fixed % x.ndim == axis % x.ndim:
        raise ValueError("the fixed axis is the one asked")
    return x


def _softmax_fixed_axis(fixed: int) -> Callable[..., np.ndarray]:
    """Normalised along ``fixed`` whatever ``axis`` says (the argument ignored)."""
    def wrong(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
        return _softmax_axis(_other_axis(z, axis, fixed) / temperature, fixed)

    return wrong


def _softmax_times_t(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    return _softmax_axis(np.asarray(z, float) * temperature, axis)


def _softmax_t_floor(floor: float) -> Callable[..., np.ndarray]:
    """softmax with the temperature raised to ``floor`` before it divides (cleanlab's ``max(temperature, 1e-6)``)."""
    def wrong(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
        return _softmax_axis(np.asarray(z, float) / max(temperature, floor), axis)
    return wrong


#: Floors a temperature may be raised to in real code (a guard against dividing by 0, which the contract's
#: ValueError already is): each recognised by recomputing it, on a temperature below them all.
_T_FLOORS = (1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10)
#: The smallest temperature the -temperature cell asks: every floor above is above it.
TINY_T = 1e-12


def _softmax_no_t(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    return _softmax_axis(z, axis)


def _own_temperature(probe: Probe, value: object) -> float | None:
    """The temperature c a softmax ``value`` of ``probe``'s logits was computed at (``value`` = softmax(z / c) along
    the probe's axis, to 1e-9), read from the slice whose logits spread most; nan where every temperature gives it
    (equal logits in every slice), None where it is no such softmax."""
    try:
        z, out = np.asarray(probe.args[0], dtype=float), np.asarray(value, dtype=float)
        axis = int(probe.kwargs.get("axis", -1))
        if z.shape != out.shape or z.ndim == 0 or not np.all(np.isfinite(z)) or not np.all(out > 0):
            return None
        rows = np.moveaxis(z, axis, -1).reshape(-1, z.shape[axis])
        logs = np.log(np.moveaxis(out, axis, -1).reshape(rows.shape))
        row = int(np.argmax(np.ptp(rows, axis=-1)))
        hi, lo = int(np.argmax(rows[row])), int(np.argmin(rows[row]))
        drop = logs[row, hi] - logs[row, lo]
        if rows[row, hi] == rows[row, lo]:
            return float("nan") if np.allclose(out, _softmax_axis(z, axis), rtol=1e-9, atol=0) else None
        if drop <= 0:
            return None
        c = float((rows[row, hi] - rows[row, lo]) / drop)
        return c if np.allclose(out, _softmax_axis(z / c, axis), rtol=1e-9, atol=0) else None
    except (TypeError, ValueError, IndexError):
        return None


def _temperature_fixed(f: Failure) -> bool:
    """Every call the cell made (two at least) gave the softmax at one and the same temperature of the code's own,
    whatever its ``temperature`` argument said (two temperatures asked, or one that is not the code's): a temperature
    written into the function."""
    calls = [(f.probe, f.outcome)] + [(p, o) for p, o, *_ in f.seen()]
    asked, cs = set(), []
    for probe, outcome in calls:
        if probe is None or outcome is None or outcome.status != "returned" or not probe.args:
            continue
        c = _own_temperature(probe, outcome.value)
        if c is None:
            return False
        if not np.isnan(c):  # (equal logits: any temperature gives that call's result)
            asked.add(float(probe.kwargs.get("temperature", 1.0)))
            cs.append(c)
    if len(cs) < 2 or not all(np.isclose(c, cs[0], rtol=1e-6, atol=0) for c in cs):
        return False
    return len(asked) >= 2 or not any(np.isclose(cs[0], t, rtol=1e-6, atol=0) for t in asked)


def _softmax_numerator_shift(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """exp(z - m) / Σ exp(z): each slice's maximum subtracted in the numerator only (the softmax times exp(-m))."""
    x = np.asarray(z, float) / temperature
    return np.exp(x - x.max(axis=axis, keepdims=True)) / np.sum(np.exp(x), axis=axis, keepdims=True)


def _softmax_numerator_shift_whole(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    """The same with one maximum and one sum for the whole array (a distillation test file's ``_softmax``): on one
    slice it is the mistake above, and only this form agrees on the cell's 2-D inputs too."""
    x = np.asarray(z, float) / temperature
    return np.exp(x - x.max()) / np.sum(np.exp(x))


def _softmax_whole_sum(z: ArrayLike, axis: int = -1, temperature: float = 1.0) -> np.ndarray:
    x = np.asarray(z, float) / temperature
    e = np.exp(x - x.max())
    return e / e.sum()


def _lse_axis(z: ArrayLike, axis: int) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    return np.squeeze(m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True)), axis=axis)


def _lse_naive(z: ArrayLike, axis: int = -1) -> np.ndarray:
    return np.log(np.sum(np.exp(np.asarray(z, float)), axis=axis))


def _lse_fixed_axis(fixed: int) -> Callable[..., np.ndarray]:
    """Reduced along ``fixed`` whatever ``axis`` says (the argument ignored)."""
    return lambda z, axis=-1: _lse_axis(_other_axis(z, axis, fixed), fixed)


def _lse_without_max(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - m).sum(axis=axis))


def _lse_global_max(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max()
    return m + np.log(np.exp(x - m).sum(axis=axis))


def _lse_whole_array(z: ArrayLike, axis: int = -1) -> np.ndarray:
    """One number for the whole array: ``np.log(np.sum(np.exp(z)))`` without ``axis`` (shifted here, so that
    it is the same formula at any magnitude)."""
    x = np.asarray(z, float)
    m = x.max()
    return m + np.log(np.exp(x - m).sum())


def _lse_keepdims(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _lse_max_kept_sum_dropped(z: ArrayLike, axis: int = -1) -> np.ndarray:  # (N, 1) + (N,) broadcasts to (N, N)
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=axis))


def _lse_flattened(z: ArrayLike, axis: int = -1) -> np.ndarray:
    return np.ravel(_lse_axis(z, axis))


def _lse_unguarded(z: ArrayLike, axis: int = -1) -> np.ndarray:
    """Shifted by each slice's maximum, also where that maximum is -inf (a slice of only -inf gives nan)."""
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    return np.squeeze(m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True)), axis=axis)


def _log_of_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    return np.log(_softmax_axis(z, axis))


def _log_of_naive_softmax(z: ArrayLike, axis: int = -1) -> np.ndarray:
    return np.log(_naive_softmax(z, axis))


def _log_softmax_naive(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    return x - np.log(np.sum(np.exp(x), axis=axis, keepdims=True))


def _log_softmax_global_max(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max()
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _log_softmax_fixed_axis(fixed: int) -> Callable[..., np.ndarray]:
    """Normalised along ``fixed`` whatever ``axis`` says (the argument ignored)."""
    def wrong(z: ArrayLike, axis: int = -1) -> np.ndarray:
        x = _other_axis(z, axis, fixed)
        return x - np.expand_dims(_lse_axis(x, fixed), fixed)

    return wrong


#: The axes a function that ignores its ``axis`` argument may use instead.
_FIXED_AXES = (0, 1, -1)


def _log_softmax_missing_max(z: ArrayLike, axis: int = -1) -> np.ndarray:
    x = np.asarray(z, float)
    m = x.max(axis=axis, keepdims=True)
    return x - m


def _log_softmax_whole_array(z: ArrayLike, axis: int = -1) -> np.ndarray:
    """The log-sum-exp of the whole array (:func:`_lse_whole_array`) taken off every entry: the 1-D formula given
    rows."""
    return np.asarray(z, float) - _lse_whole_array(z)


# --- hints (each names one mistake; tests/test_hint_texts.py reads them) ------------------------------
NO_SHIFT = Hint(
    "np.exp overflows for logits above about 709 (and underflows to 0 far below), which turns the result into "
    "inf or nan: here the raw logits are exponentiated. The derivation of the lesson's section 4 shows how to do "
    "without that.",
    matches_any(_naive_softmax, _lse_naive, _log_softmax_naive, _log_of_naive_softmax),
    "no-max-shift",
)
GLOBAL_SHIFT = Hint(
    "The shift uses the maximum of the whole array, not each slice's own maximum: a slice far below the "
    "array's maximum then underflows to all zeros (0/0, or the log of 0). Shift each slice by its own maximum, "
    "taken along `axis`.",
    matches_any(_global_shift_softmax, _lse_global_max, _log_softmax_global_max),
    "global-max-shift",
)
FLAT_VECTOR = Hint(
    "The function handles one flat vector at a time (Python's max, or a loop over the entries): a 2-D or 3-D input "
    "is a stack of slices along `axis`, each with its own result, and NumPy's reductions take `axis` to handle "
    "every slice at once.",
    one_flat_vector(),
    "one-flat-vector",
    kinds=("raised",),
)
FIXED_AXIS = hints.fixed_axis_hint(
    "A reduction names a fixed axis (such as axis=1) that the input does not have (a 1-D z has only axis 0): "
    "every reduction takes the function's `axis` argument, so that the same code serves a 1-D z and each slice of "
    "a larger one.")
KEEPDIMS = Hint(
    "A per-slice result (a maximum or a sum) does not line up with `z` (NumPy could not broadcast the two "
    "together): a reduction that drops `axis` cannot be combined with the input along it, while one that keeps "
    "the reduced axis with length 1 (`keepdims`) broadcasts back.",
    raised("ValueError", "broadcast"),
    "reduced-without-keepdims",
    kinds=("raised", "no-result"),
)
#: The hints every function of the set has, in its list's order: the shift (after each function's own first
#: ones), and how the slices along `axis` are handled (last, after each function's own shape hints).
SHIFT_HINTS = (NO_SHIFT, GLOBAL_SHIFT)
SLICE_HINTS = (KEEPDIMS, FIXED_AXIS, FLAT_VECTOR)

# The inputs of the notebook's visible asserts, as public probes, so that a
# cell never passes its hidden check while failing a visible assert.
NB_2X3 = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
NB_ROWS = [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
NB_PURE = [[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]]

LSE_HINTS = (
    Hint("A slice of only -inf has -inf as its maximum, and shifting by it computes -inf - (-inf), which is nan: "
         "the log-sum-exp of such a slice is -inf (the log of an empty sum), so its shift must be a finite number.",
         matches(_lse_unguarded), "lse-neg-inf-slice-nan"),
    Hint("The -inf for a slice of only -inf is right, but it comes from the log of 0, which raises a "
         "divide-by-zero RuntimeWarning: the contract asks for that -inf without a warning.",
         all_of(label_has("only -inf"), warned("divide by zero encountered in log")), "lse-neg-inf-slice-warns",
         kinds=("warning",)),
    *SHIFT_HINTS,
    Hint("The maximum subtracted before exponentiating is never added back, so each result is off by exactly "
         "its slice's maximum.", matches(_lse_without_max), "lse-forgets-max"),
    Hint("The reduction runs along another axis than `axis`: each result is the log-sum-exp of one slice along "
         "`axis`, so every reduction (the maximum and the sum) takes that axis.",
         matches_any(*(_lse_fixed_axis(a) for a in _FIXED_AXES)), "lse-other-axis"),
    Hint("The sum runs over the whole array and gives one number: each slice along `axis` has its own "
         "log-sum-exp, so a (2, 3) input gives 2 numbers.", matches(_lse_whole_array), "lse-whole-array"),
    Hint("The result keeps the reduced axis (with length 1): the contract removes it, so a (2, 3, 4) input with "
         "axis=1 gives shape (2, 4), and a 1-D input a single number.", matches(_lse_keepdims), "lse-keeps-axis"),
    Hint("The maximum keeps the reduced axis (keepdims) and the log of the sum does not, so adding the two "
         "broadcasts an (N, 1) column against an (N,) row into an (N, N) table. Drop the maximum's kept axis before "
         "adding it back (or keep the axis in both, and remove it once at the end).",
         matches(_lse_max_kept_sum_dropped), "lse-max-kept-sum-dropped"),
    Hint("The result is flattened: removing `axis` leaves the other axes as they were, so a (2, 3, 4) input with "
         "axis=1 gives shape (2, 4), not (8,).", matches(_lse_flattened), "lse-flattened"),
    *SLICE_HINTS,
)
SOFTMAX_HINTS = (
    Hint("A temperature ≤ 0 is not a temperature (it flips the order of the logits, or divides by zero), yet "
         "the call returned: check `temperature` before computing and raise ValueError naming it.",
         lambda f: True, "temperature-unchecked", kinds=("no-raise",)),
    *SHIFT_HINTS,
    Hint("The maximum is subtracted before exponentiating in the numerator but not in the sum: the result is the "
         "softmax times exp(-max), so it does not sum to 1, and the sum still overflows for large logits. Shift "
         "the logits once, before both.",
         matches_any(_softmax_numerator_shift, _softmax_numerator_shift_whole), "numerator-only-shift"),
    Hint("The temperature multiplies the logits: it divides them, so a large temperature flattens the "
         "distribution and a small one sharpens it.", matches(_softmax_times_t), "temperature-multiplies"),
    Hint("The temperature argument is ignored: the result is the same for every temperature (the softmax at one "
         "temperature, 1 or one written into the function). Divide the logits by `temperature`, the argument.",
         hints.any_of(matches(_softmax_no_t), _temperature_fixed), "temperature-ignored"),
    Hint("A small temperature is raised to a floor before it divides (the larger of the temperature and a small "
         "number such as 1e-6), so a temperature below that floor is computed as the floor: every temperature > 0 "
         "is valid and divides the logits as it is (a temperature ≤ 0 is the one to reject, with ValueError).",
         matches_any(*(_softmax_t_floor(f) for f in _T_FLOORS)), "temperature-floored"),
    Hint("The probabilities are normalised along another axis than `axis`: every reduction (the maximum and the "
         "sum) takes `axis`.", matches_any(*(_softmax_fixed_axis(a) for a in _FIXED_AXES)), "softmax-other-axis"),
    Hint("The division is by the sum of the whole array, so only the whole array sums to 1: each slice along "
         "`axis` must sum to 1 on its own.", matches(_softmax_whole_sum), "softmax-whole-sum"),
    *SLICE_HINTS,
)
LOG_SOFTMAX_HINTS = (
    Hint("The log is taken of probabilities, and a probability that underflows to 0 (a logit far below the "
         "others) gives -inf where the answer is finite: work in log space, so that no probability is ever "
         "formed.", matches(_log_of_softmax), "log-of-softmax"),
    *SHIFT_HINTS,
    Hint("Subtracting the maximum is only the shift: the log of the normaliser still has to come off, or the "
         "results do not exponentiate to probabilities that sum to 1.", matches(_log_softmax_missing_max),
         "log-softmax-only-shift"),
    Hint("The normaliser is computed along another axis than `axis`: every reduction takes `axis`.",
         matches_any(*(_log_softmax_fixed_axis(a) for a in _FIXED_AXES)), "log-softmax-other-axis"),
    Hint("The log-sum-exp taken off is that of the whole array, so only all the entries together exponentiate to "
         "probabilities that sum to 1: each slice along `axis` has its own normaliser.",
         matches(_log_softmax_whole_array), "log-softmax-whole-array"),
    *SLICE_HINTS,
)

# --- relations: how the -axis, -temperature and -stability cells judge a function against itself ------
# Tolerances: both sides of each relation are the same function's results on inputs related exactly
# (shifts by a slice's maximum are exact for every entry that matters, by Sterbenz's lemma), so they
# differ by the rounding of the two computations: the checks' own 1e-10 relative (and LOG_ATOL for
# log-space values, where correct formulas differ by an ulp of the logits), plus what the relation's
# own addition rounds (relations.plus).
LSE_SLICES = sliced("logsumexp", ("z",), reduces=True, atol=LOG_ATOL)
LSE_SHIFT = Relation("shift", "logsumexp(z) = logsumexp(z - c) + c (c: each slice's maximum)", atol=LOG_ATOL,
                     shape_free=True)
LSE_MASK = Relation("-inf entries drop out", "logsumexp(slice) = logsumexp(its finite entries), -inf for a slice "
                    "of only -inf", atol=LOG_ATOL, shape_free=True)
SOFTMAX_SLICES = sliced("softmax", ("z",), reduces=False)
SOFTMAX_TEMPERATURE = Relation("temperature", "softmax(z, temperature=T) = softmax(z / T)")
SOFTMAX_SHIFT = Relation("shift", "softmax(z) = softmax(z - c) (c: each slice's maximum)", shape_free=True)
SOFTMAX_MASK = Relation("-inf entries get 0", "softmax(slice) = 0 at -inf entries and softmax(its finite entries) "
                        "on the others", shape_free=True)
LOG_SOFTMAX_SLICES = sliced("log_softmax", ("z",), reduces=False, atol=LOG_ATOL)
LOG_SOFTMAX_SHIFT = Relation("shift", "log_softmax(z) = log_softmax(z - c) (c: each slice's maximum)", atol=LOG_ATOL,
                             shape_free=True)
LOG_SOFTMAX_OFFSET = Relation("one offset per slice", "log_softmax(z) - z is one number per slice (-logsumexp(z)): "
                              "the gaps between the logits stay", atol=LOG_ATOL, shape_free=True)
LOG_SOFTMAX_MASK = Relation("-inf entries stay -inf", "log_softmax(slice) = -inf at -inf entries and "
                            "log_softmax(its finite entries) on the others", atol=LOG_ATOL, shape_free=True)


def _slices(relation: Relation, label: str, z: ArrayLike, axis: int, reduces: bool,
            public: bool = False) -> tuple[Probe, ...]:
    """``f(z, axis=axis)`` judged against the call on its slices along ``axis``, laid out as rows."""
    z = np.asarray(z, dtype=float)
    return related(label, (z,), {"axis": axis}, relation=relation.at(unrows(z.shape, axis, reduces)),
                   calls=rows_call(label, (z,), axis), public=public)


def _shifted(relation: Relation, label: str, z: ArrayLike, adds: bool, public: bool = False) -> tuple[Probe, ...]:
    """``f(z)`` judged against ``f(z - c)``, c each slice's (last axis) largest finite entry."""
    z = np.asarray(z, dtype=float)
    c = slice_max(z)
    what = f"{label} minus each slice's maximum" if z.ndim > 1 else f"{label} minus {c:g}"
    if adds:
        expected = plus(c)
    elif relation is LOG_SOFTMAX_SHIFT:  # log-space values carry the rounding of z − logsumexp(z): eps·|c|
        expected = same_within(8 * EPS * np.abs(np.expand_dims(c, -1)) * np.ones(z.shape))
    else:
        expected = same
    return related(label, (z,), relation=relation.at(expected), calls=((what, (along(z, -1, c),), {}),),
                   public=public)


def _masked(relation: Relation, label: str, z: ArrayLike, fill: float | None,
            public: bool = False) -> tuple[Probe, ...]:
    """``f(z)`` for z with -inf entries, judged against ``f`` of each slice's finite entries (1-D calls).

    ``fill`` is what a -inf entry gives (0 for softmax, -inf for log_softmax), or None for a reduction
    (logsumexp: one number per slice, -inf for a slice of only -inf).
    """
    z = np.asarray(z, dtype=float)
    rows = z.reshape(-1, z.shape[-1])
    keep = np.isfinite(rows)
    calls: tuple[Call, ...]
    calls = tuple((f"{label}: the finite entries of slice {i} alone", (row[k].copy(),), {})
                  for i, (row, k) in enumerate(zip(rows, keep)) if k.any())

    def expected(*values: ArrayLike) -> np.ndarray:
        results = iter(values)
        if fill is None:
            out = np.array([float(np.asarray(next(results)).reshape(-1)[0]) if k.any() else -np.inf for k in keep])
            return out.reshape(z.shape[:-1])
        out = np.full(rows.shape, fill)
        for i, k in enumerate(keep):
            if k.any():
                out[i, k] = np.asarray(next(results), dtype=float).reshape(-1)
        return out.reshape(z.shape)

    return related(label, (z,), relation=relation.at(expected), calls=calls, public=public)


def _offset(label: str, z: ArrayLike, public: bool = False) -> tuple[Probe, ...]:
    """``log_softmax(z)`` judged against itself: ``log_softmax(z) - z`` is one number per slice."""
    z = np.asarray(z, dtype=float)

    def expected(value: ArrayLike) -> Within:
        value = np.asarray(value, dtype=float)
        if value.shape != z.shape and value.size == z.size:  # shape_free: the shape is -basic's and -axis's
            value = value.reshape(z.shape)
        top = np.argmax(np.where(np.isfinite(z), z, -np.inf), axis=-1)
        c = np.take_along_axis(value - z, np.expand_dims(top, -1), axis=-1)
        return Within(z + c, 4 * EPS * (np.abs(z) + np.abs(c)))

    return related(label, (z,), relation=LOG_SOFTMAX_OFFSET.at(expected),
                   calls=((f"{label} (the same call: its result minus z is compared entry by entry)", (z,), {}),),
                   public=public)


def _tempered(label: str, z: ArrayLike, temperature: float, public: bool = False) -> tuple[Probe, ...]:
    """``softmax(z, temperature=T)`` judged against ``softmax(z / T)``."""
    z = np.asarray(z, dtype=float)
    # z / T is rounded to eps·|z / T|, and a correct softmax may divide before or after its shift
    # ((z - m) / T): each entry's exponent may differ by a few eps·max|z / T| of its slice, which moves
    # the entry by that much relative
    scale = 8 * EPS * np.max(np.abs(z / temperature), axis=-1, keepdims=True)

    def expected(value: ArrayLike) -> Within | np.ndarray:
        value = np.asarray(value, dtype=float)
        return Within(value, scale * np.abs(value)) if value.shape == z.shape else value

    return related(label, (z,), {"temperature": temperature}, relation=SOFTMAX_TEMPERATURE.at(expected),
                   calls=((f"{label}: the logits divided by {temperature:g}, temperature 1", (z / temperature,), {}),),
                   public=public)


# --- probes shared by the three functions (each declared once) -----------------
ARRAY_123 = Probe("the 1-D array [1.0, 2.0, 3.0]", (np.array([1.0, 2.0, 3.0]),), public=True)
# softmax-basic and log_softmax-basic after their first probe(s)
ROWS_BASIC = (
    Probe("the 2-D array [[1, 2, 3], [1, 1, 1]]", (np.array(NB_ROWS),), public=True),
    Probe("a 2-D array of shape (4, 5)", (SMALL_2D,)),
    Probe("a single logit", (np.array([3.0]),)),
)
ZEROS_AXIS_1 = Probe("np.zeros((2, 3, 4)) with axis=1", (np.zeros((2, 3, 4)),), {"axis": 1}, public=True)
ROWS_AXIS_0 = Probe("[[1, 2, 3], [1, 1, 1]] with axis=0", (np.array(NB_ROWS),), {"axis": 0}, public=True)
ON_AXIS_2D = {a: Probe(f"a (4, 5) array with axis={a}", (SMALL_2D,), {"axis": a}) for a in (0, 1)}
ON_AXIS_3D = {a: Probe(f"a (2, 3, 4) array with axis={a}", (SMALL_3D,), {"axis": a}) for a in (1, -1, 0)}
ARRAY_1E300 = Probe("[1e300, -1e300]", (np.array([1e300, -1e300]),), public=True)
ARRAY_1000 = Probe("[1000.0, 999.0]", (np.array([1000.0, 999.0]),), public=True)
ARRAY_MASKED = Probe("[-inf, 0.0, 0.0]", (np.array([-np.inf, 0.0, 0.0]),), public=True)
HIDDEN_EXTREMES = (
    Probe("logits near +1000", (BIG,)),
    Probe("logits of magnitude 1e300", (HUGE,)),
    Probe("rows of very different scale (±1000 and ~0)", (MIXED_SCALE,)),
)
PURE_ARRAY = Probe("[[1, 2, 3], [-1, 0, 1]] as an array", (np.array(NB_PURE),), public=True)
PURE_LIST = Probe("the nested list [[1, 2, 3], [-1, 0, 1]]", (NB_PURE,), public=True, twin=0)  # after PURE_ARRAY, probe 0
PURE_64X10 = Probe("a (64, 10) float array", (LARGE_BATCH,))
PURE_3D = Probe("a (2, 3, 4) float array", (SMALL_3D,))
# logsumexp-basic probes its -shape cell asks again
LSE_2X3 = Probe("the 2-D array [[0, 1, 2], [3, 4, 5]]", (np.array(NB_2X3),), public=True)
LSE_4X5 = Probe("a 2-D array of shape (4, 5) (reduce over the last axis)", (SMALL_2D,))
LSE_SINGLE = Probe("a single logit", (np.array([0.7]),))

# --- each function's hints and tolerances, stated once (the forbidden list is PS's) ------
# (changes: the function's own work, asked in every cell but -basic's values and -purity: autograder/checks/changes.py)
LOGSUMEXP = PS.function("logsumexp", hints=LSE_HINTS, atol=LOG_ATOL, slice_form=SliceForm(reduces=True),
                        changes=(others_lowered(0, "z"),),
                        points={"basic": 4, "axis": 2, "shape": 1, "stability": 5, "purity": 1}, minutes=40,
                        demo="np.array([1.0, 2.0, 3.0])",
                        contract=("log Σ exp(z) along `axis`, with that axis removed. Stable for finite z of any size "
                                  "(±1e300 included). A slice that is all −inf gives −inf."))
SOFTMAX = PS.function("softmax", hints=SOFTMAX_HINTS, slice_form=SliceForm(reduces=False),
                      changes=(others_lowered(0, "z"), hotter(), other_axis()),
                      points={"basic": 4, "axis": 2, "temperature": 2, "stability": 5, "errors": 1, "purity": 1},
                      minutes=40, demo="np.array([1.0, 2.0, 3.0])", readme_note="(with temperature)",
                      contract=("exp(z/T) normalised along `axis`, same shape as z. Stable; an entry of −inf gets "
                                "probability 0; agrees with `scipy.special.softmax(z / T, axis)` wherever that is "
                                "finite. `temperature <= 0` raises `ValueError`."))
LOG_SOFTMAX = PS.function("log_softmax", hints=LOG_SOFTMAX_HINTS, atol=LOG_ATOL, slice_form=SliceForm(reduces=False),
                          changes=(others_lowered(0, "z"), other_axis()),
                          points={"basic": 5, "axis": 2, "stability": 4, "purity": 1}, minutes=25,
                          demo="np.array([1.0, 2.0, 3.0])",
                          contract=("z − logsumexp(z) along `axis`. Stable: `log_softmax([0., -1000.])` is `[0., "
                                    "-1000.]`, never −inf."))

CHECKS = linked((
    # ---------------------------------------------------------------- logsumexp
    LOGSUMEXP.check(
        "basic",
        summary="log Σ exp(z) over the last axis for small 1-D and 2-D inputs.",
        probes=(
            ARRAY_123,
            LSE_2X3,
            Probe("a 1-D array of 5 standard-normal values", (SMALL_2D[0],)),
            LSE_4X5,
            LSE_SINGLE,
        ),
    ),
    LOGSUMEXP.check(
        "axis",
        summary="the reduction happens along `axis` (0, 1, -1; 2-D and 3-D inputs) and removes it: each result "
                "equals logsumexp of the 1-D slice along `axis` there.",
        probes=(
            *_slices(LSE_SLICES, "[[0, 1, 2], [3, 4, 5]] with axis=0", NB_2X3, 0, True, public=True),
            *_slices(LSE_SLICES, "[[0, 1, 2], [3, 4, 5]] with axis=1", NB_2X3, 1, True, public=True),
            *_slices(LSE_SLICES, "np.zeros((2, 3, 4)) with axis=1", np.zeros((2, 3, 4)), 1, True, public=True),
            *_slices(LSE_SLICES, "a (4, 5) array with axis=0", SMALL_2D, 0, True),
            *_slices(LSE_SLICES, "a (2, 3, 4) array with axis=0", SMALL_3D, 0, True),
        ),
        shapes=True,
    ),
    LOGSUMEXP.shape(
        summary="returns z's shape with `axis` removed: one number (a float or a 0-d array) for a 1-D input, shape "
                "(2,) for a (2, 3) input, (2, 4) for a (2, 3, 4) input with axis=1 (values are not judged).",
        probes=(
            ARRAY_123,
            LSE_2X3,
            Probe("[[0, 1, 2], [3, 4, 5]] with axis=0", (np.array(NB_2X3),), {"axis": 0}, public=True),
            ZEROS_AXIS_1,
            LSE_4X5,
            ON_AXIS_3D[0],
            LSE_SINGLE,
        ),
    ),
    LOGSUMEXP.check(
        "stability",
        summary="finite and warning-free for logits near ±1000 and ±1e300, consistent with the same function on "
                "moderate logits (logsumexp(z) = logsumexp(z - c) + c), and -inf for a slice of only -inf.",
        probes=(
            *_shifted(LSE_SHIFT, "[1000.0, 1000.0]", [1000.0, 1000.0], True, public=True),
            # (entries apart: the one probe here where log-sum-exp is not the maximum to float64's precision, so
            # that the cell asks every entry's share, and the maximum alone does not pass it: changes.others_lowered)
            *_shifted(LSE_SHIFT, "logits near +1000, one apart", [1000.0, 999.0, 998.5], True),
            *_shifted(LSE_SHIFT, "[-1000.0, -1000.0]", [-1000.0, -1000.0], True, public=True),
            *_shifted(LSE_SHIFT, "[1e300, -1e300]", [1e300, -1e300], True, public=True),
            *_masked(LSE_MASK, "[-inf, 0.0]", [-np.inf, 0.0], None, public=True),
            *_shifted(LSE_SHIFT, "logits of magnitude 1e300", HUGE, True),
            *_masked(LSE_MASK, "a slice of only -inf (the result is -inf)",
                     np.array([[-np.inf, -np.inf], [0.0, -np.inf]]), None),
        ),
        no_warnings=True,
        finite=True,
    ),
    LOGSUMEXP.purity(
        probes=(
            Probe("[[3, 1, 2], [0, -1, 5]] with axis=1", (np.array([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]]),), {"axis": 1}, public=True),
            Probe("the nested list [[3, 1, 2], [0, -1, 5]] with axis=1", ([[3.0, 1.0, 2.0], [0.0, -1.0, 5.0]],), {"axis": 1}, public=True, twin=0),
            Probe("a (2, 3) float array", (np.array(NB_PURE),)),
            Probe("the same numbers as a nested list of shape (2, 3)", (NB_PURE,), twin=2),
            PURE_64X10,
            PURE_3D,
        ),
    ),
    # ------------------------------------------------------------------ softmax
    SOFTMAX.check(
        "basic",
        summary="exp(z) normalised over the last axis for small 1-D and 2-D inputs.",
        probes=(
            ARRAY_123,
            Probe("the logits [2.0, 1.0, 0.1]", (np.array([2.0, 1.0, 0.1]),), public=True),
            *ROWS_BASIC,
        ),
    ),
    SOFTMAX.check(
        "axis",
        summary="normalises along `axis` (0, 1, -1; 2-D and 3-D inputs): each slice along `axis` equals softmax of "
                "that 1-D slice.",
        probes=(
            *_slices(SOFTMAX_SLICES, "[[1, 2, 3], [1, 1, 1]] with axis=0", NB_ROWS, 0, False, public=True),
            *_slices(SOFTMAX_SLICES, "[[1, 2, 3], [1, 1, 1]] with axis=1", NB_ROWS, 1, False, public=True),
            *_slices(SOFTMAX_SLICES, "np.zeros((2, 3, 4)) with axis=1", np.zeros((2, 3, 4)), 1, False, public=True),
            *_slices(SOFTMAX_SLICES, "a (4, 5) array with axis=0", SMALL_2D, 0, False),
            *_slices(SOFTMAX_SLICES, "a (2, 3, 4) array with axis=0", SMALL_3D, 0, False),
        ),
        shapes=True,
    ),
    SOFTMAX.check(
        "temperature",
        summary="temperature T divides the logits: softmax(z, temperature=T) equals softmax(z / T).",
        probes=(
            *_tempered("[2.0, 1.0, 0.1] with temperature=2.0", [2.0, 1.0, 0.1], 2.0, public=True),
            *_tempered("[1.0, 2.0, 3.0] with temperature=0.5", [1.0, 2.0, 3.0], 0.5, public=True),
            *_tempered("[[1, 3], [2, 2]] with temperature=2.0", [[1.0, 3.0], [2.0, 2.0]], 2.0, public=True),
            *_tempered("a (4, 5) array with temperature=0.5", SMALL_2D, 0.5),
            # a valid temperature however small divides the logits as it is (1e-12 / 1e-12 is exactly 1)
            *_tempered(f"[0, {TINY_T:g}, {2 * TINY_T:g}] with temperature={TINY_T:g}", [0.0, TINY_T, 2 * TINY_T], TINY_T,
                       public=True),
        ),
    ),
    SOFTMAX.check(
        "stability",
        summary="finite and warning-free for logits near ±1000 and ±1e300 and rows of different scale, consistent "
                "with the same function on moderate logits (softmax(z) = softmax(z - c)), and 0 for -inf entries.",
        probes=(
            *_shifted(SOFTMAX_SHIFT, "[1000.0, 999.0]", [1000.0, 999.0], False, public=True),
            *_shifted(SOFTMAX_SHIFT, "[-1000.0, -1001.0]", [-1000.0, -1001.0], False, public=True),
            *_shifted(SOFTMAX_SHIFT, "[[1e300, 0], [0.5, -0.5]]", [[1e300, 0.0], [0.5, -0.5]], False, public=True),
            *_masked(SOFTMAX_MASK, "[-inf, 0.0, 0.0]", [-np.inf, 0.0, 0.0], 0.0, public=True),
            *_shifted(SOFTMAX_SHIFT, "logits of magnitude 1e300", HUGE, False),
            *_shifted(SOFTMAX_SHIFT, "rows of very different scale (±1000 and ~0)", MIXED_SCALE, False),
        ),
        no_warnings=True,
        finite=True,
    ),
    SOFTMAX.check(
        "errors",
        summary="temperature <= 0 raises ValueError (and valid input gives results).",
        probes=(
            Probe("np.array([1.0, 2.0]) (valid: the default temperature 1.0)", (np.array([1.0, 2.0]),),
                  expect="call", public=True),
            Probe("a (4, 5) array with temperature=2 (valid)", (SMALL_2D,), {"temperature": 2.0}, expect="call"),
            Probe("temperature=0", (np.array([1.0, 2.0]),), {"temperature": 0.0}, expect="raises", public=True),
            Probe("temperature=-1", (np.array([1.0, 2.0]),), {"temperature": -1.0}, expect="raises", public=True),
            Probe("temperature=-0.5 on a 2-D array", (SMALL_2D,), {"temperature": -0.5}, expect="raises"),
        ),
    ),
    SOFTMAX.purity(
        probes=(
            PURE_ARRAY,
            Probe("[[1, 2, 3], [-1, 0, 1]] as an array with temperature=2.0", (np.array(NB_PURE),), {"temperature": 2.0}, public=True),
            PURE_LIST,
            PURE_64X10,
            Probe("a (2, 3, 4) float array with temperature=2", (SMALL_3D,), {"temperature": 2.0}),
        ),
    ),
    # -------------------------------------------------------------- log_softmax
    LOG_SOFTMAX.check(
        "basic",
        summary="z - logsumexp(z) over the last axis for small inputs.",
        probes=(
            ARRAY_123,
            *ROWS_BASIC,
        ),
    ),
    LOG_SOFTMAX.check(
        "axis",
        summary="works along `axis` (0, 1, -1; 2-D and 3-D inputs): each slice along `axis` equals log_softmax of "
                "that 1-D slice.",
        probes=(
            *_slices(LOG_SOFTMAX_SLICES, "[[1, 2, 3], [1, 1, 1]] with axis=0", NB_ROWS, 0, False, public=True),
            # the same z along its other axis: a function that ignores `axis` (one result for both) is told so, as
            # softmax-axis tells it (a whole-array log_softmax agrees with itself on every transpose)
            *_slices(LOG_SOFTMAX_SLICES, "[[1, 2, 3], [1, 1, 1]] with axis=1", NB_ROWS, 1, False, public=True),
            *_slices(LOG_SOFTMAX_SLICES, "np.zeros((2, 3, 4)) with axis=1", np.zeros((2, 3, 4)), 1, False, public=True),
            *_slices(LOG_SOFTMAX_SLICES, "a (4, 5) array with axis=0", SMALL_2D, 0, False),
            *_slices(LOG_SOFTMAX_SLICES, "a (2, 3, 4) array with axis=1", SMALL_3D, 1, False),
        ),
        shapes=True,
    ),
    LOG_SOFTMAX.check(
        "stability",
        summary="finite and warning-free for large logits, one offset per slice (log_softmax([0, -1000]) is "
                "[0, -1000] up to that offset, not -inf), consistent with the same function on moderate logits, "
                "and -inf for -inf entries.",
        probes=(
            *_offset("the logits [0.0, -1000.0]", [0.0, -1000.0], public=True),
            *_shifted(LOG_SOFTMAX_SHIFT, "[1000.0, 999.0]", [1000.0, 999.0], False, public=True),
            *_shifted(LOG_SOFTMAX_SHIFT, "[1e300, -1e300]", [1e300, -1e300], False, public=True),
            *_masked(LOG_SOFTMAX_MASK, "[-inf, 0.0, 0.0]", [-np.inf, 0.0, 0.0], -np.inf, public=True),
            *_shifted(LOG_SOFTMAX_SHIFT, "logits of magnitude 1e300", HUGE, False),
            *_shifted(LOG_SOFTMAX_SHIFT, "rows of very different scale (±1000 and ~0)", MIXED_SCALE, False),
        ),
        no_warnings=True,
        finite=True,
    ),
    LOG_SOFTMAX.purity(
        probes=(
            PURE_ARRAY,
            PURE_LIST,
            PURE_64X10,
            PURE_3D,
        ),
    ),
))
