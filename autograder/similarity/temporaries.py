"""Write a temporary that is assigned once and read once where it is read.

``total = np.sum(e); return e / total`` and ``return e / np.sum(e)`` are the
same code; a copier adds or removes such temporaries freely. Changed in place
(after :mod:`.prune`): a plain name, not a parameter, assigned by one simple
assignment and read exactly once in the whole function, by a later
statement of the same block, is replaced there by its value and its
assignment removed — when no statement in between writes a name the value
reads (the value would change), and the read is not inside a loop, a
comprehension, a lambda or a nested function (it would be evaluated more
than once). At most :data:`MAX_ROUNDS` temporaries per function, each read
looked for in the next :data:`MAX_SCAN` statements, and none written in where
the function would grow deeper than :data:`autograder.similarity.bounds.MAX_DEPTH`
(forty chained temporaries of deep expressions stay forty statements), and none whose value
has more than :data:`MAX_VALUE_NODES` nodes (so that each is measured in constant time).
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Iterator

from autograder.model.pysource import nodes
from autograder.similarity.bounds import MAX_DEPTH, depth
from autograder.similarity.clone import Function

#: Temporaries written in place, at most, per function.
MAX_ROUNDS = 40
#: Statements after an assignment looked at for its one read.
MAX_SCAN = 50
#: Syntax nodes of a value written in, at most (a temporary's value is a line; a larger one stays where it is).
MAX_VALUE_NODES = 300

_BLOCKS = ("body", "orelse", "finalbody")
_REPEATED = (ast.For, ast.AsyncFor, ast.While, ast.comprehension, ast.Lambda, ast.FunctionDef,
             ast.AsyncFunctionDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _blocks(node: Function) -> Iterator[list[ast.stmt]]:
    """Every statement list of ``node`` (a function), outermost first."""
    todo: list[ast.AST] = [node]
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


def _single_read(stmt: ast.stmt, name: str) -> tuple[ast.AST, str, int | None] | None:
    """``(parent, field, index)`` of the one read of ``name`` in ``stmt``, or None when it is under a loop,
    a comprehension or a nested function, or when ``stmt`` is a compound statement other than ``if``."""
    if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return, ast.If)):
        return None
    roots = [stmt.test] if isinstance(stmt, ast.If) else [stmt]
    todo: list[tuple[ast.AST, bool]] = [(root, False) for root in roots]
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


def _writes(stmt: ast.stmt) -> set[str]:
    return {n.id for n in nodes(stmt) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}


def _larger(tree: ast.AST, limit: int) -> bool:
    """Whether ``tree`` has more than ``limit`` nodes (counted no further than that)."""
    todo, seen = [tree], 0
    while todo:
        seen += 1
        if seen > limit:
            return True
        todo.extend(ast.iter_child_nodes(todo.pop()))
    return False


def _pass(function: Function, left: int) -> int:
    """Write in place the temporaries of ``function`` found in one walk, at most ``left``; how many."""
    a = function.args
    params = {p.arg for p in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if p is not None}
    writes: Counter[str] = Counter()
    reads: Counter[str] = Counter()
    deepest = -1  # (measured when a first temporary is found: most passes find none)
    for node in nodes(function):
        if isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else writes)[node.id] += 1
    done = 0
    for block in list(_blocks(function)):
        i = 0
        while i < len(block) and done < left:
            stmt = block[i]
            i += 1
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            name = stmt.targets[0].id
            if name in params or writes[name] != 1 or reads[name] != 1 or _larger(stmt.value, MAX_VALUE_NODES):
                continue
            needs = {n.id for n in nodes(stmt.value) if isinstance(n, ast.Name)}
            for j in range(i, min(len(block), i + MAX_SCAN)):
                spot = _single_read(block[j], name)
                if spot is not None:
                    if deepest < 0:
                        deepest = depth(function)
                    grown = depth(stmt.value)
                    if deepest + grown > MAX_DEPTH:
                        break  # written in, the function would be too deep for the steps that recurse
                    parent, field, index = spot
                    if index is None:  # (the assignment goes: its value moves, nothing is copied)
                        setattr(parent, field, stmt.value)
                    else:
                        getattr(parent, field)[index] = stmt.value
                    del block[i - 1]
                    i -= 1
                    deepest += grown  # (at most: the function's depth is measured again next pass)
                    writes[name] = reads[name] = 0
                    done += 1
                    break
                if (_writes(block[j]) & needs) or any(isinstance(n, ast.Name) and n.id == name
                                                      for n in nodes(block[j])):
                    break
    return done


def drop_copies(function: Function) -> None:
    """Remove every ``a = b`` between two plain names (``x = np.asarray(x)`` once its conversion is dropped,
    an argument bound to a helper's parameter, ``row = rows`` of a vectorised loop): a local name is
    ``V`` in the token stream whatever it is (:mod:`.tokens`), so a copy only adds ``V = V``, and
    writing ``b`` where ``a`` is read would change no token."""
    for block in list(_blocks(function)):
        block[:] = [stmt for stmt in block if not (
            isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Name))] or block[:1]


def _simple(stmt: ast.stmt) -> bool:
    """A plain statement that no loop, comprehension or nested function is part of."""
    return isinstance(stmt, (ast.Assign, ast.Expr, ast.Return)) and not any(
        isinstance(n, _REPEATED) for n in nodes(stmt))


def rebound_apart(function: Function) -> None:
    """Give each rebinding of a name its own name (``x = x - m; x = x / t`` as ``x = x - m; x_1 = x / t``), where
    every use of the name is in plain statements of the function's own body (no loop, branch or comprehension
    sees it): then ``x - m`` is a temporary read once, written in like any other. A local name is ``V`` in the
    token stream whatever it is called (:mod:`.tokens`), so the renaming itself changes no token. Run on each
    definition on its own, before helpers are written into one another (:func:`autograder.similarity.document`'s
    ``_pruned``): a helper written in may use the caller's names for its own."""
    body = function.body
    where: dict[str, set[int]] = {}
    for k, stmt in enumerate(body):
        for node in nodes(stmt):
            if isinstance(node, ast.Name):
                where.setdefault(node.id, set()).add(k if _simple(stmt) else -1)
    plain = {id(n) for stmt in body if _simple(stmt) for n in nodes(stmt)}
    for node in nodes(function):  # (a name a nested block or a nested function uses: left alone)
        if isinstance(node, ast.Name) and id(node) not in plain:
            where.setdefault(node.id, set()).add(-1)
    taken = {n.id for n in nodes(function) if isinstance(n, ast.Name)} | {
        a.arg for a in nodes(function) if isinstance(a, ast.arg)}
    for name, seen in where.items():
        assignments = {k: stmt for k, stmt in enumerate(body) if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in stmt.targets)}
        first = assignments[min(assignments)] if assignments else None
        if -1 in seen or first is None or len(assignments) < 2 and not any(
                isinstance(n, ast.Name) and n.id == name for n in nodes(first.value)):
            continue
        if any(len(a.targets) != 1 or not isinstance(a.targets[0], ast.Name) for a in assignments.values()):
            continue
        current, version = name, 0
        for k, stmt in enumerate(body):
            assignment = assignments.get(k)
            if assignment is not None:  # the value reads the name as it was; the target is a new version
                for n in nodes(assignment.value):
                    if isinstance(n, ast.Name) and n.id == name:
                        n.id = current
                version += 1
                current = f"{name}_{version}"
                while current in taken:
                    version += 1
                    current = f"{name}_{version}"
                taken.add(current)
                target = assignment.targets[0]
                if isinstance(target, ast.Name):  # (checked above: one plain name)
                    target.id = current
                continue
            for n in nodes(stmt):
                if isinstance(n, ast.Name) and n.id == name:
                    n.id = current


