"""Write a loop over rows as the vectorised expression it stands for.

``for i in range(len(x)): out[i] = np.exp(x[i] - x[i].max())`` and
``out = np.exp(x - x.max(axis=1, keepdims=True))`` compute the same thing;
a copier turns one into the other. Changed in place, on a copy the caller
owns (after :mod:`.prune`, so ``s += e`` is already ``s = s + e``): a loop
whose body neither leaves it early (``break``, ``continue``, ``return``,
``yield``) nor is longer than :data:`MAX_BODY` statements is replaced by its
body, with what the loop variable stands for written in:

* ``for i in range(…)``, ``np.ndindex(…)``, ``while i < n: … i = i + 1``: an
  *index*; ``x[i]`` is ``x`` (``x[i, j]`` is ``x[j]``);
* ``for v in x``: an *element*; ``v`` is ``x``; ``enumerate(x)`` gives both,
  ``zip(x, y)`` one element of each;

then the body's writes are read as what the loop makes of them: ``out[i] =
e`` is ``out = e``, ``s = s + e`` is ``s = np.sum(e)`` (``-`` and ``*``
likewise, ``s = max(s, e)`` is ``np.max(e)``), ``rows.append(e)`` is ``rows =
e``, and the accumulator's or the output's initialisation before the loop
(``s = 0``, ``out = np.zeros(…)``, ``rows = []``) goes; ``if c: x = a`` is ``x = np.where(c, a, x)``, and
``if c: s = s + e`` a sum of ``np.where(c, e, 0)``. A comprehension ``[e for v in x]`` (one ``for``, no ``if``)
is ``e`` with ``v`` as ``x``, and ``sum(e for v in x if c)`` the sum of ``np.where(c, e, 0)``;
``np.apply_along_axis(f, a, x)``, ``np.vectorize(f)(x)`` and ``map(f, x)`` are
``f(x)``. The reductions' ``axis`` and ``keepdims``, which the two forms
spell differently, are dropped by :mod:`.canonical`.

It is not a proof of equivalence, only what makes the two forms' token
streams alike. Bounded: loops nested at most :data:`autograder.similarity.bounds.MAX_DEPTH`
deep are read innermost first, and a loop whose variable would be written in
as more than :data:`MAX_WRITTEN` nodes stays a loop.
"""

from __future__ import annotations

import ast
from typing import cast

from autograder.model.pysource import nodes
from autograder.similarity.clone import Function, clone

#: Statements of a loop's body read as vectorised code, at most.
MAX_BODY = 40
#: Syntax nodes a loop variable's replacements may add, at most.
MAX_WRITTEN = 2_000

_BLOCKS = ("body", "orelse", "finalbody")
_EXITS = (ast.Break, ast.Continue, ast.Return, ast.Yield, ast.YieldFrom, ast.Await)
#: Marks an assignment that was a write into an array (``out[i] = e`` made ``out = e``).
_WRITTEN_INTO = "_similarity_written_into"
_INITS = frozenset({"zeros", "empty", "zeros_like", "empty_like", "ones", "full", "full_like", "ones_like"})


def _size(node: ast.AST) -> int:
    return len(nodes(node))


def _leaves_early(body: list[ast.stmt]) -> bool:
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, _EXITS):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.For, ast.While,
                             ast.AsyncFor)) and node not in body:
            if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
                todo.extend(n for n in ast.iter_child_nodes(node) if not isinstance(n, (ast.Break, ast.Continue)))
            continue
        todo.extend(ast.iter_child_nodes(node))
    return False


def _call_name(node: ast.AST) -> str:
    """``range``, ``len``, ``ndindex`` … for ``range(…)``, ``np.ndindex(…)``; "" for anything else."""
    if not isinstance(node, ast.Call):
        return ""
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


