"""A copy of a syntax tree, a few times faster than ``copy.deepcopy``.

The normalisation changes trees in place, and the parsed cells are shared
(:func:`autograder.model.pysource.parse` caches them), so every step works
on copies; ``copy.deepcopy`` was most of the time of a report. This copies
what a syntax tree holds — its fields, its positions and the attributes the
similarity stage sets (:data:`autograder.similarity.document.PIECE`, named
:data:`OWN_PREFIX`…) — and nothing else: not what other code in the process
set on a node. Recursive: the caller bounds the depth
(:data:`autograder.similarity.bounds.MAX_DEPTH`).
"""

from __future__ import annotations

import ast
from typing import TypeVar, overload

_N = TypeVar("_N", bound=ast.AST)
#: A function as the steps change it (in place, on a copy): a def, a method, an expression made one.
Function = ast.FunctionDef | ast.AsyncFunctionDef


#: The attributes the similarity stage sets on its copies start so (``document.PIECE``, ``document._METHOD``).
OWN_PREFIX = "_similarity_"


def _copy(node: _N, extra: dict[str, object]) -> _N:
    # A node keeps its fields, its positions and our attributes in its __dict__, and whatever else code in the
    # process set there: `executing` (IPython's tracebacks) sets `parent` on every node it reads, the shared
    # ast.Load() and ast.Add() singletons included, which made every copy after it recurse without end.
    kept = (*node._fields, *node._attributes)
    fields = {name: value for name, value in node.__dict__.items() if name in kept or name.startswith(OWN_PREFIX)}
    for name, value in fields.items():
        if isinstance(value, ast.AST):
            fields[name] = _copy(value, extra)
        elif isinstance(value, list):
            fields[name] = [_copy(item, extra) if isinstance(item, ast.AST) else item for item in value]
    fields.update(extra)
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update(fields)
    return new


@overload
def clone(node: _N, **attributes: object) -> _N: ...
@overload
def clone(node: list[_N], **attributes: object) -> list[_N]: ...
def clone(node: _N | list[_N], **attributes: object) -> _N | list[_N]:
    """A copy of ``node`` (an ``ast.AST`` or a list of them), with ``attributes`` set on every node of the
    copy (``clone(tree, _piece="softmax")``) besides the ones it had."""
    if isinstance(node, list):
        return [_copy(item, attributes) if isinstance(item, ast.AST) else item for item in node]
    return _copy(node, attributes)
