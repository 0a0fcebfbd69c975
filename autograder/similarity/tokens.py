"""A normalised function as a stream of tokens: its syntax tree in pre-order, names anonymised.

As Dolos does with tree-sitter, the tokens are the syntax tree's nodes in
pre-order, not the text's words, so layout, comments, parentheses and
quoting cannot change them. What each node is written as:

* a name the function binds (parameter, local variable, loop variable) is
  ``V``: renaming variables changes nothing; a helper of the notebook is
  ``F``; any other name of the notebook is ``G``;
* a library name is written in full through the notebook's imports
  (``np.exp``, ``numpy.exp`` and ``exp`` imported ``from numpy`` are all
  ``numpy.exp``), as are builtins (``len``) and the contract functions;
* an attribute of anything else is ``.name`` (``z.max`` → ``.max`` then ``V``), but for the
  methods and attributes the notebook's own classes define (``.forward``, ``self.output``): ``.M``;
* a number is its value as a float (``2`` and ``2.0`` alike), a string ``S``
  (messages are reworded freely), ``None``/``True``/``False`` themselves;
* an operator is part of its node (``BinOp.Sub``), a keyword argument its
  name (``kw:axis``); type annotations are skipped;
* a node with children is closed by ``)``, so that the stream keeps the tree's shape.

Each token keeps where it came from: the piece (0 the function, then its
helpers kept whole) and the line there, for the side-by-side view.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from autograder.model.pysource import nodes
from autograder.reading.graded import library_name

_BUILTINS = frozenset(dir(builtins))
_SKIP_FIELDS = frozenset({"ctx", "annotation", "returns", "type_comment", "type_params", "op", "ops", "kind"})


@dataclass(frozen=True)
class Namer:
    """How the names of one function are written (see the module docstring)."""

    local: frozenset[str]
    imports: dict[str, str]
    helpers: frozenset[str]
    contract: frozenset[str]
    members: frozenset[str] = frozenset()

    def name(self, name: str) -> str:
        if "." in name:  # written by the normalisation (autograder.similarity.canonical): a library name already
            return name
        if name in self.local:
            return "V"
        if name in self.imports:
            return self.imports[name]
        if name in self.helpers:
            return "F"
        if name in self.contract or name in _BUILTINS:
            return name
        return "G"

    def dotted(self, node: ast.AST) -> str | None:
        """``numpy.linalg.slogdet`` for ``np.linalg.slogdet`` when ``np`` is an import, else None."""
        return library_name(node, self.imports, self.local)


#: A token of a stream, where it came from: ``(token, piece, line)``.
Token = tuple[str, str, int]
#: What statements and operands are ordered by: a hash of a node's tokens (:func:`statement_key`).
Key = Callable[[ast.AST], bytes]


def bound_names(function: ast.AST) -> frozenset[str]:
    """Every name ``function`` binds: parameters, assignment and loop targets, ``as`` names, inner defs."""
    names = set()
    for node in nodes(function):
        if isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not function:
            names.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return frozenset(names)


def local_imports(function: ast.AST, imports: dict[str, str]) -> dict[str, str]:
    """``imports`` with the function's own ``import`` statements added (``import math`` inside it)."""
    out = dict(imports)
    for node in nodes(function):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def _label(node: ast.AST, namer: Namer) -> tuple[str | None, bool]:
    """``(token, descend)`` for one node; token None when the node is not written."""
    if isinstance(node, ast.Name):
        return namer.name(node.id), False
    if isinstance(node, ast.Attribute):
        dotted = namer.dotted(node)
        if dotted:
            return dotted, False
        return (".M" if node.attr in namer.members else "." + node.attr), True
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return repr(value), False
        if isinstance(value, (int, float)):
            try:
                return f"#{float(value)!r}", False
            except OverflowError:
                return "#big", False
        return ("S" if isinstance(value, (str, bytes)) else type(value).__name__), False
    if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.AugAssign)):
        return f"{type(node).__name__}.{type(node.op).__name__}", True
    if isinstance(node, ast.Compare):
        return "Compare." + ".".join(type(op).__name__ for op in node.ops), True
    if isinstance(node, ast.keyword):
        return f"kw:{node.arg or '**'}", True
    if isinstance(node, ast.alias):
        return f"import:{node.name}", False
    if isinstance(node, ast.ImportFrom):
        return f"from:{node.module}", True
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        return "def", True
    if isinstance(node, (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)):
        return None, False
    return type(node).__name__, True


def _children(node: ast.AST) -> Iterator[ast.AST]:
    for name, value in ast.iter_fields(node):
        if name in _SKIP_FIELDS:
            continue
        if isinstance(value, ast.AST):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, ast.AST))


def token_stream(node: ast.AST, namer: Namer, out: list[Token] | None = None, piece: str = "", line: int = 0,
                 piece_attribute: str = "") -> list[Token]:
    """``[(token, piece, line)]`` of ``node`` in pre-order (see the module docstring).

    ``piece`` is the name of the definition a token comes from: read from each node's
    ``piece_attribute`` when it has one, else its parent's. Recursive: the caller bounds
    the tree's depth (:data:`autograder.similarity.bounds.MAX_DEPTH`).
    """
    out = [] if out is None else out
    line = getattr(node, "lineno", line) or line
    piece = getattr(node, piece_attribute, piece) if piece_attribute else piece
    token, descend = _label(node, namer)
    if token is not None:
        out.append((token, piece, line))
    if descend:
        before = len(out)
        for child in _children(node):
            token_stream(child, namer, out, piece, line, piece_attribute)
        if token is not None and len(out) > before:
            out.append((")", piece, line))
    return out


def _digest(token: str, children: list[bytes]) -> bytes:
    h = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=8)
    for child in children:
        h.update(child)
    return h.digest()


def statement_key(namer: Namer) -> Key:
    """The key :func:`autograder.similarity.reorder.canonical_order` sorts statements by, and
    :func:`autograder.similarity.canonical.canonical_forms` operands: a hash of a node's token stream
    (the same for the same tokens, in every process), computed bottom-up once per node and remembered,
    so that sorting the operands at every level of a long chain stays linear in its size (a key of
    the text, made again at each level, was quadratic: a 59 KB notebook took ten minutes)."""
    memo: dict[int, tuple[ast.AST, bytes]] = {}

    def key(root: ast.AST) -> bytes:
        todo: list[tuple[ast.AST, tuple[str, list[ast.AST]] | None]] = [(root, None)]
        while todo:  # post-order without recursion: the children's keys first
            node, ready = todo.pop()
            if id(node) in memo:
                continue
            if ready is None:  # (the node's label and children, read once: kept for its second visit)
                token, descend = _label(node, namer)
                children = list(_children(node)) if descend else []
                todo.append((node, (token or "", children)))
                todo.extend((child, None) for child in children if id(child) not in memo)
                continue
            token, children = ready
            # the node is kept beside its key: an id is only unique while its object lives
            memo[id(node)] = (node, _digest(token, [memo[id(child)][1] for child in children]))
        return memo[id(root)][1]

    return key
