"""Write equivalent spellings of the same computation one way.

Changed in place, on a copy the caller owns (after :mod:`.prune` and :mod:`.vectorise`); a library name is
read through the notebook's imports (``np.subtract``, ``numpy.subtract`` and ``subtract`` imported from
NumPy are the same function):

* ufuncs as operators: ``np.add``, ``np.subtract``, ``np.multiply``, ``np.true_divide``/``np.divide``,
  ``np.power``, ``np.negative``, ``np.matmul``/``np.dot`` (two arrays) are ``+ - * / ** -x @``, and so are
  the builtin ``pow(a, b)`` and ``math.pow``; ``x ** 0.5`` is ``np.sqrt(x)``;
  ``np.square(x)`` and ``x * x`` are ``x ** 2`` (``2 * s * s`` is ``2 * s ** 2``);
* reductions by one name: ``np.add.reduce`` is ``np.sum``, ``np.maximum.reduce``/``np.amax`` is ``np.max``,
  ``np.minimum.reduce``/``np.amin`` ``np.min``, ``np.multiply.reduce`` ``np.prod``; ``math``'s functions
  are NumPy's (``math.exp`` is ``np.exp``), the builtins ``sum``/``max``/``min``/``abs`` of one argument
  NumPy's, ``max(a, b)``/``min(a, b)`` ``np.maximum``/``np.minimum``;
* an array method that NumPy also has as a function written as the function: ``x.sum(axis=0)`` is
  ``np.sum(x, axis=0)`` (the names in :data:`NUMPY_METHODS`);
* what only says how an array is laid out or typed, dropped: ``np.asarray(x, dtype=float)``,
  ``np.array(x)``, ``float(x)``, ``x.astype(…)``, ``x.copy()``, ``x.ravel()``, ``np.expand_dims(x, a)``,
  ``np.squeeze(x)``, ``np.moveaxis(x, a, b)``, ``x[:, None]``, ``x.reshape(…)`` are all ``x``; a
  reduction's ``axis`` and ``keepdims`` (by keyword or position) and its ``dtype``: a loop over rows
  reduces a row where the vectorised code gives an axis;
* keyword arguments in one order (by name);
* the operands of a commutative operator (``+``, ``*``, ``&``, ``|``, ``^``) in one order: a chain of the
  same operator (``a * b * c``) is flattened and its operands sorted (``key``), so ``b * a`` is ``a * b``;
  a sum of terms added and subtracted (``a - b + c``, ``-b + a``) is its positive terms in one order then its
  negative ones, a negative constant factor moving its sign to the term (``x * -0.5`` is ``-(x * 0.5)``);
  ``a > b`` is ``b < a``; ``x / 2`` is ``x * 0.5``, ``x * (1 / n)`` is ``x / n``; ``np.sum(x) / x.size``
  (or ``len(x)``) is ``np.mean(x)``; ``np.log(a / b)`` is ``np.log(a) - np.log(b)``;
  ``np.where(x < c, c, x)`` is ``np.maximum(x, c)`` (``minimum`` likewise, its arguments in one order).

What it does not undo stays a difference (another formula, another algorithm): the fingerprints still
match the code around it.
"""

from __future__ import annotations

import ast

from autograder.similarity.clone import Function
from autograder.similarity.tokens import Key, Namer

#: Array methods written as NumPy's function of the same name (same meaning, array first).
NUMPY_METHODS = frozenset({"sum", "max", "min", "mean", "std", "var", "prod", "any", "all", "argmax", "argmin",
                           "cumsum", "cumprod", "clip", "round", "dot", "squeeze", "transpose", "ravel", "trace",
                           "diagonal", "nonzero"})
#: NumPy ufuncs written as operators.
BINARY = {"add": ast.Add, "subtract": ast.Sub, "multiply": ast.Mult, "true_divide": ast.Div, "divide": ast.Div,
          "power": ast.Pow, "matmul": ast.MatMult, "floor_divide": ast.FloorDiv, "remainder": ast.Mod,
          "mod": ast.Mod}
#: One name for each reduction.
REDUCTIONS = {"numpy.add.reduce": "numpy.sum", "numpy.maximum.reduce": "numpy.max", "numpy.amax": "numpy.max",
              "numpy.minimum.reduce": "numpy.min", "numpy.amin": "numpy.min", "numpy.multiply.reduce": "numpy.prod",
              "numpy.nansum": "numpy.sum", "sum": "numpy.sum", "math.fsum": "numpy.sum", "abs": "numpy.abs",
              "numpy.absolute": "numpy.abs", "math.fabs": "numpy.abs", "numpy.logaddexp.reduce": "numpy.logsumexp"}
