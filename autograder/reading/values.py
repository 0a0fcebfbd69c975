"""What a name of a function may be, as far as its arguments go: the values the purity reading reasons with.

:mod:`autograder.reading.writes` reads a function by giving each expression
a :class:`Value`: the parameters it is (or is a view of), what its items are,
the library object or notebook function it stands for. On two paths, a name
is what it is on either (:func:`join`: a write through it on one path counts).
Values nest at most :data:`MAX_NESTING` levels (deeper items are folded into
their container), so there are finitely many of them for one function, and a
loop read again until nothing changes reaches a fixed point.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import overload

#: Items of items of … are told apart this deep (deeper ones are folded into their container).
MAX_NESTING = 4


@dataclass(frozen=True)
class Fn:
    """A function or lambda of the notebook as a value: its node, whose code it is, the enclosing names it closes
    over (origins only) and its defaults (for a nested one, they may be the caller's arguments)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda = field(compare=False)
    key: int = 0  # id(node): what compares
    owner: str = ""
    cell: int = -1
    closure: tuple[tuple[str, Value], ...] = ()  # ((name, Value), …)
    defaults: tuple[tuple[str, Value], ...] = ()  # ((parameter, Value), …)


@dataclass(frozen=True)
class Value:
    """What an expression is, as far as the parameters go.

    ``origins``: the parameters it is, or is a view of. ``elems``: what an item
    of it is (a list of rows: iteration, unpacking, indexing); ``items``: its
    items by position when known (a tuple display, ``enumerate``'s pairs).
    ``kind`` ``"lib"``: the library object ``dotted``; ``"method"``: the method
    ``dotted`` of ``origins``. ``fns``: the notebook functions it may be.
    """

    origins: frozenset[str] = frozenset()
    elems: Value | None = None
    items: tuple[Value, ...] | None = None
    kind: str = ""
    dotted: str = ""
    fns: frozenset[Fn] = frozenset()


FRESH = Value()
#: What each name of a function is at one point of it (None: no path reaches that point).
Env = dict[str, Value]


def join(a: Value, b: Value, depth: int = 0) -> Value:
    """What is ``a`` on one path and ``b`` on another."""
    if a == b:
        return a
    elems = a.elems if b.elems is None else b.elems if a.elems is None else join(a.elems, b.elems, depth + 1)
    items: tuple[Value, ...] | None = None
    if a.items is not None and b.items is not None and len(a.items) == len(b.items):
        items = tuple(join(x, y, depth + 1) for x, y in zip(a.items, b.items))
    value = Value(a.origins | b.origins, elems, items, a.kind if a.kind == b.kind else "",
                  a.dotted if a.dotted == b.dotted else "", a.fns | b.fns)
    return fold(value) if depth >= MAX_NESTING else value


def fold(v: Value) -> Value:
    """``v`` with its items folded into itself: what any item may be, it may be."""
    return Value(reach(v), kind=v.kind, dotted=v.dotted, fns=v.fns)


def reach(v: Value) -> frozenset[str]:
    """The parameters ``v`` or any item of it may be."""
    out = v.origins | (reach(v.elems) if v.elems is not None else frozenset())
    for item in v.items or ():
        out |= reach(item)
    return out


def element(v: Value) -> Value:
    """An item of ``v`` (iteration, unpacking, an index): a row of an array it is, or an item it holds."""
    if not v.origins:
        return v.elems or FRESH
    return join(Value(v.origins), v.elems) if v.elems is not None else Value(v.origins)


def container(values: Iterable[Value]) -> Value:
    """A list or tuple display of ``values``."""
    items = tuple(values)
    elems: Value | None = None
    for v in items:
        elems = v if elems is None else join(elems, v)
    return Value(elems=elems, items=items)


@overload
def join_env(a: Env, b: Env | None) -> Env: ...
@overload
def join_env(a: Env | None, b: Env) -> Env: ...
@overload
def join_env(a: Env | None, b: Env | None) -> Env | None: ...
def join_env(a: Env | None, b: Env | None) -> Env | None:
    """The names at a point two paths reach (``a`` and ``b``; None where no path does)."""
    if a is None:
        return None if b is None else dict(b)
    if b is None:
        return dict(a)
    out = dict(a)
    for name, value in b.items():
        out[name] = join(out[name], value) if name in out else value
    return out