def inline_temporaries(function: Function) -> None:
    """Write the single-use temporaries of ``function`` (an ``ast.FunctionDef``) where they are read, in place."""
    left = MAX_ROUNDS
    while left > 0:
        done = _pass(function, left)
        if not done:
            break
        left -= done


#: Repeated expressions written as temporaries, at most, per function.
MAX_HOISTED = 20
_PURE = (ast.BinOp, ast.UnaryOp, ast.Call, ast.Subscript, ast.Compare, ast.BoolOp)
_IMPURE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.NamedExpr, ast.Await,
           ast.Yield, ast.YieldFrom, ast.Starred)


def hoist_repeated(function: Function) -> None:
    """The reverse of :func:`inline_temporaries`, for what it cannot undo: an expression written twice or more
    in one statement (``logits / T`` four times) is assigned once to a temporary before it, and read there,
    so that it is written as a copier who named it (``s = z / t``) writes it. The largest repeated expression
    first, at most :data:`MAX_HOISTED` per function; an expression of fewer than three nodes stays."""
    done = 0
    for block in list(_blocks(function)):
        i = 0
        while i < len(block) and done < MAX_HOISTED:
            stmt = block[i]
            repeated = _largest_repeated(stmt) if isinstance(stmt, (ast.Assign, ast.Return, ast.Expr)) else None
            if repeated is None:
                i += 1
                continue
            key, first, keys = repeated
            name = f"_repeated_{done}"
            for node in nodes(stmt):  # (a list made before the loop changes the tree)
                for field, value in ast.iter_fields(node):
                    if isinstance(value, ast.AST) and keys(value) == key:
                        setattr(node, field, ast.copy_location(ast.Name(name, ast.Load()), value))
                    elif isinstance(value, list):
                        value[:] = [ast.copy_location(ast.Name(name, ast.Load()), v)
                                    if isinstance(v, ast.AST) and keys(v) == key else v for v in value]
            block.insert(i, ast.copy_location(ast.Assign([ast.Name(name, ast.Store())], first), stmt))
            done += 1  # (the same statement is looked at again: a smaller repeated expression may be left)


