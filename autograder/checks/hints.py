"""Rules that recognise a failure's signature: small predicates to compose.

A hint rule is ``Hint(text, when, mistake, kinds)`` where ``when`` takes a
:class:`~autograder.checks.failure.Failure`. Rules are evaluated in the trusted
grading process. The strongest evidence is a recomputation:
:func:`matches` computes a known *wrong* formula on the probe's inputs and
asks whether the submission returned that, and not the right result, here
and on every other input of the check it was called on. The symptom rules
(:func:`warned`, :func:`nonfinite` …) are for the mistakes whose symptom
names them (``overflow encountered in exp`` is an exponential that
overflowed); a rule never guesses a cause the evidence does not show.
"""

from __future__ import annotations

import copy
import enum
import warnings
from collections.abc import Callable, Iterator
from typing import Any, Final, TypeAlias

import numpy as np

from autograder.checks.check import memo_by_identity
from autograder.checks.failure import Failure, Hint
from autograder.checks.probe import Probe
from autograder.perimeter.child_runtime.invoke import WARNINGS_LOCK, NotNumbers, Plain, to_plain

#: A rule's test of a failure (:attr:`~autograder.checks.failure.Hint.when`): does it show the mistake?
Rule: TypeAlias = Callable[[Failure], bool]


def kind(*kinds: str) -> Rule:
    """The failure is of one of these kinds (``nonfinite``, ``shape`` …)."""
    return lambda f: f.kind in kinds


def nonfinite() -> Rule:
    return kind("nonfinite")


def warned(text: str = "") -> Rule:
    """A RuntimeWarning whose message contains ``text`` was raised."""
    return lambda f: f.outcome is not None and any(
        w.startswith("RuntimeWarning") and text in w for w in f.outcome.warnings
    )


def raised(error_type: str, *texts: str) -> Rule:
    """The call raised ``error_type``, with a message that contains one of ``texts`` (any message when none is
    given)."""
    return lambda f: f.outcome is not None and f.outcome.status == "raised" and f.outcome.error_type == error_type \
        and (not texts or any(text in (f.outcome.error_message or "") for text in texts))


#: NumPy's AxisError (a ValueError): a reduction names an axis the input lacks.
_AXIS_ERROR = "is out of bounds for array of dimension"
#: What NumPy's ValueErrors say about shapes (broadcasting, an axis the input lacks, a matrix product or solve of
#: shapes that do not fit): raised by the library on the way, never a check the student wrote.
NUMPY_SHAPE_ERRORS = ("could not be broadcast", _AXIS_ERROR, "not aligned", "mismatch in its core dimension",
                      "cannot reshape array", "Improper number of dimensions to norm")


def numpy_shape_error() -> Rule:
    """The call raised one of NumPy's own shape errors (:data:`NUMPY_SHAPE_ERRORS`)."""
    return raised("ValueError", *NUMPY_SHAPE_ERRORS)


def label_has(text: str) -> Rule:
    """The failing probe's label mentions ``text``."""
    return lambda f: f.probe is not None and text in f.probe.label


def one_result_per_element() -> Rule:
    """Where the contract gives one number, every result the check saw has its inputs' broadcast shape, and one
    of those inputs holds more than one element: nothing was reduced (read from the shapes alone, so it holds
    whatever else is wrong with the values; one element alone would look like a kept axis of length 1)."""
    def rule(f: Failure) -> bool:
        seen = [(f.probe, f.outcome, f.reference)] + [(p, o, r) for p, o, r, _ in f.seen()]
        shapes = []
        for probe, outcome, ref in seen:
            if probe is None or outcome is None or outcome.status != "returned" or np.shape(ref) != ():
                continue
            try:
                inputs = np.broadcast_shapes(*(np.shape(a) for a in probe.args))
            except ValueError:
                return False
            if np.shape(outcome.value) != inputs:
                return False
            shapes.append(inputs)
        return any(int(np.prod(s)) > 1 for s in shapes)
    return rule


def all_of(*preds: Rule) -> Rule:
    return lambda f: all(p(f) for p in preds)


def any_of(*preds: Rule) -> Rule:
    return lambda f: any(p(f) for p in preds)


