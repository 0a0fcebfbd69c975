"""Forbidden library functions made unusable in the process that runs student code.

UNTRUSTED SIDE. The rule: **in an armed process a forbidden object never
computes**, whoever calls it — student code, a library function student code
called, a callback. There is no exception for library code: SciPy's one-line
helper around ``logsumexp`` refuses like ``logsumexp`` itself, and so does a
distribution whose ``cdf`` is ``expit``. A refusal is a
:class:`ForbiddenFunctionError` whose message names the forbidden object.

Two steps, so that a batch pays the expensive part once:

* :func:`prepare` *plans*, in the grading engine's zygote (once, before any
  child exists, with every forbidden name of the batch) or at the start of a
  plain-nbgrader kernel. It finds each forbidden object (a *group*) and what
  computes it:

  - a Python function (``scipy.special.logsumexp``): the function, what it
    wraps (``__wrapped__``, a decorator's closure holding a function of the same
    name), the private helpers of its own module that its code names
    (``co_names``: ``_logsumexp``), transitively, and any other function object
    built from one of those code objects;
  - an instance (``scipy.stats.norm``) or a class: every function of its class
    and the private helpers of its module that they name (``_norm_pdf``); the
    generic base-class methods stay, and cannot compute anything alone;
  - a ufunc, a builtin or another compiled object (``scipy.special.expit``):
    every reference the heap holds to it (``gc.get_referrers``: module
    dictionaries, the cached copy CPython keeps of a single-phase extension
    module's dictionary, containers, attributes, cells, default arguments);
  - a module prefix (``torch``): nothing to plan, it is not importable once armed.

  It also builds the *gates* (:mod:`~autograder.perimeter.guard.gates`): code that only
  raises (compiled from a template, the error class and message put in with
  ``code.replace(co_consts=…)``), one per function, with as many free variables
  as that function's closure.

* :func:`arm` *applies* the plan for the process's own problem set's names, once,
  before any student code runs (the sandboxed child, the kernel): each
  function's ``__code__`` becomes its gate (the function keeps its identity, so
  every reference anywhere now raises), each reference to a compiled object is
  replaced by a gate function; then the guard **drops every reference it held
  to an original** (plan, lists, locations). No implementation of an armed group
  is then reachable from Python in that process (compiled code may still hold a
  compiled object itself — SciPy's extension keeps a reference to ``expit`` —
  but no Python object does): nothing that student code can install (trace,
  profile and ``sys.monitoring`` callbacks, audit hooks, signal handlers,
  finalizers, threads) can see one, because there is none to see.
  :func:`arm` counts what is left (weak references to the original code
  objects; the reference count of a replaced object) and says so in its report.

What could bring an implementation back is refused by an audit hook
(``sys.addaudithook``, documented events only), installed by :func:`arm` with
its state in immutable default arguments and no globals: importing a module
that defines an armed group again, opening its files (source, bytecode cache,
extension) by any name or link, ``gc`` object walks, ``ctypes``, and replacing
a gate's ``__code__``; an armed module prefix and the packages
:func:`prepare` was asked to hide cannot be imported nor their files read.
(Where the engine's sandbox has a filesystem view, the defining files are
also covered at the operating-system level: ``view.cover_files``.)

What depends on the interpreter version is this module's use of
``function.__code__`` assignment, ``code.replace``, ``gc.get_referrers``,
``sys.getrefcount`` and audit hooks, all of which CPython 3.11 to 3.14 share;
:data:`SUPPORTED` names the versions it is tested on, and on any other the
guard refuses to start (:func:`unsupported`).

What it cannot stop (docs/threat-model.md): a second interpreter started by the
submission (the engine's sandbox makes the interpreter not executable inside
it), a library that ships its own copy of a forbidden computation under another
name, from CPython 3.13 a signal handler that rewrites the running hook's
arguments (write-through ``f_locals``) to let one refused event through, and a
student writing the function, which is the point.

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import linecache
import os
import sys
import time
import types
import weakref
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from autograder.perimeter.guard import gates
from autograder.perimeter.guard.dotted import lookup

#: The audit event that arms a process (what :func:`arm` raises; the sandboxed child raises it itself).
EVENT_ARM = "probdl.arm"

#: The CPython versions the guard is tested on (each runs the whole suite); on any other it refuses to start.
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14))


class ForbiddenFunctionError(RuntimeError):
    """A forbidden library object was called in an armed process (by student code or by a library function)."""


class GuardUnavailable(RuntimeError):
    """This interpreter is not one the guard supports: forbidden functions could not be made unusable."""


def unsupported(version: Sequence[int] | None = None, implementation: str | None = None) -> str | None:
    """Why the guard cannot run in this interpreter (or the one described), None when it can.

    The guard relies on CPython interfaces (``function.__code__`` assignment,
    ``code.replace``, ``gc.get_referrers``, audit hooks) as the versions of
    :data:`SUPPORTED` behave; on any other interpreter it refuses to start
    rather than grade with forbidden functions left usable.
    """
    version = tuple(sys.version_info[:2] if version is None else version[:2])
    implementation = sys.implementation.name if implementation is None else implementation
    if implementation == "cpython" and version in SUPPORTED:
        return None
    known = f"{SUPPORTED[0][0]}.{SUPPORTED[0][1]} to {SUPPORTED[-1][0]}.{SUPPORTED[-1][1]}"
    this = f"{'CPython' if implementation == 'cpython' else implementation} {version[0]}.{version[1]}"
    return (f"this grader supports CPython {known}, and this is {this}: it makes the problem set's forbidden "
            "library functions unusable through interpreter interfaces it is tested with on those versions "
            f"only, so it grades nothing rather than grade with them usable. Install the course with Python {known}.")


def message(name: str) -> str:
    """What a refusal says for the forbidden dotted ``name``."""
    return (f"{name} is not available while grading this problem set: it is a ready-made version of what "
            "the problem set asks you to write. Write it yourself with NumPy.")


def _check_gates() -> None:
    """Raise GuardUnavailable unless a gate raises what it should (with and without free variables)."""
    for nfree in (0, 2):
        code = gates.gate_code("probe", "probe", ForbiddenFunctionError, "probe text", nfree)
        fn = types.FunctionType(code, {"__builtins__": {}}, "probe", None,
                                tuple(types.CellType(None) for _ in range(nfree)) or None)
        try:
            fn(1, x=2)
        except ForbiddenFunctionError as exc:
            if str(exc) == "probe text":
                continue
        except Exception:  # noqa: BLE001 — anything else is a failure of the template on this interpreter
            pass
        raise GuardUnavailable("the guard's gates do not raise as they should on this interpreter: it grades "
                               "nothing rather than grade with forbidden functions usable")


# ---------------------------------------------------------------------------
# planning


#: Where the heap holds a compiled object (:func:`_locate`): ``(kind, holder, key, level)``.
Location = tuple[str, Any, Any, int]


class _Group:
    """One forbidden name and what :func:`arm` does for it."""

    __slots__ = ("name", "obj", "kind", "cls", "members", "gates", "impl", "gate", "locations", "tuples",
                 "slots", "compiled", "unreplaced", "modules", "paths")

    def __init__(self, name: str, obj: Any):
        self.name: str = name
        self.obj: Any = obj
        self.kind = _kind(obj)
        self.cls: type | None = obj if self.kind == "class" else type(obj) if self.kind == "instance" else None
        self.members: list[types.FunctionType] = []  # functions whose __code__ becomes a gate
        self.gates: dict[int, types.CodeType] = {}  # id(function) -> its gate code
        self.impl: list[types.CodeType] = []  # the original code objects that compute (they must not survive arming)
        self.gate: types.FunctionType | None = None  # "replace": the gate function that stands for the object
        self.locations: list[Location] = []  # "replace": where the heap holds it (see _locate)
        self.tuples: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = []  # "replace": (tuple holding it, tuple to put in its place)
        self.slots = 0  # "replace": the references to it that arming replaces
        self.compiled = 0  # "replace": references held by compiled code (no Python object), left as they are
        self.unreplaced: list[str] = []  # "replace": references that cannot be replaced
        self.modules: set[str] = set()  # modules that cannot be imported again once armed
        self.paths: set[str] = set()  # files that cannot be read once armed


def _kind(obj: object) -> str:
    """``prefix`` (a module, or nothing installed), ``function``, ``class``, ``instance`` (of a library
    class), ``replace`` (a ufunc, a builtin or another object of a compiled type: its references are replaced)."""
    if obj is None or isinstance(obj, types.ModuleType):
        return "prefix"
    if isinstance(obj, types.FunctionType):
        return "function"
    if isinstance(obj, type):
        return "class"
    if any(isinstance(f, types.FunctionType) for value in vars(type(obj)).values() for f in _unwrap_member(value)):
        return "instance"
    return "replace"


def _unwrap_member(value: object) -> list[types.FunctionType]:
    """The functions behind one class attribute (a function, staticmethod, classmethod or property)."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return [f for f in (value.fget, value.fset, value.fdel) if isinstance(f, types.FunctionType)]
    return [value] if isinstance(value, types.FunctionType) else []