#: A field ``ast.dump`` leaves out (missing, or None where its class's default is None).
_LEFT_OUT = object()


def _shape(value: object, shapes: dict[int, int]) -> object:
    """What ``ast.dump`` writes of a field's ``value`` (a node's subtree already numbered in ``shapes``)."""
    if isinstance(value, ast.AST):
        return shapes[id(value)]
    if isinstance(value, list):
        return tuple(_shape(item, shapes) for item in value)
    return repr(value)


def _shapes(order: list[ast.AST], numbers: dict[tuple[object, ...], int]) -> dict[int, int]:
    """A number for each node of ``order`` (a tree's :func:`nodes`), the same for two nodes exactly when their
    ``ast.dump`` (no positions) is the same: their class and, field by field, what ``ast.dump`` writes (a child by
    its number, a list item by item, any other value by its ``repr``; a field it leaves out, left out), numbered
    in ``numbers``. From the leaves up, so that each node costs its own fields, where ``ast.dump`` wrote the whole
    subtree of every node it was asked about. Valid while the subtree is not changed."""
    shapes: dict[int, int] = {}
    for node in reversed(order):  # (breadth first: every child stands after its parent)
        cls = type(node)
        parts: list[object] = [cls]
        for name in node._fields:
            value = getattr(node, name, _LEFT_OUT)
            if value is None and getattr(cls, name, ...) is None:
                value = _LEFT_OUT
            parts.append(value if value is _LEFT_OUT else _shape(value, shapes))
        shapes[id(node)] = numbers.setdefault(tuple(parts), len(numbers))
    return shapes


class _Keys:
    """The keys of one statement's expressions, as :func:`_shapes` numbers them, for as long as it is changed only
    where a repeated expression is written as a name (:func:`hoist_repeated`): there, a node not yet looked at
    keeps its subtree. A node reached twice in the statement (a subtree shared by two parents: not what the steps
    make) may have been changed under its other parent, so then each is numbered again when asked."""

    def __init__(self, order: list[ast.AST]) -> None:
        self.numbers: dict[tuple[object, ...], int] = {}
        self.shapes = _shapes(order, self.numbers)
        branches = [id(node) for node in order if node._fields]
        self.shared = len(set(branches)) != len(branches)

    def __call__(self, node: ast.AST) -> int:
        """The key of ``node`` when it is pure (a candidate to hoist), else -1."""
        if not isinstance(node, _PURE):
            return -1
        return _shapes(nodes(node), self.numbers)[id(node)] if self.shared else self.shapes[id(node)]


def _largest_repeated(stmt: ast.stmt) -> tuple[int, ast.expr, _Keys] | None:
    """``(key, a copy's original, the keys of the statement's nodes)`` of the largest expression written twice
    or more in ``stmt``, or None."""
    order = nodes(stmt)
    # each node's size (its subtree's nodes, contexts not counted) and whether anything in its subtree is impure
    # or written, from the leaves up: one walk, where asking each node about its subtree took one per node
    size: dict[int, int] = {}
    clean: dict[int, bool] = {}
    for node in reversed(order):  # (breadth first: every child stands after its parent)
        total = 0 if isinstance(node, ast.expr_context) else 1
        ok = not (isinstance(node, _IMPURE) or isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)))
        for child in ast.iter_child_nodes(node):
            total += size[id(child)]
            ok = ok and clean[id(child)]
        size[id(node)], clean[id(node)] = total, ok
    keys = _Keys(order)
    seen: dict[int, tuple[int, ast.expr]] = {}
    best: tuple[int, int, ast.expr] | None = None
    for node in order:
        if not isinstance(node, _PURE) or not clean[id(node)] or size[id(node)] < 3:
            continue
        key = keys(node)
        count, _ = seen.get(key, (0, node))
        seen[key] = (count + 1, node)
        if count + 1 >= 2 and (best is None or size[id(node)] > best[0]):
            best = (size[id(node)], key, node)
    return None if best is None else (best[1], best[2], keys)
