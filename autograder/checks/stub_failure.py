"""Whether a working function was there to judge: the failure of a property cell whose calls gave nothing.

Purity, a relation or error handling is a property of a function that computes something. A cell that judges
such a property (not the values against the reference) first asks whether the function's calls gave two or more
numbers that are not all one (a placeholder such as ``np.zeros_like(z)`` or ``return 0.0`` satisfies every
relation), and whether it ignores what its calls differ in (the uniform distribution whatever the logits); where
not, its failure says so (kinds ``no-result``, ``type`` and ``stub``), and the generic hints explain it.

Every such cell but ``-purity`` asks for the function's own work besides (:func:`own_work_failure`): its results
respond to each argument changed the way every correct result responds (:class:`~autograder.checks.check.Change`),
and are not one of its inputs handed back. A function that ignores its inputs — a constant, the uniform
distribution, a one-hot of the largest logit, an argument never read, its input echoed — satisfies every relation
between its own calls, and earns none of those cells.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.checks import shown
from autograder.checks.changes import results_differ
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
    calls = probes if probes is not None else check.probes
    if len(calls) == len(outcomes) and _one_result(returned) and _inputs_differ(calls, outcomes):
        # (one and the same result, several numbers: a placeholder pair such as `return 0.0, 1.0`)
        return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                       "returned one and the same result for every input")
    same = _ignores_input(outcomes, refs) if refs is not None else ()
    if same:
        return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                       "returns the same result for inputs whose results differ" + _differing(probes, same))
    return None


def own_work_failure(check: Check, outcomes: list, refs: list) -> Failure | None:
    """For a cell that judges the function's own work (:func:`~autograder.checks.check.judges_own_work`) and whose
    probes all passed: a ``stub`` :class:`Failure` when the function ignores what the correct results respond to.

    Two things, read from the reference's pattern of equalities only, never its values: a probe made by a
    :class:`~autograder.checks.changes.Change` (:attr:`Probe.differs_from`) returned exactly what the probe it
    changes returned, where the correct results of the two differ; or every call that returned numbers returned
    one and the same of its arguments, unchanged, where the correct result is not that argument on some call.
    """
    probes = check.probes
    for index, probe in enumerate(probes[:len(outcomes)]):
        base = probe.differs_from
        if base is None or base >= len(outcomes) or index >= len(refs):
            continue
        given, changed = _flat(outcomes[base]), _flat(outcomes[index])
        # (a nan or an inf on both is a formula's, charged where values are compared: no sign of an input ignored)
        if given is not None and changed is not None and _same(given, changed) and np.isfinite(changed[1]).all() \
                and refs[base].status == refs[index].status == "returned" \
                and results_differ(refs[base].value, refs[index].value):
            return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                           f"returns the same result for inputs whose results differ: {probes[base].label}, and "
                           f"{probe.label.rsplit(', with ', 1)[-1]}" + _differing(probes, (base, index)),
                           probe=probe, outcome=outcomes[index])
    echoed = _echoed(probes, outcomes, refs)
    if echoed is not None:
        return Failure("stub", f"{_judged_on(check)} is judged on a function that computes its result, but yours "
                       f"returns its argument {echoed + 1} unchanged: it computes nothing from it",
                       outcome=outcomes[0])
    return None


def _flat(outcome: _invoke.Outcome) -> tuple[tuple, np.ndarray] | None:
    """A returned value as ``(its shapes, all its entries)`` (a tuple's parts one after the other), or None."""
    if outcome.status != "returned" or outcome.value is None:
        return None
    parts = outcome.value if isinstance(outcome.value, tuple) else (outcome.value,)
    try:
        arrays = [np.asarray(p, dtype=float) for p in parts]
    except (TypeError, ValueError):
        return None
    return tuple(a.shape for a in arrays), np.concatenate([a.ravel() for a in arrays]) if arrays else np.empty(0)


def _same(a: tuple | None, b: tuple | None) -> bool:
    """Two returned values are one and the same, bit for bit (nan equal to nan)."""
    return a is not None and b is not None and a[0] == b[0] and bool(np.array_equal(a[1], b[1], equal_nan=True))


def _echoed(probes: tuple, outcomes: list, refs: list) -> int | None:
    """The position of the argument every call that returned numbers returned unchanged (where the correct result
    differs from it on one of them at least), or None."""
    common: set[int] | None = None
    calls = [i for i, o in enumerate(outcomes) if o.status == "returned" and o.value is not None
             and not isinstance(o.value, tuple) and i < len(probes)]
    if len(calls) < 2:
        return None
    for i in calls:
        given = {k for k, a in enumerate(probes[i].args) if _equals_argument(a, outcomes[i].value)}
        common = given if common is None else common & given
        if not common:
            return None
    for k in sorted(common or ()):
        if any(i < len(refs) and refs[i].status == "returned" and refs[i].value is not None
               and not isinstance(refs[i].value, tuple) and not _equals_argument(probes[i].args[k], refs[i].value)
               for i in calls):
            return k
    return None


def _equals_argument(argument: Any, value: _invoke.Plain) -> bool:
    """``value`` holds ``argument``'s numbers, unchanged and in its shape."""
    try:
        numbers = np.asarray(argument, dtype=float)
    except (TypeError, ValueError):
        return False
    value = np.asarray(value, dtype=float)
    return numbers.shape == value.shape and numbers.size > 0 and bool(np.array_equal(numbers, value, equal_nan=True))


def _one_result(returned: list) -> bool:
    """The calls that returned numbers all returned one and the same value, bit for bit."""
    first = _flat(returned[0])
    return all(_same(first, _flat(o)) for o in returned[1:])


def _inputs_differ(probes: tuple, outcomes: list) -> bool:
    """Two of the calls that returned were given different numbers."""
    given = [p.args for p, o in zip(probes, outcomes) if o.status == "returned" and o.value is not None]
    return any(len(a) != len(given[0]) or not all(_equal(x, y) for x, y in zip(a, given[0])) for a in given[1:])


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
