"""Call a submitted function once and describe what happened, as plain data.

This module runs on the untrusted side too (inside the grading engine's
sandboxed child), so it imports nothing but the standard library and NumPy,
and it turns whatever the function returned into plain numbers
(:func:`to_plain`) before anyone compares it with a reference. The in-kernel
path (``run_check`` in a notebook) goes through the very same functions, so
both ways of running a check reach the same verdict.
"""

from __future__ import annotations

import copy
import dis
import functools
import importlib
import sys
import threading
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

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
    """

    status: str
    value: Any = None
    value_type: str = ""
    error_type: str = ""
    error_message: str = ""
    warnings: tuple = ()
    mutated: tuple = field(default_factory=tuple)


class NotNumbers(TypeError):
    """A return value that is not numbers (or a tuple of numbers)."""


def to_plain(value, _depth=0):
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
        raise NotNumbers(f"an array of dtype {value.dtype}")
    if isinstance(value, (tuple, list)) and _depth < 2:
        return tuple(to_plain(v, _depth + 1) for v in value)
    raise NotNumbers(f"a {type(value).__module__}.{type(value).__qualname__}")


def _arg_names(args, kwargs):
    names = [f"argument {i + 1}" for i in range(len(args))]
    return names + [f"`{k}`" for k in kwargs]


def _changed(before, after):
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.dtype == after.dtype \
            and before.dtype != object:
        # bit for bit (nan payloads and -0.0 included): what an in-place write changes, at memcmp speed
        return before.shape != after.shape or before.tobytes() != after.tobytes()
    try:
        a, b = np.asarray(before), np.asarray(after)
        if a.dtype == object or b.dtype == object:
            return before != after
        return a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)
    except Exception:  # noqa: BLE001 — a comparison the student's objects refuse counts as a change
        return True


def _private(value):
    """A copy of one argument that the called function may modify freely (arrays and numbers the fast way)."""
    if type(value) is np.ndarray and value.dtype != object:
        return value.copy(order="K")  # as deepcopy does: the same memory layout
    if type(value) in (float, int, bool, str, type(None)):
        return value
    return copy.deepcopy(value)


def invoke(fn, args=(), kwargs=None) -> Outcome:
    """Call ``fn(*args, **kwargs)`` on private copies and report the outcome.

    Floating-point errors are set to warn for the call (a submission cannot
    silence them globally with ``np.seterr``), every warning is recorded, and
    the copies are compared with pristine ones afterwards to detect in-place
    modification.
    """
    kwargs = dict(kwargs or {})
    call_args = tuple(_private(a) for a in args)
    call_kwargs = {k: _private(v) for k, v in kwargs.items()}
    # The function only ever sees the copies, so the caller's own arguments are the pristine ones.
    pristine = list(args) + list(kwargs.values())
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
    after = list(call_args) + list(call_kwargs.values())
    names = _arg_names(args, kwargs)
    outcome.mutated = tuple(n for n, b, a in zip(names, pristine, after) if _changed(b, a))
    return outcome


# ---------------------------------------------------------------------------
# Errors carried forward: the other contract functions answered by the trusted side

#: At most this many calls of carried-forward functions are answered per probe …
MAX_CARRIED_CALLS = 10_000
#: … and at most this many argument elements (array entries, list items) in all.
MAX_CARRIED_ELEMENTS = 1_000_000
#: A carried-forward call whose result could hold more numbers than this (from its arguments' shapes, see
#: :func:`result_bound`) is not answered: the student's own function runs instead.
MAX_CARRIED_RESULT = 1_000_000

#: Exceptions a carried-forward answer may re-raise as themselves (others become RuntimeError).
_RAISABLE = {cls.__name__: cls for cls in (ValueError, TypeError, IndexError, ZeroDivisionError,
                                           OverflowError, FloatingPointError, ArithmeticError)}


def elements(value, _depth=0) -> int:
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


_ABSENT = object()

#: Longest a callee's own code may run to see whether it calls the caller back (see :meth:`Carried._trips`);
#: one that takes longer is taken not to (its answer is given, as for any callee).
DRY_RUN_S = 2.0


class _Alarm:
    """A wall-clock limit on the block (SIGALRM, in the main thread only; elsewhere no limit)."""

    def __init__(self, seconds: float):
        self.seconds, self.old = seconds, None

    def __enter__(self):
        import signal

        if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):
            def expired(*_):
                raise TimeoutError("the callee's own code ran too long")

            self.old = signal.signal(signal.SIGALRM, expired)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc):
        import signal

        if self.old is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.old)
        return False


def result_bound(args, kwargs) -> int:
    """An upper bound of the numbers a contract function's result holds, from its arguments' shapes alone.

    Each array-like argument (arrays, nested lists of numbers) is aligned on
    its last axis, as broadcasting does, and the bound is the product of the
    largest length on each axis: every broadcast result, and every batch of
    matrices built from the arguments, fits in it (shapes ``(n, 1)`` and
    ``(1, n)``: ``n²``). Nothing is computed; an argument whose shape cannot be
    read counts as its number of elements.
    """
    dims: list = []
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


def carried_result(reply: dict, from_wire):
    """The value a carried-forward call returns, from the trusted side's ``reply``.

    ``reply`` is ``{"value": wire}``, ``{"raised": name, "message": text}``
    or ``{"declined": why}``; ``from_wire`` decodes values (the engine's
    :func:`autograder.sandbox.wire.from_wire`). Raises the reference's
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