class _Writer(ast.NodeTransformer):
    """Writes in what a loop's variables stand for: ``v`` → its array, ``x[i]`` → ``x``."""

    def __init__(self, elements: dict[str, ast.expr], indexes: set[str]) -> None:
        self.elements = elements
        self.indexes = indexes
        self.written = 0

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.elements:
            value = self.elements[node.id]
            self.written += _size(value)
            return ast.copy_location(clone(value), node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        key = node.slice
        if isinstance(key, ast.Name) and key.id in self.indexes:
            return node.value
        if isinstance(key, ast.Tuple):
            kept = [e for e in key.elts if not (isinstance(e, ast.Name) and e.id in self.indexes)]
            if len(kept) < len(key.elts):
                if not kept:
                    return node.value
                node.slice = kept[0] if len(kept) == 1 else ast.Tuple(kept, ast.Load())
        return node


def _variables(loop: ast.For) -> tuple[dict[str, ast.expr], set[str]] | None:
    """``(elements {name: array}, indexes {name})`` a ``for`` loop binds, or None when it is not read."""
    target, it = loop.target, loop.iter
    name = _call_name(it)
    if isinstance(target, ast.Name):
        if name in ("range", "ndindex", "arange"):
            return {}, {target.id}
        if name in ("enumerate", "zip", "reversed", "sorted"):
            return None
        return {target.id: it}, set()
    if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
        names = [e.id for e in target.elts if isinstance(e, ast.Name)]  # (all are names)
        if isinstance(it, ast.Call) and name == "enumerate" and len(names) == 2 and len(it.args) == 1:
            return {names[1]: it.args[0]}, {names[0]}
        if isinstance(it, ast.Call) and name == "zip" and len(names) == len(it.args):
            return dict(zip(names, it.args)), set()
        if name == "ndindex":
            return {}, set(names)
    return None


def _accumulated(stmt: ast.stmt) -> tuple[str, str, ast.expr] | None:
    """``(name, reduction, term)`` of ``s = s + e`` (``"sum"``), ``s = s - e`` (``"-sum"``), ``s = s * e``
    (``"prod"``), ``s = max(s, e)`` (``"max"``), ``s = min(s, e)`` (``"min"``); None otherwise."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
        return None
    name, value = stmt.targets[0].id, stmt.value

    def is_acc(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == name

    if isinstance(value, ast.BinOp) and isinstance(value.op, (ast.Add, ast.Sub, ast.Mult)):
        if is_acc(value.left) and not any(is_acc(n) for n in nodes(value.right)):
            return name, {ast.Add: "sum", ast.Sub: "-sum", ast.Mult: "prod"}[type(value.op)], value.right
        if isinstance(value.op, (ast.Add, ast.Mult)) and is_acc(value.right) \
                and not any(is_acc(n) for n in nodes(value.left)):
            return name, {ast.Add: "sum", ast.Mult: "prod"}[type(value.op)], value.left
    if isinstance(value, ast.Call) and _call_name(value) in ("where", "numpy.where") and len(value.args) == 3 \
            and not value.keywords and is_acc(value.args[2]):
        # `if c: s = s + e` (made `s = np.where(c, s + e, s)`): a sum of `np.where(c, e, 0)`, as `sum(e … if c)` is
        inner = _accumulated(ast.Assign([ast.Name(name, ast.Store())], value.args[1]))
        if inner is not None and inner[1] == "sum" and not any(is_acc(n) for n in nodes(value.args[0])):
            return name, "sum", _numpy("where", [value.args[0], inner[2], ast.Constant(0)])
    if isinstance(value, ast.Call) and _call_name(value) in ("max", "min", "maximum", "minimum") \
            and len(value.args) == 2 and not value.keywords:
        a, b = value.args
        reduction = "max" if _call_name(value) in ("max", "maximum") else "min"
        if is_acc(a) and not any(is_acc(n) for n in nodes(b)):
            return name, reduction, b
        if is_acc(b) and not any(is_acc(n) for n in nodes(a)):
            return name, reduction, a
    return None


def _numpy(attr: str, args: list[ast.expr]) -> ast.Call:
    return ast.Call(ast.Name(f"numpy.{attr}", ast.Load()), args, [])


def _hoisted(body: list[ast.stmt], indexes: set[str]) -> tuple[list[ast.stmt], set[str]]:
    """The loop's body as straight-line code, and the names it now assigns whole (their inits go)."""
    out: list[ast.stmt] = []
    made: set[str] = set()
    for stmt in body:
        acc = _accumulated(stmt)
        if acc is not None:
            name, reduction, term = acc
            value: ast.expr = _numpy(reduction.lstrip("-"), [term])
            if reduction.startswith("-"):
                value = ast.UnaryOp(ast.USub(), value)
            out.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], value), stmt))
            made.add(name)
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(stmt.value.func, ast.Attribute) and stmt.value.func.attr in ("append", "extend") \
                and isinstance(stmt.value.func.value, ast.Name) and len(stmt.value.args) == 1:
            name = stmt.value.func.value.id
            out.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], stmt.value.args[0]), stmt))
            made.add(name)
            continue
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.targets[0].ctx, ast.Load):  # (an ``out[i] =`` the writer made ``out =``)
            stmt.targets[0].ctx = ast.Store()
            setattr(stmt, _WRITTEN_INTO, True)
            made.add(stmt.targets[0].id)
        out.append(stmt)
    return out, made


