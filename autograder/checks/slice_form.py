"""One slice at a time: a cell judged with each stack of slices handed to the function slice by slice.

The contract's functions with an ``axis`` argument (ps1's ``logsumexp``, ``softmax`` and ``log_softmax``;
ps6's ``entropy``, ``kl_divergence`` and ``js_divergence``) take a stack of slices, an input of any number
of axes, and treat each 1-D slice along ``axis`` on its own. Handling the stack is one aspect of such a
function, judged in the cells whose property it is (:data:`STACK_CELLS`: ``-basic``, whose batch of rows
at the default axis is the function's everyday use, ``-axis`` and ``-shape``). Every other cell of the
function (stability, edges, temperature, support, symmetry, errors, purity) is kept by a function that
passes it when each of its calls on a stack is made as one call per slice (docs/contract.md, "A stack of
slices is one aspect"): a function written for one 1-D slice at a time, or one that reduces over the
wrong axis, is charged for that where it is judged, not again in the cells of the properties it has.

:class:`SlicedTarget` wraps the grader's target (the engine's child or nbgrader's kernel alike, so both
grade the same) and makes each such call into one call per slice, then puts the results together as the
contract's function would. Only the trusted side cuts and joins: the function under test sees ordinary
1-D arrays (or 1-D lists, where the probe's input was a nested list), one call each.

Written here, not taken from a library: it is a :class:`~autograder.checks.evaluate.Target` adapter, the
checks' own protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograder.sandbox.invoke import Outcome

#: The cells that judge how a function handles a stack of slices: they have no slice form.
STACK_CELLS = ("basic", "axis", "shape")

#: A call on a stack of more slices than this is made as it stands (the checks' largest stack outside
#: :data:`STACK_CELLS` is a (64, 10) batch): one call per slice is one round trip to the function's process.
MAX_SLICES = 64


@dataclass(frozen=True)
class SliceForm:
    """How a function with an ``axis`` argument takes a stack of slices.

    Attributes
    ----------
    arrays : int
        How many leading arguments are stacks of slices along ``axis``, cut together (1: ``z`` or ``p``;
        2: ``p`` and ``q``, which then must have one shape).
    reduces : bool
        One number per slice (``logsumexp``, ``entropy``, the divergences: the stack's shape without
        ``axis``), or one slice per slice (``softmax``, ``log_softmax``: the stack's shape).
    """

    arrays: int = 1
    reduces: bool = True

    def __post_init__(self) -> None:
        if self.arrays not in (1, 2):
            raise ValueError(f"arrays: expected 1 or 2 leading array arguments, got {self.arrays!r}")


@dataclass(frozen=True)
class Cut:
    """One call on a stack, cut into one call per slice.

    ``calls`` holds each slice's positional arguments (C order over the stack's other axes); ``kwargs`` the
    call's keyword arguments, with an ``axis`` given as -1 (the one axis of a slice); ``batch`` the stack's
    shape without ``axis``; ``axis`` the sliced axis, counted from 0.
    """

    calls: tuple[tuple[Any, ...], ...]
    kwargs: dict[str, Any]
    batch: tuple[int, ...]
    axis: int
    length: int
    reduces: bool

    def join(self, outcomes: list[Outcome]) -> Outcome:
        """One outcome for the whole call, from the slices' returned ``outcomes`` (in :attr:`calls` order)."""
        values = [None if o.value is None or isinstance(o.value, tuple) else np.asarray(o.value, dtype=float)
                  for o in outcomes]
        size = 1 if self.reduces else self.length
        odd = next((i for i, v in enumerate(values) if v is None or v.size != size), None)
        if odd is not None:  # not what a slice's call returns: the judged call fails on it
            return _merged(replace(outcomes[odd], value=None, value_type=_odd_type(outcomes[odd], values[odd])),
                           outcomes)
        rows = np.stack([np.asarray(v).reshape(-1) for v in values])
        if self.reduces:
            value = rows.reshape(self.batch)
        else:
            value = np.moveaxis(rows.reshape(self.batch + (self.length,)), -1, self.axis)
        return _merged(Outcome(status="returned", value=value, value_type="ndarray"), outcomes)


