"""The changes of an argument that every correct result responds to: how a cell asks for the function's own work.

Each builds a :class:`~autograder.checks.check.Change` for a function's declaration
(:meth:`~autograder.checks.check.ProblemSetChecks.function`'s ``changes``). A change keeps the call valid (a
probability vector stays one, a covariance stays positive definite, labels stay labels) and of the same shapes,
and keeps what a degenerate function reads — the order of the entries and their signs, the support, the shapes —
so that a function that reads only that (a one-hot of the largest entry, the uniform distribution, a constant,
an argument never read) returns one result for both calls, where every correct one returns two.

Judged only where the reference's two results differ (``autograder/checks/stub_failure.py``): a change that
happens to leave the correct result as it was (logits scaled by 1.5 where they are all equal) asks nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Change:
    """One argument of a contract function changed the way every correct result responds to: the function's own work.

    A cell that judges a property rather than values (a relation, an axis, the shape, the errors) is satisfied
    by a function that ignores its inputs — a constant, the uniform distribution, a one-hot of the largest
    logit, an argument never read — as well as by a correct one. So each such cell of the function also calls
    it on one of its own inputs with this argument changed (:attr:`Probe.differs_from
    <autograder.checks.check.Probe.differs_from>`): where the correct results differ, the function's must differ
    too. The change keeps the input valid and of the same shape, and keeps what a degenerate function reads (the
    order of the entries, their signs, the support), so that one that reads only that gives one result for both.

    Attributes
    ----------
    argument : int or str
        The position of a positional argument, or the name of a keyword argument.
    how : str
        The change in words, for the probe's label ("z scaled by 1.5").
    change : callable
        ``change(args, kwargs) -> (args, kwargs)``, or None where the call cannot be changed so (the argument
        absent, not numbers, or of a form the change does not keep valid, or left as it was).
    cells : tuple of str
        The aspects where it is asked: ``()`` for every cell that judges the function's own work (an argument
        every cell needs the function to read: the logits, ``x``, ``p``); a parameter (``temperature``, ``axis``,
        the targets, the prior) only in the cell named for it, so that a function that ignores it is a wrong
        formula, charged there and in the value cells alone.
    """

    argument: int | str
    how: str
    change: Callable[[tuple, dict], tuple[tuple, dict] | None]
    cells: tuple = ()

    def asked_in(self, aspect: str) -> bool:
        return not self.cells or aspect in self.cells


def judges_own_work(aspect: str, probes: tuple, compare_values: bool) -> bool:
    """Whether a cell of ``aspect`` with ``probes`` asks for the function's own work: every cell that does not
    compare its values with the reference (a relation, an axis, the shape, the errors; values asked only in the
    function's other form do not count), but ``-purity``, which judges what a function does to its inputs
    whatever it computes (docs/contract.md)."""
    return aspect != "purity" and (not compare_values or not any(p.expect == "value" and not p.other_form_only
                                                                 for p in probes))


def results_differ(a: Any, b: Any) -> bool:
    """Two correct results differ: other shapes, or entries apart by more than rounding could make them (1e-6
    relative): where they do, a function that does its own work gives two results too."""
    try:
        parts_a = [np.asarray(v, dtype=float) for v in (a if isinstance(a, tuple) else (a,))]
        parts_b = [np.asarray(v, dtype=float) for v in (b if isinstance(b, tuple) else (b,))]
    except (TypeError, ValueError):
        return False
    if [v.shape for v in parts_a] != [v.shape for v in parts_b]:
        return True
    return not all(np.allclose(x, y, rtol=1e-6, atol=1e-12, equal_nan=True) for x, y in zip(parts_a, parts_b))


def with_changes(function: str, aspect: str, probes: tuple, compare_values: bool, changes: tuple) -> tuple:
    """``probes`` (a cell of ``aspect``, their ``uses`` resolved) with, for each of ``changes`` asked there, one probe
    more: the cell's most ordinary input whose correct result responds to the change, changed (a hidden ``"call"``
    with :attr:`~autograder.checks.check.Probe.differs_from`), after the cell's last call that returns a value
    (the indices later probes name are moved along). ``probes`` as they are where the cell does not judge the
    function's own work (:func:`judges_own_work`)."""
    if not changes or not judges_own_work(aspect, probes, compare_values):
        return probes
    at = max((i for i, p in enumerate(probes) if p.expect != "raises" and not p.other_form_only), default=-1) + 1
    made = _changed(function, aspect, probes[:at], changes)

    def moved(i: int) -> int:
        return i + len(made) if i >= at else i

    later = tuple(replace(p, uses=tuple(moved(u) for u in p.uses), twin=None if p.twin is None else moved(p.twin))
                  for p in probes[at:])
    return probes[:at] + made + later


