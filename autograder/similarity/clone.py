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


#: The fields and positions of each node class (its ``_fields`` and ``_attributes``), made once per class.
_KEPT: dict[type, frozenset[str]] = {}


def _copy(node: _N, extra: dict[str, object]) -> _N:
    # A node keeps its fields, its positions and our attributes in its __dict__, and whatever else code in the
    # process set there: `executing` (IPython's tracebacks) sets `parent` on every node it reads, the shared
    # ast.Load() and ast.Add() singletons included, which made every copy after it recurse without end.
    cls = node.__class__
    kept = _KEPT.get(cls)
    if kept is None:
        kept = _KEPT[cls] = frozenset((*cls._fields, *cls._attributes))
    fields: dict[str, object] = {}
    for name, value in node.__dict__.items():
        if name in kept or name.startswith(OWN_PREFIX):
            if isinstance(value, ast.AST):
                value = _copy(value, extra)
            elif isinstance(value, list):
                value = [_copy(item, extra) if isinstance(item, ast.AST) else item for item in value]
            fields[name] = value
    fields.update(extra)
    new = cls.__new__(cls)
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