def cut(args: tuple, kwargs: dict, form: SliceForm) -> Cut | None:
    """``args`` and ``kwargs`` cut into one call per slice along ``axis``, or None where the call is made as
    it stands: fewer than two axes, an ``axis`` that is not one of the input's, stacks of different shapes,
    input that is not numbers, an empty slice, or more than :data:`MAX_SLICES` slices."""
    axis = kwargs.get("axis", -1)
    if len(args) < form.arrays or isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        return None
    try:
        stacks = [np.asarray(a, dtype=float) for a in args[: form.arrays]]
    except (TypeError, ValueError):
        return None
    shape = stacks[0].shape
    if len(shape) < 2 or any(s.shape != shape for s in stacks) or not -len(shape) <= axis < len(shape):
        return None
    axis = int(axis) % len(shape)
    length, batch = shape[axis], shape[:axis] + shape[axis + 1:]
    count = math.prod(batch)
    if length == 0 or not 0 < count <= MAX_SLICES:
        return None
    per_argument = [_slices(a, s, axis) for a, s in zip(args[: form.arrays], stacks, strict=True)]
    calls = tuple(tuple(slices[i] for slices in per_argument) + tuple(args[form.arrays:]) for i in range(count))
    return Cut(calls, {**kwargs, "axis": -1} if "axis" in kwargs else dict(kwargs), batch, axis, length,
               form.reduces)


class SlicedTarget:
    """``target`` with each call on a stack made as one call per slice (:func:`cut`), joined (:meth:`Cut.join`).

    Everything else (what is defined, what it uses, what its source writes) is ``target``'s. A slice's call
    that does not return (it raised, hung or crashed) stands for the whole call.
    """

    def __init__(self, target: Any, form: SliceForm) -> None:
        self.target = target
        self.form = form

    def defined(self, function: str) -> str:
        return str(self.target.defined(function))

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        return tuple(self.target.forbidden_uses(function, names, skip))

    def writes(self, function: str) -> Any:
        return self.target.writes(function)

    def call(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> Outcome:
        plan = cut(args, kwargs, self.form)
        if plan is None:
            return self.target.call(function, args, kwargs, carry)
        outcomes: list[Outcome] = []
        for slice_args in plan.calls:
            outcome = self.target.call(function, slice_args, dict(plan.kwargs), carry)
            outcomes.append(outcome)
            if outcome.status != "returned":
                return _merged(outcome, outcomes)
        return plan.join(outcomes)


def _slices(given: Any, stack: np.ndarray, axis: int) -> list[Any]:
    """The 1-D slices of one argument along ``axis``: lists where ``given`` is a nested list cut along its
    last axis (so that a call on a list stays a call on lists), else float arrays of their own."""
    if isinstance(given, list) and axis == stack.ndim - 1:
        return _rows_of_list(given, stack.ndim - 1)
    moved = np.moveaxis(stack, axis, -1).reshape(-1, stack.shape[axis])
    return [row.copy() for row in moved]


def _rows_of_list(value: list, depth: int) -> list[Any]:
    """The innermost lists of a nested list ``depth`` levels deep, in order (each a list of its own)."""
    if depth == 0:
        return [list(value)]
    return [row for item in value for row in _rows_of_list(item, depth - 1)]


def _merged(outcome: Outcome, outcomes: list[Outcome]) -> Outcome:
    """``outcome`` with the warnings, the modified arguments and the carried callees of all ``outcomes``."""
    def union(field: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for o in outcomes for name in getattr(o, field)))

    return replace(outcome, warnings=union("warnings"), mutated=union("mutated"), carried=union("carried"))


def _odd_type(outcome: Outcome, value: np.ndarray | None) -> str:
    """What a slice's call returned, where it is not one number (or one slice) as a slice's call returns."""
    if value is None:
        return outcome.value_type or "NoneType"
    return f"{outcome.value_type or 'ndarray'} of shape {value.shape} for one 1-D slice"