def _changed(function: str, aspect: str, probes: tuple, changes: tuple) -> tuple:
    """For each of ``changes`` asked in ``aspect``: the most ordinary of ``probes`` (:func:`_ordinary`) whose correct
    result responds to it (the reference's results on the probe and on the probe changed differ), changed."""
    # (imported here: the references' module imports autograder.checks.check, which imports this one)
    from autograder.checks.references import reference_function

    reference = reference_function(function)

    def result(args: tuple, kwargs: dict) -> Any:
        try:
            with np.errstate(all="ignore"):
                return reference(*args, **kwargs)
        except Exception:  # noqa: BLE001 — an input the reference refuses is no base for a change
            return None

    # the most ordinary inputs first: a wrong formula saturates at extremes, or is special on an input of one repeated
    # number (a row of one, zeros), where it may not respond though it reads its input
    order = sorted((i for i, p in enumerate(probes) if p.expect in ("call", "relation", "value")
                    and not p.other_form_only), key=lambda i: (_ordinary(probes[i].args), i))
    made = []
    for change in changes:
        if not change.asked_in(aspect):
            continue
        for index in order:
            base = probes[index]
            changed = change.change(tuple(base.args), dict(base.kwargs))
            if changed is None:
                continue
            before, after = result(tuple(base.args), dict(base.kwargs)), result(*changed)
            if before is not None and after is not None and results_differ(before, after):
                made.append(replace(base, label=f"{base.label}, with {change.how}", args=tuple(changed[0]),
                                    kwargs=dict(changed[1]), expect="call", public=False, rtol=None, atol=None,
                                    twin=None, relation=None, uses=(), warnings_judged=True, differs_from=index))
                break
    return tuple(made)


def _ordinary(args: tuple) -> tuple[bool, int]:
    """How far a call's arguments are from ordinary input, as a sort key (the smallest is the most ordinary):
    extreme numbers (beyond ±100) last, then the fewer distinct numbers (an array of zeros, a row of one) later, up
    to 16 (more is as ordinary, and the earlier of two such probes, often the smaller, comes first)."""
    try:
        numbers = [np.asarray(a, dtype=float).ravel() for a in args]
    except (TypeError, ValueError):
        return True, 0
    flat = np.concatenate(numbers) if numbers else np.empty(0)
    finite = flat[np.isfinite(flat)]
    return bool(finite.size and np.max(np.abs(finite)) > 100), -min(len(np.unique(finite)), 16)


def _in_kind(before: Any, after: np.ndarray) -> Any:
    """``after`` in the container ``before`` came in: a nested list for a list, a float for a Python number."""
    if isinstance(before, list):
        return after.tolist()
    if isinstance(before, (int, float)) and not isinstance(before, bool):
        return float(after)
    return after


def _numbers(value: Any) -> np.ndarray | None:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return array if array.size else None


