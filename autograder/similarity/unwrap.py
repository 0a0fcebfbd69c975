"""Take off what only wraps a function's computation: the same code, with or without the wrapping, reads alike.

Changed in place, on a copy the caller owns (before :mod:`.inline`, so that a helper inside a ``with`` can be
written in, and again before :mod:`.prune`), at any depth:

* a nested function that the body only calls (``def _inner(z, axis): …`` then ``return _inner(z, axis)``)
  written in where it is called, as a notebook's helper is (:func:`autograder.similarity.inline.inline_helpers`);
* ``import`` statements inside the function (:func:`drop_imports`, once the token stream has read their names:
  :func:`autograder.similarity.tokens.local_imports`);
* ``global``/``nonlocal`` declarations, and the assignments to a declared name that the function does not
  otherwise read (a call counter, the last input kept for debugging): they change the notebook, not the value;
* ``with`` blocks that bind nothing (``with np.errstate(over="ignore"):``): their body;
* ``try`` blocks whose every handler only raises again (``except TypeError as exc: raise ValueError(…)``),
  with no ``else`` or ``finally``: their body.

Each is what a copier (or course code) wraps a computation in without changing what it computes.
"""

from __future__ import annotations

import ast

from autograder.model.pysource import nodes
from autograder.similarity.clone import Function
from autograder.similarity.inline import inline_helpers

_BLOCKS = ("body", "orelse", "finalbody")


def _raises_only(handler: ast.ExceptHandler) -> bool:
    body = [s for s in handler.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    return bool(body) and all(isinstance(s, (ast.Raise, ast.Pass)) for s in body) and isinstance(body[-1], ast.Raise)


def _global_targets(stmt: ast.stmt, declared: set[str]) -> bool:
    """``stmt`` assigns declared names only (``CALLS += 1``, ``LAST = z``)."""
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    else:
        return False
    return all(isinstance(t, ast.Name) and t.id in declared for t in targets)


def _read_elsewhere(function: Function, declared: set[str]) -> set[str]:
    """The declared names the function reads outside its own assignments to them."""
    if not declared:
        return set()  # (the walks below find none: most functions declare no global)
    skip = {id(n) for stmt in nodes(function) if isinstance(stmt, ast.stmt) and _global_targets(stmt, declared)
            for n in nodes(stmt)}
    return {n.id for n in nodes(function) if isinstance(n, ast.Name) and n.id in declared
            and isinstance(n.ctx, ast.Load) and id(n) not in skip}


def _block(body: list[ast.stmt], dropped: set[str]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for stmt in body:
        if isinstance(stmt, (ast.Global, ast.Nonlocal)) or _global_targets(stmt, dropped):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            unwrap(stmt)
        if isinstance(stmt, (ast.With, ast.AsyncWith)) and all(item.optional_vars is None for item in stmt.items):
            out.extend(_block(stmt.body, dropped))
            continue
        if isinstance(stmt, ast.Try) and stmt.handlers and not stmt.orelse and not stmt.finalbody \
                and all(_raises_only(h) for h in stmt.handlers):
            out.extend(_block(stmt.body, dropped))
            continue
        for name in _BLOCKS:
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                setattr(stmt, name, _block(inner, dropped) or [ast.Pass()])
        for handler in getattr(stmt, "handlers", []):
            handler.body = _block(handler.body, dropped) or [ast.Pass()]
        out.append(stmt)
    return out


def _nested_called(function: Function) -> dict[str, Function]:
    """The functions defined at the top of ``function``'s body that it only calls (never passes as a value)."""
    defined = {s.name: s for s in function.body if isinstance(s, ast.FunctionDef)}
    if not defined:
        return {}
    called = {id(n.func) for n in nodes(function) if isinstance(n, ast.Call)}
    as_value = {n.id for n in nodes(function) if isinstance(n, ast.Name) and n.id in defined
                and id(n) not in called}
    stored = {n.id for n in nodes(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return {name: f for name, f in defined.items() if name not in as_value and name not in stored
            and not f.decorator_list}


def drop_imports(function: Function) -> None:
    """Remove the ``import`` statements of ``function`` (the caller's copy), once its names have been read."""
    for node in nodes(function):
        for name in _BLOCKS:
            block = getattr(node, name, None)
            if isinstance(block, list) and any(isinstance(s, (ast.Import, ast.ImportFrom)) for s in block):
                block[:] = [s for s in block if not isinstance(s, (ast.Import, ast.ImportFrom))] or [ast.Pass()]


def unwrap(function: Function) -> None:
    """Take the wrappings off ``function`` (an ``ast.FunctionDef``, the caller's copy; see the module docstring),
    and off the functions nested in it first, so that one written in where it is called is unwrapped already."""
    declared = {n for node in nodes(function) if isinstance(node, (ast.Global, ast.Nonlocal)) for n in node.names}
    dropped = declared - _read_elsewhere(function, declared)
    function.body = _block(function.body, dropped) or [ast.Pass()]
    nested = _nested_called(function)
    if nested:
        function.body = [s for s in function.body if not (isinstance(s, ast.FunctionDef) and s.name in nested)]
        _, kept = inline_helpers(function, nested)
        function.body = kept + function.body  # (one that could not be written in stays, its code counted)
