"""Errors carried forward, on the side that runs the call: the other contract functions answered by the grader.

Untrusted side (a leaf: the standard library and NumPy). During one call of a
function under test, the notebook's own functions of the other contract names (plain functions, callable
objects, methods, decorated functions: :func:`body_of`) are swapped for stubs that ask the trusted side
(:class:`CalleeStubs`); what
it answers, within the bounds below, is the reference's result
(:func:`stub_value`), and a callee that refers back to the caller is left
to run on its own (:func:`refers_to`).
"""

from __future__ import annotations

import copy
import functools
import threading
import types
import warnings
from collections.abc import Callable, Iterable, Mapping, Sized
from typing import Any, Literal, NoReturn, cast

import numpy as np

from autograder.perimeter.child_runtime.invoke import WARNINGS_LOCK
from autograder.perimeter.guard.forbidden_walk import Walk, chains

#: A global or closure dict, list or tuple of at most this many items is looked into for a carried callee (a table
#: of functions; a larger one is the notebook's data).
MAX_HELD = 64
_HELD_TYPES = (dict, list, tuple)
#: At most this many calls of carried-forward functions are answered per probe …
MAX_CARRIED_CALLS = 10_000
#: … and at most this many argument elements (array entries, list items) in all.
MAX_CARRIED_ELEMENTS = 1_000_000
#: A carried-forward call whose result could hold more numbers than this (from its arguments' shapes, see
#: :func:`result_bound`) is not answered: the student's own function runs instead.
MAX_CARRIED_RESULT = 1_000_000

#: What a stub asks the trusted side: ``ask(name, args, kwargs)`` -> its reply (:func:`stub_value`).
Ask = Callable[[str, tuple[Any, ...], dict[str, Any]], object]

#: Exceptions a carried-forward answer may re-raise as themselves (others become RuntimeError).
_RAISABLE = {cls.__name__: cls for cls in (ValueError, TypeError, IndexError, ZeroDivisionError,
                                           OverflowError, FloatingPointError, ArithmeticError)}


def elements(value: object, _depth: int = 0) -> int:
    """How many numbers ``value`` holds, as counted against :data:`MAX_CARRIED_ELEMENTS`.

    An array counts its size, a list/tuple/dict the sum of its items (each at
    least 1), anything else 1. Nesting deeper than 16 counts as over budget.
    """
    if _depth > 16:
        return MAX_CARRIED_ELEMENTS + 1
    if isinstance(value, np.ndarray):
        return int(value.size)
    if isinstance(value, (list, tuple)):
        return sum(elements(v, _depth + 1) for v in value) or 1
    if isinstance(value, dict):
        return sum(elements(v, _depth + 1) for v in value.values()) or 1
    return 1



def leads_to(calls: Mapping[str | None, Iterable[str]], start: str, goal: str) -> bool:
    """Whether ``goal`` is ``start`` or reachable from it in ``calls`` (each function -> the functions it
    asked for): how the grader's session declines a carried call back to the caller, and how the checks'
    circle rule (:func:`autograder.checks.circles.circle`) tells one after the fact."""
    todo, seen = [start], set()
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(calls.get(name, ()))
    return False


_ABSENT = object()

#: Longest a callee's own code may run to see whether it calls the caller back (see :meth:`CalleeStubs._trips`);
#: one that takes longer is taken not to (its answer is given, as for any callee).
DRY_RUN_S = 2.0


