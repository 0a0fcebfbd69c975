"""A function looked up in a table of functions, written as the function it looks up.

``IMPLEMENTATIONS = {"softmax": _softmax}`` and then ``return IMPLEMENTATIONS["softmax"](z)`` runs
``_softmax(z)``: any function can be put behind such a table, so that the graded function holds one line
and the code is in a helper. A subscript ``T[k]`` read where ``T`` is a notebook name bound to a dict
display (``{…}``, every key a constant) and ``k`` a constant the display maps to a plain name is replaced
by that name (in place, on the document's copy), so that :mod:`.inline` writes the helper in where it is
called, as it does for a direct call. ``T`` must not be a name the function binds itself.

A table that no code reads any more once its lookups are written so (:func:`unread_tables`) is not
compared either: its display only named the functions.

Only the report reads this: the table is read as it was bound (a later ``T["softmax"] = g`` is not
seen), which can make two documents look more or less alike, never change a grade.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from autograder.model.pysource import nodes
from autograder.reading.graded import Binding
from autograder.similarity.clone import Function
from autograder.similarity.tokens import bound_names


def table_of(binding: Binding | None) -> dict[object, str]:
    """``{key: name}`` of a binding to a dict display whose keys are all constants (its values that are
    plain names); empty for any other binding."""
    if binding is None or binding.kind != "expr" or not isinstance(binding.node, ast.Dict):
        return {}
    display = binding.node
    if not all(isinstance(k, ast.Constant) for k in display.keys):  # (a None key is a ``**`` spread)
        return {}
    out: dict[object, str] = {}
    for key, value in zip(display.keys, display.values, strict=True):
        if isinstance(key, ast.Constant) and isinstance(value, ast.Name):
            out[key.value] = value.id
        elif isinstance(key, ast.Constant):
            out.pop(key.value, None)  # (a later entry of the same key wins, as in Python)
    return out


def tables_in(names: Mapping[str, Binding]) -> dict[str, dict[object, str]]:
    """``{name: its table}`` of the notebook's names bound to a table of functions (:func:`table_of`): read once per
    document, so that a notebook without one costs no walk of its functions."""
    return {name: table for name, binding in names.items() if (table := table_of(binding))}


def look_up_tables(function: Function, tables: Mapping[str, dict[object, str]]) -> None:
    """Replace in ``function`` (a copy) each ``T[k]`` read from one of ``tables`` (:func:`tables_in`) by the name
    it holds."""
    if not tables:
        return
    own = bound_names(function)
    for node in nodes(function):
        for field, value in ast.iter_fields(node):
            items = value if isinstance(value, list) else [value]
            for index, child in enumerate(items):
                name = _looked_up(child, tables, own)
                if name is None:
                    continue
                new = ast.copy_location(ast.Name(name, ast.Load()), child)
                if isinstance(value, list):
                    value[index] = new
                else:
                    setattr(node, field, new)


def unread_tables(trees: list[Function], tables: Mapping[str, dict[object, str]]) -> list[Function]:
    """``trees`` without the tables of functions (an expression reached by name, one of ``tables``) that no tree
    reads any more: once each lookup is written as the function it finds, the display is not the computation."""
    if not tables:
        return trees
    loaded = {n.id for tree in trees for n in nodes(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return [tree for tree in trees if tree.name in loaded or not _a_table(tree, tables)]


def _a_table(tree: Function, tables: Mapping[str, dict[object, str]]) -> bool:
    """Whether ``tree`` is an expression's function (built by :mod:`.document`: no parameters, one ``return``) of
    a display read as one of ``tables``."""
    body = tree.body
    return (tree.name in tables and not tree.args.args and len(body) == 1 and isinstance(body[0], ast.Return)
            and isinstance(body[0].value, ast.Dict))


def _looked_up(node: object, tables: Mapping[str, dict[object, str]], own: frozenset[str]) -> str | None:
    if not (isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name)
            and isinstance(node.slice, ast.Constant) and node.value.id not in own):
        return None
    return tables.get(node.value.id, {}).get(node.slice.value)