class Carried:
    """Errors carried forward: during one call, ``names`` are answered by ``ask``.

    A function under test that calls another contract function of its
    problem set (``gaussian_log_likelihood`` summing the student's own
    ``gaussian_log_pdf``) is graded as if that callee were correct. For the
    call only, each of ``names`` that the notebook itself defined (a
    function whose globals are ``namespace``) is rebound to a stub that
    asks the trusted side: ``ask(name, args, kwargs)`` returns the reply for
    :func:`carried_result` (the reference's value, its exception, or
    declined). A declined call, one beyond :data:`MAX_CARRIED_CALLS` or
    :data:`MAX_CARRIED_ELEMENTS`, and any call after the window (a stub the
    function kept) run the student's own function instead. The names are
    restored on exit.

    A callee that itself reaches ``caller`` (``log_softmax = log(softmax)``
    with ``softmax = exp(log_softmax)``: a circle that never computes
    anything) is not answered: credit goes only along calls that end in the
    student's own code, and the circle fails, as it does when run. Read
    from the bytecode (:func:`reaches`) and, with ``probe_circles``, also by
    running the callee's own code once on the call's arguments with the
    caller replaced by a tripwire (other callees running their own code too),
    so that a circle through computed lookups (``globals()["log_softmax"]``)
    is found as well. (The grading engine's parent does not rely on the
    child for this: it decides from the callbacks it answered, see
    ``autograder.checks.evaluate.circle``.)

    Not covered: a callee captured before the call (a default argument
    ``def f(z, _ls=log_softmax)``, a closure, an alias under another name);
    names not yet defined stay undefined, as in the notebook.
    """

    def __init__(self, namespace, caller, names, ask, from_wire, probe_circles=False):
        self.namespace, self.ask, self.from_wire = namespace, ask, from_wire
        self.caller = caller
        self.names = tuple(names)
        self.saved = {}
        self.circular = {}
        self.active = False
        self.dry = False  # running a callee's own code to see whether it calls the caller back
        self.probe_circles = probe_circles
        self.calls = 0
        self.elements = 0

    def _circular(self, name, args=(), kwargs=None) -> bool:
        """Whether the student's own ``name`` reaches the caller (decided once per call)."""
        if name not in self.circular:
            circular = reaches(self.saved[name], self.caller, self.namespace, self.saved)
            if not circular and self.probe_circles:
                circular = self._trips(name, args, kwargs or {})
            self.circular[name] = circular
        return self.circular[name]

    def _trips(self, name, args, kwargs) -> bool:
        """Run the own ``name`` once on copies of the arguments, the caller a tripwire: did it call the caller?"""
        ns, tripped = self.namespace, []
        caller = ns.get(self.caller, _ABSENT)

        def tripwire(*_args, **_kwargs):
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

    def _stub(self, name, own):
        def carried_forward(*args, **kwargs):
            if not self.active or self.dry or self._circular(name, args, kwargs):
                return own(*args, **kwargs)
            size = elements(args) + elements(kwargs)
            if self.calls >= MAX_CARRIED_CALLS or self.elements + size > MAX_CARRIED_ELEMENTS:
                return own(*args, **kwargs)
            self.calls += 1
            self.elements += size
            try:
                return carried_result(self.ask(name, args, kwargs), self.from_wire)
            except Declined:
                return own(*args, **kwargs)

        carried_forward.__name__ = carried_forward.__qualname__ = name
        carried_forward.__doc__ = own.__doc__
        return carried_forward

    def __enter__(self):
        ns = self.namespace
        for name in self.names:
            own = ns.get(name)
            if isinstance(own, types.FunctionType) and own.__globals__ is ns:
                self.saved[name] = own
                ns[name] = self._stub(name, own)
        self.active = True
        return self

    def __exit__(self, *exc):
        self.active = False
        for name, own in self.saved.items():
            self.namespace[name] = own
        return False


