"""Remove from a function what a copier adds or drops without changing what it computes.

Changed in place, on a copy the caller owns (after :mod:`.inline`):

* docstrings and every other statement that is a bare constant or name
  (a string used as a comment); comments never reach the tree;
* ``print(...)``, ``display(...)`` and ``pprint(...)`` statements (debugging output);
* ``pass``;
* dead code: the statements after a ``return``, ``raise``, ``break`` or
  ``continue`` of the same block, the branch of an ``if`` whose test is a
  constant that is never taken, a ``while`` whose test is a false constant;
* ``x += e`` written as ``x = x + e`` (both forms are common);
* unused assignments: an assignment whose targets are all plain names that
  the function never reads (a temporary left behind, a dead variable added),
  repeatedly, until none is left (at most :data:`MAX_ROUNDS` rounds);
* blocks left empty by the above: an ``if``, ``for``, ``while`` or ``with``
  with nothing left to do goes too.

Type annotations are not removed here; the token stream skips them (:mod:`.tokens`).
"""

from __future__ import annotations

import ast

from autograder.model.pysource import nodes
from autograder.similarity.clone import Function, clone

#: Rounds of removing unused assignments (each removal can leave another unused).
MAX_ROUNDS = 8

_DEBUG_CALLS = frozenset({"print", "display", "pprint"})
_TERMINATORS = (ast.Return, ast.Raise, ast.Break, ast.Continue)
_BLOCKS = ("body", "orelse", "finalbody")


def _is_noise(stmt: ast.stmt) -> bool:
    """A statement that does nothing a grader or a reader relies on."""
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr):
        value = stmt.value
        if isinstance(value, (ast.Constant, ast.Name)):
            return True
        return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
                and value.func.id in _DEBUG_CALLS)
    return False


def _constant_branch(stmt: ast.stmt) -> list[ast.stmt] | None:
    """The statements an ``if``/``while`` with a constant test stands for, or None when its test is not one."""
    if isinstance(stmt, (ast.If, ast.While)) and isinstance(stmt.test, ast.Constant):
        if stmt.test.value:
            return stmt.body if isinstance(stmt, ast.If) else None  # `while True` is a real loop
        return stmt.orelse
    return None


def _augmented(stmt: ast.AugAssign) -> ast.Assign:
    """``x += e`` → ``x = x + e`` (for a plain name, an attribute or a subscript)."""
    target = clone(stmt.target)
    load = clone(stmt.target)
    for node in nodes(load):
        if hasattr(node, "ctx"):
            node.ctx = ast.Load()
    for node in nodes(target):
        if hasattr(node, "ctx") and node is not target:
            node.ctx = ast.Load()
    return ast.copy_location(ast.Assign([target], ast.copy_location(ast.BinOp(load, stmt.op, stmt.value), stmt)),
                             stmt)


def _empty(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
        return not stmt.body and not getattr(stmt, "orelse", [])
    return False


def _clean(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        branch = _constant_branch(stmt)
        if branch is not None:
            out.extend(_clean(branch))
        elif not _is_noise(stmt):
            if isinstance(stmt, ast.AugAssign):
                stmt = _augmented(stmt)
            for name in _BLOCKS:
                if isinstance(getattr(stmt, name, None), list):
                    setattr(stmt, name, _clean(getattr(stmt, name)))
            for handler in getattr(stmt, "handlers", []):
                handler.body = _clean(handler.body)
            if not _empty(stmt):
                out.append(stmt)
        if out and isinstance(out[-1], _TERMINATORS):
            break
    return out


def _names(target: ast.expr) -> list[str] | None:
    """The plain names a target binds, or None when it also writes elsewhere (``a[i] = …``, ``o.x = …``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        names = []
        for element in target.elts:
            inner = _names(element.value if isinstance(element, ast.Starred) else element)
            if inner is None:
                return None
            names += inner
        return names
    return None


def _drop_unused(body: list[ast.stmt], read: set[str]) -> tuple[list[ast.stmt], bool]:
    out: list[ast.stmt] = []
    dropped = False
    for stmt in body:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and getattr(stmt, "value", None) is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [_names(t) for t in targets]
            if all(n is not None for n in names) and not read.intersection(n for ns in names if ns is not None
                                                                             for n in ns):  # (all are not None)
                dropped = True
                continue
        for name in _BLOCKS:
            if isinstance(getattr(stmt, name, None), list):
                inner, changed = _drop_unused(getattr(stmt, name), read)
                setattr(stmt, name, inner)
                dropped |= changed
        for handler in getattr(stmt, "handlers", []):
            handler.body, changed = _drop_unused(handler.body, read)
            dropped |= changed
        if not _empty(stmt):
            out.append(stmt)
        else:
            dropped = True
    return out, dropped


def prune(function: Function) -> None:
    """Remove the noise, the dead code and the unused assignments of ``function`` (an ``ast.FunctionDef``)."""
    function.body = _clean(function.body)
    for _ in range(MAX_ROUNDS):
        read = {n.id for n in nodes(function) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Store)}
        function.body, changed = _drop_unused(function.body, read)
        if not changed:
            break
