"""What a notebook's cells bind at top level, in order: each name's candidate bindings, resolved as they ran.

A name bound in a block (``if``/``for``/``try``/``with``/``match``), or in a
cell that stopped early (an error, a timeout), may or may not be bound: the
bindings before it stay candidates beside it; an unconditional binding
replaces them. A binding's value is resolved when it is read, in notebook
order, as it was when it ran: ``f = sp.softmax`` names
``scipy.special.softmax`` even if ``sp`` is rebound below it.

Both readers of a function start here: the forbidden uses
(:mod:`autograder.reading.forbidden`) and the purity reading
(:mod:`autograder.reading.writes`, which reads the ``def`` a name is bound to
and follows the notebook's functions it calls by name).
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass

from autograder.model.invariant import of_type
from autograder.model.pysource import import_names, nodes
from autograder.reading.cells import blocks_of

#: A function of the notebook as a node: what a ``"def"`` or ``"lambda"`` binding holds, a method of a class.
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass(frozen=True)
class Binding:
    """One way a top-level name may be bound.

    ``kind``: ``"def"`` and ``"class"`` (``node`` the statement), ``"lambda"`` (``node`` the lambda),
    ``"instance"`` (``node`` the class it is an instance of), ``"import"`` and ``"alias"`` (``dotted`` the
    library name), ``"container"`` (``members`` the library names it holds), ``"other"`` (anything else).
    ``cell``: the index of the cell that bound it.
    """

    kind: str
    cell: int
    node: ast.AST | None = None
    dotted: str = ""
    members: tuple[str, ...] = ()

    def code(self) -> FunctionNode:
        """``node`` of a ``"def"`` or ``"lambda"`` binding: the function."""
        return of_type(self.node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda),
                       f"a {self.kind!r} binding holds its def or lambda (Definitions._values)")

    def class_node(self) -> ast.ClassDef:
        """``node`` of a ``"class"`` or ``"instance"`` binding: the class (of the instance)."""
        return of_type(self.node, ast.ClassDef, f"a {self.kind!r} binding holds its class (Definitions._values)")


#: What a name is bound to, as :meth:`Definitions._values` takes it: a def or class statement or another
#: expression, an import's dotted name, or None (bound otherwise).
Bound = ast.AST | str | None


def _const_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class Definitions:
    """The names the cells read so far bind, with their candidate :class:`Binding` s (:meth:`add`, in order)."""

    def __init__(self) -> None:
        self.bindings: dict[str, list[Binding]] = {}  # name -> [Binding], the latest last
        self.aliases: dict[str, str] = {}  # name -> dotted library name of its latest import or alias binding

    def candidates(self, name: str) -> list[Binding]:
        return self.bindings.get(name, [])

    def add(self, tree: ast.Module, cell: int, conditional: bool = False) -> None:
        """Bind what ``tree``'s top-level statements bind (``conditional``: the cell may have stopped early)."""
        for name, value, in_block in _sites(tree):
            for binding in self._values(value, cell):
                self._bind(name, binding, conditional or in_block)

    def _bind(self, name: str, binding: Binding, conditional: bool) -> None:
        if conditional:
            self.bindings.setdefault(name, []).append(binding)
        else:
            self.bindings[name] = [binding]
        dotted = [b.dotted for b in self.bindings[name] if b.dotted]
        if dotted:
            self.aliases[name] = dotted[-1]
        else:
            self.aliases.pop(name, None)

    def _values(self, value: Bound, cell: int) -> list[Binding]:
        """The bindings ``name = value`` makes (several when ``value`` is a name with several candidates); ``value``
        is a def or class statement, an import's dotted name, an expression, or None (bound otherwise)."""
        if value is None:
            return [Binding("other", cell)]
        if isinstance(value, str):
            return [Binding("import", cell, dotted=value)]
        if isinstance(value, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return [Binding("def", cell, value)]
        if isinstance(value, ast.ClassDef):
            return [Binding("class", cell, value)]
        if isinstance(value, ast.Lambda):
            return [Binding("lambda", cell, value)]
        if isinstance(value, ast.Name) and any(b.kind in ("def", "lambda", "instance")
                                               for b in self.candidates(value.id)):
            return list(self.candidates(value.id))  # g = f: whatever f may be
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            classes = [b.node for b in self.candidates(value.func.id) if b.kind == "class"]
            if classes:
                return [Binding("instance", cell, node) for node in classes]
        dotted = self.dotted(value, {}, set())
        if dotted:
            return [Binding("alias", cell, dotted=dotted)]
        members = tuple(m for m in (self.dotted(v, {}, set()) for v in _elements(value)) if m)
        if members:
            return [Binding("container", cell, members=members)]
        return [Binding("other", cell)]

    # -- library names ----------------------------------------------------------------------------------------
    def dotted(self, node: ast.AST, local_imports: dict[str, str], local_names: set[str]) -> str | None:
        """The dotted library name ``node`` stands for (``sp.softmax`` → ``scipy.special.softmax``), or None.

        Follows the cell's and the notebook's imports and aliases, attribute chains, ``getattr(x, "const")``,
        ``__import__("a.b")`` (``a``; ``a.b`` with a fromlist) and ``importlib.import_module("a.b")``.
        """
        parts = []
        while True:
            if isinstance(node, ast.Attribute):
                parts.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) >= 2 and (attr := _const_str(node.args[1])) and "getattr" not in local_names:
                parts.append(attr)
                node = node.args[0]
            else:
                break
        base = None
        if isinstance(node, ast.Name):
            if node.id in local_imports:
                base = local_imports[node.id]
            elif node.id in local_names:
                return None
            else:
                base = self.aliases.get(node.id)
        elif isinstance(node, ast.Call) and node.args and (module := _const_str(node.args[0])):
            base = self._imported(node, module, local_imports, local_names)
        if base is None:
            return None
        return ".".join([base, *reversed(parts)])

    def _imported(self, node: ast.Call, name: str, local_imports: dict[str, str], local_names: set[str]) -> str | None:
        """The module ``__import__("a.b")`` or ``importlib.import_module("a.b")`` gives, or None."""
        if isinstance(node.func, ast.Name) and node.func.id == "__import__":
            fromlist = node.args[3] if len(node.args) > 3 else next(
                (kw.value for kw in node.keywords if kw.arg == "fromlist"), None)
            empty = isinstance(fromlist, (ast.List, ast.Tuple)) and not fromlist.elts
            return name if fromlist is not None and not empty else name.split(".")[0]
        if self.dotted(node.func, local_imports, local_names) == "importlib.import_module":
            return name
        return None