class _Alarm:
    """A wall-clock limit on the block (SIGALRM, in the main thread only; elsewhere no limit)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.old: Any = None

    def __enter__(self) -> _Alarm:
        import signal

        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            def expired(*_: object) -> None:
                raise TimeoutError("the callee's own code ran too long")

            self.old = signal.signal(signal.SIGALRM, expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        import signal

        if self.old is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)
        return False


def result_bound(args: Iterable[Any], kwargs: Mapping[str, Any] | None) -> int:
    """An upper bound of the numbers a contract function's result holds, from its arguments' shapes alone.

    Each array-like argument (arrays, nested lists of numbers) is aligned on
    its last axis, as broadcasting does, and the bound is the product of the
    largest length on each axis: every broadcast result, and every batch of
    matrices built from the arguments, fits in it (shapes ``(n, 1)`` and
    ``(1, n)``: ``n²``). Nothing is computed; an argument whose shape cannot be
    read counts as its number of elements.
    """
    dims: list[int] = []
    total = 1
    for value in list(args) + list((kwargs or {}).values()):
        if isinstance(value, (str, bytes, bool, int, float, complex)) or value is None:
            continue
        try:
            shape = np.shape(value)
        except (ValueError, TypeError, RecursionError):
            total = max(total, elements(value))
            continue
        shape = tuple(int(n) for n in shape)[-32:]
        for i, n in enumerate(reversed(shape)):
            if i == len(dims):
                dims.append(n)
            elif n > dims[i]:
                dims[i] = n
    bound = 1
    for n in dims:
        bound *= max(n, 1)
    return max(bound, total)


class Declined(Exception):
    """The trusted side does not answer this call: the student's own function runs instead."""


def stub_value(reply: object, from_wire: Callable[[Any], Any]) -> Any:
    """The value a carried-forward call returns, from the trusted side's ``reply``.

    ``reply`` is ``{"value": wire}``, ``{"raised": name, "message": text}``
    or ``{"declined": why}``; ``from_wire`` decodes values (the engine's
    :func:`autograder.perimeter.child_runtime.wire.from_wire`). Raises the reference's
    exception (:data:`_RAISABLE` by name, else ``RuntimeError``) or
    :class:`Declined`.
    """
    if not isinstance(reply, dict) or "declined" in reply:
        raise Declined(str(reply.get("declined", "no answer")) if isinstance(reply, dict) else "no answer")
    if "raised" in reply:
        cls = _RAISABLE.get(str(reply["raised"]), RuntimeError)
        raise cls(str(reply.get("message", ""))[:500])
    if "value" not in reply:
        raise Declined("no value")
    return from_wire(reply["value"])


