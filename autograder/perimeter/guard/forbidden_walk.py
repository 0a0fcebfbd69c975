"""Which library objects a function uses: the walk of its bytecode that finds forbidden uses.

Untrusted side (a leaf: the standard library and NumPy). :func:`forbidden_uses`
follows a function through its bytecode, its closure, its defaults and what
the notebook itself defined that it reaches; the names are compared with the
objects pinned in advance (the :class:`~.pinning.Pins` it is given). The grading engine's parent also
reads the source for the same uses (``autograder/reading/forbidden.py``): the
child's word alone is never all.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import types
from collections.abc import Callable, Container, Iterable, Iterator
from typing import Any

import numpy as np

from autograder.perimeter.guard.dotted import lookup
from autograder.perimeter.guard.pinning import Pins


def _object_module(obj: object) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    mod = getattr(obj, "__module__", None)
    if isinstance(mod, str):
        return mod
    mod = getattr(type(obj), "__module__", None)
    return mod if isinstance(mod, str) else ""


def _code_objects(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _code_objects(const)


class Walk:
    """Each object once, depth first, from ``start``: iterate, and :meth:`push` what to visit next.

    The contents of a visited function's closure cells are visited too.
    """

    def __init__(self, start: object):
        self.stack: list[object] = [start]
        self.seen: set[int] = set()

    def push(self, obj: object) -> None:
        self.stack.append(obj)

    def __iter__(self) -> Iterator[object]:
        while self.stack:
            f = self.stack.pop()
            if id(f) in self.seen:
                continue
            self.seen.add(id(f))
            yield f
            for cell in getattr(f, "__closure__", None) or ():
                with contextlib.suppress(ValueError):  # empty cell
                    self.push(cell.cell_contents)


def _loaded_name(ins: dis.Instruction) -> tuple[str, str] | None:
    """``(kind, name)`` when ``ins`` loads a name a chain can start from, else None.

    CPython names the loads of a function's locals differently from version to version: ``LOAD_FAST``;
    ``LOAD_FAST_CHECK`` where the name may be unbound and ``LOAD_FAST_AND_CLEAR`` (3.12+); ``LOAD_FAST_LOAD_FAST``
    and ``STORE_FAST_LOAD_FAST`` with a pair of names (3.13+), of which the chain starts from the last one loaded;
    ``LOAD_FAST_BORROW`` and its pair (3.14). Any instruction with ``LOAD_FAST`` in its name loads a local.
    (``student_side/selfcheck.py`` reads chains the same way; a test keeps the two equal.)
    """
    op, name = ins.opname, ins.argval
    if isinstance(name, tuple) and name and "LOAD_FAST" in op:
        name = name[-1]
    if not isinstance(name, str):
        return None
    if op in ("LOAD_GLOBAL", "LOAD_NAME"):
        return "global", name
    if op == "IMPORT_NAME":
        return "import", name
    if "LOAD_FAST" in op or op == "LOAD_DEREF":
        return "local", name
    return None


def chains(code: types.CodeType) -> Iterator[list[Any]]:
    """Attribute chains a code object loads: ("global"|"local", root, attrs…) and imports (("import", "a.b") for
    ``import a.b`` and for ``from a import b``)."""
    for co in _code_objects(code):
        chain: list[Any] | None = None
        for ins in dis.get_instructions(co):
            op = ins.opname
            loaded = _loaded_name(ins)
            if loaded is not None:
                if chain:
                    yield chain
                chain = list(loaded)
            elif op in ("LOAD_ATTR", "LOAD_METHOD") and chain:
                chain.append(ins.argval)
            elif op == "IMPORT_FROM" and chain and chain[0] == "import":
                yield ["import", f"{chain[1]}.{ins.argval}"]
            else:
                if chain:
                    yield chain
                chain = None
        if chain:
            yield chain


def local_dotted_names(root: str, attrs: list[str], imported: Iterable[str]) -> Iterator[str]:
    """The dotted library names a chain on a local ``root`` may stand for, given the modules the function imported:
    each of them followed by ``attrs`` (``import scipy.special as sp`` or ``from scipy import special``, then
    ``sp.softmax``), and ``root`` itself followed by ``attrs`` where an import binds ``root`` (``import
    scipy.special``, then ``scipy.special.softmax``)."""
    imported = tuple(imported)
    for module in imported:
        yield ".".join([module, *attrs])
    if any(module.split(".")[0] == root for module in imported):
        yield ".".join([root, *attrs])


def forbidden_uses(fn: object, forbidden: Iterable[str], skip: Container[str] = (),
                   pins: Pins | None = None) -> tuple[str, ...]:
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
    forward, see :class:`~.carry_forward.CalleeStubs`). Only a function the notebook defined is
    skipped; a skipped name bound to a library object
    (``from scipy.special import logsumexp``) is still a use.

    ``pins``: the names resolved before any student code ran (the zygote's, :meth:`.pinning.Pins.pin`); without
    them a name is looked up now (:func:`.dotted.lookup`: the plain-nbgrader kernel's checks).
    """
    uses = _Uses(forbidden, pins.resolve if pins is not None else lookup)
    walk = Walk(fn)
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