@functools.lru_cache(maxsize=512)
def _sites(tree: ast.Module) -> tuple[tuple[str, Bound, bool], ...]:
    """``(name, value, in a block)`` for each binding of a cell's top-level statements, in order (``value`` as
    :meth:`Definitions._values` takes it); read once per tree (the course's cells recur in every notebook)."""
    out: list[tuple[str, Bound, bool]] = []

    def statements(body: list[ast.stmt], in_block: bool) -> None:
        for node in body:
            blocks = blocks_of(node)
            out.extend((name, value, in_block or bool(blocks)) for name, value in _bound(node))
            for block in blocks:
                statements(block, True)

    statements(tree.body, False)
    return tuple(out)


def _bound(node: ast.stmt) -> list[tuple[str, Bound]]:
    """``(name, value)`` for each name a top-level statement binds (blocks are read on their own)."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [(node.name, node)]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names: dict[str, str] = {}
        import_names(node, names)
        return list(names.items())
    if isinstance(node, ast.Assign):
        return [pair for target in node.targets for pair in _assigned(target, node.value)]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return _assigned(node.target, node.value)
    heads: list[ast.AST] = [node]
    if isinstance(node, (ast.If, ast.While)):
        heads = [node.test]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        heads = [node.target, node.iter]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        heads = list(node.items)
    elif isinstance(node, ast.Match):
        heads = [node.subject, *(case.pattern for case in node.cases)]
    elif blocks_of(node):
        heads = list(getattr(node, "handlers", []))
    out: list[tuple[str, Bound]] = []
    for sub in (n for head in heads for n in nodes(head)):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, (ast.Store, ast.Del)):
            out.append((sub.id, None))
        elif isinstance(sub, ast.ExceptHandler) and sub.name:
            out.append((sub.name, None))
        elif type(sub).__name__ in ("MatchAs", "MatchStar", "MatchMapping"):
            out += [(n, None) for n in (getattr(sub, "name", None), getattr(sub, "rest", None)) if n]
    return out


def _assigned(target: ast.expr, value: ast.expr) -> list[tuple[str, Bound]]:
    if isinstance(target, ast.Name):
        return [(target.id, value)]
    if isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)) and len(
            target.elts) == len(value.elts) and not any(isinstance(e, ast.Starred) for e in target.elts):
        return [pair for t, v in zip(target.elts, value.elts, strict=True) for pair in _assigned(t, v)]
    return [(n.id, None) for n in ast.walk(target) if isinstance(n, ast.Name)]


def _elements(value: ast.AST) -> list[ast.expr]:
    """The items of a container display (``[sp.softmax]``, ``{"s": sp.softmax}``, ``dict(s=sp.softmax)``)."""
    if isinstance(value, ast.Subscript):  # [sp.softmax][0], {"s": sp.softmax}["s"]
        value = value.value
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return list(value.elts)
    if isinstance(value, ast.Dict):
        return list(value.values)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in (
            "dict", "list", "tuple", "set"):
        return [kw.value for kw in value.keywords] + [
            e for a in value.args if isinstance(a, (ast.List, ast.Tuple, ast.Set)) for e in a.elts]
    return []
