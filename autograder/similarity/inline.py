"""Inline a notebook's helper functions into the graded function that calls them.

A copier moves code between a function and helpers of their own (a helper
split out, or one written inline): both become the same code here. A call of
a helper (a top-level function of the notebook that is not a contract
function) in a simple statement of the graded function is replaced by the
helper's body when that body is straight-line code ending in one ``return``:

    def _shift(v, ax):                      def softmax(z, axis=-1):
        return v - v.max(ax, keepdims=True)     e = np.exp(z - z.max(axis, keepdims=True))
    def softmax(z, axis=-1):           →        ...
        e = np.exp(_shift(z, axis))

The helper's parameters become the call's arguments: written in place where
an argument is a name, an attribute chain or a constant and the helper never
assigns the parameter, otherwise as an assignment before the body. Helpers
called from inlined code are inlined in turn, :data:`MAX_DEPTH` deep, and
at most :data:`MAX_NODES` syntax nodes are added in all (counted before
anything is copied: a helper called many times on large arguments cannot
make the tree explode).
A helper that cannot be inlined (several returns, a loop that returns, a
generator, recursion), or that is called elsewhere than in a simple statement
(an ``if`` test, passed as a value), is kept whole and fingerprinted after the
function (:func:`inline_helpers` returns it), so its code still counts. At most
:data:`MAX_INLINED` statements are added in all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from autograder.model.pysource import nodes, without_docstring
from autograder.similarity.clone import Function, clone

#: Helpers inlined into helpers, at most this deep.
MAX_DEPTH = 3
#: Statements added by inlining, at most, per graded function.
MAX_INLINED = 400
#: Syntax nodes added by inlining, at most, per graded function (counted before anything is copied).
MAX_NODES = 20_000
#: Helper calls looked at in one statement, at most.
MAX_CALLS = 20

_SIMPLE = (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Return, ast.Expr)
_BLOCKS = ("body", "orelse", "finalbody")


def _inlinable(helper: Function) -> bool:
    """Statements (loops and ``if`` blocks too) then one final ``return value``, and no other ``return``;
    not a generator, no async, no recursion."""
    if isinstance(helper, ast.AsyncFunctionDef):
        return False
    body = without_docstring(helper.body)
    if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
        return False
    for node in body[:-1]:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try)):
            return False
    return not any(isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await, ast.Global, ast.Nonlocal, ast.Return))
                   or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == helper.name)
                   for stmt in body[:-1] for n in nodes(stmt)) and not any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == helper.name
        for n in nodes(body[-1]))


def _stored(statements: Iterable[ast.AST]) -> set[str]:
    return {n.id for stmt in statements for n in nodes(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _locals(function: Function) -> set[str]:
    """The names a function binds itself (parameters and assignments): a helper of that name is not called."""
    a = function.args
    return {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs} | _stored(function.body)


def _size(body: list[ast.stmt], place: dict[str, ast.expr]) -> int:
    """Syntax nodes of ``body`` once ``place``'s values are written in (counted, nothing copied)."""
    values = {name: len(nodes(value)) for name, value in place.items()}
    return sum(values.get(n.id, 1) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) else 1
               for stmt in body for n in nodes(stmt))


class _Substitute(ast.NodeTransformer):
    def __init__(self, values: dict[str, ast.expr]) -> None:
        self.values = values

    def visit_Name(self, node: ast.Name) -> ast.expr:
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return ast.copy_location(clone(self.values[node.id]), node)
        return node


def _bind(helper: Function, call: ast.Call) -> tuple[dict[str, ast.expr], list[ast.stmt]] | None:
    """``(in-place substitutions, assignments)`` binding the helper's parameters to the call's arguments;
    None when the call cannot be matched (``*args``, unknown keywords)."""
    a = helper.args
    params = [p.arg for p in a.posonlyargs + a.args]
    defaults = dict(zip(params[len(params) - len(a.defaults):], a.defaults))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    if a.vararg or a.kwarg or any(isinstance(x, ast.Starred) for x in call.args) or len(call.args) > len(params):
        return None
    given = dict(zip(params, call.args))
    for kw in call.keywords:
        if kw.arg is None or kw.arg in given or kw.arg not in params + [p.arg for p in a.kwonlyargs]:
            return None
        given[kw.arg] = kw.value
    names = params + [p.arg for p in a.kwonlyargs]
    if any(n not in given and n not in defaults for n in names):
        return None
    stored = _stored(helper.body)
    place: dict[str, ast.expr] = {}
    assign: list[ast.stmt] = []
    for name in names:
        value = given[name] if name in given else defaults[name]  # (each is in one of them: checked above)
        plain = isinstance(value, (ast.Name, ast.Constant)) or (
            isinstance(value, ast.Attribute) and all(isinstance(n, (ast.Attribute, ast.Name, ast.Load))
                                                     for n in nodes(value)))
        if plain and name not in stored:
            place[name] = value
        else:
            assign.append(ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], clone(value)), call))
    return place, assign


