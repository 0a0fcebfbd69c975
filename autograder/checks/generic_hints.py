"""The hints every check offers after its own (:data:`GENERIC_HINTS`): each explains one kind of failure, read from
the failure itself — the result's shape against the contract's (a length-1 axis kept, everything reduced to one
number, a reduction missing), values nearly right everywhere (something small added, a rounding, float32), an
``assert`` where a ``ValueError`` belongs, a bad argument that failed inside the computation, code that takes no
lists. A wrong formula is a check's own hint's to name (recomputed), never one of these.

:func:`autograder.checks.evaluate.hint_for` tries a check's own rules first, then these, in this order; each rule
is exclusive of the others of its kind, so that a failure is told one mistake (``tests/test_zoo.py``).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from autograder.checks.failure import Failure, Hint
from autograder.checks.hints import raised
from autograder.checks.probe import Probe


def _length_1_axis_added(failure: Failure) -> bool:
    """The result has the reference's shape with one or more length-1 axes added (``(1,)`` for one number,
    ``(N, 1)`` for ``(N,)``): recomputed from the two shapes, never the values; and the check's other results
    agree (a function that reduces nothing gives ``(1,)`` for a one-element input too, but ``(3,)`` for three
    elements: no axis kept, a reduction missing)."""
    got, ref = np.shape(failure.outcome.value), np.shape(failure.reference)
    if not (len(got) > len(ref) and _squeezed(got) == _squeezed(ref)):
        return False
    return all(_squeezed(np.shape(outcome.value)) == _squeezed(np.shape(value))
               for _, outcome, value, _ in failure.seen() if outcome is not None and outcome.status == "returned")


def _kept_length_1_axis(failure: Failure) -> bool:
    """A length-1 axis added (:func:`_length_1_axis_added`) that is a kept axis and not a reduction left out: the
    failing input has no axis of length 1 that a missing reduction would have left in the result, or another
    result of the check, on an input without an axis of length 1, shows the same extra axes. Where neither holds
    (``cross_entropy`` on one row gives ``(1,)`` whether it keeps the mean's axis or returns one loss per row,
    and its other inputs raised), the evidence cannot tell them apart: :func:`_length_1_axis_or_reduction_missing`."""
    if not _length_1_axis_added(failure):
        return False
    return not _has_length_1_axis(failure.probe) or any(
        outcome is not None and outcome.status == "returned" and not _has_length_1_axis(probe)
        for probe, outcome, _, _ in failure.seen())


def _length_1_axis_dropped(failure: Failure) -> bool:
    """The result is the contract's shape with its length-1 axes removed (one number where (1,) is asked: one row of
    an (N, D) input): a squeeze, or an index [0], took away an axis the contract keeps. Read from the shapes."""
    got, ref = np.shape(failure.outcome.value), np.shape(failure.reference)
    return len(got) < len(ref) and _squeezed(got) == _squeezed(ref)


def _length_1_axis_or_reduction_missing(failure: Failure) -> bool:
    """A length-1 axis added on an input that itself has an axis of length 1, with no other result of the check to
    tell a kept axis from a reduction left out (:func:`_kept_length_1_axis`)."""
    return _length_1_axis_added(failure) and not _kept_length_1_axis(failure)


def _has_length_1_axis(probe: Probe | None) -> bool:
    """One of the probe's array arguments has an axis of length 1 (a one-row batch, a one-element vector)."""
    if probe is None:
        return False
    for a in (*probe.args, *probe.kwargs.values()):
        try:
            if isinstance(a, (np.ndarray, list)) and 1 in np.shape(a):
                return True
        except ValueError:  # a ragged list (a probe of the error cells) has no shape
            continue
    return False


def _one_number_for_many(failure: Failure) -> bool:
    """One number came back where the contract gives an array of several values (one per element, or per slice
    along ``axis``), and so on every other input of the check that asks for several, and the numbers follow the
    inputs (two of the check's one-number results differ, on any of its inputs: a placeholder's constant is no
    reduction): everything was reduced. Read from the shapes, so it holds whatever else is wrong with the values."""
    def reduced(value: Any, reference: Any) -> bool:
        return np.ndim(value) == 0 and np.size(reference) > 1

    if not reduced(failure.outcome.value, failure.reference):
        return False
    returned = [(outcome.value, value) for _, outcome, value, _ in failure.seen()
                if outcome is not None and outcome.status == "returned"]
    if not all(np.ndim(got) == 0 for got, value in returned if np.size(value) > 1):
        return False
    numbers = {repr(float(v)) for v in (failure.outcome.value, *(got for got, _ in returned))  # (repr: one "nan")
               if isinstance(v, (int, float, np.number, np.ndarray)) and np.ndim(v) == 0}
    return len(numbers) >= 2