def _nested(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code objects of the functions, classes and comprehensions defined in it."""
    yield code
    for const in code.co_consts:
        if type(const) is types.CodeType:
            yield from _nested(const)


def _members(roots: Sequence[object], cls: type | None = None) -> tuple[list[types.FunctionType], list[types.FunctionType]]:
    """``(members, implementation)``: the functions to gate for ``roots``, and those of them that compute.

    Members are the roots, what they wrap (``__wrapped__``, a closure cell holding a function of the same
    name: a decorator's), and the private helpers that the code of an implementation names (``co_names``)
    in its own globals, defined in a *home* module (that of an implementation, or of ``cls``), transitively.
    A wrapper's code is its decorator's, shared with every function it decorates: it is gated on this one
    function, and is not part of the implementation.
    """
    members: dict[int, types.FunctionType] = {}
    wrappers: set[int] = set()
    todo = list(roots)
    names = {getattr(f, "__name__", None) for f in roots}
    while todo:
        fn = todo.pop()
        if not isinstance(fn, types.FunctionType) or id(fn) in members:
            continue
        members[id(fn)] = fn
        inner: list[object] = [getattr(fn, "__wrapped__", None)]
        for cell in fn.__closure__ or ():
            try:
                content = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if isinstance(content, types.FunctionType) and content.__name__ in names | {fn.__name__}:
                inner.append(content)
        wrapped = [f for f in inner if isinstance(f, types.FunctionType)]
        if wrapped:
            wrappers.add(id(fn))
            todo.extend(wrapped)
    impl = [f for f in members.values() if id(f) not in wrappers]
    home = {f.__module__ for f in impl} | ({cls.__module__} if cls is not None else set())
    helpers = list(impl)
    while helpers:
        own = helpers.pop()
        for code in _nested(own.__code__):
            for name in code.co_names:
                if not name.startswith("_"):
                    continue
                helper = own.__globals__.get(name)
                if (isinstance(helper, types.FunctionType) and id(helper) not in members
                        and helper.__module__ in home and helper.__globals__ is own.__globals__):
                    members[id(helper)] = helper
                    impl.append(helper)
                    helpers.append(helper)
    return list(members.values()), impl


def _plan_group(name: str) -> _Group:
    """What arming does for the forbidden ``name``: its members and their gates, or its gate function."""
    group = _Group(name, lookup(name))
    text = message(name)
    if group.kind == "prefix":
        return group
    if group.kind == "replace":
        short = getattr(group.obj, "__name__", None)
        short = short if isinstance(short, str) else name.rsplit(".", 1)[-1]
        owners = _owners(group.obj, {short, name.rsplit(".", 1)[-1]})
        group.gate = gates.gate_function(short, ForbiddenFunctionError, text, getattr(group.obj, "__doc__", None),
                                         owners[0] if owners else None)
        for owner in owners:
            group.modules.add(owner)
            path = getattr(sys.modules[owner], "__file__", None)
            if isinstance(path, str):
                group.paths.add(path)
        return group
    if group.kind == "function":
        roots: list[object] = [group.obj]
    else:
        roots = [f for value in vars(group.cls).values() for f in _unwrap_member(value)]
    group.members, impl = _members(roots, group.cls)
    group.impl = [f.__code__ for f in impl]
    for fn in impl:
        group.modules.add(fn.__module__)
        group.paths.add(fn.__code__.co_filename)
    group.modules.update(_owners(group.obj, {name.rsplit(".", 1)[-1]}))
    return group


def _owners(obj: object, names: Collection[str]) -> list[str]:
    """The library modules whose dictionary holds ``obj`` under one of ``names`` (not ``__main__``: a script's
    or a kernel's own). (Plain loops: a generator expression here would hold ``obj`` in a cell, one more
    reference to it for :func:`_locate` to meet.)"""
    out = []
    for modname, module in list(sys.modules.items()):
        if modname == "__main__":
            continue
        namespace = getattr(module, "__dict__", None) if isinstance(module, types.ModuleType) else None
        if isinstance(namespace, dict):
            for name in names:
                if namespace.get(name) is obj:
                    out.append(modname)
                    break
    return sorted(out)


def _twins(groups: list[_Group]) -> None:
    """Add to each group the other function objects built from one of its implementation's code objects (a
    copy made by ``types.FunctionType``, a closure made again): they compute the same thing."""
    owner: dict[int, _Group] = {}
    for group in groups:
        for code in group.impl:
            for nested in _nested(code):
                owner[id(nested)] = group
    if not owner:
        return
    codes = [c for group in groups for code in group.impl for c in _nested(code)]
    for ref in gc.get_referrers(*codes):
        if type(ref) is types.FunctionType and id(ref.__code__) in owner:
            group = owner[id(ref.__code__)]
            if all(ref is not m for m in group.members):
                group.members.append(ref)
                if ref.__code__ not in group.impl:
                    group.impl.append(ref.__code__)
    del codes


def _make_gates(group: _Group) -> None:
    text = message(group.name)
    for fn in group.members:
        group.gates[id(fn)] = gates.gate_code(fn.__name__, fn.__qualname__, ForbiddenFunctionError, text,
                                              len(fn.__code__.co_freevars))


# ---------------------------------------------------------------------------
# references to a compiled object


class _Held:
    """One attribute holding an object: a fresh one is the baseline of :func:`_references`."""

    __slots__ = ("obj",)

    def __init__(self, obj: object):
        self.obj = obj


def _references(group: _Group) -> int:
    """How many references ``group.obj`` has besides ``group``'s own attribute: its reference count less that
    of a fresh object held the same way (so that the interpreter's own temporaries cancel out)."""
    probe = _Held(object())
    return sys.getrefcount(group.obj) - sys.getrefcount(probe.obj)


def _locate(groups: list[_Group], skip: Iterable[int]) -> None:
    """Where the heap holds each group's object: ``group.locations``, ``(kind, holder, key, level)`` with level
    0 for the object itself and ``i`` for the tuple ``group.tuples[i - 1]`` that holds it (replaced whole by a
    new tuple wherever it is held in turn, four levels deep: a function's defaults, a named tuple in a list);
    ``group.unreplaced``: the holders that cannot be changed; ``group.slots``: the references that arming
    replaces (each location, and the object's places in each tuple that is replaced)."""
    gc.collect()  # (garbage not yet collected may hold it too, and would not be there to replace)
    for group in groups:
        group.locations, group.unreplaced, group.tuples, group.slots = [], [], [], 0
    level = [(group, 0) for group in groups]
    while level:
        wanted: dict[int, tuple[_Group, int]] = {}
        for group, index in level:
            old = group.obj if index == 0 else group.tuples[index - 1][0]
            wanted[id(old)] = (group, index)
        objs = []
        for group, index in level:
            objs.append(group.obj if index == 0 else group.tuples[index - 1][0])
        args = tuple(objs)
        del objs
        refs = gc.get_referrers(*args)
        ignore = set(skip) | {id(args), id(level), id(wanted), id(refs)} | {
            id(x) for g in groups for x in (g.tuples, g.locations, *g.tuples)}
        types_of = _owning_types([r for r in refs if type(r) is dict and id(r) not in ignore])
        found: set[tuple[int, int]] = set()
        tuples: list[tuple[_Group, int]] = []
        for ref in refs:
            if id(ref) in ignore or isinstance(ref, types.FrameType):
                continue
            for group, index in _held_in(ref, wanted):
                old, new = (group.obj, group.gate) if index == 0 else group.tuples[index - 1]
                where = _where(ref, old, types_of.get(id(ref)))
                if where:
                    group.locations.extend((kind, holder, key, index) for kind, holder, key in where)
                    found.add((id(group), index))
                    if index == 0:
                        group.slots += len(where)
                elif isinstance(ref, tuple) and index < 4:
                    items: list[Any] = []
                    for v in ref:
                        items.append(new if v is old else v)
                    named: Any = type(ref)  # (a named tuple's class takes its fields one by one)
                    group.tuples.append((ref, named(*items) if hasattr(ref, "_fields") else tuple(items)))
                    tuples.append((group, len(group.tuples)))
                else:
                    group.unreplaced.append(f"{group.name}: a {type(ref).__module__}.{type(ref).__qualname__}")
        for group, index in level:
            if index and (id(group), index) in found:
                for v in group.tuples[index - 1][0]:
                    group.slots += v is group.obj
        old = new = v = None
        del refs, args, wanted
        level = tuples


def _owning_types(dicts: list[dict[Any, Any]]) -> dict[int, type]:
    """``id(d) -> class`` for those of ``dicts`` that are a class's own namespace (set through the class, so
    that the interpreter's attribute caches learn of it)."""
    if not dicts:
        return {}
    ids = {id(d) for d in dicts}
    out: dict[int, type] = {}
    for ref in gc.get_referrers(*dicts):
        if isinstance(ref, type):
            for inner in gc.get_referents(ref):
                if id(inner) in ids:
                    out[id(inner)] = ref
    return out


def _held_in(ref: object, wanted: dict[int, tuple[_Group, int]]) -> list[tuple[_Group, int]]:
    """The entries of ``wanted`` (``id(object) -> (group, level)``) that ``ref`` holds directly."""
    values: list[object]
    if isinstance(ref, dict):
        values = list(ref.values()) + list(ref.keys())
    elif isinstance(ref, (list, tuple, set, frozenset)):
        values = list(ref)
    elif isinstance(ref, types.CellType):
        try:
            values = [ref.cell_contents]
        except ValueError:
            values = []
    else:
        values = list(_attributes(ref).values())
        if isinstance(ref, types.FunctionType):
            values.append(ref.__defaults__)
    seen: set[int] = set()
    out = []
    for v in values:
        if id(v) in wanted and id(v) not in seen:
            seen.add(id(v))
            out.append(wanted[id(v)])
    return out


def _attributes(obj: object) -> dict[str, Any]:
    """An object's instance attributes and slots (name -> value)."""
    out: dict[str, Any] = {}
    with contextlib.suppress(TypeError):
        out.update(vars(obj))
    for klass in type(obj).__mro__:
        slots = vars(klass).get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            with contextlib.suppress(AttributeError, TypeError):
                out[slot] = getattr(obj, slot)
    return out


def _where(ref: object, old: object, cls: type | None = None) -> list[tuple[str, Any, Any]]:
    """The places in ``ref`` that hold ``old`` and can be changed: ``(kind, holder, key)``. ``cls``: the class
    whose namespace ``ref`` is. (Here and in :func:`_locate`, plain loops: a comprehension or generator
    expression would keep ``old`` in a cell, one more reference for the count to meet.)"""
    out: list[tuple[str, Any, Any]] = []
    if isinstance(ref, dict):
        for k, v in list(ref.items()):
            if v is old:
                out.append(("classattr", cls, k) if cls is not None and type(k) is str else ("value", ref, k))
            if k is old:
                out.append(("key", ref, None))  # (not the key itself: the plan holds no reference to it)
        return out
    if type(ref) is list:
        for i, v in enumerate(ref):
            if v is old:
                out.append(("item", ref, i))
        return out
    if type(ref) is set:
        return [("member", ref, None)]
    if isinstance(ref, types.CellType):
        return [("cell", ref, None)]
    if isinstance(ref, types.FunctionType) and ref.__defaults__ is old:
        return [("defaults", ref, None)]
    if not isinstance(ref, (tuple, frozenset, type)):
        for k, v in _attributes(ref).items():
            if v is old:
                out.append(("attr", ref, k))
    return out


def _apply(group: _Group, location: Location) -> None:
    """Put the gate (or the new tuple) where the plan found the original (if it is still there)."""
    kind, ref, key, index = location
    old, new = (group.obj, group.gate) if index == 0 else group.tuples[index - 1]
    if kind == "value":
        if ref.get(key) is old:
            ref[key] = new
    elif kind == "key":
        for k in list(ref):
            if k is old:
                ref[new] = ref.pop(old)
                break
    elif kind == "item":
        if key < len(ref) and ref[key] is old:
            ref[key] = new
    elif kind == "member":
        if old in ref:
            ref.discard(old)
            ref.add(new)
    elif kind == "cell":
        if ref.cell_contents is old:
            ref.cell_contents = new
    elif kind == "defaults":
        if ref.__defaults__ is old:
            ref.__defaults__ = new
    elif kind == "classattr":
        if vars(ref).get(key) is old:
            setattr(ref, key, new)
    elif getattr(ref, key, None) is old:
        object.__setattr__(ref, key, new)


# ---------------------------------------------------------------------------
# the process's plan (until armed) and the two steps


#: The plan: forbidden name -> _Group; hidden packages and their files. Emptied when the process is armed.
_PLAN: dict[str, Any] = {"groups": {}, "hidden": [], "hidden_paths": set(), "seconds": 0.0}
#: Set once the process is armed (:func:`arm`): nothing more can be prepared or armed.
_ARMED: list[bool] = []
#: Set once :func:`_arming_hook` is installed.
_INSTALLED: list[bool] = []


def prepare(names: Iterable[str], hidden_modules: Iterable[str] = (), locate: bool = True) -> dict[str, Any]:
    """Plan, in this process, what arming does for the forbidden ``names`` (and install the hook that arms).

    May be called several times before :func:`arm` (the zygote plans every name while it starts, then the
    batch's); the references to compiled objects are found again at each call that locates them, so the last
    call should come after everything else that may hold one (``pinning.pin``) and before any fork.

    Parameters
    ----------
    names : iterable of str
        Dotted names of forbidden objects (``"scipy.special.logsumexp"``) or module prefixes (``"torch"``), as in
        ``autograder.checks.forbidden``.
    hidden_modules : iterable of str
        Packages that, once armed, cannot be imported nor their files read whatever the names (the plain-nbgrader
        kernel hides ``solutions``, loaded before).
    locate : bool
        False: the references are not looked for (the heap's walk, 0.09 s of the zygote's start), the report's
        ``unreplaced`` and ``compiled_holders`` are empty, and :func:`arm` refuses the plan until a call locates.

    Returns
    -------
    dict
        ``{"groups": {name: kind}, "gated": functions gated and objects replaced, "unreplaced": [references that
        arming could not replace], "compiled_holders": {name: references to a compiled object held by compiled
        code, not by any Python object}, "paths": [files that define a group], "seconds": t}``.

    Raises
    ------
    TypeError
        When a name is not a string.
    RuntimeError
        When this process is armed already.
    GuardUnavailable
        When this interpreter is not one the guard supports (:func:`unsupported`), before anything changes.
    """
    why = unsupported()
    if why is not None:
        raise GuardUnavailable(why)
    names = tuple(names)
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"prepare: `names` must hold dotted names as str, got {type(name).__name__}")
    if _ARMED:
        raise RuntimeError("this process is armed: nothing more can be prepared")
    started = time.perf_counter()
    if not _INSTALLED:
        _check_gates()
        sys.addaudithook(_arming_hook)
        _INSTALLED.append(True)
    groups: dict[str, _Group] = _PLAN["groups"]
    fresh = [_plan_group(name) for name in sorted(set(names) - set(groups))]
    functions = [g for g in fresh if g.members]
    _twins(functions)
    for group in functions:
        _make_gates(group)
    groups.update((g.name, g) for g in fresh)
    for package in hidden_modules:
        _hide(str(package))
    replaced = [g for g in groups.values() if g.kind == "replace"] if locate else []
    _PLAN["located"] = locate
    if locate:
        _locate(replaced, {id(g) for g in groups.values()} | {id(_PLAN), id(groups), id(replaced)})
    unreplaced: list[str] = []
    for group in replaced:
        unreplaced += group.unreplaced
        group.compiled = _references(group) - group.slots
    paths = {p for g in groups.values() for p in _with_caches(g.paths)}
    for path in list(linecache.cache):
        if path in paths:
            del linecache.cache[path]
    _PLAN["seconds"] += time.perf_counter() - started
    return {
        "groups": {g.name: g.kind for g in groups.values()},
        "gated": sum(len(g.members) + (g.gate is not None) for g in groups.values()),
        "unreplaced": unreplaced,
        "compiled_holders": {g.name: g.compiled for g in replaced if g.compiled},
        "paths": sorted(paths),
        "seconds": round(_PLAN["seconds"], 3),
    }


def _with_caches(paths: Iterable[str]) -> Iterator[str]:
    """``paths`` and the bytecode cache of each Python source among them."""
    for path in paths:
        yield path
        if isinstance(path, str) and path.endswith(".py"):
            with contextlib.suppress(NotImplementedError, ValueError):
                yield importlib.util.cache_from_source(path)


def _hide(package: str) -> None:
    """``package`` (a top-level name): not importable once armed, its files not readable."""
    if package in _PLAN["hidden"]:
        return
    _PLAN["hidden"].append(package)
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    for folder in (list(spec.submodule_search_locations or []) if spec is not None else []):
        for dirpath, _dirs, files in os.walk(folder):
            _PLAN["hidden_paths"].update(os.path.join(dirpath, name) for name in files)


def arm(names: Iterable[str]) -> dict[str, Any]:
    """From now on, in this process, the forbidden objects of ``names`` never compute (once per process).

    Raises the audit event ``probdl.arm`` (the sandboxed child raises it
    itself), which the hook :func:`prepare` installed answers with
    :func:`_arm`.

    Returns
    -------
    dict
        ``{"armed": [names], "gated": n, "left": [originals that survived]}``.

    Raises
    ------
    RuntimeError
        When this process was armed already, or was not prepared for every one of ``names``.
    GuardUnavailable
        When this interpreter is not one the guard supports (:func:`unsupported`).
    """
    why = unsupported()
    if why is not None:
        raise GuardUnavailable(why)
    if not _INSTALLED:
        raise RuntimeError("arm: this process was not prepared (guard.prepare)")
    box: dict[str, Any] = {}
    sys.audit(EVENT_ARM, tuple(str(n) for n in names), box)
    return box


def _arming_hook(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook :func:`prepare` installs: arms the process on ``probdl.arm`` (once), nothing else."""
    if event != EVENT_ARM:
        return
    names = args[0] if type(args) is tuple and args else ()
    if type(names) is not tuple or not all(type(n) is str for n in names):
        raise RuntimeError("probdl.arm wants a tuple of names")
    report = _arm(names)
    if len(args) > 1 and type(args[1]) is dict:
        args[1].update(report)


def _arm(names: tuple[str, ...]) -> dict[str, Any]:
    """Apply the plan for ``names``, drop it, and install the hook that refuses what could undo it."""
    if _ARMED:
        raise RuntimeError("the forbidden functions of this process are already set")
    wanted = set(names)
    missing = sorted(wanted - set(_PLAN["groups"]))
    if missing:  # (never armed by halves: a name nobody planned for would stay usable)
        raise RuntimeError(f"arm: {', '.join(missing)} not prepared in this process (guard.prepare)")
    if _PLAN.get("located") is not True:  # (references never looked for would stay usable)
        raise RuntimeError("arm: the last guard.prepare of this process did not locate the references (locate=False)")
    _ARMED.append(True)
    armed: list[_Group] | None = [g for g in _PLAN["groups"].values() if g.name in wanted]
    gated: set[int] = set()
    modules: set[str] = set()
    prefixes: list[str] = []
    paths: set[str] = set(_PLAN["hidden_paths"])
    originals: list[weakref.ref[types.CodeType]] = []  # weak references to the code that computes
    left: list[str] = []  # what survived
    fn: types.FunctionType | None = None
    group: _Group | None = None
    for group in armed or ():
        if group.kind == "prefix":
            prefixes.append(group.name)
            continue
        modules.update(group.modules)
        paths.update(_with_caches(group.paths))
        for fn in group.members:
            if id(fn) not in gated:
                gated.add(id(fn))
                fn.__code__ = group.gates[id(fn)]
        if group.gate is not None:
            gated.add(id(group.gate))
            for location in group.locations:
                _apply(group, location)
            group.locations, group.tuples = [], []
            if _references(group) > group.compiled:  # a holder made since the plan: young, found again cheaply
                _locate([group], {id(g) for g in _PLAN["groups"].values()} | {id(armed), id(_PLAN)})
                for location in group.locations:
                    _apply(group, location)
                group.locations, group.tuples = [], []
                if _references(group) > group.compiled:
                    left.append(f"{group.name}: {_references(group) - group.compiled} reference(s) to the original")
        originals += [weakref.ref(code) for code in group.impl]
    hidden = tuple(_PLAN["hidden"])
    for group in _PLAN["groups"].values():  # every reference the guard held to an original
        group.obj = group.gate = None
        group.members, group.impl, group.gates, group.locations, group.tuples = [], [], {}, [], []
    _PLAN["groups"] = {}
    armed = fn = group = None
    alive = sum(ref() is not None for ref in originals)
    if alive:
        left.append(f"{alive} original code object(s) still alive")
    files: set[tuple[int, int]] = set()
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            continue
        files.add((st.st_dev, st.st_ino))
    sys.addaudithook(_refusing_hook(frozenset(modules), tuple(prefixes) + hidden, frozenset(files),
                                    frozenset(gated)))
    try:
        gc.get_referents()
    except RuntimeError:
        pass
    else:
        raise GuardUnavailable("the guard's audit hook does not answer: forbidden functions could not be made "
                               "unusable")
    return {"armed": sorted(wanted), "gated": len(gated), "left": left}


def _refuse(event: str, args: tuple[Any, ...], modules: frozenset[str], prefixes: tuple[str, ...],
            files: frozenset[tuple[int, int]], gated: frozenset[int], refused: frozenset[str], stat: Any, fspath: Any,
            id_: Any, type_: Any, isinstance_: Any, str_: Any, bytes_: Any, int_: Any, len_: Any, OSError_: Any,
            TypeError_: Any, ValueError_: Any, ImportError_: Any, PermissionError_: Any, RuntimeError_: Any) -> None:
    """The armed process's audit hook (rebuilt by :func:`_refusing_hook` with no globals: everything it uses is
    a default argument, immutable or a builtin, fixed when the process is armed)."""
    if event == "import":
        name: Any = args[0] if len_(args) else None
        if type_(name) is not str_:
            if not isinstance_(name, str_):
                return
            name = str_.__str__(name)  # (an exact copy of a str subclass: its own methods are not called)
        if name in modules:
            raise ImportError_(f"{name} cannot be imported again while grading: it defines functions this "
                               "problem set forbids")
        for prefix in prefixes:
            if name == prefix or name.startswith(prefix + "."):
                raise ImportError_(f"{name} is not available while grading this problem set")
        return
    if event == "open":
        path = args[0] if len_(args) else None
        if type_(path) is int_ or path is None:
            return
        try:
            st = stat(path if type_(path) is str_ or type_(path) is bytes_ else fspath(path))
        except (OSError_, TypeError_, ValueError_):
            return
        if (st.st_dev, st.st_ino) in files:
            raise PermissionError_("this file defines functions the problem set forbids (or is the course's "
                                   "own): it cannot be read while grading")
        return
    if event in refused or event.startswith("ctypes."):
        raise RuntimeError_(f"{event} is not available while grading")
    if (event == "object.__setattr__" and len_(args) >= 2 and type_(args[1]) is str_ and args[1] == "__code__"
            and id_(args[0]) in gated):
        raise RuntimeError_("a forbidden library function cannot be changed while grading")


def _refusing_hook(modules: frozenset[str], prefixes: tuple[str, ...], files: frozenset[tuple[int, int]],
                   gated: frozenset[int]) -> types.FunctionType:
    """:func:`_refuse` with its state bound as default arguments, and no globals (nor builtins) to look up."""
    defaults = (modules, prefixes, files, gated,
                frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"}), os.stat, os.fspath,
                id, type, isinstance, str, bytes, int, len, OSError, TypeError, ValueError, ImportError,
                PermissionError, RuntimeError)
    return types.FunctionType(_refuse.__code__, {"__builtins__": {}}, "probdl_refuse", defaults)