class CalleeStubs:
    """Errors carried forward: during one call, ``names`` are answered by ``ask``.

    A function under test that calls another contract function of its
    problem set (``gaussian_log_likelihood`` summing the student's own
    ``gaussian_log_pdf``) is graded as if that callee were correct. For the
    call only, each of ``names`` that the notebook itself defined (a
    function whose globals are ``namespace``) is rebound to a stub that
    asks the trusted side: ``ask(name, args, kwargs)`` returns the reply for
    :func:`stub_value` (the reference's value, its exception, or
    declined). A declined call, one beyond :data:`MAX_CARRIED_CALLS` or
    :data:`MAX_CARRIED_ELEMENTS`, and any call after the window (a stub the
    function kept) run the student's own function instead. The names are
    restored on exit.

    A callee that itself refers_to ``caller`` (``log_softmax = log(softmax)``
    with ``softmax = exp(log_softmax)``: a circle that never computes
    anything) is not answered: credit goes only along calls that end in the
    student's own code, and the circle fails, as it does when run. Read
    from the bytecode (:func:`refers_to`) and, with ``probe_circles``, also by
    running the callee's own code once on the call's arguments with the
    caller replaced by a tripwire (other callees running their own code too),
    so that a circle through computed lookups (``globals()["log_softmax"]``)
    is found as well. (The grading engine's parent does not rely on the
    child for this: it decides from the callbacks it answered, see
    ``autograder.checks.circles.circle``.)

    A callee defined in the caller's own cell (:func:`same_cell`: a ``logsumexp`` written again above the
    ``log_softmax`` that uses it) is part of the caller's answer, not another answer to carry forward: it runs
    as written.

    A callee's other names answer as it does during the call: a global bound to it (``lse = logsumexp``), a
    default argument of the caller's (``def f(z, _ls=log_softmax)``), a cell of the caller's closure
    (``log_softmax = make(logsumexp)``), and an item of a dict, list or tuple of at most :data:`MAX_HELD` items
    held by that closure or by a global the caller's own code names (``OPS = {"lse": logsumexp}``; a list or dict
    is changed in place and its items put back on exit, a tuple's name is bound to a copy). Names not yet defined
    stay undefined, as in the notebook.
    """

    def __init__(self, namespace: dict[str, Any], caller: str, names: Iterable[str], ask: Ask,
                 from_wire: Callable[[Any], Any], probe_circles: bool = False):
        self.namespace, self.ask, self.from_wire = namespace, ask, from_wire
        self.caller = caller
        self.names = tuple(names)
        self.saved: dict[str, Callable[..., Any]] = {}  # name -> the notebook's own object, restored on exit
        self.bodies: dict[str, types.FunctionType] = {}  # name -> the function whose body it runs (:func:`body_of`)
        self.aliases: dict[str, object] = {}  # another name bound to a callee -> the object, restored on exit
        self.defaults: tuple[types.FunctionType, Any, Any] | None = None  # the caller's defaults, restored on exit
        self.held: list[tuple[Any, Any, object, object]] = []  # (list or dict or cell, key, own, stand-in), put back
        self.circular: dict[str, bool] = {}
        self.active = False
        self.dry = False  # running a callee's own code to see whether it calls the caller back
        self.probe_circles = probe_circles
        self.calls = 0
        self.elements = 0

    def _circular(self, name: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None) -> bool:
        """Whether the student's own ``name`` refers_to the caller (decided once per call)."""
        if name not in self.circular:
            circular = refers_to(self.bodies[name], self.caller, self.namespace, self.bodies)
            if not circular and self.probe_circles:
                circular = self._trips(name, args, kwargs or {})
            self.circular[name] = circular
        return self.circular[name]

    def _trips(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Run the own ``name`` once on copies of the arguments, the caller a tripwire: did it call the caller?"""
        ns = self.namespace
        tripped: list[bool] = []
        caller = ns.get(self.caller, _ABSENT)

        def tripwire(*_args: object, **_kwargs: object) -> NoReturn:
            tripped.append(True)
            raise RecursionError("a circle of carried-forward functions")

        ns[self.caller] = tripwire
        self.dry = True
        alarm = _Alarm(DRY_RUN_S)
        try:
            with alarm, WARNINGS_LOCK, warnings.catch_warnings(record=True), np.errstate(all="ignore"):
                self.saved[name](*copy.deepcopy(tuple(args)), **copy.deepcopy(dict(kwargs)))
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 — only whether the tripwire was touched matters
            pass
        finally:
            self.dry = False
            if caller is _ABSENT:
                ns.pop(self.caller, None)
            else:
                ns[self.caller] = caller
        return bool(tripped)

    def _stub(self, name: str, own: Callable[..., Any]) -> Callable[..., Any]:
        def stub(*args: Any, **kwargs: Any) -> Any:
            if not self.active or self.dry or self._circular(name, args, kwargs):
                return own(*args, **kwargs)
            size = elements(args) + elements(kwargs)
            if self.calls >= MAX_CARRIED_CALLS or self.elements + size > MAX_CARRIED_ELEMENTS:
                return own(*args, **kwargs)
            self.calls += 1
            self.elements += size
            try:
                return stub_value(self.ask(name, args, kwargs), self.from_wire)
            except Declined:
                return own(*args, **kwargs)

        stub.__name__ = stub.__qualname__ = name
        stub.__doc__ = own.__doc__
        return stub

    def __enter__(self) -> CalleeStubs:
        ns = self.namespace
        caller = ns.get(self.caller)
        stands: dict[int, tuple[object, Callable[..., Any]]] = {}  # id(own) -> (own, what answers for it)
        for name in self.names:
            own = ns.get(name)
            body = body_of(own)
            if own is not None and body is not None and body.__globals__ is ns and not same_cell(body, caller):
                self.saved[name], self.bodies[name] = own, body
                stub = self._stub(name, own)
                ns[name] = stub if own is body else StandIn(stub, own)
                stands[id(own)] = (own, ns[name])
        if stands:
            self._other_names(caller, stands)
        self.active = True
        return self

    def _other_names(self, caller: object, stands: dict[int, tuple[object, Callable[..., Any]]]) -> None:
        """The other names a carried callee goes by answer as its stub does (restored on exit): a global bound to
        it (``lse = logsumexp``), a default argument of the caller's that is it (``def f(z, _lse=logsumexp)``), a
        cell of the caller's closure, and an item of a global's or closure cell's dict, list or tuple."""
        ns = self.namespace

        def stand(value: object) -> Callable[..., Any] | None:
            found = stands.get(id(value))
            return found[1] if found is not None and found[0] is value else None

        body = body_of(caller)
        own = body is not None and body.__globals__ is ns
        read = names_read(body.__code__) if body is not None and own else frozenset()
        for key, value in list(ns.items()):
            answer = stand(value)
            if answer is not None and key not in self.saved and key != self.caller:
                self.aliases[key] = value
                ns[key] = answer
        for key in read:  # (a few names: not every global, which every call would pay for)
            value = ns.get(key)
            held = self._held_in(value, stand) if type(value) in _HELD_TYPES else None
            if held is not None:  # (a tuple's copy; a list's or dict's items were replaced in place)
                self.aliases[key] = value
                ns[key] = held
        if body is None or not own:
            return
        for cell in body.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:  # (an empty cell: a name the enclosing function has not bound yet)
                continue
            stand_in: object = stand(value)
            if stand_in is None:
                stand_in = self._held_in(value, stand)
            if stand_in is not None:
                self.held.append((cell, None, value, stand_in))
                cell.cell_contents = stand_in
        defaults, kwdefaults = body.__defaults__ or (), body.__kwdefaults__ or {}
        if any(stand(d) is not None for d in (*defaults, *kwdefaults.values())):
            self.defaults = (body, body.__defaults__, body.__kwdefaults__)
            body.__defaults__ = tuple(stand(d) or d for d in defaults) if defaults else body.__defaults__
            body.__kwdefaults__ = {k: stand(d) or d for k, d in kwdefaults.items()} if kwdefaults else None

    def _held_in(self, value: object, stand: Callable[[object], Callable[..., Any] | None]) -> object | None:
        """What stands for a container that holds a carried callee: a tuple's copy with the stand-ins (None when
        it holds none); a dict's or list's items are replaced in place (put back on exit), and None returned.
        Only a plain dict (its keys plain strings or integers), list or tuple — never a subclass, so that no
        method of the notebook's runs — of at most :data:`MAX_HELD` items."""
        kind = type(value)
        if kind not in _HELD_TYPES or len(cast(Sized, value)) > MAX_HELD:
            return None
        if kind is tuple:
            items = cast(tuple[object, ...], value)
            answers = [stand(item) for item in items]
            if all(a is None for a in answers):
                return None
            return tuple(i if a is None else a for a, i in zip(answers, items, strict=True))
        pairs = list(cast(dict[Any, object], value).items()) if kind is dict else \
            list(enumerate(cast(list[object], value)))
        for key, item in pairs:
            answer = stand(item) if type(key) in (str, int) else None
            if answer is not None:
                self.held.append((value, key, item, answer))
                cast(Any, value)[key] = answer
        return None

    def __exit__(self, *exc: object) -> Literal[False]:
        self.active = False
        for name, own in {**self.saved, **self.aliases}.items():
            self.namespace[name] = own
        for place, key, own, answer in reversed(self.held):  # (only what still holds the stand-in: the call may
            if type(place) is types.CellType:                  # have changed its containers itself)
                try:
                    if place.cell_contents is answer:
                        place.cell_contents = own
                except ValueError:  # (emptied by the call: ``del`` of a nonlocal name)
                    pass
            elif type(place) is dict and place.get(key) is answer:
                place[key] = own
            elif type(place) is list and key < len(place) and place[key] is answer:
                place[key] = own
        if self.defaults is not None:
            body, defaults, kwdefaults = self.defaults
            body.__defaults__, body.__kwdefaults__ = defaults, kwdefaults
        return False


class StandIn:
    """What stands for a notebook's callee that is not a plain function (a callable object, a bound method, a
    decorated function) while it is carried forward: calling it calls ``stub``; any attribute it is asked for is
    the object's own (``layer.forward(z)`` runs the student's code, as it ran before)."""

    __slots__ = ("_own", "_stub")

    def __init__(self, stub: Callable[..., Any], own: object) -> None:
        self._stub, self._own = stub, own

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._stub(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._own, name)


def names_read(code: types.CodeType) -> frozenset[str]:
    """The global and attribute names ``code`` and the code nested in it (its inner functions, lambdas and
    comprehensions) name: the globals a function may read, and more. (Read at each call, in about a
    microsecond: a cache would be module state the sandbox does without.)"""
    out: set[str] = set()
    todo = [code]  # (a stack, not recursion: however deep the student nested their functions)
    while todo:
        item = todo.pop()
        out.update(item.co_names)
        todo.extend(const for const in item.co_consts if isinstance(const, types.CodeType))
    return frozenset(out)


def same_cell(callee: types.FunctionType, caller: object) -> bool:
    """Whether ``callee`` was defined by the same cell's code as ``caller`` (the file name Python compiled both
    from: IPython and ipykernel name each cell's code apart); the caller's code is where its body was written
    (:func:`body_of`)."""
    body = body_of(caller)
    return body is not None and callee.__code__.co_filename == body.__code__.co_filename


#: How many wrappers :func:`body_of` unwraps before it gives up (a chain that long is no notebook's own).
MAX_UNWRAP = 16


def body_of(obj: object) -> types.FunctionType | None:
    """The function whose body ``obj`` runs, as the notebook wrote it: a function itself; under a decorator that
    kept ``__wrapped__`` (``functools.wraps``, ``functools.lru_cache``), the decorated function, not the wrapper
    (which may come from another cell, or a library); a bound or static method's function, a ``functools.partial``'s,
    and a callable object's class's ``__call__`` (``log_softmax = LogSoftmax()``). None for anything else (a
    builtin, a ufunc, a class).

    Read from the objects' own dictionaries and slots, so no attribute hook of the notebook's runs; at most
    :data:`MAX_UNWRAP` steps."""
    for _ in range(MAX_UNWRAP):
        kind = type(obj)  # (never isinstance: it asks the object's own __class__, which a notebook's class may define)
        wrapped = None if issubclass(kind, type) else _own_attribute(obj, "__wrapped__")
        if wrapped is not None:
            obj = wrapped
        elif issubclass(kind, types.FunctionType):
            return cast(types.FunctionType, obj)
        elif issubclass(kind, (types.MethodType, staticmethod, classmethod)):
            obj = cast(types.MethodType, obj).__func__
        elif issubclass(kind, functools.partial):
            obj = cast(functools.partial[Any], obj).func
        else:
            obj = next((k.__dict__["__call__"] for k in kind.__mro__ if "__call__" in k.__dict__), None)
            if not issubclass(type(obj), (types.FunctionType, staticmethod, classmethod)):
                return None
    return None


def _own_attribute(obj: object, name: str) -> object:
    """``obj``'s own instance attribute ``name``, None when it has none: read from its ``__dict__`` as ``object``
    finds it, so no ``__getattr__`` or ``__getattribute__`` of the notebook's classes runs."""
    try:
        own = object.__getattribute__(obj, "__dict__")
    except (AttributeError, TypeError):
        return None
    return own.get(name) if isinstance(own, dict) else None


def refers_to(fn: object, name: str, namespace: dict[str, Any],
              swapped: dict[str, types.FunctionType] | None = None) -> bool:
    """Whether ``fn``, or a notebook function it calls, refers to the global ``name`` (or its object).

    Read from the bytecode, as :func:`~.forbidden_walk.forbidden_uses` does: global loads and
    closures, descending into functions whose globals are ``namespace``;
    ``swapped`` maps names whose namespace entry is a stub for now to the
    student's own function (see :class:`CalleeStubs`).
    """
    swapped = swapped or {}
    target = namespace.get(name)
    walk = Walk(fn)
    for f in walk:
        code = getattr(f, "__code__", None)
        if code is None:
            continue
        for chain in chains(code):
            if chain[0] != "global":
                continue
            if chain[1] == name:
                return True
            obj = swapped.get(chain[1], namespace.get(chain[1]))
            if target is not None and obj is target:
                return True
            if isinstance(obj, types.FunctionType) and obj.__globals__ is namespace:
                walk.push(obj)
    return False