#: Functions whose ``axis``/``keepdims``/``dtype``/``out`` arguments are dropped (the array is kept).
REDUCING = frozenset({"numpy.sum", "numpy.max", "numpy.min", "numpy.mean", "numpy.prod", "numpy.std", "numpy.var",
                      "numpy.argmax", "numpy.argmin", "numpy.any", "numpy.all", "numpy.cumsum", "numpy.cumprod",
                      "numpy.logsumexp", "numpy.median", "numpy.count_nonzero", "numpy.nanmax", "numpy.nanmin"})
#: Calls that only convert or lay out their first argument: the argument is kept.
LAYOUT = frozenset({"numpy.asarray", "numpy.array", "numpy.asanyarray", "numpy.asfarray", "numpy.ascontiguousarray",
                    "numpy.float64", "numpy.float32", "float", "list", "tuple", "numpy.expand_dims", "numpy.squeeze",
                    "numpy.moveaxis", "numpy.swapaxes", "numpy.rollaxis", "numpy.atleast_1d", "numpy.atleast_2d",
                    "numpy.ravel", "numpy.copy", "numpy.fromiter", "numpy.stack", "numpy.concatenate",
                    "numpy.vstack", "numpy.hstack"})
#: Methods that only convert or lay out their object.
LAYOUT_METHODS = frozenset({"astype", "copy", "ravel", "flatten", "squeeze", "item", "tolist", "reshape"})
_COMMUTATIVE = (ast.Add, ast.Mult, ast.BitAnd, ast.BitOr, ast.BitXor)
_FLIPPED = {ast.Gt: ast.Lt, ast.GtE: ast.LtE}


def _operands(node: ast.expr, op_type: type[ast.operator]) -> list[ast.expr]:
    """The operands of a chain of one commutative operator, left to right (iteratively: chains can be long)."""
    out, todo = [], [node]
    while todo:
        item = todo.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, op_type):
            todo += [item.right, item.left]
        else:
            out.append(item)
    return out


def _signed_terms(node: ast.expr) -> list[tuple[bool, ast.expr]]:
    """The terms of a chain of ``+`` and ``-`` (and unary ``-``), left to right, each with whether it is
    subtracted (iteratively: chains can be long)."""
    out: list[tuple[bool, ast.expr]] = []
    todo: list[tuple[bool, ast.expr]] = [(False, node)]
    while todo:
        negative, item = todo.pop()
        if isinstance(item, ast.BinOp) and isinstance(item.op, (ast.Add, ast.Sub)):
            todo += [(negative != isinstance(item.op, ast.Sub), item.right), (negative, item.left)]
        elif isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub):
            todo.append((not negative, item.operand))
        else:
            out.append((negative, item))
    return out


def _negative_number(node: ast.expr) -> float | None:
    """The value of a negative number written as a constant or as ``-c``, else None."""
    sign = 1.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node, sign = node.operand, -1.0
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool) \
            and sign * node.value < 0:
        return sign * float(node.value)
    return None


def _same(a: ast.AST, b: ast.AST) -> bool:
    return isinstance(a, ast.Name) and isinstance(b, ast.Name) and a.id == b.id


def _equal(a: ast.AST, b: ast.AST) -> bool:
    """The same expression, written alike."""
    return ast.dump(a, annotate_fields=False) == ast.dump(b, annotate_fields=False)


def _size_of(node: ast.AST, array: ast.AST) -> bool:
    """``array.size`` or ``len(array)``: how many elements ``array`` has (a mean's divisor)."""
    if isinstance(node, ast.Attribute) and node.attr == "size":
        return _equal(node.value, array)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len" \
        and len(node.args) == 1 and _equal(node.args[0], array)


