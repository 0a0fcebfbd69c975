"""What a submitted notebook defines, read as data: its top-level functions and imports.

The cells are never run. Each code cell is read through the model's reader
(IPython's escapes neutralised, :func:`autograder.model.pysource.python_source`;
parsed by :func:`autograder.model.pysource.parse`, ``None`` on any error), in
notebook order, so that the last top-level ``def`` of a name wins, as in the
kernel. Cells the release locks (graded tests, the lesson's cells, the
imports) are read for their imports only: the engine restores them from the
source, so code a student put there never runs and never counts here.

Bounded work on untrusted text: the notebook as a whole is within the
engine's caps already (:func:`autograder.model.notebook.load_submission`:
20 MB, 2,000 cells, 100,000 characters a cell); here at most
:data:`MAX_TOTAL_CHARS` characters of cells are parsed, and a definition kept
for display is cut at :data:`MAX_SHOWN_LINES` lines.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from autograder.model.notebook import cell_text, grade_id_of
from autograder.model.pysource import parse, python_source

#: Characters of code cells parsed per notebook (the engine's static analysis reads as much).
MAX_TOTAL_CHARS = 1_000_000
#: Lines of one definition kept to be shown side by side (a solution is a few dozen).
MAX_SHOWN_LINES = 400


@dataclass(frozen=True)
class Definition:
    """One top-level ``def`` as the student wrote it.

    ``cell`` is the index of its code cell in the notebook, ``line`` its first
    line there (decorators included, 1-based), ``text`` its source lines as
    written (at most :data:`MAX_SHOWN_LINES`); ``node`` the parsed tree, only read.
    """

    name: str
    cell: int
    line: int
    text: str
    node: ast.AST = field(compare=False, repr=False)


@dataclass
class NotebookCode:
    """The top-level definitions (last one of each name) and import aliases of a notebook."""

    definitions: dict = field(default_factory=dict)
    imports: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)


def _imports(tree, into: dict) -> None:
    """``alias -> dotted name`` of a tree's top-level imports (``import numpy as np`` → ``np: numpy``)."""
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                into[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    into[alias.asname or alias.name] = f"{node.module}.{alias.name}"


def _definition(node, index: int, code: str) -> Definition:
    first = min([node.lineno] + [d.lineno for d in node.decorator_list])
    lines = code.split("\n")[first - 1:(node.end_lineno or node.lineno)]
    if len(lines) > MAX_SHOWN_LINES:
        lines = lines[:MAX_SHOWN_LINES] + [f"… ({len(lines) - MAX_SHOWN_LINES:,} more lines not shown)"]
    return Definition(node.name, index, first, "\n".join(lines), node)


def read_code(cells: list, locked=frozenset()) -> NotebookCode:
    """The definitions and imports of ``cells`` (a notebook's ``cells`` list, read by the model).

    Parameters
    ----------
    cells : list
        The notebook's cells as nbformat JSON (a cell that is not a code cell is skipped).
    locked : collection of str
        grade_ids of the cells the release locks: read for imports, never for definitions.

    Returns
    -------
    NotebookCode
        ``problems`` names the cells that could not be read as Python, and a
        notebook cut at :data:`MAX_TOTAL_CHARS`.
    """
    out, total = NotebookCode(), 0
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell_text(cell)
        total += len(text)
        if total > MAX_TOTAL_CHARS:
            out.problems.append(f"cells from cell {index} on were not read (more than {MAX_TOTAL_CHARS:,} "
                                "characters of code)")
            break
        code = python_source(text)
        tree = None if code is None else parse(code)
        if tree is None:
            if text.strip():
                out.problems.append(f"cell {index} is not valid Python (not compared)")
            continue
        _imports(tree, out.imports)
        if grade_id_of(cell) in locked:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.definitions[node.name] = _definition(node, index, code)
    return out