def reaches(fn, name: str, namespace, swapped=None) -> bool:
    """Whether ``fn``, or a notebook function it calls, refers to the global ``name`` (or its object).

    Read from the bytecode, as :func:`forbidden_uses` does: global loads and
    closures, descending into functions whose globals are ``namespace``;
    ``swapped`` maps names whose namespace entry is a stub for now to the
    student's own function (see :class:`Carried`).
    """
    swapped = swapped or {}
    target = namespace.get(name)
    walk = _Walk(fn)
    for f in walk:
        code = getattr(f, "__code__", None)
        if code is None:
            continue
        for chain in _chains(code):
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


# ---------------------------------------------------------------------------
# Which library objects does a function use?


#: Objects of forbidden names resolved in advance by :func:`pin` (``None`` for an absent name).
_PINNED: dict = {}


def pin(names) -> None:
    """Resolve the dotted ``names`` now; :func:`forbidden_uses` compares with these objects from then on.

    The grading engine's zygote calls it before any student code runs:
    :func:`forbidden_uses` resolves names such as ``scipy.special.softmax``
    through ``sys.modules`` when asked, and a submission could have replaced
    those entries (or the attributes) by then to hide its use of them. A name
    pinned while absent stays absent (``None``). Pinning again adds or
    refreshes names.

    Parameters
    ----------
    names : iterable of str
        Dotted names of library objects or modules (``"scipy.special.softmax"``).

    Raises
    ------
    TypeError
        When a name is not a string.
    """
    names = list(names)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"pin: `names` must hold dotted names as str, got {type(name).__name__}")
    _PINNED.update({name: _lookup(name) for name in names})


def _resolve(dotted):
    """The object a dotted name refers to: the pinned one, else :func:`_lookup`'s."""
    if dotted in _PINNED:
        return _PINNED[dotted]
    return _lookup(dotted)


