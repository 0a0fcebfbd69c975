"""Write equivalent spellings of the same computation one way.

Changed in place, on a copy the caller owns (after :mod:`.prune`):

* the operands of a commutative operator (``+``, ``*``, ``&``, ``|``, ``^``)
  in one order: a chain of the same operator (``a * b * c``) is flattened
  and its operands sorted by their token text (``key``), so ``b * a`` and
  ``a * b`` are the same code;
* an array method that NumPy also has as a function written as the function:
  ``x.sum(axis=0)`` is ``np.sum(x, axis=0)`` (the names in :data:`NUMPY_METHODS`,
  called on anything but a module).

What it does not undo stays a difference (``0.5 * x`` and ``x / 2``, a loop
and its vectorised form): the fingerprints still match the code around it.
"""

from __future__ import annotations

import ast

#: Array methods written as NumPy's function of the same name (same meaning, array first).
NUMPY_METHODS = frozenset({"sum", "max", "min", "mean", "std", "var", "prod", "any", "all", "argmax", "argmin",
                           "cumsum", "cumprod", "clip", "round", "dot", "squeeze", "transpose", "ravel", "trace",
                           "diagonal", "nonzero"})
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)


def _operands(node, op_type) -> list:
    """The operands of a chain of one commutative operator, left to right (iteratively: chains can be long)."""
    out, todo = [], [node]
    while todo:
        item = todo.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, op_type):
            todo += [item.right, item.left]
        else:
            out.append(item)
    return out


class _Canonical(ast.NodeTransformer):
    def __init__(self, key, modules: frozenset):
        self.key = key
        self.modules = modules

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if not isinstance(node.op, _COMMUTATIVE):
            return node
        operands = sorted(_operands(node, type(node.op)), key=self.key)
        out = operands[0]
        for operand in operands[1:]:
            out = ast.copy_location(ast.BinOp(out, type(node.op)(), operand), node)
        return out

    def visit_Call(self, node):
        self.generic_visit(node)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in NUMPY_METHODS and not (
                isinstance(func.value, ast.Name) and func.value.id in self.modules):
            name = ast.copy_location(ast.Name(f"numpy.{func.attr}", ast.Load()), func)
            return ast.copy_location(ast.Call(name, [func.value] + node.args, node.keywords), node)
        return node


def canonical_forms(tree, key, modules=frozenset()) -> None:
    """Rewrite ``tree`` (a function) in place; ``key(node)`` orders operands, ``modules`` are the names bound
    to imported modules (``np.sum(x)`` is already the function)."""
    tree.body = [_Canonical(key, frozenset(modules)).visit(stmt) for stmt in tree.body]
