"""Write a temporary that is assigned once and read once where it is read.

``total = np.sum(e); return e / total`` and ``return e / np.sum(e)`` are the
same code; a copier adds or removes such temporaries freely. Changed in place
(after :mod:`.prune`): a plain name, not a parameter, assigned by one simple
assignment and read exactly once in the whole function, by a later
statement of the same block, is replaced there by its value and its
assignment removed — when no statement in between writes a name the value
reads (the value would change), and the read is not inside a loop, a
comprehension, a lambda or a nested function (it would be evaluated more
than once). At most :data:`MAX_ROUNDS` temporaries per function.
"""

from __future__ import annotations

import ast
from collections import Counter

from autograder.similarity.clone import clone

#: Temporaries written in place, at most, per function.
MAX_ROUNDS = 40

_BLOCKS = ("body", "orelse", "finalbody")
_REPEATED = (ast.For, ast.AsyncFor, ast.While, ast.comprehension, ast.Lambda, ast.FunctionDef,
             ast.AsyncFunctionDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _blocks(node):
    """Every statement list of ``node`` (a function), outermost first."""
    todo = [node]
    while todo:
        item = todo.pop()
        for name in _BLOCKS:
            block = getattr(item, name, None)
            if isinstance(block, list):
                yield block
                todo.extend(block)
        for handler in getattr(item, "handlers", []):
            yield handler.body
            todo.extend(handler.body)


def _single_read(stmt, name: str):
    """``(parent, field, index)`` of the one read of ``name`` in ``stmt``, or None when it is under a loop,
    a comprehension or a nested function, or when ``stmt`` is a compound statement other than ``if``."""
    if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.If)):
        return None
    roots = [stmt.test] if isinstance(stmt, ast.If) else [stmt]
    todo = [(root, False) for root in roots]
    while todo:
        node, repeated = todo.pop()
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                if not isinstance(child, ast.AST):
                    continue
                if isinstance(child, ast.Name) and child.id == name and isinstance(child.ctx, ast.Load):
                    return None if repeated else (node, field, index if isinstance(value, list) else None)
                todo.append((child, repeated or isinstance(child, _REPEATED)))
    return None


def _writes(stmt) -> set:
    return {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _one(function) -> bool:
    """Write one temporary in place; whether there was one."""
    a = function.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p is not None}
    writes, reads = Counter(), Counter()
    for node in ast.walk(function):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else writes)[node.id] += 1
    for block in _blocks(function):
        for i, stmt in enumerate(block):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            name = stmt.targets[0].id
            if name in params or writes[name] != 1 or reads[name] != 1:
                continue
            needs = {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)}
            for j in range(i + 1, len(block)):
                spot = _single_read(block[j], name)
                if spot is not None:
                    parent, field, index = spot
                    value = clone(stmt.value)
                    if index is None:
                        setattr(parent, field, value)
                    else:
                        getattr(parent, field)[index] = value
                    del block[i]
                    return True
                if (_writes(block[j]) & needs) or any(isinstance(n, ast.Name) and n.id == name
                                                      for n in ast.walk(block[j])):
                    break
    return False


def inline_temporaries(function) -> None:
    """Write the single-use temporaries of ``function`` (an ``ast.FunctionDef``) where they are read, in place."""
    for _ in range(MAX_ROUNDS):
        if not _one(function):
            break