def _is_init(stmt: ast.stmt, name: str) -> bool:
    """``name = 0``, ``name = []``, ``name = np.zeros(…)`` and the like: a value the loop replaces."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name):
        return False
    value = stmt.value
    if isinstance(value, ast.Constant) or (isinstance(value, (ast.List, ast.Tuple, ast.Dict)) and not (
            getattr(value, "elts", None) or getattr(value, "keys", None))):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.operand, ast.Constant):
        return True
    return _call_name(value) in _INITS


def _drop_inits(before: list[ast.stmt], made: set[str]) -> None:
    """Remove from ``before`` (the statements before the loop) the last initialisation of each name in
    ``made`` that nothing read after it."""
    for name in made:
        for i in range(len(before) - 1, -1, -1):
            stmt = before[i]
            if _is_init(stmt, name):
                del before[i]
                break
            if any(isinstance(n, ast.Name) and n.id == name for n in nodes(stmt)):
                break


def _loop(loop: ast.For | ast.While, before: list[ast.stmt]) -> list[ast.stmt] | None:
    """The statements a loop stands for, or None when it is not read as vectorised code."""
    if loop.orelse or len(loop.body) > MAX_BODY or _leaves_early(loop.body):
        return None
    if isinstance(loop, ast.While):
        counted = _counted_while(loop, before)
        if counted is None:
            return None
        index, body = counted
        elements: dict[str, ast.expr] = {}
        indexes = {index}
    else:
        found = _variables(loop)
        if found is None:
            return None
        (elements, indexes), body = found, loop.body
    writer = _Writer(elements, indexes)
    body = [writer.visit(stmt) for stmt in body]
    if writer.written > MAX_WRITTEN:
        return None
    body, made = _hoisted(body, indexes)
    _drop_inits(before, made)
    return body


def _counted_while(loop: ast.While, before: list[ast.stmt]) -> tuple[str, list[ast.stmt]] | None:
    """``(index, body without its increment)`` of ``while i < n: …; i = i + 1``, its ``i = 0`` removed."""
    test = loop.test
    if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and len(test.ops) == 1
            and isinstance(test.ops[0], (ast.Lt, ast.LtE, ast.NotEq))):
        return None
    index = test.left.id
    last = loop.body[-1] if loop.body else None
    acc = _accumulated(last) if last is not None else None
    if acc is None or acc[0] != index or acc[1] != "sum":
        return None
    _drop_inits(before, {index})
    return index, loop.body[:-1]


class _Calls(ast.NodeTransformer):
    """Comprehensions over one sequence, ``apply_along_axis``, ``vectorize(f)(…)`` and ``map``, as the call."""

    def __init__(self) -> None:
        self.written = 0

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> ast.expr:
        self.generic_visit(node)
        if len(node.generators) != 1:
            return node
        gen = node.generators[0]
        if gen.ifs or gen.is_async:
            return node
        found = _variables(ast.For(gen.target, gen.iter, [], []))
        if found is None:
            return node
        writer = _Writer(*found)
        out = writer.visit(node.elt if not isinstance(node, ast.DictComp) else node.value)
        self.written += writer.written
        return node if self.written > MAX_WRITTEN else out

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comprehension

    def visit_Call(self, node: ast.Call) -> ast.expr:
        if _call_name(node) == "sum" and len(node.args) == 1 and not node.keywords \
                and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)) and len(node.args[0].generators) == 1 \
                and len(node.args[0].generators[0].ifs) == 1:
            # `sum(e for v in x if c)` is the sum of `np.where(c, e, 0)` over x (what a loop `if c: s += e` is)
            comp = node.args[0]
            gen = comp.generators[0]
            where = ast.copy_location(_numpy("where", [gen.ifs[0], comp.elt, ast.Constant(0)]), comp.elt)
            node.args[0] = ast.copy_location(ast.GeneratorExp(where, [ast.comprehension(
                gen.target, gen.iter, [], gen.is_async)]), comp)
        self.generic_visit(node)
        name = _call_name(node)
        if name == "apply_along_axis" and len(node.args) >= 3:
            return ast.copy_location(ast.Call(node.args[0], [node.args[2]] + node.args[3:], node.keywords), node)
        if name == "map" and len(node.args) >= 2 and not node.keywords:
            return ast.copy_location(ast.Call(node.args[0], node.args[1:], []), node)
        if isinstance(node.func, ast.Call) and _call_name(node.func) in ("vectorize", "frompyfunc") \
                and node.func.args:
            return ast.copy_location(ast.Call(node.func.args[0], node.args, node.keywords), node)
        return node


def _conditional(stmt: ast.stmt) -> ast.Assign | None:
    """``if c: x = a`` (one assignment to a name, no ``else``) as ``x = np.where(c, a, x)`` (``if not c``:
    ``np.where(c, x, a)``): what the vectorised form of a condition on a row is; None for other ``if``s."""
    if not (isinstance(stmt, ast.If) and not stmt.orelse and len(stmt.body) == 1
            and isinstance(stmt.body[0], ast.Assign) and len(stmt.body[0].targets) == 1
            and isinstance(stmt.body[0].targets[0], ast.Name)):
        return None
    name, value, test = stmt.body[0].targets[0].id, stmt.body[0].value, stmt.test
    old = ast.Name(name, ast.Load())
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        args = [test.operand, old, value]
    else:
        args = [test, value, old]
    return ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], _numpy("where", args)), stmt)


def _block(body: list[ast.stmt], depth: int) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        written = _conditional(stmt)
        if written is not None:
            out.append(written)
            continue
        for name in _BLOCKS:
            inner = getattr(stmt, name, None)
            if isinstance(inner, list):
                setattr(stmt, name, _block(inner, depth + 1))
        for handler in getattr(stmt, "handlers", []):
            handler.body = _block(handler.body, depth + 1)
        if isinstance(stmt, (ast.For, ast.While)):
            flat = _loop(stmt, out)
            if flat is not None:
                out.extend(flat)
                continue
        out.append(stmt)
    return out


def _still_written_into(function: Function) -> None:
    """``out = e`` made of ``out[i] = e`` whose ``out`` is never read (the loop wrote through a view of another
    array): written ``out[...] = e`` again, so that nothing removes it as unused."""
    everything = nodes(function)  # (one walk: only the marked assignments' targets change below)
    read = {n.id for n in everything if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    for node in everything:
        if isinstance(node, ast.Assign) and getattr(node, _WRITTEN_INTO, False) \
                and cast(ast.Name, node.targets[0]).id not in read:  # (only such an Assign is marked)
            name = cast(ast.Name, node.targets[0])
            node.targets = [ast.copy_location(ast.Subscript(ast.Name(name.id, ast.Load()), ast.Constant(Ellipsis),
                                                            ast.Store()), name)]


def vectorise(function: Function) -> None:
    """Rewrite the loops and comprehensions of ``function`` (an ``ast.FunctionDef``, the caller's copy)."""
    function.body = _block(function.body, 0)
    function.body = [_Calls().visit(stmt) for stmt in function.body]
    _still_written_into(function)
