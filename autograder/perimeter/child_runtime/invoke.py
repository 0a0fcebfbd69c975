"""Call a submitted function once and describe what happened, as plain data.

This module runs on the untrusted side too (inside the grading engine's
sandboxed child), so it imports nothing but the standard library and NumPy,
and it turns whatever the function returned into plain numbers
(:func:`to_plain`) before anyone compares it with a reference. The in-kernel
path (``run_check`` in a notebook) goes through the very same functions, so
both ways of running a check reach the same verdict.

Beside the call, and imported with it by the zygote: the other contract
functions answered by the trusted side during a call
(:mod:`.carry_forward`), the walk that finds forbidden uses
(:mod:`.forbidden_walk`) and the forbidden names resolved in advance
(:mod:`.pinning`).
"""

from __future__ import annotations

import _thread
import copy
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import numpy as np

STATUSES = ("returned", "raised", "missing", "timeout", "crashed")

#: ``warnings.catch_warnings`` swaps process-wide state and is not thread-safe.
#: The grading engine evaluates checks from several threads (references and
#: hint rules run in its trusted process), so every such block holds this lock.
WARNINGS_LOCK = threading.RLock()


@dataclass
class Outcome:
    """What one call did.

    Attributes
    ----------
    status : str
        ``returned``, ``raised``, ``missing`` (function not defined),
        ``timeout`` or ``crashed`` (the last two only from the engine).
    value
        The return value made plain by :func:`to_plain` (``None`` when the
        function returned ``None`` or something that is not numbers).
    value_type : str
        The type name of what the function really returned.
    error_type, error_message : str
        For ``raised``: the exception's class name and message.
    warnings : tuple of str
        ``"RuntimeWarning: overflow encountered in exp"``, one per warning.
    mutated : tuple of str
        Names of the arguments the call modified in place.
    lingering : tuple of str
        What the call left running when it returned, each one of :data:`LINGERING`: ``"thread"`` (a thread it
        started was still alive :data:`GRACE_S` after it returned) or ``"timer"`` (an interval timer it armed,
        ``signal.setitimer`` or ``signal.alarm``). Either can change the inputs later, when nothing looks.
    carried : tuple of str
        The contract functions whose calls during this call the reference answered (errors carried forward),
        in the order first answered; set by the trusted side, never read from the child.
    """

    status: str
    value: Any = None
    value_type: str = ""
    error_type: str = ""
    error_message: str = ""
    warnings: tuple[str, ...] = ()
    mutated: tuple[str, ...] = field(default_factory=tuple)
    carried: tuple[str, ...] = ()
    lingering: tuple[str, ...] = ()


class NotNumbers(TypeError):
    """A return value that is not numbers (or a tuple of numbers)."""


#: What :func:`to_plain` makes of a value: float64 arrays, tuples of them (two levels at most), or None.
Plain: TypeAlias = "np.ndarray[Any, np.dtype[np.float64]] | tuple[Plain, ...] | None"


#: The exact types of the entries of an object array read as numbers: by ``type()``, which an object cannot fake
#: (``isinstance`` asks its ``__class__``), so converting them runs no code of the notebook's.
_REAL_TYPES = frozenset({int, float, bool, *(t for t in set(np.sctypeDict.values()) if np.dtype(t).kind in "biuf")})


