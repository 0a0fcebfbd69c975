"""Write a choice between two values one way, however its branches are laid out.

A copier turns an ``if`` round, returns early instead of writing ``else``, or writes a conditional expression
for an ``if`` block; changed in place, on a copy the caller owns (before the helpers are written in, so that a
helper that returns from both branches is written in as one expression):

* an early return is an ``else``: ``if c: …; return a`` followed by more statements is ``if c: …; return a``
  ``else: <the rest>`` (a guard that raises stays a guard: ``if not c: raise …`` is ``if c2: raise …`` with
  ``c2`` the comparison ``not c`` is, ``not a > b`` being ``a <= b``);
* an ``if`` with an ``else`` tests the plain condition: ``if not c``, ``is not``, ``!=``, ``not in``, and
  ``a <= b`` / ``a >= b`` (the negations of ``b < a`` / ``a < b``) are the ``if`` of the plain test with its
  branches swapped; so is ``x if not c else y``;
* a choice between two values is ``np.where``: ``if c: return a`` ``else: return b`` is
  ``return np.where(c, a, b)``, ``if c: x = a`` ``else: x = b`` is ``x = np.where(c, a, b)`` (as :mod:`.vectorise`
  writes it in a loop), ``a if c else b`` is ``np.where(c, a, b)``, and ``np.where(c, a, a)`` is ``a``.

What a branch computes stays as written: only the layout of the choice changes.
"""

from __future__ import annotations

import ast

from autograder.similarity.clone import Function

_EXITS = (ast.Return,)
#: ``not (a OP b)`` written as one comparison.
_OPPOSITE = {ast.Lt: ast.GtE, ast.LtE: ast.Gt, ast.Gt: ast.LtE, ast.GtE: ast.Lt, ast.Eq: ast.NotEq,
             ast.NotEq: ast.Eq, ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In}
_BLOCKS = ("body", "orelse", "finalbody")
#: ``not (a OP b)`` as a plain comparison: ``(operator, swap the operands)``.
_NEGATED = {ast.IsNot: (ast.Is, False), ast.NotEq: (ast.Eq, False), ast.NotIn: (ast.In, False),
            ast.LtE: (ast.Lt, True), ast.GtE: (ast.Lt, False)}
_WHERE = "numpy.where"


def _plain(test: ast.expr) -> ast.expr | None:
    """The plain condition whose negation ``test`` is (``c`` for ``not c``, ``b < a`` for ``a <= b``), else None."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and type(test.ops[0]) in _NEGATED:
        op, swap = _NEGATED[type(test.ops[0])]
        left, right = (test.comparators[0], test.left) if swap else (test.left, test.comparators[0])
        return ast.copy_location(ast.Compare(left, [op()], [right]), test)
    return None


def _where(test: ast.expr, yes: ast.expr, no: ast.expr, at: ast.AST) -> ast.expr:
    """``np.where(test, yes, no)`` (the plain test, branches swapped for a negated one); ``yes`` alone when both
    are written alike."""
    plain = _plain(test)
    if plain is not None:
        test, yes, no = plain, no, yes
    if ast.dump(yes, annotate_fields=False) == ast.dump(no, annotate_fields=False):
        return yes
    return ast.copy_location(ast.Call(ast.Name(_WHERE, ast.Load()), [test, yes, no], []), at)


class _Expressions(ast.NodeTransformer):
    """``a if c else b``, and ``np.where(c, a, b)`` as the steps before wrote it (``numpy.where``), inside
    statements."""

    def visit_IfExp(self, node: ast.IfExp) -> ast.expr:
        self.generic_visit(node)
        return _where(node.test, node.body, node.orelse, node)

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == _WHERE and len(node.args) == 3 and not node.keywords:
            return _where(node.args[0], node.args[1], node.args[2], node)
        return node


def _block(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for i, stmt in enumerate(body):
        if isinstance(stmt, ast.If) and not stmt.orelse and stmt.body and isinstance(stmt.body[-1], _EXITS) \
                and i + 1 < len(body):
            stmt.orelse = body[i + 1:]  # an early exit: the rest is its else
            out.append(_statement(stmt))
            return out
        out.append(_statement(stmt))
    return out


def _statement(stmt: ast.stmt) -> ast.stmt:
    for name in _BLOCKS:
        block = getattr(stmt, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(stmt, name, _block(block))
    for handler in getattr(stmt, "handlers", []):
        handler.body = _block(handler.body)
    if isinstance(stmt, ast.If) and not stmt.orelse and isinstance(stmt.test, ast.UnaryOp) \
            and isinstance(stmt.test.op, ast.Not) and isinstance(stmt.test.operand, ast.Compare) \
            and len(stmt.test.operand.ops) == 1:  # a guard: `if not a > b` is `if a <= b`
        inner = stmt.test.operand
        stmt.test = ast.copy_location(ast.Compare(inner.left, [_OPPOSITE[type(inner.ops[0])]()], inner.comparators),
                                      inner)
    if not isinstance(stmt, ast.If) or not stmt.orelse:
        return stmt
    plain = _plain(stmt.test)
    if plain is not None:
        stmt.test, stmt.body, stmt.orelse = plain, stmt.orelse, stmt.body
    yes, no = stmt.body[-1], stmt.orelse[-1]
    if len(stmt.body) == 1 == len(stmt.orelse) and isinstance(yes, ast.Return) and isinstance(no, ast.Return) \
            and yes.value is not None and no.value is not None:
        return ast.copy_location(ast.Return(_where(stmt.test, yes.value, no.value, stmt)), stmt)
    if len(stmt.body) == 1 == len(stmt.orelse) and isinstance(yes, ast.Assign) and isinstance(no, ast.Assign) \
            and len(yes.targets) == 1 == len(no.targets) and isinstance(yes.targets[0], ast.Name) \
            and isinstance(no.targets[0], ast.Name) and yes.targets[0].id == no.targets[0].id:
        return ast.copy_location(ast.Assign(yes.targets, _where(stmt.test, yes.value, no.value, stmt)), stmt)
    return stmt


def one_way_branches(function: Function) -> None:
    """Rewrite ``function``'s choices between values one way (see the module docstring), in place."""
    function.body = _block(function.body)
    function.body = [_Expressions().visit(stmt) for stmt in function.body]
