"""Conventions the grading engine relies on, checked on the real source notebooks."""

import ast

import nbformat
import pytest

from autograder.model.course import PROBLEM_SETS, is_lesson_cell, source_notebook


def _tree(source):
    # IPython magics and shell escapes are not Python; they define nothing.
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines))


def _defined(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _used(tree):
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_lesson_cells_define_nothing_that_graded_code_uses(ps):
    """The engine skips fig-/demo- cells, so no solution or graded cell may need their names."""
    nb = nbformat.read(source_notebook(ps), as_version=4)
    lesson, other = set(), set()
    defined_elsewhere = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        tree = _tree(cell.source)
        if is_lesson_cell(meta.get("grade_id")):
            lesson |= _defined(tree)
        elif meta.get("solution") or meta.get("grade") or meta.get("locked"):
            other |= _used(tree)
            defined_elsewhere |= _defined(tree)
    needed = (lesson & other) - defined_elsewhere
    assert not needed, f"{ps}: graded or solution cells use names defined only in lesson cells: {sorted(needed)}"


@pytest.mark.parametrize("ps", PROBLEM_SETS)
def test_every_lesson_cell_is_locked_and_not_graded(ps):
    nb = nbformat.read(source_notebook(ps), as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if is_lesson_cell(meta.get("grade_id")):
            assert meta.get("locked") and not meta.get("grade") and not meta.get("solution"), meta["grade_id"]