def to_plain(value: object, _depth: int = 0) -> Plain:
    """Turn a return value into float64 ndarrays (or a tuple of them).

    Python and NumPy scalars become 0-d arrays; lists and tuples become
    tuples of plain values (the comparison decides whether a list of numbers
    may stand for an array). ``None`` stays ``None``. Anything else raises
    :class:`NotNumbers`.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return np.array(float(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return np.array(value, dtype=np.float64)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return np.array(value, dtype=np.float64, copy=True)
        if value.dtype == object and all(type(v) in _REAL_TYPES for v in value.flat):
            try:  # (``np.frompyfunc``'s results: an object array of numbers)
                return np.array(value, dtype=np.float64)
            except OverflowError:
                raise NotNumbers("an array of integers too large for float64") from None
        raise NotNumbers(f"an array of dtype {value.dtype}")
    if isinstance(value, (tuple, list)) and _depth < 2:
        return tuple(to_plain(v, _depth + 1) for v in value)
    if isinstance(value, list):
        # deeper than the two tuple levels a result may have: nested lists of numbers (``.tolist()`` of a 3-D
        # array) are the array NumPy makes of them, as a 1-D or 2-D list's entries are read
        try:
            numbers = np.asarray(value)
        except Exception:  # noqa: BLE001 — ragged, or entries whose conversion raises: not numbers
            numbers = None
        if numbers is not None and numbers.dtype.kind in "biuf":
            return np.array(numbers, dtype=np.float64)
    raise NotNumbers(f"a {type(value).__module__}.{type(value).__qualname__}")


def _arg_names(args: Sequence[object], kwargs: Mapping[str, object]) -> list[str]:
    names = [f"argument {i + 1}" for i in range(len(args))]
    return names + [f"`{k}`" for k in kwargs]


#: Unsigned integers by size: an array's bits, read as one of these (:func:`_changed`).
_BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


#: The exact types :func:`_private` hands a call as they are, never copied: immutable, so one the call was given is
#: unchanged whatever it did (compared as values they cost 2 to 7 µs each, three times a call's inputs).
_IMMUTABLE = frozenset({float, int, bool, str, type(None)})


def _changed(before: object, after: object) -> bool:
    if before is after and type(before) in _IMMUTABLE:
        return False
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.dtype == after.dtype \
            and before.dtype != object:
        # bit for bit (nan payloads and -0.0 included): what an in-place write changes
        if before.shape != after.shape:
            return True
        bits = _BITS.get(before.dtype.itemsize) if before.dtype.kind in "biufc" else None
        if bits is not None:  # (the same memory read as integers: no copy of either array, unlike tobytes)
            return not np.array_equal(before.view(bits), after.view(bits))
        return before.tobytes() != after.tobytes()
    try:
        a, b = np.asarray(before), np.asarray(after)
        if a.dtype == object or b.dtype == object:
            return bool(before != after)
        return a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)
    except Exception:  # noqa: BLE001 — a comparison the student's objects refuse counts as a change
        return True


def _private(value: Any) -> Any:
    """A copy of one argument that the called function may modify freely (arrays and numbers the fast way)."""
    if type(value) is np.ndarray and value.dtype != object:
        return value.copy(order="K")  # as deepcopy does: the same memory layout
    if type(value) in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


#: What a call may leave running (:attr:`Outcome.lingering`), in the words the child sends and the parent accepts.
LINGERING = ("thread", "timer")

#: How long a thread a call started may take to end after the call returned (a worker finishing): one that is
#: still alive then is left running. Waited only when a call left a new thread, so a pure function never waits.
GRACE_S = 0.2

#: How many threads ``_thread`` started are running (its count, as ``test.support`` reads it: no documented
#: interface counts the threads started without a ``threading.Thread``); 0 where an interpreter lacks it.
_count: Callable[[], int] = getattr(_thread, "_count", lambda: 0)

#: The interval timers a call may arm (``signal.alarm`` is ``ITIMER_REAL``).
_TIMERS = tuple(getattr(signal, name) for name in ("ITIMER_REAL", "ITIMER_VIRTUAL", "ITIMER_PROF")
                if hasattr(signal, name))


def _threads() -> frozenset[object]:
    """The threads alive now: ``threading``'s thread objects (a new object is a new thread, whatever its ident)
    and the idents of every thread that runs Python code (``_thread.start_new_thread``'s have no object)."""
    return frozenset((*threading.enumerate(), *sys._current_frames()))


def _tasks() -> frozenset[str]:
    """The process's OS threads (Linux's ``/proc/self/task``; none where it cannot be read): a thread of ``_thread``
    is one as soon as it is started, before it runs any Python code."""
    try:
        return frozenset(os.listdir("/proc/self/task"))
    except OSError:
        return frozenset()


def _armed() -> tuple[bool, ...]:
    return tuple(signal.getitimer(which)[0] > 0 for which in _TIMERS)


def _left_running(threads: frozenset[object], tasks: frozenset[str], armed: tuple[bool, ...], count: int
                  ) -> tuple[str, ...]:
    """What the call that began when ``threads`` were alive (and ``tasks`` the OS threads), ``armed`` the timers and
    ``count`` threads started by ``_thread`` ran, left running: its new threads, given :data:`GRACE_S` to end, and
    the timers it armed. A new OS thread that runs no Python code yet is given as long to start as one of
    ``_thread`` (it counts once it does) or to end; one that does neither is a native library's (a BLAS pool's)."""
    left: list[str] = []
    new = _threads() - threads
    fresh = _tasks() - tasks
    if fresh and not new and _count() <= count:
        deadline = time.monotonic() + GRACE_S
        while _count() <= count and _tasks() & fresh and time.monotonic() < deadline:
            time.sleep(0.005)
        new = _threads() - threads
    if new or _count() > count:
        deadline = time.monotonic() + GRACE_S
        for thread in new:
            if isinstance(thread, threading.Thread):
                thread.join(max(0.0, deadline - time.monotonic()))
        while (_threads() & new or _count() > count) and time.monotonic() < deadline:
            time.sleep(0.005)  # (a thread of ``_thread``: nothing to join)
        if _threads() & new or _count() > count:
            left.append("thread")
    if any(now and not before for before, now in zip(armed, _armed())):
        left.append("timer")
    return tuple(left)


@dataclass
class Inputs:
    """One call's inputs: the caller's own (pristine: the function never saw them), the private copies the function
    was given, and their names; the arguments found changed so far are not reported again."""

    names: list[str]
    pristine: list[object]
    given: list[object]
    reported: set[str] = field(default_factory=set)

    def changed(self) -> tuple[str, ...]:
        """The names of the inputs the function's copies no longer equal, not reported before (now they are)."""
        found = tuple(n for n, b, a in zip(self.names, self.pristine, self.given)
                      if n not in self.reported and _changed(b, a))
        self.reported.update(found)
        return found


class InputWatch:
    """Purity over a function's whole check: its calls' inputs compared again after its next call and at the end.

    A function may keep the array it was given (in a global, a closure, a thread) and change it later: at its
    next call, or from a thread or timer it left running. :func:`invoke` compares each call's inputs when it
    returns; this keeps them, compares them again when the function is called next and when its checks end
    (:meth:`settle`), and remembers what any of its calls left running. Everything found is purity evidence
    for the function's ``-purity`` cell: an input changed after its call, or a thread or timer left alive.

    One watch serves one process's calls (the engine's child, or a notebook's kernel); it keeps the inputs of
    each function until :meth:`settle` (the function's checks are over).
    """

    def __init__(self) -> None:
        self._calls: dict[str, list[Inputs]] = {}
        self._found: dict[str, list[tuple[str, str]]] = {}

    def called(self, function: str, inputs: Inputs, mutated: tuple[str, ...], lingering: tuple[str, ...]) -> None:
        """``function`` was called on ``inputs``: the previous call's inputs are compared again, and what this call
        changed (``mutated``, compared when it returned) or left running (``lingering``) is noted."""
        calls = self._calls.setdefault(function, [])
        found = self._found.setdefault(function, [])
        if calls and calls[-1].changed():
            found.append(("changed", "next"))
        if mutated:
            found.append(("changed", "call"))
        found.extend((what, "call") for what in lingering)
        calls.append(inputs)

    def settle(self, function: str) -> tuple[tuple[str, str], ...]:
        """The end of ``function``'s checks: every input of its calls compared once more, then forgotten; returns
        what was found over all of its calls, ``(what, when)`` pairs: ``what`` is ``"changed"`` (an input) or one
        of :data:`LINGERING`, ``when`` is ``"call"`` (when the call returned), ``"next"`` (after the function's
        next call) or ``"end"`` (when its checks ended)."""
        found = self._found.pop(function, [])
        if any(inputs.changed() for inputs in self._calls.pop(function, [])):
            found.append(("changed", "end"))
        return tuple(dict.fromkeys(found))


def invoke(fn: Callable[..., object], args: Sequence[object] = (), kwargs: Mapping[str, object] | None = None,
           watch: InputWatch | None = None, function: str = "") -> Outcome:
    """Call ``fn(*args, **kwargs)`` on private copies and report the outcome.

    Floating-point errors are set to warn for the call (a submission cannot
    silence them globally with ``np.seterr``), every warning is recorded, and
    the copies are compared with pristine ones afterwards to detect in-place
    modification. What the call left running (a thread, a timer) is
    :attr:`Outcome.lingering`. With a ``watch``, the call's inputs are kept
    there under ``function`` to be compared again later (:class:`InputWatch`).
    """
    kwargs = dict(kwargs or {})
    call_args = tuple(_private(a) for a in args)
    call_kwargs = {k: _private(v) for k, v in kwargs.items()}
    # The function only ever sees the copies, so the caller's own arguments are the pristine ones.
    pristine = list(args) + list(kwargs.values())
    threads, tasks, armed, count = _threads(), _tasks(), _armed(), _count()
    with WARNINGS_LOCK, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
                result = fn(*call_args, **call_kwargs)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 — SystemExit too: a call must never end the run
            # A ValueError subclass (numpy's LinAlgError) is a ValueError, as
            # the contract asks; its own class name goes into the message.
            name = type(exc).__name__
            is_value_error = isinstance(exc, ValueError) and name != "ValueError"
            outcome = Outcome(
                status="raised",
                error_type="ValueError" if is_value_error else name,
                error_message=(f"{name}: {exc}" if is_value_error else str(exc))[:500],
            )
        else:
            outcome = Outcome(status="returned", value_type=type(result).__name__)
            try:
                outcome.value = to_plain(result)
            except NotNumbers as exc:
                outcome.value_type = str(exc)
    outcome.warnings = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
    outcome.lingering = _left_running(threads, tasks, armed, count)  # (a thread given time to end: compared after it)
    inputs = Inputs(_arg_names(args, kwargs), pristine, list(call_args) + list(call_kwargs.values()))
    outcome.mutated = inputs.changed()
    if watch is not None:
        watch.called(function, inputs, outcome.mutated, outcome.lingering)
    return outcome


def describe_definition(namespace: Mapping[str, object], name: str) -> str:
    """``""`` when ``namespace[name]`` is a callable; otherwise why not."""
    if name not in namespace:
        return f"`{name}` is not defined at the top level of the notebook"
    if not callable(namespace[name]):
        return f"`{name}` is defined but is not a function (it is a {type(namespace[name]).__name__})"
    return ""