def _notebook_globals(obj: object) -> dict[str, Any] | None:
    """The globals of the notebook that defined ``obj`` (an instance, a class, a partial), or None."""
    for candidate in (obj, type(obj), getattr(obj, "func", None), getattr(obj, "__func__", None)):
        for value in vars(candidate).values() if isinstance(candidate, type) else (candidate,):
            g = getattr(value, "__globals__", None)
            if isinstance(g, dict):
                return g
    return None


def _defined_by(obj: object, g: dict[str, Any] | None) -> bool:
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


def _members_of(cls: type) -> list[object]:
    """The functions and other attributes of a class's own namespace (methods unwrapped)."""
    try:
        values = list(vars(cls).values())
    except TypeError:
        return []
    out: list[object] = []
    for value in values:
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            out.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
        else:
            out.append(value)
    return out


def _expand(obj: object, g: dict[str, Any] | None, uses: _Uses, walk: Walk) -> None:
    """Push what ``obj`` (already noted) holds that the notebook defined, or that may be a forbidden object."""
    if len(walk.seen) > MAX_WALK:
        return
    held: list[object]
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
        with contextlib.suppress(TypeError):
            held += list(vars(obj).values())[:200]
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

    def __init__(self, forbidden: Iterable[str], resolve: Callable[[str], object]):
        self.forbidden = tuple(forbidden)
        self.targets: dict[int, str] = {}
        self.prefixes: list[str] = []
        self.found: set[str] = set()
        for name in self.forbidden:
            obj = resolve(name)
            if obj is None or isinstance(obj, types.ModuleType):
                self.prefixes.append(name)
            else:
                self.targets[id(obj)] = name

    def note_object(self, obj: object) -> None:
        if id(obj) in self.targets:
            self.found.add(self.targets[id(obj)])
            return
        mod = _object_module(obj)
        for p in self.prefixes:
            if mod == p or mod.startswith(p + "."):
                self.found.add(p)

    def note_name(self, dotted: str) -> None:
        for name in self.forbidden:
            if dotted == name or dotted.startswith(name + "."):
                self.found.add(name)


def _note_code(f: object, code: types.CodeType, uses: _Uses, walk: Walk, skip: Container[str]) -> None:
    """The uses in one function's bytecode; the notebook functions it calls (not in ``skip``) go on ``walk``."""
    g = getattr(f, "__globals__", {})
    imported = []
    for chain in chains(code):
        kind, root, attrs = chain[0], chain[1], chain[2:]
        if kind == "import":
            imported.append(root)
            uses.note_name(root)
            continue
        if kind == "local":
            for dotted in local_dotted_names(root, attrs, imported):
                uses.note_name(dotted)
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