def _lookup(dotted):
    """The object a dotted name refers to, importing its module; None if absent."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        modname = ".".join(parts[:cut])
        try:
            obj = sys.modules.get(modname) or importlib.import_module(modname)
        except Exception:  # noqa: BLE001 — a module that fails to import is not the name's owner
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def _object_module(obj):
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    mod = getattr(obj, "__module__", None)
    if isinstance(mod, str):
        return mod
    mod = getattr(type(obj), "__module__", None)
    return mod if isinstance(mod, str) else ""


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


class _Walk:
    """Each object once, depth first, from ``start``: iterate, and :meth:`push` what to visit next.

    The contents of a visited function's closure cells are visited too.
    """

    def __init__(self, start):
        self.stack, self.seen = [start], set()

    def push(self, obj) -> None:
        self.stack.append(obj)

    def __iter__(self):
        while self.stack:
            f = self.stack.pop()
            if id(f) in self.seen:
                continue
            self.seen.add(id(f))
            yield f
            for cell in getattr(f, "__closure__", None) or ():
                try:
                    self.push(cell.cell_contents)
                except ValueError:  # empty cell
                    pass


def _chains(code):
    """Attribute chains a code object loads: ("global"|"local", root, attrs…) and imports."""
    for co in _code_objects(code):
        chain = None
        for ins in dis.get_instructions(co):
            op = ins.opname
            if op in ("LOAD_GLOBAL", "LOAD_NAME"):
                if chain:
                    yield chain
                chain = ["global", ins.argval]
            elif op in ("LOAD_FAST", "LOAD_DEREF"):
                if chain:
                    yield chain
                chain = ["local", ins.argval]
            elif op in ("LOAD_ATTR", "LOAD_METHOD") and chain:
                chain.append(ins.argval)
            elif op == "IMPORT_NAME":
                if chain:
                    yield chain
                chain = ["import", ins.argval]
            elif op == "IMPORT_FROM" and chain and chain[0] == "import":
                yield ["import", f"{chain[1]}.{ins.argval}"]
            else:
                if chain:
                    yield chain
                chain = None
        if chain:
            yield chain


def forbidden_uses(fn, forbidden, skip=()) -> tuple:
    """Names from ``forbidden`` that ``fn`` (or notebook code it reaches) uses.

    ``forbidden`` holds dotted names of library objects
    (``"scipy.special.softmax"``) or module prefixes (``"torch"``). A use is
    found by walking the function's bytecode: names loaded from its globals
    (and attribute chains on them, ``scipy.special.softmax``), its closure,
    imports inside the function, and recursively what the notebook itself
    defined that it reaches: its functions, its classes (every method, so
    ``LogSoftmax()._forward`` is followed), instances of them (``__call__``
    included), default arguments (``def f(z, _f=logsumexp)``), the function
    a decorator wrapped (``__wrapped__``, closures), ``functools.partial``
    objects, bound methods and containers (lists, tuples, dicts, sets) of
    any of these. ``fn`` being the forbidden object itself (an alias,
    ``softmax = scipy.special.softmax``) counts too.

    ``skip`` names global functions not to descend into: the other contract
    functions of the problem set, graded on their own (errors carried
    forward, see :class:`Carried`). Only a function the notebook defined is
    skipped; a skipped name bound to a library object
    (``from scipy.special import logsumexp``) is still a use.
    """
    uses = _Uses(forbidden)
    walk = _Walk(fn)
    g = getattr(fn, "__globals__", None)
    if g is None:  # an instance, a partial, a container: whose notebook?
        g = _notebook_globals(fn)
    for f in walk:
        uses.note_object(f)
        _expand(f, g, uses, walk)
        code = getattr(f, "__code__", None) if isinstance(f, types.FunctionType) else None
        if code is not None:
            _note_code(f, code, uses, walk, skip)
    return tuple(sorted(uses.found))


#: At most this many objects are looked at for one function (a notebook's own objects are few).
MAX_WALK = 5000


def _notebook_globals(obj):
    """The globals of the notebook that defined ``obj`` (an instance, a class, a partial), or None."""
    for candidate in (obj, type(obj), getattr(obj, "func", None), getattr(obj, "__func__", None)):
        for value in vars(candidate).values() if isinstance(candidate, type) else (candidate,):
            g = getattr(value, "__globals__", None)
            if isinstance(g, dict):
                return g
    return None


def _defined_by(obj, g) -> bool:
    """Whether ``obj`` (a function or a class) was defined by the code whose globals are ``g``."""
    if g is None:
        return False
    if isinstance(obj, types.FunctionType):
        return obj.__globals__ is g
    if isinstance(obj, type):
        if getattr(obj, "__module__", None) == g.get("__name__", object()):
            return True
        return any(isinstance(v, types.FunctionType) and v.__globals__ is g for v in _members_of(obj))
    return False


def _members_of(cls):
    """The functions and other attributes of a class's own namespace (methods unwrapped)."""
    try:
        values = list(vars(cls).values())
    except TypeError:
        return []
    out = []
    for value in values:
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            out.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
        else:
            out.append(value)
    return out


