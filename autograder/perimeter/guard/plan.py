"""What arming does for each forbidden name, planned before any student code runs.

Part of the guard (:mod:`autograder.perimeter.guard`; :class:`~.arming.Guard`
plans with it). A forbidden name is a *group* (:class:`Group`), and what
computes it is found once:

- a Python function (``scipy.special.logsumexp``): the function, what it
  wraps (``__wrapped__``, a decorator's closure holding a function of the same
  name), the private helpers of its own module that its code names
  (``co_names``: ``_logsumexp``), transitively, and any other function object
  built from one of those code objects (:func:`twins`);
- an instance (``scipy.stats.norm``) or a class: every function of its class
  and the private helpers of its module that they name (``_norm_pdf``); the
  generic base-class methods stay, and cannot compute anything alone;
- a ufunc, a builtin or another compiled object (``scipy.special.expit``): a
  gate function that stands for it, and the modules that hold it (where the
  heap holds it is :mod:`.heap`'s to find);
- a module prefix (``torch``): nothing to plan, it is not importable once armed.

Each function to gate gets its gate (:func:`make_gates`, from :mod:`.gates`).

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import os
import sys
import types
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from autograder.perimeter.guard import gates
from autograder.perimeter.guard.dotted import lookup
from autograder.perimeter.guard.refusal import ForbiddenFunctionError, message

#: Where the heap holds a compiled object (:func:`locate`): ``(kind, holder, key, level)``.
Location = tuple[str, Any, Any, int]


class Group:
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
        self.locations: list[Location] = []  # "replace": where the heap holds it (see locate)
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


def plan_group(name: str) -> Group:
    """What arming does for the forbidden ``name``: its members and their gates, or its gate function."""
    group = Group(name, lookup(name))
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
    reference to it for :func:`locate` to meet.)"""
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


def twins(groups: list[Group]) -> None:
    """Add to each group the other function objects built from one of its implementation's code objects (a
    copy made by ``types.FunctionType``, a closure made again): they compute the same thing."""
    owner: dict[int, Group] = {}
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


def make_gates(group: Group) -> None:
    text = message(group.name)
    for fn in group.members:
        group.gates[id(fn)] = gates.gate_code(fn.__name__, fn.__qualname__, ForbiddenFunctionError, text,
                                              len(fn.__code__.co_freevars))


def with_caches(paths: Iterable[str]) -> Iterator[str]:
    """``paths`` and the bytecode cache of each Python source among them."""
    for path in paths:
        yield path
        if isinstance(path, str) and path.endswith(".py"):
            with contextlib.suppress(NotImplementedError, ValueError):
                yield importlib.util.cache_from_source(path)


def package_files(package: str) -> set[str]:
    """The files of ``package`` (a top-level name), none if it is not installed: what a plan hides with it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    files: set[str] = set()
    for folder in (list(spec.submodule_search_locations or []) if spec is not None else []):
        for dirpath, _dirs, names in os.walk(folder):
            files.update(os.path.join(dirpath, name) for name in names)
    return files
