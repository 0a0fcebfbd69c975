"""A cell's second look: a function charged for a stack of slices judged again with the stack out of the way.

A contract function with an ``axis`` is charged for how it handles a stack of
slices in the cells that judge that (:attr:`~autograder.checks.check.Check.stack_cells`);
every other cell it fails is looked at again with its inputs handed over each
way of :data:`~autograder.checks.slice_form.WAYS` (:class:`~autograder.checks.slice_form.SlicedTarget`),
so a mistake of the stack costs only the cells that judge it (docs/contract.md, "A stack of slices is one
aspect"). :func:`~autograder.checks.evaluate.evaluate` calls :func:`second_look` with itself as the judge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from autograder.checks import shown
from autograder.checks.check import Check, CheckResult
from autograder.checks.slice_form import WAYS, SlicedTarget

#: Failure kinds that say only that the calls gave nothing to judge (they raised, or returned no numbers).
_GAVE_NOTHING = ("raised", "type", "no-result", "stub")
#: Failure kinds read from the source, whatever the calls: how inputs were handed over has no part in them.
_READ_FROM_SOURCE = ("mutation", "unverifiable")


def second_look(check: Check, target: Any, found: CheckResult,
                judge: Callable[[Check, Any], CheckResult]) -> CheckResult:
    """``check`` (a :class:`~autograder.checks.check.Check` that ``found`` failed on ``target``, for a function
    charged for the stack in its ``stack_cells``) judged again by ``judge(check, target)`` with the stacks handed
    over each way of :data:`WAYS`: passed the first way it passes, saying how. Else the first of those failures
    that says what is wrong with this cell's own property (the stack out of the way, what is left is the cell's
    own mistake: code for one slice raises on a stack before the property is reached, a kept axis breaks a
    relation before a slice of only -inf does), with how it was judged; else ``found``. (``judge`` is the
    checks' evaluation of the probes as declared, handed in by :func:`~autograder.checks.evaluate.evaluate`,
    which imports this module.)"""
    form = check.slice_form
    if form is None:
        raise ValueError(f"check: {check.grade_id} has no slice form to look again with")
    cells = ", ".join(f"`{c.grade_id}`" for c in check.stack_cells)
    failures = []
    for way, how in WAYS.items():
        sliced = SlicedTarget(target, form, way)
        looked = judge(check, sliced)
        if looked.passed:
            return replace(looked, message=f"{check.function}: passed with {how} (the stack itself is judged in "
                                           f"{cells}) — {check.summary}")
        failures.append((looked, how, sliced))
    for failure, how, sliced in failures:  # the stack out of the way: what is left is the cell's own mistake
        if failure.kind not in _GAVE_NOTHING:
            if not sliced.cut_last or failure.kind in _READ_FROM_SOURCE:  # judged on a call made as it stands
                return failure  # (the failing call is the last one made)
            return replace(failure, message=f"{_as_made(check.function, failure.message, sliced)}\n(Judged with "
                                            f"{how}: the stack itself is judged in {cells}.)")
    return found


def _as_made(function: str, message: str, sliced: SlicedTarget) -> str:
    """``message`` with its ``Input:`` line (a public probe's: only those have one) showing the call as it was made
    where that input was handed over as one call with its slices as rows, so that the student can make that call
    (the same input laid out again: nothing hidden is shown)."""
    for args, kwargs, made_args, made_kwargs in sliced.as_rows:
        given = f" Input: {shown.call_text(function, args, kwargs)}."
        if given in message:
            made = shown.call_text(function, made_args, made_kwargs)
            return message.replace(given, f" Input, as it was handed over: {made}.")
    return message
