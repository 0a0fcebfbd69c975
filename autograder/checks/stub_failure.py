"""Whether a working function was there to judge: the failure of a property cell whose calls gave nothing.

Purity, a relation or error handling is a property of a function that computes something. A cell that judges
such a property (not the values against the reference) first asks whether the function's calls gave two or more
numbers that are not all one (a placeholder such as ``np.zeros_like(z)`` or ``return 0.0`` satisfies every
relation), and whether it ignores what its calls differ in (the uniform distribution whatever the logits); where
not, its failure says so (kinds ``no-result``, ``type`` and ``stub``), and the generic hints explain it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import shown
from autograder.checks.check import Check
from autograder.checks.failure import Failure
from autograder.perimeter.child_runtime import invoke as _invoke


def stub_failure(check: Check, outcomes: list, refs: list | None = None, probes: tuple | None = None
                 ) -> Failure | None:
    """For a check that does not compare values with the reference: a :class:`Failure` when no working
    function was there to judge.

    Purity, a relation or error handling is a property of a function that
    computes something: at least two calls must return numbers and, over all
    of them, not a single repeated number (``np.zeros_like(z)``, ``return
    0.0``). With ``refs`` (the reference outcomes, for relation and
    error-handling checks) also: where the correct results of calls of the
    same shape differ, the function's must not all be identical (a softmax
    that returns the uniform distribution whatever the logits satisfies
    every shift, slice and temperature relation). Only the pattern of
    equalities is read from the reference, never its values. ``probes`` (the
    calls of ``outcomes``) lets the failure say which keyword argument the
    function ignores.
    """
    returned = [o for o in outcomes if o.status == "returned" and o.value is not None]
    # (a -shape cell judges containers, values aside: there nan and inf are results too, as a formula that gives
    # nan on ordinary inputs computes them, and only one value repeated, nan as well, is a placeholder)
    values = np.concatenate([_numbers(o.value, check.container) for o in returned]) if returned else np.empty(0)
    raised = [o for o in outcomes if o.status == "raised"]
    if raised and (len(returned) < 2 or _at_most_one_number(values)):
        # not a placeholder: a function that fails on every input here, or on all but one (a reduction along a
        # fixed axis that the 1-D inputs lack), or whose few results are one number (the same input as an array
        # and as a list), leaves no two results to judge (the -basic cell says where it fails)
        names = ", ".join(sorted({shown.exception_name(False, o.error_type) for o in raised}))
        if len(raised) == len(outcomes):
            which = f"every call here raised ({names})"
        elif len(returned) < 2:
            which = (f"{len(raised)} of the {len(outcomes)} calls here raised ({names}) and "
                     + ("only one" if returned else "none") + " returned numbers")
        else:
            which = (f"{len(raised)} of the {len(outcomes)} calls here raised ({names}), and the {len(returned)} "
                     f"that returned numbers {_what_came_back(returned, 'gave')}")
        return Failure("no-result", f"{_judged_on(check)} is judged on the results of your function, but {which}",
                       outcome=raised[0])
    if not returned and outcomes and all(o.status == "returned" for o in outcomes):
        types = sorted({shown.type_name(False, o.value_type) for o in outcomes})
        what = "None (is a `return` statement missing?)" if types == ["NoneType"] else \
            f"{', '.join(types)}, which is not numbers"
        return Failure("type", f"{_judged_on(check)} is judged on the results of your function, but every call "
                       f"here returned {what}", outcome=outcomes[0])
    if len(returned) < 2 or _at_most_one_number(values):
        return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                       + _what_came_back(returned))
    same = _ignores_input(outcomes, refs) if refs is not None else ()
    if same:
        return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                       "returns the same result for inputs whose results differ" + _differing(probes, same))
    return None


def _differing(probes: tuple | None, same: tuple[int, ...]) -> str:
    """Where the calls ``same`` (indices into ``probes``) that gave one result differ in keyword arguments only:
    which (``axis``, ``temperature``), said so that the student knows which argument is ignored."""
    if not probes:
        return ""
    calls = [probes[i] for i in same]
    first = calls[0]
    if any(len(c.args) != len(first.args) or not all(_equal(a, b) for a, b in zip(c.args, first.args))
           for c in calls[1:]):
        return ""
    names = sorted({k for c in calls for k in {*c.kwargs, *first.kwargs}
                    if k not in c.kwargs or k not in first.kwargs or not _equal(c.kwargs[k], first.kwargs[k])})
    return f" (calls that differ only in {', '.join(f'`{n}`' for n in names)})" if names else ""


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float)))
    except (TypeError, ValueError):
        return a is b


def _what_came_back(returned: list, verb: str = "returned") -> str:
    """What a property check's calls returned, in its failure's words, when they hold fewer than two numbers
    (``verb``: how the sentence goes on, "returned" or "gave")."""
    if not returned:
        return f"{verb} no numbers"
    nonfinite = sum(1 for o in returned if not _numbers(o.value).size)
    every = ", for every input" if verb == "returned" else ""
    if nonfinite == len(returned):
        return f"{verb} only nan or inf{every}"
    if nonfinite:
        others = ", and one and the same number for the others" if len(returned) - nonfinite > 1 else ""
        return f"{verb} only nan or inf for {nonfinite} of {len(returned)} inputs{others}"
    return f"{verb} the same number for every input" if verb == "returned" else f"{verb} one and the same number"


def _judged_on(check: Check) -> str:
    aspect = check.grade_id.rsplit("-", 1)[1]
    return {"purity": "purity", "errors": "error handling"}.get(aspect, f"the `{aspect}` property")


def _ignores_input(outcomes: list, refs: list) -> tuple[int, ...]:
    """The calls (indices) showing that the function ignores what they differ in, or ``()``: among three or more
    calls whose correct results have one shape and are not all equal, it returned one identical result every time;
    or in every one of three or more calls whose correct result has entries that differ, it returned one number
    repeated (the uniform distribution whatever the logits, which every relation between slices, shifts and
    temperatures keeps)."""
    try:
        varied = [i for i, (o, r) in enumerate(zip(outcomes, refs)) if _returned_array(r) and _returned_array(o)
                  and np.size(r.value) > 1 and not _close_enough(np.asarray(r.value, dtype=float),
                                                                np.full(np.shape(r.value), _first(r.value)))]
        if len(varied) >= 3 and all(np.size(outcomes[i].value) > 1
                                    and _one_number(_numbers(outcomes[i].value)) for i in varied):
            return tuple(varied)
    except (TypeError, ValueError):  # a result that is not numbers: the relations themselves judged it
        pass
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, (outcome, ref) in enumerate(zip(outcomes, refs)):
        if _returned_array(ref) and _returned_array(outcome):
            groups.setdefault(np.shape(ref.value), []).append(index)
    for group in groups.values():
        head = group[0]
        if len(group) >= 3 and any(not _close_enough(refs[i].value, refs[head].value) for i in group[1:]) \
                and all(np.array_equal(outcomes[i].value, outcomes[head].value, equal_nan=True) for i in group[1:]):
            return tuple(group)
    return ()


def _returned_array(outcome: _invoke.Outcome) -> bool:
    return outcome.status == "returned" and outcome.value is not None and not isinstance(outcome.value, tuple)


def _first(value: _invoke.Plain) -> float:
    return float(np.asarray(value, dtype=float).reshape(-1)[0])


def _close_enough(a: np.ndarray, b: np.ndarray) -> bool:
    return np.shape(a) == np.shape(b) and bool(np.allclose(a, b, rtol=1e-6, atol=1e-12, equal_nan=True))


def _numbers(value: _invoke.Plain, nonfinite: bool = False) -> np.ndarray:
    """The finite numbers in a plain value (arrays, or tuples of them), flattened (with ``nonfinite``, nan and
    ±inf too)."""
    if value is None:
        return np.empty(0)
    if isinstance(value, tuple):
        parts = [_numbers(v, nonfinite) for v in value]
        return np.concatenate(parts) if parts else np.empty(0)
    flat = np.ravel(value)
    return flat if nonfinite else flat[np.isfinite(flat)]


def _at_most_one_number(values: np.ndarray) -> bool:
    """``values`` hold no two different numbers, nan equal to nan (one pass: no sort, as ``np.unique`` would)."""
    if values.size == 0:
        return True
    first = values.flat[0]
    return bool(np.all(np.isnan(values)) if np.isnan(first) else np.all(values == first))


def _one_number(values: np.ndarray) -> bool:
    """``values`` are one number, repeated."""
    return values.size > 0 and _at_most_one_number(values)