def none_of(*preds: Rule) -> Rule:
    """None of ``preds`` holds (each rule built once, here: a :func:`matches` rule built at every call would
    recompute its formula, and keep one more entry in the formulas' cache, every time)."""
    return lambda f: not any(p(f) for p in preds)


def _as_numbers(value: object) -> Plain:
    """``value`` as plain float arrays (a tuple stays a tuple), or None when it is not numbers."""
    if isinstance(value, tuple):
        parts = tuple(_as_numbers(v) for v in value)
        return None if any(p is None for p in parts) else parts
    if value is None:
        return None
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _close(a: Plain, b: Plain, rtol: float, atol: float = 1e-12) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(_close(x, y, rtol, atol) for x, y in zip(a, b))
    if a is None or b is None or np.shape(a) != np.shape(b):
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True))


def _distance(a: Plain, b: Plain, atol: float) -> float:
    """The largest entry-wise error of ``a`` against ``b``, relative to ``atol + |b|``: 0 where both are the same
    non-finite value, inf where only one is finite (or the shapes differ)."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return np.inf
        return max((_distance(x, y, atol) for x, y in zip(a, b)), default=0.0)
    if a is None or b is None or np.shape(a) != np.shape(b):
        return np.inf
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    finite = np.isfinite(a) & np.isfinite(b)
    alike = (np.isnan(a) & np.isnan(b)) | (np.isinf(a) & (a == b))
    if not np.all(finite | alike):
        return np.inf
    if not finite.any():
        return 0.0
    with np.errstate(all="ignore"):
        return float(np.max(np.abs(a[finite] - b[finite]) / (atol + np.abs(b[finite]))))


#: Each wrong formula's result on each probe, and whether it warned (:func:`_recompute`).
_WRONG_VALUES: dict = {}


class _Raised(enum.Enum):
    """What a wrong formula gives on an input where it raised: nothing to compare (:func:`_recompute`)."""

    RAISED = "raised"


_RAISED: Final = _Raised.RAISED


def _recompute(wrong: Callable[..., object], probe: Probe) -> tuple[Plain | _Raised, frozenset[str]]:
    """``(plain result or _RAISED, warnings)``: the known-wrong formula ``wrong`` on ``probe``'s inputs, and the
    RuntimeWarnings it raised there (``"RuntimeWarning: divide by zero encountered in log"``, as an outcome lists
    them).

    Called with private copies of the arguments; what it warns is recorded, never shown. Computed
    once per formula and probe and cached
    (:func:`~autograder.checks.check.memo_by_identity`: a probe's inputs never
    change, and the high-dimension probes make some formulas cost
    milliseconds per call): a batch recomputes each mistake once, not once
    per submission that made it.
    """

    def compute() -> tuple[Plain | _Raised, frozenset[str]]:
        # Record warnings.warn too (np.std with ddof >= n warns that way), so that a wrong formula
        # behaves the same whatever the caller's warning filters (pytest turns them into errors).
        with WARNINGS_LOCK, np.errstate(all="warn"), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value: Plain | _Raised
            try:
                value = to_plain(wrong(*copy.deepcopy(probe.args), **copy.deepcopy(probe.kwargs)))
            except (Exception, NotNumbers):  # noqa: BLE001 — whatever the wrong formula raises, it is the mistake's own outcome
                value = _RAISED
        return value, frozenset(f"RuntimeWarning: {w.message}" for w in caught if issubclass(w.category, RuntimeWarning))

    return memo_by_identity(_WRONG_VALUES, (wrong, probe), compute)


def wrong_value(wrong: Callable[..., object], probe: Probe) -> Plain | _Raised:
    """The plain result of the known-wrong formula ``wrong`` on ``probe``'s inputs, or :data:`_RAISED`
    (:func:`_recompute`)."""
    return _recompute(wrong, probe)[0]


def _aligned(got: Plain, alt: Plain, strict: bool) -> Plain:
    """``got`` shaped like ``alt`` for comparing: a tuple result read as one array, and unless ``strict`` (a
    failure of its shape) entries compared whatever the shape when their numbers agree (the shape is another
    cell's property)."""
    if isinstance(got, tuple) and not isinstance(alt, tuple):
        # (a list result travels as a tuple of its entries: read it as the one array NumPy makes of it, as the
        # value cells do; a ragged one stays a tuple, which no array is close to)
        parts = _as_numbers(got)
        try:
            got = np.asarray(parts, dtype=np.float64) if parts is not None else None
        except (TypeError, ValueError):
            got = parts
    if not strict and isinstance(got, np.ndarray) and isinstance(alt, np.ndarray) and got.shape != alt.shape \
            and got.size == alt.size:
        got = got.reshape(alt.shape)
    return got


def matches(wrong: Callable[..., object], rtol: float = 1e-6, atol: float = 1e-12) -> Rule:
    """The submission computed the known-wrong formula ``wrong``.

    On the failing probe the submission returned what ``wrong`` returns
    there (to ``rtol``), that is not the correct result, and the submission
    is nearer to it than to the correct result; and on every other probe of
    the check it returned numbers for (:meth:`Failure.seen`), it returned
    what ``wrong`` returns there too. One input can make two mistakes agree
    (``gaussian_kl(0, 1, 0, 2)`` gives the same number with σ taken as a
    variance and with the quadratic term's ½ missing): the others tell them
    apart, and a submission with two mistakes gets no guess. A RuntimeWarning
    (a purity or stability cell's failure) is explained only by a mistake
    whose formula raises that very warning on that input, and returns what
    the submission returned there. Unless the
    failure is its shape, results are compared entry by entry whatever their
    shape (a logsumexp that keeps the reduced axis and fails at a slice of
    only -inf is told about that slice there). ``wrong`` is called with
    private copies (:func:`wrong_value`); a wrong formula that raises on an
    input says nothing there. ``atol`` is the absolute tolerance of the
    comparisons; pass ``atol=0`` where the results that tell the formulas
    apart are tiny (``sigmoid(-700)`` is 1e-304: with the default 1e-12
    every such value looks like 0).
    """

    def rule(f: Failure) -> bool:
        if f.outcome is None or f.outcome.status != "returned" or f.probe is None:
            return False
        alt, warns = _recompute(wrong, f.probe)
        if alt is _RAISED or (f.kind == "warning" and not warns & set(f.outcome.warnings)):
            return False  # a warning is explained only by a mistake that raises that warning there too
        strict = f.kind == "shape"
        got = _aligned(f.outcome.value, alt, strict)
        if not _close(got, alt, rtol, atol):
            return False
        # Told apart from the right result here: the mistake's result is not the reference's, and the submission
        # is nearer to it. Where the mistake gives the right result on the failing call itself (a relation's
        # judged call), the calls it is related to must tell them apart instead.
        informative = f.reference is None or not _close(alt, f.reference, 1e-12, atol) or f.kind == "warning"
        if informative and f.kind != "warning" and f.reference is not None and \
                _distance(got, alt, atol) >= _distance(_aligned(f.outcome.value, f.reference, strict), f.reference, atol):
            return False
        for value, other, reference, used in _both_returned(wrong, f):
            if not _close(_aligned(value, other, strict), other, rtol, atol):
                return False
            if not informative and used and reference is not None \
                    and not _close(other, reference, 1e-12, atol):
                informative = True
        return informative

    return rule


def _both_returned(wrong: Callable[..., object],
                   f: Failure) -> Iterator[tuple[Any, Plain, Any, bool]]:
    """``(the submission's value, wrong's value, the reference outcome's value, used)`` on each other probe of
    ``f``'s check (:meth:`Failure.seen`) where the submission returned numbers and ``wrong`` gives a result (a wrong
    formula that raises on an input says nothing there)."""
    for probe, outcome, reference, used in f.seen():
        if outcome is None or outcome.status != "returned" or outcome.value is None:
            continue
        other = wrong_value(wrong, probe)
        if other is not _RAISED:
            yield outcome.value, other, reference, used


def matches_where_it_returned(wrong: Callable[..., object], rtol: float = 1e-6, atol: float = 1e-12) -> Rule:
    """The failing call gave no result, and on every other probe of the check that it returned numbers for and
    where ``wrong`` gives one (at least one such probe), it returned what ``wrong`` returns (:func:`matches`'
    comparison): a mistake that raises on the failing input is told by what it did elsewhere."""
    def rule(f: Failure) -> bool:
        if f.outcome is None or f.outcome.status == "returned":
            return False
        agreed = False
        for value, other, _, _ in _both_returned(wrong, f):
            if not _close(_aligned(value, other, False), other, rtol, atol):
                return False
            agreed = True
        return agreed

    return rule


def matches_any(*wrong: Callable[..., object], rtol: float = 1e-6, atol: float = 1e-12) -> Rule:
    """The submission computed one of the known-wrong formulas ``wrong`` (:func:`matches`, each with these
    tolerances): one mistake written several ways."""
    return any_of(*(matches(w, rtol=rtol, atol=atol) for w in wrong))


def scalar_code_on_arrays() -> Rule:
    """The call raised because code written for one number got an array: a ``math`` function or ``float()`` (``TypeError: only
    length-1 arrays can be converted``) or an ``if`` on an array (``ValueError: The truth value of an array …``)."""
    def rule(f: Failure) -> bool:
        if f.outcome is None or f.outcome.status != "raised":
            return False
        message = f.outcome.error_message or ""
        return ((f.outcome.error_type == "TypeError" and ("arrays can be converted" in message
                                                          or "must be real number" in message))
                or (f.outcome.error_type == "ValueError" and "truth value of an array" in message))

    return rule


def soft_labels_rejected() -> Rule:
    """A ValueError of the function's own (not NumPy's shape error, not code written for one number) on a call whose
    labels, the second argument, are soft (some strictly between 0 and 1), where it returned for other labels: a
    check of the labels that accepts 0 and 1 only."""
    def rule(f: Failure) -> bool:
        if f.probe is None or len(f.probe.args) < 2:
            return False
        y = np.asarray(f.probe.args[1], dtype=float)
        return bool(np.any((y > 0) & (y < 1))) and bool(f.returned())

    return all_of(raised("ValueError"), none_of(scalar_code_on_arrays(), numpy_shape_error()), rule)


def axis_out_of_bounds() -> Rule:
    """The call raised because a reduction names a fixed axis that the input lacks (NumPy's ``AxisError: axis 1 is
    out of bounds for array of dimension 1``, a ValueError: the sum over a batch's rows given one 1-D sample)."""
    def rule(f: Failure) -> bool:
        if f.outcome is None or f.outcome.status != "raised":
            return False
        return _AXIS_ERROR in (f.outcome.error_message or "")

    return rule


#: What code written for one flat vector raises on a 2-D input: Python's max comparing its rows, or Python's sum and
#: arithmetic meeting the rows of a nested list (or of what ``.tolist()`` makes).
_FLAT_VECTOR_ERRORS = ("truth value of an array with more than one element", "'list' and 'list'", "'int' and 'list'",
                       "'float' and 'list'", "bad operand type for unary -: 'list'",
                       "must be real number, not list")  # (math's functions given a row of a nested list)


def one_flat_vector() -> Rule:
    """The call on an input of two or more dimensions (its first argument) raised as code written for one flat
    vector does: a problem set whose functions take ``axis`` tells it apart from code for one number."""
    def rule(f: Failure) -> bool:
        if f.outcome is None or f.outcome.status != "raised" or f.probe is None or not f.probe.args:
            return False
        message = f.outcome.error_message or ""
        return np.ndim(f.probe.args[0]) >= 2 and any(text in message for text in _FLAT_VECTOR_ERRORS)

    return rule


def fixed_axis_hint(text: str, mistake: str = "fixed-axis-out-of-bounds") -> Hint:
    """The rule for a reduction over a fixed axis that the input lacks (:func:`axis_out_of_bounds`), for a call that
    raised and for a cell left with no result; ``text`` says, in the set's own words, what the function does
    instead (takes ``axis``, or reduces nothing)."""
    return Hint(text, axis_out_of_bounds(), mistake, kinds=("raised", "no-result"))


def scalar_code_hint(text: str) -> Hint:
    """The rule every problem set has for code written for one number (or one slice) at a time that was given an
    array (:func:`scalar_code_on_arrays`), for a call that raised and for a cell left with no result; ``text`` says,
    in the set's own words, what its inputs may be."""
    return Hint(text, scalar_code_on_arrays(), "scalar-code-on-arrays", kinds=("raised", "no-result"))
