"""A compiled object's references in the heap: found when the plan is made, replaced when the process is armed.

Part of the guard (:mod:`autograder.perimeter.guard`). A ufunc, a builtin or
another compiled object cannot get new code, so every reference the heap holds
to it (``gc.get_referrers``: module dictionaries, the cached copy CPython keeps
of a single-phase extension module's dictionary, containers, attributes,
cells, default arguments; the tuples holding it, replaced whole, four levels
deep) is found (:func:`locate`) and replaced by its group's gate
(:func:`apply`); :func:`references` counts what is left. Plain loops
throughout: a comprehension or a generator expression would keep the object
in a cell, one more reference for the count to meet.

Standard library only: this module runs in the zygote, the child and the plain-nbgrader kernel.
"""

from __future__ import annotations

import contextlib
import gc
import sys
import types
from collections.abc import Iterable
from typing import Any

from autograder.perimeter.guard.plan import Group, Location


class _Held:
    """One attribute holding an object: a fresh one is the baseline of :func:`references`."""

    __slots__ = ("obj",)

    def __init__(self, obj: object):
        self.obj = obj


def references(group: Group) -> int:
    """How many references ``group.obj`` has besides ``group``'s own attribute: its reference count less that
    of a fresh object held the same way (so that the interpreter's own temporaries cancel out)."""
    probe = _Held(object())
    return sys.getrefcount(group.obj) - sys.getrefcount(probe.obj)


def locate(groups: list[Group], skip: Iterable[int]) -> None:
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
        wanted: dict[int, tuple[Group, int]] = {}
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
        tuples: list[tuple[Group, int]] = []
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


def _held_in(ref: object, wanted: dict[int, tuple[Group, int]]) -> list[tuple[Group, int]]:
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
    whose namespace ``ref`` is. (Here and in :func:`locate`, plain loops: a comprehension or generator
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


def apply(group: Group, location: Location) -> None:
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