def _at(position: int, how: str, new: Callable[[np.ndarray, tuple, dict], np.ndarray | None],
        cells: tuple = ()) -> Change:
    """A change of positional argument ``position`` by ``new(numbers, args, kwargs)`` (None: not changed)."""

    def change(args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        if len(args) <= position:
            return None
        numbers = _numbers(args[position])
        if numbers is None or not np.isfinite(numbers).any():
            return None
        made = new(numbers, args, kwargs)
        if made is None or np.array_equal(made, numbers, equal_nan=True):
            return None  # (nothing changed here: the next of the cell's calls is changed instead)
        return args[:position] + (_in_kind(args[position], made),) + args[position + 1:], dict(kwargs)

    return Change(position, how, change, cells)


def scaled(position: int, name: str, factor: float = 1.5, cells: tuple = ()) -> Change:
    """Argument ``position`` (``name`` in the label) times ``factor`` > 0: the order and signs of its entries kept
    (logits, a standard deviation, a covariance, a design matrix)."""
    return _at(position, f"{name} scaled by {factor:g}", lambda a, args, kwargs: a * factor, cells)


def others_lowered(position: int, name: str, by: float = 0.5, cells: tuple = ()) -> Change:
    """Every entry of argument ``position`` but its slice's largest (along ``axis``, the keyword, default -1)
    lowered by ``by``: the largest stays the largest, with its value, so a function that reads only it (a one-hot
    of it, the maximum itself) gives the same result, where log-sum-exp and the softmax move."""

    def new(z: np.ndarray, args: tuple, kwargs: dict) -> np.ndarray | None:
        axis = kwargs.get("axis", -1)
        if z.ndim == 0 or not -z.ndim <= axis < z.ndim:
            return None
        with np.errstate(invalid="ignore"):
            top = np.max(z, axis=axis, keepdims=True)
        return np.where(z == top, z, z - by)

    return _at(position, f"the entries of {name} below their slice's largest lowered by {by:g}", new, cells)


def shifted(position: int, name: str, by: float = 0.5, cells: tuple = ()) -> Change:
    """Argument ``position`` plus ``by`` (a mean, an observation, a log-variance)."""
    return _at(position, f"{name} shifted by {by:g}", lambda a, args, kwargs: a + by, cells)


def sharpened(position: int, name: str, power: float = 1.5, cells: tuple = ()) -> Change:
    """Probability vectors along ``axis`` (the keyword, default -1) raised to ``power`` and normalised again: each
    stays a probability vector with its support and the order of its entries."""

    def new(p: np.ndarray, args: tuple, kwargs: dict) -> np.ndarray | None:
        if (p < 0).any():
            return None
        axis = kwargs.get("axis", -1)
        with np.errstate(all="ignore"):
            q = p ** power
            total = np.sum(q, axis=axis, keepdims=True)
        return q / total if np.all(total > 0) else None

    return _at(position, f"{name} sharpened (raised to {power:g} and normalised)", new, cells)


def toward_half(position: int, name: str, weight: float = 0.8, cells: tuple = ()) -> Change:
    """Probabilities moved toward ½ (``0.5 + weight·(p - 0.5)``): still in [0, 1], in the same order."""
    return _at(position, f"{name} moved toward 0.5", lambda p, args, kwargs: 0.5 + weight * (p - 0.5), cells)


def flipped(position: int, name: str, cells: tuple = ()) -> Change:
    """Labels in [0, 1] flipped, ``1 - y``."""
    return _at(position, f"{name} flipped (1 - {name})", lambda y, args, kwargs: 1.0 - y, cells)


def relabelled(position: int, name: str, logits: int = 0, cells: tuple = ()) -> Change:
    """Class targets moved to the next class: integer labels ``(t + 1) mod C`` (C from argument ``logits``'s last
    axis), rows of class probabilities rolled by one class."""

    def change(args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        if len(args) <= max(position, logits):
            return None
        targets = np.asarray(args[position])
        classes = np.shape(args[logits])[-1] if np.ndim(args[logits]) else 0
        if targets.size == 0 or classes < 2:
            return None
        if targets.dtype.kind in "iu":
            made: Any = (targets + 1) % classes
        elif targets.dtype.kind == "f" and targets.ndim >= 1 and targets.shape[-1] == classes:
            made = np.roll(targets, 1, axis=-1)
        else:
            return None
        return args[:position] + (_in_kind(args[position], made),) + args[position + 1:], dict(kwargs)

    return Change(position, f"{name} moved to the next class", change, cells)


def keyword(name: str, how: str, new: Callable[[Any, tuple, dict], Any], cells: tuple) -> Change:
    """Keyword argument ``name`` set to ``new(its value or None, args, kwargs)`` (None: not changed), asked in
    ``cells`` only (the aspect named for it)."""

    def change(args: tuple, kwargs: dict) -> tuple[tuple, dict] | None:
        made = new(kwargs.get(name), args, kwargs)
        return None if made is None else (tuple(args), {**kwargs, name: made})

    return Change(name, how, change, cells)


def hotter(name: str = "temperature", cells: tuple = ("temperature",)) -> Change:
    """The temperature doubled (1.0 where the call leaves it at its default)."""
    return keyword(name, f"`{name}` doubled", lambda t, args, kwargs: 2.0 * (1.0 if t is None else float(t)), cells)


def other_axis(cells: tuple = ("axis",)) -> Change:
    """``axis`` moved to the next axis of a first argument of two axes or more (for a function whose result has
    its input's shape: the same shape on both axes)."""

    def new(axis: Any, args: tuple, kwargs: dict) -> Any:
        ndim = np.ndim(args[0]) if args else 0
        if ndim < 2:
            return None
        return (int(-1 if axis is None else axis) + 1) % ndim

    return keyword("axis", "`axis` moved to the next axis", new, cells)
