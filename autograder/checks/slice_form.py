"""A stack of slices handed over slice by slice, or as rows: a cell's second look for a function with ``axis``.

The contract's functions with an ``axis`` argument (ps1's ``logsumexp``, ``softmax`` and ``log_softmax``;
ps6's ``entropy``, ``kl_divergence`` and ``js_divergence``) take a stack of slices, an input of any number
of axes, and treat each 1-D slice along ``axis`` on its own (ps3's ``gaussian_log_likelihood`` adds up the
log-densities of all its slices: one number, :attr:`SliceForm.total`; ps4's binary cross-entropies their mean,
:attr:`SliceForm.mean`; ps5's ``vae_kl`` gives one KL per code, a
slice along its last axis, its stack judged in ``-batch`` and ``-shape``). Handling the stack is one aspect of such a
function, judged in the cells whose property it is (:data:`STACK_CELLS`: ``-basic``, whose batch of rows
at the default axis is the function's everyday use, ``-axis`` and ``-shape``). A function charged there
keeps every other cell (stability, edges, temperature, support, symmetry, errors, purity) that it passes
with its inputs handed over one of two ways (:data:`WAYS`): each 1-D slice in a call of its own (code
written for one slice, or one that reduces over the whole array), or all slices as the rows of one 2-D array
(code written for a batch of rows, with a fixed ``axis=1``). Its mistake of the stack is charged where it is
judged, not again in the cells of the properties it has (docs/contract.md, "A stack of slices is one
aspect").

:class:`SlicedTarget` wraps the grader's target (the engine's child or nbgrader's kernel alike, so both
grade the same), makes each call on a stack into the calls of its way, and puts the results together as the
contract's function would. Only the trusted side cuts and joins: the function under test sees ordinary
arrays (or lists, where the probe's input was a nested list cut along its last axis).

The second look itself, a failed cell judged again through this target, is :mod:`autograder.checks.second_look`
(which imports :mod:`autograder.checks.check`; this module, which the declarations import, does not).

Written here, not taken from a library: it is a :class:`~autograder.checks.evaluate.Target` adapter, the
checks' own protocol.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from autograder.perimeter.child_runtime.invoke import Outcome

#: The cells that judge how a function handles a stack of slices, unless its :attr:`SliceForm.cells` says
#: otherwise: they have no slice form.
STACK_CELLS = ("basic", "axis", "shape")

#: A call on a stack of more slices than this is made as it stands (the checks' largest stack outside
#: :data:`STACK_CELLS` is a (64, 10) batch): one call per slice is one round trip to the function's process.
MAX_SLICES = 64


@dataclass(frozen=True)
class SliceForm:
    """How a function takes a stack of slices (its slices along ``axis``, or its last axis where it has none).

    Attributes
    ----------
    arrays : int
        How many leading arguments are stacks, cut together (1: ``z`` or ``p``; 2: ``p`` and ``q``; 3:
        ``x``, ``mu`` and ``sigma``).
    reduces : bool
        One number per slice (``logsumexp``, ``entropy``, the divergences: the stack's shape without
        ``axis``), or one slice per slice (``softmax``, ``log_softmax``: the stack's shape).
    total : bool
        One number for the whole input (``gaussian_log_likelihood``: the sum over every element): the results
        of the calls are added up, whatever their shape (a sum kept per row is then the total).
    mean : bool
        One number for the whole input, the mean over every element (ps4's binary cross-entropies): each call
        gives the mean of its slices (one number), or one mean per slice, and the calls' means are averaged
        (every call holds as many slices of one length, so that is the mean over every element).
    broadcast : bool
        The stacks broadcast together (a scalar argument stays one) instead of sharing one shape.
    purity : bool
        Whether the ``-purity`` cell is judged again too. Not for the cross-entropies (``mean``): their purity
        cells ask for no particular layout (a call that raises is no purity failure while two calls return, and
        their 1-D and 2-D calls do), so a second look there could only trade the hint that every call's evidence
        gives for one that sees fewer calls.
    cells : tuple of str
        The aspects of the function's cells that judge its stacks (:data:`STACK_CELLS` unless its single slice
        has a cell of its own: ``vae_kl``'s ``-basic`` is one code, its stacks are ``-batch``'s and ``-shape``'s).
    """

    arrays: int = 1
    reduces: bool = True
    total: bool = False
    mean: bool = False
    broadcast: bool = False
    purity: bool = True
    cells: tuple[str, ...] = STACK_CELLS

    def __post_init__(self) -> None:
        if self.arrays not in (1, 2, 3):
            raise ValueError(f"arrays: expected 1 to 3 leading array arguments, got {self.arrays!r}")
        if self.total and self.mean:
            raise ValueError("total, mean: a function's one number is either a sum or a mean, got both")
        if not self.cells or not isinstance(self.cells, tuple) or not all(isinstance(c, str) for c in self.cells):
            raise ValueError(f"cells: expected a non-empty tuple of aspect names, got {self.cells!r}")


#: The two ways a stack is handed over in a cell's second look: each 1-D slice in a call of its own, or all of them
#: as the rows of one 2-D array (slices along its last axis) in one call, with what each way says in the message.
WAYS = {
    "slices": "each input of several axes handed over one 1-D slice at a time",
    "rows": "each input handed over as one 2-D array whose rows are its slices",
}


@dataclass(frozen=True)
class Cut:
    """One call on a stack, made as the calls of one way (:data:`WAYS`).

    ``calls`` holds each call's positional arguments (the slices in C order over the stack's other axes);
    ``kwargs`` the call's keyword arguments, with an ``axis`` given as -1 (the slices' axis in each call);
    ``batch`` the stack's shape without ``axis``; ``axis`` the sliced axis, counted from 0; ``length`` a
    slice's.
    """

    calls: tuple[tuple[Any, ...], ...]
    kwargs: dict[str, Any]
    batch: tuple[int, ...]
    axis: int
    length: int
    form: SliceForm

    def join(self, outcomes: list[Outcome]) -> Outcome:
        """One outcome for the whole call, from the calls' returned ``outcomes`` (in :attr:`calls` order): each
        gives the results of its slices, as values (a kept axis of length 1 is the ``-shape`` cell's)."""
        values = [_numbers(o.value) for o in outcomes]
        slices = math.prod(self.batch) // len(self.calls)  # in each call
        sizes = (None if self.form.total else (1, slices) if self.form.mean
                 else (slices * (1 if self.form.reduces else self.length),))
        odd = next((i for i, v in enumerate(values) if v is None or (sizes is not None and v.size not in sizes)), None)
        if odd is not None:  # not what the call returns for its slices: the judged call fails on it
            return _merged(replace(outcomes[odd], value=None,
                                   value_type=_odd_type(outcomes[odd], values[odd], slices)), outcomes)
        arrays = [v for v in values if v is not None]
        if self.form.total:  # every call's results add up to the one number, whatever their shape
            value = np.array(sum(float(np.sum(v)) for v in arrays))
        elif self.form.mean:  # each call's mean (of its one number, or of its slices' means), averaged
            value = np.array(float(np.mean([np.mean(v) for v in arrays])))
        elif self.form.reduces:
            value = np.concatenate([v.reshape(-1) for v in arrays]).reshape(self.batch)
        else:
            rows = np.concatenate([v.reshape(-1) for v in arrays])
            value = np.moveaxis(rows.reshape(self.batch + (self.length,)), -1, self.axis)
        return _merged(Outcome(status="returned", value=value, value_type="ndarray"), outcomes)


def cut(args: tuple, kwargs: dict, form: SliceForm, way: str = "slices") -> Cut | None:
    """``args`` and ``kwargs`` as the calls of ``way`` (:data:`WAYS`), or None where the call is made as it
    stands: an ``axis`` that is not one of the input's, stacks of different shapes (that do not broadcast, for
    a :attr:`~SliceForm.broadcast` form), input that is not numbers, all scalars,
    an empty slice; for ``slices`` an input of fewer than two axes or more than :data:`MAX_SLICES` slices, for
    ``rows`` one that is its rows already (2-D, along its last axis)."""
    if way not in WAYS:
        raise ValueError(f"way: expected one of {', '.join(WAYS)}, got {way!r}")
    axis = kwargs.get("axis", -1)
    if len(args) < form.arrays or isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        return None
    try:
        stacks = [np.asarray(a, dtype=float) for a in args[: form.arrays]]
        shape = np.broadcast_shapes(*(s.shape for s in stacks)) if form.broadcast else stacks[0].shape
    except (TypeError, ValueError):
        return None
    if not shape or any(s.shape != shape for s in stacks if not form.broadcast) or not -len(shape) <= axis < len(shape):
        return None
    axis = int(axis) % len(shape)
    length, batch = shape[axis], shape[:axis] + shape[axis + 1:]
    count = math.prod(batch)
    if length == 0 or count == 0:
        return None
    # each stack of the common shape (a broadcast one as an array of its own); a scalar stays one
    given = [a if s.ndim == 0 or s.shape == shape else np.broadcast_to(s, shape).copy()
             for a, s in zip(args[: form.arrays], stacks, strict=True)]
    stacks = [s if s.ndim == 0 else np.broadcast_to(s, shape) for s in stacks]
    if way == "slices":
        if len(shape) < 2 or count > MAX_SLICES:
            return None
        per_argument = [[a] * count if s.ndim == 0 else _slices(a, s, axis) for a, s in zip(given, stacks, strict=True)]
        calls = tuple(tuple(slices[i] for slices in per_argument) + tuple(args[form.arrays:]) for i in range(count))
    else:
        if len(shape) == 2 and axis == 1:
            return None
        calls = (tuple(a if s.ndim == 0 else _rows(a, s, axis) for a, s in zip(given, stacks, strict=True))
                 + tuple(args[form.arrays:]),)
    return Cut(calls, {**kwargs, "axis": -1} if "axis" in kwargs else dict(kwargs), batch, axis, length, form)


class SlicedTarget:
    """``target`` with each call on a stack made as the calls of ``way`` (:func:`cut`), joined (:meth:`Cut.join`).

    Everything else (what is defined, what it uses, what its source writes) is ``target``'s. A call that does
    not return (it raised, hung or crashed) stands for the whole call. An input of one axis is one slice, not a
    stack: as rows it is handed over as one row only where the call as it stands gives no result (code for a
    batch of rows raises on it); a call that returns is judged as it returned, so code that branches on the
    input's axes is judged on its own 1-D branch. :attr:`cut_last` says whether the last call was cut.
    """

    def __init__(self, target: Any, form: SliceForm, way: str = "slices") -> None:
        if way not in WAYS:
            raise ValueError(f"way: expected one of {', '.join(WAYS)}, got {way!r}")
        self.target = target
        self.form = form
        self.way = way
        self.cut_last = False
        #: the calls made as rows: (the call as given: args, kwargs) -> (the one call made: args, kwargs)
        self.as_rows: list[tuple[tuple, dict, tuple, dict]] = []

    def defined(self, function: str) -> str:
        return str(self.target.defined(function))

    def forbidden_uses(self, function: str, names: tuple, skip: tuple = ()) -> tuple:
        return tuple(self.target.forbidden_uses(function, names, skip))

    def writes(self, function: str) -> Any:
        return self.target.writes(function)

    def evidence(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> Outcome | None:
        """A hint rule's evidence (``evaluate._evidence``) on a call this way makes as it stands (one the way does
        not cut, or one slice that returns as given): the target's; else None (cut, it would be new calls)."""
        ask = getattr(self.target, "evidence", None)
        plan = cut(args, kwargs, self.form, self.way)
        if ask is None or (plan is not None and plan.batch):
            return None
        outcome = ask(function, args, kwargs, carry)
        if plan is not None and (outcome is None or outcome.status != "returned" or outcome.value is None):
            return None  # (one slice that gives nothing as given is called as a row: not this answer)
        return outcome

    def call(self, function: str, args: tuple, kwargs: dict, carry: tuple = ()) -> Outcome:
        plan = cut(args, kwargs, self.form, self.way)
        self.cut_last = False
        if plan is None:
            return self.target.call(function, args, kwargs, carry)
        if not plan.batch:  # one slice: as rows only where the call as it stands gives nothing
            as_given = self.target.call(function, args, kwargs, carry)
            if as_given.status == "returned" and as_given.value is not None:
                return as_given
        self.cut_last = True
        outcomes: list[Outcome] = []
        for call_args in plan.calls:
            outcome = self.target.call(function, call_args, dict(plan.kwargs), carry)
            outcomes.append(outcome)
            if outcome.status != "returned":
                break
        if self.way == "rows":
            self.as_rows.append((args, kwargs, plan.calls[0], dict(plan.kwargs)))
        return plan.join(outcomes) if outcome.status == "returned" else _merged(outcome, outcomes)


def _slices(given: Any, stack: np.ndarray, axis: int) -> list[Any]:
    """The 1-D slices of one argument along ``axis``, each of its own: :func:`_rows`, one by one."""
    rows = _rows(given, stack, axis)
    return rows if isinstance(rows, list) else [row.copy() for row in rows]


def _rows(given: Any, stack: np.ndarray, axis: int) -> Any:
    """One argument's slices along ``axis`` as the rows of one 2-D array: a list of lists where ``given`` is a
    nested list cut along its last axis (a 1-D list is one row), else a float array of its own."""
    if isinstance(given, list) and axis == stack.ndim - 1:
        return _rows_of_list(given, stack.ndim - 1)
    return np.moveaxis(stack, axis, -1).reshape(-1, stack.shape[axis]).copy()


def _rows_of_list(value: list, depth: int) -> list[Any]:
    """The innermost lists of a nested list ``depth`` levels deep, in order (each a list of its own)."""
    if depth == 0:
        return [list(value)]
    return [row for item in value for row in _rows_of_list(item, depth - 1)]


def _numbers(value: Any) -> np.ndarray | None:
    """A call's plain value as one float array (a list of numbers, which comes as a tuple, included), or None."""
    if value is None:
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):  # a ragged tuple: not the results of slices
        return None


def _merged(outcome: Outcome, outcomes: list[Outcome]) -> Outcome:
    """``outcome`` with the warnings, the modified arguments and the carried callees of all ``outcomes``."""
    def union(field: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for o in outcomes for name in getattr(o, field)))

    return replace(outcome, warnings=union("warnings"), mutated=union("mutated"), carried=union("carried"))


def _odd_type(outcome: Outcome, value: np.ndarray | None, slices: int) -> str:
    """What a call returned, where it is not the results of its ``slices`` slices."""
    if value is None:
        return outcome.value_type or "NoneType"
    return f"{outcome.value_type or 'ndarray'} of shape {value.shape} for {slices} slice{'s' * (slices != 1)}"