def _expand(obj, g, uses: "_Uses", walk: "_Walk") -> None:
    """Push what ``obj`` (already noted) holds that the notebook defined, or that may be a forbidden object."""
    if len(walk.seen) > MAX_WALK:
        return
    if isinstance(obj, types.FunctionType):
        held = list(obj.__defaults__ or ()) + list((obj.__kwdefaults__ or {}).values())
        wrapped = obj.__dict__.get("__wrapped__")
        if wrapped is not None:
            held.append(wrapped)
    elif isinstance(obj, type):
        if not _defined_by(obj, g):
            return
        held = _members_of(obj) + [b for b in obj.__bases__ if _defined_by(b, g)]
    elif isinstance(obj, (types.MethodType, staticmethod, classmethod)):
        held = [obj.__func__, getattr(obj, "__self__", None)]
    elif isinstance(obj, functools.partial):
        held = [obj.func, *obj.args, *obj.keywords.values()]
    elif isinstance(obj, (list, tuple, set, frozenset)):
        held = list(obj)[:200]
    elif isinstance(obj, dict):
        held = list(obj.values())[:200]
    elif _defined_by(type(obj), g):  # an instance of a notebook class: its class and what it holds
        held = [type(obj)]
        try:
            held += list(vars(obj).values())[:200]
        except TypeError:
            pass
    else:
        return
    for item in held:
        if item is None or isinstance(item, (int, float, str, bytes, bool, complex, np.ndarray)):
            continue
        walk.push(item)


class _Uses:
    """The forbidden names found so far, and how an object or a dotted name is matched against them.

    A name that resolves to an object (``scipy.special.softmax``) matches that
    very object; one that does not, or names a module (``torch``), matches
    every object defined in that module or below it.
    """

    def __init__(self, forbidden):
        self.forbidden = tuple(forbidden)
        self.targets, self.prefixes, self.found = {}, [], set()
        for name in self.forbidden:
            obj = _resolve(name)
            if obj is None or isinstance(obj, types.ModuleType):
                self.prefixes.append(name)
            else:
                self.targets[id(obj)] = name

    def note_object(self, obj) -> None:
        if id(obj) in self.targets:
            self.found.add(self.targets[id(obj)])
            return
        mod = _object_module(obj)
        for p in self.prefixes:
            if mod == p or mod.startswith(p + "."):
                self.found.add(p)

    def note_name(self, dotted) -> None:
        for name in self.forbidden:
            if dotted == name or dotted.startswith(name + "."):
                self.found.add(name)


def _note_code(f, code, uses: _Uses, walk: _Walk, skip) -> None:
    """The uses in one function's bytecode; the notebook functions it calls (not in ``skip``) go on ``walk``."""
    g = getattr(f, "__globals__", {})
    imported = []
    for chain in _chains(code):
        kind, root, attrs = chain[0], chain[1], chain[2:]
        if kind == "import":
            imported.append(root)
            uses.note_name(root)
            continue
        if kind == "local":
            for mod in imported:
                uses.note_name(".".join([mod, *attrs]))
            continue
        if root not in g:  # a builtin, or a name not (yet) defined
            continue
        obj = g[root]
        uses.note_object(obj)
        for attr in attrs:
            try:
                obj = getattr(obj, attr)
            except Exception:  # noqa: BLE001 — an attribute a student object refuses ends the chain
                break
            uses.note_object(obj)
        if root in skip and not attrs and isinstance(obj, types.FunctionType) and obj.__globals__ is g:
            continue  # another contract function: graded on its own
        if _defined_by(obj, g) or _defined_by(type(obj), g) or (not attrs and isinstance(
                obj, (list, tuple, dict, set, frozenset, functools.partial, types.MethodType))):
            walk.push(obj)  # (a container only when the notebook holds it in a global of its own)


def describe_definition(namespace, name) -> str:
    """``""`` when ``namespace[name]`` is a callable; otherwise why not."""
    if name not in namespace:
        return f"`{name}` is not defined at the top level of the notebook"
    if not callable(namespace[name]):
        return f"`{name}` is defined but is not a function (it is a {type(namespace[name]).__name__})"
    return ""