def _callee(call: ast.Call) -> str:
    """The key of the helper a call calls: ``name`` for ``name(…)``, ``.attr`` for ``obj.attr(…)``."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else "." + func.attr if isinstance(func, ast.Attribute) else ""


class _Inliner:
    def __init__(self, helpers: dict[str, Function]) -> None:
        self.helpers = helpers
        self.added = 0
        self.nodes = 0
        self.kept: dict[str, Function] = {}  # name -> helper kept whole (called, not inlinable)
        self.inlined: set[str] = set()  # names written in at least once

    def _calls(self, stmt: ast.stmt, shadowed: set[str]) -> list[ast.Call]:
        return [n for n in nodes(stmt) if isinstance(n, ast.Call) and _callee(n) in self.helpers
                and _callee(n) not in shadowed]

    def block(self, body: list[ast.stmt], shadowed: set[str], depth: int) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in body:
            for name in _BLOCKS:
                if isinstance(getattr(stmt, name, None), list):
                    setattr(stmt, name, self.block(getattr(stmt, name), shadowed, depth))
            for handler in getattr(stmt, "handlers", []):
                handler.body = self.block(handler.body, shadowed, depth)
            out.extend(self.statement(stmt, shadowed, depth) if isinstance(stmt, _SIMPLE) else [stmt])
        return out

    def statement(self, stmt: ast.stmt, shadowed: set[str], depth: int) -> list[ast.stmt]:
        before: list[ast.stmt] = []
        kept: set[int] = set()
        for _ in range(MAX_CALLS):
            call = next((c for c in self._calls(stmt, shadowed) if id(c) not in kept), None)
            if call is None:
                break
            name = _callee(call)
            helper = self.helpers[name]
            body = without_docstring(helper.body)
            bound = _bind(helper, call) if depth < MAX_DEPTH and _inlinable(helper) else None
            size = _size(body, bound[0]) + sum(_size([a], {}) for a in bound[1]) if bound is not None else 0
            if bound is None or self.added + len(body) > MAX_INLINED or self.nodes + size > MAX_NODES:
                kept.add(id(call))
                self._keep(name, depth)
                continue
            self.inlined.add(name)
            self.nodes += size
            place, assign = bound
            sub = _Substitute(place)
            stmts = [sub.visit(clone(s)) for s in body]
            result = stmts.pop().value
            inner = self.block(assign + stmts, _locals(helper), depth + 1)
            self.added += len(inner)
            before.extend(inner)
            _replace(stmt, call, result)
        return before + [stmt]

    def _keep(self, name: str, depth: int) -> None:
        if name in self.kept:
            return
        helper = clone(self.helpers[name])
        self.kept[name] = helper
        if depth < MAX_DEPTH:
            helper.body = self.block(helper.body, _locals(helper), depth + 1)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put ``new`` where ``old`` (a node of ``tree``) is."""
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def inline_all(function: Function, helpers: dict[str, Function]) -> tuple[Function, list[Function], set[str]]:
    """``(function, [helpers kept whole], {helpers written in at least once})``: :func:`inline_helpers`, and
    which it wrote in. A key ``.name`` in ``helpers`` is a method (its ``self`` already removed): a call
    ``obj.name(…)`` is written in as a helper's is."""
    out = function
    inliner = _Inliner({k: v for k, v in helpers.items() if k != function.name})
    if not inliner.helpers:
        return out, [], set()  # (nothing to write in or keep: the walks below would change nothing)
    shadowed = _locals(out)
    out.body = inliner.block(out.body, shadowed, 0)
    # helpers named elsewhere (an ``if`` test, a loop, passed as a value) are kept whole
    named = [n.id for n in nodes(out) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)]
    for name in dict.fromkeys(named):
        if name in inliner.helpers and name not in shadowed:
            inliner._keep(name, 0)
    return out, list(inliner.kept.values()), inliner.inlined


def inline_helpers(function: Function, helpers: dict[str, Function]) -> tuple[Function, list[Function]]:
    """``(function with its helpers inlined, [helpers kept whole])``: ``function`` is changed in place (the
    caller passes a copy), the helpers are not.

    Parameters
    ----------
    function : ast.FunctionDef
        The graded function.
    helpers : dict
        ``name -> ast.FunctionDef`` of the notebook's other top-level functions
        that are not contract functions (the graded function itself excluded).
    """
    out, kept, _ = inline_all(function, helpers)
    return out, kept