class _Canonical(ast.NodeTransformer):
    def __init__(self, key: Key, namer: Namer) -> None:
        self.key = key
        self.namer = namer

    def _name(self, func: ast.expr) -> str:
        """The library name a call's function is (``numpy.subtract``), a builtin's name, or ""."""
        if isinstance(func, ast.Name):
            if "." in func.id:  # written by this module or vectorise: a library name already
                return func.id
            if func.id in self.namer.local:
                return ""
            return self.namer.imports.get(func.id, func.id if func.id in ("sum", "max", "min", "abs", "float",
                                                                          "list", "tuple", "len", "pow") else "")
        return self.namer.dotted(func) or ""

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        return self._binop(node)

    def _binop(self, node: ast.BinOp) -> ast.expr:
        """One operation whose operands are already canonical."""
        if isinstance(node.op, ast.Mult):  # a * (1 / b) is a / b
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(this, ast.BinOp) and isinstance(this.op, ast.Div) and isinstance(this.left, ast.Constant) \
                        and this.left.value == 1:
                    return self._binop(ast.copy_location(ast.BinOp(other, ast.Div(), this.right), node))
        if isinstance(node.op, ast.Div) and isinstance(node.left, ast.Call) and self._name(node.left.func) == \
                "numpy.sum" and len(node.left.args) == 1 and _size_of(node.right, node.left.args[0]):
            return ast.copy_location(ast.Call(ast.Name("numpy.mean", ast.Load()), node.left.args, []), node)
        if isinstance(node.op, ast.Mult) and _same(node.left, node.right):
            return ast.copy_location(ast.BinOp(node.left, ast.Pow(), ast.Constant(2.0)), node)
        if isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant) \
                and isinstance(node.right.value, (int, float)) and not isinstance(node.right.value, bool) \
                and node.right.value not in (0, 1):
            node = ast.copy_location(ast.BinOp(node.left, ast.Mult(), ast.Constant(1.0 / node.right.value)), node)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            return self._sum(node)
        if isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant) and node.right.value == 0.5:
            return ast.copy_location(ast.Call(ast.Name("numpy.sqrt", ast.Load()), [node.left], []), node)
        if not isinstance(node.op, _COMMUTATIVE):
            return node
        operands = _operands(node, type(node.op))
        if isinstance(node.op, ast.Mult):  # `2 * s * s` is `2 * s ** 2`, as `s * s` is: a factor twice is squared
            squared: list[ast.expr] = []
            for operand in operands:
                twin = next((k for k, seen in enumerate(squared) if _same(seen, operand)), None)
                if twin is None:
                    squared.append(operand)
                else:
                    squared[twin] = ast.copy_location(ast.BinOp(squared[twin], ast.Pow(), ast.Constant(2.0)), node)
            operands = squared
        operands = sorted(operands, key=self.key)
        out = operands[0]
        for operand in operands[1:]:
            out = ast.copy_location(ast.BinOp(out, type(node.op)(), operand), node)
        return out

    def _term(self, negative: bool, term: ast.expr) -> tuple[bool, ast.expr]:
        """A term of a sum with a negative constant factor's sign moved to the term (``x * -0.5`` is
        ``-(x * 0.5)``, ``-1 * x`` is ``-x``)."""
        if _negative_number(term) is not None:
            return not negative, ast.copy_location(ast.Constant(-_negative_number(term)), term)  # type: ignore[operator]
        if isinstance(term, ast.BinOp) and isinstance(term.op, ast.Div):  # (-a) / b is -(a / b)
            flipped, numerator = self._term(False, term.left)
            if flipped:
                return not negative, ast.copy_location(ast.BinOp(numerator, ast.Div(), term.right), term)
            return negative, term
        if not (isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult)):
            return negative, term
        factors = _operands(term, ast.Mult)
        signs = [_negative_number(f) for f in factors]
        if sum(v is not None for v in signs) != 1:
            return negative, term
        kept = [f if v is None else ast.copy_location(ast.Constant(-v), f) for f, v in zip(factors, signs)]
        kept = [f for f in kept if not (isinstance(f, ast.Constant) and f.value == 1.0)] or kept[:1]
        out = kept[0]
        for factor in kept[1:]:
            out = ast.copy_location(ast.BinOp(out, ast.Mult(), factor), term)
        return not negative, self._binop(out) if isinstance(out, ast.BinOp) else out

    def _sum(self, node: ast.BinOp) -> ast.expr:
        """A chain of ``+`` and ``-`` (operands canonical already): its added terms in one order, then its
        subtracted ones; all subtracted, the first is negated."""
        terms = [self._term(negative, term) for negative, term in _signed_terms(node)]
        added = sorted((t for negative, t in terms if not negative), key=self.key)
        taken = sorted((t for negative, t in terms if negative), key=self.key)
        out = added[0] if added else ast.copy_location(ast.UnaryOp(ast.USub(), taken.pop(0)), node)
        for term in added[1:]:
            out = ast.copy_location(ast.BinOp(out, ast.Add(), term), node)
        for term in taken:
            out = ast.copy_location(ast.BinOp(out, ast.Sub(), term), node)
        return out

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if len(node.ops) == 1 and type(node.ops[0]) in _FLIPPED:
            return ast.copy_location(ast.Compare(node.comparators[0], [_FLIPPED[type(node.ops[0])]()], [node.left]),
                                     node)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        self.generic_visit(node)
        key = node.slice
        parts = key.elts if isinstance(key, ast.Tuple) else [key]
        if any(isinstance(p, ast.Constant) and p.value is None or self._name(p) == "numpy.newaxis"
               or (isinstance(p, ast.Attribute) and p.attr == "newaxis") for p in parts) and all(
                isinstance(p, ast.Constant) and p.value in (None, Ellipsis) or isinstance(p, ast.Slice)
                and p.lower is None and p.upper is None and p.step is None or isinstance(p, ast.Attribute)
                and p.attr == "newaxis" for p in parts):
            return node.value  # x[:, None], x[..., np.newaxis]: only a new axis
        return node

    def visit_Call(self, node: ast.Call) -> ast.expr:
        self.generic_visit(node)
        return self._call(node)

    def _call(self, node: ast.Call) -> ast.expr:
        """One call whose arguments are already canonical."""
        func = node.func
        name = self._name(func)
        name = REDUCTIONS.get(name, name)
        if name.startswith("math.") and name[5:] in ("exp", "log", "sqrt", "log1p", "expm1", "log2", "log10", "pi",
                                                     "e", "sin", "cos", "tanh", "fabs", "isinf", "isnan", "inf"):
            name = "numpy." + name[5:]
        if name in ("max", "min") and len(node.args) == 2 and not node.keywords:
            name = "numpy.maximum" if name == "max" else "numpy.minimum"
        elif name in ("max", "min") and len(node.args) == 1:
            name = "numpy." + name
        if name in ("pow", "math.pow") and len(node.args) == 2 and not node.keywords:
            return self._binop(ast.copy_location(ast.BinOp(node.args[0], ast.Pow(), node.args[1]), node))
        if name in LAYOUT and node.args and not isinstance(node.args[0], ast.Starred):
            return node.args[0]
        if name.startswith("numpy.") and name[6:] in BINARY and len(node.args) == 2 and not any(
                k.arg == "out" for k in node.keywords):
            return self._binop(ast.copy_location(ast.BinOp(node.args[0], BINARY[name[6:]](), node.args[1]), node))
        if name == "numpy.log" and len(node.args) == 1 and isinstance(node.args[0], ast.BinOp) \
                and isinstance(node.args[0].op, ast.Div):  # log(a / b) is log(a) - log(b)
            a, b = node.args[0].left, node.args[0].right
            logs = [ast.copy_location(ast.Call(ast.Name("numpy.log", ast.Load()), [x], []), node) for x in (a, b)]
            return self._binop(ast.copy_location(ast.BinOp(logs[0], ast.Sub(), logs[1]), node))
        if name == "numpy.where" and len(node.args) == 3 and isinstance(node.args[0], ast.Compare) \
                and len(node.args[0].ops) == 1 and isinstance(node.args[0].ops[0], (ast.Lt, ast.LtE)):
            left, right = node.args[0].left, node.args[0].comparators[0]
            yes, no = node.args[1], node.args[2]
            if _equal(yes, right) and _equal(no, left) or _equal(yes, left) and _equal(no, right):
                # where(x < c, c, x) is maximum(x, c); where(x < c, x, c) is minimum(x, c)
                largest = _equal(yes, right)
                return self._call(ast.copy_location(ast.Call(ast.Name(
                    "numpy.maximum" if largest else "numpy.minimum", ast.Load()), [left, right], []), node))
        if name in ("numpy.maximum", "numpy.minimum") and len(node.args) == 2:
            node.args = sorted(node.args, key=self.key)
        if name == "numpy.negative" and len(node.args) == 1:
            return ast.copy_location(ast.UnaryOp(ast.USub(), node.args[0]), node)
        if name == "numpy.square" and len(node.args) == 1:
            return self._binop(ast.copy_location(ast.BinOp(node.args[0], ast.Pow(), ast.Constant(2.0)), node))
        if name == "numpy.dot" and len(node.args) == 2:
            return self._binop(ast.copy_location(ast.BinOp(node.args[0], ast.MatMult(), node.args[1]), node))
        if isinstance(func, ast.Attribute) and not name:
            if func.attr in LAYOUT_METHODS:
                return func.value
            if func.attr in NUMPY_METHODS:
                return self._call(ast.copy_location(ast.Call(ast.Name(f"numpy.{func.attr}", ast.Load()),
                                                             [func.value] + node.args, node.keywords), node))
        if name in REDUCING:
            args = node.args[:1]
            keywords = [k for k in node.keywords if k.arg not in ("axis", "keepdims", "dtype", "out")]
            return ast.copy_location(ast.Call(ast.Name(name, ast.Load()), args, keywords), node)
        if name and name != self._name(func):
            node = ast.copy_location(ast.Call(ast.Name(name, ast.Load()), node.args, node.keywords), node)
        node.keywords = sorted(node.keywords, key=lambda k: k.arg or "")
        return node


def canonical_forms(tree: Function, key: Key, namer: Namer) -> None:
    """Rewrite ``tree`` (a function) in place; ``key(node)`` orders operands, ``namer``
    (:class:`autograder.similarity.tokens.Namer`) says what each name is."""
    tree.body = [_Canonical(key, namer).visit(stmt) for stmt in tree.body]