def _reduction_missing(failure: Failure) -> bool:
    """More values came back than the contract gives, in a shape between the contract's and the inputs': the
    contract's shape is the result's with some axes removed, and the result's is the inputs' (broadcast) with
    some removed, or all of it (``(3,)`` for one number from a 3-vector, ``(N, K)`` for ``(N,)``): a reduction
    is missing, or runs over fewer axes than the contract's. So on every other input of the check whose result
    has the wrong shape. Read from the shapes alone (a reduction over another axis, or one that keeps a length-1
    axis, gives a shape that is neither)."""
    def between(probe: Probe | None, value: Any, reference: Any) -> bool:
        got, ref = np.shape(value), np.shape(reference)
        if probe is None or len(got) <= len(ref) or not _removes_axes(got, ref):
            return False
        shapes = []
        for a in probe.args:
            with contextlib.suppress(ValueError):  # (a ragged list has no shape)
                shapes += [np.shape(a)] if isinstance(a, (np.ndarray, list)) else []
        with contextlib.suppress(ValueError):  # (arguments of different roles, a covariance beside a mean)
            shapes.append(np.broadcast_shapes(*shapes))
        return any(_removes_axes(shape, got) for shape in shapes)

    if not between(failure.probe, failure.outcome.value, failure.reference):
        return False
    return all(between(probe, outcome.value, value) for probe, outcome, value, _ in failure.seen()
               if outcome is not None and outcome.status == "returned" and np.shape(outcome.value) != np.shape(value))


#: How close values are, relative to the largest of the correct ones, to be "nearly right": the checks allow only
#: float64's rounding (about 1e-10), while an epsilon added to avoid log 0 or a division by 0 (1e-12 to 1e-5), a
#: round to 4 decimals (5e-5 at most) or float32 arithmetic (1e-7) stay below this; a wrong formula does not.
NEARLY = 1e-4


def _nearly(value: Any, reference: Any) -> bool:
    """``value`` has ``reference``'s shape, is finite where it is, and is within :data:`NEARLY` of it relative to
    its largest magnitude (so a reference of only zeros is never nearly met: no scale to judge by)."""
    try:
        got, ref = np.asarray(value, dtype=float), np.asarray(reference, dtype=float)
    except (TypeError, ValueError):  # (a ragged tuple, a value of another kind: not values to compare)
        return False
    if got.shape != ref.shape or not np.all(np.isfinite(ref)) or not np.all(np.isfinite(got)) or ref.size == 0:
        return False
    scale = float(np.max(np.abs(ref)))
    return scale > 0 and bool(np.all(np.abs(got - ref) <= NEARLY * scale))


def _nearly_right_everywhere(failure: Failure) -> bool:
    """The values are off, but within :data:`NEARLY` of the correct ones, and so on every other input of the check
    where the function returned a result of the right shape: something small changes every value (an epsilon, a
    rounding, float32), where a wrong formula is off by more somewhere."""
    if not _nearly(failure.outcome.value, failure.reference):
        return False
    return all(_nearly(outcome.value, value) for _, outcome, value, _ in failure.seen()
               if outcome is not None and outcome.status == "returned" and np.shape(outcome.value) == np.shape(value)
               and not np.array_equal(outcome.value, value))


def _other_axis_reduced(failure: Failure) -> bool:
    """The result is an array argument's shape with one axis removed, and the contract's is the same shape with
    another one removed: the reduction ran along another axis than ``axis`` (a fixed last axis, say, given a
    (2, 3, 4) input with axis=1: (2, 3) where (2, 4) is asked). Read from the shapes alone."""
    got, ref = np.shape(failure.outcome.value), np.shape(failure.reference)
    if failure.probe is None or got == ref or len(got) != len(ref):
        return False
    for a in (*failure.probe.args, *failure.probe.kwargs.values()):
        if not isinstance(a, np.ndarray) or a.ndim < 2:
            continue
        without = [a.shape[:k] + a.shape[k + 1:] for k in range(a.ndim)]
        if got in without and ref in without:
            return True
    return False


