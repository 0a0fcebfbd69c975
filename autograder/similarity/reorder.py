"""Put independent statements in one canonical order, so that reordering them changes nothing.

In each block, a run of simple statements (assignments, expression
statements, imports, asserts) between two others (a ``return``, a loop, an
``if`` …, which stay where they are) is sorted topologically: a statement
that reads, writes or mutates a name that an earlier one writes or reads
stays after it; among the statements free to go next, the one with the
smallest key goes first (the key is the statement's token text, in which
local names are all alike: :func:`autograder.similarity.tokens.statement_key`).
Two orders of the same independent statements therefore come out the same.

A method call on a name (``rows.append(x)``) and an assignment into it
(``out[i] = …``, ``obj.x = …``) count as writing that name. Runs longer than
:data:`MAX_RUN` statements keep their order (the sort is quadratic).
"""

from __future__ import annotations

import ast

from autograder.model.pysource import nodes
from autograder.similarity.clone import Function
from autograder.similarity.tokens import Key

#: Longest run of simple statements that is sorted.
MAX_RUN = 200

_SIMPLE = (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Import, ast.ImportFrom, ast.Assert)
_BLOCKS = ("body", "orelse", "finalbody")


def _base(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _effects(stmt: ast.stmt) -> tuple[set[str | None], set[str]]:
    """``(written, read)`` names of a simple statement."""
    written: set[str | None] = set()
    read: set[str] = set()
    for node in nodes(stmt):
        if isinstance(node, ast.Name):
            (written if isinstance(node.ctx, ast.Store) else read).add(node.id)
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            written.add(_base(node))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            written.add(_base(node.func.value))  # a method may change its object
        elif isinstance(node, ast.alias):
            written.add((node.asname or node.name).split(".")[0])
    written.discard(None)
    return written, read


def _sorted_run(run: list[ast.stmt], key: Key) -> list[ast.stmt]:
    if len(run) < 2 or len(run) > MAX_RUN:
        return run
    effects = [_effects(s) for s in run]
    after: dict[int, set[int]] = {j: set() for j in range(len(run))}  # j -> the statements that must come before it
    for j, (wj, rj) in enumerate(effects):
        for i in range(j):
            wi, ri = effects[i]
            if wi & (rj | wj) or ri & wj:
                after[j].add(i)
    keys = [key(s) for s in run]
    out: list[ast.stmt] = []
    done: set[int] = set()
    while len(out) < len(run):
        ready = [j for j in range(len(run)) if j not in done and after[j] <= done]
        j = min(ready, key=lambda i: (keys[i], i))
        done.add(j)
        out.append(run[j])
    return out


def _block(body: list[ast.stmt], key: Key) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    run: list[ast.stmt] = []
    for stmt in body:
        for name in _BLOCKS:
            if isinstance(getattr(stmt, name, None), list):
                setattr(stmt, name, _block(getattr(stmt, name), key))
        for handler in getattr(stmt, "handlers", []):
            handler.body = _block(handler.body, key)
        if isinstance(stmt, _SIMPLE):
            run.append(stmt)
        else:
            out += _sorted_run(run, key) + [stmt]
            run = []
    return out + _sorted_run(run, key)


def canonical_order(function: Function, key: Key) -> None:
    """Sort the independent statements of every block of ``function`` (in place) by ``key(statement)``."""
    function.body = _block(function.body, key)