def _removes_axes(longer: tuple[int, ...], shorter: tuple[int, ...]) -> bool:
    """``shorter`` is ``longer`` with some axes (none, or more) left out, the others in order."""
    rest = iter(longer)
    return len(shorter) <= len(longer) and all(any(n == m for m in rest) for n in shorter)


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for n in shape if n != 1)


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists (0 for anything else)."""
    return 1 + max((_depth(v) for v in value), default=0) if isinstance(value, list) else 0


def _list_raised(failure: Failure) -> bool:
    """An error only a list raises (``'list'`` in a TypeError or AttributeError), unless the check's other probes
    show the same function raising on an array of that many axes too: then the list is not the cause (code for
    one 1-D slice, given rows, fails on lists and arrays alike, each in its own words)."""
    outcome, probe = failure.outcome, failure.probe
    if outcome is None or probe is None or outcome.error_type not in ("TypeError", "AttributeError") \
            or "'list'" not in outcome.error_message:
        return False
    depths = {_depth(a) for a in (*probe.args, *probe.kwargs.values())} - {0}
    arrays = [seen for seen in failure.seen()
              if any(isinstance(a, np.ndarray) and a.ndim in depths for a in (*seen[0].args, *seen[0].kwargs.values()))]
    return not arrays or any(seen[1].status == "returned" for seen in arrays)


#: The words of an error when code indexes an axis that the array (or a number reduced from it) does not have
#: (NumPy's), reads the length of one (``x.shape[1]`` of a 1-D array) or unpacks two lengths from a 1-D shape
#: (``n, m = y.shape``; Python's), by the exception's type.
_MISSING_AXIS = {"IndexError": ("invalid index to scalar variable", "too many indices for array",
                                "tuple index out of range"),
                 "ValueError": ("not enough values to unpack (expected 2, got 1)",)}


def _written_for_rows(failure: Failure) -> bool:
    """An error of an axis the input lacks (:data:`_MISSING_AXIS`) on a call whose arrays are all 1-D (or numbers):
    code that indexes rows (``x[:, j]``, ``m[:, None]`` on a reduced maximum, ``y.shape[1]``) is written for a 2-D
    batch."""
    outcome, probe = failure.outcome, failure.probe
    if outcome is None or probe is None \
            or not any(words in (outcome.error_message or "") for words in _MISSING_AXIS.get(outcome.error_type, ())):
        return False
    try:
        dims = [np.ndim(a) for a in (*probe.args, *probe.kwargs.values()) if isinstance(a, (np.ndarray, list))]
    except ValueError:  # (a ragged list: not this mistake's input)
        return False
    return bool(dims) and max(dims) <= 1


#: Exceptions that arithmetic or indexing raises by itself, which code seldom raises on purpose: a bad argument that
#: ends in one of them was not checked (one raised on purpose for it is told as "another exception than ValueError").
COMPUTATION_ERRORS = ("ZeroDivisionError", "IndexError", "FloatingPointError", "OverflowError", "KeyError")
#: Hints that apply to every check, after the check's own ones: each explains one kind of failure of a property
#: other than the values (purity, error handling, what a function returns).
GENERIC_HINTS = (
    Hint(
        "The result keeps a length-1 axis that the contract removes: an array of shape (1,) where one number is "
        "expected, or (N, 1) where (N,) is. A reduction gives back one number per slice it reduces, without "
        "keepdims, and one number is returned as a number, not inside an array.",
        _kept_length_1_axis,
        "kept-length-1-axis",
        kinds=("shape",),
    ),
    Hint(
        "The result has a length-1 axis more than the contract gives ((1,) for one number, (N, 1) for (N,)) on an "
        "input with an axis of length 1, and no other input tells which mistake it is: a reduction left out (one "
        "value per row where the contract takes their mean or sum; one row gives one value in an array), or a "
        "length-1 axis kept (keepdims=True, or one number inside an array). Try two rows and look at the shape.",
        _length_1_axis_or_reduction_missing,
        "length-1-axis-or-reduction-missing",
        kinds=("shape",),
    ),
    Hint(
        "The result drops an axis of length 1 that the contract keeps (one number where shape (1,) is asked, or "
        "(C,) where (1, C) is): a batch of one row is still a batch. A squeeze of the result (np.squeeze, or an "
        "index [0]) takes away an axis that only the input's own shape decides.",
        _length_1_axis_dropped,
        "length-1-axis-dropped",
        kinds=("shape",),
    ),
    Hint(
        "The result is one number where the contract gives several (one per element, or one per slice along `axis`: "
        "a (2, 3) input with axis=-1 gives 2): everything was reduced, by a sum or mean over every axis or over a "
        "flattened input, where the function keeps the axes it does not reduce.",
        _one_number_for_many,
        "reduced-to-one-number",
        kinds=("shape",),
    ),
    Hint(
        "The result has more values than the contract gives (shape (3,) from a 3-vector where one number is "
        "expected, or (N, K) where (N,) is): a reduction is missing, or runs over fewer axes than it should, so the "
        "terms come back where their sum (or mean) is the result.",
        _reduction_missing,
        "reduction-missing",
        kinds=("shape",),
    ),
    Hint(
        "The reduction runs along another axis than the one asked: the result is the input with another axis "
        "removed (a (2, 3, 4) input with axis=1 gives shape (2, 4), not (2, 3)). Reduce along `axis`, the "
        "argument, not a fixed axis such as the last.",
        _other_axis_reduced,
        "other-axis-reduced",
        kinds=("shape",),
    ),
    Hint(
        "The result does not have the shape the contract gives (the cell's summary lists the shapes it checks): "
        "a reduction removes the axes it reduces and keeps the others as they were, and the other functions "
        "return their input's shape.",
        lambda f: not (_length_1_axis_added(f) or _length_1_axis_dropped(f) or _one_number_for_many(f)
                       or _reduction_missing(f) or _other_axis_reduced(f)),
        "wrong-result-shape",
        kinds=("shape",),
    ),
    Hint(
        "The values are close to the correct ones (within a relative 1e-4 on every input of this cell) but not as "
        "close as float64 gets them: something small changes every value. Look for a small constant added to avoid "
        "log 0 or a division by 0 (an epsilon such as 1e-8), a clip, a rounding, float32 arrays, or a difference of "
        "two nearly equal numbers: the contract's stable formulas need none of them.",
        _nearly_right_everywhere,
        "values-nearly-right",
        kinds=("value",),
    ),
    Hint(
        "The input is validated with `assert`, which raises AssertionError (and is switched off under "
        "`python -O`); the contract asks for a ValueError whose message names the argument.",
        lambda f: f.outcome.error_type == "AssertionError",
        "assert-for-validation",
        kinds=("wrong-exception",),
    ),
    Hint(
        "An `assert` stopped a valid input (an AssertionError): the contract accepts this input (the cell's summary "
        "says which inputs it checks), so the condition asserted is stricter than the contract's; raise ValueError "
        "only for what the contract calls invalid.",
        lambda f: f.outcome is not None and f.outcome.error_type == "AssertionError",
        "assert-rejects-valid-input",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "The bad argument is not checked: the call failed inside the computation (a division by zero, an index "
        "out of range), not with the contract's ValueError naming the argument. Check the arguments before "
        "computing, and raise ValueError for the one that is wrong.",
        lambda f: f.outcome is not None and f.outcome.error_type in COMPUTATION_ERRORS,
        "argument-unchecked-computation-failed",
        kinds=("wrong-exception",),
    ),
    Hint(
        "The error is raised, but as another exception than ValueError: the contract's bad-argument error is a "
        "ValueError whose message names the argument.",
        lambda f: True,
        "wrong-exception-type",
        kinds=("wrong-exception",),
    ),
    Hint("The function returns None: a `return` statement is missing, or not every path reaches one.",
         lambda f: "None" in f.detail, "no-return", kinds=("type",)),
    Hint(
        "Work on a copy: the message names the statement, or the argument a call changed, that writes (or may "
        "write) into an array or list the caller passed in, so the caller's data could change. Operations that build "
        "a new array leave the input as it was.",
        lambda f: True,
        "modifies-input",
        kinds=("mutation",),
    ),
    Hint(
        "Finish the work before returning: a thread, a thread pool's workers or a timer the function starts and "
        "leaves running can still change the caller's arrays after the call has returned. Compute the result in "
        "the call itself (or wait for the threads it started, and cancel its timers, before it returns).",
        lambda f: True,
        "left-running",
        kinds=("lingering",),
    ),
    Hint(
        "Write the function (and the helpers it calls) as plain code the grader can read: no `exec`/`eval`, no "
        "frames, tracers or `globals()`, no IPython magics inside it, and import only Python's standard library and "
        "the scientific packages the course uses (NumPy, SciPy, matplotlib, …), not modules of your own or other "
        "packages (the message names the one that was imported).",
        lambda f: True,
        "unreadable-code",
        kinds=("unverifiable",),
    ),
    Hint("The function returns something other than NumPy numbers (the message names its type): a reduction "
         "returns a float, the other functions a float64 array.", lambda f: True, "not-numbers", kinds=("type",)),
    Hint(
        "A nested list is not handled like the same numbers as an array (another result, or an error from an "
        "operation only arrays have, such as `.T`, `@` or arithmetic on a list): turn every array argument into a "
        "NumPy float array once, at the start.",
        lambda f: f.kind == "lists" or _list_raised(f),
        "lists-not-converted",
        kinds=("lists", "raised"),
    ),
    Hint(
        "The code indexes a second axis that a 1-D input does not have (x[:, j], x.shape[1], n, m = x.shape, [:, "
        "None] on a reduced value, a loop over rows): it is written for a 2-D batch only, while the contract also takes a single 1-D input. "
        "Reduce along the axis the contract names (keepdims=True keeps it for broadcasting), or over every element "
        "where the contract gives one number for the whole input (its size is x.size), instead of indexing rows.",
        _written_for_rows,
        "written-for-2-d-only",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "NumPy was asked to put a whole array where one number goes (its \"setting an array element with a "
        "sequence\"): a step that works one number at a time (np.vectorize, a loop that fills an array element by "
        "element) met an array where it expected a number, as when an argument other than the one it loops over is "
        "an array too. Compute on whole arrays and let NumPy broadcast them, instead of element by element.",
        raised("ValueError", "setting an array element with a sequence"),  # (np.vectorize returning arrays, out[i] = …)
        "array-where-a-number-goes",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "The code loops over an argument (a `for` loop, zip, a comprehension) that is one number here (NumPy's "
        "\"iteration over a 0-d array\"): the contract lets it be a single number as well as an array. Compute on "
        "whole arrays and let NumPy broadcast them, instead of looping over an argument.",
        raised("TypeError", "iteration over a 0-d array"),  # (zip(x, mu), for m in mu, with a number mu)
        "loop-over-a-number",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "The code uses a name NumPy no longer has (the message names it, and NumPy's own text says what replaces "
        "it): np.float, np.int, np.bool, np.object and np.str were removed in NumPy 1.24 (write float, int, bool, "
        "object, str, or np.float64), and np.NaN, np.infty, np.PINF, np.product and others in NumPy 2.0 (np.nan, "
        "np.inf, np.prod).",
        raised("AttributeError", "module 'numpy' has no attribute"),  # (older course code, as real notebooks have)
        "numpy-name-removed",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "The function uses a name that is not defined when it runs (a NameError: the message names it): assign "
        "every variable before it is used, and define helpers and constants in a cell above, since the notebook is "
        "graded as it runs from the top.",
        lambda f: f.outcome is not None and f.outcome.status == "raised"
        and f.outcome.error_type in ("NameError", "UnboundLocalError"),
        "name-undefined",
        kinds=("raised", "no-result"),
    ),
    Hint(
        "Calls in this cell returned nan or inf (the message says how many): a step on the way is undefined or "
        "overflows (0 · log 0, inf − inf, 0 / 0), so there were not results enough to judge this property on: the "
        "cells that compare values show the first input where it happens.",
        lambda f: "only nan or inf" in f.detail,
        "nan-everywhere",
        kinds=("stub",),
    ),
    Hint(
        "The function hands one of its inputs back unchanged (the message says which): it computes nothing from "
        "it, so this property cannot be judged on it. Return what the contract says the function computes.",
        lambda f: "unchanged: it computes nothing from it" in f.detail,
        "echoes-input",
        kinds=("stub",),
    ),
    Hint(
        "The function returns the same number whatever its input, as a placeholder does: this cell judges a "
        "property of results computed from the input, so it needs the computation first.",
        lambda f: "whose results differ" not in f.detail and "only nan or inf" not in f.detail
        and "unchanged: it computes nothing" not in f.detail,
        "placeholder",
        kinds=("stub",),
    ),
    Hint(
        "Calls that differ only in `axis` returned one and the same result: the function ignores `axis` (a "
        "reduction over the whole array, or along one axis whatever `axis` says), so this property cannot be "
        "judged on it; each slice along `axis` has its own result, and every reduction (a maximum, a sum) takes "
        "that axis.",
        lambda f: "(calls that differ only in `axis`)" in f.detail,
        "axis-ignored",
        kinds=("stub",),
    ),
    Hint(
        "Calls whose correct results differ returned one and the same result: the function ignores an input "
        "that changes the answer (the message names the calls, or the cell's summary the inputs it varies), so "
        "this property cannot be judged on it.",
        lambda f: "whose results differ" in f.detail,
        "ignores-an-input",
        kinds=("stub",),
    ),
    Hint(
        "The calls in this cell raised (the message says which error, and how many of them), so there were not two "
        "results to judge this property on: the cells that compare values show the first input your function fails "
        "on.",
        lambda f: True,
        "raises-everywhere",
        kinds=("no-result",),
    ),
)
